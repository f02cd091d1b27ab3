package site

import (
	"bytes"
	"fmt"
	"html/template"
	"iter"
	"slices"
	"strings"
	"testing"
)

// FuzzFragmentEscaping holds the fragments' escaping to html/template's own
// in each context they write values into.
func FuzzFragmentEscaping(f *testing.F) {
	for _, s := range []string{"", "plain", `<b>"x" & 'y'</b>`, "a+b", "\x00", "t-1826-2", "naïve ☃", "\xff\xfe", "100%", "#?/:=&", "~._-", "https://example.com/a b?q=1&r=%zz%41", "javascript:alert(1)", "JavaScript:x", "mailto:a@b", "/x:y", "a%2", "x'y\"z<>"} {
		f.Add(s)
	}
	tmpl := template.Must(template.New("").Parse(`{{define "text"}}<p>{{.}}</p>{{end}}{{define "attr"}}<p title="{{.}}">{{end}}{{define "frag"}}<a href="#{{.}}">{{end}}{{define "url"}}<a href="{{.}}">{{end}}`))
	f.Fuzz(func(t *testing.T, s string) {
		for _, c := range []struct {
			name, before, after string
			write               func(*fragment, string)
		}{
			{"text", "<p>", "</p>", (*fragment).text},
			{"attr", `<p title="`, `">`, (*fragment).text},
			{"frag", `<a href="#`, `">`, (*fragment).urlPart},
			{"url", `<a href="`, `">`, (*fragment).url},
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

func TestActionsHTML(t *testing.T) {
	closing := &CommitView{SHA: "abc1234567", Short: "abc1234567", Subject: `Add "retry" & <backoff>`, URL: "https://git.example.com/c/abc1234567"}
	revert := &CommitView{SHA: "def7654321", Subject: "Revert", URL: ""}
	v := &PostmortemView{ActionItems: []ActionView{
		{Ref: "pm#1", Anchor: "action-1", N: 1, Title: "Add <retries>", Owner: "ana", Due: "2024-04-01", Priority: "P1", Status: "in-progress", StatusClass: "status-in-progress",
			Overdue: true, DaysOverdue: 1, Ticket: Link{Text: "OPS-1", URL: "javascript:alert(1)"}, ClosedBy: closing},
		{Ref: "pm#2", Anchor: "action-2", N: 2, Title: "Alert", Owner: "bo", Due: "2024-04-02", Status: "wont-do", StatusClass: "status-wont-do",
			Overdue: true, DaysOverdue: 3, Ticket: Link{Text: "OPS-2"}, ReopenedBy: revert, Reverted: closing},
	}}
	got := string(v.ActionsHTML())
	for _, want := range []string{
		`<tr id="action-1" class="action-item status-in-progress is-overdue">`,
		`<a class="ref" href="#action-1" title="Link to pm#1">1</a>`,
		`<th scope="row" class="col-title">Add &lt;retries&gt;</th>`,
		`Overdue by 1 day</span>`,
		`Overdue by 3 days</span>`,
		`<span class="badge prio prio-p1">P1</span>`,
		`<span class="badge astatus status-in-progress">in progress</span>`,
		`<span class="badge astatus status-wont-do">won’t do</span>`,
		`<a href="#ZgotmplZ">OPS-1</a>`, // a javascript: link is never written
		`<td class="nowrap" data-label="Ticket">OPS-2</td>`,
		`<a class="sha" href="https://git.example.com/c/abc1234567" title="Add &#34;retry&#34; &amp; &lt;backoff&gt;"><code>abc1234567</code></a>`,
		`<span class="reopened">reopened by <code class="sha" title="Revert">def7654321</code></span>`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %s in\n%s", want, got)
		}
	}
	if got := (&PostmortemView{}).ActionsHTML(); got != "" {
		t.Errorf("no items gives %q", got)
	}

	pm := &Summary{Title: "Checkout <errors>", URL: "/pm/a b/", Severity: "SEV9", SeverityClass: "sev-unknown"}
	rows := ActionsView{Items: []ActionView{
		{Ref: "a#1", Anchor: "action-1", Title: "T", Status: "open", StatusClass: "status-open", Postmortem: pm},
		{Ref: "b#1", Anchor: "action-1", Title: "U", Status: "done", StatusClass: "status-done", ReopenedBy: revert, Reverted: closing},
	}}
	got = joinHTML(rows.RowsHTML())
	for _, want := range []string{
		`data-overdue="false" data-days-overdue="0" data-postmortem="Checkout &lt;errors&gt;">`,
		`<a href="/pm/a%20b/">Checkout &lt;errors&gt;</a> <span class="badge sev sev-unknown" title="SEV9 is not a severity of the config"><span class="vh">Severity </span>SEV9?</span>`,
		`<a href="/pm/a%20b/#action-1" title="This action item on its postmortem page"><code>a#1</code></a>`,
		`<div class="ref"><code>b#1</code></div>`,
		`reopened by <code class="sha" title="Revert">def7654321</code>, which reverted <a class="sha"`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %s in\n%s", want, got)
		}
	}
	if n := strings.Count(got, "<tr "); n != 2 {
		t.Errorf("%d rows, want 2", n)
	}
	for _, c := range []struct {
		s    Summary
		want string
	}{
		{Summary{}, `<span class="badge sev sev-none">no severity</span>`},
		{Summary{Severity: "SEV1", SeverityClass: "sev-1"}, `<span class="badge sev sev-1"><span class="vh">Severity </span>SEV1</span>`},
	} {
		if got := string(c.s.SeverityBadgeHTML()); got != c.want {
			t.Errorf("badge of %+v: got %s, want %s", c.s, got, c.want)
		}
	}
}

func TestCommitsHTML(t *testing.T) {
	v := &PostmortemView{Commits: []CommitView{
		{Role: "trigger", SHA: "abc1234567", Short: "abc1234567", Subject: "Raise <limit>", Author: "Ana", Date: "2024-03-01 17:00", ISO: "2024-03-01T17:00:00Z",
			URL: "https://git.example.com/c/abc1234567", Files: []string{"svc/a.go"}, Verified: true, Repo: "svc"},
		{Role: "fix", SHA: "def7654321", Short: "def7654321", Subject: "Lower it", Note: "the real fix & more", Verified: true, Files: []string{"a", "b"},
			RevertedBy: &CommitView{SHA: "0123456789", Short: "0123456789", Subject: "Revert \"Lower it\"", Date: "2024-03-05", ISO: "2024-03-05T00:00:00Z"}},
		{SHA: "feedface"},
	}}
	got := string(v.CommitsHTML())
	for _, want := range []string{
		`<li class="commit">`,
		`<span class="badge role role-trigger">trigger</span>`,
		`<a class="sha" href="https://git.example.com/c/abc1234567"><code>abc1234567</code></a> <span class="commit-repo">in svc</span>`,
		`<p class="commit-subject">Raise &lt;limit&gt;</p>`,
		`<p class="commit-meta">Ana · <time datetime="2024-03-01T17:00:00Z">2024-03-01 17:00</time></p>`,
		`<summary>1 changed file</summary>`,
		`<summary>2 changed files</summary>`,
		`<p class="commit-note">the real fix &amp; more</p>`,
		`<span class="badge reverted">reverted</span> by <code class="sha" title="Revert &#34;Lower it&#34;">0123456789</code> <q>Revert &#34;Lower it&#34;</q> on <time datetime="2024-03-05T00:00:00Z">2024-03-05</time>: this remedy`,
		`<li class="commit is-unverified">`,
		`<code class="sha">feedface</code> <span class="badge unverified"`,
		`<span class="muted">No commit details: git did not find this commit.</span>`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %s in\n%s", want, got)
		}
	}
	if strings.Count(got, `class="commit-meta"`) != 1 {
		t.Errorf("a commit with neither author nor date has a meta line:\n%s", got)
	}
	if got := (&PostmortemView{}).CommitsHTML(); got != "" {
		t.Errorf("no commits gives %q", got)
	}

	toc := &PostmortemView{TOC: []TOCEntry{{Level: 2, ID: "what-happened", Text: "What <happened>"}, {Level: 3, ID: "why it", Text: "Why"}}}
	want := "\n      <li class=\"toc-l2\"><a href=\"#what-happened\">What &lt;happened&gt;</a></li>\n      <li class=\"toc-l3\"><a href=\"#why%20it\">Why</a></li>"
	if got := string(toc.TOCItemsHTML()); got != want {
		t.Errorf("table of contents:\n%q\nwant\n%q", got, want)
	}
}

func TestListRowsHTML(t *testing.T) {
	v := &ListView{Postmortems: []*Summary{
		{Title: `Checkout "errors"`, URL: "/a/", Date: "2024-03-01", Year: "2024", Severity: "SEV1", SeverityRank: 1, SeverityClass: "sev-1", Status: "in-review",
			Services: Links{{Text: "checkout", URL: "/services/checkout/"}, {Text: "db"}}, Tags: Links{{Text: "tls", URL: "/tags/tls/"}},
			TimeToDetect: "12m", TimeToDetectSeconds: 720, OverdueItems: 2},
		{Title: "Quiet", URL: "/b/", Status: "published"},
	}}
	got := joinHTML(v.RowsHTML())
	for _, want := range []string{
		`<tr data-title="Checkout &#34;errors&#34;" data-date="2024-03-01" data-year="2024" data-severity="SEV1" data-sev-rank="1" data-status="in-review" data-services="checkout db" data-tags="tls" data-ttd="720" data-ttr="0">`,
		`<a href="/a/">Checkout &#34;errors&#34;</a> <span class="badge overdue">2 overdue</span></th>`,
		`<span class="badge pm-status pm-in-review">in review</span>`,
		`<span class="badge pm-status pm-published">published</span>`,
		`<td class="col-links" data-label="Services"><a href="/services/checkout/">checkout</a>, db</td>`,
		`<td class="num nowrap" data-label="Time to detect">12m</td>`,
		`<td class="num nowrap" data-label="Time to resolve"><span class="unknown">—<span class="vh">unknown</span></span></td>`,
		`<span class="badge sev sev-none">no severity</span>`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %s in\n%s", want, got)
		}
	}
	if n := strings.Count(got, "<tr "); n != 2 {
		t.Errorf("%d rows, want 2", n)
	}
	if got := (Links{}).HTML(); got != "" {
		t.Errorf("no links give %q", got)
	}
}

