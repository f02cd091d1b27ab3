package gitlink

import (
	"errors"
	"strconv"
	"strings"

	"github.com/hindsight-dev/hindsight/internal/postmortem"
)

// LinkOptions tune Link.
type LinkOptions struct {
	// Files adds each commit's changed files, which costs a tree diff per
	// commit.
	Files bool
}

// Link resolves every commit ref of the postmortems in its repository,
// records which fixes descend from which triggers, and marks the action
// items that commit trailers close. Problems are recorded on the refs, for
// the check rules to report.
//
// A postmortem this Set linked before (the same value: a reload takes an
// unchanged file's from the load before) keeps its links when every one
// resolved: what a commit is, changed and descends from never changes,
// and what reverted it is read once a run. One with a ref that did not
// resolve is linked again, for the commit may have arrived since.
func (s *Set) Link(pms []*postmortem.Postmortem, opts LinkOptions) {
	s.mu.Lock()
	done := s.linked[opts]
	s.mu.Unlock()
	next := make(map[*postmortem.Postmortem]bool, len(pms))
	defer func() {
		s.mu.Lock()
		s.linked = map[LinkOptions]map[*postmortem.Postmortem]bool{opts: next}
		s.mu.Unlock()
	}()
	for _, pm := range pms {
		if done[pm] {
			next[pm] = true
			continue
		}
		if resolvedAll(s.link(pm, opts)) {
			next[pm] = true
		}
	}
	s.closeItems(pms)
}

// resolvedAll reports whether every ref of pm resolved to a commit.
func resolvedAll(pm *postmortem.Postmortem) bool {
	for _, lc := range pm.Linked {
		if lc.Info == nil {
			return false
		}
	}
	return true
}

// link resolves the commit refs of one postmortem.
func (s *Set) link(pm *postmortem.Postmortem, opts LinkOptions) *postmortem.Postmortem {
	pm.Linked = make([]postmortem.LinkedCommit, len(pm.Commits))
	for i, ref := range pm.Commits {
		lc := &pm.Linked[i]
		lc.Ref, lc.Index = ref, i+1
		if ref.SHA == "" || pm.Invalid("commits["+strconv.Itoa(i+1)+"]") {
			continue
		}
		if !s.Known(ref.Repo) {
			lc.UnknownRepo = true
			continue
		}
		repo := s.Repo(ref.Repo)
		lc.Shallow = repo.Shallow
		if repo.Problem != "" {
			lc.RepoProblem = repo.Problem
			continue
		}
		info, err := repo.Resolve(ref.SHA)
		switch {
		case repo.Problem != "":
			lc.RepoProblem = repo.Problem
			continue
		case errors.Is(err, postmortem.ErrCommitNotFound) && repo.Stale != "":
			// Not in a clone that could not be brought up to date:
			// it may well exist.
			lc.RepoProblem = repo.Stale
			continue
		case err != nil:
			lc.Err = err
			continue
		}
		if opts.Files {
			info.Files, _ = repo.ChangedFiles(info.SHA)
		}
		lc.Info = &info
		if ref.Role.Countermeasure() {
			rev := repo.Reverted(info.SHA)
			lc.RevertedBy, lc.RevertNote = rev.By, rev.Note
		}
	}
	s.order(pm)
	return pm
}

// order records, for each fix, whether it descends from each trigger in
// the same repository.
func (s *Set) order(pm *postmortem.Postmortem) {
	for i := range pm.Linked {
		fix := &pm.Linked[i]
		if fix.Ref.Role != postmortem.RoleFix || fix.Info == nil {
			continue
		}
		for j := range pm.Linked {
			trig := pm.Linked[j]
			if trig.Ref.Role != postmortem.RoleTrigger || trig.Info == nil || trig.Ref.Repo != fix.Ref.Repo {
				continue
			}
			ok, err := s.Repo(fix.Ref.Repo).IsAncestor(trig.Info.SHA, fix.Info.SHA)
			if err != nil {
				continue
			}
			if fix.Descends == nil {
				fix.Descends = map[int]bool{}
			}
			fix.Descends[trig.Index] = ok
		}
	}
}

// closeItems marks action items named by Postmortem-Action trailers in any
// of the repositories.
func (s *Set) closeItems(pms []*postmortem.Postmortem) {
	byID := map[string]*postmortem.Postmortem{}
	for _, pm := range pms {
		if len(pm.ActionItems) > 0 {
			byID[pm.ID] = pm
		}
	}
	if len(byID) == 0 {
		return // nothing to close: no need to read the history
	}
	repos := []*Repo{s.Repo("")}
	for _, name := range s.Names() {
		repos = append(repos, s.Repo(name))
	}
	type closing struct {
		commit postmortem.CommitInfo
		revert Revert
	}
	closes := map[*postmortem.Postmortem]map[int][]closing{}
	for _, repo := range repos {
		for _, ac := range repo.ActionCloses() {
			id, num, ok := strings.Cut(ac.Item, "#")
			n, err := strconv.Atoi(num)
			pm := byID[id]
			if !ok || err != nil || pm == nil || n < 1 || n > len(pm.ActionItems) {
				continue
			}
			if closes[pm] == nil {
				closes[pm] = map[int][]closing{}
			}
			closes[pm][n] = append(closes[pm][n], closing{ac.Commit, repo.Reverted(ac.Commit.SHA)})
		}
	}
	// The oldest commit still in effect closes an item; when every one
	// was reverted, the item is open again, reopened by the latest revert.
	for pm, items := range closes {
		for n, cs := range items {
			var closed, reverted *closing
			for i := range cs {
				c := &cs[i]
				switch {
				case c.revert.By == nil:
					if closed == nil || c.commit.Committed.Before(closed.commit.Committed) {
						closed = c
					}
				case reverted == nil || c.revert.By.Committed.After(reverted.revert.By.Committed):
					reverted = c
				}
			}
			if closed != nil {
				if pm.ClosedItems == nil {
					pm.ClosedItems = map[int]postmortem.CommitInfo{}
				}
				pm.ClosedItems[n] = closed.commit
				continue
			}
			if pm.ReopenedItems == nil {
				pm.ReopenedItems = map[int]postmortem.Reopened{}
			}
			pm.ReopenedItems[n] = postmortem.Reopened{Closed: reverted.commit, By: *reverted.revert.By}
		}
	}
}
