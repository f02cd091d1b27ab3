// Package server serves a built site: its files, a search API over the
// bleve index, and server-sent events that tell open pages to reload after
// a rebuild. It sets security headers on every response and bounds every
// request in size and time.
package server

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"net"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/hindsight-dev/hindsight/internal/search"
)

// CSP is the Content-Security-Policy of every response: what the pages'
// meta tag says, plus frame-ancestors, which only a header can set.
const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"

// FilesCSP is the policy of the files copied from the content folder
// (under files/): a sandbox in which no script runs and nothing loads.
const FilesCSP = "sandbox; default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'"

// MaxEventStreams bounds the open live-reload streams: each holds a
// connection and a goroutine for as long as its page is open.
const MaxEventStreams = 64

// Searcher answers search requests; the search index is one.
type Searcher interface {
	Search(ctx context.Context, r search.Request) (*search.Result, error)
}

// Options configure a server.
type Options struct {
	// Dir is the built site.
	Dir string
	// Base is the path the site is served under, "/" or "/pm/".
	Base string
	// Search answers /api/search; nil disables it (404).
	Search Searcher
	// LiveReload injects the reload script into pages and serves the
	// event stream.
	LiveReload bool
	// Hosts are the host names, beyond loopback names and IP addresses,
	// that requests may name in their Host header. A name the server does
	// not know is refused, so that a web page whose domain was rebound to
	// a loopback address cannot read the preview (drafts included).
	Hosts []string
}

//go:embed livereload.js
var liveReloadJS []byte

// Server is the HTTP handler of a site.
type Server struct {
	opts   Options
	files  http.Handler
	mu     sync.Mutex
	search Searcher
	subs   map[chan event]bool
	stop   chan struct{}
	once   sync.Once
	status Status
}

// Status is what the open pages of the preview show in a banner, from
// /api/status: why the last rebuild failed, and the errors of the last
// build that worked.
type Status struct {
	// Rebuild is why the last rebuild failed; "" after one that worked.
	Rebuild string `json:"rebuild,omitempty"`
	// Errors are the error findings, at most MaxStatusErrors of them;
	// ErrorCount counts them all, in Files files.
	Errors     []StatusError `json:"errors"`
	ErrorCount int           `json:"error_count"`
	Files      int           `json:"files"`
}

// StatusError is one error finding, with the page of its file when the
// site has one.
type StatusError struct {
	File    string `json:"file"`
	Line    int    `json:"line"`
	Col     int    `json:"column"`
	Message string `json:"message"`
	URL     string `json:"url,omitempty"`
}

// MaxStatusErrors bounds the errors a status lists.
const MaxStatusErrors = 20

// Stop ends the open event streams, so that a graceful shutdown does not
// wait for them.
func (s *Server) Stop() { s.once.Do(func() { close(s.stop) }) }

type event struct {
	name, data string
}

// New returns the handler.
func New(opts Options) *Server {
	if opts.Base == "" {
		opts.Base = "/"
	}
	s := &Server{opts: opts, search: opts.Search, subs: map[chan event]bool{}, stop: make(chan struct{})}
	s.files = http.FileServer(http.Dir(opts.Dir))
	return s
}

// SetSearcher replaces the searcher after a rebuild.
func (s *Server) SetSearcher(sr Searcher) {
	s.mu.Lock()
	s.search = sr
	s.mu.Unlock()
}

func (s *Server) searcher() Searcher {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.search
}

// Reload tells every open page to reload.
func (s *Server) Reload() { s.broadcast(event{name: "reload", data: "{}"}) }

// SetStatus sets what /api/status answers: after a rebuild that worked,
// before Reload.
func (s *Server) SetStatus(st Status) {
	if len(st.Errors) > MaxStatusErrors {
		st.Errors = st.Errors[:MaxStatusErrors]
	}
	if st.Errors == nil {
		st.Errors = []StatusError{}
	}
	s.mu.Lock()
	s.status = st
	s.mu.Unlock()
}

// Failed tells every open page that the last rebuild failed, and why; the
// status keeps the errors of the last build that worked.
func (s *Server) Failed(msg string) {
	s.mu.Lock()
	s.status.Rebuild = msg
	s.mu.Unlock()
	data, _ := json.Marshal(map[string]string{"message": msg})
	s.broadcast(event{name: "failed", data: string(data)})
}

func (s *Server) currentStatus() Status {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.status
	if st.Errors == nil {
		st.Errors = []StatusError{}
	}
	return st
}

func (s *Server) broadcast(e event) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for ch := range s.subs {
		select {
		case ch <- e:
		default: // a slow client misses an event rather than blocking the rest
		}
	}
}

