package postmortem

import (
	"math"
	"slices"
	"time"
)

// Spread is how a set of durations is distributed: the middle one, the
// one nine in ten stay within, and the average.
type Spread struct {
	Count  int
	Median time.Duration
	// P90 is the nearest-rank 90th percentile: the smallest duration
	// that at least 90% of them do not exceed.
	P90  time.Duration
	Mean time.Duration
}

// SpreadOf sums up durations (in any order; ds is sorted in place). The
// median of an even count is the mean of the two middle ones. ok is false
// when there are none.
func SpreadOf(ds []time.Duration) (s Spread, ok bool) {
	if len(ds) == 0 {
		return Spread{}, false
	}
	slices.Sort(ds)
	s.Count = len(ds)
	s.Median = ds[len(ds)/2]
	if len(ds)%2 == 0 {
		s.Median = (ds[len(ds)/2-1] + ds[len(ds)/2]) / 2
	}
	s.P90 = ds[int(math.Ceil(0.9*float64(len(ds))))-1]
	var total float64
	for _, d := range ds {
		total += float64(d)
	}
	s.Mean = time.Duration(math.Round(total / float64(len(ds))))
	return s, true
}

// SpreadBy sums up one duration of each postmortem that has it, such as
// (*Postmortem).TimeToResolve.
func SpreadBy(pms []*Postmortem, f func(*Postmortem) (time.Duration, bool)) (Spread, bool) {
	var ds []time.Duration
	for _, pm := range pms {
		if d, ok := f(pm); ok {
			ds = append(ds, d)
		}
	}
	return SpreadOf(ds)
}
