package check

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/hindsight-dev/hindsight/internal/postmortem"
	"github.com/hindsight-dev/hindsight/internal/yamlnode"
)

// The commit rules read what git verification recorded on each ref
// (Postmortem.Linked); without it they find nothing.

func commitMissing(r *run, pm *postmortem.Postmortem) {
	for _, lc := range pm.Linked {
		var amb *postmortem.AmbiguousCommitError
		switch {
		case lc.UnknownRepo:
			names := "none are configured"
			if len(r.cfg.Repos) > 0 {
				names = "the configured ones are " + strings.Join(sortedKeys(r.cfg.Repos), ", ")
			}
			r.at("commit-missing", pm, commitPos(pm, lc, "repo"), "repo %q is not in hindsight.yaml (%s); add it under repos: or fix the name", lc.Ref.Repo, names)
		case errors.As(lc.Err, &amb):
			r.at("commit-missing", pm, commitPos(pm, lc, "sha"), "sha %s is ambiguous in %s: it starts %s; give more characters", lc.Ref.SHA, repoName(lc.Ref.Repo), strings.Join(amb.Candidates, " and "))
		case errors.Is(lc.Err, postmortem.ErrCommitNotFound) && !lc.Shallow:
			r.at("commit-missing", pm, commitPos(pm, lc, "sha"), "commit %s not found in %s; check the sha with `git log --oneline`, or fetch the branch that has it", lc.Ref.SHA, repoName(lc.Ref.Repo))
		case lc.Err != nil && !errors.Is(lc.Err, postmortem.ErrCommitNotFound):
			r.at("commit-missing", pm, commitPos(pm, lc, "sha"), "commit %s could not be read: %v", lc.Ref.SHA, lc.Err)
		}
	}
}

func repoName(name string) string {
	if name == "" {
		return "this repository"
	}
	return fmt.Sprintf("repo %q", name)
}

func commitOrder(r *run, pm *postmortem.Postmortem) {
	for _, lc := range pm.Linked {
		if lc.Info == nil {
			continue
		}
		if lc.Ref.Role == postmortem.RoleTrigger && !pm.Times.Started.IsZero() && lc.Info.Committed.After(pm.Times.Started) {
			r.at("commit-order", pm, commitPos(pm, lc, "sha"), "trigger %s was committed %s, after the incident started (%s); check the sha and times.started",
				short(lc.Info.SHA), stamp(lc.Info.Committed), stamp(pm.Times.Started))
		}
		if lc.Ref.Role == postmortem.RoleFix && !pm.Times.Started.IsZero() && lc.Info.Committed.Before(pm.Times.Started) {
			r.at("commit-order", pm, commitPos(pm, lc, "sha"), "fix %s was committed %s, before the incident started (%s); check the sha and times.started, or give it role: related",
				short(lc.Info.SHA), stamp(lc.Info.Committed), stamp(pm.Times.Started))
		}
		if lc.Shallow {
			continue // history may be cut off: commit-unverifiable says so
		}
		for trig, ok := range lc.Descends {
			if !ok {
				r.at("commit-order", pm, commitPos(pm, lc, "sha"), "fix %s does not descend from trigger %s (commits[%d]); a fix is normally made on top of the change it repairs: check both shas",
					short(lc.Info.SHA), short(pm.Linked[trig-1].Info.SHA), trig)
			}
		}
	}
}

// commitPos is where a field of a commit ref is, looked up only for a
// finding: the rules see every ref of every postmortem on each of serve's
// rebuilds.
func commitPos(pm *postmortem.Postmortem, lc postmortem.LinkedCommit, field string) yamlnode.Pos {
	return pm.ValuePos("commits[" + strconv.Itoa(lc.Index) + "]." + field)
}

func short(sha string) string { return sha[:min(len(sha), 10)] }

// commitUnverifiable reports each repository that could not be read, or is
// shallow, once, at the first ref that uses it.
func commitUnverifiable(r *run, targets []*postmortem.Postmortem) {
	seen := map[string]bool{}
	for _, pm := range targets {
		for _, lc := range pm.Linked {
			name := lc.Ref.Repo
			if seen[name] || lc.UnknownRepo || lc.RepoProblem == "" && !lc.Shallow {
				continue
			}
			seen[name] = true
			pos := commitPos(pm, lc, "sha")
			if lc.RepoProblem != "" {
				r.at("commit-unverifiable", pm, pos, "commits in %s were not verified: %s", repoName(name), lc.RepoProblem)
				continue
			}
			r.at("commit-unverifiable", pm, pos, "%s is a shallow clone, so its commits were not fully verified; fetch the whole history (`git fetch --unshallow`, or `fetch-depth: 0` with actions/checkout)", repoName(name))
		}
	}
}

func actionItemClosed(r *run, pm *postmortem.Postmortem) {
	for n, c := range pm.ClosedItems {
		if n > len(pm.ActionItems) || !pm.ActionItems[n-1].Open() {
			continue
		}
		r.at("action-item-closed", pm, pm.ValuePos(fmt.Sprintf("action_items[%d].status", n)), "action item %s#%d is still %s, but commit %s (%q) closed it with a %s trailer; set `status: done`",
			pm.ID, n, pm.ActionItems[n-1].Status, short(c.SHA), c.Subject, "Postmortem-Action")
	}
}

// countermeasureReverted reports fixes and mitigations that a later
// commit undid, and action items whose closing commit was reverted.
func countermeasureReverted(r *run, pm *postmortem.Postmortem) {
	for _, lc := range pm.Linked {
		if lc.RevertedBy == nil || lc.Info == nil {
			continue
		}
		rev := lc.RevertedBy
		r.at("countermeasure-reverted", pm, commitPos(pm, lc, "sha"),
			"the %s %s (%q) was reverted by %s (%q) on %s, so it may no longer be in effect; check the remedy still holds, and name the commit that put it back (or record why it was dropped)",
			lc.Ref.Role, short(lc.Info.SHA), lc.Info.Subject, short(rev.SHA), rev.Subject, rev.Committed.UTC().Format("2006-01-02"))
	}
	for _, n := range slices.Sorted(maps.Keys(pm.ReopenedItems)) {
		if n > len(pm.ActionItems) {
			continue
		}
		ro := pm.ReopenedItems[n]
		what := "so the item is open again"
		if !pm.ActionItems[n-1].Open() {
			what = fmt.Sprintf("though the file says %s; reopen it, or close it again with a commit that stands", pm.ActionItems[n-1].Status)
		}
		r.at("countermeasure-reverted", pm, pm.ValuePos(fmt.Sprintf("action_items[%d].status", n)),
			"action item %s#%d was closed by %s (%q), which %s (%q) reverted, %s",
			pm.ID, n, short(ro.Closed.SHA), ro.Closed.Subject, short(ro.By.SHA), ro.By.Subject, what)
	}
}
