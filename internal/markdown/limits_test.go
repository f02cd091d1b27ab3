package markdown

import (
	"fmt"
	"strings"
	"testing"

	"github.com/hindsight-dev/hindsight/internal/postmortem"
)

func TestNesting(t *testing.T) {
	for _, tc := range []struct {
		line string
		want int
	}{
		{"plain text", 0},
		{"- item", 1},
		{"  - nested", 2},
		{"> quote", 1},
		{"> - > 1. x", 4},
		{"12) item", 1},
		{"1234567890. not a list marker", 0},
		{"        code, no marker", 0},
		{"\t- tab", 3},
		{"-not a marker", 0},
		{strings.Repeat("- ", 150) + "x", 150},
		{strings.Repeat("  ", 120) + "- x", 121},
	} {
		if got := nesting([]byte(tc.line)); got != tc.want {
			t.Errorf("nesting(%.30q) = %d, want %d", tc.line, got, tc.want)
		}
	}
}

// A body nesting past MaxNesting is read as plain text: the outline says
// from which file line, the page shows the text escaped in a <pre>, and
// the search text keeps the words.
func TestTooDeepIsPlainText(t *testing.T) {
	var b strings.Builder
	b.WriteString("## Impact\n\nFine so far.\n\n")
	for i := range MaxNesting + 5 {
		fmt.Fprintf(&b, "%s- level %d <b>\n", strings.Repeat("  ", i), i)
	}
	b.WriteString("``` inside\n")
	body := []byte(b.String())

	out := Analyze(body, 10)
	// The list item of depth MaxNesting (the body's line 5 + MaxNesting) is
	// the first past it.
	if want := (postmortem.PlainText{Line: 10 + 4 + MaxNesting, Deep: true}); out.PlainText != want {
		t.Errorf("PlainText = %+v, want %+v", out.PlainText, want)
	}
	if len(out.Sections) != 0 || len(out.CodeBlocks) != 1 || out.CodeBlocks[0].Line != 9 {
		t.Errorf("outline of a plain body: %+v", out)
	}
	html, _, err := Render(body, RenderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	page := string(html)
	if !strings.HasPrefix(page, "<pre") || strings.Contains(page, "<b>") || strings.Contains(page, "<li>") ||
		!strings.Contains(page, "level 104 &lt;b&gt;") || !strings.Contains(page, "``` inside") {
		t.Errorf("rendered as %.300s", page)
	}
	if text := PlainText(body); !strings.Contains(text, "level 104") {
		t.Errorf("plain text lost the words: %.200s", text)
	}

	// Just under the limit, the body is Markdown.
	shallow := "- a\n" + strings.Repeat("  ", MaxNesting-2) + "- b\n"
	if out := Analyze([]byte(shallow), 1); out.PlainText.Line != 0 {
		t.Errorf("a list %d deep taken for too deep", MaxNesting-1)
	}
}

// Past MaxReferences link reference definitions, they show as text and
// the links using them are not links; under it, they work.
func TestManyReferences(t *testing.T) {
	body := func(n int) []byte {
		var b strings.Builder
		for i := range n {
			fmt.Fprintf(&b, "[r%d]: https://example.com/%d\n", i, i)
		}
		b.WriteString("\nsee [x][r1]\n")
		return []byte(b.String())
	}
	few, _, _ := Render(body(MaxReferences), RenderOptions{})
	if !strings.Contains(string(few), `<a href="https://example.com/1">x</a>`) || strings.Contains(string(few), "[r2]:") {
		t.Errorf("%d references not used: %.300s", MaxReferences, few)
	}
	many, _, _ := Render(body(MaxReferences+1), RenderOptions{})
	if strings.Contains(string(many), ">x</a>") || !strings.Contains(string(many), "see [x][r1]") {
		t.Errorf("%d references not shown as text: %.300s", MaxReferences+1, many)
	}
}

// A paragraph with brackets past MaxParagraphLines makes the body plain
// text; as long a fenced code block, list or table does not, nor does a
// paragraph of no brackets.
func TestLongParagraph(t *testing.T) {
	lines := func(line string, n int) string { return strings.Repeat(line+"\n", n) }
	for _, tc := range []struct {
		name, body string
		want       int
	}{
		{"paragraph", "intro\n\n" + lines("[a] b", MaxParagraphLines+1), 3 + MaxParagraphLines},
		{"just under", lines("[a] b", MaxParagraphLines), 0},
		{"no brackets", lines("a b", MaxParagraphLines+1), 0},
		{"fenced code", "```\n" + lines("[a] b", MaxParagraphLines+1) + "```\n", 0},
		{"fenced code, tildes", "~~~~ go\n" + lines("[a] b", MaxParagraphLines+1) + "~~~\n~~~~\n", 0},
		{"list", lines("- [a](b)", MaxParagraphLines+1), 0},
		{"table", "| a |\n| - |\n" + lines("| [a](b) |", MaxParagraphLines+1), 0},
		{"after a fence", "```\nx\n```\n" + lines("[a] b", MaxParagraphLines+1), 4 + MaxParagraphLines},
	} {
		out := Analyze([]byte(tc.body), 1)
		if out.PlainText.Line != tc.want || out.PlainText.Deep {
			t.Errorf("%s: %+v, want line %d", tc.name, out.PlainText, tc.want)
		}
	}
}

// Past MaxEmphasis runs of *, _ and ~, emphasis and strikethrough show as
// the characters; under it, they work.
func TestManyEmphasis(t *testing.T) {
	body := func(n int) []byte {
		return []byte("*a* ~~b~~ " + strings.Repeat("_x_ ", n/2) + "\n")
	}
	few, _, _ := Render(body(MaxEmphasis-4), RenderOptions{})
	if !strings.Contains(string(few), "<em>a</em> <del>b</del>") {
		t.Errorf("emphasis lost under the limit: %.100s", few)
	}
	many, _, _ := Render(body(MaxEmphasis), RenderOptions{})
	if !strings.HasPrefix(string(many), "<p>*a* ~~b~~ _x_") {
		t.Errorf("emphasis kept past the limit: %.100s", many)
	}
}
