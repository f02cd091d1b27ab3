package timeline

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/hindsight-dev/hindsight/internal/markdown"
	"github.com/hindsight-dev/hindsight/internal/postmortem"
)

// ErrChanged is returned when the file changed while it was merged into.
var ErrChanged = errors.New("the file changed while the timeline was imported; nothing was written: run the import again")

// Target is a postmortem to merge entries into, as read.
type Target struct {
	Path string
	// PM is the parsed postmortem, its timeline resolved.
	PM   *postmortem.Postmortem
	data []byte
	mode os.FileMode
}

// Loc is the zone of the postmortem's times (of times.started), UTC when
// it has none.
func (t *Target) Loc() *time.Location {
	if s := t.PM.Times.Started; !s.IsZero() {
		return s.Location()
	}
	return time.UTC
}

// Open reads and parses a postmortem for a merge. display names it in
// messages.
func Open(path, display string, opts postmortem.Options) (*Target, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", display, unwrapPath(err))
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: not a regular file", display)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", display, unwrapPath(err))
	}
	pm, diags := parse(display, data, opts)
	if pm == nil {
		d := diags[0]
		return nil, fmt.Errorf("%s:%d:%d: %s; fix the file before importing into it", d.File, d.Line, d.Col, d.Message)
	}
	return &Target{Path: path, PM: pm, data: data, mode: st.Mode().Perm()}, nil
}

func parse(display string, data []byte, opts postmortem.Options) (*postmortem.Postmortem, []postmortem.Diagnostic) {
	pm, diags := postmortem.Parse(display, data, opts)
	if pm != nil {
		pm.Outline = markdown.Analyze(pm.Body, pm.BodyLine)
		pm.ResolveTimeline()
	}
	return pm, diags
}

// Merged says what a merge did.
type Merged struct {
	Added, Duplicates int
	// Content is the file as it is after the merge.
	Content []byte
}

// key tells entries apart: the same minute and the same text are the same
// entry.
func key(t time.Time, text string) string {
	return t.UTC().Truncate(time.Minute).Format(time.RFC3339) + "\x00" + strings.Join(strings.Fields(text), " ")
}

// Merge adds the events the postmortem's Timeline section lacks, each
// in time order among the entries already there, and leaves every other
// byte of the file as it was. The section is made when the file has
// none. It does not write the file (see Write).
func (t *Target) Merge(events []Event) (*Merged, error) {
	pm := t.PM
	have := map[string]bool{}
	for _, e := range pm.Timeline {
		have[key(e.Time, e.Event)] = true
	}
	var fresh []Event
	res := &Merged{}
	for _, e := range events {
		k := key(e.Time, e.Text)
		if have[k] {
			res.Duplicates++
			continue
		}
		have[k] = true
		fresh = append(fresh, e)
	}
	Sort(fresh)
	if len(fresh) == 0 {
		res.Content = t.data
		return res, nil
	}
	nl := "\n"
	if bytes.Contains(t.data, []byte("\r\n")) {
		nl = "\r\n"
	}
	lines := splitLines(t.data)
	loc := t.Loc()
	f := Format{Loc: loc}
	// Which existing entry each new one goes before (len = after all).
	inserts := map[int][]string{} // line index (0-based) → lines to insert before it
	section, next := t.section()
	switch {
	case len(pm.Timeline) > 0:
		first := lines[pm.Timeline[0].Line-1]
		indent := first[:len(first)-len(strings.TrimLeft(first, " \t"))]
		f.Bullet = indent + string(strings.TrimLeft(first, " \t")[0])
		f.Sep = separator(first)
		at := 0
		for len(fresh) > 0 {
			for at < len(pm.Timeline) && !pm.Timeline[at].Time.After(fresh[0].Time) {
				at++
			}
			var group []Event
			for len(fresh) > 0 && (at == len(pm.Timeline) || fresh[0].Time.Before(pm.Timeline[at].Time)) {
				group = append(group, fresh[0])
				fresh = fresh[1:]
			}
			f.Day = pm.Date.Time
			if at > 0 {
				prev := pm.Timeline[at-1].Time.In(loc)
				f.Day = time.Date(prev.Year(), prev.Month(), prev.Day(), 0, 0, 0, 0, loc)
			}
			line := len(lines)
			if at < len(pm.Timeline) {
				line = pm.Timeline[at].Line - 1
			} else {
				line = itemEnd(lines, pm.Timeline[at-1].Line-1, next)
			}
			inserts[line] = append(inserts[line], f.Lines(group)...)
			res.Added += len(group)
		}
	case section >= 0:
		f.Day = pm.Date.Time
		block := f.Lines(fresh)
		res.Added = len(block)
		end := next
		for end > section+1 && strings.TrimSpace(lines[end-1]) == "" {
			end--
		}
		block = append([]string{""}, block...)
		if end == next && end < len(lines) {
			block = append(block, "")
		}
		inserts[end] = block
	default:
		f.Day = pm.Date.Time
		block := append([]string{"## Timeline", ""}, f.Lines(fresh)...)
		res.Added = len(fresh)
		at := t.sectionAfterTimeline(lines)
		if at < len(lines) {
			block = append(block, "")
		} else if len(lines) > 0 && strings.TrimSpace(lines[len(lines)-1]) != "" {
			block = append([]string{""}, block...)
		}
		inserts[at] = block
	}
	var out []string
	for i := 0; i <= len(lines); i++ {
		out = append(out, inserts[i]...)
		if i < len(lines) {
			out = append(out, lines[i])
		}
	}
	content := strings.Join(out, nl)
	if endsWithNewline(t.data) || len(inserts[len(lines)]) > 0 {
		content += nl
	}
	res.Content = []byte(content)
	if err := t.verify(res.Content, events); err != nil {
		return nil, err
	}
	return res, nil
}

