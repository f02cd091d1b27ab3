package cli

import (
	"encoding/csv"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"
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

// minLastColumn is the fewest characters fitLast leaves the last column,
// however narrow the terminal: below it a title says nothing.
const minLastColumn = 20

// fitLast cuts the last cell of each row, with an ellipsis, so that the
// table fits width columns with pad spaces between its columns; the other
// columns are short and kept whole. A width of 0 cuts nothing.
func fitLast(rows [][]string, width, pad int) {
	if width <= 0 || len(rows) == 0 {
		return
	}
	n := len(rows[0])
	widths := make([]int, n)
	for _, r := range rows {
		for i, c := range r {
			widths[i] = max(widths[i], utf8.RuneCountInString(c))
		}
	}
	room := width
	for _, w := range widths[:n-1] {
		room -= w + pad
	}
	room = max(room, minLastColumn)
	for _, r := range rows {
		if c := r[n-1]; utf8.RuneCountInString(c) > room {
			r[n-1] = cutWords(c, room-1) + "…"
		}
	}
}

// cutWords is the first n characters of s, cut further back to the end of
// a word when one ends in their last third.
func cutWords(s string, n int) string {
	cut := string([]rune(s)[:n])
	if i := strings.LastIndexByte(cut, ' '); i >= 0 && utf8.RuneCountInString(cut[:i]) >= n*2/3 {
		cut = cut[:i]
	}
	return strings.TrimRight(cut, " ")
}
