package markdown

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzAnalyze checks that any body gives an outline whose positions lie
// inside it.
func FuzzAnalyze(f *testing.F) {
	paths, _ := filepath.Glob("../../postmortems/*.md")
	for _, p := range paths {
		if data, err := os.ReadFile(p); err == nil {
			f.Add(data)
		}
	}
	f.Add([]byte(body))
	f.Fuzz(func(t *testing.T, src []byte) {
		o := Analyze(src, 5)
		last := 5 + strings.Count(string(src), "\n")
		check := func(what string, line, col int) {
			if line < 5 || line > last || col < 1 {
				t.Fatalf("%s at %d:%d outside lines 5..%d", what, line, col, last)
			}
		}
		for _, s := range o.Sections {
			check("section", s.Line, s.Col)
		}
		for _, l := range o.Links {
			check("link", l.Line, l.Col)
		}
		for _, c := range o.CodeBlocks {
			check("code block", c.Line, c.Col)
		}
		for _, p := range o.Prose {
			for _, r := range p.Runs {
				check("prose", r.Line, r.Col)
			}
		}
	})
}
