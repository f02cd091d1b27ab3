package site

import (
	"cmp"
	"html/template"
	"iter"
	"strconv"
	"strings"
)

// The parts of a page repeated for every row of a long list (the timeline
// and its chart, the milestones, the commits, the table of contents, the
// action items on a postmortem's page and on the action items page, the
// list of all postmortems) and the badges they share are written
// here in Go rather than by the theme's templates: html/template spends
// about 0.7 µs on each value it escapes, through reflection, and a
// postmortem's timeline has dozens, the action items page some 25 a row.
// The view still carries every row, so a theme that wants other markup can
// range over them itself. The escaping is html/template's own, for the
// same contexts (FuzzFragmentEscaping holds them to it), so a page is the
// same, byte for byte, as the templates made it.

// fragment writes HTML into a builder, whose String is not a copy.
type fragment struct{ strings.Builder }

// htmlOf is what write writes, as HTML.
func htmlOf(write func(*fragment)) template.HTML {
	f := new(fragment)
	write(f)
	return f.html()
}

// html returns what was written, as HTML.
func (f *fragment) html() template.HTML { return template.HTML(f.String()) }

// text writes s escaped for HTML text or a quoted attribute value, as
// html/template escapes a string there.
func (f *fragment) text(s string) {
	// Only ASCII is replaced, and no byte of a multi-byte UTF-8 sequence
	// (nor of an invalid one, kept as it is) is ASCII.
	written := 0
	for i := 0; i < len(s); i++ {
		var repl string
		switch s[i] {
		case 0:
			repl = "\uFFFD"
		case '"':
			repl = "&#34;"
		case '&':
			repl = "&amp;"
		case '\'':
			repl = "&#39;"
		case '+':
			repl = "&#43;"
		case '<':
			repl = "&lt;"
		case '>':
			repl = "&gt;"
		default:
			continue
		}
		f.WriteString(s[written:i])
		f.WriteString(repl)
		written = i + 1
	}
	f.WriteString(s[written:])
}

// attr writes ` name="value"`, the value escaped.
func (f *fragment) attr(name, value string) {
	f.WriteString(" " + name + `="`)
	f.text(value)
	f.WriteString(`"`)
}

// link writes l's text, linked to its URL when it has one.
func (f *fragment) link(l Link) {
	if l.URL == "" {
		f.text(l.Text)
		return
	}
	f.WriteString(`<a href="`)
	f.url(l.URL)
	f.WriteString(`">`)
	f.text(l.Text)
	f.WriteString("</a>")
}

// int writes n as text.
func (f *fragment) int(n int) { f.WriteString(strconv.Itoa(n)) }

// urlPart writes s as a part of a URL after its path (a fragment or a
// query), inside a quoted attribute: every byte but letters, digits and
// "-._~" percent-encoded, as html/template does.
func (f *fragment) urlPart(s string) {
	const hex = "0123456789abcdef"
	written := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("-._~", c) >= 0 {
			continue
		}
		f.WriteString(s[written:i])
		f.Write([]byte{'%', hex[c>>4], hex[c&15]})
		written = i + 1
	}
	f.WriteString(s[written:])
}

