package cli

import (
	"encoding/csv"
	"io"
	"strings"
	"unicode"
)

// termText makes text from postmortems safe to print on a terminal: every
// control character (escape sequences that set the clipboard, clear the
// screen or rewrite the title; tabs and line breaks that would break a
// table row) becomes a space.
func termText(s string) string {
	if !strings.ContainsFunc(s, isControl) {
		return s
	}
	return strings.Map(func(r rune) rune {
		if isControl(r) {
			return ' '
		}
		return r
	}, s)
}

func isControl(r rune) bool { return unicode.IsControl(r) || r == '\u2028' || r == '\u2029' }

// csvWriter writes CSV whose cells a spreadsheet never runs: a cell that
// starts with = + - @ or a tab or carriage return (and is more than that
// one character, as "-" for "none" is) is a formula to Excel and
// its kin (=HYPERLINK(...) in an action item's title, say), so it is
// written after a single quote, which they show as text.
type csvWriter struct{ *csv.Writer }

func newCSV(w io.Writer) csvWriter { return csvWriter{csv.NewWriter(w)} }

func (c csvWriter) Write(row []string) error {
	safe := make([]string, len(row))
	for i, cell := range row {
		if len(cell) > 1 && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
			cell = "'" + cell
		}
		safe[i] = cell
	}
	return c.Writer.Write(safe)
}
