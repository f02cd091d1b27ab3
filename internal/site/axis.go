package site

import (
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/hindsight-dev/hindsight/internal/postmortem"
)

// The timeline at a glance places each entry on a line by its time. An
// incident that ran for days usually has bursts of activity with long
// quiet stretches between; drawn to scale, the bursts crush into dots at
// the ends. So a quiet stretch (longer than a third of the whole and than
// six times the typical step between entries) is drawn as a short break
// labelled with how long it lasted, and the rest of the line keeps its
// scale. The axis gets round ticks (every 5 minutes up to every week,
// no more than eight) with the day named where it changes.

// TimelineAxis is what the timeline's line shows besides its entries.
type TimelineAxis struct {
	Ticks  []AxisTick
	Breaks []AxisBreak
}

// AxisTick is one tick: where, its time, and the day when it differs from
// the tick before (or the incident's first day).
type AxisTick struct {
	Percent float64
	// X is Percent as the chart writes it, with three decimals.
	X     string
	Label string
	Day   string
}

// AxisBreak is a quiet stretch drawn short: where it is on the line and
// how long it lasted ("3d 4h").
type AxisBreak struct {
	Percent float64
	Label   string
	// Left and Width are the break mark's extent on the line.
	Left, Width float64
	// X, LeftX and WidthX are Percent, Left and Width as the chart writes
	// them, with three decimals.
	X, LeftX, WidthX string
}

// breakShare is the part of the line one quiet stretch takes.
const breakShare = 6.0

// tickSteps are the intervals the axis may tick at.
var tickSteps = []time.Duration{5 * time.Minute, 10 * time.Minute, 15 * time.Minute, 30 * time.Minute,
	time.Hour, 2 * time.Hour, 3 * time.Hour, 6 * time.Hour, 12 * time.Hour, 24 * time.Hour, 48 * time.Hour, 7 * 24 * time.Hour}

// timeScale maps times between the first and the last entry to a place on
// the line, in percent.
type timeScale struct {
	times []time.Time // the entries' times, in order
	at    []float64   // their places
	quiet []bool      // quiet[i]: the stretch from times[i] to times[i+1] is drawn short
}

func newTimeScale(entries []postmortem.TimelineEntry) *timeScale {
	s := &timeScale{}
	for _, e := range entries {
		s.times = append(s.times, e.Time)
	}
	slices.SortFunc(s.times, func(a, b time.Time) int { return a.Compare(b) })
	n := len(s.times)
	s.at = make([]float64, n)
	if n < 2 {
		return s
	}
	s.quiet = make([]bool, n-1)
	span := s.times[n-1].Sub(s.times[0])
	if span <= 0 {
		return s
	}
	gaps := make([]time.Duration, n-1)
	for i := range gaps {
		gaps[i] = s.times[i+1].Sub(s.times[i])
	}
	sorted := slices.Clone(gaps)
	slices.Sort(sorted)
	typical := sorted[len(sorted)/2]
	var active time.Duration
	breaks := 0
	for i, g := range gaps {
		if g > span/3 && g > 6*typical && g >= time.Hour {
			s.quiet[i] = true
			breaks++
			continue
		}
		active += g
	}
	rest := 100 - breakShare*float64(breaks)
	for i, g := range gaps {
		switch {
		case s.quiet[i]:
			s.at[i+1] = s.at[i] + breakShare
		case active > 0:
			s.at[i+1] = s.at[i] + rest*float64(g)/float64(active)
		default:
			s.at[i+1] = s.at[i]
		}
	}
	return s
}

// place returns where t is on the line, and false when it falls in a
// quiet stretch or outside the entries.
func (s *timeScale) place(t time.Time) (float64, bool) {
	n := len(s.times)
	if n < 2 || t.Before(s.times[0]) || t.After(s.times[n-1]) {
		return 0, false
	}
	for i := 0; i < n-1; i++ {
		a, b := s.times[i], s.times[i+1]
		if t.Before(a) || t.After(b) {
			continue
		}
		if s.quiet[i] {
			if t.Equal(a) {
				return s.at[i], true
			}
			if t.Equal(b) {
				return s.at[i+1], true
			}
			return 0, false
		}
		if !b.After(a) {
			return s.at[i], true
		}
		return s.at[i] + (s.at[i+1]-s.at[i])*float64(t.Sub(a))/float64(b.Sub(a)), true
	}
	return s.at[n-1], true
}

// axis gives the ticks and breaks of the line, times shown in loc.
func (s *timeScale) axis(loc *time.Location) *TimelineAxis {
	n := len(s.times)
	if n < 2 || !s.times[n-1].After(s.times[0]) {
		return nil
	}
	ax := &TimelineAxis{}
	var active time.Duration
	for i := 0; i < n-1; i++ {
		g := s.times[i+1].Sub(s.times[i])
		if s.quiet[i] {
			mid := (s.at[i] + s.at[i+1]) / 2
			left, width := mid-breakShare*0.4, breakShare*0.8
			ax.Breaks = append(ax.Breaks, AxisBreak{Percent: mid, Label: Duration(g), Left: left, Width: width,
				X: chartX(mid), LeftX: chartX(left), WidthX: chartX(width)})
			continue
		}
		active += g
	}
	step := tickSteps[len(tickSteps)-1]
	for _, st := range tickSteps {
		if active/st <= 7 {
			step = st
			break
		}
	}
	first := s.times[0].In(loc)
	day := "" // the first tick names its day
	// Ticks at whole multiples of the step in loc: truncate to the day,
	// then walk.
	y, m, d := first.Date()
	t := time.Date(y, m, d, 0, 0, 0, 0, loc)
	if step >= 24*time.Hour {
		step = step / (24 * time.Hour) * 24 * time.Hour
	}
	for ; !t.After(s.times[n-1]); t = t.Add(step) {
		if t.Before(s.times[0]) {
			continue
		}
		p, ok := s.place(t)
		if !ok {
			continue
		}
		tk := AxisTick{Percent: p, X: chartX(p), Label: t.In(loc).Format("15:04")}
		if step >= 24*time.Hour {
			tk.Label = t.In(loc).Format("Jan 2")
		} else if dd := t.In(loc).Format("Jan 2"); dd != day {
			tk.Day, day = dd, dd
		}
		ax.Ticks = append(ax.Ticks, tk)
		if len(ax.Ticks) > 40 {
			break // a corrupt span: never thousands of ticks
		}
	}
	return ax
}

// chartX writes a place on the line as the chart's SVG does: percent with
// three decimals, as %.3f would.
func chartX(p float64) string { return strconv.FormatFloat(p, 'f', 3, 64) }

// String is for tests and debugging.
func (a AxisTick) String() string { return fmt.Sprintf("%.1f%% %s %s", a.Percent, a.Day, a.Label) }