// WhenHTML is the built-in theme's "pm-when": the milestones table and the
// timeline, drawn and listed.
func (v *PostmortemView) WhenHTML() template.HTML {
	if len(v.Times) == 0 && len(v.Timeline) == 0 {
		return ""
	}
	f := new(fragment)
	f.Grow(1024 + 600*len(v.Timeline) + 400*len(v.Times))
	f.WriteString("\n<div class=\"when\">")
	if len(v.Times) > 0 {
		f.WriteString(`
  <section class="section" aria-labelledby="pm-milestones-h">
    <h2 id="pm-milestones-h">Milestones</h2>
    <div class="table-wrap" role="region" aria-label="Milestones table" tabindex="0">
    <table class="data milestones reflow">
      <thead>
        <tr><th scope="col">Milestone</th><th scope="col">Time</th><th scope="col" class="num">Since start</th></tr>
      </thead>
      <tbody>`)
		for _, t := range v.Times {
			f.WriteString("\n        <tr class=\"ms-")
			f.text(t.Name)
			f.WriteString("\">\n          <th scope=\"row\">")
			f.text(t.Label)
			f.WriteString("</th>\n          <td class=\"nowrap\" data-label=\"Time\"><time datetime=\"")
			f.text(t.ISO)
			f.WriteString("\">")
			f.text(t.Time)
			f.WriteString("</time></td>\n          <td class=\"num nowrap\" data-label=\"Since start\">")
			switch {
			case t.Offset != "":
				f.text(t.Offset)
			case t.Name == "started":
				f.WriteString(`<span class="muted">start</span>`)
			default:
				f.WriteString(`<span class="muted">at start</span>`)
			}
			f.WriteString("</td>\n        </tr>")
		}
		f.WriteString("\n      </tbody>\n    </table>\n    </div>\n  </section>")
	}
	if len(v.Timeline) > 0 {
		f.WriteString("\n  <section class=\"section timeline-section\" aria-labelledby=\"pm-timeline-h\">\n    <h2 id=\"pm-timeline-h\">Timeline at a glance</h2>")
		if len(v.Timeline) > 1 {
			v.chart(f)
		}
		f.WriteString("\n    <ol class=\"timeline\">")
		prev := ""
		for _, e := range v.Timeline {
			f.WriteString("\n      <li id=\"")
			f.text(e.Anchor)
			f.WriteString(`"`)
			if e.Milestone != "" {
				f.WriteString(` class="is-milestone"`)
			}
			f.WriteString(">\n        <span class=\"tl-when\"><time datetime=\"")
			f.text(e.ISO)
			f.WriteString(`">`)
			f.text(e.Time)
			f.WriteString("</time>")
			if e.Offset != "" {
				f.WriteString(` <span class="tl-offset">`)
				f.text(e.Offset)
				f.WriteString("</span>")
			}
			f.WriteString("</span>\n        <span class=\"tl-event\">")
			f.text(e.Event)
			if e.Milestone != "" && e.Milestone != prev {
				f.WriteString(` <span class="badge milestone">`)
				f.text(e.Milestone)
				f.WriteString("</span>")
			}
			f.WriteString(` <a class="anchor" href="#`)
			f.urlPart(e.Anchor)
			f.WriteString(`" aria-label="Link to the entry at `)
			f.text(e.Time)
			f.WriteString("\">#</a></span>\n      </li>")
			prev = e.Milestone
		}
		f.WriteString("\n    </ol>\n  </section>")
	}
	f.WriteString("\n</div>")
	return f.html()
}

// chart is the timeline drawn as a line: its breaks, ticks, entries and
// milestones.
func (v *PostmortemView) chart(f *fragment) {
	f.WriteString(`
    <svg class="timeline-chart" aria-hidden="true" focusable="false" width="100%" height="124">
      <svg x="3%" width="94%" height="124" overflow="visible">
        <line class="tl-axis" x1="0" x2="100%" y1="40" y2="40"/>`)
	if ax := v.TimelineAxis; ax != nil {
		for _, b := range ax.Breaks {
			f.WriteString("\n        <rect class=\"tl-break\" x=\"")
			f.text(b.LeftX)
			f.WriteString(`%" y="34" width="`)
			f.text(b.WidthX)
			f.WriteString("%\" height=\"12\"/>\n        <text class=\"tl-break-label\" x=\"")
			f.text(b.X)
			f.WriteString(`%" y="58" text-anchor="middle">`)
			f.text(b.Label)
			f.WriteString("</text>")
		}
		for _, t := range ax.Ticks {
			f.WriteString("\n        <line class=\"tl-tick\" x1=\"")
			f.text(t.X)
			f.WriteString(`%" x2="`)
			f.text(t.X)
			f.WriteString("%\" y1=\"33\" y2=\"40\"/>\n        <text class=\"tl-edge\" x=\"")
			f.text(t.X)
			f.WriteString(`%" y="28" text-anchor="middle">`)
			f.text(t.Label)
			f.WriteString("</text>")
			if t.Day != "" {
				f.WriteString("\n        <text class=\"tl-day\" x=\"")
				f.text(t.X)
				f.WriteString(`%" y="13" text-anchor="middle">`)
				f.text(t.Day)
				f.WriteString("</text>")
			}
		}
	}
	for _, e := range v.Timeline {
		if e.Milestone == "" {
			f.WriteString("\n        <circle class=\"tl-dot\" cx=\"")
			f.text(e.X)
			f.WriteString(`%" cy="40" r="4"/>`)
		}
	}
	for _, m := range v.TimelineMarks {
		f.WriteString("\n        <line class=\"tl-stem\" x1=\"")
		f.text(m.X)
		f.WriteString(`%" x2="`)
		f.text(m.X)
		f.WriteString(`%" y1="40" y2="`)
		f.int(m.StemY)
		f.WriteString("\"/>\n        <circle class=\"tl-milestone\" cx=\"")
		f.text(m.X)
		f.WriteString("%\" cy=\"40\" r=\"6\"/>\n        <text class=\"tl-label\" x=\"")
		f.text(m.X)
		f.WriteString(`%" y="`)
		f.int(m.Y)
		f.WriteString(`" text-anchor="`)
		f.text(m.Anchor)
		f.WriteString(`">`)
		f.text(m.Label)
		f.WriteString("</text>")
	}
	f.WriteString("\n      </svg>\n    </svg>")
}

