package site

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/hindsight-dev/hindsight/internal/config"
	"github.com/hindsight-dev/hindsight/internal/corpus"
	"github.com/hindsight-dev/hindsight/internal/postmortem"
	"github.com/hindsight-dev/hindsight/theme"
)

var update = flag.Bool("update", false, "rewrite the golden files")

var testNow = time.Date(2024, 6, 1, 12, 0, 0, 0, time.UTC)

// fixture copies testdata/repo into a temporary folder and loads it.
func fixture(t testing.TB) (*config.Config, []*postmortem.Postmortem) {
	t.Helper()
	root := t.TempDir()
	if err := os.CopyFS(root, os.DirFS("testdata/repo")); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(filepath.Join(root, config.FileName))
	if err != nil {
		t.Fatal(err)
	}
	c, err := corpus.Load(cfg, corpus.Options{WorkDir: root, Drafts: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Diagnostics) > 0 {
		t.Fatalf("fixture has findings: %v", c.Diagnostics)
	}
	return cfg, c.Postmortems
}

func build(t testing.TB, cfg *config.Config, pms []*postmortem.Postmortem, opts Options) string {
	t.Helper()
	if opts.Out == "" {
		opts.Out = filepath.Join(cfg.Root, "site")
	}
	if opts.Theme == nil {
		opts.Theme = theme.FS("")
	}
	if opts.Now.IsZero() {
		opts.Now = testNow
	}
	if _, err := Build(context.Background(), cfg, pms, opts); err != nil {
		t.Fatal(err)
	}
	return opts.Out
}

func read(t testing.TB, dir, name string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(name)))
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// TestGolden compares a postmortem page, the list page and the metrics
// page with the files under testdata/golden; -update rewrites them.
func TestGolden(t *testing.T) {
	cfg, pms := fixture(t)
	out := build(t, cfg, pms, Options{})
	for _, page := range []string{"2024-03-01-checkout-errors/index.html", "postmortems/index.html", "metrics/index.html"} {
		got := read(t, out, page)
		golden := filepath.Join("testdata", "golden", strings.ReplaceAll(strings.TrimSuffix(page, "/index.html"), "/", "_")+".html")
		if *update {
			if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(golden)
		if err != nil {
			t.Fatalf("%v (run go test -update to create it)", err)
		}
		if got != string(want) {
			t.Errorf("%s differs from %s (run go test -update after checking the change)", page, golden)
		}
	}
}

func TestPages(t *testing.T) {
	cfg, pms := fixture(t)
	out := build(t, cfg, pms, Options{})
	for _, name := range []string{
		"index.html", "postmortems/index.html", "2024-03-01-checkout-errors/index.html", "2024-01-15-db-failover/index.html",
		"tags/index.html", "tags/deploy/index.html", "services/index.html", "services/payments/index.html",
		"severity/index.html", "severity/sev1/index.html", "actions/index.html", "metrics/index.html", "404.html",
		"feed.xml", "sitemap.xml", "robots.txt", "static/chroma.css", "files/postmortems/img/graph.png", Marker,
	} {
		if _, err := os.Stat(filepath.Join(out, name)); err != nil {
			t.Errorf("missing %s", name)
		}
	}
	if _, err := os.Stat(filepath.Join(out, "2024-05-01-draft")); err == nil {
		t.Error("a draft was built without --drafts")
	}
	page := read(t, out, "2024-03-01-checkout-errors/index.html")
	for _, want := range []string{
		`Checkout errors after &lt;script&gt;alert(1)&lt;/script&gt; SDK upgrade`,
		`href="/pm/2024-01-15-db-failover/"`,
		`href="https://tracker.example.com/browse/OPS-101"`,
		`src="/pm/files/postmortems/img/graph.png"`,
		`Content-Security-Policy`,
		`class="chroma"`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("postmortem page lacks %s", want)
		}
	}
	for _, bad := range []string{"<script>alert", "javascript:", "onerror"} {
		if strings.Contains(page, bad) {
			t.Errorf("postmortem page contains %q", bad)
		}
	}
	if !strings.Contains(read(t, out, "robots.txt"), "Disallow: /") {
		t.Error("an internal build must disallow indexing")
	}
	actions := read(t, out, "actions/index.html")
	if i, j := strings.Index(actions, "Add failover damping"), strings.Index(actions, "Pin SDK timeouts"); i < 0 || j < 0 || i > j {
		t.Error("overdue items must come first on the action items page")
	}
	// Every XML output is well formed.
	for _, name := range []string{"feed.xml", "sitemap.xml"} {
		d := xml.NewDecoder(strings.NewReader(read(t, out, name)))
		for {
			if _, err := d.Token(); err != nil {
				if err.Error() != "EOF" {
					t.Errorf("%s: %v", name, err)
				}
				break
			}
		}
	}
	if feed := read(t, out, "feed.xml"); !strings.Contains(feed, "https://status.example.com/pm/2024-03-01-checkout-errors/") {
		t.Errorf("feed links are not absolute:\n%s", feed)
	}
}

