package gitlink

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/hindsight-dev/hindsight/internal/postmortem"
)

func gitCmd(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "HOME="+t.TempDir(), "GIT_CONFIG_NOSYSTEM=1",
		"GIT_AUTHOR_NAME=Ada", "GIT_AUTHOR_EMAIL=ada@example.com", "GIT_COMMITTER_NAME=Ada", "GIT_COMMITTER_EMAIL=ada@example.com")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
	return strings.TrimSpace(string(out))
}

func needGit(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
}

// A second run answers from the cache exactly as the first did from the
// object store, and a cache that is truncated, of another version or not
// a cache at all is ignored.
func TestFactsCacheWarmEqualsCold(t *testing.T) {
	tr := newTestRepo(t)
	first := tr.commit("Ada", "Add the service", map[string]string{"svc/main.go": "package main\n"})
	second := tr.commit("Grace", "Close it\n\nPostmortem-Action: 2024-01-01-x#1", map[string]string{"svc/b.go": "package main\n"})
	cache := t.TempDir()
	ask := func() (postmortem.CommitInfo, []string, bool, []ActionClose) {
		set := NewSet(context.Background(), tr.dir, nil, cache)
		defer set.Close()
		repo := set.Repo("")
		ci, err := repo.Resolve(second[:7])
		if err != nil {
			t.Fatal(err)
		}
		files, _ := repo.ChangedFiles(second)
		anc, _ := repo.IsAncestor(first, second)
		return ci, files, anc, repo.ActionCloses()
	}
	ci1, files1, anc1, closes1 := ask()
	entries, _ := filepath.Glob(filepath.Join(cache, "commits", "*.gob"))
	if len(entries) != 1 {
		t.Fatalf("cache files: %v", entries)
	}
	for _, damage := range []func(string){
		func(string) {}, // warm
		func(p string) { data, _ := os.ReadFile(p); os.WriteFile(p, data[:len(data)/2], 0o644) },
		func(p string) { os.WriteFile(p, []byte("not a cache"), 0o644) },
		func(p string) { os.Remove(p); os.Mkdir(p, 0o755) }, // cannot even be replaced
	} {
		damage(entries[0])
		ci2, files2, anc2, closes2 := ask()
		if ci1.SHA != ci2.SHA || ci1.Subject != ci2.Subject || !ci1.Committed.Equal(ci2.Committed) || !slices.Equal(files1, files2) || anc1 != anc2 || len(closes1) != len(closes2) || len(closes2) != 1 {
			t.Errorf("warm answers differ: %+v %v %v %v vs %+v %v %v %v", ci1, files1, anc1, closes1, ci2, files2, anc2, closes2)
		}
		os.RemoveAll(entries[0])
		ask()
	}
}

// A commit the cache knows that a force-push and gc removed is missing,
// exactly as an uncached one would be; the commits that remain are found.
func TestFactsCacheAfterForcePush(t *testing.T) {
	needGit(t)
	dir := t.TempDir()
	gitCmd(t, dir, "init", "-q", "-b", "main")
	gitCmd(t, dir, "commit", "-q", "--allow-empty", "-m", "base")
	base := gitCmd(t, dir, "rev-parse", "HEAD")
	gitCmd(t, dir, "commit", "-q", "--allow-empty", "-m", "to be rewritten")
	gone := gitCmd(t, dir, "rev-parse", "HEAD")
	gitCmd(t, dir, "gc", "-q")
	cache := t.TempDir()
	resolve := func(sha string) error {
		set := NewSet(context.Background(), dir, nil, cache)
		defer set.Close()
		_, err := set.Repo("").Resolve(sha)
		return err
	}
	for _, sha := range []string{gone, gone[:8], base} {
		if err := resolve(sha); err != nil {
			t.Fatalf("before the rewrite, %s: %v", sha, err)
		}
	}
	gitCmd(t, dir, "reset", "-q", "--hard", base)
	gitCmd(t, dir, "commit", "-q", "--allow-empty", "-m", "rewritten")
	gitCmd(t, dir, "reflog", "expire", "--expire=now", "--all")
	gitCmd(t, dir, "gc", "-q", "--prune=now")
	for _, sha := range []string{gone, gone[:8]} {
		if err := resolve(sha); !errors.Is(err, postmortem.ErrCommitNotFound) {
			t.Errorf("after the rewrite, %s: %v, want not found", sha, err)
		}
	}
	if err := resolve(base); err != nil {
		t.Errorf("the commit that stayed: %v", err)
	}
}

// A linked worktree (git worktree add) has a .git file pointing into the
// main repository, whose objects it shares: its commits are found.
func TestLinkedWorktree(t *testing.T) {
	needGit(t)
	main := t.TempDir()
	gitCmd(t, main, "init", "-q", "-b", "main")
	gitCmd(t, main, "commit", "-q", "--allow-empty", "-m", "on main")
	onMain := gitCmd(t, main, "rev-parse", "HEAD")
	wt := filepath.Join(t.TempDir(), "wt")
	gitCmd(t, main, "worktree", "add", "-q", "-b", "feature", wt)
	gitCmd(t, wt, "commit", "-q", "--allow-empty", "-m", "on the feature branch")
	onFeature := gitCmd(t, wt, "rev-parse", "HEAD")
	set := NewSet(context.Background(), filepath.Join(wt), map[string]Spec{"svc": {Path: wt}}, t.TempDir())
	defer set.Close()
	for _, name := range []string{"", "svc"} {
		repo := set.Repo(name)
		if repo.Problem != "" {
			t.Fatalf("repo %q: %s", name, repo.Problem)
		}
		for _, sha := range []string{onMain, onFeature[:7]} {
			if _, err := repo.Resolve(sha); err != nil {
				t.Errorf("repo %q, %s: %v", name, sha, err)
			}
		}
		if ok, err := repo.IsAncestor(onMain, onFeature); !ok || err != nil {
			t.Errorf("repo %q: ancestry %v %v", name, ok, err)
		}
		if repo.Root() != wt {
			t.Errorf("repo %q: root %s, want %s", name, repo.Root(), wt)
		}
	}
}