// url writes s as a whole URL inside a quoted attribute, as html/template
// does: a scheme other than http, https or mailto gives "#ZgotmplZ"; other
// URLs are percent-encoded where they are not already, and escaped.
func (f *fragment) url(s string) {
	if scheme, _, ok := strings.Cut(s, ":"); ok && !strings.Contains(scheme, "/") &&
		!strings.EqualFold(scheme, "http") && !strings.EqualFold(scheme, "https") && !strings.EqualFold(scheme, "mailto") {
		f.WriteString("#ZgotmplZ")
		return
	}
	const hex = "0123456789abcdef"
	isHex := func(c byte) bool { return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F' }
	written := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("-._~!#$*,/:;=?@[]", c) >= 0:
			continue
		case c == '&':
			f.WriteString(s[written:i])
			f.WriteString("&amp;")
		case c == '+':
			f.WriteString(s[written:i])
			f.WriteString("&#43;")
		case c == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]):
			continue
		default:
			f.WriteString(s[written:i])
			f.Write([]byte{'%', hex[c>>4], hex[c&15]})
		}
		written = i + 1
	}
	f.WriteString(s[written:])
}

// ActionsHTML is the built-in theme's "pm-actions": the table of a
// postmortem's action items.
func (v *PostmortemView) ActionsHTML() template.HTML {
	if len(v.ActionItems) == 0 {
		return ""
	}
	f := new(fragment)
	f.Grow(1024 + 1200*len(v.ActionItems))
	f.WriteString(`
<section class="section" aria-labelledby="pm-actions-h">
  <h2 id="pm-actions-h">Action items</h2>
  <div class="table-wrap" role="region" aria-label="Action items table" tabindex="0">
  <table class="data action-table reflow">
    <thead>
      <tr>
        <th scope="col" class="num">#</th>
        <th scope="col">Action</th>
        <th scope="col">Owner</th>
        <th scope="col">Due</th>
        <th scope="col">Priority</th>
        <th scope="col">Status</th>
        <th scope="col">Ticket</th>
        <th scope="col">Closed by</th>
      </tr>
    </thead>
    <tbody>`)
	for i := range v.ActionItems {
		a := &v.ActionItems[i]
		f.WriteString("\n      <tr id=\"")
		f.text(a.Anchor)
		f.WriteString(`" class="action-item `)
		f.text(a.StatusClass)
		if a.Overdue {
			f.WriteString(" is-overdue")
		}
		f.WriteString("\">\n        <td class=\"num\" data-label=\"#\"><a class=\"ref\" href=\"#")
		f.urlPart(a.Anchor)
		f.WriteString(`" title="Link to `)
		f.text(a.Ref)
		f.WriteString(`">`)
		f.int(a.N)
		f.WriteString("</a></td>\n        <th scope=\"row\" class=\"col-title\">")
		f.text(a.Title)
		f.WriteString("</th>")
		a.cells(f, "        ")
		f.WriteString("</td>\n        <td class=\"nowrap\" data-label=\"Ticket\">")
		if a.Ticket.Text != "" {
			f.link(a.Ticket)
		}
		f.WriteString("</td>\n        <td data-label=\"Closed by\">")
		if a.ClosedBy != nil {
			a.ClosedBy.sha(f)
		}
		if a.ReopenedBy != nil {
			f.WriteString(`<span class="reopened">reopened by `)
			a.ReopenedBy.sha(f)
			f.WriteString("</span>")
		}
		f.WriteString("</td>\n      </tr>")
	}
	f.WriteString("\n    </tbody>\n  </table>\n  </div>\n</section>")
	return f.html()
}

