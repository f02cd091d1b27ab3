package server_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hindsight-dev/hindsight/internal/check"
	"github.com/hindsight-dev/hindsight/internal/config"
	"github.com/hindsight-dev/hindsight/internal/corpus"
	"github.com/hindsight-dev/hindsight/internal/search"
	"github.com/hindsight-dev/hindsight/internal/server"
	"github.com/hindsight-dev/hindsight/internal/site"
	"github.com/hindsight-dev/hindsight/internal/synth"
	"github.com/hindsight-dev/hindsight/theme"
)

// envInt reads a positive number from the environment, def without it.
func envInt(t *testing.T, name string, def int) int {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		t.Fatalf("%s=%q: want a positive number", name, v)
	}
	return n
}

// loadSite builds what `hindsight serve` serves from n generated
// postmortems: the corpus loaded and checked, the search index synced,
// the site built without the static index. It returns the handler, the
// postmortem ids and the site's static assets.
func loadSite(t *testing.T, n int) (h *server.Server, ids []string, assets []string) {
	t.Helper()
	start := time.Now()
	root := t.TempDir()
	ids, err := synth.Write(filepath.Join(root, "postmortems"), synth.Options{N: n, Seed: 42})
	if err != nil {
		t.Fatal(err)
	}
	cfg := config.Defaults()
	cfg.Root = root
	now := time.Date(2026, 1, 15, 0, 0, 0, 0, time.UTC)
	c, err := corpus.Load(cfg, corpus.Options{WorkDir: root, Drafts: true})
	if err != nil {
		t.Fatal(err)
	}
	if rep := check.Run(c, check.Options{Now: now}); rep.Errors > 0 {
		t.Fatalf("the generated corpus has errors: %v", rep.Findings[0])
	}
	for _, pm := range c.Postmortems {
		pm.Release()
	}
	out := filepath.Join(root, "site")
	opts := site.Options{Out: out, Drafts: true, Theme: theme.FS(""), Now: now, NoStaticSearch: true}
	docs, err := site.Docs(cfg, c.Postmortems, opts, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatal(err)
	}
	ix, err := search.Open(filepath.Join(out, site.IndexDir))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ix.Close() })
	if _, err := ix.Sync(docs); err != nil {
		t.Fatal(err)
	}
	opts.Similar = ix
	if _, err := site.Build(context.Background(), cfg, c.Postmortems, opts); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(filepath.Join(out, "static"))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		assets = append(assets, "/static/"+e.Name())
	}
	t.Logf("built %d postmortems and their index in %s", n, time.Since(start).Round(time.Millisecond))
	return server.New(server.Options{Dir: out, Base: "/", Search: ix}), ids, assets
}

// startServer serves h on a loopback port with the production server's
// settings, as changed by adjust; it stops when the test ends.
func startServer(t *testing.T, h http.Handler, adjust func(*http.Server)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := server.HTTPServer(ln.Addr().String(), h)
	if adjust != nil {
		adjust(srv)
	}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			_ = srv.Close()
		}
	})
	return "http://" + ln.Addr().String()
}

// target is one request of the mix and what it must get.
type target struct {
	kind   string
	path   string
	status int
}

// mix returns a random request: pages, assets and searches of every
// kind, and a few that must be refused.
func mix(r *rand.Rand, ids, assets []string) target {
	words := []string{"certificate", "timeout", "replica", "rollback", "queue", "migration", "dns", "capacity", "retry", "snapshot"}
	services := []string{"api", "checkout", "payments", "dns", "search"}
	tags := []string{"deploy", "certificates", "capacity", "network", "dns"}
	sevs := []string{"SEV1", "SEV2", "SEV3", "SEV4"}
	w := func() string { return words[r.IntN(len(words))] }
	q := url.Values{}
	switch p := r.IntN(100); {
	case p < 25:
		return target{"page", "/" + ids[r.IntN(len(ids))] + "/", 200}
	case p < 30:
		return target{"page", "/", 200}
	case p < 33:
		return target{"page", "/postmortems/", 200}
	case p < 37:
		others := []string{"/actions/", "/metrics/", "/tags/", "/services/", "/severity/", "/search/", "/feed.xml", "/sitemap.xml",
			"/tags/" + tags[r.IntN(len(tags))] + "/", "/services/" + services[r.IntN(len(services))] + "/", "/severity/" + strings.ToLower(sevs[r.IntN(len(sevs))]) + "/"}
		return target{"page", others[r.IntN(len(others))], 200}
	case p < 47:
		return target{"asset", assets[r.IntN(len(assets))], 200}
	case p < 49:
		return target{"refused", []string{"/nope/", "/.index/", "/.hindsight-site"}[r.IntN(3)], 404}
	case p < 51:
		bad := []string{"q=%22unterminated", "since=2024-13-01", "limit=-1", "q=" + strings.Repeat("x", 1001), "since=2024-02-01&until=2024-01-01"}
		return target{"search-refused", "/api/search?" + bad[r.IntN(len(bad))], 400}
	case p < 60:
		// The listing, with and without facets: the most common request.
		if r.IntN(2) == 0 {
			q.Set("severity", sevs[r.IntN(len(sevs))])
		}
	case p < 75:
		q.Set("q", w())
	case p < 82:
		q.Set("q", w()+" "+w())
	case p < 86:
		q.Set("q", `"`+w()+" "+w()+`"`)
	case p < 89:
		q.Set("q", w()[:3]+"*")
	case p < 92:
		q.Set("q", "certifcate~1")
	case p < 95:
		q.Set("q", "title:"+w()+" -"+w())
	default:
		q.Set("q", w())
		q.Set("service", services[r.IntN(len(services))])
		q.Set("tag", tags[r.IntN(len(tags))])
		q.Set("since", "2015-06-01")
		q.Set("until", "2016-12-31")
		q.Set("limit", strconv.Itoa(1+r.IntN(50)))
		q.Set("offset", strconv.Itoa(r.IntN(40)))
	}
	return target{"search", "/api/search?" + q.Encode(), 200}
}

