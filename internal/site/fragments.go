package site

import (
	"bytes"
	"html/template"
	"strconv"
	"strings"
)

// The parts of a page repeated for every row of a long list (the timeline
// and its chart, the milestones) are written here in Go rather than by the
// theme's templates: html/template spends about 0.7 µs on each value it
// escapes, through reflection, and a postmortem's timeline has dozens. The
// view still carries every row, so a theme that wants other markup can
// range over them itself. The escaping is html/template's own, for the
// same contexts (FuzzFragmentEscaping holds them to it), so a page is the
// same, byte for byte, as the templates made it.

// fragment writes HTML into a buffer.
type fragment struct{ bytes.Buffer }

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
