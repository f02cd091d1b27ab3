package check

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hindsight-dev/hindsight/internal/config"
	"github.com/hindsight-dev/hindsight/internal/corpus"
)

// The repository's own examples are the default content and the start of
// every benchmark: they must pass --strict.
func TestExamplesPassStrict(t *testing.T) {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(filepath.Join(root, config.FileName))
	if err != nil {
		t.Fatal(err)
	}
	c, err := corpus.Load(cfg, corpus.Options{WorkDir: root, Drafts: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Postmortems) < 15 {
		t.Errorf("only %d example postmortems, want at least 15", len(c.Postmortems))
	}
	rep := Run(c, Options{Strict: true, Now: time.Now()})
	for _, f := range rep.Findings {
		t.Errorf("%s:%d:%d: %s %s: %s", f.File, f.Line, f.Col, f.Level, f.Rule, f.Message)
	}
}

// Every rule is documented in the README's rules table.
func TestRulesDocumented(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range Rules() {
		row := "| `" + r.ID + "` | " + string(r.Level)
		if !strings.Contains(string(readme), row) {
			t.Errorf("README has no rules-table row starting %q", row)
		}
	}
}