// RowsHTML is the rows of the action items page's table, one an item,
// in pieces of rowChunk rows (inChunks).
func (v *ActionsView) RowsHTML() iter.Seq[template.HTML] {
	return inChunks(len(v.Items), 1400, func(f *fragment, i int) {
		a := &v.Items[i]
		f.WriteString("\n    <tr class=\"action-item ")
		f.text(a.StatusClass)
		if a.Overdue {
			f.WriteString(" is-overdue")
		}
		f.WriteString(`"`)
		f.attr("data-ref", a.Ref)
		f.attr("data-title", a.Title)
		f.attr("data-owner", a.Owner)
		f.attr("data-due", a.Due)
		f.attr("data-priority", a.Priority)
		f.attr("data-status", a.Status)
		f.attr("data-overdue", strconv.FormatBool(a.Overdue))
		f.attr("data-days-overdue", strconv.Itoa(a.DaysOverdue))
		if a.Postmortem != nil {
			f.attr("data-postmortem", a.Postmortem.Title)
		}
		f.WriteString(">\n      <th scope=\"row\" class=\"col-title\">")
		f.text(a.Title)
		if a.Ticket.Text != "" {
			f.WriteString(` <span class="ticket">(`)
			f.link(a.Ticket)
			f.WriteString(")</span>")
		}
		f.WriteString("</th>")
		a.cells(f, "      ")
		if a.ClosedBy != nil {
			f.WriteString(` <span class="closed-by">by `)
			a.ClosedBy.sha(f)
			f.WriteString("</span>")
		}
		if a.ReopenedBy != nil {
			f.WriteString(` <span class="reopened">reopened by `)
			a.ReopenedBy.sha(f)
			f.WriteString(", which reverted ")
			a.Reverted.sha(f)
			f.WriteString("</span>")
		}
		f.WriteString("</td>\n      <td class=\"col-pm\" data-label=\"Postmortem\">")
		if s := a.Postmortem; s != nil {
			f.WriteString(`<a href="`)
			f.url(s.URL)
			f.WriteString(`">`)
			f.text(s.Title)
			f.WriteString("</a> ")
			s.severityBadge(f)
		}
		f.WriteString("\n        <div class=\"ref\">")
		if s := a.Postmortem; s != nil {
			f.WriteString(`<a href="`)
			f.url(s.URL)
			f.WriteString("#")
			f.urlPart(a.Anchor)
			f.WriteString(`" title="This action item on its postmortem page"><code>`)
			f.text(a.Ref)
			f.WriteString("</code></a>")
		} else {
			f.WriteString("<code>")
			f.text(a.Ref)
			f.WriteString("</code>")
		}
		f.WriteString("</div>\n      </td>\n    </tr>")
	})
}

// cells writes an action item's Owner, Due and Priority cells and opens
// its Status cell with the status badge, each on a line of its own
// indented by indent: both tables of action items have them.
func (a *ActionView) cells(f *fragment, indent string) {
	f.WriteString("\n" + indent + `<td class="col-owner" data-label="Owner">`)
	f.text(a.Owner)
	f.WriteString("</td>\n" + indent)
	a.due(f)
	f.WriteString("\n" + indent)
	a.priority(f)
	f.WriteString("\n" + indent + `<td data-label="Status">`)
	a.statusBadge(f)
}

// rowChunk is how many rows a piece of a long table holds. The pieces are
// made as the template asks for them, each going to the page's buffer
// before the next is made: the whole table at once (27 MB for the action
// items at 10,000) would be held beside the page being written, at the end
// of a build, where its memory peaks.
const rowChunk = 256

