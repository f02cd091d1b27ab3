package e2e

// The hostile corpus (testdata/hostile) carries XSS vectors in every
// free-text value of the front matter, in the config and in the body. These
// tests build it and prove that nothing of it runs: in the built HTML (no
// script but the site's own, no event handler attribute, no script URL,
// the CSP on every page) and in Chromium (no dialog, no injected global,
// no CSP violation, with the CSP enforced and with it bypassed, so that an
// injected script would run), on the server and on a static host,
// including the search page and the list filters.

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"html"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/hindsight-dev/hindsight/internal/cli"
	"github.com/hindsight-dev/hindsight/internal/search"
	"github.com/hindsight-dev/hindsight/internal/server"
	"github.com/hindsight-dev/hindsight/internal/site"
)

// Titles of the hostile corpus that the tests look for, as written.
const (
	zanzibarTitle = `Zanzibar <script>window.__xss=1;alert(1)</script> checkout outage`
	quokkaTitle   = `Quokka </mark><img src=x onerror="window.__xss=1;alert(1)"><mark> ]]><script>window.__xss=1</script> --> feed`
)

// buildHostile copies the hostile corpus to a temporary folder, so that no
// enclosing git repository verifies its commits, and builds it with drafts.
func buildHostile(t *testing.T) string {
	t.Helper()
	root := filepath.Join(t.TempDir(), "corpus")
	if err := os.CopyFS(root, os.DirFS("testdata/hostile")); err != nil {
		t.Fatal(err)
	}
	return buildIn(t, root, "--drafts")
}

