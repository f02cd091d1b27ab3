package gitlink

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"

	"github.com/hindsight-dev/hindsight/internal/postmortem"
)

// testRepo builds a real repository in a temporary folder.
type testRepo struct {
	t   *testing.T
	dir string
	r   *git.Repository
	now time.Time
}

func newTestRepo(t *testing.T) *testRepo {
	t.Helper()
	dir := t.TempDir()
	r, err := git.PlainInit(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	return &testRepo{t: t, dir: dir, r: r, now: time.Date(2024, 3, 1, 9, 0, 0, 0, time.UTC)}
}

// commit writes files (path -> content, "" deletes) and commits them.
func (tr *testRepo) commit(author, msg string, files map[string]string) string {
	tr.t.Helper()
	wt, err := tr.r.Worktree()
	if err != nil {
		tr.t.Fatal(err)
	}
	// Removals first, in a fixed order, so that a file can become a
	// folder in one commit.
	paths := slices.Sorted(maps.Keys(files))
	slices.SortStableFunc(paths, func(a, b string) int {
		return cmp.Compare(min(len(files[a]), 1), min(len(files[b]), 1))
	})
	for _, p := range paths {
		content := files[p]
		full := filepath.Join(tr.dir, p)
		if content == "" {
			if _, err := wt.Remove(p); err != nil {
				tr.t.Fatal(err)
			}
			continue
		}
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			tr.t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(content), 0o644); err != nil {
			tr.t.Fatal(err)
		}
		if _, err := wt.Add(p); err != nil {
			tr.t.Fatal(err)
		}
	}
	tr.now = tr.now.Add(time.Hour)
	sig := &object.Signature{Name: author, Email: strings.ToLower(author) + "@example.com", When: tr.now}
	h, err := wt.Commit(msg, &git.CommitOptions{Author: sig, Committer: sig, AllowEmptyCommits: true})
	if err != nil {
		tr.t.Fatal(err)
	}
	return h.String()
}

func (tr *testRepo) set(specs map[string]Spec) *Set {
	return NewSet(context.Background(), tr.dir, specs, filepath.Join(tr.t.TempDir(), "cache"))
}

func TestResolve(t *testing.T) {
	tr := newTestRepo(t)
	first := tr.commit("Ada", "Add the service\n\nLonger body.", map[string]string{"svc/main.go": "package main\n"})
	second := tr.commit("Grace", "Enable the new header include", map[string]string{"web/header.html": "<base href=localhost>"})
	repo := tr.set(nil).Repo("")
	if repo.Problem != "" {
		t.Fatal(repo.Problem)
	}
	for _, sha := range []string{first, first[:7], strings.ToUpper(first[:12])} {
		ci, err := repo.Resolve(sha)
		if err != nil || ci.SHA != first || ci.Subject != "Add the service" || ci.Author != "Ada" || ci.AuthorEmail != "ada@example.com" {
			t.Errorf("Resolve(%s) = %+v, %v", sha, ci, err)
		}
	}
	if _, err := repo.Resolve("0000000"); !errors.Is(err, postmortem.ErrCommitNotFound) {
		t.Errorf("unknown sha: %v", err)
	}
	files, err := repo.ChangedFiles(second)
	if err != nil || !slices.Equal(files, []string{"web/header.html"}) {
		t.Errorf("changed files of the second commit = %v, %v", files, err)
	}
	if files, _ := repo.ChangedFiles(first); !slices.Equal(files, []string{"svc/main.go"}) {
		t.Errorf("changed files of the root commit = %v", files)
	}
}

