package synth

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/hindsight-dev/hindsight/internal/config"
	"github.com/hindsight-dev/hindsight/internal/corpus"
)

// TestWrite checks that a generated corpus parses cleanly. With
// HINDSIGHT_SYNTH_DIR set it also writes a corpus of HINDSIGHT_SYNTH_N
// postmortems there, for measuring the hindsight binary by hand:
//
//	HINDSIGHT_SYNTH_DIR=/tmp/big HINDSIGHT_SYNTH_N=10000 go test -run TestWrite ./internal/synth/
func TestWrite(t *testing.T) {
	root := t.TempDir()
	if _, err := Write(filepath.Join(root, "postmortems"), Options{N: 50, Seed: 7}); err != nil {
		t.Fatal(err)
	}
	cfg := config.Defaults()
	cfg.Root = root
	c, err := corpus.Load(cfg, corpus.Options{WorkDir: root, Drafts: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Postmortems) != 50 || len(c.Diagnostics) != 0 {
		t.Fatalf("%d postmortems, findings %v", len(c.Postmortems), c.Diagnostics)
	}
	if dir := os.Getenv("HINDSIGHT_SYNTH_DIR"); dir != "" {
		n, _ := strconv.Atoi(os.Getenv("HINDSIGHT_SYNTH_N"))
		if _, err := Write(filepath.Join(dir, "postmortems"), Options{N: max(n, 1), Seed: 1}); err != nil {
			t.Fatal(err)
		}
	}
}
