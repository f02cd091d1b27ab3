// Package e2e drives a real browser over the built site of the example
// postmortems, served the way `hindsight serve` serves it.
package e2e

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/hindsight-dev/hindsight/internal/cli"
	"github.com/hindsight-dev/hindsight/internal/search"
	"github.com/hindsight-dev/hindsight/internal/server"
	"github.com/hindsight-dev/hindsight/internal/site"
)

// browser finds Chromium; without it the tests are skipped, except in CI,
// where .ci/run installs it and its absence is a failure.
func browser(t *testing.T) string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("no Chromium found; .ci/run installs it")
	}
	t.Skip("no Chromium on this machine: apt-get install chromium")
	return ""
}

// buildExamples builds the repository's example site into a folder.
func buildExamples(t *testing.T, extra ...string) string {
	t.Helper()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	return buildIn(t, root, extra...)
}

// buildIn runs `hindsight build` with root as the working directory, into
// a temporary folder that it returns.
func buildIn(t *testing.T, root string, extra ...string) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "site")
	wd, _ := os.Getwd()
	defer os.Chdir(wd)
	if err := os.Chdir(root); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	args := append([]string{"build", "--out", out}, extra...)
	if code := cli.Main(context.Background(), args, nil, &stdout, &stderr); code != 0 {
		t.Fatalf("build exit %d: %s", code, stderr.String())
	}
	return out
}

// session is a browser tab that records console errors, failed requests
// and JavaScript dialogs.
type session struct {
	ctx    context.Context
	mu     sync.Mutex
	errors []string
}