// TestResolveAmbiguous stores two commits whose hashes share their first
// seven hex digits, found by trying messages until two collide.
func TestResolveAmbiguous(t *testing.T) {
	tr := newTestRepo(t)
	tr.commit("Ada", "base", map[string]string{"a": "1"})
	head, _ := tr.r.Head()
	parent, _ := tr.r.CommitObject(head.Hash())
	seen := map[string]plumbing.Hash{}
	var pair []plumbing.Hash
	for i := 0; pair == nil; i++ {
		c := &object.Commit{
			Author: object.Signature{Name: "Ada", Email: "ada@example.com", When: tr.now}, Committer: object.Signature{Name: "Ada", Email: "ada@example.com", When: tr.now},
			Message: fmt.Sprintf("try %d", i), TreeHash: parent.TreeHash, ParentHashes: []plumbing.Hash{parent.Hash},
		}
		obj := tr.r.Storer.NewEncodedObject()
		if err := c.Encode(obj); err != nil {
			t.Fatal(err)
		}
		prefix := obj.Hash().String()[:7]
		if other, ok := seen[prefix]; ok {
			pair = []plumbing.Hash{other, obj.Hash()}
			for _, m := range []string{fmt.Sprintf("try %d", i), ""} {
				_ = m
			}
		}
		seen[prefix] = obj.Hash()
		if _, err := tr.r.Storer.SetEncodedObject(obj); err != nil {
			t.Fatal(err)
		}
	}
	repo := tr.set(nil).Repo("")
	_, err := repo.Resolve(pair[0].String()[:7])
	var amb *postmortem.AmbiguousCommitError
	if !errors.As(err, &amb) || len(amb.Candidates) != 2 || !slices.Contains(amb.Candidates, pair[0].String()) || !slices.Contains(amb.Candidates, pair[1].String()) {
		t.Fatalf("ambiguous prefix: %v", err)
	}
	if ci, err := repo.Resolve(pair[1].String()[:12]); err != nil || ci.SHA != pair[1].String() {
		t.Errorf("a longer prefix must resolve: %v", err)
	}
}

func TestIsAncestorWithMerge(t *testing.T) {
	tr := newTestRepo(t)
	trigger := tr.commit("Ada", "trigger", map[string]string{"a": "1"})
	wt, _ := tr.r.Worktree()
	// A side branch from the trigger, merged back.
	if err := wt.Checkout(&git.CheckoutOptions{Branch: plumbing.NewBranchReferenceName("side"), Create: true}); err != nil {
		t.Fatal(err)
	}
	side := tr.commit("Ada", "side work", map[string]string{"b": "1"})
	if err := wt.Checkout(&git.CheckoutOptions{Branch: plumbing.Master}); err != nil {
		t.Fatal(err)
	}
	mainline := tr.commit("Grace", "main work", map[string]string{"c": "1"})
	tr.now = tr.now.Add(time.Hour)
	sig := &object.Signature{Name: "Grace", Email: "grace@example.com", When: tr.now}
	fix, err := wt.Commit("merge side", &git.CommitOptions{Author: sig, Committer: sig, Parents: []plumbing.Hash{plumbing.NewHash(mainline), plumbing.NewHash(side)}, AllowEmptyCommits: true})
	if err != nil {
		t.Fatal(err)
	}
	repo := tr.set(nil).Repo("")
	tests := []struct {
		anc, desc string
		want      bool
	}{
		{trigger, fix.String(), true},
		{side, fix.String(), true},
		{mainline, fix.String(), true},
		{fix.String(), trigger, false},
		{side, mainline, false},
		{trigger, trigger, true},
	}
	for _, tt := range tests {
		got, err := repo.IsAncestor(tt.anc, tt.desc)
		if err != nil || got != tt.want {
			t.Errorf("IsAncestor(%s, %s) = %v, %v; want %v", tt.anc[:7], tt.desc[:7], got, err, tt.want)
		}
	}
}

