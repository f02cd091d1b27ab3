package site

import (
	"bytes"
	"html/template"
	"strings"
	"testing"
)

// FuzzFragmentEscaping holds the fragments' escaping to html/template's own
// in each context they write values into.
func FuzzFragmentEscaping(f *testing.F) {
	for _, s := range []string{"", "plain", `<b>"x" & 'y'</b>`, "a+b", "\x00", "t-1826-2", "naïve ☃", "\xff\xfe", "100%", "#?/:=&", "~._-"} {
		f.Add(s)
	}
	tmpl := template.Must(template.New("").Parse(`{{define "text"}}<p>{{.}}</p>{{end}}{{define "attr"}}<p title="{{.}}">{{end}}{{define "frag"}}<a href="#{{.}}">{{end}}`))
	f.Fuzz(func(t *testing.T, s string) {
		for _, c := range []struct {
			name, before, after string
			write               func(*fragment, string)
		}{
			{"text", "<p>", "</p>", (*fragment).text},
			{"attr", `<p title="`, `">`, (*fragment).text},
			{"frag", `<a href="#`, `">`, (*fragment).urlPart},
		} {
			var want bytes.Buffer
			if err := tmpl.ExecuteTemplate(&want, c.name, s); err != nil {
				t.Fatal(err)
			}
			got := new(fragment)
			got.WriteString(c.before)
			c.write(got, s)
			got.WriteString(c.after)
			if got.String() != want.String() {
				t.Errorf("%s of %q: got %q, html/template gives %q", c.name, s, got.String(), want.String())
			}
		}
	})
}

func TestWhenHTML(t *testing.T) {
	v := &PostmortemView{
		Times: []TimeRow{
			{Name: "started", Label: "Started", Time: "18:00", ISO: "2024-03-01T18:00:00Z"},
			{Name: "detected", Label: "Detected", Time: "18:00", ISO: "2024-03-01T18:00:00Z"},
			{Name: "resolved", Label: "Resolved", Time: "19:00", ISO: "2024-03-01T19:00:00Z", Offset: "+1h"},
		},
		Timeline: []TimelineEntry{
			{Time: "18:00", ISO: "2024-03-01T18:00:00Z", Event: `Paged: <script>alert("x")</script>`, X: "0.000", Milestone: "detected", Anchor: "t-1800"},
			{Time: "18:00", ISO: "2024-03-01T18:00:00Z", Event: "Still detecting", X: "0.000", Milestone: "detected", Anchor: "t-1800 2"},
			{Time: "19:00", ISO: "2024-03-01T19:00:00Z", Event: "Rolled back & fixed", Offset: "+1h", X: "100.000", Anchor: "t-1900"},
		},
		TimelineAxis:  &TimelineAxis{Ticks: []AxisTick{{X: "0.000", Label: "18:00", Day: "1 Mar"}}, Breaks: []AxisBreak{{X: "50.000", LeftX: "47.000", WidthX: "6.000", Label: "3d 4h"}}},
		TimelineMarks: []TimelineMark{{X: "0.000", Y: 58, StemY: 50, Anchor: "start", Label: "Detected · 18:00"}},
	}
	got := string(v.WhenHTML())
	for _, want := range []string{
		`<span class="muted">start</span>`,                             // the start itself
		`<span class="muted">at start</span>`,                          // a milestone at the start
		`<td class="num nowrap" data-label="Since start">&#43;1h</td>`, // html/template escapes "+" too
		`Paged: &lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;`,
		`Rolled back &amp; fixed`,
		`<li id="t-1800 2" class="is-milestone">`,
		`href="#t-1800%202"`,
		`<rect class="tl-break" x="47.000%" y="34" width="6.000%" height="12"/>`,
		`<text class="tl-day" x="0.000%" y="13" text-anchor="middle">1 Mar</text>`,
		`<line class="tl-stem" x1="0.000%" x2="0.000%" y1="40" y2="50"/>`,
		`<text class="tl-label" x="0.000%" y="58" text-anchor="start">Detected · 18:00</text>`,
		`<circle class="tl-dot" cx="100.000%" cy="40" r="4"/>`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %s in\n%s", want, got)
		}
	}
	// The milestone's badge is shown once for entries in a row.
	if n := strings.Count(got, `<span class="badge milestone">detected</span>`); n != 1 {
		t.Errorf("milestone badge %d times, want once", n)
	}
	// Milestone entries are drawn as marks, not dots.
	if n := strings.Count(got, `class="tl-dot"`); n != 1 {
		t.Errorf("%d dots, want 1", n)
	}

	// One entry: listed, not drawn.
	one := &PostmortemView{Timeline: v.Timeline[2:]}
	if got := string(one.WhenHTML()); strings.Contains(got, "<svg") || !strings.Contains(got, `<ol class="timeline">`) || strings.Contains(got, "Milestones") {
		t.Errorf("one entry, no times:\n%s", got)
	}
	if got := (&PostmortemView{}).WhenHTML(); got != "" {
		t.Errorf("nothing to show gives %q", got)
	}
}
