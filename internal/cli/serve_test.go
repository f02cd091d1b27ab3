package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hindsight-dev/hindsight/internal/pipeline"
	"github.com/hindsight-dev/hindsight/internal/server"
)

// preview starts what `hindsight serve` runs, in this process, on root: a
// first build, the server on a loopback port with the production
// settings, and the watcher. It returns the previewer and the server's
// URL; everything stops when the test ends.
func preview(t *testing.T, root string) (*previewer, string, *syncBuffer) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var stdout, stderr syncBuffer
	f := testFactory(ctx, root, &stdout, &stderr)
	p := testPreviewer(t, ctx, f)
	out, ix := p.out, p.ix
	if err := p.rebuild(); err != nil {
		t.Fatalf("first build: %v\n%s", err, stderr.String())
	}
	srv := server.New(server.Options{Dir: out, Base: "/", LiveReload: true, Search: ix})
	srv.SetStatus(p.currentStatus())
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := server.HTTPServer(ln.Addr().String(), srv)
	hs.RegisterOnShutdown(srv.Stop)
	go func() { _ = hs.Serve(ln) }()
	watching := make(chan struct{})
	go func() {
		defer close(watching)
		_ = p.watch(ctx, srv)
	}()
	t.Cleanup(func() {
		cancel()
		<-watching
		p.mu.Lock() // no rebuild still running
		defer p.mu.Unlock()
		_ = hs.Close()
		_ = ix.Close()
	})
	return p, "http://" + ln.Addr().String(), &stderr
}

// testPreviewer makes what serve makes before its first build, for f's
// repository, building into a folder of the test's own; its search index
// is closed when the test ends.
// builtPreviewer is a previewer of f's repository that has made its
// first build.
func builtPreviewer(t *testing.T, f *Factory) *previewer {
	t.Helper()
	p := testPreviewer(t, t.Context(), f)
	if err := p.rebuild(); err != nil {
		t.Fatalf("first build: %v", err)
	}
	return p
}

func testPreviewer(tb testing.TB, ctx context.Context, f *Factory) *previewer {
	tb.Helper()
	opts := &ServeOptions{BuildOptions: BuildOptions{Factory: f, Drafts: true}}
	cfg, err := f.Config()
	if err != nil {
		tb.Fatal(err)
	}
	out := filepath.Join(tb.TempDir(), "site")
	ix, err := pipeline.OpenIndex(out, false)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = ix.Close() })
	return newPreviewer(ctx, opts, cfg, out, ix)
}