func TestPublicBuild(t *testing.T) {
	cfg, pms := fixture(t)
	out := build(t, cfg, pms, Options{Public: true})
	if _, err := os.Stat(filepath.Join(out, "2024-01-15-db-failover")); err == nil {
		t.Error("an internal postmortem is in the public build")
	}
	page := read(t, out, "2024-03-01-checkout-errors/index.html")
	// The prose is the author's and stays; internal tracker links do not.
	for _, secret := range []string{"Kwame", "Fatima", "tracker.example.com", "OPS-110", "payments-oncall@example.com", "sre@example.com", "high"} {
		if strings.Contains(page, secret) {
			t.Errorf("public page shows internal detail %q", secret)
		}
	}
	if !strings.Contains(read(t, out, "robots.txt"), "Allow: /") {
		t.Error("a public build allows indexing")
	}
	all := ""
	_ = filepath.WalkDir(out, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && slices.Contains([]string{".html", ".csv", ".md", ".xml", ".txt"}, filepath.Ext(p)) {
			all += read(t, out, strings.TrimPrefix(p, out+"/"))
		}
		return nil
	})
	if strings.Contains(all, "Database failover loop") || strings.Contains(all, "2024-01-15-db-failover") {
		t.Error("an internal postmortem leaks into a public page or file")
	}
	if !strings.Contains(read(t, out, "actions/actions.csv"), "2024-03-01-checkout-errors#1") {
		t.Error("the public action items download lacks the public postmortem's items")
	}
}

// TestDeterministic builds twice and compares every byte.
func TestDeterministic(t *testing.T) {
	cfg, pms := fixture(t)
	a := snapshot(t, build(t, cfg, pms, Options{Out: filepath.Join(t.TempDir(), "a")}))
	b := snapshot(t, build(t, cfg, pms, Options{Out: filepath.Join(t.TempDir(), "b")}))
	if len(a) != len(b) {
		t.Fatalf("%d files, then %d", len(a), len(b))
	}
	for name, data := range a {
		if !bytes.Equal(data, b[name]) {
			t.Errorf("%s differs between two builds", name)
		}
	}
}

