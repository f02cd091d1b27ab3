package postmortem

import (
	"cmp"
	"fmt"
	"slices"
	"time"
)

// RevisitState is when a postmortem is next due to be revisited.
type RevisitState struct {
	// Every is the cadence in days for its severity.
	Every int
	// Since is the day the cadence counts from: the last revisit, else the
	// day the incident was resolved (else began).
	Since time.Time
	// Due is the day a revisit is due; Overdue is true when it is today or
	// past, DaysOverdue counts the whole days since (negative: days left).
	Due         time.Time
	Overdue     bool
	DaysOverdue int
	// Last is the latest revisit, when there was one.
	Last *Revisit
}

// RevisitState returns when the postmortem is next due to be revisited
// under a cadence by severity (revisit_after_days), on the day of now;
// false when none applies: the cadence does not name its severity, or
// it is not published (a write-up still in progress is not revisited).
func (p *Postmortem) RevisitState(every map[string]int, now time.Time) (RevisitState, bool) {
	days, ok := every[p.Severity]
	if !ok || days < 1 || p.Status != StatusPublished {
		return RevisitState{}, false
	}
	st := RevisitState{Every: days}
	switch {
	case !p.Times.Resolved.IsZero():
		st.Since = truncateDay(p.Times.Resolved.UTC())
	case !p.Date.IsZero():
		st.Since = p.Date.Time
	default:
		return RevisitState{}, false
	}
	if last, ok := p.LastRevisit(); ok {
		st.Last = &last
		if last.Date.After(st.Since) {
			st.Since = last.Date.Time
		}
	}
	st.Due = st.Since.AddDate(0, 0, days)
	today := truncateDay(now)
	st.DaysOverdue = int(today.Sub(st.Due).Hours() / 24)
	st.Overdue = !today.Before(st.Due)
	return st, true
}

// Revisitable is a postmortem with its revisit state.
type Revisitable struct {
	PM    *Postmortem
	State RevisitState
}

// Revisits lists the postmortems a cadence applies to, the most overdue
// first, then the soonest due; ties by id.
func Revisits(pms []*Postmortem, every map[string]int, now time.Time) []Revisitable {
	var out []Revisitable
	for _, pm := range pms {
		if st, ok := pm.RevisitState(every, now); ok {
			out = append(out, Revisitable{pm, st})
		}
	}
	slices.SortStableFunc(out, func(a, b Revisitable) int {
		return cmp.Or(a.State.Due.Compare(b.State.Due), cmp.Compare(a.PM.ID, b.PM.ID))
	})
	return out
}

// When says when a revisit falls due, from today: "due today", "34 days
// overdue", "in 1 day".
func (s RevisitState) When() string {
	days := func(n int) string {
		if n == 1 {
			return "1 day"
		}
		return fmt.Sprintf("%d days", n)
	}
	switch {
	case s.DaysOverdue == 0:
		return "due today"
	case s.Overdue:
		return days(s.DaysOverdue) + " overdue"
	}
	return "in " + days(-s.DaysOverdue)
}
