package markdown

import (
	"regexp"
	"strings"
	"testing"
)

func TestRender(t *testing.T) {
	src := "## Root cause\n\nSee [the other](2017-01-31-other.md), [x](javascript:alert(1)), [y](JaVaScRiPt:alert(1)), commit 4f1c2e9 and OPS-42 \"quoted\".\n\n" +
		"<script>alert(1)</script>\n\n<img src=x onerror=alert(1)>\n\n![graph](img/g.png) ![bad](../../etc/passwd)\n\n```go\nfunc main() {}\n```\n\n### Sub *heading*\n\n`OPS-1 in code`\n"
	tickets := regexp.MustCompile(`\bOPS-[0-9]+\b|\b4f1c2e9\b`)
	out, toc, err := Render([]byte(src), RenderOptions{
		Link: func(dest string, image bool) string {
			switch {
			case dest == "2017-01-31-other.md":
				return "/pm/2017-01-31-other/"
			case image && dest == "img/g.png":
				return "/pm/files/img/g.png"
			case image:
				return ""
			}
			return dest
		},
		AutoLinks: func(text string) []AutoLink {
			var out []AutoLink
			for _, m := range tickets.FindAllStringIndex(text, -1) {
				out = append(out, AutoLink{Start: m[0], End: m[1], URL: "https://t.example.com/" + text[m[0]:m[1]]})
			}
			return out
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	html := string(out)
	for _, want := range []string{
		`<h2 id="root-cause">Root cause <a class="anchor" href="#root-cause" aria-label="Link to this section">#</a></h2>`,
		`<a href="/pm/2017-01-31-other/">the other</a>`,
		`<a href="https://t.example.com/4f1c2e9">4f1c2e9</a>`,
		`<a href="https://t.example.com/OPS-42">OPS-42</a>`,
		`&ldquo;quoted&rdquo;`,
		`<img src="/pm/files/img/g.png" alt="graph">`,
		`class="chroma"`,
		`<code>OPS-1 in code</code>`,
	} {
		if !strings.Contains(html, want) {
			t.Errorf("missing %s in:\n%s", want, html)
		}
	}
	for _, bad := range []string{"<script", "onerror", "javascript:", "JaVaScRiPt", "etc/passwd", "style="} {
		if strings.Contains(html, bad) {
			t.Errorf("output contains %q:\n%s", bad, html)
		}
	}
	if len(toc) != 2 || toc[0].ID != "root-cause" || toc[1].Text != "Sub heading" || toc[1].Level != 3 {
		t.Errorf("toc = %+v", toc)
	}
}

func TestChromaCSS(t *testing.T) {
	css, err := ChromaCSS()
	if err != nil || !strings.Contains(string(css), ".chroma") || !strings.Contains(string(css), "prefers-color-scheme: dark") || !strings.Contains(string(css), "[data-theme=dark] .chroma") {
		t.Errorf("chroma css: %v\n%s", err, css[:min(len(css), 300)])
	}
}

func TestPlainText(t *testing.T) {
	got := PlainText([]byte("## Impact\n\nUsers *saw* errors.\nSecond line.\n\n- one\n- two\n\n```\ncode here\n```\n\n<script>x</script>\n\n| a | b |\n|---|---|\n| c | d |\n"))
	for _, want := range []string{"Impact", "Users saw errors. Second line.", "one", "two", "code here", "c", "d"} {
		if !strings.Contains(got, want) {
			t.Errorf("plain text lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "<script>") || strings.Contains(got, "**") || strings.Contains(got, "##") {
		t.Errorf("plain text keeps markup:\n%s", got)
	}
}

// TestRenderLinkedImage: an image inside a link (a thumbnail linking to
// the full picture) is rewritten like any other image, so that the site
// copies it and an unsafe one is dropped; the link's text is not
// auto-linked.
func TestRenderLinkedImage(t *testing.T) {
	src := "[![graph](img/g.png)](img/g.png) [![bad](../../etc/passwd)](https://x.example.com/) [see OPS-1](https://y.example.com/)\n"
	out, _, err := Render([]byte(src), RenderOptions{
		Link: func(dest string, image bool) string {
			switch {
			case image && dest == "img/g.png":
				return "/pm/files/img/g.png"
			case image:
				return ""
			}
			return dest
		},
		AutoLinks: func(text string) []AutoLink {
			if i := strings.Index(text, "OPS-1"); i >= 0 {
				return []AutoLink{{Start: i, End: i + 5, URL: "https://t.example.com/OPS-1"}}
			}
			return nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	html := string(out)
	for _, want := range []string{`<img src="/pm/files/img/g.png" alt="graph">`, `<a href="https://y.example.com/">see OPS-1</a>`} {
		if !strings.Contains(html, want) {
			t.Errorf("missing %s in:\n%s", want, html)
		}
	}
	for _, bad := range []string{"etc/passwd", `src="img/g.png"`, "t.example.com"} {
		if strings.Contains(html, bad) {
			t.Errorf("output contains %q:\n%s", bad, html)
		}
	}
}