// inChunks writes n rows with row, about size bytes each, into pieces of
// rowChunk rows, one piece at a time.
func inChunks(n, size int, row func(f *fragment, i int)) iter.Seq[template.HTML] {
	return func(yield func(template.HTML) bool) {
		for lo := 0; lo < n; lo += rowChunk {
			hi := min(lo+rowChunk, n)
			f := new(fragment)
			f.Grow(size * (hi - lo))
			for i := lo; i < hi; i++ {
				row(f, i)
			}
			if !yield(f.html()) {
				return
			}
		}
	}
}

// due is an action item's Due cell: the date, and a badge when overdue.
func (a *ActionView) due(f *fragment) {
	f.WriteString(`<td class="nowrap" data-label="Due"><time datetime="`)
	f.text(a.Due)
	f.WriteString(`">`)
	f.text(a.Due)
	f.WriteString("</time>")
	if a.Overdue {
		f.WriteString("<br>")
		a.overdueBadge(f)
	}
	f.WriteString("</td>")
}

// priority is an action item's Priority cell.
func (a *ActionView) priority(f *fragment) {
	f.WriteString(`<td data-label="Priority">`)
	if a.Priority != "" {
		f.WriteString(`<span class="badge prio prio-`)
		f.text(strings.ToLower(a.Priority))
		f.WriteString(`">`)
		f.text(a.Priority)
		f.WriteString("</span>")
	}
	f.WriteString("</td>")
}

// OverdueBadgeHTML is the built-in theme's "badge-overdue".
func (a ActionView) OverdueBadgeHTML() template.HTML {
	return htmlOf(a.overdueBadge)
}

func (a *ActionView) overdueBadge(f *fragment) {
	if !a.Overdue {
		return
	}
	f.WriteString(`<span class="badge overdue"><svg aria-hidden="true" focusable="false" width="12" height="12" viewBox="0 0 12 12"><path d="M6 1 11.5 11h-11Z" fill="none" stroke="currentColor" stroke-width="1.5" stroke-linejoin="round"/><path d="M6 4.8v2.6M6 9v.2" stroke="currentColor" stroke-width="1.5" stroke-linecap="round"/></svg>Overdue by `)
	f.text(plural(a.DaysOverdue, "day"))
	f.WriteString("</span>")
}

// StatusBadgeHTML is the built-in theme's "badge-action-status".
func (a ActionView) StatusBadgeHTML() template.HTML {
	return htmlOf(a.statusBadge)
}

func (a *ActionView) statusBadge(f *fragment) {
	f.WriteString(`<span class="badge astatus `)
	f.text(a.StatusClass)
	f.WriteString(`">`)
	f.text(actionStatusText(a.Status))
	f.WriteString("</span>")
}

// actionStatusText is how an action item's status reads: "in progress"
// for in-progress.
func actionStatusText(status string) string {
	switch status {
	case "wont-do":
		return "won’t do"
	case "in-progress":
		return "in progress"
	}
	return status
}

// ShaHTML is the built-in theme's "sha": a commit's short sha, linked to
// the commit when its web page is known, its subject as the title.
func (c CommitView) ShaHTML() template.HTML {
	return htmlOf(c.sha)
}

func (c *CommitView) sha(f *fragment) {
	short := cmp.Or(c.Short, c.SHA)
	if c.URL != "" {
		f.WriteString(`<a class="sha" href="`)
		f.url(c.URL)
		f.WriteString(`" title="`)
		f.text(c.Subject)
		f.WriteString(`"><code>`)
		f.text(short)
		f.WriteString("</code></a>")
		return
	}
	f.WriteString(`<code class="sha" title="`)
	f.text(c.Subject)
	f.WriteString(`">`)
	f.text(short)
	f.WriteString("</code>")
}

// SeverityBadgeHTML is the built-in theme's "badge-severity".
func (s Summary) SeverityBadgeHTML() template.HTML {
	return htmlOf(s.severityBadge)
}

func (s *Summary) severityBadge(f *fragment) {
	switch {
	case s.Severity == "":
		f.WriteString(`<span class="badge sev sev-none">no severity</span>`)
	case s.SeverityClass == "sev-unknown":
		f.WriteString(`<span class="badge sev sev-unknown" title="`)
		f.text(s.Severity)
		f.WriteString(` is not a severity of the config"><span class="vh">Severity </span>`)
		f.text(s.Severity)
		f.WriteString("?</span>")
	default:
		f.WriteString(`<span class="badge sev `)
		f.text(s.SeverityClass)
		f.WriteString(`"><span class="vh">Severity </span>`)
		f.text(s.Severity)
		f.WriteString("</span>")
	}
}

