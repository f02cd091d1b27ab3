package server

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hindsight-dev/hindsight/internal/search"
)

type fakeSearch struct{ last search.Request }

func (f *fakeSearch) Search(_ context.Context, r search.Request) (*search.Result, error) {
	f.last = r
	if r.Query == `"unbalanced` {
		return nil, &search.QueryError{Msg: "unbalanced quotes"}
	}
	return &search.Result{Total: 1, Hits: []search.Hit{{ID: "a", Title: "<b>A</b>"}}, Facets: map[string][]search.FacetCount{}}, nil
}

func site(t *testing.T) string {
	dir := t.TempDir()
	for name, body := range map[string]string{
		"index.html":        "<html><body><h1>Home</h1></body></html>",
		"a/index.html":      "<html><body>A</body></html>",
		"404.html":          "<html><body>Not here</body></html>",
		"static/style.css":  "body{}",
		".hindsight-site":   "{}",
		".index/store/root": "x",
	} {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestFiles(t *testing.T) {
	s := New(Options{Dir: site(t), Base: "/pm/", LiveReload: true})
	tests := []struct {
		method, path string
		status       int
		contains     string
	}{
		{"GET", "/pm/", 200, "api/livereload.js"},
		{"GET", "/pm/a/", 200, "A"},
		{"GET", "/pm/a", 301, ""},
		{"GET", "/pm/static/style.css", 200, "body{}"},
		{"GET", "/pm/nope/", 404, "Not here"},
		{"GET", "/pm/.hindsight-site", 404, "Not here"},
		{"GET", "/pm/.index/store/root", 404, ""},
		{"GET", "/pm/../../etc/passwd", 404, ""},
		{"GET", "/elsewhere", 302, ""},
		{"POST", "/pm/", 405, "only GET"},
		{"GET", "/pm/api/livereload.js", 200, "EventSource"},
	}
	for _, tt := range tests {
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, localRequest(tt.method, tt.path, nil))
		if rec.Code != tt.status || !strings.Contains(rec.Body.String(), tt.contains) {
			t.Errorf("%s %s = %d %q, want %d containing %q", tt.method, tt.path, rec.Code, rec.Body.String(), tt.status, tt.contains)
		}
		for _, h := range []string{"Content-Security-Policy", "X-Content-Type-Options", "Referrer-Policy", "X-Frame-Options"} {
			if rec.Header().Get(h) == "" {
				t.Errorf("%s %s: no %s header", tt.method, tt.path, h)
			}
		}
	}
}

func TestSearchAPI(t *testing.T) {
	fs := &fakeSearch{}
	s := New(Options{Dir: site(t), Search: fs})
	long := strings.Repeat("a", 10000)
	tests := []struct {
		query  string
		status int
		want   string
	}{
		{"q=certificate&severity=SEV1&service=dns&tag=tls&since=2024-01-01&until=2024-12-31&limit=5&offset=10", 200, `"total":1`},
		{"", 200, `\u003cb\u003eA\u003c/b\u003e`},
		{"q=" + long, 400, "limit is 1000"},
		{"q=%00", 400, "not valid UTF-8"},
		{"q=%ff%fe", 400, "not valid UTF-8"},
		{"q=%22unbalanced", 400, "unbalanced quotes"},
		{"limit=-1", 400, "0 or more"},
		{"limit=abc", 400, "whole number"},
		{"since=28/06/2019", 400, "YYYY-MM-DD"},
		{"since=0000-01-01", 400, "out of range"},
		{"until=10000-01-01", 400, "YYYY-MM-DD"},
		{"since=2024-02-01&until=2024-01-01", 400, "since is after until"},
		{"q=a&q=b", 400, "given 2 times"},
		{"offset=999999", 400, "offset"},
	}
	for _, tt := range tests {
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, localRequest("GET", "/api/search?"+tt.query, nil))
		if rec.Code != tt.status || !strings.Contains(rec.Body.String(), tt.want) {
			t.Errorf("?%.40s = %d %s, want %d containing %q", tt.query, rec.Code, rec.Body.String(), tt.status, tt.want)
		}
		if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
			t.Errorf("?%.40s: content type %q", tt.query, ct)
		}
		var v map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil {
			t.Errorf("?%.40s: not JSON: %v", tt.query, err)
		}
	}
	// A limit beyond the cap is capped, not refused.
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, localRequest("GET", "/api/search?limit=100000", nil))
	if rec.Code != 200 || fs.last.Limit != search.MaxLimit {
		t.Errorf("limit=100000: %d, limit %d", rec.Code, fs.last.Limit)
	}
	// Without an index, the API says so.
	rec = httptest.NewRecorder()
	New(Options{Dir: site(t)}).ServeHTTP(rec, localRequest("GET", "/api/search?q=x", nil))
	if rec.Code != 404 {
		t.Errorf("no index: %d", rec.Code)
	}
}