// sitePages lists the URL path of every HTML page of a built site.
func sitePages(t *testing.T, dir string) []string {
	t.Helper()
	var pages []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && p != dir && strings.HasPrefix(d.Name(), ".") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(p, ".html") {
			return nil
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		pages = append(pages, "/"+strings.TrimSuffix(filepath.ToSlash(rel), "index.html"))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(pages)
	if len(pages) < 20 {
		t.Fatalf("only %d pages in %s", len(pages), dir)
	}
	return pages
}

// htmlTag is a start or end tag, with its attributes decoded as a browser
// decodes them.
type htmlTag struct {
	name  string
	end   bool
	attrs map[string]string
	order []string
	text  string // the content of a raw-text element: script, style, title, textarea
	line  int
}

// rawText elements end only at their end tag.
var rawText = map[string]bool{"script": true, "style": true, "title": true, "textarea": true, "xmp": true, "iframe": true, "noembed": true, "noframes": true, "plaintext": true}

// scanTags tokenizes an HTML document as the HTML tokenizer does for the
// states a page of the site can reach: text, comments, doctype, tags with
// quoted or unquoted attributes, and raw-text elements. A '<' that starts
// no tag is text.
func scanTags(doc string) ([]htmlTag, error) {
	var tags []htmlTag
	lineAt := func(i int) int { return strings.Count(doc[:i], "\n") + 1 }
	isSpace := func(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r' }
	i := 0
	for {
		j := strings.IndexByte(doc[i:], '<')
		if j < 0 {
			return tags, nil
		}
		i += j
		rest := doc[i:]
		switch {
		case strings.HasPrefix(rest, "<!--"):
			k := strings.Index(rest[4:], "-->")
			if k < 0 {
				return tags, fmt.Errorf("line %d: unterminated comment", lineAt(i))
			}
			i += 4 + k + 3
			continue
		case strings.HasPrefix(rest, "<!"), strings.HasPrefix(rest, "<?"):
			k := strings.IndexByte(rest, '>')
			if k < 0 {
				return tags, fmt.Errorf("line %d: unterminated declaration", lineAt(i))
			}
			i += k + 1
			continue
		}
		tag := htmlTag{line: lineAt(i), attrs: map[string]string{}}
		p := 1
		if strings.HasPrefix(rest, "</") {
			tag.end, p = true, 2
		}
		if p >= len(rest) || !('a' <= rest[p]|32 && rest[p]|32 <= 'z') {
			i++ // a '<' in text
			continue
		}
		start := p
		for p < len(rest) && !isSpace(rest[p]) && rest[p] != '/' && rest[p] != '>' {
			p++
		}
		tag.name = strings.ToLower(rest[start:p])
		for {
			for p < len(rest) && (isSpace(rest[p]) || rest[p] == '/') {
				p++
			}
			if p >= len(rest) {
				return tags, fmt.Errorf("line %d: unterminated <%s>", tag.line, tag.name)
			}
			if rest[p] == '>' {
				p++
				break
			}
			start := p
			p++ // the first character may be '='
			for p < len(rest) && !isSpace(rest[p]) && !strings.ContainsRune("/>=", rune(rest[p])) {
				p++
			}
			name := strings.ToLower(rest[start:p])
			for p < len(rest) && isSpace(rest[p]) {
				p++
			}
			value := ""
			if p < len(rest) && rest[p] == '=' {
				p++
				for p < len(rest) && isSpace(rest[p]) {
					p++
				}
				if p < len(rest) && (rest[p] == '"' || rest[p] == '\'') {
					k := strings.IndexByte(rest[p+1:], rest[p])
					if k < 0 {
						return tags, fmt.Errorf("line %d: unterminated attribute %s of <%s>", tag.line, name, tag.name)
					}
					value = rest[p+1 : p+1+k]
					p += k + 2
				} else {
					start := p
					for p < len(rest) && !isSpace(rest[p]) && rest[p] != '>' {
						p++
					}
					value = rest[start:p]
				}
			}
			if _, dup := tag.attrs[name]; !dup { // the first one wins
				tag.attrs[name] = html.UnescapeString(value)
				tag.order = append(tag.order, name)
			}
		}
		i += p
		if !tag.end && rawText[tag.name] {
			k := strings.Index(strings.ToLower(doc[i:]), "</"+tag.name)
			if k < 0 {
				return tags, fmt.Errorf("line %d: <%s> never ends", tag.line, tag.name)
			}
			tag.text = doc[i : i+k]
			i += k
		}
		tags = append(tags, tag)
	}
}

// urlAttrs hold URLs that a browser may load or navigate to.
var urlAttrs = map[string]bool{"href": true, "src": true, "action": true, "formaction": true, "xlink:href": true, "data": true, "poster": true, "background": true, "cite": true, "ping": true, "srcset": true, "codebase": true, "manifest": true, "icon": true, "longdesc": true}

// forbidden elements can run or load active content, or change where
// relative URLs go.
var forbidden = map[string]bool{"iframe": true, "frame": true, "frameset": true, "object": true, "embed": true, "applet": true, "base": true, "portal": true, "style": true, "math": true}

var (
	unsafeScheme = regexp.MustCompile(`(?i)^(javascript|vbscript|data|livescript|mocha):`)
	siteScript   = regexp.MustCompile(`^/static/[a-z-]+\.js\?v=[0-9a-f]+$`)
)

// stripURL removes what browsers drop from a URL before they read its
// scheme: leading and trailing C0 controls and spaces, and tabs and
// newlines anywhere.
func stripURL(u string) string {
	u = strings.TrimFunc(u, func(r rune) bool { return r <= ' ' })
	return strings.NewReplacer("\t", "", "\n", "", "\r", "").Replace(u)
}

// auditHTML reports what in a page of the site could run or load script:
// any script but the site's own files, an event handler attribute, a
// script or data URL, an element that embeds or redirects; and a missing
// or weak Content-Security-Policy.
func auditHTML(doc string) []string {
	tags, err := scanTags(doc)
	if err != nil {
		return []string{err.Error()}
	}
	var bad []string
	report := func(tag htmlTag, format string, args ...any) {
		bad = append(bad, fmt.Sprintf("line %d: <%s>: %s", tag.line, tag.name, fmt.Sprintf(format, args...)))
	}
	csp, firstScript := -1, -1
	for n, tag := range tags {
		if tag.end {
			continue
		}
		for _, name := range tag.order {
			v := tag.attrs[name]
			if strings.HasPrefix(name, "on") {
				report(tag, "event handler attribute %s=%q", name, v)
			}
			if name == "srcdoc" || name == "style" {
				report(tag, "attribute %s=%q", name, v)
			}
			if urlAttrs[name] && unsafeScheme.MatchString(stripURL(v)) {
				report(tag, "%s=%q", name, v)
			}
		}
		switch {
		case forbidden[tag.name]:
			report(tag, "element not allowed")
		case tag.name == "script":
			if firstScript < 0 {
				firstScript = n
			}
			if !siteScript.MatchString(tag.attrs["src"]) || strings.TrimSpace(tag.text) != "" || len(tag.order) > 2 {
				report(tag, "not one of the site's scripts: attributes %v, content %q", tag.attrs, tag.text)
			}
		case tag.name == "meta":
			switch strings.ToLower(tag.attrs["http-equiv"]) {
			case "refresh", "set-cookie":
				report(tag, "http-equiv %q", tag.attrs["http-equiv"])
			case "content-security-policy":
				if csp >= 0 {
					report(tag, "a second CSP")
				}
				csp = n
				c := tag.attrs["content"]
				for _, want := range []string{"default-src 'self'", "script-src 'self'", "object-src 'none'", "base-uri 'self'"} {
					if !strings.Contains(c, want) {
						report(tag, "the CSP %q lacks %q", c, want)
					}
				}
				if strings.Contains(c, "unsafe-") || strings.Contains(c, "*") {
					report(tag, "the CSP %q is weakened", c)
				}
			}
		}
	}
	if csp < 0 {
		bad = append(bad, "no Content-Security-Policy meta tag")
	} else if firstScript >= 0 && firstScript < csp {
		bad = append(bad, "a script comes before the Content-Security-Policy")
	}
	return bad
}

// TestScanTags checks the tokenizer the audit relies on against the
// attacks it must see, and the escaped text it must not mistake for tags.
func TestScanTags(t *testing.T) {
	for doc, want := range map[string]int{
		`<p>&lt;script&gt;alert(1)&lt;/script&gt; &#34; onmouseover=&#34;alert(1)</p>`: 0,
		`<a href="x" title="&#34; onclick=&#34;alert(1)">t</a>`:                        0,
		`<a href="java&#x09;script:alert(1)">x</a>`:                                    1,
		`<a href=" JaVaScRiPt:alert(1)">x</a>`:                                         1,
		`<img src=x onerror=alert(1)>`:                                                 1,
		`<svg/onload=alert(1)>`:                                                        1,
		`<a title='x' onmouseover='alert(1)'>`:                                         1,
		`<p title="</title><script>alert(1)</script>">`:                                0,
		`<title></title><script>alert(1)</script>`:                                     1,
		`<!-- <script>alert(1)</script> --><p>`:                                        0,
		`<iframe srcdoc="x"></iframe>`:                                                 2,
		`<a href="data:text/html,x">`:                                                  1,
	} {
		var got []string
		for _, b := range auditHTML(doc) {
			if !strings.Contains(b, "Content-Security-Policy") {
				got = append(got, b)
			}
		}
		if len(got) != want {
			t.Errorf("%s: %d findings, want %d: %q", doc, len(got), want, got)
		}
	}
}

// TestHostileHTML builds the hostile corpus and audits every page of the
// output, the feed and the sitemap, and checks that the payloads are there,
// as text.
func TestHostileHTML(t *testing.T) {
	out := buildHostile(t)
	pages := 0
	err := filepath.WalkDir(out, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(out, p)
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		switch filepath.Ext(p) {
		case ".html":
			pages++
			for _, b := range auditHTML(string(data)) {
				t.Errorf("%s: %s", rel, b)
			}
		case ".xml":
			for _, b := range auditXML(data) {
				t.Errorf("%s: %s", rel, b)
			}
		case ".json":
			if !json.Valid(data) {
				t.Errorf("%s: not valid JSON", rel)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if pages < 20 {
		t.Errorf("only %d pages", pages)
	}
	// The payloads are shown, escaped: not dropped, not run, not evaluated
	// as templates.
	for page, wants := range map[string][]string{
		"2024-03-01-script-tags/index.html": {
			"<h1>Zanzibar &lt;script&gt;window.__xss=1;alert(1)&lt;/script&gt; checkout outage</h1>",
			"<dd>&lt;script&gt;window.__xss=1;alert(1)&lt;/script&gt;@example.com</dd>",
		},
		"2024-03-02-img-onerror/index.html": {"&#34; onmouseover=&#34;window.__xss=1;alert(1)"},
		"2024-03-04-template-unicode/index.html": {
			"{{.}} {{template &#34;main&#34; .}}", "＜script＞window.__xss=1＜/script＞", "\u202egnp.exe", "&amp;lt;script&amp;gt;",
		},
		"index.html": {"Hostile &lt;script&gt;window.__xss=1;alert(1)&lt;/script&gt; postmortems"},
	} {
		data, err := os.ReadFile(filepath.Join(out, page))
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range wants {
			if !bytes.Contains(data, []byte(w)) {
				t.Errorf("%s does not show %q", page, w)
			}
		}
	}
}

// auditXML checks that a feed or sitemap is well-formed XML whose text
// elements are plain text, which feed readers do not render as HTML.
func auditXML(data []byte) []string {
	var bad []string
	d := xml.NewDecoder(bytes.NewReader(data))
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			return bad
		}
		if err != nil {
			return append(bad, err.Error())
		}
		if se, ok := tok.(xml.StartElement); ok {
			if l := strings.ToLower(se.Name.Local); l == "script" || l == "html" || l == "div" {
				bad = append(bad, fmt.Sprintf("element <%s>", se.Name.Local))
			}
			for _, a := range se.Attr {
				if a.Name.Local == "type" && (a.Value == "html" || a.Value == "xhtml") {
					bad = append(bad, fmt.Sprintf("<%s type=%q>: readers render it as HTML", se.Name.Local, a.Value))
				}
				if strings.HasPrefix(strings.ToLower(a.Name.Local), "on") || (a.Name.Local == "href" && unsafeScheme.MatchString(stripURL(a.Value))) {
					bad = append(bad, fmt.Sprintf("<%s %s=%q>", se.Name.Local, a.Name.Local, a.Value))
				}
			}
		}
	}
}

// pageAudit runs in the page: what the DOM holds after the site's scripts
// ran that could run script, and whether injected code ran
// (window.__xss) or was refused by the CSP (window.__csp, recorded by
// watchCSP).
const pageAudit = `(() => {
  const bad = [];
  const urlAttrs = new Set(['href','src','action','formaction','xlink:href','data','poster','background','cite','ping','srcset']);
  const forbidden = new Set(['iframe','frame','frameset','object','embed','applet','base','portal','style','math']);
  for (const el of document.querySelectorAll('*')) {
    const tag = el.localName;
    for (const a of el.attributes) {
      const n = a.name.toLowerCase();
      if (n.startsWith('on') || n === 'srcdoc') bad.push(tag + ' has ' + n + '=' + a.value.slice(0, 80));
      if (urlAttrs.has(n) && /^(javascript|vbscript|data):/i.test(a.value.replace(/[\u0000-\u0020]/g, ''))) bad.push(tag + ' ' + n + '=' + a.value.slice(0, 80));
    }
    if (forbidden.has(tag)) bad.push('element ' + tag);
    if (tag === 'meta' && /refresh/i.test(el.getAttribute('http-equiv') || '')) bad.push('meta refresh');
    if (tag === 'script' && (!/^\/static\/[a-z-]+\.js\?v=[0-9a-f]+$/.test(el.getAttribute('src') || '') || el.textContent.trim() !== '')) bad.push('script ' + el.outerHTML.slice(0, 120));
  }
  if (typeof window.__xss !== 'undefined') bad.push('window.__xss is set: injected script ran');
  for (const v of (window.__csp || [])) bad.push('CSP violation: ' + v);
  return bad;
})()`

// watchCSP records the page's CSP violations in window.__csp, from before
// any script of the page runs. DevTools adds the script, so the page's CSP
// does not apply to it.
func (s *session) watchCSP(t *testing.T) {
	t.Helper()
	_, err := chromedp.Call(s.ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: `
window.__csp = [];
document.addEventListener('securitypolicyviolation', function (e) {
  window.__csp.push(e.violatedDirective + ' blocked ' + (e.blockedURI || 'inline') + ' at line ' + e.lineNumber + ': ' + (e.sample || ''));
});`})
	if err != nil {
		t.Fatal(err)
	}
}

// audit checks the page in the tab now.
func (s *session) audit(t *testing.T, what string) {
	t.Helper()
	for _, b := range eval[[]string](t, s, pageAudit) {
		t.Errorf("%s: %s", what, b)
	}
	s.noErrors(t, what)
}

// hostileServers serves a built site by the server (search API, no live
// reload) and by a plain file server.
func hostileServers(t *testing.T, out string) map[string]string {
	ix, err := search.Open(filepath.Join(out, site.IndexDir))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ix.Close() })
	api := httptest.NewServer(server.New(server.Options{Dir: out, Base: "/", Search: ix, LiveReload: false}))
	t.Cleanup(api.Close)
	static := httptest.NewServer(http.FileServer(http.Dir(out)))
	t.Cleanup(static.Close)
	return map[string]string{"server": api.URL, "static": static.URL}
}

