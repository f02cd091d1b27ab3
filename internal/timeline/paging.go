package timeline

import (
	"bytes"
	"cmp"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"
)

// pdEntry is one of PagerDuty's incident log entries
// (GET /incidents/{id}/log_entries).
type pdEntry struct {
	Type      string    `json:"type"`
	CreatedAt time.Time `json:"created_at"`
	Summary   string    `json:"summary"`
	Agent     *pdRef    `json:"agent"`
	Channel   *pdRef    `json:"channel"`
}

type pdRef struct {
	Type    string `json:"type"`
	Summary string `json:"summary"`
}

// ReadPagerDuty reads a PagerDuty incident log ({"log_entries": [...]}).
func ReadPagerDuty(p string, w Window, sk Skips, ms *Milestones) ([]Event, error) {
	data, err := readFile(p)
	if err != nil {
		return nil, err
	}
	var log struct {
		LogEntries *[]pdEntry `json:"log_entries"`
	}
	if err := decodeAll(p, data, &log); err != nil {
		return nil, err
	}
	if log.LogEntries == nil {
		return nil, fmt.Errorf("%s: not a PagerDuty incident log: it has no log_entries (export it with GET /incidents/{id}/log_entries)", p)
	}
	c := &pages{source: "pagerduty", w: w, sk: sk, ms: ms}
	for _, e := range *log.LogEntries {
		kind, _, _ := strings.Cut(e.Type, "_log_entry")
		agent := ""
		if e.Agent != nil {
			agent = e.Agent.Summary
		}
		channel := ""
		if e.Channel != nil {
			channel = e.Channel.Summary
		}
		var text string
		switch kind {
		case "notify":
			sk[SkipNotify]++
			continue
		case "trigger":
			text = "Paged: " + cmp.Or(channel, e.Summary)
		case "acknowledge":
			text = "Page acknowledged" + by(agent)
		case "escalate":
			text = "PagerDuty: " + e.Summary
		case "resolve":
			text = "Incident resolved in PagerDuty" + by(agent)
		case "annotate":
			kind = "note"
			text = "Note in PagerDuty" + by(agent) + ": " + cmp.Or(channel, e.Summary)
		default:
			kind = "event"
			text = "PagerDuty: " + e.Summary
		}
		c.add(e.CreatedAt, strings.TrimSpace(text) == "", text, kind)
	}
	return c.out, nil
}

// pages collects the entries of a paging log and its milestones.
type pages struct {
	source string
	w      Window
	sk     Skips
	ms     *Milestones
	out    []Event
}

// add takes an entry, unless it has no time or text, or is outside the
// window; the milestones take it either way.
func (c *pages) add(t time.Time, empty bool, text, kind string) {
	if t.IsZero() || empty {
		c.sk[SkipEmpty]++
		return
	}
	ev := Event{Time: t.UTC(), Text: clean(text), Source: c.source, Kind: kind}
	c.ms.add(ev)
	if c.w.keep(ev.Time, c.sk) {
		c.out = append(c.out, ev)
	}
}

func by(who string) string {
	if who == "" {
		return ""
	}
	return " by " + who
}

// ogEntry is one entry of Opsgenie's alert log (GET /v2/alerts/{id}/logs).
type ogEntry struct {
	Log       string    `json:"log"`
	Type      string    `json:"type"`
	Owner     string    `json:"owner"`
	CreatedAt time.Time `json:"createdAt"`
}

// ReadOpsgenie reads an Opsgenie alert log ({"data": [...]}, or the list).
func ReadOpsgenie(p string, w Window, sk Skips, ms *Milestones) ([]Event, error) {
	data, err := readFile(p)
	if err != nil {
		return nil, err
	}
	var entries []ogEntry
	if t := bytes.TrimSpace(data); len(t) > 0 && t[0] == '[' {
		err = decodeAll(p, data, &entries)
	} else {
		var log struct {
			Data *[]ogEntry `json:"data"`
		}
		if err = decodeAll(p, data, &log); err == nil {
			if log.Data == nil {
				return nil, fmt.Errorf("%s: not an Opsgenie alert log: it has no data list (export it with GET /v2/alerts/{id}/logs)", p)
			}
			entries = *log.Data
		}
	}
	if err != nil {
		return nil, err
	}
	c := &pages{source: "opsgenie", w: w, sk: sk, ms: ms}
	for _, e := range entries {
		low := strings.ToLower(e.Log)
		kind := "event"
		switch {
		case e.Type == "alertRecipient" || strings.HasPrefix(low, "sent ") || strings.Contains(low, "notification"):
			sk[SkipNotify]++
			continue
		case strings.Contains(low, "alert created"):
			kind = "trigger"
		case strings.Contains(low, "acknowledged"):
			kind = "acknowledge"
		case strings.Contains(low, "escalat"):
			kind = "escalate"
		case strings.Contains(low, "closed"):
			kind = "resolve"
		case e.Type == "note" || strings.Contains(low, "note"):
			kind = "note"
		}
		text := "Opsgenie: " + e.Log
		if e.Owner != "" && !strings.Contains(e.Log, e.Owner) {
			text += by(e.Owner)
		}
		c.add(e.CreatedAt, strings.TrimSpace(e.Log) == "", text, kind)
	}
	return c.out, nil
}

