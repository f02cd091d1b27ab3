package site

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/hindsight-dev/hindsight/internal/postmortem"
)

// topRelated keeps what sorting every candidate and taking the first
// maxRelated would give.
func TestTopRelatedIsTheSortedHead(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for range 200 {
		scores := map[*postmortem.Postmortem]int{}
		seen := map[string]bool{}
		var pms []*postmortem.Postmortem
		board := new(scoreBoard)
		for i := range r.IntN(40) {
			pm := &postmortem.Postmortem{ID: fmt.Sprintf("p%02d", i)}
			pm.Date.Time = time.Date(2025, 1, 1+r.IntN(5), 0, 0, 0, 0, time.UTC)
			pms = append(pms, pm)
			scores[pm] = r.IntN(6)
			// Scored as related does, a weight at a time, some never.
			for w := scores[pm]; w > 0; {
				d := min(w, 1+r.IntN(3))
				board.add(int32(i), int32(d))
				w -= d
			}
			if r.IntN(8) == 0 {
				seen[pm.ID] = true
			}
		}
		var all []*postmortem.Postmortem
		for o, sc := range scores {
			if sc >= 2 && !seen[o.ID] {
				all = append(all, o)
			}
		}
		slices.SortFunc(all, func(x, y *postmortem.Postmortem) int {
			return cmp.Or(cmp.Compare(scores[y], scores[x]), y.Date.Compare(x.Date.Time), cmp.Compare(x.ID, y.ID))
		})
		want := all[:min(len(all), maxRelated)]
		if got := topRelated(board, pms, seen); !slices.Equal(got, want) {
			t.Fatalf("got %v, want %v", got, want)
		}
		board.reset()
		if got := topRelated(board, pms, nil); len(got) != 0 || slices.ContainsFunc(board.score, func(s int32) bool { return s != 0 }) {
			t.Fatalf("a reset board still scores %v", board.score)
		}
	}
}

// TestMilestonesInTimeOrder: a custom milestone sits among the standard
// ones by its time, not after resolved.
func TestMilestonesInTimeOrder(t *testing.T) {
	at := func(h, m int) time.Time { return time.Date(2024, 3, 1, h, m, 0, 0, time.UTC) }
	pm := &postmortem.Postmortem{}
	pm.Times.Started, pm.Times.Detected, pm.Times.Resolved = at(1, 0), at(1, 30), at(18, 0)
	pm.Times.Extra = []postmortem.Milestone{{Name: "recovery_copy_started", Time: at(1, 58)}, {Name: "customers_told", Time: at(1, 30)}}
	var got []string
	for _, r := range times(pm) {
		got = append(got, r.Name)
	}
	want := []string{"started", "detected", "customers_told", "recovery_copy_started", "resolved"}
	if !slices.Equal(got, want) {
		t.Errorf("milestones %v, want %v", got, want)
	}
}

// Each timeline entry has an anchor from its time: the minute on the
// incident's first day, the day too after it, a count for a second entry
// at the same minute, in the zone the incident started in.
func TestTimelineAnchors(t *testing.T) {
	zone := time.FixedZone("", 3600)
	at := func(d, h, m int) time.Time { return time.Date(2024, 3, d, h, m, 0, 0, zone) }
	pm := &postmortem.Postmortem{}
	pm.Times.Started = at(1, 23, 50)
	for _, tm := range []time.Time{at(1, 23, 50), at(1, 23, 58), at(1, 23, 58), at(2, 0, 10), at(2, 0, 10), at(1, 23, 58).UTC()} {
		pm.Timeline = append(pm.Timeline, postmortem.TimelineEntry{Time: tm, Event: "x"})
	}
	var got []string
	entries, _, _ := timeline(pm)
	for _, e := range entries {
		got = append(got, e.Anchor)
	}
	want := []string{"t-2350", "t-2358", "t-2358-2", "t-2024-03-02-0010", "t-2024-03-02-0010-2", "t-2358-3"}
	if !slices.Equal(got, want) {
		t.Errorf("anchors %v, want %v", got, want)
	}
}

// The chart's milestone marks: one where each run of a milestone starts,
// labels taking three heights in turn, anchored to the nearer edge near
// either end, places written as %.3f would.
func TestTimelineMarks(t *testing.T) {
	entries := []TimelineEntry{
		{Percent: 0, Milestone: "Started", Time: "10:00"},
		{Percent: 5, Milestone: "Started", Time: "10:01"},
		{Percent: 11.9999, Time: "10:05"},
		{Percent: 12, Milestone: "Detected", Time: "10:06"},
		{Percent: 50.0005, Milestone: "Mitigated", Time: "10:30"},
		{Percent: 88, Milestone: "Resolved", Time: "11:00"},
		{Percent: 88.25, Milestone: "Resolved", Time: "11:01"},
		{Percent: 100, Milestone: "Review", Time: "12:00"},
	}
	for i := range entries {
		entries[i].X = chartX(entries[i].Percent)
	}
	want := []TimelineMark{
		{X: "0.000", Y: 76, StemY: 64, Anchor: "start", Label: "Started · 10:00"},
		{X: "12.000", Y: 96, StemY: 84, Anchor: "middle", Label: "Detected · 10:06"},
		{X: fmt.Sprintf("%.3f", 50.0005), Y: 116, StemY: 104, Anchor: "middle", Label: "Mitigated · 10:30"},
		{X: "88.000", Y: 76, StemY: 64, Anchor: "middle", Label: "Resolved · 11:00"},
		{X: "100.000", Y: 96, StemY: 84, Anchor: "end", Label: "Review · 12:00"},
	}
	if got := timelineMarks(entries); !slices.Equal(got, want) {
		t.Errorf("timelineMarks:\n got %+v\nwant %+v", got, want)
	}
	for _, p := range []float64{0, 0.0004, 0.0005, 0.0015, 33.3333333, 66.6666666, 99.9995, 100, -2.4, 1e-9} {
		if got, want := chartX(p), fmt.Sprintf("%.3f", p); got != want {
			t.Errorf("chartX(%v) = %q, want %q as %%.3f gives", p, got, want)
		}
	}
}

// The duration axis runs over round durations from at or below the
// smallest median to at or above the largest p90.
func TestDurationTicks(t *testing.T) {
	m, h, d := 1.0/60, 1.0, 24.0
	tests := []struct {
		lo, hi float64
		want   []float64
	}{
		{0, 3 * d, []float64{m, 10 * m, h, 6 * h, d, 7 * d}},
		{20 * m, 5 * h, []float64{10 * m, h, 6 * h}},
		{h, h, []float64{h, 6 * h}},
		{2 * h, 2 * h, []float64{h, 6 * h}},
		{0, 0, []float64{m, 10 * m}},
		{3 * d, 2000 * d, []float64{d, 7 * d, 30 * d, 365 * d}},
	}
	for _, tt := range tests {
		if got := durationTicks(tt.lo, tt.hi); !slices.Equal(got, tt.want) {
			t.Errorf("durationTicks(%v, %v) = %v, want %v", tt.lo, tt.hi, got, tt.want)
		}
	}
}
