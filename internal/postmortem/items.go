package postmortem

import (
	"cmp"
	"fmt"
	"slices"
	"time"
)

// ItemState is what an action item is on a given day, the one state every
// output shows: the file's status, except that an open or in-progress item
// a commit trailer closed is done, and an item still open past its due
// date is overdue.
type ItemState struct {
	Status ItemStatus
	// ClosedBy is the commit whose trailer closed the item, if one did.
	ClosedBy *CommitInfo
	// ReopenedBy is the revert of the only commit that closed the item,
	// which is open again.
	ReopenedBy *Reopened
	// Overdue is true for an open item past its due date; DaysOverdue
	// counts the whole days since.
	Overdue     bool
	DaysOverdue int
}

// Open is true for an item still to do (open or in progress).
func (s ItemState) Open() bool { return s.Status.Open() }

// ItemState returns the state of the postmortem's action item n
// (numbered from 1) on the day of now; a zero now asks only for the
// status (nothing is overdue).
func (pm *Postmortem) ItemState(n int, now time.Time) ItemState {
	a := pm.ActionItems[n-1]
	s := ItemState{Status: a.Status}
	// The copies are made only for an item that has one: a variable whose
	// address is taken is allocated where it is declared, and the state
	// of every item is asked for many times a build.
	if _, ok := pm.ClosedItems[n]; ok {
		c := pm.ClosedItems[n]
		s.ClosedBy = &c
		if a.Open() {
			s.Status = ItemDone
		}
	}
	if _, ok := pm.ReopenedItems[n]; ok {
		r := pm.ReopenedItems[n]
		s.ReopenedBy = &r
	}
	if s.Open() && a.Overdue(now) {
		s.Overdue = true
		s.DaysOverdue = int(truncateDay(now).Sub(a.Due.Time).Hours() / 24)
	}
	return s
}

// Action is one action item of a corpus with its state.
type Action struct {
	PM *Postmortem
	// N is the item's number in its postmortem, from 1.
	N int
	ActionItem
	State ItemState
}

// Ref is the item's reference, <postmortem id>#<number>, as commit
// trailers name it.
func (it Action) Ref() string { return fmt.Sprintf("%s#%d", it.PM.ID, it.N) }

// Actions lists the action items of pms with their state on the day of
// now, in the one order every listing uses (see CompareActions).
func Actions(pms []*Postmortem, now time.Time) []Action {
	var items []Action
	for _, pm := range pms {
		for i, a := range pm.ActionItems {
			items = append(items, Action{PM: pm, N: i + 1, ActionItem: a, State: pm.ItemState(i+1, now)})
		}
	}
	// Sorted by index: an Action is large, and a stable sort moves what
	// it sorts many times.
	order := make([]int32, len(items))
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortStableFunc(order, func(x, y int32) int { return CompareActions(items[x], items[y]) })
	sorted := make([]Action, len(items))
	for i, j := range order {
		sorted[i] = items[j]
	}
	return sorted
}

// CompareActions orders action items: overdue first, the longest overdue
// first; then the other open items, soonest due first; then the done and
// dropped ones, most recently due first; items with no due date last in
// their group, and ties by postmortem id and number.
func CompareActions(a, b Action) int {
	rank := func(it Action) int {
		switch {
		case it.State.Overdue:
			return 0
		case it.State.Open():
			return 1
		}
		return 2
	}
	if c := cmp.Compare(rank(a), rank(b)); c != 0 {
		return c
	}
	var c int
	switch rank(a) {
	case 0:
		c = cmp.Compare(b.State.DaysOverdue, a.State.DaysOverdue)
	case 1:
		c = compareDue(a.Due, b.Due, false)
	default:
		c = compareDue(a.Due, b.Due, true)
	}
	return cmp.Or(c, cmp.Compare(a.PM.ID, b.PM.ID), cmp.Compare(a.N, b.N))
}

// compareDue orders by due date, latest first when recent, and items
// without a date last either way.
func compareDue(a, b Date, recent bool) int {
	switch {
	case a.IsZero() && b.IsZero():
		return 0
	case a.IsZero():
		return 1
	case b.IsZero():
		return -1
	case recent:
		return b.Compare(a.Time)
	}
	return a.Compare(b.Time)
}

// Quarter names the quarter of a day: "2025 Q3".
func Quarter(t time.Time) string { return fmt.Sprintf("%d Q%d", t.Year(), (int(t.Month())-1)/3+1) }

// PolicyLimit is the last day action item n (from 1) may be due under a
// policy of days by priority, counted from the day the incident was
// resolved; false when the policy does not name its priority or the
// incident has no resolved time.
func (pm *Postmortem) PolicyLimit(n int, policy map[string]int) (limit time.Time, days int, ok bool) {
	days, ok = policy[string(pm.ActionItems[n-1].Priority)]
	if !ok || pm.Times.Resolved.IsZero() {
		return time.Time{}, 0, false
	}
	return truncateDay(pm.Times.Resolved.UTC()).AddDate(0, 0, days), days, true
}

// WithinPolicy says whether action item n was done within the policy:
// counted is false for an item the policy does not cover, one dropped
// (wont-do), or one still open whose limit has not passed on the day of
// now. A done item counts as within when the commit that closed it came by
// the limit, or, with no such commit, when its due date did.
func (pm *Postmortem) WithinPolicy(n int, policy map[string]int, now time.Time) (within, counted bool) {
	limit, _, ok := pm.PolicyLimit(n, policy)
	if !ok {
		return false, false
	}
	st := pm.ItemState(n, now)
	switch {
	case st.Status == ItemWontDo:
		return false, false
	case st.Open():
		return false, truncateDay(now).After(limit)
	case st.ClosedBy != nil:
		return !truncateDay(st.ClosedBy.Committed.UTC()).After(limit), true
	}
	due := pm.ActionItems[n-1].Due
	return !due.IsZero() && !due.After(limit), true
}

// ItemTally counts action items by how they stand: every page, figure and
// command counts them this way, so that they agree.
type ItemTally struct {
	Total int
	// Open counts the open and in-progress items, Overdue those of them
	// past due.
	Open, Overdue int
	Done, WontDo  int
}

// Add counts one item.
func (t *ItemTally) Add(s ItemState) {
	t.Total++
	switch {
	case s.Open():
		t.Open++
		if s.Overdue {
			t.Overdue++
		}
	case s.Status == ItemWontDo:
		t.WontDo++
	default:
		t.Done++
	}
}

// Completion is the share of the items to be done that are done (items
// that will not be done are left out), and false when there are none.
func (t ItemTally) Completion() (float64, bool) {
	n := t.Total - t.WontDo
	if n == 0 {
		return 0, false
	}
	return float64(t.Done) / float64(n), true
}

// Tally counts the action items of pms on the day of now.
func Tally(pms []*Postmortem, now time.Time) ItemTally {
	var t ItemTally
	for _, pm := range pms {
		for i := range pm.ActionItems {
			t.Add(pm.ItemState(i+1, now))
		}
	}
	return t
}
