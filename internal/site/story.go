package site

import (
	"bytes"
	"html/template"
	"strings"

	"github.com/hindsight-dev/hindsight/internal/markdown"
)

// splitBody cuts the rendered body where the page's structured blocks take
// the place of the body's own sections: the milestones and the timeline
// at a glance replace the list of the body's "Timeline" section (its
// entries are what they are made of), and the action item table replaces
// the list of an "Action items" section. The section's heading and the
// paragraphs before the list stay; a section with anything else, or a
// structured block that is empty, leaves the body's section as it is.
func splitBody(body []byte, toc []markdown.Heading, timeline, actions bool) (parts []BodyPart, timelineIn, actionsIn bool) {
	type cut struct {
		start, end int // what gives way: the section's list
		then       string
	}
	var cuts []cut
	for _, h := range toc {
		if h.Level != 2 {
			continue
		}
		var then string
		switch name := strings.ToLower(strings.TrimSpace(h.Text)); {
		case name == "timeline" && timeline && !timelineIn:
			then, timelineIn = "timeline", true
		case name == "action items" && actions && !actionsIn:
			then, actionsIn = "actions", true
		default:
			continue
		}
		open := bytes.Index(body, []byte(`<h2 id="`+template.HTMLEscapeString(h.ID)+`"`))
		if open < 0 {
			return []BodyPart{{HTML: template.HTML(body)}}, false, false
		}
		close := bytes.Index(body[open:], []byte("</h2>"))
		if close < 0 {
			return []BodyPart{{HTML: template.HTML(body)}}, false, false
		}
		start := open + close + len("</h2>")
		end := len(body)
		if next := bytes.Index(body[start:], []byte("<h2")); next >= 0 {
			end = start + next
		}
		// Only a section that is one list, after paragraphs such as "All
		// times UTC." that stay, gives way: anything else in it would be
		// lost.
		for {
			rest := body[start:end]
			trimmed := bytes.TrimLeft(rest, " \n")
			if !bytes.HasPrefix(trimmed, []byte("<p>")) {
				break
			}
			close := bytes.Index(trimmed, []byte("</p>"))
			if close < 0 {
				break
			}
			start += len(rest) - len(trimmed) + close + len("</p>")
		}
		content := bytes.TrimSpace(body[start:end])
		if !(bytes.HasPrefix(content, []byte("<ul")) && bytes.HasSuffix(content, []byte("</ul>")) ||
			bytes.HasPrefix(content, []byte("<ol")) && bytes.HasSuffix(content, []byte("</ol>"))) {
			if then == "timeline" {
				timelineIn = false
			} else {
				actionsIn = false
			}
			continue
		}
		cuts = append(cuts, cut{start, end, then})
	}
	at := 0
	for _, c := range cuts {
		if c.start < at {
			return []BodyPart{{HTML: template.HTML(body)}}, false, false
		}
		parts = append(parts, BodyPart{HTML: template.HTML(body[at:c.start]), Then: c.then})
		at = c.end
	}
	parts = append(parts, BodyPart{HTML: template.HTML(body[at:])})
	return parts, timelineIn, actionsIn
}

// pageSections are the contents entries of what the page shows besides
// the body, so that one list covers the whole page.
func pageSections(v *PostmortemView) []TOCEntry {
	var out []TOCEntry
	add := func(ok bool, id, text string) {
		if ok {
			out = append(out, TOCEntry{Level: 2, ID: id, Text: text})
		}
	}
	add(!v.TimelineInBody && len(v.Times) > 0, "pm-milestones-h", "Milestones")
	add(len(v.Commits) > 0, "pm-commits-h", "Commits")
	actions := "Action items"
	for _, e := range v.TOC {
		if strings.EqualFold(e.Text, actions) {
			actions = "Action items, tracked" // the body has its own
		}
	}
	add(!v.ActionsInBody && len(v.ActionItems) > 0, "pm-actions-h", actions)
	add(len(v.Revisits) > 0 || v.NextRevisit != nil, "pm-revisits-h", "Revisits")
	add(len(v.Related) > 0, "pm-related-h", "Related postmortems")
	return out
}
