package gitlink

import (
	"errors"
	"fmt"
	"sort"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// defaultBranches are tried, in order, when no base revision is given.
var defaultBranches = []string{"refs/remotes/origin/HEAD", "refs/remotes/origin/main", "refs/remotes/origin/master", "refs/heads/main", "refs/heads/master"}

// ChangedSinceBase returns the files changed between the merge base of base
// and HEAD, and HEAD: what a pull request from HEAD into base changes. An
// empty base means the default branch (origin's HEAD, else main or master).
func (r *Repo) ChangedSinceBase(base string) (files []string, usedBase string, err error) {
	if r.r == nil {
		return nil, "", errors.New(r.Problem)
	}
	head, err := r.r.Head()
	if err != nil {
		return nil, "", fmt.Errorf("%s has no commits yet", r.describe())
	}
	headCommit, err := r.r.CommitObject(head.Hash())
	if err != nil {
		return nil, "", err
	}
	var baseHash *plumbing.Hash
	if base != "" {
		if baseHash, err = r.r.ResolveRevision(plumbing.Revision(base)); err != nil {
			return nil, "", &RevisionError{Rev: base, Err: err}
		}
		usedBase = base
	} else {
		for _, name := range defaultBranches {
			ref, err := r.r.Reference(plumbing.ReferenceName(name), true)
			if err == nil {
				h := ref.Hash()
				baseHash, usedBase = &h, plumbing.ReferenceName(name).Short()
				break
			}
		}
		if baseHash == nil {
			return nil, "", errors.New("no default branch found (origin/HEAD, origin/main, origin/master, main, master); give one with --base")
		}
	}
	baseCommit, err := r.r.CommitObject(*baseHash)
	if err != nil {
		return nil, "", err
	}
	bases, err := baseCommit.MergeBase(headCommit)
	if err != nil || len(bases) == 0 {
		return nil, "", fmt.Errorf("%s and HEAD share no history; fetch more of it (fetch-depth: 0)", usedBase)
	}
	files, err = diffCommits(bases[0], headCommit)
	return files, usedBase, err
}

func diffCommits(a, b *object.Commit) ([]string, error) {
	at, err := a.Tree()
	if err != nil {
		return nil, err
	}
	bt, err := b.Tree()
	if err != nil {
		return nil, err
	}
	changes, err := object.DiffTree(at, bt)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	for _, ch := range changes {
		for _, name := range []string{ch.From.Name, ch.To.Name} {
			if name != "" {
				seen[name] = true
			}
		}
	}
	files := make([]string, 0, len(seen))
	for f := range seen {
		files = append(files, f)
	}
	sort.Strings(files)
	return files, nil
}
