package site

import (
	"strings"
	"testing"

	"github.com/hindsight-dev/hindsight/internal/markdown"
)

func TestSplitBody(t *testing.T) {
	const impact = `<h2 id="impact">Impact</h2>` + "\n<p>Checkout failed.</p>\n"
	const tl = `<h2 id="timeline">Timeline <a class="anchor" href="#timeline">#</a></h2>` + "\n<ul>\n<li>10:00 — began</li>\n</ul>\n"
	const acts = `<h2 id="action-items">Action items</h2>` + "\n<ol>\n<li>Pin timeouts</li>\n</ol>\n"
	const prose = `<h2 id="timeline">Timeline</h2>` + "\n<p>All times UTC.</p>\n<ul>\n<li>10:00 — began</li>\n</ul>\n"
	toc := []markdown.Heading{{Level: 2, ID: "impact", Text: "Impact"}, {Level: 2, ID: "timeline", Text: "Timeline"}, {Level: 2, ID: "action-items", Text: "Action items"}}
	for _, tt := range []struct {
		name                   string
		body                   string
		timeline, actions      bool
		want                   []string // each part's HTML, then its block
		wantTimeline, wantActs bool
	}{
		{"both replaced", impact + tl + acts, true, true,
			[]string{impact + `<h2 id="timeline">Timeline <a class="anchor" href="#timeline">#</a></h2>`, "timeline", `<h2 id="action-items">Action items</h2>`, "actions", "", ""}, true, true},
		{"no structured timeline keeps the section", impact + tl + acts, false, true,
			[]string{impact + tl + `<h2 id="action-items">Action items</h2>`, "actions", "", ""}, false, true},
		{"paragraphs before the list stay", impact + prose, true, false,
			[]string{impact + `<h2 id="timeline">Timeline</h2>` + "\n<p>All times UTC.</p>", "timeline", "", ""}, true, false},
		{"a section with more than a list is kept", impact + tl + "<p>After the list.</p>\n", true, false,
			[]string{impact + tl + "<p>After the list.</p>\n", ""}, false, false},
		{"no such sections", impact, true, true, []string{impact, ""}, false, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			parts, inT, inA := splitBody([]byte(tt.body), toc, tt.timeline, tt.actions)
			var got []string
			for _, p := range parts {
				got = append(got, string(p.HTML), p.Then)
			}
			if strings.Join(got, "|") != strings.Join(tt.want, "|") || inT != tt.wantTimeline || inA != tt.wantActs {
				t.Errorf("got %q %v %v\nwant %q %v %v", got, inT, inA, tt.want, tt.wantTimeline, tt.wantActs)
			}
		})
	}
}
