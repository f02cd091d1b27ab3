package pipeline

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/hindsight-dev/hindsight/internal/config"
	"github.com/hindsight-dev/hindsight/internal/gitlink"
)

// Paths relative to the config's root are paths in the repository's work
// tree once the folder of hindsight.yaml is put in front: the postmortems
// may live in a subfolder of a larger repository.
func TestRepoPath(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not installed")
	}
	top := t.TempDir()
	if out, err := exec.Command("git", "init", "-q", top).CombinedOutput(); err != nil {
		t.Fatalf("git init: %v %s", err, out)
	}
	for _, tc := range []struct{ root, rel, want string }{
		{top, "postmortems/a.md", "postmortems/a.md"},
		{filepath.Join(top, "docs", "incidents"), "postmortems/a.md", "docs/incidents/postmortems/a.md"},
	} {
		if err := os.MkdirAll(tc.root, 0o755); err != nil {
			t.Fatal(err)
		}
		cfg := &config.Config{Root: tc.root}
		set := gitlink.NewSet(context.Background(), tc.root, nil, t.TempDir())
		if got := RepoPath(cfg, set.Repo(""), tc.rel); got != tc.want {
			t.Errorf("root %s: %q, want %q", tc.root, got, tc.want)
		}
		set.Close()
	}
}
