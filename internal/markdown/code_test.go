package markdown

import (
	"bytes"
	"sync"
	"testing"

	"github.com/yuin/goldmark"
	highlighting "github.com/yuin/goldmark-highlighting/v2"
	"github.com/yuin/goldmark/renderer"
	"github.com/yuin/goldmark/util"
)

// TestCodeRendererMatchesExtension: fenced code blocks render byte for
// byte as goldmark-highlighting renders them, in a language chroma knows
// or not, with attributes or without, whatever the code holds; and one
// formatter serves blocks rendered at once.
func TestCodeRendererMatchesExtension(t *testing.T) {
	reference := goldmark.New(goldmark.WithExtensions(highlighting.NewHighlighting(codeOptions...)))
	ours := goldmark.New(goldmark.WithRendererOptions(renderer.WithNodeRenderers(util.Prioritized(newCodeRenderer(), 100))))
	blocks := []string{
		"```go\nfunc main() {\n\tfmt.Println(\"<b>&</b>\")\n}\n```\n",
		"```python\ndef f(x):\n    return x * 2  # double\n```\n",
		"```yaml\ntitle: \"Checkout errors\"\ntags: [db, 'cache']\n```\n",
		"```sh\ncurl -s https://example.com | jq .\n```\n",
		"```json\n{\"a\": [1, 2.5, null, true]}\n```\n",
		"```sql\nSELECT * FROM incidents WHERE severity = 'SEV1';\n```\n",
		"```text\nplain <text> & more\n```\n",
		"```no-such-language\nx := 1\n```\n",
		"```\nno language at all <here>\n```\n",
		"```{python}\nprint(1)\n```\n",
		"```python {hl_lines=[1]}\nprint(1)\nprint(2)\n```\n",
		"```go {linenos=true}\nx := 1\ny := 2\n```\n",
		"```go\n```\n",
		"~~~ruby\nputs \"héllo wörld ✓\"\n~~~\n",
		"```diff\n- old\n+ new\n```\n",
		"  ```go\n  indented := true\n  ```\n",
	}
	render := func(md goldmark.Markdown, src string) string {
		var buf bytes.Buffer
		if err := md.Convert([]byte(src), &buf); err != nil {
			t.Fatal(err)
		}
		return buf.String()
	}
	for _, src := range blocks {
		if got, want := render(ours, src), render(reference, src); got != want {
			t.Errorf("%q:\n got %q\nwant %q", src, got, want)
		}
	}
	// At once, as the build renders pages.
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			src := blocks[i%len(blocks)]
			want := render(reference, src)
			for range 20 {
				if got := render(ours, src); got != want {
					t.Errorf("rendered at once, %q differs", src)
					return
				}
			}
		}()
	}
	wg.Wait()
}