func TestLiveReloadEvents(t *testing.T) {
	s := New(Options{Dir: site(t), LiveReload: true})
	ts := httptest.NewServer(s)
	defer ts.Close()
	resp, err := http.Get(ts.URL + "/api/events")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("content type %q", ct)
	}
	lines := make(chan string, 16)
	go func() {
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	deadline := time.After(5 * time.Second)
	for sent := false; ; {
		if !sent {
			// Wait until the subscription is registered, then broadcast.
			s.mu.Lock()
			n := len(s.subs)
			s.mu.Unlock()
			if n > 0 {
				s.Failed("title: missing")
				s.Reload()
				sent = true
			}
		}
		select {
		case l := <-lines:
			if l == "event: reload" {
				return
			}
		case <-deadline:
			t.Fatal("no reload event arrived")
		case <-time.After(20 * time.Millisecond):
		}
	}
}

func TestServeShutsDown(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	addrc := make(chan string, 1)
	go func() {
		done <- Serve(ctx, "127.0.0.1:0", New(Options{Dir: site(t), LiveReload: true}), func(a string) { addrc <- a })
	}()
	addr := <-addrc
	resp, err := http.Get("http://" + addr + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	// An open event stream does not hold the shutdown up.
	stream, err := http.Get("http://" + addr + "/api/events")
	if err != nil {
		t.Fatal(err)
	}
	defer stream.Body.Close()
	start := time.Now()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("shutdown: %v", err)
		}
		if time.Since(start) > 3*time.Second {
			t.Errorf("shutdown waited %v for the event stream", time.Since(start))
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the server did not shut down")
	}
	srv := HTTPServer(":0", nil)
	if srv.ReadHeaderTimeout == 0 || srv.ReadTimeout == 0 || srv.WriteTimeout == 0 || srv.IdleTimeout == 0 || srv.MaxHeaderBytes == 0 {
		t.Errorf("the server has no timeouts or limits: %+v", srv)
	}
}

// TestParseRequestDeterministic: a request with several mistakes always
// gets the same message, about the first parameter in a fixed order.
func TestParseRequestDeterministic(t *testing.T) {
	q := map[string][]string{"tag": {"a", "b"}, "service": {"x", "y"}, "severity": {"SEV1", "SEV2"},
		"until": {"nope"}, "since": {"nope"}, "offset": {"-1"}, "limit": {"-1"}}
	for range 50 {
		if _, err := ParseRequest(q); err == nil || !strings.HasPrefix(err.Error(), "severity is given 2 times") {
			t.Fatalf("got %v, want the message about severity", err)
		}
	}
	delete(q, "severity")
	delete(q, "service")
	delete(q, "tag")
	for range 50 {
		if _, err := ParseRequest(q); err == nil || !strings.HasPrefix(err.Error(), `since="nope"`) {
			t.Fatalf("got %v, want the message about since", err)
		}
	}
	delete(q, "since")
	delete(q, "until")
	for range 50 {
		if _, err := ParseRequest(q); err == nil || !strings.HasPrefix(err.Error(), `limit="-1"`) {
			t.Fatalf("got %v, want the message about limit", err)
		}
	}
}

// localRequest is a request as a browser on this machine sends it.
func localRequest(method, target string, body io.Reader) *http.Request {
	r := httptest.NewRequest(method, target, body)
	r.Host = "127.0.0.1:8080"
	return r
}

