package postmortem

import (
	"encoding/hex"
	"reflect"
	"slices"
)

// Scope is what an output may show: drafts or not, everything or only
// what may be public.
type Scope struct {
	// Drafts includes postmortems with status draft.
	Drafts bool
	// Public keeps only postmortems with visibility public, each without
	// its internal details (see Redact).
	Public bool
}

// Select is the one rule of what a build, a preview or an export holds: a
// draft only with Drafts, and with Public only the postmortems marked
// visibility: public, as redacted copies whose related lists name only
// postmortems in the selection. The originals are never changed.
func Select(pms []*Postmortem, s Scope) []*Postmortem {
	return (*Selector)(nil).Select(pms, s)
}

// A Selector selects as Select does, and keeps the redacted copies it
// made for the next selection: given an original again, unchanged since
// (the same postmortem, with the very links and closed items it had, and
// the same related ids in the selection), it returns the same copy. What
// a watching preview keeps by postmortem then holds in a public preview
// too. A nil Selector keeps nothing. It is not safe for concurrent use.
type Selector struct {
	copies map[*Postmortem]redacted
}

// redacted is a copy Redact made, and what of the original it was made
// from besides the file: the very slice of links and maps of closed and
// reopened items, not their contents (linking a postmortem again makes
// new ones), held so that no other can take their place in memory.
type redacted struct {
	copy     *Postmortem
	linked   []LinkedCommit
	closed   map[int]CommitInfo
	reopened map[int]Reopened
}

func redactedOf(pm, copy *Postmortem) redacted {
	return redacted{copy: copy, linked: pm.Linked, closed: pm.ClosedItems, reopened: pm.ReopenedItems}
}

// madeFrom reports whether r was made from pm as it is now.
func (r redacted) madeFrom(pm *Postmortem) bool {
	return SameLinks(r.linked, pm.Linked) && sameMap(r.closed, pm.ClosedItems) && sameMap(r.reopened, pm.ReopenedItems)
}

// sameMap reports whether a and b are the same map (or both nil).
func sameMap(a, b any) bool {
	return reflect.ValueOf(a).UnsafePointer() == reflect.ValueOf(b).UnsafePointer()
}

// Select selects pms for the scope, as the package's Select does.
func (sel *Selector) Select(pms []*Postmortem, s Scope) []*Postmortem {
	var out []*Postmortem
	for _, pm := range pms {
		if pm.Status == StatusDraft && !s.Drafts || s.Public && pm.Visibility != Public {
			continue
		}
		out = append(out, pm)
	}
	if !s.Public {
		return out
	}
	kept := make(map[string]bool, len(out))
	for _, pm := range out {
		kept[pm.ID] = true
	}
	var copies map[*Postmortem]redacted
	if sel != nil {
		copies = make(map[*Postmortem]redacted, len(out))
	}
	for i, pm := range out {
		related := slices.DeleteFunc(slices.Clone(pm.Related), func(id string) bool { return !kept[id] })
		var r *Postmortem
		if sel != nil {
			if old, ok := sel.copies[pm]; ok && old.madeFrom(pm) && slices.Equal(old.copy.Related, related) {
				r = old.copy
			}
		}
		if r == nil {
			r = pm.Redact()
			r.Related = related
		}
		if copies != nil {
			copies[pm] = redactedOf(pm, r)
		}
		out[i] = r
	}
	if sel != nil {
		sel.copies = copies
	}
	return out
}

// Redact returns a copy of a postmortem without what stays inside the
// organisation: owner, authors, participants and facilitator, tickets,
// custom fields, the owners and tickets of action items, who revisited it, the authors of
// its commits, and the file's history. Its Source is replaced by a digest
// of the file, which still tells one version from another.
func (pm *Postmortem) Redact() *Postmortem {
	r := *pm
	r.Owner, r.Authors, r.Participants, r.Facilitator = "", nil, nil, ""
	r.Tickets, r.Custom, r.History = nil, nil, nil
	sum := pm.Digests().Source
	r.Source = []byte("redacted " + hex.EncodeToString(sum[:]))
	r.ActionItems = slices.Clone(pm.ActionItems)
	for i := range r.ActionItems {
		r.ActionItems[i].Owner, r.ActionItems[i].Ticket = "", ""
	}
	r.Revisits = slices.Clone(pm.Revisits)
	for i := range r.Revisits {
		r.Revisits[i].By = ""
	}
	r.Linked = slices.Clone(pm.Linked)
	for i, lc := range r.Linked {
		if lc.Info != nil {
			info := lc.Info.redact()
			r.Linked[i].Info = &info
		}
		if lc.RevertedBy != nil {
			rev := lc.RevertedBy.redact()
			r.Linked[i].RevertedBy = &rev
		}
	}
	if pm.ReopenedItems != nil {
		r.ReopenedItems = make(map[int]Reopened, len(pm.ReopenedItems))
		for n, ro := range pm.ReopenedItems {
			r.ReopenedItems[n] = Reopened{Closed: ro.Closed.redact(), By: ro.By.redact()}
		}
	}
	if pm.ClosedItems != nil {
		r.ClosedItems = make(map[int]CommitInfo, len(pm.ClosedItems))
		for n, c := range pm.ClosedItems {
			r.ClosedItems[n] = c.redact()
		}
	}
	return &r
}

// redact drops who made a commit.
func (c CommitInfo) redact() CommitInfo {
	c.Author, c.AuthorEmail = "", ""
	return c
}
