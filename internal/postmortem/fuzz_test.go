package postmortem

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// FuzzParse feeds the parser arbitrary files, seeded with the example
// corpus: it must never panic, and every finding must point inside the file.
func FuzzParse(f *testing.F) {
	paths, _ := filepath.Glob("../../postmortems/*.md")
	for _, p := range paths {
		if data, err := os.ReadFile(p); err == nil {
			f.Add(data)
		}
	}
	f.Add([]byte(validFM))
	f.Add([]byte("---\ntimes:\n\tstarted: x\n---\n"))
	f.Add([]byte("+++\ntitle = 1\n+++\n"))
	f.Add([]byte("---\ntitle: \"a \\\" b\nsummary: 'it''s # x\n---\n"))
	f.Add([]byte(";;;\n{\"title\": [1]}\n;;;\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		pm, diags := Parse("fuzz.md", data, Options{Severities: []string{"SEV1", "SEV2"}})
		lines := strings.Count(string(data), "\n") + 1
		for _, d := range diags {
			if d.Line < 1 || d.Line > lines || d.Col < 1 || d.Message == "" || d.Rule == "" {
				t.Fatalf("finding out of the file (%d lines): %+v", lines, d)
			}
		}
		if pm != nil {
			pm.ResolveTimeline()
			pm.TimeToResolve()
		}
	})
}

// FuzzTimelineEntry checks the timeline scanner on arbitrary entries.
func FuzzTimelineEntry(f *testing.F) {
	for _, s := range []string{"18:26 — Outage begins", "**6:26 PM** - call", "2019-06-29T01:10:00Z — x", "18:26 +0530 : y", "12:00 WAT – z"} {
		f.Add(s)
	}
	base := time.Date(2019, 6, 28, 0, 0, 0, 0, time.FixedZone("WAT", 3600))
	f.Fuzz(func(t *testing.T, s string) {
		e, ok := ParseTimelineEntry(s, base)
		if ok && (e.Event == "" || e.Time.IsZero()) {
			t.Fatalf("%q parsed to an empty entry: %+v", s, e)
		}
	})
}