// plural is "1 day", "2 days": the theme's plural.
func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return strconv.Itoa(n) + " " + word + "s"
}

// TOCItemsHTML is the entries of a postmortem's table of contents, one
// list item a heading.
func (v *PostmortemView) TOCItemsHTML() template.HTML {
	f := new(fragment)
	f.Grow(96 * len(v.TOC))
	for _, e := range v.TOC {
		f.WriteString("\n      <li class=\"toc-l")
		f.int(e.Level)
		f.WriteString(`"><a href="#`)
		f.urlPart(e.ID)
		f.WriteString(`">`)
		f.text(e.Text)
		f.WriteString("</a></li>")
	}
	return f.html()
}

// CommitsHTML is the built-in theme's list of the commits a postmortem
// names: each with its role, sha, subject, note, revert, author, date and
// changed files.
func (v *PostmortemView) CommitsHTML() template.HTML {
	if len(v.Commits) == 0 {
		return ""
	}
	f := new(fragment)
	f.Grow(1024 * len(v.Commits))
	f.WriteString(`
<section class="section" aria-labelledby="pm-commits-h">
  <h2 id="pm-commits-h">Commits</h2>
  <ul class="commits">`)
	for i := range v.Commits {
		c := &v.Commits[i]
		f.WriteString("\n    <li class=\"commit")
		if !c.Verified {
			f.WriteString(" is-unverified")
		}
		f.WriteString("\">\n      <p class=\"commit-head\">")
		if c.Role != "" {
			f.WriteString(`<span class="badge role role-`)
			f.text(c.Role)
			f.WriteString(`">`)
			f.text(c.Role)
			f.WriteString("</span>")
		}
		f.WriteString("\n        ")
		short := cmp.Or(c.Short, c.SHA)
		if c.URL != "" {
			f.WriteString(`<a class="sha" href="`)
			f.url(c.URL)
			f.WriteString(`"><code>`)
			f.text(short)
			f.WriteString("</code></a>")
		} else {
			f.WriteString(`<code class="sha">`)
			f.text(short)
			f.WriteString("</code>")
		}
		if c.Repo != "" {
			f.WriteString(` <span class="commit-repo">in `)
			f.text(c.Repo)
			f.WriteString("</span>")
		}
		if !c.Verified {
			f.WriteString(` <span class="badge unverified" title="git did not find this commit, so its details could not be checked">unverified</span>`)
		}
		f.WriteString("\n      </p>\n      <p class=\"commit-subject\">")
		if c.Subject != "" {
			f.text(c.Subject)
		} else {
			f.WriteString(`<span class="muted">No commit details: git did not find this commit.</span>`)
		}
		f.WriteString("</p>")
		if c.Note != "" {
			f.WriteString("\n      <p class=\"commit-note\">")
			f.text(c.Note)
			f.WriteString("</p>")
		}
		if r := c.RevertedBy; r != nil {
			f.WriteString("\n      <p class=\"commit-reverted\"><span class=\"badge reverted\">reverted</span> by ")
			r.sha(f)
			f.WriteString(" <q>")
			f.text(r.Subject)
			f.WriteString("</q>")
			if r.Date != "" {
				f.WriteString(` on <time datetime="`)
				f.text(r.ISO)
				f.WriteString(`">`)
				f.text(r.Date)
				f.WriteString("</time>")
			}
			f.WriteString(": this remedy may no longer be in effect.</p>")
		}
		if c.Author != "" || c.Date != "" {
			f.WriteString("\n      <p class=\"commit-meta\">")
			f.text(c.Author)
			if c.Author != "" && c.Date != "" {
				f.WriteString(" · ")
			}
			if c.Date != "" {
				f.WriteString(`<time datetime="`)
				f.text(c.ISO)
				f.WriteString(`">`)
				f.text(c.Date)
				f.WriteString("</time>")
			}
			f.WriteString("</p>")
		}
		if len(c.Files) > 0 {
			f.WriteString("\n      <details class=\"commit-files\">\n        <summary>")
			f.text(plural(len(c.Files), "changed file"))
			f.WriteString("</summary>\n        <ul>")
			for _, file := range c.Files {
				f.WriteString("\n          <li><code>")
				f.text(file)
				f.WriteString("</code></li>")
			}
			f.WriteString("\n        </ul>\n      </details>")
		}
		f.WriteString("\n    </li>")
	}
	f.WriteString("\n  </ul>\n</section>")
	return f.html()
}