// TestServeEditWhileRebuilding edits a postmortem several times in quick
// succession, in place as some editors do and by renaming as others do,
// while rebuilds run back to back and readers fetch its page, the list and
// the home page. Every page served must be complete, and once things
// settle the page must show the last edit, and the search the last words.
func TestServeEditWhileRebuilding(t *testing.T) {
	root := testRepo(t, 40)
	p, base, stderr := preview(t, root)
	files, _ := filepath.Glob(filepath.Join(root, "postmortems", "*.md"))
	file := files[len(files)/2]
	id := strings.TrimSuffix(filepath.Base(file), ".md")
	orig, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	edit := func(i int) []byte {
		// The same length every time: only the content tells edits apart.
		return []byte(strings.Replace(string(orig), "## Impact\n\n", fmt.Sprintf("## Impact\n\nEdit marker %03d zebrafish%03d.\n\n", i, i), 1))
	}

	stop := make(chan struct{})
	var wg sync.WaitGroup
	var fetches, notFound atomic.Int64
	var mu sync.Mutex
	var problems []string
	problem := func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		if len(problems) < 10 {
			problems = append(problems, fmt.Sprintf(format, args...))
		}
	}
	client := &http.Client{Timeout: 10 * time.Second}
	for r := range 3 {
		wg.Go(func() {
			paths := []string{"/" + id + "/", "/postmortems/", "/"}
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				path := paths[(i+r)%len(paths)]
				resp, err := client.Get(base + path)
				if err != nil {
					problem("GET %s: %v", path, err)
					continue
				}
				body, err := io.ReadAll(resp.Body)
				resp.Body.Close()
				fetches.Add(1)
				switch {
				case err != nil:
					problem("GET %s: reading: %v", path, err)
				case !strings.HasPrefix(string(body), "<!DOCTYPE html>") || !strings.HasSuffix(strings.TrimSpace(string(body)), "</html>"):
					problem("GET %s: %d, an incomplete page of %d bytes", path, resp.StatusCode, len(body))
				case resp.StatusCode == http.StatusNotFound && path == "/"+id+"/":
					// An in-place save empties the file for a moment: a
					// rebuild that reads it then finds no postmortem, and
					// the page is gone until the next rebuild. The 404
					// page is served whole all the same.
					notFound.Add(1)
				case resp.StatusCode != http.StatusOK:
					problem("GET %s: status %d", path, resp.StatusCode)
				}
			}
		})
	}
	// Rebuilds back to back, besides the watcher's.
	var rebuilds atomic.Int64
	wg.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
			}
			if err := p.rebuild(); err != nil {
				problem("rebuild: %v", err)
			}
			rebuilds.Add(1)
		}
	})

	const edits = 12
	for i := 1; i <= edits; i++ {
		data := edit(i)
		if i%2 == 0 {
			// In place: truncate, then write.
			if err := os.WriteFile(file, data, 0o644); err != nil {
				t.Fatal(err)
			}
		} else {
			// An editor's safe save: a temporary file renamed over it.
			tmp := filepath.Join(filepath.Dir(file), "."+filepath.Base(file)+".swp")
			if err := os.WriteFile(tmp, data, 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.Rename(tmp, file); err != nil {
				t.Fatal(err)
			}
		}
		time.Sleep(time.Duration(i%4) * 15 * time.Millisecond)
	}
	close(stop)
	wg.Wait()

	// The watcher rebuilds once more after the last change; the page and
	// the search must then show the last edit.
	want := fmt.Sprintf("Edit marker %03d", edits)
	stale := regexp.MustCompile(`Edit marker \d{3}`)
	deadline := time.Now().Add(20 * time.Second)
	for {
		page := get(t, base+"/"+id+"/")
		found := stale.FindAllString(page, -1)
		hits := get(t, base+fmt.Sprintf("/api/search?q=zebrafish%03d", edits))
		if len(found) == 1 && found[0] == want && strings.Contains(hits, `"id":"`+id+`"`) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after the edits the page shows %q, want %q; search for the last words: %.300s\n%s", found, want, hits, stderr.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	for _, pr := range problems {
		t.Error(pr)
	}
	t.Logf("%d edits, %d rebuilds, %d pages fetched, %d of them the 404 page during an in-place save", edits, rebuilds.Load(), fetches.Load(), notFound.Load())
}

func get(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(body)
}

// After its first build, a preview prints only the findings a rebuild
// did not have before, and says how many are new, as before and gone.
func TestServePrintsChangedFindings(t *testing.T) {
	root := testRepo(t, 6)
	files, _ := filepath.Glob(filepath.Join(root, "postmortems", "*.md"))
	edit := func(file, old, new string) {
		t.Helper()
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(data), old) {
			t.Fatalf("%s has no %q", file, old)
		}
		// A new modification time, however fast the edits come.
		if err := os.WriteFile(file, []byte(strings.Replace(string(data), old, new, 1)), 0o644); err != nil {
			t.Fatal(err)
		}
		later := time.Now().Add(time.Duration(len(new)) * time.Second)
		if err := os.Chtimes(file, later, later); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr syncBuffer
	f := testFactory(ctx, root, &stdout, &stderr)
	p := testPreviewer(t, ctx, f)
	blame := "\n\nThe on-call engineer should have noticed the alert sooner.\n"
	steps := []struct {
		name       string
		do         func()
		want, none []string
	}{
		{name: "first build", do: func() { edit(files[0], "## Impact", "## Impact"+blame) },
			want: []string{"blameless-language", "13 warnings in 6 files\n"}, none: []string{" new, "}},
		{name: "nothing changed", want: []string{"13 warnings in 6 files (0 new, 13 as before, 0 gone)"}, none: []string{"warning blameless-language", "warning action-item-overdue"}},
		{name: "a second warning", do: func() { edit(files[1], "## Impact", "## Impact"+blame) },
			want: []string{filepath.Base(files[1]), "14 warnings in 6 files (1 new, 13 as before, 0 gone)"}, none: []string{filepath.Base(files[0])}},
		{name: "both fixed", do: func() {
			edit(files[0], blame, "\n\n")
			edit(files[1], blame, "\n\n")
		}, want: []string{"12 warnings in 6 files (0 new, 12 as before, 2 gone)"}, none: []string{"blameless-language"}},
	}
	for _, s := range steps {
		if s.do != nil {
			s.do()
		}
		before := len(stderr.String())
		if err := p.rebuild(); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		printed := stderr.String()[before:]
		for _, w := range s.want {
			if !strings.Contains(printed, w) {
				t.Errorf("%s: the output has no %q:\n%s", s.name, w, printed)
			}
		}
		for _, n := range s.none {
			if strings.Contains(printed, n) {
				t.Errorf("%s: the output has %q:\n%s", s.name, n, printed)
			}
		}
	}
}