func TestHistory(t *testing.T) {
	tr := newTestRepo(t)
	tr.commit("Ada", "add a", map[string]string{"postmortems/a.md": "1", "README.md": "x"})
	tr.commit("Grace", "add b", map[string]string{"postmortems/b.md": "1"})
	tr.commit("Linus", "outside", map[string]string{"src/x.go": "1"})
	last := tr.commit("Grace", "edit a", map[string]string{"postmortems/a.md": "2"})
	tr.commit("Ada", "remove b", map[string]string{"postmortems/b.md": ""})
	tr.commit("Linus", "nested", map[string]string{"postmortems/2019/c.md": "1", "postmortems/2019/d.md": "1", "postmortems/z.md": "1"})
	tr.commit("Ada", "edit nested", map[string]string{"postmortems/2019/d.md": "2"})
	repo := tr.set(nil).Repo("")
	cache := t.TempDir()
	h, err := repo.History("postmortems", cache)
	if err != nil {
		t.Fatal(err)
	}
	a := h["postmortems/a.md"]
	if a == nil || a.AddedBy != "Ada" || a.ChangedBy != "Grace" || a.LastCommit != last || !slices.Equal(a.Contributors, []string{"Ada", "Grace"}) || !a.Added.Before(a.Changed) {
		t.Errorf("history of a.md = %+v", a)
	}
	if b := h["postmortems/b.md"]; b == nil || b.AddedBy != "Grace" {
		t.Errorf("a deleted file keeps its history from before: %+v", b)
	}
	if c := h["postmortems/2019/c.md"]; c == nil || c.AddedBy != "Linus" || c.ChangedBy != "Linus" {
		t.Errorf("a file in a sub-folder: %+v", c)
	}
	if d := h["postmortems/2019/d.md"]; d == nil || d.AddedBy != "Linus" || d.ChangedBy != "Ada" || len(d.Contributors) != 2 {
		t.Errorf("a changed file in a sub-folder: %+v", d)
	}
	if z := h["postmortems/z.md"]; z == nil || z.AddedBy != "Linus" {
		t.Errorf("a file added after a folder: %+v", z)
	}
	if len(h) != 5 {
		t.Errorf("history has %d files, want 5: %v", len(h), h)
	}
	if _, ok := h["README.md"]; ok {
		t.Errorf("files outside the prefix are not walked")
	}
	// A second call is served from the cache file.
	entries, _ := os.ReadDir(cache)
	if len(entries) != 1 {
		t.Fatalf("cache files = %v", entries)
	}
	if h2, err := repo.History("postmortems", cache); err != nil || h2["postmortems/a.md"].LastCommit != last {
		t.Errorf("cached history = %v, %v", h2, err)
	}
	// New commits are walked on their own and merged into the cached
	// history; the result equals a walk from scratch.
	tr.commit("Linus", "edit a again", map[string]string{"postmortems/a.md": "3", "postmortems/new.md": "1"})
	inc, err := tr.set(nil).Repo("").History("postmortems", cache)
	if err != nil {
		t.Fatal(err)
	}
	full, _ := tr.set(nil).Repo("").History("postmortems", "")
	incJSON, _ := json.Marshal(inc)
	fullJSON, _ := json.Marshal(full)
	if string(incJSON) != string(fullJSON) {
		t.Errorf("incremental history differs from a full walk:\n%v\n%v", inc, full)
	}
	if a := inc["postmortems/a.md"]; a.AddedBy != "Ada" || a.ChangedBy != "Linus" || len(a.Contributors) != 3 {
		t.Errorf("incremental a.md = %+v", a)
	}
}

func TestEmptyAndDetached(t *testing.T) {
	tr := newTestRepo(t)
	repo := tr.set(nil).Repo("")
	if h, err := repo.History("", ""); err != nil || len(h) != 0 {
		t.Errorf("a repository with no commits: %v %v", h, err)
	}
	if _, err := repo.Resolve("abcdef0"); !errors.Is(err, postmortem.ErrCommitNotFound) {
		t.Errorf("resolve in an empty repository: %v", err)
	}

	tr2 := newTestRepo(t)
	first := tr2.commit("Ada", "one", map[string]string{"postmortems/a.md": "1"})
	tr2.commit("Ada", "two", map[string]string{"postmortems/b.md": "1"})
	wt, _ := tr2.r.Worktree()
	if err := wt.Checkout(&git.CheckoutOptions{Hash: plumbing.NewHash(first)}); err != nil {
		t.Fatal(err)
	}
	h, err := tr2.set(nil).Repo("").History("postmortems", "")
	if err != nil || h["postmortems/a.md"] == nil || h["postmortems/b.md"] != nil {
		t.Errorf("detached HEAD history = %v, %v", h, err)
	}
}