func snapshot(t testing.TB, dir string) map[string][]byte {
	out := map[string][]byte{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		rel, _ := filepath.Rel(dir, p)
		out[rel] = data
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// A failed build leaves the previous site as it was.
func TestFailedBuildKeepsSite(t *testing.T) {
	cfg, pms := fixture(t)
	out := build(t, cfg, pms, Options{})
	before := snapshot(t, out)
	broken := fstest.MapFS{"templates/postmortem.html": {Data: []byte("{{define \"main\"}}\n{{.Nope.Field}}\n{{end}}")}}
	_, err := Build(context.Background(), cfg, pms, Options{Out: out, Theme: overlayFS{broken, theme.Builtin()}, Now: testNow})
	if err == nil {
		t.Fatal("a template that fails must fail the build")
	}
	after := snapshot(t, out)
	if len(before) != len(after) {
		t.Fatalf("the site changed after a failed build")
	}
	for name := range before {
		if !bytes.Equal(before[name], after[name]) {
			t.Errorf("%s changed after a failed build", name)
		}
	}
	entries, _ := os.ReadDir(filepath.Dir(out))
	for _, e := range entries {
		if strings.Contains(e.Name(), ".tmp-") {
			t.Errorf("temporary folder %s left behind", e.Name())
		}
	}
}

type overlayFS struct{ top, base fs.FS }

func (o overlayFS) Open(name string) (fs.File, error) {
	if f, err := o.top.Open(name); err == nil {
		return f, nil
	}
	return o.base.Open(name)
}

func TestThemeSyntaxError(t *testing.T) {
	cfg, pms := fixture(t)
	broken := fstest.MapFS{"templates/list.html": {Data: []byte("{{define \"main\"}}\n<p>\n{{if .List}}\n{{end}")}}
	_, err := Build(context.Background(), cfg, pms, Options{Out: filepath.Join(cfg.Root, "site"), Theme: overlayFS{broken, theme.Builtin()}, Now: testNow})
	if err == nil || !regexp.MustCompile(`theme/templates/list\.html:4: `).MatchString(err.Error()) {
		t.Fatalf("want an error naming theme/templates/list.html:4, got %v", err)
	}
}

func TestThemeOverride(t *testing.T) {
	cfg, pms := fixture(t)
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "templates"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "templates", "404.html"), []byte(`{{define "main"}}<p>Custom not found</p>{{end}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	out := build(t, cfg, pms, Options{Theme: theme.FS(dir)})
	if !strings.Contains(read(t, out, "404.html"), "Custom not found") {
		t.Error("a theme file in the repository must override the built-in one")
	}
}

func TestRefusedOutputs(t *testing.T) {
	cfg, pms := fixture(t)
	other := t.TempDir()
	if err := os.WriteFile(filepath.Join(other, "notes.txt"), []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	for name, out := range map[string]string{
		"root":       cfg.Root,
		"in content": filepath.Join(cfg.ContentDir(), "site"),
		"foreign":    other,
	} {
		_, err := Build(context.Background(), cfg, pms, Options{Out: out, Theme: theme.FS(""), Now: testNow})
		if err == nil {
			t.Errorf("%s: building into %s must be refused", name, out)
		}
	}
	if data, _ := os.ReadFile(filepath.Join(other, "notes.txt")); string(data) != "mine" {
		t.Error("a refused folder was touched")
	}
}

func TestIDsDifferingInCase(t *testing.T) {
	cfg, pms := fixture(t)
	twin := *pms[0]
	twin.ID = strings.ToUpper(pms[0].ID[:1]) + pms[0].ID[1:] + "X"
	twin2 := *pms[0]
	twin2.ID = strings.ToUpper(twin.ID)
	_, err := Build(context.Background(), cfg, append(pms, &twin, &twin2), Options{Out: filepath.Join(cfg.Root, "site"), Theme: theme.FS(""), Now: testNow})
	if err == nil || !strings.Contains(err.Error(), "differ in more than case") {
		t.Fatalf("ids differing only in case: %v", err)
	}
}

func TestImageOutsideRepo(t *testing.T) {
	cfg, pms := fixture(t)
	pm := *pms[0]
	pm.Body = []byte("## Impact\n\n![secret](../../../../etc/passwd) ![x](../hindsight.yaml)\n")
	out := build(t, cfg, []*postmortem.Postmortem{&pm}, Options{})
	page := read(t, out, pm.ID+"/index.html")
	if strings.Contains(page, "passwd") || strings.Contains(page, "hindsight.yaml") {
		t.Error("an image outside the content folder was linked")
	}
	var files []string
	_ = filepath.WalkDir(filepath.Join(out, "files"), func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			files = append(files, p)
		}
		return nil
	})
	sort.Strings(files)
	for _, f := range files {
		if !strings.Contains(f, "postmortems/") {
			t.Errorf("copied a file from outside the content folder: %s", f)
		}
	}
}

func TestDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		45 * time.Second: "45s", 12 * time.Minute: "12m", 92 * time.Minute: "1h 32m",
		4 * time.Hour: "4h", 34*time.Hour + 15*time.Minute: "1d 10h", 47 * time.Hour: "1d 23h", 48 * time.Hour: "2d",
		50 * time.Hour: "2d 2h", -5 * time.Minute: "-5m", 59*time.Minute + 59*time.Second: "59m", 90 * time.Second: "1m",
	} {
		if got := Duration(d); got != want {
			t.Errorf("Duration(%v) = %q, want %q", d, got, want)
		}
	}
}

// A rebuild renders again only the pages whose inputs changed, and gives
// the same bytes as a build from scratch.
func TestIncremental(t *testing.T) {
	cfg, pms := fixture(t)
	out := filepath.Join(cfg.Root, "site")
	opts := Options{Out: out, Theme: theme.FS(""), Now: testNow}
	if _, err := Build(context.Background(), cfg, pms, opts); err != nil {
		t.Fatal(err)
	}
	res, err := Build(context.Background(), cfg, pms, opts)
	if err != nil {
		t.Fatal(err)
	}
	if res.Reused != res.Files {
		t.Errorf("an unchanged rebuild reused %d of %d files", res.Reused, res.Files)
	}
	// Edit the failover postmortem: its page, and the checkout page that
	// lists it as related, are rendered again.
	for _, pm := range pms {
		if pm.ID == "2024-01-15-db-failover" {
			pm.Title = "Database failover loop (edited)"
			pm.Source = append(pm.Source, ' ')
		}
	}
	cold := *&opts
	cold.Out = filepath.Join(t.TempDir(), "cold")
	if _, err := Build(context.Background(), cfg, pms, cold); err != nil {
		t.Fatal(err)
	}
	res, err = Build(context.Background(), cfg, pms, opts)
	if err != nil {
		t.Fatal(err)
	}
	// Written again: the two postmortem pages, the lists showing the title
	// (home, all, its tags, services and severity, action items), and the
	// static search index's files holding the changed terms.
	if rendered := res.Files - res.Reused; rendered < 2 || rendered > res.Files/2 {
		t.Errorf("after one edit %d of %d files were written again", rendered, res.Files)
	}
	a, b := snapshot(t, out), snapshot(t, cold.Out)
	for name, data := range b {
		if name != Marker && !bytes.Equal(a[name], data) {
			t.Errorf("%s differs between an incremental and a cold build", name)
		}
	}
	if !strings.Contains(read(t, out, "2024-03-01-checkout-errors/index.html"), "Database failover loop (edited)") {
		t.Error("a related title change did not reach the page that lists it")
	}
}

// A postmortem removed from the corpus loses its page on the next build.
func TestIncrementalRemoval(t *testing.T) {
	cfg, pms := fixture(t)
	out := build(t, cfg, pms, Options{})
	var rest []*postmortem.Postmortem
	for _, pm := range pms {
		if pm.ID != "2024-01-15-db-failover" {
			rest = append(rest, pm)
		}
	}
	build(t, cfg, rest, Options{})
	if _, err := os.Stat(filepath.Join(out, "2024-01-15-db-failover")); err == nil {
		t.Error("the page of a removed postmortem is still there")
	}
	if _, err := os.Stat(filepath.Join(out, "services", "database")); err == nil {
		t.Error("a term page no postmortem has any more is still there")
	}
}

// A rebuild stopped while moving its files in (killed, or the disk full)
// must not leave pages that a later build takes for current: the manifest
// vouches for a page only once it is in place.
func TestIncrementalStoppedWhileMoving(t *testing.T) {
	cfg, pms := fixture(t)
	out := build(t, cfg, pms, Options{})
	title := map[string]string{}
	for _, pm := range pms {
		title[pm.ID] = pm.Title
	}
	retitle := func(suffix string) {
		for _, pm := range pms {
			pm.Title = title[pm.ID] + suffix
		}
	}
	// Title B: stop after a few files were moved in.
	retitle(" (B)")
	beforeMove = func(i int) error {
		if i == 3 {
			return errors.New("killed")
		}
		return nil
	}
	_, err := Build(context.Background(), cfg, pms, Options{Out: out, Theme: theme.FS(""), Now: testNow})
	beforeMove = nil
	if err == nil {
		t.Fatal("the stopped build succeeded")
	}
	// Title A again: every page must say A, as a cold build does.
	retitle("")
	build(t, cfg, pms, Options{})
	cold := build(t, cfg, pms, Options{Out: filepath.Join(t.TempDir(), "cold")})
	a, b := snapshot(t, out), snapshot(t, cold)
	for name, data := range b {
		if name != Marker && !bytes.Equal(a[name], data) {
			t.Errorf("%s kept what the stopped build moved in", name)
		}
	}
}

// Names in a manifest are used to remove and replace files: only clean
// paths inside the output folder are accepted.
func TestSiteName(t *testing.T) {
	for name, want := range map[string]bool{
		"index.html": true, "static/style.css": true, "a/b/index.html": true,
		"": false, ".": false, "..": false, "../x": false, "a/../../x": false, "/etc/passwd": false,
		"a//b": false, "a/./b": false, `a\..\b`: false, "x\x00": false, Marker: false, ".index/x": false,
	} {
		if got := siteName(name); got != want {
			t.Errorf("siteName(%q) = %v, want %v", name, got, want)
		}
	}
}

// Values that slug alike are still distinct terms, each with its own page
// and count.
func TestTermSlugCollisions(t *testing.T) {
	cfg, pms := fixture(t)
	var pub []*postmortem.Postmortem
	for _, pm := range pms {
		if pm.Status != postmortem.StatusDraft {
			pub = append(pub, pm)
		}
	}
	if len(pub) < 2 {
		t.Fatal("the fixture needs two postmortems that are not drafts")
	}
	pms = pub
	pms[0].Services = []string{"API"}
	pms[1].Services = []string{"api"}
	out := build(t, cfg, pms, Options{})
	a, b := read(t, out, "services/api/index.html"), read(t, out, "services/api-2/index.html")
	if strings.Contains(a, pms[1].ID) == strings.Contains(b, pms[1].ID) {
		t.Errorf("the two values share a page")
	}
	list := read(t, out, "services/index.html")
	if !strings.Contains(list, `services/api/"`) || !strings.Contains(list, `services/api-2/"`) {
		t.Errorf("the services page does not link both values")
	}
}

// Another build of the program (an upgrade) may render the same inputs
// differently: its first build renders every page again.
func TestIncrementalNewProgram(t *testing.T) {
	cfg, pms := fixture(t)
	out := filepath.Join(cfg.Root, "site")
	opts := Options{Out: out, Theme: theme.FS(""), Now: testNow}
	if _, err := Build(context.Background(), cfg, pms, opts); err != nil {
		t.Fatal(err)
	}
	old := programStamp
	t.Cleanup(func() { programStamp = old })
	programStamp = func() string { return "a later release" }
	res, err := Build(context.Background(), cfg, pms, opts)
	if err != nil {
		t.Fatal(err)
	}
	if res.Reused > res.Files-res.Pages {
		t.Errorf("a new program reused %d of %d files (%d pages)", res.Reused, res.Files, res.Pages)
	}
}

// An unchanged rebuild keeps the static search index whole, by what it
// was made from; one whose files are not all there makes it again.
func TestIncrementalStaticIndex(t *testing.T) {
	cfg, pms := fixture(t)
	out := filepath.Join(cfg.Root, "site")
	opts := Options{Out: out, Theme: theme.FS(""), Now: testNow}
	if _, err := Build(context.Background(), cfg, pms, opts); err != nil {
		t.Fatal(err)
	}
	want := snapshot(t, out)
	m, err := readManifest(out)
	if err != nil || m == nil || len(m.Inputs["search"]) != 32 {
		t.Fatalf("the manifest records no inputs of the search index: %+v, %v", m, err)
	}
	var shard string
	for name := range want {
		if strings.HasPrefix(name, "search/terms/") {
			shard = name
			break
		}
	}
	if shard == "" {
		t.Fatal("no term shard in the static index")
	}
	if err := os.Remove(filepath.Join(out, filepath.FromSlash(shard))); err != nil {
		t.Fatal(err)
	}
	res, err := Build(context.Background(), cfg, pms, opts)
	if err != nil {
		t.Fatal(err)
	}
	if res.Reused != res.Files-1 {
		t.Errorf("after removing one shard, %d of %d files were reused", res.Reused, res.Files)
	}
	got := snapshot(t, out)
	for name, data := range want {
		if name != Marker && !bytes.Equal(got[name], data) {
			t.Errorf("%s differs after the rebuild", name)
		}
	}
}

// A change that the search page shows but the static index does not (the
// site's title) renders the search page again while the index is kept.
func TestIncrementalSearchPage(t *testing.T) {
	cfg, pms := fixture(t)
	out := filepath.Join(cfg.Root, "site")
	opts := Options{Out: out, Theme: theme.FS(""), Now: testNow}
	if _, err := Build(context.Background(), cfg, pms, opts); err != nil {
		t.Fatal(err)
	}
	cfg.Title = "Renamed postmortems"
	if _, err := Build(context.Background(), cfg, pms, opts); err != nil {
		t.Fatal(err)
	}
	cold := filepath.Join(t.TempDir(), "cold")
	if _, err := Build(context.Background(), cfg, pms, Options{Out: cold, Theme: theme.FS(""), Now: testNow}); err != nil {
		t.Fatal(err)
	}
	a, b := snapshot(t, out), snapshot(t, cold)
	for name, data := range b {
		if !bytes.Equal(a[name], data) {
			t.Errorf("%s differs between the rebuild and a cold build", name)
		}
	}
}

// TestSeverityBadges: a postmortem with no severity, or one the config
// does not know (as serve shows it while the check reports it), never
// gets an empty badge.
func TestSeverityBadges(t *testing.T) {
	cfg, pms := fixture(t)
	none, odd := *pms[0], *pms[0]
	none.ID, none.Severity = "no-severity", ""
	odd.ID, odd.Severity = "odd-severity", "SEV9"
	out := build(t, cfg, append(pms, &none, &odd), Options{})
	for _, tt := range []struct{ page, want string }{
		{"no-severity/index.html", `<span class="badge sev sev-none">no severity</span>`},
		{"odd-severity/index.html", `<span class="badge sev sev-unknown" title="SEV9 is not a severity of the config"><span class="vh">Severity </span>SEV9?</span>`},
		{"postmortems/index.html", `sev-none">no severity</span>`},
	} {
		page := read(t, out, tt.page)
		if !strings.Contains(page, tt.want) {
			t.Errorf("%s lacks %s", tt.page, tt.want)
		}
		if strings.Contains(page, `<span class="vh">Severity </span></span>`) {
			t.Errorf("%s has an empty severity badge", tt.page)
		}
	}
}

// TestDoneCountsAgree: the action items page and the metrics page count
// done items the same way, won't-do apart (once, the page said 58 done
// counting won't-do items while the metrics said 55).
func TestDoneCountsAgree(t *testing.T) {
	cfg, pms := fixture(t)
	wont := *pms[0]
	wont.ID = "wont-do-copy"
	wont.ActionItems = slices.Clone(pms[0].ActionItems)
	for i := range wont.ActionItems {
		wont.ActionItems[i].Status = postmortem.ItemWontDo
	}
	all := append(pms, &wont)
	out := build(t, cfg, all, Options{})
	tally := postmortem.Tally(all, testNow)
	if tally.WontDo == 0 || tally.Done == 0 {
		t.Fatalf("the fixture needs done and won't-do items: %+v", tally)
	}
	actions := read(t, out, "actions/index.html")
	for _, want := range []string{
		fmt.Sprintf(`<span class="callout-value">%d</span><span class="callout-label">done</span>`, tally.Done),
		fmt.Sprintf(`<span class="callout-value">%d</span><span class="callout-label">won’t do</span>`, tally.WontDo),
	} {
		if !strings.Contains(actions, want) {
			t.Errorf("the action items page lacks %s", want)
		}
	}
	if want := fmt.Sprintf("%d of %d, besides %d won’t do", tally.Done, tally.Total-tally.WontDo, tally.WontDo); !strings.Contains(read(t, out, "metrics/index.html"), want) {
		t.Errorf("the metrics page lacks %q", want)
	}
}

// A service's page shows its postmortems' figures (last incident, median
// times, open items), the services page the same in a table, and a
// severity's page its definition from the config, escaped.
func TestTermFigures(t *testing.T) {
	cfg, pms := fixture(t)
	cfg.SeverityDefinitions = map[string]string{"SEV1": "Everything <b>down</b>"}
	out := build(t, cfg, pms, Options{Drafts: true})
	var payments []*postmortem.Postmortem
	for _, pm := range pms {
		if slices.Contains(pm.Services, "payments") {
			payments = append(payments, pm)
		}
	}
	if len(payments) != 2 {
		t.Fatalf("the fixture has %d postmortems of payments, want 2", len(payments))
	}
	ttr := (payments[0].Times.Resolved.Sub(payments[0].Times.Started) + payments[1].Times.Resolved.Sub(payments[1].Times.Started)) / 2
	last, open := payments[0], 0
	for _, pm := range payments {
		if pm.Date.Time.After(last.Date.Time) {
			last = pm
		}
		for _, it := range pm.ActionItems {
			if it.Status != postmortem.ItemDone && it.Status != postmortem.ItemWontDo {
				open++
			}
		}
	}
	lastDate := last.Date.Time.Format("2006-01-02")
	page := read(t, out, "services/payments/index.html")
	for _, want := range []string{
		`<dd class="figure-value">` + lastDate + `</dd>`,
		`<dt>Median time to resolve</dt>
    <dd class="figure-value">` + Duration(ttr) + `</dd>`,
		`<dt>Open action items</dt>
    <dd class="figure-value">` + fmt.Sprint(open) + `</dd>`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("services/payments/ lacks %s", want)
		}
	}
	list := read(t, out, "services/index.html")
	if want := `<tr data-name="payments" data-count="2" data-last="` + lastDate + `" data-ttr="` + fmt.Sprint(int64(ttr.Seconds())) + `" data-open="` + fmt.Sprint(open) + `">`; !strings.Contains(list, want) {
		t.Errorf("services/ lacks %s", want)
	}
	if strings.Contains(list, "<th scope=\"col\">Definition</th>") {
		t.Errorf("services/ has a definition column")
	}
	sev := read(t, out, "severity/sev1/index.html")
	if want := `<p class="lead term-definition">Everything &lt;b&gt;down&lt;/b&gt;</p>`; !strings.Contains(sev, want) {
		t.Errorf("severity/sev1/ lacks %s", want)
	}
	if !strings.Contains(read(t, out, "severity/index.html"), `<td class="term-definition" data-label="Definition">Everything &lt;b&gt;down&lt;/b&gt;</td>`) {
		t.Errorf("severity/ lacks the definition")
	}
}