// The preview holds drafts: a page of another site whose name was rebound
// to 127.0.0.1 must not read it. Only IP addresses, loopback names and the
// configured hosts are answered; redirects never lead off the server.
func TestHostsAndRedirects(t *testing.T) {
	s := New(Options{Dir: site(t), Base: "/pm/", Hosts: []string{"devbox.internal"}})
	for _, tt := range []struct {
		host string
		want int
	}{
		{"127.0.0.1:8080", 200}, {"localhost:8080", 200}, {"LOCALHOST", 200}, {"app.localhost:1", 200},
		{"[::1]:8080", 200}, {"192.0.2.7:8080", 200}, {"devbox.internal:8080", 200},
		{"attacker.example:8080", 421}, {"localhost.attacker.example", 421}, {"", 421},
	} {
		r := localRequest("GET", "/pm/", nil)
		r.Host = tt.host
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, r)
		if rec.Code != tt.want {
			t.Errorf("Host %q: %d, want %d", tt.host, rec.Code, tt.want)
		}
	}
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, localRequest("GET", "/pm//a", nil))
	if loc := rec.Header().Get("Location"); strings.HasPrefix(loc, "//") {
		t.Errorf("GET /pm//a redirects to %q, another host", loc)
	}
}

// A base path is escaped where serve writes it, and files copied from the
// content folder are served in a sandbox where nothing runs.
func TestBaseEscapedAndFilesSandboxed(t *testing.T) {
	dir := site(t)
	if err := os.MkdirAll(filepath.Join(dir, "files"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "files", "x.svg"), []byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`), 0o644); err != nil {
		t.Fatal(err)
	}
	s := New(Options{Dir: dir, Base: `/x"><b>/`, LiveReload: true})
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, localRequest("GET", `/x"><b>/`, nil))
	if strings.Contains(rec.Body.String(), `/x"><b>/api/livereload.js`) {
		t.Errorf("the base path was written unescaped: %s", rec.Body.String())
	}
	rec = httptest.NewRecorder()
	New(Options{Dir: dir}).ServeHTTP(rec, localRequest("GET", "/files/x.svg", nil))
	if csp := rec.Header().Get("Content-Security-Policy"); rec.Code != 200 || !strings.HasPrefix(csp, "sandbox") {
		t.Errorf("GET /files/x.svg: %d with policy %q, want 200 in a sandbox", rec.Code, csp)
	}
}

// Live-reload streams are capped: past MaxEventStreams a client gets 503
// at once instead of holding one more connection.
func TestEventStreamsCapped(t *testing.T) {
	s := New(Options{Dir: site(t), LiveReload: true})
	for range MaxEventStreams {
		s.subs[make(chan event, 1)] = true
	}
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, localRequest("GET", "/api/events", nil))
	if rec.Code != http.StatusServiceUnavailable {
		t.Errorf("stream %d: %d, want 503", MaxEventStreams+1, rec.Code)
	}
}

// Traversal in every spelling reaches nothing outside the site, nor its
// hidden files: encoded dots and slashes, double encoding, backslashes,
// very long paths.
func TestTraversalSpellings(t *testing.T) {
	parent := t.TempDir()
	dir := filepath.Join(parent, "site")
	if err := os.CopyFS(dir, os.DirFS(site(t))); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(parent, "secret.txt"), []byte("SECRET"), 0o644); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(New(Options{Dir: dir}))
	defer srv.Close()
	for _, p := range []string{
		"/../secret.txt", "/%2e%2e/secret.txt", "/%2e%2e%2fsecret.txt", "/..%2fsecret.txt", "/%252e%252e/secret.txt",
		"/..\\secret.txt", "/%5c..%5csecret.txt", "/static/../../secret.txt", "/.hindsight-site", "/%2ehindsight-site",
		"/.index/store/root", "/static/%2e%2e/%2e%2e/secret.txt", "/" + strings.Repeat("a/", 2000) + "x",
	} {
		req, err := http.NewRequest("GET", srv.URL+p, nil)
		if err != nil {
			t.Fatal(err)
		}
		req.URL.Opaque = p // sent exactly as written
		res, err := srv.Client().Do(req)
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if strings.Contains(string(body), "SECRET") || res.StatusCode == 200 && strings.Contains(string(body), "{}") || strings.Contains(string(body), "x") && res.StatusCode == 200 && strings.Contains(p, ".index") {
			t.Errorf("GET %s = %d %q: reached a file it must not", p, res.StatusCode, body)
		}
	}
}