func TestBlobs(t *testing.T) {
	tr := newTestRepo(t)
	tr.commit("Ada", "one", map[string]string{"postmortems/a.md": "one\n", "postmortems/sub/b.md": "b\n", "x.md": "x"})
	tr.commit("Ada", "two", map[string]string{"postmortems/a.md": "two\n"})
	repo := tr.set(nil).Repo("")
	blobs, err := repo.Blobs("HEAD~1", "postmortems")
	if err != nil {
		t.Fatal(err)
	}
	if blobs["postmortems/a.md"] != BlobHash([]byte("one\n")) || blobs["postmortems/sub/b.md"] != BlobHash([]byte("b\n")) || len(blobs) != 2 {
		t.Errorf("blobs at HEAD~1 = %v", blobs)
	}
	// The answer kept for the last commit and prefix follows both.
	for _, step := range []struct {
		prefix, commit, want string
		n                    int
	}{
		{"postmortems", "", "two\n", 2},
		{"postmortems", "", "two\n", 2},
		{"postmortems/sub", "", "", 1},
		{"postmortems", "three\n", "three\n", 2},
	} {
		if step.commit != "" {
			tr.commit("Ada", "next", map[string]string{"postmortems/a.md": step.commit})
		}
		blobs, err := repo.Blobs("HEAD", step.prefix)
		if err != nil || len(blobs) != step.n || step.want != "" && blobs["postmortems/a.md"] != BlobHash([]byte(step.want)) {
			t.Errorf("HEAD below %s after %q: %v %v", step.prefix, step.commit, blobs, err)
		}
	}
	var re *RevisionError
	if _, err := repo.Blobs("no-such-branch", "postmortems"); !errors.As(err, &re) || !strings.Contains(err.Error(), "fetch") {
		t.Errorf("unknown revision: %v", err)
	}
}

func TestTrailersAndLink(t *testing.T) {
	tr := newTestRepo(t)
	trigger := tr.commit("Ada", "Enable header include", map[string]string{"web/h.html": "1"})
	fix := tr.commit("Grace", "Revert header include\n\nPostmortem-Action: 2019-06-28-homepage-404#2\n", map[string]string{"web/h.html": "2"})
	tr.commit("Grace", "unrelated", map[string]string{"z": "1"})

	started := tr.now.Add(-90 * time.Minute) // after the trigger, before the fix
	pm := &postmortem.Postmortem{ID: "2019-06-28-homepage-404"}
	pm.Times.Started = started
	pm.ActionItems = []postmortem.ActionItem{{Title: "one", Status: postmortem.ItemOpen}, {Title: "two", Status: postmortem.ItemOpen}}
	pm.Commits = []postmortem.CommitRef{
		{SHA: trigger[:8], Role: postmortem.RoleTrigger},
		{SHA: fix, Role: postmortem.RoleFix},
		{SHA: "1234567", Role: postmortem.RoleRelated},
		{SHA: trigger[:8], Role: postmortem.RoleRelated, Repo: "nope"},
	}
	tr.set(nil).Link([]*postmortem.Postmortem{pm}, LinkOptions{Files: true})

	if pm.Linked[0].Info == nil || pm.Linked[0].Info.SHA != trigger || !slices.Equal(pm.Linked[0].Info.Files, []string{"web/h.html"}) {
		t.Errorf("trigger not linked: %+v", pm.Linked[0])
	}
	if !pm.Linked[1].Descends[1] {
		t.Errorf("the fix descends from the trigger: %+v", pm.Linked[1])
	}
	if !errors.Is(pm.Linked[2].Err, postmortem.ErrCommitNotFound) {
		t.Errorf("unknown sha: %+v", pm.Linked[2])
	}
	if !pm.Linked[3].UnknownRepo {
		t.Errorf("unknown repo: %+v", pm.Linked[3])
	}
	if c, ok := pm.ClosedItems[2]; !ok || c.SHA != fix {
		t.Errorf("trailer did not close item 2: %v", pm.ClosedItems)
	}
	if d, ok := pm.FixLeadTime(); !ok || d != 30*time.Minute {
		t.Errorf("fix lead time = %v", d)
	}
	if d, ok := pm.TriggerLatency(); !ok || d != 30*time.Minute {
		t.Errorf("trigger latency = %v", d)
	}
}

