package postmortem

import (
	"strings"
	"time"
)

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

// ParseTimelineEntry reads one entry's text: an optional day, hours and
// minutes (seconds, AM/PM and a zone optional), a separator (-, –, —, or :)
// and the event. Emphasis around the time is allowed. base gives the day and
// zone of entries that name neither.
func ParseTimelineEntry(text string, base time.Time) (TimelineEntry, bool) {
	sc := scanner{s: strings.TrimSpace(text)}
	sc.emphasis()
	y, mo, d := base.Date()
	dated := false
	if len(sc.s) >= 11 && sc.s[4] == '-' && sc.s[7] == '-' && (sc.s[10] == 'T' || sc.s[10] == ' ') {
		t, err := time.Parse(DateLayout, sc.s[:10])
		if err != nil {
			return TimelineEntry{}, false
		}
		y, mo, d = t.Date()
		dated = true
		sc.s = sc.s[11:]
	}
	hour, ok := sc.number(1, 2)
	if !ok || !sc.lit(":") {
		return TimelineEntry{}, false
	}
	minute, ok := sc.number(2, 2)
	if !ok {
		return TimelineEntry{}, false
	}
	sec := 0
	if len(sc.s) > 2 && sc.s[0] == ':' && isDigit(sc.s[1]) {
		sc.s = sc.s[1:]
		if sec, ok = sc.number(2, 2); !ok {
			return TimelineEntry{}, false
		}
		if sc.lit(".") {
			sc.number(1, 9)
		}
	}
	if ampm := sc.meridiem(); ampm != "" {
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
	loc, ok := sc.zone(base.Location())
	if !ok {
		return TimelineEntry{}, false
	}
	sc.emphasis()
	sc.s = strings.TrimLeft(sc.s, " \t")
	sep := false
	for _, p := range []string{"—", "–", "-", ":", "&mdash;", "&ndash;"} {
		if sc.lit(p) {
			sep = true
			break
		}
	}
	if !sep || sc.s == "" || (sc.s[0] != ' ' && sc.s[0] != '\t') {
		return TimelineEntry{}, false
	}
	event := strings.TrimSpace(sc.s)
	if event == "" {
		return TimelineEntry{}, false
	}
	return TimelineEntry{Time: time.Date(y, mo, d, hour, minute, sec, 0, loc), Event: event, Dated: dated}, true
}

// scanner reads a timeline entry's leading time piece by piece.
type scanner struct{ s string }

func isDigit(c byte) bool  { return c >= '0' && c <= '9' }
func isUpper(c byte) bool  { return c >= 'A' && c <= 'Z' }
func isLetter(c byte) bool { return isUpper(c) || c >= 'a' && c <= 'z' }

func (sc *scanner) lit(p string) bool {
	if strings.HasPrefix(sc.s, p) {
		sc.s = sc.s[len(p):]
		return true
	}
	return false
}

func (sc *scanner) emphasis() {
	for _, m := range []string{"**", "__", "*", "_", "`"} {
		if sc.lit(m) {
			return
		}
	}
}

// number reads between lo and hi digits.
func (sc *scanner) number(lo, hi int) (int, bool) {
	n, i := 0, 0
	for i < len(sc.s) && i < hi && isDigit(sc.s[i]) {
		n = n*10 + int(sc.s[i]-'0')
		i++
	}
	if i < lo || (i < len(sc.s) && isDigit(sc.s[i])) {
		return 0, false
	}
	sc.s = sc.s[i:]
	return n, true
}

// meridiem reads an optional AM or PM (either case) and returns it in
// lower case.
func (sc *scanner) meridiem() string {
	s := strings.TrimPrefix(sc.s, " ")
	if len(s) < 2 || len(s) > 2 && isLetter(s[2]) {
		return ""
	}
	switch w := strings.ToLower(s[:2]); w {
	case "am", "pm":
		sc.s = s[2:]
		return w
	}
	return ""
}

// zone reads an optional Z, numeric offset or upper-case abbreviation.
// Abbreviations other than UTC and GMT are labels: the entry keeps the
// incident's zone.
func (sc *scanner) zone(def *time.Location) (*time.Location, bool) {
	s := strings.TrimPrefix(sc.s, " ")
	switch {
	case len(s) > 0 && (s[0] == '+' || s[0] == '-') && len(s) >= 3 && isDigit(s[1]) && isDigit(s[2]):
		h := int(s[1]-'0')*10 + int(s[2]-'0')
		rest := s[3:]
		rest = strings.TrimPrefix(rest, ":")
		m := 0
		if len(rest) >= 2 && isDigit(rest[0]) && isDigit(rest[1]) {
			m = int(rest[0]-'0')*10 + int(rest[1]-'0')
			rest = rest[2:]
		}
		off := h*3600 + m*60
		if s[0] == '-' {
			off = -off
		}
		sc.s = rest
		return time.FixedZone(s[:len(s)-len(rest)], off), true
	case len(s) > 0 && isUpper(s[0]):
		i := 0
		for i < len(s) && isUpper(s[i]) {
			i++
		}
		if i < len(s) && isLetter(s[i]) {
			return def, true // a word, not a zone: leave it
		}
		switch z := s[:i]; {
		case z == "Z" || z == "UTC" || z == "GMT":
			sc.s = s[i:]
			return time.UTC, true
		case i >= 2 && i <= 5:
			sc.s = s[i:]
			return def, true
		}
	}
	return def, true
}
