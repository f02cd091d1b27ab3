package pipeline

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hindsight-dev/hindsight/internal/config"
	"github.com/hindsight-dev/hindsight/internal/gitlink"
	"github.com/hindsight-dev/hindsight/internal/postmortem"
	"github.com/hindsight-dev/hindsight/theme"
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

// TestBuildOnce: a build that lets go of the files' bytes (the build
// command's) writes the same pages as one that keeps them, and one whose
// file changed after it was checked fails, naming the file, and leaves the
// site it had written before as it was.
func TestBuildOnce(t *testing.T) {
	root := t.TempDir()
	body := "---\ntitle: %s\ndate: 2025-01-02\nseverity: SEV2\n---\n## Impact\n\nThe %s queue grew for an hour.\n"
	for _, id := range []string{"a", "b"} {
		p := filepath.Join(root, "postmortems", id+".md")
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(fmt.Sprintf(body, strings.ToUpper(id), id)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// A postmortem may be a symlink to a file inside the repository.
	shared := filepath.Join(root, "shared", "c.md")
	if err := os.MkdirAll(filepath.Dir(shared), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(shared, []byte(fmt.Sprintf(body, "C", "c")), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join("..", "shared", "c.md"), filepath.Join(root, "postmortems", "c.md")); err != nil {
		t.Fatal(err)
	}
	cfg := config.Defaults()
	cfg.Root = root
	now := time.Date(2025, 2, 1, 0, 0, 0, 0, time.UTC)
	var edit func()
	base := ""
	build := func(out string, once bool) (*Loaded, error) {
		t.Helper()
		set := gitlink.NewSet(context.Background(), root, nil, t.TempDir())
		defer set.Close()
		l, err := Load(cfg, set, LoadOptions{WorkDir: root, Now: now})
		if err != nil {
			t.Fatal(err)
		}
		if edit != nil {
			// An edit saved after the check, before the pages are made.
			edit()
		}
		_, err = l.Build(context.Background(), BuildOptions{Out: out, BaseURL: base, Theme: theme.FS(""), Now: now, Once: once})
		return l, err
	}
	kept, released := filepath.Join(t.TempDir(), "kept"), filepath.Join(t.TempDir(), "released")
	if _, err := build(kept, false); err != nil {
		t.Fatal(err)
	}
	l, err := build(released, true)
	if err != nil {
		t.Fatal(err)
	}
	for _, pm := range l.Corpus.Postmortems {
		if pm.Source != nil || pm.Body != nil {
			t.Errorf("%s: the build kept the file's bytes", pm.File)
		}
	}
	for _, id := range []string{"a", "b", "c"} {
		want, err := os.ReadFile(filepath.Join(kept, id, "index.html"))
		if err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(filepath.Join(released, id, "index.html"))
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != string(want) {
			t.Errorf("%s: the page differs when the build reads its body again", id)
		}
		if !strings.Contains(string(got), "queue grew for an hour") {
			t.Errorf("%s: the page lacks its body", id)
		}
	}

	before, err := os.ReadFile(filepath.Join(released, "b", "index.html"))
	if err != nil {
		t.Fatal(err)
	}
	// Another base URL, so that every page is made again (an unchanged
	// page is not, and needs no body).
	base = "/docs/"
	edit = func() {
		if err := os.WriteFile(filepath.Join(root, "postmortems", "b.md"), []byte(fmt.Sprintf(body, "B", "edited")), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	_, err = build(released, true)
	if err == nil || !strings.Contains(err.Error(), "postmortems/b.md changed while the site was being built") {
		t.Fatalf("a file changed after its check: %v, want it named as changed", err)
	}
	after, err := os.ReadFile(filepath.Join(released, "b", "index.html"))
	if err != nil || string(after) != string(before) {
		t.Errorf("the failed build changed the site it had written before (%v)", err)
	}
}
