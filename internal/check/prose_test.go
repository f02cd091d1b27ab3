package check

import (
	"strings"
	"testing"

	"github.com/hindsight-dev/hindsight/internal/postmortem"
)

func TestBlaming(t *testing.T) {
	tests := []struct {
		text string
		want []string
	}{
		{"The deploy would have been caught by a canary.", []string{"would have"}},
		{"We could've paged earlier; it should  have alerted.", []string{"could've", "should  have"}},
		{"This was human error.", []string{"human error"}},
		{"Operator errors are a symptom.", []string{"Operator errors"}},
		{"A careless change, negligence, sloppy review.", []string{"careless", "negligence", "sloppy"}},
		{"It was the fault of the release team.", []string{"the fault of"}},
		{"Nobody is to blame; we blamed the tooling.", []string{"blame", "blamed"}},
		{"If only the alert had fired.", []string{"If only"}},
		{"Obviously the disk was full.", []string{"Obviously"}},
		// Neutral text, and words that merely contain a key, pass.
		{"A blameless review of an error budget.", nil},
		{"The only fix would take days; faults were injected.", nil},
		{"Shoulder, couldron and wouldst.", nil},
	}
	for _, tt := range tests {
		var got []string
		for _, m := range blaming(tt.text) {
			got = append(got, tt.text[m[0]:m[1]])
		}
		if strings.Join(got, "|") != strings.Join(tt.want, "|") {
			t.Errorf("%q: got %q, want %q", tt.text, got, tt.want)
		}
		// A load keeps a block of prose exactly when the rule has a
		// finding in it.
		if keep := ProseToKeep(tt.text); keep != (len(tt.want) > 0) {
			t.Errorf("%q: ProseToKeep = %v with %d matches", tt.text, keep, len(tt.want))
		}
	}
}

// FuzzProseToKeep checks that a load drops no block of prose the
// blameless-language rule has a finding in, nor keeps one it has none in.
func FuzzProseToKeep(f *testing.F) {
	for _, s := range []string{"It would have paged.", "human  errors", "the only error", "BLAMED", "at fault", "Shoulder", "If\nonly", "négligence negligently"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		if got, want := ProseToKeep(text), len(blaming(text)) > 0; got != want {
			t.Errorf("ProseToKeep(%q) = %v, the rule finds %d", text, got, len(blaming(text)))
		}
	})
}

func TestLooksLikeLog(t *testing.T) {
	trace := []string{"Exception in thread \"main\" java.lang.NullPointerException", "\tat com.example.Foo.bar(Foo.java:12)", "\tat com.example.Foo.main(Foo.java:5)", "\tat java.base/Thread.run(Thread.java:833)"}
	logs := []string{"2019-06-28T18:26:01Z ERROR upstream timed out", "2019-06-28T18:26:02Z ERROR upstream timed out", "2019-06-28T18:26:03Z WARN retrying"}
	config := []string{"limits:", "  connections: 100", "  timeout: 5s"}
	if !postmortem.LooksLikeLog(trace) || !postmortem.LooksLikeLog(logs) {
		t.Error("a stack trace or log was not recognised")
	}
	if postmortem.LooksLikeLog(config) {
		t.Error("a config excerpt was taken for a log")
	}
}