func TestNamedRepos(t *testing.T) {
	tr := newTestRepo(t)
	tr.commit("Ada", "content", map[string]string{"postmortems/a.md": "1"})
	svc := newTestRepo(t)
	sha := svc.commit("Ada", "service change", map[string]string{"main.go": "package main"})
	notGit := t.TempDir()

	specs := map[string]Spec{
		"local":   {Path: svc.dir, Web: "https://gitlab.example.com/team/svc"},
		"remote":  {URL: svc.dir},
		"missing": {URL: filepath.Join(t.TempDir(), "nowhere")},
		"plain":   {Path: notGit},
	}
	cache := t.TempDir()
	set := NewSet(context.Background(), tr.dir, specs, cache)
	if ci, err := set.Repo("local").Resolve(sha[:7]); err != nil || ci.URL != "https://gitlab.example.com/team/svc/-/commit/"+sha {
		t.Errorf("local path repo: %+v %v", ci, err)
	}
	if ci, err := set.Repo("remote").Resolve(sha[:7]); err != nil || ci.SHA != sha {
		t.Errorf("cloned repo: %+v %v (%s)", ci, err, set.Repo("remote").Problem)
	}
	if p := set.Repo("missing").Problem; !strings.Contains(p, "cannot clone") {
		t.Errorf("unreachable url: %q", p)
	}
	if p := set.Repo("plain").Problem; !strings.Contains(p, "not a git repository") {
		t.Errorf("path that is not a repo: %q", p)
	}
	if set.Known("other") || !set.Known("") || !set.Known("local") {
		t.Errorf("Known is wrong")
	}
	// In a later run, a commit made after the clone is fetched when first
	// asked for.
	later := svc.commit("Grace", "later", map[string]string{"x.go": "package main"})
	set = NewSet(context.Background(), tr.dir, specs, cache)
	if ci, err := set.Repo("remote").Resolve(later); err != nil || ci.SHA != later {
		t.Errorf("a missing sha must trigger a fetch: %v", err)
	}
}

func TestShallowClone(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not installed")
	}
	tr := newTestRepo(t)
	old := tr.commit("Ada", "one", map[string]string{"a": "1"})
	tr.commit("Ada", "two", map[string]string{"a": "2"})
	clone := filepath.Join(t.TempDir(), "clone")
	out, err := exec.Command("git", "clone", "-q", "--depth", "1", "file://"+tr.dir, clone).CombinedOutput()
	if err != nil {
		t.Fatalf("git clone: %v\n%s", err, out)
	}
	repo := NewSet(context.Background(), clone, nil, "").Repo("")
	if !repo.Shallow {
		t.Fatal("a depth-1 clone is shallow")
	}
	if _, err := repo.Resolve(old[:7]); !errors.Is(err, postmortem.ErrCommitNotFound) {
		t.Errorf("a commit beyond the shallow boundary: %v", err)
	}
	if h, err := repo.History("", ""); err != nil || h["a"] == nil {
		t.Errorf("history of a shallow clone: %v %v", h, err)
	}
}

// A second Link of the same postmortems keeps the links of those that
// resolved whole, and links again one whose commit was missing, which
// may have arrived since.
func TestLinkAgain(t *testing.T) {
	// The same commits, made alike, have the same hashes: the second one
	// of other is what tr lacks until it makes it too.
	other := newTestRepo(t)
	other.commit("Ada", "first", map[string]string{"a": "1"})
	later := other.commit("Ada", "second", map[string]string{"b": "2"})
	tr := newTestRepo(t)
	first := tr.commit("Ada", "first", map[string]string{"a": "1"})
	whole, waiting := &postmortem.Postmortem{ID: "whole"}, &postmortem.Postmortem{ID: "waiting"}
	whole.Commits = []postmortem.CommitRef{{SHA: first, Role: postmortem.RoleTrigger}}
	waiting.Commits = []postmortem.CommitRef{{SHA: first, Role: postmortem.RoleTrigger}, {SHA: later, Role: postmortem.RoleFix}}
	set := tr.set(nil)
	pms := []*postmortem.Postmortem{whole, waiting}
	set.Link(pms, LinkOptions{Files: true})
	if waiting.Linked[1].Info != nil || whole.Linked[0].Info == nil {
		t.Fatalf("first link: %+v %+v", whole.Linked, waiting.Linked)
	}
	kept := whole.Linked[0].Info
	if got := tr.commit("Ada", "second", map[string]string{"b": "2"}); got != later {
		t.Fatalf("the second commit is %s, not %s", got, later)
	}
	set.Link(pms, LinkOptions{Files: true})
	if whole.Linked[0].Info != kept {
		t.Errorf("a postmortem whose commits all resolved was linked again")
	}
	if lc := waiting.Linked[1]; lc.Info == nil || lc.Info.SHA != later || !lc.Descends[1] {
		t.Errorf("the commit that arrived is not linked: %+v", lc)
	}
	// Other options link everything again.
	set.Link(pms, LinkOptions{})
	if whole.Linked[0].Info == kept {
		t.Errorf("a link without files kept the links made with them")
	}
}