// TestHostileBrowser opens every page of the hostile site in Chromium and
// drives its scripts. With the CSP bypassed, on the server and on a static
// host, an injected script would run, set window.__xss or open a dialog;
// with it enforced (on the server, which sends it as a header too) the
// browser must report no violation: nothing tried to run. The pages are
// the same bytes on both hosts; the search backends differ (the API's
// highlighted fragments, the static index).
func TestHostileBrowser(t *testing.T) {
	out := buildHostile(t)
	pages := sitePages(t, out)
	servers := hostileServers(t, out)
	t.Parallel() // after the build, which changes the working directory
	for _, c := range []struct {
		host   string
		bypass bool
	}{{"server", true}, {"static", true}, {"server", false}} {
		mode := "csp"
		if c.bypass {
			mode = "bypass-csp"
		}
		t.Run(c.host+"/"+mode, func(t *testing.T) {
			t.Parallel()
			base := servers[c.host]
			s := newSession(t)
			ctx, cancel := context.WithTimeout(s.ctx, 60*time.Second)
			defer cancel()
			s.ctx = ctx
			s.watchCSP(t)
			if _, err := chromedp.Call(s.ctx, page.SetBypassCSP, page.SetBypassCSPParams{Enabled: c.bypass}); err != nil {
				t.Fatal(err)
			}
			// Prove the mode: an inline script element runs only when the
			// CSP is bypassed.
			s.do(t, chromedp.Navigate(base+"/"), chromedp.WaitReady("body"))
			ran := eval[bool](t, s, `(() => { const e = document.createElement('script'); e.textContent = 'window.__probe = 1'; document.head.appendChild(e); e.remove(); const ran = window.__probe === 1; delete window.__probe; window.__csp = []; return ran })()`)
			if ran != c.bypass {
				t.Fatalf("an inline script ran: %v, with the CSP bypassed: %v", ran, c.bypass)
			}
			s.noErrors(t, "probe")

			t0 := time.Now()
			for _, p := range pages {
				s.do(t, chromedp.Navigate(base+p), chromedp.WaitReady("body"))
				s.audit(t, p)
			}
			t1 := time.Now()
			hostileInteractions(t, s, base)
			t.Logf("%d pages in %v, interactions in %v", len(pages), t1.Sub(t0).Round(time.Millisecond), time.Since(t1).Round(time.Millisecond))
		})
	}
}