func endsWithNewline(data []byte) bool { return len(data) > 0 && data[len(data)-1] == '\n' }

// splitLines splits a file into lines without their endings.
func splitLines(data []byte) []string {
	s := strings.TrimSuffix(string(data), "\n")
	if s == "" && len(data) == 0 {
		return nil
	}
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimSuffix(l, "\r")
	}
	return lines
}

// separator is the one an existing entry uses between time and text.
func separator(line string) string {
	for _, s := range []string{"—", "–", " - ", ": "} {
		if strings.Contains(line, s) {
			return strings.TrimSpace(s)
		}
	}
	return "—"
}

// section returns the 0-based index of the Timeline heading's line (-1
// when there is none) and of the line that ends the section (the next
// H2 heading, or the end of the file).
func (t *Target) section() (int, int) {
	secs := t.PM.Outline.Sections
	for i, s := range secs {
		if s.Canonical == "Timeline" {
			end := len(splitLines(t.data))
			if i+1 < len(secs) {
				end = secs[i+1].Line - 1
			}
			return s.Line - 1, end
		}
	}
	return -1, len(splitLines(t.data))
}

// sectionAfterTimeline is where a new Timeline section goes: before the
// first section the format puts after it, else at the end.
func (t *Target) sectionAfterTimeline(lines []string) int {
	after := false
	later := map[string]bool{}
	for _, s := range postmortem.Sections {
		if after {
			later[s.Name] = true
		}
		if s.Name == "Timeline" {
			after = true
		}
	}
	for _, s := range t.PM.Outline.Sections {
		if later[s.Canonical] {
			return s.Line - 1
		}
	}
	return len(lines)
}

// itemEnd is the index of the line after the list item starting at line
// start: its continuation lines are indented, or follow it without a
// blank line; a heading or the section's end stops it.
func itemEnd(lines []string, start, limit int) int {
	i := start + 1
	for i < limit {
		l := lines[i]
		trimmed := strings.TrimSpace(l)
		switch {
		case trimmed == "":
			j := i
			for j < limit && strings.TrimSpace(lines[j]) == "" {
				j++
			}
			if j < limit && (strings.HasPrefix(lines[j], "  ") || strings.HasPrefix(lines[j], "\t")) {
				i = j
				continue
			}
			return i
		case strings.HasPrefix(trimmed, "#"), listItem(l):
			return i
		}
		i++
	}
	for i > start+1 && strings.TrimSpace(lines[i-1]) == "" {
		i--
	}
	return i
}

// listItem reports whether a line starts a list item at the margin.
func listItem(l string) bool {
	if len(l) < 2 {
		return false
	}
	if (l[0] == '-' || l[0] == '*' || l[0] == '+') && l[1] == ' ' {
		return true
	}
	i := 0
	for i < len(l) && l[i] >= '0' && l[i] <= '9' {
		i++
	}
	return i > 0 && i+1 < len(l) && (l[i] == '.' || l[i] == ')') && l[i+1] == ' '
}

// verify parses the merged file again: every entry that was there keeps
// its time and text, and every new one reads back as the event it came
// from. Anything else is a bug, and nothing is written.
func (t *Target) verify(content []byte, events []Event) error {
	pm, diags := parse(t.PM.File, content, postmortem.Options{})
	if pm == nil {
		return fmt.Errorf("the merged file would not parse (%s); nothing was written", diags[0].Message)
	}
	got := map[string]int{}
	for _, e := range pm.Timeline {
		got[key(e.Time, e.Event)]++
	}
	had := map[string]bool{}
	for _, e := range t.PM.Timeline {
		k := key(e.Time, e.Event)
		had[k] = true
		if got[k] == 0 {
			return fmt.Errorf("the merge would change the entry on line %d (%q); nothing was written", e.Line, e.Event)
		}
		got[k]--
	}
	for _, e := range events {
		if k := key(e.Time, e.Text); got[k] > 0 {
			got[k]--
		} else if !had[k] {
			return fmt.Errorf("the entry %q at %s would not read back as written; nothing was written", e.Text, e.Time.Format(time.RFC3339))
		}
	}
	return nil
}

// Write replaces the file with content in one rename, unless the file
// changed since Open read it (ErrChanged).
func (t *Target) Write(content []byte) error {
	dir := filepath.Dir(t.Path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(t.Path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(content); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(t.mode); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	now, err := os.ReadFile(t.Path)
	if err != nil || !bytes.Equal(now, t.data) {
		return ErrChanged
	}
	return os.Rename(tmp.Name(), t.Path)
}
