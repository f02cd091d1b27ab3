package site

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"strings"
)

// The action items page offers its table as files to take elsewhere: a
// CSV for a spreadsheet or a tracker's import, and a Markdown table to
// paste into an issue or a review document. Both hold the same items the
// page does (a public build's only), in the page's order.

// ActionsCSV and ActionsMarkdown are the files' names under actions/.
const (
	ActionsCSV      = "actions.csv"
	ActionsMarkdown = "actions.md"
)

// actionExports returns the CSV and Markdown files of the action items,
// by their path in the site.
func (b *builder) actionExports(v *ActionsView) map[string][]byte {
	header := []string{"ref", "postmortem", "title", "owner", "due", "priority", "status", "overdue_days", "ticket", "closed_by", "url"}
	var rows [][]string
	for _, a := range v.Items {
		overdue := ""
		if a.Overdue {
			overdue = fmt.Sprint(a.DaysOverdue)
		}
		closed := ""
		if a.ClosedBy != nil {
			closed = a.ClosedBy.SHA
		}
		title, url := "", ""
		if a.Postmortem != nil {
			title = a.Postmortem.Title
			url = b.abs(a.Postmortem.URL) + "#" + a.Anchor
		}
		rows = append(rows, []string{a.Ref, title, a.Title, a.Owner, a.Due, a.Priority, a.Status, overdue, a.Ticket.Text, closed, url})
	}
	var c bytes.Buffer
	w := csv.NewWriter(&c)
	_ = w.Write(header)
	for _, r := range rows {
		safe := make([]string, len(r))
		for i, f := range r {
			safe[i] = spreadsheetSafe(f)
		}
		_ = w.Write(safe)
	}
	w.Flush()

	var m strings.Builder
	m.WriteString("| Ref | Action | Owner | Due | Priority | Status | Closed by |\n")
	m.WriteString("| --- | --- | --- | --- | --- | --- | --- |\n")
	for _, r := range rows {
		status := r[6]
		if r[7] != "" {
			status += ", " + r[7] + " days overdue"
		}
		ref := markdownCell(r[0])
		if r[10] != "" {
			ref = "[" + ref + "](" + r[10] + ")"
		}
		fmt.Fprintf(&m, "| %s | %s | %s | %s | %s | %s | %s |\n", ref, markdownCell(r[2]), markdownCell(r[3]), r[4], r[5], markdownCell(status), markdownCell(r[9]))
	}
	return map[string][]byte{"actions/" + ActionsCSV: c.Bytes(), "actions/" + ActionsMarkdown: []byte(m.String())}
}

// spreadsheetSafe keeps a spreadsheet from reading a field as a formula:
// the text is the postmortem authors', and a cell that starts with = + -
// @ (or a tab or carriage return before one) would run in whoever opens
// the file. Such a field gets a leading apostrophe, which spreadsheets
// show as text.
func spreadsheetSafe(f string) string {
	if f != "" && strings.ContainsRune("=+-@\t\r", rune(f[0])) {
		return "'" + f
	}
	return f
}

// markdownCell writes text as one cell of a Markdown table: pipes
// escaped, line breaks as spaces, and the characters that would start
// markup or raw HTML escaped, so that the file renders the text as text.
func markdownCell(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	var out strings.Builder
	for _, r := range s {
		if strings.ContainsRune("\\|`*_[]<>#!~", r) {
			out.WriteByte('\\')
		}
		out.WriteRune(r)
	}
	return out.String()
}
