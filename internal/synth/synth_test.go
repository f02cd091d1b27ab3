package synth

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/hindsight-dev/hindsight/internal/config"
	"github.com/hindsight-dev/hindsight/internal/corpus"
	"github.com/hindsight-dev/hindsight/internal/gitlink"
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
		if commits, _ := strconv.Atoi(os.Getenv("HINDSIGHT_SYNTH_COMMITS")); commits > 0 {
			docs, err := WriteTeam(dir, TeamOptions{Postmortems: max(n, 1), Commits: commits, Batches: 200})
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("docs repository: %s", docs)
			return
		}
		if _, err := Write(filepath.Join(dir, "postmortems"), Options{N: max(n, 1), Seed: 1}); err != nil {
			t.Fatal(err)
		}
	}
}

// A team's repositories: every commit a postmortem names resolves in the
// service repository, which is packed, and the docs repository has a
// history of its own.
func TestWriteTeam(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	dir := t.TempDir()
	docs, err := WriteTeam(dir, TeamOptions{Postmortems: 20, Commits: 100, Batches: 4})
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(filepath.Join(docs, config.FileName))
	if err != nil {
		t.Fatal(err)
	}
	c, err := corpus.Load(cfg, corpus.Options{WorkDir: docs, Drafts: true})
	if err != nil {
		t.Fatal(err)
	}
	set := gitlink.NewSet(context.Background(), docs, map[string]gitlink.Spec{"svc": {Path: filepath.Join(dir, "svc")}}, t.TempDir())
	defer set.Close()
	set.Link(c.Postmortems, gitlink.LinkOptions{})
	for _, pm := range c.Postmortems {
		if len(pm.Linked) != 2 {
			t.Fatalf("%s names %d commits", pm.ID, len(pm.Linked))
		}
		for _, lc := range pm.Linked {
			if lc.Info == nil {
				t.Fatalf("%s: %s does not resolve: %v %s", pm.ID, lc.Ref.SHA, lc.Err, lc.RepoProblem)
			}
			// As in a real history: the trigger before the incident,
			// the fix after it started.
			if before := lc.Info.Committed.Before(pm.Times.Started); before != (lc.Ref.Role == "trigger") {
				t.Errorf("%s: %s %s committed %s, the incident started %s", pm.ID, lc.Ref.Role, lc.Ref.SHA, lc.Info.Committed, pm.Times.Started)
			}
		}
	}
	if packs, _ := filepath.Glob(filepath.Join(dir, "svc", ".git", "objects", "pack", "*.pack")); len(packs) != 1 {
		t.Errorf("the service repository has %d packfiles, want 1", len(packs))
	}
}

// A commit may start git's automatic gc in the background; the final gc of
// WriteTeam must not then fail because one is already running.
func TestWriteTeamAutoGC(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	global := filepath.Join(t.TempDir(), "gitconfig")
	if err := os.WriteFile(global, []byte("[gc]\n\tauto = 1\n\tautoPackLimit = 1\n\tautoDetach = true\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("GIT_CONFIG_GLOBAL", global)
	if _, err := WriteTeam(t.TempDir(), TeamOptions{Postmortems: 200, Commits: 100, Batches: 20}); err != nil {
		t.Fatal(err)
	}
}
