package site

import (
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/hindsight-dev/hindsight/internal/postmortem"
)

func entriesAt(ts ...time.Time) []postmortem.TimelineEntry {
	var out []postmortem.TimelineEntry
	for _, t := range ts {
		out = append(out, postmortem.TimelineEntry{Time: t})
	}
	return out
}

// Entries close together keep their scale; a long quiet stretch between
// bursts is drawn short and named; ticks fall on round times, never in
// the quiet stretch, with the day where it changes.
func TestTimeScale(t *testing.T) {
	at := func(d, h, m int) time.Time { return time.Date(2024, 3, d, h, m, 0, 0, time.UTC) }

	even := newTimeScale(entriesAt(at(1, 10, 0), at(1, 10, 30), at(1, 12, 0)))
	if p, _ := even.place(at(1, 10, 30)); math.Abs(p-25) > 1e-9 {
		t.Errorf("10:30 of 10:00-12:00 at %v%%, want 25%%", p)
	}
	ax := even.axis(time.UTC)
	if len(ax.Breaks) != 0 {
		t.Errorf("breaks in an even timeline: %v", ax.Breaks)
	}
	var labels []string
	for _, tk := range ax.Ticks {
		labels = append(labels, tk.Day+" "+tk.Label)
	}
	if got := labels; len(got) != 5 || got[0] != "Mar 1 10:00" || got[1] != " 10:30" || got[4] != " 12:00" {
		t.Errorf("ticks %q, want every 30 minutes from 10:00 (Mar 1) to 12:00", got)
	}

	// Two bursts an evening and the next afternoon apart.
	bursts := newTimeScale(entriesAt(at(1, 22, 0), at(1, 22, 20), at(1, 23, 0), at(2, 15, 0), at(2, 15, 40)))
	ax = bursts.axis(time.UTC)
	if len(ax.Breaks) != 1 || ax.Breaks[0].Label != "16h" {
		t.Fatalf("breaks %+v, want one of 16h", ax.Breaks)
	}
	if p, _ := bursts.place(at(2, 15, 0)); math.Abs(p-(100-40.0/100*(100-breakShare))) > 1e-9 {
		t.Errorf("the second burst starts at %v%%", p)
	}
	if _, ok := bursts.place(at(2, 3, 0)); ok {
		t.Error("a time in the quiet stretch has a place on the line")
	}
	if br := ax.Breaks[0]; br.X != fmt.Sprintf("%.3f", br.Percent) || br.LeftX != fmt.Sprintf("%.3f", br.Left) || br.WidthX != fmt.Sprintf("%.3f", br.Width) {
		t.Errorf("the break's places as the chart writes them: %+v", br)
	}
	days := 0
	for _, tk := range ax.Ticks {
		if tk.X != fmt.Sprintf("%.3f", tk.Percent) {
			t.Errorf("tick at %v written as %q", tk.Percent, tk.X)
		}
		if tk.Percent > ax.Breaks[0].Left && tk.Percent < ax.Breaks[0].Left+ax.Breaks[0].Width {
			t.Errorf("a tick inside the break: %v", tk)
		}
		if tk.Day != "" {
			days++
		}
	}
	if days != 2 {
		t.Errorf("%d ticks name their day, want 2 (Mar 1 and Mar 2): %v", days, ax.Ticks)
	}

	// Days apart: ticks every two days (8 a day would be too many), named by the day.
	long := newTimeScale(entriesAt(at(1, 8, 0), at(3, 8, 0), at(5, 8, 0), at(9, 8, 0)))
	ax = long.axis(time.UTC)
	if len(ax.Ticks) == 0 || len(ax.Ticks) > 8 || ax.Ticks[0].Label != "Mar 3" {
		t.Errorf("ticks of a week-long timeline: %v", ax.Ticks)
	}

	same := newTimeScale(entriesAt(at(1, 8, 0), at(1, 8, 0), at(1, 8, 0)))
	if p, ok := same.place(at(1, 8, 0)); !ok || p != 0 {
		t.Errorf("entries all at one moment: place %v, %v", p, ok)
	}
	if newTimeScale(entriesAt(at(1, 8, 0))).axis(time.UTC) != nil || newTimeScale(entriesAt(at(1, 8, 0), at(1, 8, 0))).axis(time.UTC) != nil {
		t.Error("an axis for a timeline of one moment")
	}
}
