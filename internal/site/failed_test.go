package site

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSnippet(t *testing.T) {
	src := []byte("---\ntitle: [A\n\tdate: x\nstatus: draft\n---\nbody\n")
	for _, tt := range []struct {
		name      string
		line, col int
		want      string
	}{
		{"caret under the column", 2, 8, "1 | ---\n2 | title: [A\n  |        ^\n3 | \tdate: x"},
		{"a tab keeps its width", 3, 3, "1 | ---\n2 | title: [A\n3 | \tdate: x\n  | \t ^\n4 | status: draft"},
		{"no column, no caret", 1, 0, "1 | ---\n2 | title: [A"},
		{"a column past the end", 4, 40, "2 | title: [A\n3 | \tdate: x\n4 | status: draft\n  |              ^\n5 | ---"},
		{"no such line", 99, 1, ""},
		{"no line", 0, 1, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := snippet(src, tt.line, tt.col); got != tt.want {
				t.Errorf("got\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
	long := strings.Repeat("é", 200)
	if got := snippet([]byte(long), 1, 1); !strings.HasSuffix(strings.SplitN(got, "\n", 2)[0], "…") || strings.ContainsRune(got, '\uFFFD') {
		t.Errorf("a long line: %q", got)
	}
	if got := snippet([]byte("a\n"+strings.Repeat("x\n", 12)), 10, 1); !strings.HasPrefix(got, " 8 | x\n 9 | x\n10 | x\n   | ^\n11 | x") {
		t.Errorf("line numbers of two widths:\n%s", got)
	}
}

// TestPreviewPages: in the preview, a page's findings come first, errors
// before warnings, counted apart; a file that failed to parse gets a page
// at its id, unless a postmortem has that id; a build that is not a
// preview writes no such page and keeps warnings in the checks panel.
func TestPreviewPages(t *testing.T) {
	cfg, pms := fixture(t)
	pm := pms[0]
	findings := map[string][]Finding{pm.File: {
		{Level: "warning", Line: 9, Col: 3, Rule: "placeholder", Message: "placeholder text TODO"},
		{Level: "error", Line: 12, Col: 1, Rule: "required-field", Message: "summary is missing"},
	}}
	failed := []Failed{
		{File: "postmortems/broken.md", ID: "broken", Title: "A <b>broken</b> one", Source: []byte("---\ntitle: [x\n---\n"),
			Findings: []Finding{{Level: "error", Line: 2, Col: 8, Rule: "syntax", Message: "invalid YAML <here>"}}},
		{File: "postmortems/twin.md", ID: pm.ID, Findings: []Finding{{Level: "error", Line: 1, Col: 1, Rule: "syntax", Message: "twin"}}},
	}
	out := build(t, cfg, pms, Options{Findings: findings, Failed: failed, Preview: true})
	page := read(t, out, pm.ID+"/index.html")
	head, _, _ := strings.Cut(page, `class="writeup`)
	e, w := strings.Index(head, "summary is missing"), strings.Index(head, "placeholder text TODO")
	if e < 0 || w < 0 || e > w {
		t.Errorf("the findings are not at the top, errors first (error at %d, warning at %d)", e, w)
	}
	if !strings.Contains(head, "The check found 1 error and 1 warning") || !strings.Contains(head, "line 12, column 1") {
		t.Error("the findings are not counted apart with their places")
	}
	if strings.Contains(page, "twin") {
		t.Error("a failed file took the page of a postmortem that parsed")
	}
	broken := read(t, out, "broken/index.html")
	for _, want := range []string{
		"<h1>A &lt;b&gt;broken&lt;/b&gt; one</h1>",
		"<code>postmortems/broken.md</code> could not be read",
		"invalid YAML &lt;here&gt;",
		"2 | title: [x\n  |        ^",
	} {
		if !strings.Contains(broken, want) {
			t.Errorf("the failed page lacks %q", want)
		}
	}

	out = build(t, cfg, pms, Options{Out: t.TempDir(), Findings: findings, Failed: failed})
	page = read(t, out, pm.ID+"/index.html")
	if strings.Contains(page, `class="findings"`) {
		t.Error("a build that is not a preview shows findings at the top")
	}
	if !strings.Contains(page, "line 9, column 3: placeholder text TODO (placeholder)") {
		t.Error("a build that is not a preview lost the warnings of the checks panel")
	}
	if _, err := os.Stat(filepath.Join(out, "broken", "index.html")); err == nil {
		t.Error("a build that is not a preview wrote the page of a failed file")
	}
}