// HTML is the built-in theme's "links": the links separated by commas,
// each linked when it has a URL.
func (ls Links) HTML() template.HTML { return htmlOf(ls.write) }

// texts is the links' texts separated by spaces.
func (ls Links) texts() string {
	texts := make([]string, len(ls))
	for i, l := range ls {
		texts[i] = l.Text
	}
	return strings.Join(texts, " ")
}

func (ls Links) write(f *fragment) {
	for i, l := range ls {
		if i > 0 {
			f.WriteString(", ")
		}
		f.link(l)
	}
}

// StatusBadgeHTML is the built-in theme's "badge-status": a postmortem's
// review status.
func (s Summary) StatusBadgeHTML() template.HTML { return htmlOf(s.statusBadge) }

func (s *Summary) statusBadge(f *fragment) {
	f.WriteString(`<span class="badge pm-status pm-`)
	f.text(s.Status)
	f.WriteString(`">`)
	if s.Status == "in-review" {
		f.WriteString("in review")
	} else {
		f.text(s.Status)
	}
	f.WriteString("</span>")
}

// RowsHTML is the rows of the list of all postmortems, one a postmortem,
// with the data its filters and sorting read, in pieces of rowChunk rows.
func (v *ListView) RowsHTML() iter.Seq[template.HTML] {
	const unknown = `<span class="unknown">—<span class="vh">unknown</span></span>`
	return inChunks(len(v.Postmortems), 1100, func(f *fragment, i int) {
		s := v.Postmortems[i]
		f.WriteString("\n    <tr")
		f.attr("data-title", s.Title)
		f.attr("data-date", s.Date)
		f.attr("data-year", s.Year)
		f.attr("data-severity", s.Severity)
		f.attr("data-sev-rank", strconv.Itoa(s.SeverityRank))
		f.attr("data-status", s.Status)
		f.attr("data-services", s.Services.texts())
		f.attr("data-tags", s.Tags.texts())
		f.attr("data-ttd", strconv.FormatInt(s.TimeToDetectSeconds, 10))
		f.attr("data-ttr", strconv.FormatInt(s.TimeToResolveSeconds, 10))
		f.WriteString(">\n      <th scope=\"row\" class=\"col-title\"><a href=\"")
		f.url(s.URL)
		f.WriteString(`">`)
		f.text(s.Title)
		f.WriteString("</a>")
		if s.OverdueItems != 0 {
			f.WriteString(` <span class="badge overdue">`)
			f.int(s.OverdueItems)
			f.WriteString(" overdue</span>")
		}
		f.WriteString("</th>\n      <td class=\"nowrap\" data-label=\"Date\"><time datetime=\"")
		f.text(s.Date)
		f.WriteString(`">`)
		f.text(s.Date)
		f.WriteString("</time></td>\n      <td data-label=\"Severity\">")
		s.severityBadge(f)
		f.WriteString("</td>\n      <td data-label=\"Status\">")
		s.statusBadge(f)
		f.WriteString("</td>\n      <td class=\"col-links\" data-label=\"Services\">")
		s.Services.write(f)
		f.WriteString("</td>\n      <td class=\"col-links\" data-label=\"Tags\">")
		s.Tags.write(f)
		f.WriteString("</td>\n      <td class=\"num nowrap\" data-label=\"Time to detect\">")
		if s.TimeToDetect != "" {
			f.text(s.TimeToDetect)
		} else {
			f.WriteString(unknown)
		}
		f.WriteString("</td>\n      <td class=\"num nowrap\" data-label=\"Time to resolve\">")
		if s.TimeToResolve != "" {
			f.text(s.TimeToResolve)
		} else {
			f.WriteString(unknown)
		}
		f.WriteString("</td>\n    </tr>")
	})
}
