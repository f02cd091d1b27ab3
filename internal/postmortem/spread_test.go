package postmortem

import (
	"testing"
	"time"
)

func TestSpreadOf(t *testing.T) {
	m := time.Minute
	tests := []struct {
		name             string
		ds               []time.Duration
		median, p90, avg time.Duration
	}{
		{"one", []time.Duration{5 * m}, 5 * m, 5 * m, 5 * m},
		{"two: the median is their mean", []time.Duration{10 * m, 2 * m}, 6 * m, 10 * m, 6 * m},
		{"ten: p90 is the ninth", []time.Duration{1 * m, 2 * m, 3 * m, 4 * m, 5 * m, 6 * m, 7 * m, 8 * m, 9 * m, 100 * m}, 5*m + 30*time.Second, 9 * m, 14*m + 30*time.Second},
		{"eleven: p90 is the tenth", []time.Duration{11 * m, 1 * m, 2 * m, 3 * m, 4 * m, 5 * m, 6 * m, 7 * m, 8 * m, 9 * m, 10 * m}, 6 * m, 10 * m, 6 * m},
		{"zeros count", []time.Duration{0, 0, 0, 60 * m}, 0, 60 * m, 15 * m},
	}
	for _, tt := range tests {
		s, ok := SpreadOf(tt.ds)
		if !ok || s.Median != tt.median || s.P90 != tt.p90 || s.Mean != tt.avg || s.Count != len(tt.ds) {
			t.Errorf("%s: %+v, want median %v, p90 %v, mean %v", tt.name, s, tt.median, tt.p90, tt.avg)
		}
	}
	if _, ok := SpreadOf(nil); ok {
		t.Error("no durations gave a spread")
	}
}