// fetch makes one request and checks what came back.
func fetch(client *http.Client, base string, tg target) error {
	resp, err := client.Get(base + tg.path)
	if err != nil {
		return err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return fmt.Errorf("%s: reading: %w", tg.path, err)
	}
	if resp.StatusCode != tg.status {
		return fmt.Errorf("%s: status %d, want %d: %.200s", tg.path, resp.StatusCode, tg.status, body)
	}
	switch {
	case strings.HasPrefix(tg.kind, "search"):
		var v map[string]any
		if err := json.Unmarshal(body, &v); err != nil {
			return fmt.Errorf("%s: not JSON: %v", tg.path, err)
		}
		if _, ok := v["total"]; tg.status == 200 && !ok {
			return fmt.Errorf("%s: no total in %.200s", tg.path, body)
		}
	case tg.kind == "page" && strings.HasSuffix(tg.path, "/"):
		if !strings.HasSuffix(strings.TrimSpace(string(body)), "</html>") {
			return fmt.Errorf("%s: an incomplete page of %d bytes", tg.path, len(body))
		}
	}
	if len(body) == 0 && tg.kind != "refused" {
		return fmt.Errorf("%s: empty body", tg.path)
	}
	return nil
}

// percentile is the nearest-rank percentile of sorted durations.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(float64(len(sorted))*p/100+0.5) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

func heapInuse() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse
}