// TestServeKeepsBrokenPage: a postmortem saved with a YAML syntax error
// keeps its page in the preview, which shows the error with the file's
// lines and a caret; /api/status, which every page's banner reads, lists
// it first; once fixed the page is the postmortem again.
func TestServeKeepsBrokenPage(t *testing.T) {
	root := testRepo(t, 4)
	_, base, stderr := preview(t, root)
	files, _ := filepath.Glob(filepath.Join(root, "postmortems", "*.md"))
	file := files[1]
	id := strings.TrimSuffix(filepath.Base(file), ".md")
	orig, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	save := func(data string, n int) {
		t.Helper()
		if err := os.WriteFile(file, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
		later := time.Now().Add(time.Duration(n) * time.Minute)
		if err := os.Chtimes(file, later, later); err != nil {
			t.Fatal(err)
		}
	}
	get := func(path string) (int, string) {
		resp, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	// waitFor saves data and polls the page until it holds want. The
	// watcher may not be watching yet right after the start: the file is
	// saved again every second until it shows.
	saves := 0
	waitFor := func(data, want string) string {
		t.Helper()
		deadline := time.Now().Add(20 * time.Second)
		for i := 0; ; i++ {
			if i%20 == 0 {
				saves++
				save(data, saves)
			}
			code, body := get("/" + id + "/")
			if code == 200 && strings.Contains(body, want) {
				return body
			}
			if time.Now().After(deadline) {
				t.Fatalf("the page never showed %q: %d\n%s\n%s", want, code, stderr.String(), body[:min(len(body), 300)])
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	_, before := get("/" + id + "/")
	h1 := regexp.MustCompile(`<h1>[^<]+</h1>`).FindString(before)
	if h1 == "" {
		t.Fatalf("the page has no title:\n%s", before)
	}
	line := 1 + strings.Count(string(orig[:strings.Index(string(orig), "\ntitle: ")+1]), "\n")
	broken := strings.Replace(string(orig), "title: ", "title: [", 1)
	page := waitFor(broken, "could not be read")
	rel := "postmortems/" + filepath.Base(file)
	for _, want := range []string{
		h1, // the title of its last parse
		"<code>" + rel + "</code> could not be read",
		`finding finding-error`,
		fmt.Sprintf("%d | title: [", line),
		"(syntax)",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the broken page lacks %q", want)
		}
	}
	if !regexp.MustCompile(`\n  \| +\^\n`).MatchString(page) {
		t.Errorf("the broken page has no caret line:\n%s", page)
	}
	// The status is set after the pages are written, before the reload
	// event: poll it too.
	var status server.Status
	var st string
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		_, st = get("/api/status")
		if err := json.Unmarshal([]byte(st), &status); err != nil {
			t.Fatal(err)
		}
		if status.ErrorCount > 0 || time.Now().After(deadline) {
			break
		}
	}
	if status.ErrorCount == 0 || status.Files == 0 || status.Errors[0].File != rel || status.Errors[0].URL != "/"+id+"/" || status.Errors[0].Line < line {
		t.Errorf("status after the break: %s", st)
	}
	if code, _ := get("/"); code != 200 {
		t.Errorf("home page: %d", code)
	}
	page = waitFor(string(orig), `<div class="postmortem">`)
	if strings.Contains(page, "could not be read") || !strings.Contains(page, h1) {
		t.Error("the fixed page is not the postmortem's")
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		_, st = get("/api/status")
		status = server.Status{}
		if err := json.Unmarshal([]byte(st), &status); err != nil {
			t.Fatal(err)
		}
		if status.ErrorCount == 0 || time.Now().After(deadline) {
			break
		}
	}
	if status.ErrorCount != 0 || len(status.Errors) != 0 {
		t.Errorf("status after the fix: %s", st)
	}
}

// TestREADMEServeLine: the quick start's first line from `serve` on this
// repository's examples is the one serve prints on a fresh machine (the
// time aside).
func TestREADMEServeLine(t *testing.T) {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	line := regexp.MustCompile(`Built \d+ postmortems \(\d+ files written\)`)
	want := line.FindString(string(readme))
	if want == "" {
		t.Fatal("the README shows no line of serve's")
	}
	var stdout, stderr syncBuffer
	f := testFactory(context.Background(), root, &stdout, &stderr)
	cache := t.TempDir()
	f.IO.Getenv = func(k string) string {
		if k == "HINDSIGHT_CACHE" {
			return cache
		}
		return ""
	}
	p := testPreviewer(t, context.Background(), f)
	if err := p.rebuild(); err != nil {
		t.Fatalf("%v\n%s", err, stderr.String())
	}
	if got := line.FindString(stderr.String()); got != want {
		t.Errorf("serve prints %q on the examples, the README says %q", got, want)
	}
}

// TestServeReadsWhatTheWatcherNamed: once the watcher watches, a rebuild
// reads only the files its events named since the last load that worked
// (an edit it did not name stays unseen), keeps the names of a rebuild
// that failed for the next one, and looks at every file again after a
// burst that may not name everything.
func TestServeReadsWhatTheWatcherNamed(t *testing.T) {
	root := testRepo(t, 4)
	files, _ := filepath.Glob(filepath.Join(root, "postmortems", "*.md"))
	p := builtPreviewer(t, testFactory(t.Context(), root, &syncBuffer{}, &syncBuffer{}))
	retitle := func(file, title string) {
		t.Helper()
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		text := regexp.MustCompile(`(?m)^title: .*$`).ReplaceAllString(string(data), "title: "+title)
		if err := os.WriteFile(file, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	page := func(file string) string {
		t.Helper()
		data, err := os.ReadFile(filepath.Join(p.out, strings.TrimSuffix(filepath.Base(file), ".md"), "index.html"))
		if err != nil {
			t.Fatal(err)
		}
		return string(data)
	}
	shows := func(step, file, title string, want bool) {
		t.Helper()
		if got := strings.Contains(page(file), title); got != want {
			t.Errorf("%s: the page of %s shows %q: %v, want %v", step, filepath.Base(file), title, got, want)
		}
	}
	rebuild := func(ch server.Changes) {
		t.Helper()
		if err := p.rebuildChanged(ch); err != nil {
			t.Fatal(err)
		}
	}
	p.watched()
	retitle(files[0], "Renamed before the watch")
	rebuild(server.Changes{}) // the first since the watch began looks at every file
	shows("first rebuild", files[0], "Renamed before the watch", true)

	retitle(files[0], "Named by an event")
	retitle(files[1], "Changed unseen")
	rebuild(server.Changes{Paths: []string{files[0]}})
	shows("one file named", files[0], "Named by an event", true)
	shows("one file named", files[1], "Changed unseen", false)

	// A rebuild that fails keeps what the watcher named for the next.
	retitle(files[2], "Named before a failure")
	getenv := p.f.IO.Getenv
	p.f.IO.Getenv = func(k string) string {
		if k == "HINDSIGHT_NOW" {
			return "not a time"
		}
		return getenv(k)
	}
	if err := p.rebuildChanged(server.Changes{Paths: []string{files[2]}}); err == nil {
		t.Fatal("a rebuild with a bad HINDSIGHT_NOW worked")
	}
	p.f.IO.Getenv = getenv
	rebuild(server.Changes{})
	shows("after a failure", files[2], "Named before a failure", true)
	shows("after a failure", files[1], "Changed unseen", false)

	rebuild(server.Changes{All: true})
	shows("a burst that may miss some", files[1], "Changed unseen", true)
}

// TestServeKeepsFindingsForTheNextStart: a preview that stops leaves the
// findings of the rules that read only the file beside the parse cache,
// and the next one starts from them instead of running those rules again.
func TestServeKeepsFindingsForTheNextStart(t *testing.T) {
	f := testFactory(t.Context(), testRepo(t, 4), &syncBuffer{}, &syncBuffer{})
	first := builtPreviewer(t, f)
	if hits := first.checked.Hits(); hits != 0 {
		t.Fatalf("the first start took %d files' findings from a memo", hits)
	}
	first.keepFindings()
	next := builtPreviewer(t, f)
	if hits := next.checked.Hits(); hits != 4 {
		t.Errorf("the next start took %d files' findings from the memo, want 4", hits)
	}
}