// hostileInteractions drives the scripts of the site over the hostile
// values: the search page with queries that match hostile titles and
// bodies, hostile query strings, the search box, and every list filter.
func hostileInteractions(t *testing.T, s *session, base string) {
	t.Helper()
	for q, title := range map[string]string{"zanzibar": zanzibarTitle, "quokka": quokkaTitle} {
		s.do(t, chromedp.Navigate(base+"/search/?q="+q), chromedp.WaitVisible(`#search-hits li`))
		// The title is shown as the text it is.
		if got := eval[string](t, s, `document.querySelector('#search-hits li a').textContent.trim()`); got != title {
			t.Errorf("search %q: the first hit reads %q, want %q", q, got, title)
		}
		s.audit(t, "search "+q)
	}
	for _, q := range []string{"script", "onerror"} {
		s.do(t, chromedp.Navigate(base+"/search/?q="+q), chromedp.WaitVisible(`#search-hits li`))
		// Apply each facet in turn: their values are hostile service names.
		n := eval[int](t, s, `document.querySelectorAll('#search-facets input[type=radio]').length`)
		if n < 4 {
			t.Errorf("search %q: only %d facet values", q, n)
		}
		for i := range min(n, 10) {
			eval[bool](t, s, fmt.Sprintf(`(() => { const b = document.querySelectorAll('#search-facets input[type=radio]')[%d]; if (b) b.click(); return true })()`, i))
			s.do(t, chromedp.Sleep(40*time.Millisecond))
		}
		s.audit(t, "search "+q+" with facets")
	}
	// Hostile query strings on the pages whose scripts read them.
	for _, p := range []string{
		"/search/?q=" + url.QueryEscape(`<img src=x onerror="window.__xss=1;alert(1)">`) + "&service=" + url.QueryEscape(`"><svg onload=window.__xss=1>`),
		"/search/?q=" + url.QueryEscape(`javascript:window.__xss=1`) + "&page=" + url.QueryEscape(`<script>`) + "&year=" + url.QueryEscape(`1<script>`),
		"/postmortems/?service=" + url.QueryEscape(`<img src=x onerror="window.__xss=1;alert(1)">`) + "&severity=" + url.QueryEscape(`" onmouseover="window.__xss=1`),
		"/actions/?owner=" + url.QueryEscape(`" onmouseover="window.__xss=1;alert(1)`) + "&overdue=" + url.QueryEscape(`<script>window.__xss=1</script>`),
	} {
		s.do(t, chromedp.Navigate(base+p), chromedp.WaitReady("body"), chromedp.Sleep(150*time.Millisecond))
		s.audit(t, p)
	}
	// Search as you type, in the header box.
	s.do(t,
		chromedp.Navigate(base+"/"),
		chromedp.WaitVisible(`header form[role=search] input[name=q]`),
		chromedp.SendKeys(`header form[role=search] input[name=q]`, "zanz"),
		chromedp.WaitVisible(`[role=listbox] [role=option]`),
	)
	if got := eval[string](t, s, `document.querySelector('[role=listbox] [role=option]').textContent`); !strings.Contains(got, zanzibarTitle) {
		t.Errorf("the search box's option reads %q", got)
	}
	s.audit(t, "search box")
	// Every option of every filter of the list and the action tracker.
	for _, p := range []string{"/postmortems/", "/actions/"} {
		s.do(t, chromedp.Navigate(base+p), chromedp.WaitVisible(`form[data-filter-for]`))
		n := eval[int](t, s, `(() => {
  let n = 0;
  for (const sel of document.querySelectorAll('form[data-filter-for] select')) {
    for (const o of sel.options) { sel.value = o.value; sel.dispatchEvent(new Event('change', {bubbles: true})); n++ }
    sel.value = '';
    sel.dispatchEvent(new Event('change', {bubbles: true}));
  }
  for (const b of document.querySelectorAll('table[data-sortable] th button')) b.click();
  return n
})()`)
		if n < 5 {
			t.Errorf("%s: only %d filter options", p, n)
		}
		s.audit(t, p+" filters")
	}
}

