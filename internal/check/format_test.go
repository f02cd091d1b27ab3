package check

import (
	"strings"
	"testing"

	"github.com/hindsight-dev/hindsight/internal/postmortem"
)

// TestWriteChanges: a watching preview prints a finding once; after that
// each report prints only what is new, and counts what is new, as before
// and gone, whether the findings came back in the same order or not.
func TestWriteChanges(t *testing.T) {
	d := func(file string, line int, msg string) postmortem.Diagnostic {
		return postmortem.Diagnostic{File: file, Line: line, Col: 1, Level: "warning", Rule: "blameless-language", Message: msg}
	}
	a, b, c := d("a.md", 3, "one"), d("a.md", 9, "two"), d("b.md", 4, "three")
	var shown Shown
	for _, step := range []struct {
		name     string
		findings []postmortem.Diagnostic
		printed  []string
		summary  string
	}{
		{"first", []postmortem.Diagnostic{a, b}, []string{"a.md:3:1", "a.md:9:1"}, "0 errors, 2 warnings in 2 files\n"},
		{"the same again", []postmortem.Diagnostic{a, b}, nil, "0 errors, 2 warnings in 2 files (0 new, 2 as before, 0 gone)\n"},
		{"one new", []postmortem.Diagnostic{a, b, c}, []string{"b.md:4:1"}, "0 errors, 3 warnings in 2 files (1 new, 2 as before, 0 gone)\n"},
		{"another order, one gone", []postmortem.Diagnostic{c, a}, nil, "0 errors, 2 warnings in 2 files (0 new, 2 as before, 1 gone)\n"},
		{"none", nil, nil, "0 errors, 0 warnings in 2 files (0 new, 0 as before, 2 gone)\n"},
		{"back", []postmortem.Diagnostic{b}, []string{"a.md:9:1"}, "0 errors, 1 warning in 2 files (1 new, 0 as before, 0 gone)\n"},
	} {
		var out strings.Builder
		rep := &Report{Findings: step.findings, Warnings: len(step.findings), Files: 2}
		var err error
		if shown, err = WriteChanges(&out, rep, shown); err != nil {
			t.Fatal(err)
		}
		lines := strings.SplitAfter(out.String(), "\n")
		lines = lines[:len(lines)-1]
		if got := lines[len(lines)-1]; got != step.summary {
			t.Errorf("%s: summary %q, want %q", step.name, got, step.summary)
		}
		if len(lines)-1 != len(step.printed) {
			t.Errorf("%s: printed %q, want %d findings", step.name, lines[:len(lines)-1], len(step.printed))
			continue
		}
		for i, p := range step.printed {
			if !strings.HasPrefix(lines[i], p) {
				t.Errorf("%s: line %d is %q, want %s", step.name, i+1, lines[i], p)
			}
		}
		if shown.Len() != len(step.findings) {
			t.Errorf("%s: %d shown, want %d", step.name, shown.Len(), len(step.findings))
		}
	}
}
