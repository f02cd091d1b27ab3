package gitlink

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/go-git/go-git/v5"
	gitconfig "github.com/go-git/go-git/v5/config"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/storage/filesystem"

	"github.com/hindsight-dev/hindsight/internal/postmortem"
)

// node returns a commit's facts: from the cache, else from one read of
// its object (then cached). nil when the repository does not have it (a
// parent beyond a shallow boundary, or no such commit).
func (r *Repo) node(h plumbing.Hash) *fact {
	if f := r.facts.get(h); f != nil {
		return f
	}
	c, err := object.GetCommit(r.r.Storer, h)
	if err != nil {
		return nil
	}
	f := factOf(c)
	f.Loose = r.isLoose(h)
	r.facts.put(h, f)
	return f
}

func (r *Repo) isLoose(h plumbing.Hash) bool {
	s := h.String()
	_, err := os.Stat(filepath.Join(r.objects, s[:2], s[2:]))
	return err == nil
}

// exists reports whether the repository still has a commit the cache
// knows: a packed one is there while the packfiles are those of when it
// was cached; otherwise (after a repack, or for a loose one that `git
// prune` may have removed) the object store is asked.
func (r *Repo) exists(h plumbing.Hash, f *fact) bool {
	switch {
	case f.Loose:
		return r.isLoose(h) || r.r.Storer.HasEncodedObject(h) == nil
	case r.packs != "" && r.packs == r.facts.Packs:
		return true
	}
	return r.r.Storer.HasEncodedObject(h) == nil
}

