package postmortem

import (
	"slices"
	"testing"
	"time"
)

func day(s string) Date {
	t, err := time.Parse(DateLayout, s)
	if err != nil {
		panic(err)
	}
	return Date{Time: t}
}

// An item's state: a trailer closes an open item but not a dropped one,
// only open items are overdue, and days overdue count whole days of the
// day given.
func TestItemState(t *testing.T) {
	closer := CommitInfo{SHA: "fea62dd4b7f2f3274d3815e39671bb40a8c80d22"}
	pm := &Postmortem{ID: "p", FrontMatter: FrontMatter{ActionItems: []ActionItem{
		{Title: "open, late", Due: day("2026-01-10"), Status: ItemOpen},
		{Title: "in progress, closed by a commit", Due: day("2026-01-01"), Status: ItemInProgress},
		{Title: "dropped, named by a trailer", Due: day("2026-01-01"), Status: ItemWontDo},
		{Title: "open, due today", Due: day("2026-01-15"), Status: ItemOpen},
		{Title: "open, no date", Status: ItemOpen},
	}}, ClosedItems: map[int]CommitInfo{2: closer, 3: closer}}
	now := time.Date(2026, 1, 15, 23, 30, 0, 0, time.UTC)
	for n, want := range []ItemState{
		{Status: ItemOpen, Overdue: true, DaysOverdue: 5},
		{Status: ItemDone, ClosedBy: &closer},
		{Status: ItemWontDo, ClosedBy: &closer},
		{Status: ItemOpen},
		{Status: ItemOpen},
	} {
		got := pm.ItemState(n+1, now)
		if got.Status != want.Status || got.Overdue != want.Overdue || got.DaysOverdue != want.DaysOverdue || (got.ClosedBy == nil) != (want.ClosedBy == nil) {
			t.Errorf("item %d: %+v, want %+v", n+1, got, want)
		}
	}
	if st := pm.ItemState(1, time.Time{}); st.Overdue || st.Status != ItemOpen {
		t.Errorf("with no day: %+v", st)
	}
}

// The one order of action items: overdue (longest first), open (soonest
// due first, undated last), then done and dropped (most recently due
// first, undated last); ties by postmortem and number.
func TestActionsOrder(t *testing.T) {
	a := &Postmortem{ID: "a", FrontMatter: FrontMatter{ActionItems: []ActionItem{
		{Title: "a1 done old", Due: day("2025-01-01"), Status: ItemDone},
		{Title: "a2 open undated", Status: ItemOpen},
		{Title: "a3 overdue 2", Due: day("2026-01-13"), Status: ItemOpen},
		{Title: "a4 open later", Due: day("2026-03-01"), Status: ItemOpen},
	}}}
	b := &Postmortem{ID: "b", FrontMatter: FrontMatter{ActionItems: []ActionItem{
		{Title: "b1 done recent", Due: day("2025-12-01"), Status: ItemDone},
		{Title: "b2 overdue 10", Due: day("2026-01-05"), Status: ItemInProgress},
		{Title: "b3 open sooner", Due: day("2026-02-01"), Status: ItemOpen},
		{Title: "b4 dropped undated", Status: ItemWontDo},
		{Title: "b5 overdue 2", Due: day("2026-01-13"), Status: ItemOpen},
	}}}
	var got []string
	for _, it := range Actions([]*Postmortem{b, a}, time.Date(2026, 1, 15, 8, 0, 0, 0, time.UTC)) {
		got = append(got, it.Title)
	}
	want := []string{"b2 overdue 10", "a3 overdue 2", "b5 overdue 2", "b3 open sooner", "a4 open later", "a2 open undated",
		"b1 done recent", "a1 done old", "b4 dropped undated"}
	if !slices.Equal(got, want) {
		t.Errorf("order:\n got %q\nwant %q", got, want)
	}
}

func TestQuarter(t *testing.T) {
	for in, want := range map[string]string{"2025-01-01": "2025 Q1", "2025-03-31": "2025 Q1", "2025-04-01": "2025 Q2", "2025-12-31": "2025 Q4"} {
		if got := Quarter(day(in).Time); got != want {
			t.Errorf("Quarter(%s) = %s, want %s", in, got, want)
		}
	}
}

func TestWithinPolicy(t *testing.T) {
	day := func(s string) time.Time { d, _ := time.Parse("2006-01-02", s); return d }
	policy := map[string]int{"P0": 14, "P1": 30}
	now := day("2025-03-01")
	pm := &Postmortem{}
	pm.Times.Resolved = day("2025-01-01").Add(20 * time.Hour)
	pm.ActionItems = []ActionItem{
		{Priority: "P0", Status: ItemDone, Due: Date{day("2025-01-10")}},   // done, due within
		{Priority: "P0", Status: ItemDone, Due: Date{day("2025-02-10")}},   // done, due past the limit
		{Priority: "P0", Status: ItemOpen, Due: Date{day("2025-01-10")}},   // closed by a commit in time
		{Priority: "P0", Status: ItemOpen, Due: Date{day("2025-01-10")}},   // closed by a late commit
		{Priority: "P0", Status: ItemOpen, Due: Date{day("2025-01-10")}},   // open past the limit
		{Priority: "P1", Status: ItemOpen, Due: Date{day("2025-01-20")}},   // open, limit not passed in January
		{Priority: "P2", Status: ItemOpen, Due: Date{day("2025-01-10")}},   // not in the policy
		{Priority: "P0", Status: ItemWontDo, Due: Date{day("2025-01-10")}}, // dropped
	}
	pm.ClosedItems = map[int]CommitInfo{3: {Committed: day("2025-01-15").Add(23 * time.Hour)}, 4: {Committed: day("2025-01-16")}}
	want := []struct{ within, counted bool }{{true, true}, {false, true}, {true, true}, {false, true}, {false, true}, {false, true}, {false, false}, {false, false}}
	for i, w := range want {
		if within, counted := pm.WithinPolicy(i+1, policy, now); within != w.within || counted != w.counted {
			t.Errorf("item %d: within %v counted %v, want %v %v", i+1, within, counted, w.within, w.counted)
		}
	}
	if _, counted := pm.WithinPolicy(6, policy, day("2025-01-25")); counted {
		t.Error("an open item whose limit has not passed is not counted yet")
	}
}

func TestTally(t *testing.T) {
	var tl ItemTally
	for _, s := range []ItemState{
		{Status: ItemOpen}, {Status: ItemOpen, Overdue: true}, {Status: ItemInProgress, Overdue: true},
		{Status: ItemDone}, {Status: ItemDone}, {Status: ItemWontDo},
	} {
		tl.Add(s)
	}
	if want := (ItemTally{Total: 6, Open: 3, Overdue: 2, Done: 2, WontDo: 1}); tl != want {
		t.Errorf("tally %+v, want %+v", tl, want)
	}
	if r, ok := tl.Completion(); !ok || r != 0.4 {
		t.Errorf("completion %v %v, want 0.4 (2 of the 5 to be done)", r, ok)
	}
	if _, ok := (ItemTally{Total: 1, WontDo: 1}).Completion(); ok {
		t.Error("nothing to be done has no completion")
	}
}
