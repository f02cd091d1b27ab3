package gitlink

import (
	"regexp"
	"slices"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/hindsight-dev/hindsight/internal/postmortem"
)

// revertLine is the line git writes into a revert's message, "This
// reverts commit <sha>.", with the sha in full or abbreviated (as people
// and squash merges sometimes leave it).
var revertLine = regexp.MustCompile(`(?i)\bthis reverts commit ([0-9a-f]{7,40})\b`)

// revertSubject is the subject git gives a revert: Revert "<subject>".
// A squash merge of a web UI's revert adds its pull request: (#123).
var revertSubject = regexp.MustCompile(`^Revert "(.+)"(?: \(#\d+\))?$`)

// revertsOf returns the shas a commit message says it reverts, lowercased
// and without repeats, and the reverted subject when the message has only
// git's subject form.
func revertsOf(msg, subject string) (shas []string, revSubject string) {
	for _, m := range revertLine.FindAllStringSubmatch(msg, -1) {
		s := strings.ToLower(m[1])
		if !slices.Contains(shas, s) {
			shas = append(shas, s)
		}
	}
	if len(shas) == 0 {
		if m := revertSubject.FindStringSubmatch(subject); m != nil {
			revSubject = m[1]
		}
	}
	return shas, revSubject
}

// Revert is what git says of whether a commit is undone.
type Revert struct {
	// By is the commit, reachable from HEAD, whose revert is in effect:
	// nil when the commit stands (never reverted, or its revert was
	// itself reverted).
	By *postmortem.CommitInfo
	// Note says why a revert that seems to name the commit was not
	// counted (an abbreviated sha that several commits share).
	Note string
}

// revertIndex is every revert HEAD reaches, by the sha or subject it
// names.
type revertIndex struct {
	bySHA     map[string][]plumbing.Hash // full or abbreviated sha named
	bySubject map[string][]plumbing.Hash
}

// reverts indexes the reverts among the commits HEAD reaches, once a run.
func (r *Repo) reverts() *revertIndex {
	if r.revIndex != nil {
		return r.revIndex
	}
	idx := &revertIndex{bySHA: map[string][]plumbing.Hash{}, bySubject: map[string][]plumbing.Hash{}}
	r.revIndex = idx
	head, err := r.r.Head()
	if err != nil {
		return idx // no commits yet
	}
	for _, h := range r.reachableOnce(head.Hash()) {
		f := r.node(h)
		for _, s := range f.Reverts {
			idx.bySHA[s] = append(idx.bySHA[s], h)
		}
		if f.RevertSubject != "" {
			idx.bySubject[f.RevertSubject] = append(idx.bySubject[f.RevertSubject], h)
		}
	}
	return idx
}

// Reverted says whether a later commit that HEAD reaches undid the commit
// sha (a full hash): a revert naming it by its full or abbreviated sha, or
// by git's `Revert "<subject>"` subject alone, that was not itself
// reverted since. A revert of a revert puts the commit back.
func (r *Repo) Reverted(sha string) Revert {
	if r.Problem != "" || r.r == nil {
		return Revert{}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	h := plumbing.NewHash(sha)
	if h.IsZero() || r.node(h) == nil {
		return Revert{}
	}
	var note string
	by := r.revertedBy(h, map[plumbing.Hash]bool{}, &note)
	if by.IsZero() {
		return Revert{Note: note}
	}
	info := r.info(by)
	return Revert{By: &info, Note: note}
}

// maxRevertChain bounds how many reverts of reverts are followed.
const maxRevertChain = 16

// revertedBy returns the revert of h in effect (zero when none), the
// oldest first when several are.
func (r *Repo) revertedBy(h plumbing.Hash, seen map[plumbing.Hash]bool, note *string) plumbing.Hash {
	if seen[h] || len(seen) >= maxRevertChain {
		return plumbing.ZeroHash
	}
	seen[h] = true
	defer delete(seen, h)
	idx := r.reverts()
	full := h.String()
	var candidates []plumbing.Hash
	for n := 7; n <= 40; n++ {
		named := idx.bySHA[full[:n]]
		if len(named) == 0 {
			continue
		}
		if n < 40 {
			if found, err := r.withPrefix(full[:n]); err != nil || len(found) != 1 {
				*note = "commit " + short(named[0]) + " reverts commit " + full[:n] + ", which names more than one commit, so it was not counted"
				continue
			}
		}
		candidates = append(candidates, named...)
	}
	f := r.node(h)
	for _, c := range idx.bySubject[f.Subject] {
		if c != h && !r.node(c).Committed.Before(f.Committed) {
			candidates = append(candidates, c)
		}
	}
	var best plumbing.Hash
	var bestFact *fact
	for _, c := range candidates {
		if c == h {
			continue
		}
		if !r.revertedBy(c, seen, note).IsZero() {
			continue // the revert was reverted: h is back
		}
		if cf := r.node(c); bestFact == nil || cf.Committed.Before(bestFact.Committed) {
			best, bestFact = c, cf
		}
	}
	return best
}

func short(h plumbing.Hash) string { return h.String()[:7] }

// reachableOnce is reachable from HEAD, walked once a run for every
// question asked of the whole history.
func (r *Repo) reachableOnce(head plumbing.Hash) []plumbing.Hash {
	if r.reach == nil {
		r.reach = r.reachable(head)
	}
	return r.reach
}