func joinHTML(parts iter.Seq[template.HTML]) string {
	var b strings.Builder
	for p := range parts {
		b.WriteString(string(p))
	}
	return b.String()
}

// A long table comes in pieces of rowChunk rows, which together are every
// row once, in order.
func TestRowsInChunks(t *testing.T) {
	v := &ActionsView{}
	for i := range 2*rowChunk + 3 {
		v.Items = append(v.Items, ActionView{Ref: fmt.Sprintf("pm#%d", i), Status: "open", StatusClass: "status-open"})
	}
	parts := slices.Collect(v.RowsHTML())
	if len(parts) != 3 {
		t.Fatalf("%d pieces, want 3", len(parts))
	}
	if n := strings.Count(string(parts[2]), "<tr "); n != 3 {
		t.Errorf("last piece has %d rows, want 3", n)
	}
	all := joinHTML(slices.Values(parts))
	last := -1
	for i := range v.Items {
		at := strings.Index(all, fmt.Sprintf(`data-ref="pm#%d"`, i))
		if at <= last {
			t.Fatalf("row %d missing or out of order", i)
		}
		last = at
	}
	if got := slices.Collect((&ListView{}).RowsHTML()); len(got) != 0 {
		t.Errorf("no postmortems give %d pieces", len(got))
	}
}