// TestHostileCheckRejects proves that the values the format constrains
// cannot carry a payload: `hindsight check` (default config) fails with an
// error at each, rather than passing it on to the site.
func TestHostileCheckRejects(t *testing.T) {
	const front = `title: Fine
date: 2024-03-01
status: published
severity: SEV2
summary: Fine.
owner: sre@example.com
services:
  - web
tags:
  - web
visibility: internal
times:
  started: 2024-03-01T10:00:00Z
  detected: 2024-03-01T10:05:00Z
  resolved: 2024-03-01T11:00:00Z
`
	const body = `
## Impact

Some.

## Timeline

- 10:00 — Began.
- 11:00 — Ended.

## Root cause

A cause.

## Resolution

A fix.

## Detection

An alert.

## Trigger

A deploy.

## Lessons learned

Some.
`
	const xss = `<script>alert(1)</script>`
	cases := []struct {
		name       string
		old, new   string // a replacement in the front matter
		extra      string // lines added to the front matter
		body, rule string
		gap        bool // a known gap of check: skipped, listed in the report
	}{
		{name: "control"},
		{name: "tag", old: "  - web\nvisibility", new: "  - '" + xss + "'\nvisibility", rule: "invalid-value"},
		{name: "tag breakout", old: "  - web\nvisibility", new: "  - '\" onmouseover=\"alert(1)'\nvisibility", rule: "invalid-value"},
		{name: "id", extra: "id: '" + xss + "'", rule: "invalid-value"},
		{name: "severity", old: "severity: SEV2", new: "severity: '" + xss + "'", rule: "invalid-value"},
		{name: "status", old: "status: published", new: "status: '" + xss + "'", rule: "invalid-value"},
		{name: "visibility", old: "visibility: internal", new: "visibility: 'javascript:alert(1)'", rule: "invalid-value"},
		{name: "date", old: "date: 2024-03-01", new: "date: '" + xss + "'", rule: "invalid-value"},
		{name: "review date", extra: "review_date: '" + xss + "'", rule: "invalid-value"},
		{name: "time", old: "detected: 2024-03-01T10:05:00Z", new: "detected: '" + xss + "'", rule: "invalid-value"},
		{name: "milestone name", old: "  resolved:", new: "  '" + xss + "': 2024-03-01T10:30:00Z\n  resolved:", rule: "invalid-value"},
		{name: "title on two lines", old: "title: Fine", new: "title: \"Fine\\n" + xss + "\"", rule: "invalid-value"},
		{name: "commit sha", extra: "commits:\n  - sha: '" + xss + "'\n    role: fix", rule: "invalid-value"},
		{name: "commit role", extra: "commits:\n  - sha: 4f1c2e9\n    role: '" + xss + "'", rule: "invalid-value"},
		{name: "action priority", extra: "action_items:\n  - title: x\n    owner: o\n    due: 2099-01-01\n    priority: '" + xss + "'", rule: "invalid-value"},
		{name: "action status", extra: "action_items:\n  - title: x\n    owner: o\n    due: 2099-01-01\n    status: '" + xss + "'", rule: "invalid-value"},
		{name: "action due", extra: "action_items:\n  - title: x\n    owner: o\n    due: '" + xss + "'", rule: "invalid-value"},
		{name: "related", extra: "related:\n  - '" + xss + "'", rule: "related-missing"},
		{name: "unknown key", extra: "'" + xss + "': x", rule: "unknown-field"},
		{name: "javascript link", body: "[x](javascript:alert(1))", rule: "broken-link"},
		{name: "mixed-case link", body: "[x](JaVaScRiPt:alert(1))", rule: "broken-link"},
		{name: "entity link", body: "[x](java&#x09;script:alert(1))", rule: "broken-link"},
		{name: "vbscript image", body: "![x](vbscript:msgbox(1))", rule: "broken-link"},
		{name: "data link", body: "[x](data:text/html,<script>alert(1)</script>)", rule: "broken-link"},
		{name: "reference link", body: "[x][r]\n\n[r]: javascript:alert(1)", rule: "broken-link"},
		// A CommonMark autolink with an unsafe scheme.
		{name: "autolink", body: "<javascript:alert(1)>", rule: "broken-link"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.gap {
				t.Skip("known gap: check reports no broken-link for an autolink such as <javascript:alert(1)>")
			}
			fm := front
			if c.old != "" {
				if !strings.Contains(fm, c.old) {
					t.Fatalf("the front matter has no %q", c.old)
				}
				fm = strings.Replace(fm, c.old, c.new, 1)
			}
			if c.extra != "" {
				fm += c.extra + "\n"
			}
			doc := "---\n" + fm + "---\n" + body
			if c.body != "" {
				doc += "\n## Supporting information\n\n" + c.body + "\n"
			}
			root := t.TempDir()
			if err := os.MkdirAll(filepath.Join(root, "postmortems"), 0o755); err != nil {
				t.Fatal(err)
			}
			for name, data := range map[string]string{"hindsight.yaml": "title: Check\n", "postmortems/2024-03-01-x.md": doc} {
				if err := os.WriteFile(filepath.Join(root, name), []byte(data), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			code, findings := runCheck(t, root)
			var errs []string
			found := false
			for _, f := range findings {
				if f.Level == "error" {
					errs = append(errs, f.Rule+": "+f.Message)
					found = found || f.Rule == c.rule
				}
			}
			switch {
			case c.rule == "" && (code != 0 || len(errs) > 0):
				t.Fatalf("the control fails the check (exit %d): %q", code, errs)
			case c.rule != "" && (code != 1 || !found):
				t.Errorf("exit %d, errors %q; want exit 1 with a %s error", code, errs, c.rule)
			}
		})
	}
}

type finding struct {
	Level, Rule, Message string
}

// runCheck runs `hindsight check --format json` in root.
func runCheck(t *testing.T, root string) (int, []finding) {
	t.Helper()
	wd, _ := os.Getwd()
	defer os.Chdir(wd)
	if err := os.Chdir(root); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	code := cli.Main(context.Background(), []string{"check", "--format", "json"}, nil, &stdout, &stderr)
	var res struct{ Findings []finding }
	if err := json.Unmarshal(stdout.Bytes(), &res); err != nil {
		t.Fatalf("exit %d, output %q: %v; stderr %s", code, stdout.String(), err, stderr.String())
	}
	return code, res.Findings
}