// Resolve finds the one commit a sha or sha prefix names. It fetches a
// remote repository again once when the commit is not found.
func (r *Repo) Resolve(sha string) (postmortem.CommitInfo, error) {
	if r.Problem != "" {
		return postmortem.CommitInfo{}, errors.New(r.Problem)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	h, err := r.lookup(sha)
	if errors.Is(err, postmortem.ErrCommitNotFound) && r.spec.URL != "" && !r.fetched {
		r.fetched = true
		ferr := r.bounded(func(ctx context.Context) error {
			return r.r.FetchContext(ctx, &git.FetchOptions{RefSpecs: []gitconfig.RefSpec{"+refs/heads/*:refs/heads/*", "+refs/tags/*:refs/tags/*"}, Tags: git.AllTags})
		})
		switch {
		case ferr == nil || errors.Is(ferr, git.NoErrAlreadyUpToDate):
			r.reopenObjects()
			h, err = r.lookup(sha)
		default:
			r.Stale = fmt.Sprintf("the cached clone lacks some commits and %s could not be fetched (%v); run again when it can be reached", r.spec.URL, ferr)
		}
	}
	if err != nil {
		return postmortem.CommitInfo{}, err
	}
	return r.info(h), nil
}

// reopenObjects forgets what this run read of the object folder after a
// fetch added packfiles.
func (r *Repo) reopenObjects() {
	r.packs = packSignature(r.objects)
	r.all, r.allRead = nil, false
	r.closes, r.closesOK = nil, false
}

// lookup finds the commit a full sha or a prefix names. A full sha is one
// object read (none when cached); a prefix is answered from the cache while
// the packfiles and the loose objects it could match are unchanged, else
// from the sorted list of every object's hash, read once in a run.
func (r *Repo) lookup(sha string) (plumbing.Hash, error) {
	sha = strings.ToLower(sha)
	if len(sha) == 40 {
		h := plumbing.NewHash(sha)
		if f := r.facts.get(h); f != nil {
			if r.exists(h, f) {
				return h, nil
			}
			return plumbing.ZeroHash, postmortem.ErrCommitNotFound // rewritten away
		}
		if r.node(h) == nil {
			return plumbing.ZeroHash, postmortem.ErrCommitNotFound
		}
		return h, nil
	}
	loose := looseWithPrefix(r.objects, sha)
	r.facts.mu.Lock()
	ans, ok := r.facts.Prefixes[sha]
	r.facts.mu.Unlock()
	if !ok || ans.Packs != r.packs || r.packs == "" || !slices.Equal(ans.Loose, loose) {
		found, err := r.withPrefix(sha)
		if err != nil {
			return plumbing.ZeroHash, err
		}
		ans = prefixAnswer{Packs: r.packs, Loose: loose, Hashes: found}
		r.facts.mu.Lock()
		r.facts.Prefixes[sha] = ans
		r.facts.mu.Unlock()
		r.facts.touch()
	}
	switch len(ans.Hashes) {
	case 0:
		return plumbing.ZeroHash, postmortem.ErrCommitNotFound
	case 1:
		return ans.Hashes[0], nil
	}
	amb := &postmortem.AmbiguousCommitError{Prefix: sha}
	for _, h := range ans.Hashes {
		amb.Candidates = append(amb.Candidates, h.String())
	}
	return plumbing.ZeroHash, amb
}

// withPrefix lists the commits whose hash starts with a hex prefix.
func (r *Repo) withPrefix(prefix string) ([]plumbing.Hash, error) {
	if !r.allRead {
		r.allRead = true
		st, ok := r.r.Storer.(*filesystem.Storage)
		if !ok {
			return nil, errors.New("the repository's storage cannot be searched by prefix")
		}
		all, err := st.HashesWithPrefix(nil)
		if err != nil {
			return nil, fmt.Errorf("reading the object index of %s: %w", r.describe(), err)
		}
		slices.SortFunc(all, func(a, b plumbing.Hash) int { return bytes.Compare(a[:], b[:]) })
		r.all = slices.Compact(all)
	}
	lo := hexPrefix(prefix, '0')
	i := sort.Search(len(r.all), func(i int) bool { return bytes.Compare(r.all[i][:], lo[:]) >= 0 })
	var found []plumbing.Hash
	for ; i < len(r.all) && strings.HasPrefix(r.all[i].String(), prefix); i++ {
		if r.node(r.all[i]) != nil { // commits only: a blob of the same prefix is no rival
			found = append(found, r.all[i])
		}
	}
	return found, nil
}

// info returns a commit's details without its changed files, which
// ChangedFiles adds on demand.
func (r *Repo) info(h plumbing.Hash) postmortem.CommitInfo {
	f := r.node(h)
	return postmortem.CommitInfo{
		SHA: h.String(), Repo: r.Name, Subject: f.Subject, Author: f.Author, AuthorEmail: f.Email,
		Date: f.Authored, Committed: f.Committed, URL: r.Web.Commit(h.String()),
	}
}

// ChangedFiles lists the paths a commit changed against its first parent
// (every path, for a root commit), from the tree diff; once computed, they
// are cached with the commit.
func (r *Repo) ChangedFiles(sha string) ([]string, error) {
	if r.r == nil {
		return nil, errors.New(r.Problem)
	}
	h := plumbing.NewHash(sha)
	f := r.node(h)
	if f == nil {
		return nil, postmortem.ErrCommitNotFound
	}
	if f.FilesKnown {
		return f.Files, nil
	}
	files, err := r.changedFiles(f)
	if err != nil {
		return nil, err
	}
	withFiles := *f
	withFiles.Files, withFiles.FilesKnown = files, true
	r.facts.put(h, &withFiles)
	return files, nil
}

// IsAncestor reports whether ancestor is reachable from descendant through
// parents (a commit is its own ancestor). The walk skips commits older than
// the ancestor by more than a day, allowing for clock skew; the answer is
// cached, since it can never change.
func (r *Repo) IsAncestor(ancestor, descendant string) (bool, error) {
	a, d := plumbing.NewHash(ancestor), plumbing.NewHash(descendant)
	key := [2]plumbing.Hash{a, d}
	r.facts.mu.Lock()
	known, ok := r.facts.Ancestry[key]
	r.facts.mu.Unlock()
	if ok {
		return known, nil
	}
	an := r.node(a)
	if an == nil || r.node(d) == nil {
		return false, postmortem.ErrCommitNotFound
	}
	floor := an.Committed.Add(-24 * time.Hour)
	seen := map[plumbing.Hash]bool{d: true}
	queue := []plumbing.Hash{d}
	found := false
	for len(queue) > 0 && !found {
		h := queue[0]
		queue = queue[1:]
		if h == a {
			found = true
			break
		}
		n := r.node(h)
		if n == nil {
			continue // beyond a shallow boundary
		}
		for _, p := range n.Parents {
			if seen[p] {
				continue
			}
			seen[p] = true
			if pn := r.node(p); pn == nil || !pn.Committed.Before(floor) {
				queue = append(queue, p)
			}
		}
	}
	r.facts.mu.Lock()
	r.facts.Ancestry[key] = found
	r.facts.mu.Unlock()
	r.facts.touch()
	return found, nil
}

// ActionCloses returns the commits whose messages close action items,
// among those HEAD reaches: not a commit amended or rebased away, nor one
// on a branch that has not landed. The walk reads from the cache every
// commit it has seen before.
func (r *Repo) ActionCloses() []ActionClose {
	if r.Problem != "" || r.r == nil {
		return nil
	}
	if r.closesOK {
		return r.closes
	}
	r.closesOK = true
	head, err := r.r.Head()
	if err != nil {
		return nil // no commits yet
	}
	for _, h := range r.reachableOnce(head.Hash()) {
		f := r.node(h)
		for _, item := range f.Trailers {
			r.closes = append(r.closes, ActionClose{Item: item, Commit: r.info(h)})
		}
	}
	return r.closes
}

// reachable returns the commits reachable from head, newest first by
// committer time; parents missing beyond a shallow boundary are skipped.
func (r *Repo) reachable(head plumbing.Hash) []plumbing.Hash {
	seen := map[plumbing.Hash]bool{head: true}
	stack := []plumbing.Hash{head}
	var out []plumbing.Hash
	when := map[plumbing.Hash]time.Time{}
	for len(stack) > 0 {
		h := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		n := r.node(h)
		if n == nil {
			continue
		}
		out = append(out, h)
		when[h] = n.Committed
		for _, p := range n.Parents {
			if !seen[p] {
				seen[p] = true
				stack = append(stack, p)
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return when[out[i]].After(when[out[j]]) })
	return out
}

// Save writes what this run learnt of the repositories' commits into
// their caches.
func (s *Set) Save() {
	for _, r := range s.openedRepos() {
		if r.facts != nil {
			r.facts.save(r.packs)
		}
	}
}

// Close saves the caches and closes the repositories' packfiles.
func (s *Set) Close() {
	s.Save()
	for _, r := range s.openedRepos() {
		if r.r != nil {
			if st, ok := r.r.Storer.(*filesystem.Storage); ok {
				_ = st.Close()
			}
		}
	}
}