// ServeHTTP routes a request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", CSP)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "strict-origin-when-cross-origin")
	h.Set("X-Frame-Options", "DENY")
	if !s.hostAllowed(r.Host) {
		writeError(w, http.StatusMisdirectedRequest, fmt.Sprintf("this server does not answer for the host %q; open it by its loopback address, or start it with --allow-host for that name", r.Host))
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		h.Set("Allow", "GET, HEAD")
		writeError(w, http.StatusMethodNotAllowed, "only GET and HEAD are allowed")
		return
	}
	p := r.URL.Path
	if !strings.HasPrefix(p, s.opts.Base) && p+"/" != s.opts.Base {
		http.Redirect(w, r, s.opts.Base, http.StatusFound)
		return
	}
	rest := strings.TrimPrefix(p, strings.TrimSuffix(s.opts.Base, "/"))
	switch rest {
	case "/api/search":
		s.serveSearch(w, r)
		return
	case "/api/events":
		if s.opts.LiveReload {
			s.serveEvents(w, r)
			return
		}
	case "/api/status":
		if s.opts.LiveReload {
			writeJSON(w, http.StatusOK, s.currentStatus())
			return
		}
	case "/api/livereload.js":
		if s.opts.LiveReload {
			h.Set("Content-Type", "text/javascript; charset=utf-8")
			h.Set("Cache-Control", "no-cache")
			_, _ = w.Write(liveReloadJS)
			return
		}
	}
	s.serveFile(w, r, rest)
}

// hostAllowed reports whether a request's Host header names this server:
// an IP address (which no DNS answer can rebind), a loopback name, or one
// of the configured hosts.
func (s *Server) hostAllowed(hostport string) bool {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	host = strings.ToLower(strings.TrimSuffix(strings.Trim(host, "[]"), "."))
	if host == "localhost" || strings.HasSuffix(host, ".localhost") || net.ParseIP(host) != nil {
		return true
	}
	for _, h := range s.opts.Hosts {
		if strings.EqualFold(h, host) {
			return true
		}
	}
	return false
}

// serveFile serves the site's files; hidden files (the index, the
// manifest) are not part of the site.
func (s *Server) serveFile(w http.ResponseWriter, r *http.Request, rest string) {
	clean := path.Clean("/" + rest)
	for _, part := range strings.Split(clean, "/") {
		if strings.HasPrefix(part, ".") {
			s.notFound(w, r)
			return
		}
	}
	full := filepath.Join(s.opts.Dir, filepath.FromSlash(clean))
	st, err := os.Stat(full)
	if err == nil && st.IsDir() {
		if !strings.HasSuffix(r.URL.Path, "/") {
			// The cleaned path: "//tags" would send the browser to the
			// host "tags".
			http.Redirect(w, r, path.Clean(r.URL.Path)+"/", http.StatusMovedPermanently)
			return
		}
		full = filepath.Join(full, "index.html")
		st, err = os.Stat(full)
	}
	if err != nil {
		s.notFound(w, r)
		return
	}
	if s.opts.LiveReload && strings.HasSuffix(full, ".html") {
		s.serveHTML(w, r, full, http.StatusOK)
		return
	}
	w.Header().Set("Cache-Control", "no-cache")
	if strings.HasPrefix(clean, "/files/") {
		// Files copied from the content folder are the content's, not the
		// site's: whatever their type, nothing in them runs.
		w.Header().Set("Content-Security-Policy", FilesCSP)
	}
	http.ServeFile(w, r, full)
}

func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	page := filepath.Join(s.opts.Dir, "404.html")
	if _, err := os.Stat(page); err != nil {
		http.NotFound(w, r)
		return
	}
	s.serveHTML(w, r, page, http.StatusNotFound)
}

// serveHTML sends a page, with the live reload script when enabled.
func (s *Server) serveHTML(w http.ResponseWriter, r *http.Request, file string, status int) {
	data, err := os.ReadFile(file)
	if err != nil {
		http.Error(w, "not found", http.StatusNotFound)
		return
	}
	if s.opts.LiveReload {
		tag := []byte(`<script src="` + html.EscapeString(s.opts.Base) + `api/livereload.js" defer></script></body>`)
		data = bytes.Replace(data, []byte("</body>"), tag, 1)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		_, _ = w.Write(data)
	}
}

// serveEvents streams reload events until the client goes or the server
// shuts down.
func (s *Server) serveEvents(w http.ResponseWriter, r *http.Request) {
	rc := http.NewResponseController(w)
	_ = rc.SetWriteDeadline(time.Time{}) // a stream outlives the write timeout
	ch := make(chan event, 4)
	s.mu.Lock()
	if len(s.subs) >= MaxEventStreams {
		s.mu.Unlock()
		writeError(w, http.StatusServiceUnavailable, fmt.Sprintf("%d pages are already listening for reloads; close some tabs", MaxEventStreams))
		return
	}
	s.subs[ch] = true
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.subs, ch)
		s.mu.Unlock()
	}()
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	fmt.Fprint(w, "retry: 1000\n\n")
	_ = rc.Flush()
	ping := time.NewTicker(20 * time.Second)
	defer ping.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case <-s.stop:
			return
		case e := <-ch:
			fmt.Fprintf(w, "event: %s\ndata: %s\n\n", e.name, e.data)
		case <-ping.C:
			fmt.Fprint(w, ": ping\n\n")
		}
		if rc.Flush() != nil {
			return
		}
	}
}

