package site

import (
	"encoding/csv"
	"slices"
	"strings"
	"testing"
)

// The action items page's downloads hold every item the page shows, a
// hostile title kept as text: no formula for a spreadsheet, no markup or
// broken table for Markdown.
func TestActionExports(t *testing.T) {
	cfg, pms := fixture(t)
	hostile := *pms[0]
	hostile.ID = "hostile"
	hostile.ActionItems = slices.Clone(pms[0].ActionItems)
	hostile.ActionItems[0].Title = `=HYPERLINK("https://evil.example","x") | <img src=x> *bold*`
	hostile.ActionItems[0].Owner = "+1@example.com"
	out := build(t, cfg, append(pms, &hostile), Options{})

	rows, err := csv.NewReader(strings.NewReader(read(t, out, "actions/actions.csv"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := 0
	for _, pm := range append(pms, &hostile) {
		if pm.Status != "draft" {
			want += len(pm.ActionItems)
		}
	}
	if len(rows) != want+1 {
		t.Fatalf("the CSV has %d rows, want a header and %d items", len(rows), want)
	}
	if rows[0][0] != "ref" || rows[0][2] != "title" {
		t.Errorf("header %v", rows[0])
	}
	var found bool
	for _, r := range rows[1:] {
		for _, f := range r {
			if f != "" && strings.ContainsRune("=+-@", rune(f[0])) {
				t.Errorf("a field a spreadsheet would read as a formula: %q", f)
			}
		}
		if r[0] == "hostile#1" {
			found = true
			if r[2] != `'=HYPERLINK("https://evil.example","x") | <img src=x> *bold*` || r[3] != "'+1@example.com" {
				t.Errorf("hostile row %q", r)
			}
			if !strings.HasSuffix(r[10], "/hostile/#action-1") {
				t.Errorf("url %q", r[10])
			}
		}
	}
	if !found {
		t.Fatal("the CSV lacks hostile#1")
	}

	md := read(t, out, "actions/actions.md")
	var line string
	for _, l := range strings.Split(md, "\n") {
		if strings.Contains(l, "hostile") && strings.Contains(l, "#1") || strings.Contains(l, `hostile\#1`) {
			line = l
		}
	}
	if line == "" {
		t.Fatalf("the Markdown lacks hostile#1:\n%s", md)
	}
	if got := strings.Count(line, "|") - strings.Count(line, `\|`); got != 8 {
		t.Errorf("the hostile row has %d cell separators, want 8: %s", got, line)
	}
	if !strings.Contains(line, `\<img src=x\> \*bold\*`) || strings.Contains(strings.ReplaceAll(line, `\<`, ""), "<") {
		t.Errorf("markup left unescaped: %s", line)
	}
	if page := read(t, out, "actions/index.html"); !strings.Contains(page, `href="/pm/actions/actions.csv" download>CSV</a>`) {
		t.Errorf("the action items page does not link the CSV")
	}
}
