package pipeline

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hindsight-dev/hindsight/internal/config"
	"github.com/hindsight-dev/hindsight/internal/gitlink"
	"github.com/hindsight-dev/hindsight/internal/postmortem"
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

// TestAttachHistory: in a repository whose postmortems live in a
// subfolder, a committed file gets its last commit, an edited one and
// one never committed are uncommitted; attached again, an unchanged
// history is the very one the postmortem had.
func TestAttachHistory(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not installed")
	}
	top := t.TempDir()
	root := filepath.Join(top, "docs", "incidents")
	git := func(args ...string) string {
		t.Helper()
		cmd := exec.Command("git", append([]string{"-C", top, "-c", "user.name=Writer", "-c", "user.email=w@example.com"}, args...)...)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("git %v: %v %s", args, err, out)
		}
		return strings.TrimSpace(string(out))
	}
	git("init", "-q")
	doc := "---\ntitle: %s\n---\n## Impact\n"
	write := func(name, title string) {
		t.Helper()
		p := filepath.Join(root, "postmortems", name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(fmt.Sprintf(doc, title)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("a.md", "A")
	write("b.md", "B")
	git("add", ".")
	git("commit", "-q", "-m", "postmortems")
	head := git("rev-parse", "HEAD")
	write("b.md", "B, edited")
	write("c.md", "C")

	cfg := config.Defaults()
	cfg.Root = root
	set := gitlink.NewSet(context.Background(), root, nil, t.TempDir())
	defer set.Close()
	l, err := Load(cfg, set, LoadOptions{WorkDir: root})
	if err != nil {
		t.Fatal(err)
	}
	cache := t.TempDir()
	l.AttachHistory(cache)
	byID := map[string]*postmortem.FileHistory{}
	for _, pm := range l.Corpus.Postmortems {
		if pm.History == nil {
			t.Fatalf("%s has no history", pm.ID)
		}
		byID[pm.ID] = pm.History
	}
	if h := byID["a"]; h.LastCommit != head || h.Uncommitted {
		t.Errorf("a: %+v, want last commit %s, committed", h, head)
	}
	if h := byID["b"]; h.LastCommit != head || !h.Uncommitted {
		t.Errorf("b: %+v, want last commit %s, uncommitted", h, head)
	}
	if h := byID["c"]; h.LastCommit != "" || !h.Uncommitted {
		t.Errorf("c: %+v, want no commit, uncommitted", h)
	}
	l.AttachHistory(cache)
	for _, pm := range l.Corpus.Postmortems {
		if pm.History != byID[pm.ID] {
			t.Errorf("%s: attached again, its unchanged history was made anew", pm.ID)
		}
	}
}