func newSession(t *testing.T) *session {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(browser(t)),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("no-first-run", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	)
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelC := chromedp.NewContext(actx)
	ctx, cancelT := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(func() { cancelT(); cancelC(); cancelA() })
	s := &session{ctx: ctx}
	record := func(msg string) {
		s.mu.Lock()
		s.errors = append(s.errors, msg)
		s.mu.Unlock()
	}
	err := chromedp.Listen(ctx, func(ev any) {
		switch e := ev.(type) {
		case *runtime.EventExceptionThrown:
			record("exception: " + e.ExceptionDetails.Text + " " + describe(e.ExceptionDetails))
		case *runtime.EventConsoleAPICalled:
			if e.Type == runtime.ConsoleAPICalledTypeError {
				var parts []string
				for _, a := range e.Args {
					parts = append(parts, string(a.Value))
				}
				record("console error: " + strings.Join(parts, " "))
			}
		case *page.EventJavascriptDialogOpening:
			// No page of the site opens a dialog. Dismiss it, or the page
			// waits for it and every later action times out.
			record(fmt.Sprintf("JavaScript %s dialog opened: %q", e.Type, e.Message))
			go chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: false})
		case *network.EventLoadingFailed:
			if e.ErrorText != "net::ERR_ABORTED" {
				record("request failed: " + e.ErrorText)
			}
		case *network.EventResponseReceived:
			if e.Response.Status >= 400 && !s.expected(e.Response.URL) {
				record(fmt.Sprintf("HTTP %d for %s", int(e.Response.Status), e.Response.URL))
			}
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func describe(d *runtime.ExceptionDetails) string {
	if d == nil || d.Exception == nil {
		return ""
	}
	return d.Exception.Description
}

// expected lists responses whose error status is the point: the probe for
// the search API on a static host, and the not-found page.
func (s *session) expected(url string) bool {
	return strings.Contains(url, "/api/search") || strings.Contains(url, "no-such-page")
}

func (s *session) do(t *testing.T, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(s.ctx, steps...); err != nil {
		t.Fatal(err)
	}
}

func eval[T any](t *testing.T, s *session, expr string) T {
	t.Helper()
	v, err := chromedp.Run(s.ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("%s: %v", expr, err)
	}
	return v
}

func (s *session) noErrors(t *testing.T, page string) {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, e := range s.errors {
		t.Errorf("%s: %s", page, e)
	}
	s.errors = nil
}

func serveSite(t *testing.T, dir string, live bool) *httptest.Server {
	ts := httptest.NewServer(server.New(server.Options{Dir: dir, Base: "/", LiveReload: live}))
	t.Cleanup(ts.Close)
	return ts
}

// TestPagesLoad opens every kind of page and checks it loads with no
// console error and no failed request.
func TestPagesLoad(t *testing.T) {
	s := newSession(t)
	ts := serveSite(t, buildExamples(t), false)
	for _, p := range []string{"", "postmortems/", "2019-06-28-homepage-404/", "tags/", "services/", "severity/", "actions/", "metrics/", "tags/dns/", "no-such-page/"} {
		s.do(t, chromedp.Navigate(ts.URL+"/"+p), chromedp.WaitReady("body"))
		if title := eval[string](t, s, `document.title`); title == "" {
			t.Errorf("/%s has no title", p)
		}
		s.noErrors(t, "/"+p)
	}
}

// TestListFiltersAndSort uses the list page's filters and sorting, and
// the theme toggle.
func TestListFiltersAndSort(t *testing.T) {
	s := newSession(t)
	ts := serveSite(t, buildExamples(t), false)
	s.do(t, chromedp.Navigate(ts.URL+"/postmortems/"), chromedp.WaitVisible(`form[data-filter-for]`))
	total := eval[int](t, s, `document.querySelectorAll('table[data-sortable] tbody tr').length`)
	s.do(t, chromedp.SetValue(`form[data-filter-for] select[name=severity]`, "SEV1"))
	eval[bool](t, s, `document.querySelector('form[data-filter-for] select[name=severity]').dispatchEvent(new Event('change', {bubbles: true}))`)
	shown := eval[int](t, s, `Array.from(document.querySelectorAll('table[data-sortable] tbody tr')).filter(r => !r.hidden).length`)
	if total < 15 || shown == 0 || shown >= total {
		t.Errorf("filtering by SEV1 showed %d of %d rows", shown, total)
	}
	first := eval[string](t, s, `document.querySelector('table[data-sortable] tbody tr:not([hidden]) a').textContent`)
	s.do(t, chromedp.Click(`table[data-sortable] th button`, chromedp.NodeVisible))
	after := eval[string](t, s, `document.querySelector('table[data-sortable] tbody tr:not([hidden]) a').textContent`)
	if first == after {
		t.Errorf("sorting by the first column did not change the order (%q)", first)
	}
	s.do(t, chromedp.Click(`button[data-theme-toggle]`, chromedp.NodeVisible))
	if theme := eval[string](t, s, `document.documentElement.getAttribute('data-theme') || ''`); theme != "dark" && theme != "light" {
		t.Errorf("the theme toggle set data-theme to %q", theme)
	}
	s.noErrors(t, "/postmortems/")
}

// screenshots are the pictures in the README: a page of the example site
// each, and what to wait for before taking it.
var screenshots = []struct{ name, path, wait string }{
	{"home", "", "main"},
	{"postmortem", "2019-06-28-homepage-404/", ".pm-badges"},
	{"metrics", "metrics/", "svg.chart"},
	{"search", "search/?q=certificate+expiry", "#search-hits li"},
}

// The README shows every screenshot the test takes, and each is committed.
func TestREADMEScreenshots(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, shot := range screenshots {
		p := ".github/screenshots/" + shot.name + ".png"
		if !strings.Contains(string(readme), "]("+p+")") {
			t.Errorf("the README does not show %s", p)
		}
		if st, err := os.Stat("../../" + p); err != nil || st.Size() < 10000 {
			t.Errorf("%s is missing or empty (run sh .github/screenshots/update.sh): %v", p, err)
		}
	}
}

// TestScreenshots takes the README's screenshots of the example site: the
// home, a postmortem, the metrics and a search, as a reader first sees
// them in a 1280×800 window, into $HINDSIGHT_SCREENSHOTS (default: a
// temporary folder, so that the test still checks the pages render).
// .github/screenshots/update.sh runs it to refresh the committed ones.
func TestScreenshots(t *testing.T) {
	s := newSession(t)
	// A fixed day, so that the overdue counts of a refresh change only
	// when the examples do.
	t.Setenv("HINDSIGHT_NOW", "2025-01-15")
	ts := serveSite(t, buildExamples(t), false)
	dir := os.Getenv("HINDSIGHT_SCREENSHOTS")
	if dir == "" {
		dir = t.TempDir()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, shot := range screenshots {
		s.do(t, chromedp.EmulateViewport(1280, 800), chromedp.Navigate(ts.URL+"/"+shot.path), chromedp.WaitVisible(chromedp.CSS(shot.wait)), chromedp.Sleep(200*time.Millisecond))
		png, err := chromedp.Run(s.ctx, chromedp.CaptureScreenshot())
		if err != nil {
			t.Fatal(err)
		}
		if len(png) < 10000 {
			t.Errorf("%s: a %d-byte screenshot is empty", shot.name, len(png))
		}
		if err := os.WriteFile(filepath.Join(dir, shot.name+".png"), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// searchSite builds the examples and serves them two ways: by the server
// with its search API, and as plain static files.
func searchSites(t *testing.T) map[string]string {
	out := buildExamples(t)
	ix, err := search.Open(filepath.Join(out, site.IndexDir))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ix.Close() })
	api := httptest.NewServer(server.New(server.Options{Dir: out, Base: "/", Search: ix}))
	t.Cleanup(api.Close)
	static := httptest.NewServer(http.FileServer(http.Dir(out)))
	t.Cleanup(static.Close)
	return map[string]string{"server": api.URL, "static": static.URL}
}

// TestSearch types a query on the search page, sees highlighted results,
// applies a facet and follows a result, on the served site (API) and on
// the static build (static index).
func TestSearch(t *testing.T) {
	for name, base := range searchSites(t) {
		t.Run(name, func(t *testing.T) {
			s := newSession(t)
			s.do(t, chromedp.Navigate(base+"/search/?q=certificate"), chromedp.WaitVisible(`#search-hits li`))
			hits := eval[int](t, s, `document.querySelectorAll('#search-hits li').length`)
			marks := eval[int](t, s, `document.querySelectorAll('#search-hits mark').length`)
			if hits < 2 || marks == 0 {
				t.Errorf("%d hits, %d highlights for 'certificate'", hits, marks)
			}
			// A facet narrows the results and goes into the URL.
			s.do(t, chromedp.WaitVisible(`#search-facets input[type=radio]`))
			eval[bool](t, s, `(function(){var b=document.querySelector('#search-facets input[type=radio]:not(:checked)'); b.click(); return true})()`)
			s.do(t, chromedp.Sleep(500*time.Millisecond))
			if u := eval[string](t, s, `location.search`); !strings.Contains(u, "=") || u == "?q=certificate" {
				t.Errorf("a facet did not reach the URL: %q", u)
			}
			// Following the first result opens a postmortem page.
			eval[bool](t, s, `(function(){document.querySelector('#search-hits li a').click(); return true})()`)
			s.do(t, chromedp.WaitReady(`body.kind-postmortem`))
			if path := eval[string](t, s, `location.pathname`); !strings.HasPrefix(path, "/20") {
				t.Errorf("the result led to %q", path)
			}
			s.noErrors(t, name+" search")
		})
	}
}

// TestSearchAsYouType types into the header box and sees options.
func TestSearchAsYouType(t *testing.T) {
	base := searchSites(t)["static"]
	s := newSession(t)
	s.do(t,
		chromedp.Navigate(base+"/"),
		chromedp.WaitVisible(`header form[role=search] input[name=q]`),
		chromedp.SendKeys(`header form[role=search] input[name=q]`, "leap"),
		chromedp.WaitVisible(`[role=listbox] [role=option]`),
	)
	if n := eval[int](t, s, `document.querySelectorAll('[role=listbox] [role=option]').length`); n < 1 {
		t.Errorf("no options for 'leap'")
	}
	s.noErrors(t, "search as you type")
}

// TestActionsAndNavigation uses the action-item page's overdue filter and
// follows the main navigation.
func TestActionsAndNavigation(t *testing.T) {
	s := newSession(t)
	ts := serveSite(t, buildExamples(t), false)
	s.do(t, chromedp.Navigate(ts.URL+"/actions/"), chromedp.WaitVisible(`form[data-filter-for=action-table]`))
	total := eval[int](t, s, `document.querySelectorAll('#action-table tbody tr').length`)
	eval[bool](t, s, `(function(){var c=document.getElementById('filter-overdue'); c.click(); return true})()`)
	shown := eval[int](t, s, `Array.from(document.querySelectorAll('#action-table tbody tr')).filter(r => !r.hidden).length`)
	notOverdue := eval[int](t, s, `Array.from(document.querySelectorAll('#action-table tbody tr')).filter(r => !r.hidden && r.dataset.overdue !== 'true').length`)
	if shown == 0 || shown >= total || notOverdue != 0 {
		t.Errorf("overdue only: %d of %d rows shown, %d of them not overdue", shown, total, notOverdue)
	}
	for _, link := range []string{"Metrics", "Tags", "Postmortems"} {
		eval[bool](t, s, `(function(){var a=Array.from(document.querySelectorAll('nav a')).find(a => a.textContent.trim() === '`+link+`'); a.click(); return true})()`)
		s.do(t, chromedp.WaitReady(`body`), chromedp.Sleep(200*time.Millisecond))
		if cur := eval[string](t, s, `(document.querySelector('nav a[aria-current=page]')||{}).textContent||''`); strings.TrimSpace(cur) != link {
			t.Errorf("after following %q the current navigation entry is %q", link, cur)
		}
	}
	s.noErrors(t, "/actions/ and navigation")
}

// TestStaticRankingInBrowser runs the real search.js, stemmer and
// ranking of the static index in the browser on a set of queries, and
// compares each result list with the one the server's search API gives
// on the same site: the same postmortems in the same order (a word
// queries by its stem). The static index takes several words to mean all
// of them, so the server is asked for each word with + in front.
func TestStaticRankingInBrowser(t *testing.T) {
	sites := searchSites(t)
	queries := []string{
		"certificate", "certificates", "expired", "dns", "database", "deletion",
		"configuration", "regex", "engineers", "leap second", "network partition",
		"root certificate", "database backup", "dns bgp",
	}
	sessions := map[string]*session{}
	hits := func(base, q string) []string {
		s := sessions[base]
		if s == nil {
			s = newSession(t)
			sessions[base] = s
		}
		s.do(t, chromedp.Navigate(base+"/search/?q="+url.QueryEscape(q)), chromedp.WaitVisible(`#search-hits li`), chromedp.Sleep(200*time.Millisecond))
		return eval[[]string](t, s, `Array.from(document.querySelectorAll('#search-hits li a')).map(function(a){return new URL(a.href).pathname})`)
	}
	matched := 0
	for _, q := range queries {
		all := "+" + strings.ReplaceAll(q, " ", " +")
		static, served := hits(sites["static"], q), hits(sites["server"], all)
		if len(served) == 0 {
			t.Errorf("%q: the server finds nothing; the query set should find something", q)
			continue
		}
		if !slices.Equal(static, served) {
			t.Errorf("%q: static %v, server %v", q, static, served)
			continue
		}
		matched++
	}
	t.Logf("%d of %d queries give the server's results in the server's order", matched, len(queries))
}

// On a phone the tables turn into cards: each row no wider than the
// screen, each cell led by its column's name, and the milestones and
// action items of a postmortem no longer cut off.
func TestTablesReflowOnPhones(t *testing.T) {
	s := newSession(t)
	ts := serveSite(t, buildExamples(t), false)
	for _, p := range []struct{ path, table string }{
		{"actions/", "#action-table"},
		{"postmortems/", "#postmortem-table"},
		{"severity/", ".terms-table"},
		{"2019-06-28-homepage-404/", ".milestones"},
		{"2019-06-28-homepage-404/", ".action-table"},
	} {
		s.do(t, chromedp.EmulateViewport(390, 800), chromedp.Navigate(ts.URL+"/"+p.path), chromedp.WaitReady("body"))
		fits := eval[bool](t, s, `(() => {
			const rows = document.querySelectorAll('`+p.table+` tbody tr');
			return rows.length > 0 && [...rows].every(r => r.getBoundingClientRect().right <= document.documentElement.clientWidth + 1);
		})()`)
		if !fits {
			t.Errorf("%s: the rows of %s run past a 390-pixel screen", p.path, p.table)
		}
		label := eval[string](t, s, `getComputedStyle(document.querySelector('`+p.table+` tbody td[data-label]'), '::before').content`)
		if label == "" || label == "none" || label == "normal" {
			t.Errorf("%s: the cells of %s are not led by their column's name (%q)", p.path, p.table, label)
		}
	}
	s.do(t, chromedp.EmulateViewport(1280, 800), chromedp.Navigate(ts.URL+"/actions/"), chromedp.WaitReady("body"))
	if label := eval[string](t, s, `getComputedStyle(document.querySelector('#action-table tbody td[data-label]'), '::before').content`); label != "none" && label != "normal" {
		t.Errorf("on a wide screen the action table's cells have labels too (%q)", label)
	}
}

// Charts fit a phone: at 390 pixels each shows the drawing made for that
// width, whose text stays at least 10 pixels tall and which runs past no
// edge; at 1280 the wide drawing shows, and only it.
func TestChartsFitPhones(t *testing.T) {
	s := newSession(t)
	ts := serveSite(t, buildExamples(t), false)
	s.do(t, chromedp.EmulateViewport(390, 800), chromedp.Navigate(ts.URL+"/metrics/"), chromedp.WaitReady("body"))
	bad := eval[string](t, s, `(() => {
		const problems = [], w = document.documentElement.clientWidth;
		const figs = document.querySelectorAll('.chart-figure');
		if (figs.length === 0) return 'no charts';
		for (const f of figs) {
			const shown = [...f.querySelectorAll('svg.chart')].filter(c => c.getBoundingClientRect().width > 0);
			if (shown.length !== 1 || !shown[0].closest('.chart-narrow')) { problems.push(f.id + ': ' + shown.length + ' drawings shown, not the narrow one'); continue; }
			const r = shown[0].getBoundingClientRect();
			if (r.right > w + 1 || r.left < 0) problems.push(f.id + ' runs past the screen');
			const tick = shown[0].querySelector('text');
			if (tick && tick.getBoundingClientRect().height < 10) problems.push(f.id + ': text ' + tick.getBoundingClientRect().height.toFixed(1) + 'px tall');
		}
		return problems.join('; ');
	})()`)
	if bad != "" {
		t.Errorf("at 390 pixels: %s", bad)
	}
	s.do(t, chromedp.EmulateViewport(1280, 800), chromedp.Navigate(ts.URL+"/metrics/"), chromedp.WaitReady("body"))
	if bad := eval[string](t, s, `[...document.querySelectorAll('.chart-figure')].filter(f => {
		const shown = [...f.querySelectorAll('svg.chart')].filter(c => c.getBoundingClientRect().width > 0);
		return shown.length !== 1 || !shown[0].closest('.chart-wide');
	}).map(f => f.id).join(' ')`); bad != "" {
		t.Errorf("at 1280 pixels these charts do not show the wide drawing alone: %s", bad)
	}
}

// The action items page groups its rows by owner on demand, each group
// under a heading that counts its items and the overdue ones; filters and
// sorting keep the groups; ungrouping gives the order back; the choice is
// in the address.
func TestGroupActionsByOwner(t *testing.T) {
	s := newSession(t)
	ts := serveSite(t, buildExamples(t), false)
	s.do(t, chromedp.Navigate(ts.URL+"/actions/"), chromedp.WaitVisible(`form[data-filter-for=action-table]`))
	before := eval[string](t, s, `[...document.querySelectorAll('#action-table tbody tr:not(.group-row)')].map(r => r.dataset.ref).join(' ')`)
	check := func(when string) {
		t.Helper()
		bad := eval[string](t, s, `(() => {
			let owner = null, problems = [];
			for (const r of document.querySelectorAll('#action-table tbody tr')) {
				if (r.classList.contains('group-row')) { owner = r.textContent.split(' · ')[0]; continue; }
				if (r.hidden) continue;
				if (owner === null || (r.dataset.owner || 'No owner') !== owner) problems.push(r.dataset.ref + ' under ' + owner);
			}
			const owners = new Set([...document.querySelectorAll('#action-table tbody tr:not(.group-row):not([hidden])')].map(r => r.dataset.owner));
			const heads = document.querySelectorAll('#action-table tbody tr.group-row:not([hidden])').length;
			if (heads !== owners.size) problems.push(heads + ' headings for ' + owners.size + ' owners');
			return problems.join('; ');
		})()`)
		if bad != "" {
			t.Errorf("%s: %s", when, bad)
		}
	}
	s.do(t, chromedp.Click(`#group-owner`, chromedp.NodeVisible))
	check("grouped")
	if q := eval[string](t, s, `location.search`); !strings.Contains(q, "group=owner") {
		t.Errorf("the address does not keep the grouping: %q", q)
	}
	s.do(t, chromedp.Click(`#filter-overdue`, chromedp.NodeVisible))
	check("grouped, overdue only")
	if heading := eval[string](t, s, `document.querySelector('#action-table tbody tr.group-row:not([hidden])').textContent`); !strings.Contains(heading, "overdue") {
		t.Errorf("a group of overdue items does not count them: %q", heading)
	}
	s.do(t, chromedp.Click(`#filter-overdue`, chromedp.NodeVisible))
	s.do(t, chromedp.Click(`#action-table thead th[data-sort=due] button`, chromedp.NodeVisible))
	check("grouped, sorted by due date")
	s.do(t, chromedp.Click(`#action-table thead th[data-sort=due] button`, chromedp.NodeVisible))
	s.do(t, chromedp.Click(`#group-owner`, chromedp.NodeVisible))
	if n := eval[int](t, s, `document.querySelectorAll('#action-table tr.group-row').length`); n != 0 {
		t.Errorf("%d group headings after ungrouping", n)
	}
	s.do(t, chromedp.Navigate(ts.URL+"/actions/?group=owner"), chromedp.WaitVisible(`form[data-filter-for=action-table]`))
	check("from the address")
	s.do(t, chromedp.Click(`#group-owner`, chromedp.NodeVisible))
	if after := eval[string](t, s, `[...document.querySelectorAll('#action-table tbody tr:not(.group-row)')].map(r => r.dataset.ref).join(' ')`); after != before {
		t.Errorf("ungrouping did not give the order back:\n%s\n%s", before, after)
	}
	s.noErrors(t, "/actions/")
}