// MaxFile is the largest paging log or table read whole.
const MaxFile = 64 << 20

func readFile(p string) ([]byte, error) {
	st, err := os.Stat(p)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", p, unwrapPath(err))
	}
	if st.IsDir() {
		return nil, fmt.Errorf("%s is a folder; name the file", p)
	}
	if st.Size() > MaxFile {
		return nil, fmt.Errorf("%s is %d MiB, over the %d MiB limit for a log", p, st.Size()>>20, MaxFile>>20)
	}
	return os.ReadFile(p)
}

func decodeAll(p string, data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(v); err != nil {
		return jsonError(p, "", dec, err)
	}
	return nil
}

// Column names a table's time and text may have.
var (
	timeColumns = []string{"time", "timestamp", "date", "when", "at"}
	textColumns = []string{"text", "event", "message", "description", "summary"}
)

// ReadTable reads a CSV file with a header row, or a JSON list of
// objects, with a time and a text (see timeColumns and textColumns).
// Times without a zone are in loc.
func ReadTable(p string, isCSV bool, loc *time.Location, w Window, sk Skips) ([]Event, error) {
	data, err := readFile(p)
	if err != nil {
		return nil, err
	}
	var out []Event
	add := func(where, ts, text, source string) error {
		t, err := ParseTime(ts, loc)
		if err != nil {
			return fmt.Errorf("%s: %s: %v", p, where, err)
		}
		text = clean(text)
		if text == "" {
			sk[SkipEmpty]++
			return nil
		}
		if w.keep(t, sk) {
			out = append(out, Event{Time: t, Text: text, Source: source, Kind: "event"})
		}
		return nil
	}
	if isCSV {
		r := csv.NewReader(bytes.NewReader(data))
		r.FieldsPerRecord = -1
		header, err := r.Read()
		if err != nil {
			return nil, fmt.Errorf("%s: line 1: %v", p, csvErr(err))
		}
		ti, xi := column(header, timeColumns), column(header, textColumns)
		if ti < 0 || xi < 0 {
			return nil, fmt.Errorf("%s: line 1: the header must name a time column (%s) and a text column (%s); it has %s", p, strings.Join(timeColumns, ", "), strings.Join(textColumns, ", "), strings.Join(header, ", "))
		}
		for {
			rec, err := r.Read()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				return nil, fmt.Errorf("%s: %v", p, csvErr(err))
			}
			line, _ := r.FieldPos(0)
			if len(rec) <= max(ti, xi) {
				return nil, fmt.Errorf("%s: line %d: %d fields, the time and text columns need %d", p, line, len(rec), max(ti, xi)+1)
			}
			if err := add(fmt.Sprintf("line %d", line), rec[ti], rec[xi], "csv"); err != nil {
				return nil, err
			}
		}
		return out, nil
	}
	var rows []map[string]any
	if err := decodeAll(p, data, &rows); err != nil {
		return nil, err
	}
	for i, row := range rows {
		var ts, text string
		for _, k := range timeColumns {
			if v, ok := row[k]; ok {
				ts = scalar(v)
				break
			}
		}
		for _, k := range textColumns {
			if v, ok := row[k]; ok {
				text = scalar(v)
				break
			}
		}
		if ts == "" {
			return nil, fmt.Errorf("%s: entry %d: no time (%s)", p, i+1, strings.Join(timeColumns, ", "))
		}
		if err := add(fmt.Sprintf("entry %d", i+1), ts, text, "json"); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func csvErr(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return fmt.Errorf("line %d, column %d: %v", pe.Line, pe.Column, pe.Err)
	}
	return err
}

func column(header []string, names []string) int {
	for _, n := range names {
		for i, h := range header {
			if strings.EqualFold(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")), n) {
				return i
			}
		}
	}
	return -1
}

func scalar(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case nil:
		return ""
	}
	return fmt.Sprint(v)
}

// ParseTime reads a time as people and tools write them: RFC 3339,
// "2006-01-02 15:04[:05]" (in loc), or seconds since 1970.
func ParseTime(s string, loc *time.Location) (time.Time, error) {
	s = strings.TrimSpace(s)
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	for _, layout := range []string{"2006-01-02 15:04:05Z07:00", "2006-01-02 15:04Z07:00", "2006-01-02T15:04Z07:00"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	for _, layout := range []string{"2006-01-02 15:04:05", "2006-01-02 15:04", "2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t, nil
		}
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil && f > 0 && f < 1e11 {
		sec := int64(f)
		return time.Unix(sec, int64((f-float64(sec))*1e9)).UTC(), nil
	}
	return time.Time{}, fmt.Errorf("%q is not a time; write 2024-01-15T14:02:00Z, 2024-01-15 14:02 or seconds since 1970", s)
}
