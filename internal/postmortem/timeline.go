package postmortem

import (
	"regexp"
	"strconv"
	"strings"
	"time"
)

// timelineTime matches a time at the start of a timeline entry: an optional
// day, hours and minutes (seconds, AM/PM and a zone optional), then a
// separator and the event. Emphasis around the time is allowed.
var timelineTime = regexp.MustCompile(`^(?:\*\*|__|\*|_|` + "`" + `)?` +
	`(?:(\d{4}-\d{2}-\d{2})[T ])?` +
	`(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?` +
	`(?:\s?([AaPp][Mm]))?` +
	`(?:\s?(Z|[+-]\d{2}:?\d{2}|[A-Z]{2,5}))?` +
	`(?:\*\*|__|\*|_|` + "`" + `)?` +
	`\s*(?:[-–—:]|&mdash;|&ndash;)\s+(\S.*)$`)

// ResolveTimeline turns the Timeline section's list items into dated
// entries, in the incident's zone. Undated entries take the day of the
// latest dated entry, or the incident's date. It returns the items that do
// not start with a time.
func (p *Postmortem) ResolveTimeline() []Item {
	loc := time.UTC
	if !p.Times.Started.IsZero() {
		loc = p.Times.Started.Location()
	}
	day := p.Date.Time
	if day.IsZero() {
		day = p.Times.Started
	}
	if day.IsZero() {
		day = time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	y, m, d := day.Date()
	base := time.Date(y, m, d, 0, 0, 0, 0, loc)

	p.Timeline = p.Timeline[:0]
	var bad []Item
	for _, it := range p.Outline.TimelineItems {
		e, ok := ParseTimelineEntry(it.Text, base)
		if !ok {
			bad = append(bad, it)
			continue
		}
		e.Line, e.Col = it.Line, it.Col
		if e.Dated {
			y, m, d := e.Time.In(loc).Date()
			base = time.Date(y, m, d, 0, 0, 0, 0, loc)
		}
		p.Timeline = append(p.Timeline, e)
	}
	return bad
}

// ParseTimelineEntry reads one entry's text. base gives the day and zone of
// entries that name neither.
func ParseTimelineEntry(text string, base time.Time) (TimelineEntry, bool) {
	m := timelineTime.FindStringSubmatch(strings.TrimSpace(text))
	if m == nil {
		return TimelineEntry{}, false
	}
	hour, _ := strconv.Atoi(m[2])
	minute, _ := strconv.Atoi(m[3])
	sec, _ := strconv.Atoi(m[4])
	if ampm := strings.ToLower(m[5]); ampm != "" {
		if hour < 1 || hour > 12 {
			return TimelineEntry{}, false
		}
		hour %= 12
		if ampm == "pm" {
			hour += 12
		}
	}
	if hour > 23 || minute > 59 || sec > 59 {
		return TimelineEntry{}, false
	}
	loc := base.Location()
	switch z := m[6]; {
	case z == "Z" || z == "UTC" || z == "GMT":
		loc = time.UTC
	case strings.HasPrefix(z, "+") || strings.HasPrefix(z, "-"):
		digits := strings.ReplaceAll(z[1:], ":", "")
		h, _ := strconv.Atoi(digits[:2])
		mm, _ := strconv.Atoi(digits[2:])
		off := h*3600 + mm*60
		if z[0] == '-' {
			off = -off
		}
		loc = time.FixedZone(z, off)
	}
	y, mo, d := base.Date()
	dated := m[1] != ""
	if dated {
		t, err := time.Parse(DateLayout, m[1])
		if err != nil {
			return TimelineEntry{}, false
		}
		y, mo, d = t.Date()
	}
	return TimelineEntry{
		Time:  time.Date(y, mo, d, hour, minute, sec, 0, loc),
		Event: strings.TrimSpace(m[7]),
		Dated: dated,
	}, true
}
