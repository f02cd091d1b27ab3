package e2e

// Accessibility: axe-core checks the main pages of the example site, in
// the light and the dark theme. The tests use no network: axe.min.js comes
// from $HINDSIGHT_AXE (.ci/run installs axe-core with npm and sets it) or
// testdata/axe.min.js.

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// axeSource reads axe.min.js; without it the test is skipped, except in
// CI, where its absence is a failure.
func axeSource(t *testing.T) string {
	t.Helper()
	path := os.Getenv("HINDSIGHT_AXE")
	if path == "" {
		path = "testdata/axe.min.js"
	}
	src, err := os.ReadFile(path)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("axe-core not found (%v); .ci/run installs it and sets HINDSIGHT_AXE", err)
		}
		t.Skipf("axe-core not found (%v): npm install --no-save --prefix /tmp/axe axe-core@4, then set HINDSIGHT_AXE=/tmp/axe/node_modules/axe-core/axe.min.js", err)
	}
	return string(src)
}

// axeViolation is what the test keeps of an axe result.
type axeViolation struct {
	ID      string   `json:"id"`
	Impact  string   `json:"impact"`
	Help    string   `json:"help"`
	Nodes   int      `json:"nodes"`
	Targets []string `json:"targets"`
}

// axeRun runs axe on the document, with the options given as a JavaScript
// object, and returns its violations.
const axeRun = `axe.run(document, Object.assign({resultTypes: ['violations']}, %s)).then(r => r.violations.map(v => ({
  id: v.id, impact: v.impact || '', help: v.help, nodes: v.nodes.length,
  targets: v.nodes.slice(0, 4).map(n => n.target.join(' ') + ': ' + (n.failureSummary || '').split('\n').slice(1, 3).join(' ').trim())
})))`

// TestAccessibility runs axe on the main pages, with every rule in the
// light theme and the colour rules again in the dark one, and fails on
// every serious or critical violation.
func TestAccessibility(t *testing.T) {
	src := axeSource(t) + "\n;typeof axe === 'object'"
	base := searchSites(t)["server"]
	t.Parallel() // after the build, which changes the working directory
	s := newSession(t)
	for _, p := range []struct{ name, path, wait string }{
		{"home", "", "main"},
		{"list", "postmortems/", "table[data-sortable]"},
		{"postmortem", "2019-06-28-homepage-404/", "article.prose"},
		{"actions", "actions/", "main"},
		{"metrics", "metrics/", "main"},
		{"search", "search/?q=certificate", "#search-hits li"},
		{"terms", "tags/", "main"},
		{"term", "tags/dns/", "main"},
		{"not found", "no-such-page/", "main"},
	} {
		s.do(t, chromedp.Navigate(base+"/"+p.path), chromedp.WaitVisible(chromedp.CSS(p.wait)))
		// The page's CSP does not apply to what DevTools evaluates, so axe
		// runs in the page without a script element.
		if !eval[bool](t, s, src) {
			t.Fatal("axe did not load")
		}
		for _, theme := range []string{"light", "dark"} {
			opts := "{}"
			if theme == "dark" {
				opts = "{runOnly: {type: 'rule', values: ['color-contrast', 'link-in-text-block']}}"
			}
			eval[bool](t, s, fmt.Sprintf(`document.documentElement.setAttribute('data-theme', %q), true`, theme))
			s.do(t, chromedp.Sleep(250*time.Millisecond)) // the colour transitions
			vs, err := chromedp.Run(s.ctx, chromedp.Evaluate[[]axeViolation](fmt.Sprintf(axeRun, opts), chromedp.EvalAwaitPromise))
			if err != nil {
				t.Fatalf("%s: axe.run: %v", p.name, err)
			}
			for _, v := range vs {
				msg := fmt.Sprintf("%s (/%s, %s theme): %s [%s] on %d elements: %s\n\t%s", p.name, p.path, theme, v.ID, v.Impact, v.Nodes, v.Help, strings.Join(v.Targets, "\n\t"))
				if v.Impact == "serious" || v.Impact == "critical" {
					t.Error(msg)
				} else {
					t.Log(msg)
				}
			}
		}
		s.noErrors(t, p.name)
	}
}