type apiError struct {
	Error string `json:"error"`
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, apiError{Error: msg})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(true)
	_ = enc.Encode(v)
}

// ParseRequest reads a search request from query parameters, refusing
// what the API does not allow with a message that says what is wrong.
func ParseRequest(q map[string][]string) (search.Request, error) {
	get := func(k string) (string, error) {
		vs := q[k]
		if len(vs) > 1 {
			return "", fmt.Errorf("%s is given %d times; give it once", k, len(vs))
		}
		if len(vs) == 0 {
			return "", nil
		}
		v := vs[0]
		if !utf8.ValidString(v) || strings.ContainsRune(v, 0) {
			return "", fmt.Errorf("%s is not valid UTF-8 text", k)
		}
		return v, nil
	}
	var r search.Request
	var err error
	if r.Query, err = get("q"); err != nil {
		return r, err
	}
	if n := utf8.RuneCountInString(r.Query); n > search.MaxQueryLength {
		return r, fmt.Errorf("q is %d characters long; the limit is %d", n, search.MaxQueryLength)
	}
	// Parameters are read in a fixed order (not a map's), so that a
	// request with several mistakes always gets the same message.
	for _, p := range []struct {
		k   string
		dst *string
	}{{"severity", &r.Severity}, {"service", &r.Service}, {"tag", &r.Tag}} {
		if *p.dst, err = get(p.k); err != nil {
			return r, err
		}
	}
	for _, p := range []struct {
		k   string
		dst *time.Time
	}{{"since", &r.Since}, {"until", &r.Until}} {
		k, dst := p.k, p.dst
		v, err := get(k)
		if err != nil {
			return r, err
		}
		if v == "" {
			continue
		}
		t, err := time.Parse("2006-01-02", v)
		if err != nil {
			return r, fmt.Errorf("%s=%q is not a date; write it as YYYY-MM-DD", k, v)
		}
		if t.Year() < 1900 || t.Year() > 9999 {
			return r, fmt.Errorf("%s=%q is out of range; give a year from 1900 to 9999", k, v)
		}
		*dst = t
	}
	if !r.Since.IsZero() && !r.Until.IsZero() && r.Since.After(r.Until) {
		return r, errors.New("since is after until")
	}
	for _, p := range []struct {
		k   string
		dst *int
	}{{"limit", &r.Limit}, {"offset", &r.Offset}} {
		k, dst := p.k, p.dst
		v, err := get(k)
		if err != nil {
			return r, err
		}
		if v == "" {
			continue
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return r, fmt.Errorf("%s=%q must be a whole number, 0 or more", k, v)
		}
		*dst = n
	}
	switch v, err := get("partial"); {
	case err != nil:
		return r, err
	case v == "1" || v == "true":
		r.Partial = true
	case v != "" && v != "0" && v != "false":
		return r, fmt.Errorf("partial=%q: give 1 (the last word is still being typed) or 0", v)
	}
	if r.Limit > search.MaxLimit {
		r.Limit = search.MaxLimit
	}
	if r.Offset > 10000 {
		return r, errors.New("offset is past the last result anyone pages to; narrow the search instead")
	}
	return r, nil
}

func (s *Server) serveSearch(w http.ResponseWriter, r *http.Request) {
	sr := s.searcher()
	if sr == nil {
		writeError(w, http.StatusNotFound, "search is not available: the index is being built")
		return
	}
	req, err := ParseRequest(r.URL.Query())
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
	defer cancel()
	res, err := sr.Search(ctx, req)
	var qe *search.QueryError
	switch {
	case errors.As(err, &qe):
		writeError(w, http.StatusBadRequest, qe.Msg)
		return
	case errors.Is(err, context.DeadlineExceeded):
		writeError(w, http.StatusServiceUnavailable, "the search took too long or the server is busy; try again, or make the query more specific")
		return
	case errors.Is(err, context.Canceled):
		return // the client went away
	case err != nil:
		writeError(w, http.StatusInternalServerError, "search failed: "+err.Error())
		return
	}
	if res.Hits == nil {
		res.Hits = []search.Hit{}
	}
	writeJSON(w, http.StatusOK, res)
}

// HTTPServer wraps a handler in a server with timeouts and limits.
func HTTPServer(addr string, h http.Handler) *http.Server {
	return &http.Server{
		Addr:              addr,
		Handler:           http.MaxBytesHandler(h, 1<<16),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       60 * time.Second,
		MaxHeaderBytes:    16 << 10,
	}
}

// Serve listens on addr and serves until ctx ends, then shuts down
// gracefully, giving open requests a few seconds. ready, when set, is told
// the address actually listened on.
func Serve(ctx context.Context, addr string, h http.Handler, ready func(addr string)) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listening on %s: %w", addr, err)
	}
	srv := HTTPServer(addr, h)
	if st, ok := h.(interface{ Stop() }); ok {
		srv.RegisterOnShutdown(st.Stop)
	}
	if ready != nil {
		ready(ln.Addr().String())
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shut, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shut); err != nil {
		return srv.Close()
	}
	return nil
}
