package gitlink

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// The raw tree diff lists the same paths as go-git's tree diff, for adds,
// edits, removals, nested folders and a file that became a folder.
func TestChangedFilesMatchesTreeDiff(t *testing.T) {
	tr := newTestRepo(t)
	var shas []string
	for _, files := range []map[string]string{
		{"a.go": "1", "dir/b.go": "1", "dir/sub/c.go": "1", "x": "file"},
		{"a.go": "2", "dir/sub/d.go": "1", "e/f/g.go": "1"},
		{"dir/b.go": "", "dir/sub/c.go": "", "a.txt": "t"},
		{"x": "", "x/inside.go": "now a folder"},
		{"e/f/g.go": "2", "e/h.go": "1", "a.go": ""},
		big(func(i int) string { return "1" }),
		big(func(i int) string { return map[bool]string{true: "2", false: "1"}[i == 100] }),
		big(func(i int) string { return map[bool]string{true: "", false: "1"}[i == 0 || i == 199] }),
	} {
		shas = append(shas, tr.commit("Ada", "change", files))
	}
	set := tr.set(nil)
	defer set.Close()
	repo := set.Repo("")
	for _, sha := range shas {
		got, err := repo.ChangedFiles(sha)
		if err != nil {
			t.Fatal(err)
		}
		c, _ := tr.r.CommitObject(plumbing.NewHash(sha))
		tree, _ := c.Tree()
		var parent *object.Tree
		if p, err := c.Parent(0); err == nil {
			parent, _ = p.Tree()
		}
		changes, err := object.DiffTreeWithOptions(context.Background(), parent, tree, &object.DiffTreeOptions{})
		if err != nil {
			t.Fatal(err)
		}
		var want []string
		for _, ch := range changes {
			if ch.To.Name != "" {
				want = append(want, ch.To.Name)
			}
			if ch.From.Name != "" {
				want = append(want, ch.From.Name)
			}
		}
		sort.Strings(want)
		want = slices.Compact(want)
		if !slices.Equal(got, want) {
			t.Errorf("commit %s: %v, want %v", sha[:7], got, want)
		}
	}
}

// big is a folder of 200 files, their contents chosen by content.
func big(content func(i int) string) map[string]string {
	m := map[string]string{}
	for i := range 200 {
		m[fmt.Sprintf("big/f%03d.go", i)] = content(i)
	}
	return m
}