// Branch names the branch HEAD is on, and nothing when HEAD is detached
// (a pull request's checkout) or there is no repository.
func TestBranch(t *testing.T) {
	tr := newTestRepo(t)
	first := tr.commit("Ada", "first", map[string]string{"a.md": "a"})
	tr.commit("Ada", "second", map[string]string{"a.md": "b"})
	open := func() *Repo { return NewSet(context.Background(), tr.dir, nil, t.TempDir()).Repo("") }
	if got := open().Branch(); got != "master" && got != "main" {
		t.Errorf("on the default branch: Branch() = %q", got)
	}
	wt, err := tr.r.Worktree()
	if err != nil {
		t.Fatal(err)
	}
	if err := wt.Checkout(&git.CheckoutOptions{Branch: plumbing.NewBranchReferenceName("release/v1"), Create: true}); err != nil {
		t.Fatal(err)
	}
	if got := open().Branch(); got != "release/v1" {
		t.Errorf("on release/v1: Branch() = %q", got)
	}
	if err := wt.Checkout(&git.CheckoutOptions{Hash: plumbing.NewHash(first)}); err != nil {
		t.Fatal(err)
	}
	if got := open().Branch(); got != "" {
		t.Errorf("detached: Branch() = %q, want none", got)
	}
	if got := NewSet(context.Background(), t.TempDir(), nil, t.TempDir()).Repo("").Branch(); got != "" {
		t.Errorf("no repository: Branch() = %q, want none", got)
	}
}

// Repositories opened in the background while something else runs give
// what opening them when asked gives; a remote one is not opened (that
// may fetch), and everyone asking for a repository gets the one value.
func TestPrefetch(t *testing.T) {
	tr := newTestRepo(t)
	tr.commit("Ada", "content", map[string]string{"postmortems/a.md": "1"})
	svc := newTestRepo(t)
	sha := svc.commit("Ada", "service change", map[string]string{"main.go": "package main"})
	specs := map[string]Spec{
		"local":  {Path: svc.dir},
		"plain":  {Path: t.TempDir()},
		"remote": {URL: svc.dir},
	}
	cache := t.TempDir()
	set := NewSet(context.Background(), tr.dir, specs, cache)
	set.Prefetch()
	got := make([]*Repo, 8)
	var wg sync.WaitGroup
	for i := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got[i] = set.Repo([]string{"", "local", "plain"}[i%3])
		}()
	}
	wg.Wait()
	for i, r := range got {
		if r != got[i%3] {
			t.Errorf("asking again for %q gave another value", r.Name)
		}
	}
	if ci, err := set.Repo("local").Resolve(sha[:7]); err != nil || ci.SHA != sha {
		t.Errorf("prefetched repo: %+v %v", ci, err)
	}
	if p := set.Repo("plain").Problem; !strings.Contains(p, "not a git repository") {
		t.Errorf("prefetched path that is not a repo: %q", p)
	}
	if set.Repo("").Problem != "" {
		t.Errorf("the postmortems' repository: %s", set.Repo("").Problem)
	}
	if clones, _ := os.ReadDir(cache); len(clones) != 0 {
		t.Errorf("prefetch cloned a remote repository: %v", clones)
	}
	set.Close()
}

// DropObjects empties go-git's cache of decoded objects, and the answers
// stay the same.
func TestDropObjects(t *testing.T) {
	tr := newTestRepo(t)
	tr.commit("Ada", "first", map[string]string{"svc/main.go": "package main\n"})
	second := tr.commit("Grace", "second", map[string]string{"svc/db.go": "package main\n", "docs/x.md": "x"})
	set := NewSet(context.Background(), tr.dir, nil, "") // no facts cache: every answer comes from git
	defer set.Close()
	repo := set.Repo("")
	want, err := repo.ChangedFiles(second)
	if err != nil || len(want) != 2 {
		t.Fatalf("changed files: %v %v", want, err)
	}
	c, err := repo.r.CommitObject(plumbing.NewHash(second))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := repo.decoded.Get(c.TreeHash); !ok {
		t.Fatal("the tree diff left the tree out of the cache: the test shows nothing")
	}
	set.DropObjects()
	if _, ok := repo.decoded.Get(c.TreeHash); ok {
		t.Error("the tree is still cached after DropObjects")
	}
	if got, err := repo.ChangedFiles(second); err != nil || !slices.Equal(got, want) {
		t.Errorf("after DropObjects: %v %v, want %v", got, err, want)
	}
}