// The metrics page is drawn for all time and again for the last three
// years and twelve months, each page leading to the others and counting
// only its own incidents.
func TestMetricRanges(t *testing.T) {
	cfg, pms := fixture(t)
	old := *pms[0]
	old.ID = "old-incident"
	old.Date.Time = time.Date(2020, 5, 1, 0, 0, 0, 0, time.UTC)
	all := append(pms, &old)
	out := build(t, cfg, all, Options{})
	published := 0
	for _, pm := range all {
		if pm.Status != postmortem.StatusDraft {
			published++
		}
	}
	for _, tt := range []struct {
		page    string
		current string
		count   int
	}{
		{"metrics/index.html", "All time", published},
		{"metrics/3y/index.html", "Last 3 years", published - 1},
		{"metrics/12m/index.html", "Last 12 months", published - 1},
	} {
		page := read(t, out, tt.page)
		if want := `aria-current="page">` + tt.current + `</a>`; !strings.Contains(page, want) {
			t.Errorf("%s: the tab of its range is not current", tt.page)
		}
		for _, r := range []string{"/pm/metrics/", "/pm/metrics/3y/", "/pm/metrics/12m/"} {
			if !strings.Contains(page, `href="`+r+`"`) {
				t.Errorf("%s does not lead to %s", tt.page, r)
			}
		}
		if want := fmt.Sprintf(`<dd class="figure-value">%d</dd>
    <dd class="figure-note">%s</dd>`, tt.count, strings.ToLower(tt.current)); !strings.Contains(page, want) {
			t.Errorf("%s does not count %d postmortems for %s", tt.page, tt.count, strings.ToLower(tt.current))
		}
	}
}

