package check

import (
	"crypto/sha256"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/hindsight-dev/hindsight/internal/config"
	"github.com/hindsight-dev/hindsight/internal/corpus"
	"github.com/hindsight-dev/hindsight/internal/synth"
	"github.com/hindsight-dev/hindsight/internal/yamlnode"
)

// A run given the memo of the runs before reports what a run without it
// reports, through edits, a new day and a new config.
func TestMemoMatchesFullRun(t *testing.T) {
	root := t.TempDir()
	content := filepath.Join(root, "postmortems")
	ids, err := synth.Write(content, synth.Options{N: 60, Seed: 5})
	if err != nil {
		t.Fatal(err)
	}
	edit := func(id, old, new string) {
		p := filepath.Join(content, id+".md")
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		s := string(data)
		if !strings.Contains(s, old) {
			t.Fatalf("%s has no %q", id, old)
		}
		if err := os.WriteFile(p, []byte(strings.Replace(s, old, new, 1)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cfg := config.Defaults()
	cfg.Root = root
	day1 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	// A revisit dated the day after day1 is in the future only on day1.
	edit(ids[3], "\n---\n", "\nrevisits:\n  - date: 2026-03-02\n    by: sre@example.com\n    outcome: effective\n---\n")
	rounds := []struct {
		name string
		do   func()
		now  time.Time
	}{
		{name: "first run", now: day1},
		{name: "nothing changed", now: day1},
		{name: "blaming words added", now: day1, do: func() {
			edit(ids[7], "## Impact\n", "## Impact\n\nBob should have caught the bad deploy. TODO: numbers.\n")
		}},
		{name: "a section removed", now: day1, do: func() { edit(ids[8], "## Impact\n", "## Effects\n") }},
		{name: "the section back", now: day1, do: func() { edit(ids[8], "## Effects\n", "## Impact\n") }},
		{name: "a file removed", now: day1, do: func() {
			if err := os.Remove(filepath.Join(content, ids[11]+".md")); err != nil {
				t.Fatal(err)
			}
		}},
		{name: "later that day", now: day1.Add(6 * time.Hour)},
		{name: "the next day", now: day1.Add(24 * time.Hour)},
		{name: "words fixed", now: day1.Add(24 * time.Hour), do: func() {
			edit(ids[7], "Bob should have caught the bad deploy. TODO: numbers.", "The deploy was not caught.")
		}},
		{name: "new config", now: day1.Add(24 * time.Hour), do: func() {
			next := *cfg
			next.Rules = map[string]config.Level{"blameless-language": config.LevelOff}
			next.Pos = maps.Clone(cfg.Pos)
			next.Pos["sections.recommended"] = yamlnode.Pos{Line: 1, Col: 1}
			next.Sections.Recommended = []string{"Glossary"}
			cfg = &next
			edit(ids[9], "## Impact\n", "## Impact\n\nIt was obviously a simple mistake.\n")
		}},
	}
	memo := &Memo{}
	var c *corpus.Corpus
	for _, r := range rounds {
		if r.do != nil {
			r.do()
		}
		c, err = corpus.Load(cfg, corpus.Options{WorkDir: root, Drafts: true, Previous: c, Digest: digest})
		if err != nil {
			t.Fatal(err)
		}
		got := Run(c, Options{Now: r.now, Memo: memo})
		want := Run(c, Options{Now: r.now})
		if len(want.Findings) == 0 {
			t.Fatalf("%s: no findings at all; the test would show nothing", r.name)
		}
		if diff := cmp.Diff(want.Findings, got.Findings); diff != "" {
			t.Fatalf("%s: with the memo (-want +got):\n%s", r.name, diff)
		}
		// It holds the files of the corpus as they are now, no others.
		if len(memo.found) != len(c.Postmortems) {
			t.Fatalf("%s: the memo holds %d files, the corpus has %d", r.name, len(memo.found), len(c.Postmortems))
		}
		for _, pm := range c.Postmortems {
			if d, _ := c.Digest(pm.File); memo.found[pm.File].Digest != d {
				t.Fatalf("%s: the memo holds %s as it was before", r.name, pm.File)
			}
		}
		if r.name == "nothing changed" && memo.Hits() != len(c.Postmortems) {
			t.Fatalf("%s: the memo gave the findings of %d files of %d", r.name, memo.Hits(), len(c.Postmortems))
		}
	}
}

func digest(data []byte) string {
	sum := sha256.Sum256(data)
	return string(sum[:])
}

// A memo on disk gives the next command the findings of the files that
// did not change, and only when the config and the day are the same.
func TestMemoOnDisk(t *testing.T) {
	root := t.TempDir()
	content := filepath.Join(root, "postmortems")
	ids, err := synth.Write(content, synth.Options{N: 20, Seed: 9})
	if err != nil {
		t.Fatal(err)
	}
	cfg := config.Defaults()
	cfg.Root = root
	path := filepath.Join(t.TempDir(), "memo", "findings.gob")
	day := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	run := func(now time.Time) (*Report, *Memo) {
		t.Helper()
		c, err := corpus.Load(cfg, corpus.Options{WorkDir: root, Drafts: true, Digest: digest})
		if err != nil {
			t.Fatal(err)
		}
		m := OpenMemo(path)
		rep := Run(c, Options{Now: now, Memo: m})
		if err := m.Save(); err != nil {
			t.Fatal(err)
		}
		if want := Run(c, Options{Now: now}); !cmp.Equal(want.Findings, rep.Findings) {
			t.Fatalf("with the memo from disk:\n%s", cmp.Diff(want.Findings, rep.Findings))
		}
		return rep, m
	}
	if _, m := run(day); m.Hits() != 0 {
		t.Fatalf("first run: %d hits from an empty memo", m.Hits())
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("the memo was not saved: %v", err)
	}
	if _, m := run(day); m.Hits() != 20 {
		t.Fatalf("second run: %d hits, want 20", m.Hits())
	}
	p := filepath.Join(content, ids[4]+".md")
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, append(data, "\nIt was obviously a careless mistake. TODO\n"...), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, m := run(day); m.Hits() != 19 {
		t.Fatalf("after an edit: %d hits, want 19", m.Hits())
	}
	if _, m := run(day.Add(24 * time.Hour)); m.Hits() != 0 {
		t.Fatalf("the next day: %d hits, want 0", m.Hits())
	}
	cfg.Rules = map[string]config.Level{"no-logs": config.LevelOff}
	if _, m := run(day.Add(24 * time.Hour)); m.Hits() != 0 {
		t.Fatalf("another config: %d hits, want 0", m.Hits())
	}
	if err := os.WriteFile(path, []byte("not a memo"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, m := run(day.Add(24 * time.Hour)); m.Hits() != 0 {
		t.Fatalf("a damaged memo: %d hits, want 0", m.Hits())
	}
}