// A request whose URL or headers pass MaxHeaderBytes is refused with 431
// before the handler sees it, and a body past 64 KB cannot be read.
func TestHTTPServerLimits(t *testing.T) {
	seen := 0
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen++
		if _, err := io.ReadAll(r.Body); err != nil {
			http.Error(w, "too big", http.StatusRequestEntityTooLarge)
		}
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := HTTPServer(ln.Addr().String(), h)
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()
	base := "http://" + ln.Addr().String()

	get := func(path string, header http.Header) int {
		req, _ := http.NewRequest("GET", base+path, nil)
		for k, v := range header {
			req.Header[k] = v
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	if code := get("/"+strings.Repeat("a", 1<<20), nil); code != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("a 1 MB URL: %d", code)
	}
	if code := get("/", http.Header{"X-Long": {strings.Repeat("b", 64<<10)}}); code != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("a 64 KB header: %d", code)
	}
	if seen != 0 {
		t.Errorf("the handler saw %d oversized requests", seen)
	}
	res, err := http.Post(base+"/", "text/plain", strings.NewReader(strings.Repeat("c", 1<<20)))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("a 1 MB body: %d", res.StatusCode)
	}
}

// TestParseRequestPartial: partial says the last word is still being
// typed; anything but 1, true, 0 or false is a mistake named back.
func TestParseRequestPartial(t *testing.T) {
	for _, tt := range []struct {
		v    []string
		want bool
		err  string
	}{
		{nil, false, ""},
		{[]string{"1"}, true, ""},
		{[]string{"true"}, true, ""},
		{[]string{"0"}, false, ""},
		{[]string{"yes"}, false, `partial="yes"`},
		{[]string{"1", "1"}, false, "partial is given 2 times"},
	} {
		q := map[string][]string{"q": {"zanz"}}
		if tt.v != nil {
			q["partial"] = tt.v
		}
		r, err := ParseRequest(q)
		switch {
		case tt.err != "" && (err == nil || !strings.HasPrefix(err.Error(), tt.err)):
			t.Errorf("partial=%q: got %v, want %s", tt.v, err, tt.err)
		case tt.err == "" && err != nil:
			t.Errorf("partial=%q: %v", tt.v, err)
		case tt.err == "" && r.Partial != tt.want:
			t.Errorf("partial=%q: Partial %v, want %v", tt.v, r.Partial, tt.want)
		}
	}
}

// TestStatus: /api/status is what the banner of every open page shows:
// the errors set after a build, kept with the reason when a rebuild
// fails, cleared by the next build that works; a site served without
// live reload has none.
func TestStatus(t *testing.T) {
	s := New(Options{Dir: site(t), LiveReload: true})
	status := func() Status {
		t.Helper()
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, localRequest("GET", "/api/status", nil))
		if rec.Code != 200 || !strings.HasPrefix(rec.Header().Get("Content-Type"), "application/json") {
			t.Fatalf("status: %d %s", rec.Code, rec.Header().Get("Content-Type"))
		}
		var st Status
		if err := json.Unmarshal(rec.Body.Bytes(), &st); err != nil {
			t.Fatal(err)
		}
		if st.Errors == nil {
			t.Error("errors is null, not a list")
		}
		return st
	}
	if st := status(); st.Rebuild != "" || st.ErrorCount != 0 {
		t.Errorf("at the start: %+v", st)
	}
	many := make([]StatusError, MaxStatusErrors+5)
	for i := range many {
		many[i] = StatusError{File: fmt.Sprintf("postmortems/%02d.md", i), Line: 1, Message: "broken", URL: "/x/"}
	}
	s.SetStatus(Status{Errors: many, ErrorCount: len(many), Files: len(many)})
	if st := status(); len(st.Errors) != MaxStatusErrors || st.ErrorCount != len(many) || st.Errors[0].URL != "/x/" {
		t.Errorf("after a build with errors: %d listed of %d", len(st.Errors), st.ErrorCount)
	}
	s.Failed("hindsight.yaml: line 3: bad")
	if st := status(); st.Rebuild != "hindsight.yaml: line 3: bad" || st.ErrorCount != len(many) {
		t.Errorf("after a failed rebuild: %+v", st)
	}
	s.SetStatus(Status{})
	if st := status(); st.Rebuild != "" || st.ErrorCount != 0 || len(st.Errors) != 0 {
		t.Errorf("after a build that worked: %+v", st)
	}
	plain := New(Options{Dir: site(t)})
	rec := httptest.NewRecorder()
	plain.ServeHTTP(rec, localRequest("GET", "/api/status", nil))
	if rec.Code != 404 {
		t.Errorf("without live reload: %d", rec.Code)
	}
}