// TestMetricRangesSpanTheirWindow: a recent range's time charts run over
// the whole window, this month and the ones before it, quiet months
// included, not only from its first incident to its last.
func TestMetricRangesSpanTheirWindow(t *testing.T) {
	cfg, pms := fixture(t)
	now := time.Date(2025, 1, 15, 12, 0, 0, 0, time.UTC)
	b, err := newBuilder(cfg, pms, Options{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	views := b.metricsViews()
	for _, tt := range []struct {
		page        string
		rows        int
		first, last string
	}{
		{"metrics/12m/", 12, "2024-02", "2025-01"},
		{"metrics/3y/", 36, "2022-02", "2025-01"},
	} {
		v := views[tt.page]
		if v == nil || len(v.Charts) == 0 || v.Charts[0].ID != "per-period" {
			t.Fatalf("%s has no incidents-per-period chart", tt.page)
		}
		rows := v.Charts[0].Table.Rows
		if len(rows) != tt.rows || rows[0][0] != tt.first || rows[len(rows)-1][0] != tt.last {
			var got []string
			for _, r := range rows {
				got = append(got, r[0])
			}
			t.Errorf("%s: months %v, want %d from %s to %s", tt.page, got, tt.rows, tt.first, tt.last)
		}
	}
}

// The hand-written manifest is what encoding/json writes, byte for byte,
// for every kind of name a site can have.
func TestManifestData(t *testing.T) {
	names := map[string]string{
		"index.html": "0123456789abcdef0123456789abcdef", "2024-01-15-db-failover/index.html": "x",
		"files/café ü.png": "y", "files/lt<": "z", "files/gt>": "z", "files/amp&": "z", "files/quote\"back\\slash": "w",
		"files/ctl\x01\t\n": "v", "files/bad\xffutf8": "u", "files/sep\u2028\u2029": "t", "files/del\x7f": "s",
	}
	for _, tc := range []struct {
		name          string
		pages, inputs map[string]string
	}{
		{"empty", map[string]string{}, nil},
		{"no pages", nil, nil},
		{"pages", names, nil},
		{"empty inputs", names, map[string]string{}},
		{"inputs", names, map[string]string{"search": "abc", "odd\"key": "é"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			want, err := json.MarshalIndent(manifest{Note: manifestNote, Version: manifestVersion, Pages: tc.pages, Inputs: tc.inputs}, "", " ")
			if err != nil {
				t.Fatal(err)
			}
			want = append(want, '\n')
			if got := manifestData(tc.pages, tc.inputs); !bytes.Equal(got, want) {
				t.Errorf("got\n%s\nwant\n%s", got, want)
			}
		})
	}
}
