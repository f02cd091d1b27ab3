// Package timeline imports the events of an incident from where they were
// recorded — a Slack export, a paging tool's log, git, a CSV or JSON file —
// as entries of a postmortem's Timeline section, and merges them into a
// postmortem file without touching the rest of it.
package timeline

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode/utf8"
)

// Event is one thing that happened, from one source.
type Event struct {
	Time time.Time `json:"time"`
	Text string    `json:"text"`
	// Source is where it came from: slack, pagerduty, opsgenie, git, csv
	// or json.
	Source string `json:"source"`
	// Kind says what it is within its source: message, trigger,
	// acknowledge, escalate, resolve, note, commit, merge, tag, event.
	Kind string `json:"kind"`
}

// Milestones are the `times` a paging log gives: detected at the first
// trigger, resolved at the last resolve.
type Milestones struct {
	Detected time.Time `json:"detected,omitzero"`
	Resolved time.Time `json:"resolved,omitzero"`
}

// add takes a paging event into the milestones.
func (m *Milestones) add(e Event) {
	switch e.Kind {
	case "trigger":
		if m.Detected.IsZero() || e.Time.Before(m.Detected) {
			m.Detected = e.Time
		}
	case "resolve":
		if e.Time.After(m.Resolved) {
			m.Resolved = e.Time
		}
	}
}

// Skips counts what an import left out, by reason.
type Skips map[string]int

// The reasons an import leaves something out.
const (
	SkipNotKey    = "messages without a chosen reaction or pin (--all takes them)"
	SkipBot       = "bot messages"
	SkipJoin      = "joins, leaves and channel notices"
	SkipEdit      = "edit and deletion notices"
	SkipCode      = "code blocks left out of messages (no logs in postmortems)"
	SkipLog       = "messages that look like a log or stack trace"
	SkipEmpty     = "messages with no text"
	SkipWindow    = "outside --since/--until"
	SkipFuture    = "timestamps in the future"
	SkipDuplicate = "already in the timeline"
	SkipNotify    = "notifications sent by the paging tool"
	SkipDays      = "day files of the channel outside the window (not read)"
)

// String lists the counts, largest first.
func (s Skips) String() string {
	keys := slices.Collect(maps.Keys(s))
	sort.Slice(keys, func(i, j int) bool {
		if s[keys[i]] != s[keys[j]] {
			return s[keys[i]] > s[keys[j]]
		}
		return keys[i] < keys[j]
	})
	var parts []string
	for _, k := range keys {
		if s[k] > 0 {
			parts = append(parts, fmt.Sprintf("%s: %d", k, s[k]))
		}
	}
	return strings.Join(parts, "; ")
}

// Window bounds the events taken; a zero end is open.
type Window struct {
	Since, Until time.Time
	// Now is the present: later events are skipped as in the future.
	Now time.Time
}

// keep reports whether t is inside the window, counting what is not.
func (w Window) keep(t time.Time, sk Skips) bool {
	switch {
	case !w.Now.IsZero() && t.After(w.Now):
		sk[SkipFuture]++
		return false
	case !w.Since.IsZero() && t.Before(w.Since), !w.Until.IsZero() && t.After(w.Until):
		sk[SkipWindow]++
		return false
	}
	return true
}

// Sort orders events by time, then source, then text, so that the same
// input always gives the same timeline.
func Sort(events []Event) {
	sort.SliceStable(events, func(i, j int) bool {
		a, b := events[i], events[j]
		if !a.Time.Equal(b.Time) {
			return a.Time.Before(b.Time)
		}
		if a.Source != b.Source {
			return a.Source < b.Source
		}
		return a.Text < b.Text
	})
}

// MaxText is the longest entry text kept, in characters; a longer one is
// cut with an ellipsis.
const MaxText = 300

// clean makes text one line of at most MaxText characters.
func clean(text string) string {
	text = strings.Join(strings.Fields(text), " ")
	if utf8.RuneCountInString(text) > MaxText {
		r := []rune(text)
		text = strings.TrimRight(string(r[:MaxText-1]), " ") + "…"
	}
	return text
}

// Format says how entries are written.
type Format struct {
	// Loc is the zone the times are written in.
	Loc *time.Location
	// Day is the day undated entries fall on (the incident's date, or the
	// latest dated entry's), so that only entries on other days carry
	// their date; zero dates the first entry.
	Day time.Time
	// Zone writes the zone after each time (" UTC"), for entries read
	// outside any postmortem.
	Zone bool
	// Bullet and Sep are the list marker and the separator between time
	// and text.
	Bullet, Sep string
}

// Lines writes events as Timeline entries, in order.
func (f Format) Lines(events []Event) []string {
	bullet, sep := cmp.Or(f.Bullet, "-"), cmp.Or(f.Sep, "—")
	day := f.Day
	var out []string
	for _, e := range events {
		t := e.Time.In(f.Loc)
		stamp := t.Format("15:04")
		if t.Second() != 0 {
			stamp = t.Format("15:04:05")
		}
		if y, m, d := t.Date(); day.IsZero() || y != day.Year() || m != day.Month() || d != day.Day() {
			stamp = t.Format("2006-01-02") + " " + stamp
			day = time.Date(y, m, d, 0, 0, 0, 0, f.Loc)
		}
		if f.Zone {
			stamp += " " + zoneLabel(t)
		}
		out = append(out, fmt.Sprintf("%s %s %s %s", bullet, stamp, sep, e.Text))
	}
	return out
}

// zoneLabel is how a time's zone is written after it: UTC, or an offset.
func zoneLabel(t time.Time) string {
	if _, off := t.Zone(); off == 0 {
		return "UTC"
	}
	return t.Format("-07:00")
}