// TestServeUnderLoad serves a generated corpus (1,000 postmortems, or
// HINDSIGHT_LOAD_N) with the production server settings on loopback, and
// runs 64 clients against it for 5 seconds (HINDSIGHT_LOAD_SECONDS):
// pages, assets and searches of every kind, and requests that must be
// refused. Every response must be the expected one; latency, throughput
// and heap growth are logged. Then it checks that clients that send half
// a request and stall neither slow the others down nor keep their
// connections past the header timeout.
//
//	HINDSIGHT_LOAD_N=10000 HINDSIGHT_LOAD_SECONDS=30 go test -run TestServeUnderLoad -v ./internal/server/
func TestServeUnderLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("a load test")
	}
	n := envInt(t, "HINDSIGHT_LOAD_N", 1000)
	seconds := envInt(t, "HINDSIGHT_LOAD_SECONDS", 5)
	const clients = 64
	h, ids, assets := loadSite(t, n)
	const headerTimeout = time.Second
	base := startServer(t, h, func(s *http.Server) { s.ReadHeaderTimeout = headerTimeout })

	transport := &http.Transport{MaxIdleConnsPerHost: clients, MaxConnsPerHost: clients, DisableCompression: true}
	defer transport.CloseIdleConnections()
	client := &http.Client{Transport: transport, Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	// Warm up: the first listing fills the cache, the first page the
	// file system's.
	for _, tg := range []target{{"search", "/api/search", 200}, {"page", "/", 200}} {
		if err := fetch(client, base, tg); err != nil {
			t.Fatal(err)
		}
	}
	heapBefore := heapInuse()

	type result struct {
		kind string
		d    time.Duration
		err  error
	}
	results := make([][]result, clients)
	start := time.Now()
	deadline := start.Add(time.Duration(seconds) * time.Second)
	var wg sync.WaitGroup
	for c := range clients {
		wg.Go(func() {
			r := rand.New(rand.NewPCG(uint64(c), 7))
			for time.Now().Before(deadline) {
				tg := mix(r, ids, assets)
				t0 := time.Now()
				err := fetch(client, base, tg)
				results[c] = append(results[c], result{tg.kind, time.Since(t0), err})
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	heapAfter := heapInuse()

	byKind := map[string][]time.Duration{}
	var all []time.Duration
	var errs []error
	for _, rs := range results {
		for _, r := range rs {
			if r.err != nil {
				errs = append(errs, r.err)
				continue
			}
			all = append(all, r.d)
			kind, _, _ := strings.Cut(r.kind, "-")
			byKind[kind] = append(byKind[kind], r.d)
		}
	}
	if len(errs) > 0 {
		t.Errorf("%d of %d requests failed; the first: %v", len(errs), len(errs)+len(all), errors.Join(errs[:min(len(errs), 5)]...))
	}
	slices.Sort(all)
	t.Logf("%d postmortems, %d clients, %s: %d requests, %.0f requests/s, p50 %s, p99 %s, max %s",
		n, clients, elapsed.Round(time.Millisecond), len(all), float64(len(all))/elapsed.Seconds(),
		percentile(all, 50), percentile(all, 99), all[len(all)-1])
	for _, k := range slices.Sorted(func(yield func(string) bool) {
		for k := range byKind {
			if !yield(k) {
				return
			}
		}
	}) {
		ds := byKind[k]
		slices.Sort(ds)
		t.Logf("  %-7s %6d requests, p50 %s, p99 %s", k, len(ds), percentile(ds, 50), percentile(ds, 99))
	}
	t.Logf("heap in use: %.1f MB before, %.1f MB after", float64(heapBefore)/1e6, float64(heapAfter)/1e6)
	// Generous: the server keeps no per-request state; what grows is the
	// listing cache (bounded) and the transports' buffers.
	if grown := int64(heapAfter) - int64(heapBefore); grown > 256<<20 {
		t.Errorf("the heap grew by %.1f MB under load", float64(grown)/1e6)
	}
	if len(all) < clients {
		t.Errorf("only %d requests in %s", len(all), elapsed)
	}

	slowClients(t, base, client, ids, assets, headerTimeout)
}

// slowClients opens 50 connections that send part of a request header
// and stall. Meanwhile other requests must be answered promptly, and the
// server must close every stalled connection once the header timeout
// passes.
func slowClients(t *testing.T, base string, client *http.Client, ids, assets []string, headerTimeout time.Duration) {
	const stalled = 50
	addr := strings.TrimPrefix(base, "http://")
	type closed struct {
		after time.Duration
		err   error
	}
	done := make(chan closed, stalled)
	var conns []net.Conn
	for range stalled {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
		if _, err := io.WriteString(c, "GET / HTTP/1.1\r\nHost: "+addr+"\r\nUser-Agent: slow"); err != nil {
			t.Fatal(err)
		}
		sent := time.Now()
		go func() {
			// Nothing more is sent; the server must hang up.
			_ = c.SetReadDeadline(time.Now().Add(headerTimeout + 10*time.Second))
			data, err := io.ReadAll(bufio.NewReader(c))
			var ne net.Error
			switch {
			case errors.As(err, &ne) && ne.Timeout():
				err = errors.New("the server never closed it")
			case err != nil:
				err = nil // reset: closed all the same
			case len(data) > 0:
				err = fmt.Errorf("the server answered a half request: %.100q", data)
			}
			done <- closed{time.Since(sent), err}
		}()
	}
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()

	// Normal requests while they stall, on fresh connections.
	fresh := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 5 * time.Second}
	r := rand.New(rand.NewPCG(99, 1))
	var lat []time.Duration
	until := time.Now().Add(headerTimeout / 2)
	for time.Now().Before(until) || len(lat) < 20 {
		tg := mix(r, ids, assets)
		t0 := time.Now()
		if err := fetch(fresh, base, tg); err != nil {
			t.Errorf("while %d clients stall: %v", stalled, err)
		}
		lat = append(lat, time.Since(t0))
	}
	slices.Sort(lat)
	p99 := percentile(lat, 99)
	t.Logf("with %d stalled connections: %d requests, p50 %s, p99 %s", stalled, len(lat), percentile(lat, 50), p99)
	if p99 > 500*time.Millisecond {
		t.Errorf("requests took up to %s while clients stalled", p99)
	}

	var longest time.Duration
	for range stalled {
		c := <-done
		if c.err != nil {
			t.Errorf("stalled connection: %v", c.err)
			continue
		}
		if c.after < headerTimeout-100*time.Millisecond || c.after > headerTimeout+3*time.Second {
			t.Errorf("a stalled connection was closed after %s; the header timeout is %s", c.after, headerTimeout)
		}
		longest = max(longest, c.after)
	}
	t.Logf("every stalled connection closed by the server, the last after %s (header timeout %s)", longest.Round(time.Millisecond), headerTimeout)
}
