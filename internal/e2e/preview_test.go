package e2e

import (
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/hindsight-dev/hindsight/internal/server"
)

// TestPreviewBanner: every page of the preview shows, in a banner read
// from /api/status, the errors that make the check fail (a hostile
// message shown as the text it is, linked to its file's page) and why a
// rebuild failed when one does; the banner goes once the errors are fixed
// and the pages reload.
func TestPreviewBanner(t *testing.T) {
	s := newSession(t)
	srv := server.New(server.Options{Dir: buildExamples(t), Base: "/", LiveReload: true})
	ts := httptest.NewServer(srv)
	// The page's event stream stays open: end it, or Close waits for it.
	t.Cleanup(func() { srv.Stop(); ts.Close() })
	hostile := `<img src=x onerror="window.__xss=1">`
	srv.SetStatus(server.Status{ErrorCount: 1, Files: 1, Errors: []server.StatusError{
		{File: "postmortems/broken.md", Line: 3, Col: 1, Message: hostile, URL: "/2019-06-28-homepage-404/"},
	}})
	for _, p := range []string{"/", "/metrics/", "/no-such-page/"} {
		s.do(t, chromedp.Navigate(ts.URL+p), chromedp.WaitVisible(`.livereload-banner li`))
		text := eval[string](t, s, `document.querySelector('.livereload-banner').textContent`)
		for _, want := range []string{"1 error in 1 file", "postmortems/broken.md:3:1", hostile} {
			if !strings.Contains(text, want) {
				t.Errorf("%s: the banner %q lacks %q", p, text, want)
			}
		}
		if href := eval[string](t, s, `document.querySelector('.livereload-banner a').getAttribute('href')`); href != "/2019-06-28-homepage-404/" {
			t.Errorf("%s: the banner links to %q", p, href)
		}
		if eval[bool](t, s, `window.__xss === 1 || !!document.querySelector('.livereload-banner img')`) {
			t.Errorf("%s: the message ran as HTML", p)
		}
	}
	// A rebuild fails while the page is open: the reason joins the errors.
	// (Sent again until it shows: the page may not be listening yet.)
	for deadline := time.Now().Add(10 * time.Second); !eval[bool](t, s, `!!document.querySelector('.livereload-rebuild')`); {
		if time.Now().After(deadline) {
			t.Fatal("the failed rebuild never showed")
		}
		srv.Failed("hindsight.yaml: line 2: unknown key")
		s.do(t, chromedp.Sleep(100*time.Millisecond))
	}
	if text := eval[string](t, s, `document.querySelector('.livereload-banner').textContent`); !strings.Contains(text, "The last rebuild failed, this page is out of date: hindsight.yaml: line 2: unknown key") || !strings.Contains(text, "1 error") {
		t.Errorf("after a failed rebuild the banner reads %q", text)
	}
	// Fixed: the next build has no errors, and the reloaded page no banner.
	srv.SetStatus(server.Status{})
	srv.Reload()
	deadline := time.Now().Add(10 * time.Second)
	for eval[bool](t, s, `!!document.querySelector('.livereload-banner')`) {
		if time.Now().After(deadline) {
			t.Fatal("the banner stayed after the fix")
		}
		s.do(t, chromedp.Sleep(50*time.Millisecond))
	}
	s.noErrors(t, "preview")
}
