// Package site builds the static site: it turns a checked, linked corpus
// into views, renders them with the theme's templates in parallel, and
// writes the result into a temporary folder beside the output that replaces
// the old site only when everything succeeded. The same input gives the same
// bytes.
package site

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hindsight-dev/hindsight/internal/config"
	"github.com/hindsight-dev/hindsight/internal/markdown"
	"github.com/hindsight-dev/hindsight/internal/postmortem"
	"github.com/hindsight-dev/hindsight/internal/search"
	"golang.org/x/sync/errgroup"
)

// Options say what to build and where.
type Options struct {
	// Out is the output folder.
	Out string
	// BaseURL overrides the config's base URL.
	BaseURL string
	// Drafts includes drafts.
	Drafts bool
	// Public builds only public postmortems, without internal details.
	Public bool
	// Theme is the folder whose files override the built-in theme.
	Theme fs.FS
	// Now decides which action items are overdue.
	Now time.Time
	// Findings are the check's findings by file, shown on each page.
	Findings map[string][]Finding
	// Preview is the writer's preview (serve): a page shows its findings
	// first, and each of Failed gets a page that shows why.
	Preview bool
	// Failed are the files that could not be parsed (with Preview).
	Failed []Failed
	// Web gives a file's page and history page in the repository's web
	// UI, when known.
	Web func(file string) (page, history string)
	// Edit gives the page that edits a file in the repository's web UI,
	// or "" (HEAD not on a branch, or a web UI without one).
	Edit func(file string) string
	// Progress, when set, is called as pages are written.
	Progress func(done, total int)
	// Similar, when set, fills the related postmortems of a page that
	// shares too few services, tags and files with others.
	Similar Similar
	// NoStaticSearch leaves out the static search index, for a site that a
	// server with the search API serves.
	NoStaticSearch bool
	// SearchCache, when set, is a file that keeps the text analysis of each
	// postmortem for the static search index between builds.
	SearchCache string
	// Docs and Analysis, when set, are the search documents (from Docs)
	// and the loaded SearchCache a caller already made for the search
	// index, which the static index then reuses instead of making them
	// again.
	Docs     []search.Doc
	Analysis *search.AnalysisCache
	// Memo, when set, keeps what this build works out for the next build
	// given the same Memo (serve's rebuilds).
	Memo *Memo
}

// Finding is a check finding of a file.
type Finding struct {
	// Level is "error" or "warning".
	Level         string
	Line, Col     int
	Rule, Message string
}

// Failed is a file that could not be parsed, shown in the preview at the
// page it had (ID) with why.
type Failed struct {
	File, ID, Title string
	// Findings are the file's, the reason among them.
	Findings []Finding
	// Source is the file's text, nil when it could not be read.
	Source []byte
}

// Result says what a build did.
type Result struct {
	Postmortems int
	Pages       int
	Files       int
	Bytes       int64
	// Reused counts the files taken unchanged from the previous build
	// instead of being written again.
	Reused int
}

// Marker is the file that marks a folder as Hindsight's output, so that a
// build never replaces a folder it did not make.
const Marker = ".hindsight-site"

// Build renders the site of the postmortems into opts.Out.
func Build(ctx context.Context, cfg *config.Config, pms []*postmortem.Postmortem, opts Options) (*Result, error) {
	if opts.Out == "" {
		return nil, errors.New("no output folder")
	}
	if err := CheckOutput(cfg, opts.Out); err != nil {
		return nil, err
	}
	th, err := loadThemeWith(opts.Theme, opts.Memo)
	if err != nil {
		return nil, err
	}
	defer opts.Memo.turnSources()
	b, err := newBuilder(cfg, pms, opts)
	if err != nil {
		return nil, err
	}
	// The search documents are the builder's now, which drops them once
	// the static index is made.
	opts.Docs, opts.Analysis = nil, nil
	w, err := newWriter(opts.Out)
	if err != nil {
		return nil, err
	}
	defer w.abort()
	w.trust(opts.Memo.lastPlaced())
	opts.Memo.keepPlaced(nil) // until this build is in place
	plan := opts.Memo.planRelated(b)
	b.plan = plan
	if err := b.build(ctx, th, w); err != nil {
		plan.done(false)
		return nil, err
	}
	if err := w.commit(); err != nil {
		plan.done(false)
		return nil, err
	}
	opts.Memo.keepPlaced(w.left())
	plan.done(true)
	return &Result{Postmortems: len(b.pms), Pages: int(w.pages.Load()), Files: int(w.files.Load()), Bytes: w.bytes.Load(), Reused: int(w.reused.Load())}, nil
}

// CheckOutput refuses output folders that would lose data: the repository
// root, anything inside the content folder, and a folder with files that
// is not a previous build.
func CheckOutput(cfg *config.Config, out string) error {
	abs, err := filepath.Abs(out)
	if err != nil {
		return err
	}
	root, _ := filepath.Abs(cfg.Root)
	content, _ := filepath.Abs(cfg.ContentDir())
	switch rel, err := filepath.Rel(content, abs); {
	case abs == root:
		return fmt.Errorf("the output folder %s is the repository root; build into a folder of its own, such as site", out)
	case err == nil && (rel == "." || !strings.HasPrefix(rel, "..")):
		return fmt.Errorf("the output folder %s is inside the content folder %s; build into a folder outside it, such as site", out, cfg.Content)
	case contains(abs, root):
		return fmt.Errorf("the output folder %s contains the repository; build into a folder of its own, such as site", out)
	}
	if st, err := os.Lstat(abs); err == nil && st.Mode()&fs.ModeSymlink != 0 {
		return fmt.Errorf("the output folder %s is a symbolic link; a build never writes through a link: build into a real folder", out)
	}
	if st, err := os.Lstat(filepath.Join(abs, IndexDir)); err == nil && !st.IsDir() {
		return fmt.Errorf("the output folder %s holds a %s that is not a folder (a symbolic link?); empty the output folder or choose another", out, IndexDir)
	}
	// Whether it holds anything but the search index: two names tell,
	// without reading all of a large site's.
	names, err := firstNames(abs, 2)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("reading the output folder: %w", err)
	}
	if len(names) == 0 || len(names) == 1 && names[0] == IndexDir {
		return nil
	}
	if st, err := os.Lstat(filepath.Join(abs, Marker)); err != nil || !st.Mode().IsRegular() {
		return fmt.Errorf("the output folder %s has files and is not a previous Hindsight build (no %s); empty it or choose another folder", out, Marker)
	}
	if _, err := readManifest(abs); err != nil {
		return fmt.Errorf("the output folder %s is not a previous Hindsight build: %v; empty it or choose another folder", out, err)
	}
	return nil
}

// firstNames returns up to n names of the entries of folder dir, in no
// particular order.
func firstNames(dir string, n int) ([]string, error) {
	f, err := os.Open(dir)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	names, err := f.Readdirnames(n)
	if errors.Is(err, io.EOF) {
		err = nil
	}
	return names, err
}

// contains reports whether folder dir holds path below it ("/" holds
// everything).
func contains(dir, path string) bool {
	rel, err := filepath.Rel(dir, path)
	return err == nil && rel != "." && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

func newBuilder(cfg *config.Config, all []*postmortem.Postmortem, opts Options) (*builder, error) {
	b, err := selectFor(cfg, all, opts)
	if err != nil {
		return nil, err
	}
	b.assignTermSlugs()
	for _, pm := range b.pms {
		if _, dup := b.byID[strings.ToLower(pm.ID)]; dup {
			return nil, fmt.Errorf("%s: id %q is used twice (ids must differ in more than case); give one of them another id", pm.File, pm.ID)
		}
		b.byID[strings.ToLower(pm.ID)] = pm
		b.rels[pm.Rel] = pm
	}
	// The summaries only read the builder: made in parallel, or taken
	// from the last build.
	key := b.summariesKey()
	sums := make([]*Summary, len(b.pms))
	_ = inParallel(context.Background(), len(b.pms), func(i int) error {
		pm := b.pms[i]
		sums[i] = b.opts.Memo.summary(pm, b.summaryKey(pm, key), func() *Summary { return b.summarize(pm) })
		return nil
	})
	for i, pm := range b.pms {
		b.summary[pm.ID] = sums[i]
	}
	return b, nil
}

// selectFor makes a builder that has only what search documents need:
// the site's settings and the postmortems of the build, in order.
func selectFor(cfg *config.Config, all []*postmortem.Postmortem, opts Options) (*builder, error) {
	base, baseURL, err := config.SplitBaseURL(cmp.Or(opts.BaseURL, cfg.BaseURL))
	if err != nil {
		return nil, err
	}
	now := opts.Now
	if now.IsZero() {
		now = time.Now()
	}
	b := &builder{cfg: cfg, opts: opts, now: now, byID: map[string]*postmortem.Postmortem{}, rels: map[string]*postmortem.Postmortem{}, summary: map[string]*Summary{}, ranks: map[string]int{}, tickets: cfg.Tickets}
	for i, s := range cfg.Severities {
		b.ranks[s] = i + 1
	}
	b.site = &SiteView{Title: cfg.Title, Base: base, BaseURL: baseURL, Public: opts.Public, Preview: opts.Preview, Severities: cfg.Severities}
	b.pms = opts.Memo.selection(all, postmortem.Scope{Drafts: opts.Drafts, Public: opts.Public})
	// Newest first; ties by id, so the order never depends on the file system.
	b.pms = opts.Memo.sorted(b.pms, func(x, y *postmortem.Postmortem) int {
		return cmp.Or(y.Date.Compare(x.Date.Time), cmp.Compare(x.ID, y.ID))
	})
	return b, nil
}

// build renders every page into w.
func (b *builder) build(ctx context.Context, th *templates, w *writer) error {
	static, version, err := th.static()
	if err != nil {
		return err
	}
	b.site.AssetVersion = version
	th.site = b.site
	th.newBuild()
	defer th.newBuild() // what it holds is of no use after the build
	th.version += version
	b.site.Nav = []Link{
		{Text: "Postmortems", URL: b.url("postmortems/")},
		{Text: "Action items", URL: b.url("actions/")},
		{Text: "Metrics", URL: b.url("metrics/")},
		{Text: "Services", URL: b.url("services/")},
		{Text: "Tags", URL: b.url("tags/")},
	}
	for name, data := range static {
		if err := w.file("static/"+name, data); err != nil {
			return err
		}
	}

	// The static search index first: the search documents and their
	// analysis (about 40 MB at 10,000) are then let go before the pages.
	if !b.opts.NoStaticSearch {
		if err := b.exportSearch(w); err != nil {
			return err
		}
	}
	b.opts.Docs, b.opts.Analysis = nil, nil

	files := newFiles(b.cfg)
	// Made only when a page's related postmortems are worked out anew.
	idx := sync.OnceValue(func() *termIndex { return newTermIndex(b.pms) })
	// The list pages read only front matter and what git said, never a
	// body: after an edit of a body alone they are the last build's.
	listKey := b.listKey(th.version)
	var pages []*Page
	keptLists := b.opts.Memo.keepLists(w, listKey)
	if !keptLists {
		pages = b.pages()
	}
	w.total, w.progress = len(pages)+len(b.pms), b.opts.Progress
	lists := map[string]string{}
	var listsMu sync.Mutex

	// Postmortem pages: the costly part, rendered in parallel.
	b.fpSite, b.fpVersion = b.fingerprintSite(th.version), th.version
	b.fpScope = b.fingerprintScope()
	err = inParallel(ctx, len(b.pms), func(i int) error {
		pm := b.pms[i]
		related := b.plan.related(b, pm, idx)
		fp := b.fingerprint(pm, related, th.version)
		if w.keep(pm.ID+"/index.html", fp) {
			// Nothing it shows changed: its links still need copying.
			b.registerFiles(pm, files)
			w.pages.Add(1)
			return nil
		}
		p, err := b.postmortemPage(pm, related, files)
		if err != nil {
			return err
		}
		return renderWith(th, p, func(html *bytes.Buffer) error { return w.page(pm.ID, fp, html) })
	})
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if b.opts.Preview {
		if err := b.failedPages(th, w); err != nil {
			return err
		}
	}
	// The other pages: fewer, but the lists are long; also in parallel,
	// the two longest first, so that neither is left to one worker at
	// the end (at 10,000 the action items take 0.7 s, all postmortems
	// 0.4 s, the other 40 pages 0.5 s together).
	pages = longestFirst(pages)
	err = inParallel(ctx, len(pages), func(i int) error {
		p := pages[i]
		name := path.Join(p.Path, "index.html")
		if p.Kind == "404" {
			name = "404.html"
		}
		fp := pageFingerprint(p, th.version)
		w.pages.Add(1)
		listsMu.Lock()
		lists[name] = fp
		listsMu.Unlock()
		if w.keep(name, fp) {
			return nil
		}
		return renderWith(th, p, func(html *bytes.Buffer) error { return w.writeBuffer(name, fp, html) })
	})
	if err != nil {
		return err
	}
	if err := files.copy(w); err != nil {
		return err
	}
	for name, data := range b.opts.Memo.feeds(b, b.feeds) {
		if err := w.file(name, data); err != nil {
			return err
		}
	}
	if !keptLists {
		// The downloads of the action items page come from the same
		// front matter as the lists, and are kept with them.
		for name, data := range b.actionExports(b.actionItems) {
			fp := contentPrint(data)
			lists[name] = fp
			if w.keep(name, fp) {
				continue
			}
			if err := w.write(name, fp, data); err != nil {
				return err
			}
		}
		b.opts.Memo.noteLists(listKey, lists)
	}
	return nil
}

// inParallel calls fn for 0..n-1 on one worker per CPU, each taking the
// next index (a goroutine per index would grow a fresh stack for each of
// 10,000 pages), until all are done, ctx ends or fn fails.
func inParallel(ctx context.Context, n int, fn func(i int) error) error {
	g, gctx := errgroup.WithContext(ctx)
	var next atomic.Int64
	for range min(n, runtime.GOMAXPROCS(0)) {
		g.Go(func() error {
			for i := int(next.Add(1)) - 1; i < n; i = int(next.Add(1)) - 1 {
				if err := gctx.Err(); err != nil {
					return err
				}
				if err := fn(i); err != nil {
					return err
				}
			}
			return nil
		})
	}
	return g.Wait()
}

// buffers hold rendered pages on their way to the writer.
var buffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// longestFirst puts the pages of every action item and of every
// postmortem before the others, which keep their order.
func longestFirst(pages []*Page) []*Page {
	rank := func(p *Page) int {
		switch p.Kind {
		case "actions":
			return 0
		case "list":
			return 1
		}
		return 2
	}
	out := slices.Clone(pages)
	slices.SortStableFunc(out, func(a, b *Page) int { return cmp.Compare(rank(a), rank(b)) })
	return out
}

// renderWith renders a page into a buffer from buffers and hands it to
// write, which takes it (the writer gives it back once written).
func renderWith(th *templates, p *Page, write func(*bytes.Buffer) error) error {
	buf := buffers.Get().(*bytes.Buffer)
	buf.Reset()
	if err := th.render(buf, p); err != nil {
		buffers.Put(buf)
		return err
	}
	return write(buf)
}

// pages returns every page but the postmortems' own.
func (b *builder) pages() []*Page {
	page := func(kind, title, p, desc string) *Page {
		site := *b.site
		site.Nav = slices.Clone(b.site.Nav)
		for i := range site.Nav {
			site.Nav[i].Current = site.Nav[i].URL == b.url(p)
		}
		return &Page{Site: &site, Kind: kind, Title: title, Path: p, Description: desc, Canonical: b.canonical(p)}
	}
	sums := make([]*Summary, 0, len(b.pms))
	for _, pm := range b.pms {
		sums = append(sums, b.summary[pm.ID])
	}
	var pages []*Page

	home := page("home", b.cfg.Title, "", "Incident postmortems")
	home.Home = b.homeView(sums)
	pages = append(pages, home)

	list := page("list", "All postmortems", "postmortems/", fmt.Sprintf("%d incident postmortems", len(sums)))
	list.List = b.listView(sums)
	pages = append(pages, list)

	for _, tax := range []struct{ kind, name, one string }{{"tags", "Tags", "Tag"}, {"services", "Services", "Service"}, {"severity", "Severities", "Severity"}} {
		terms := map[string][]*Summary{}
		termPMs := map[string][]*postmortem.Postmortem{}
		names := map[string]string{}
		for _, pm := range b.pms {
			for _, v := range taxonomyValues(pm, tax.kind) {
				slug := b.termSlug(tax.kind, v)
				if _, ok := names[slug]; !ok {
					names[slug] = v
				}
				terms[slug] = append(terms[slug], b.summary[pm.ID])
				termPMs[slug] = append(termPMs[slug], pm)
			}
		}
		slugs := make([]string, 0, len(terms))
		for s := range terms {
			slugs = append(slugs, s)
		}
		if tax.kind == "severity" {
			sort.Slice(slugs, func(i, j int) bool {
				return cmp.Or(cmp.Compare(b.rankOf(names[slugs[i]]), b.rankOf(names[slugs[j]])), cmp.Compare(slugs[i], slugs[j])) < 0
			})
		} else {
			sort.Strings(slugs)
		}
		tp := page("terms", tax.name, tax.kind+"/", tax.name+" of the postmortems")
		tp.Terms = &TermsView{Name: tax.name}
		for _, s := range slugs {
			figs := termFigures(terms[s], termPMs[s])
			var def string
			if tax.kind == "severity" {
				def = b.cfg.SeverityDefinitions[names[s]]
				tp.Terms.Definitions = tp.Terms.Definitions || def != ""
			}
			tp.Terms.Terms = append(tp.Terms.Terms, TermCount{Name: names[s], URL: b.url(tax.kind + "/" + s + "/"), Count: len(terms[s]), TermFigures: figs, Definition: def})
			one := page("term", tax.one+": "+names[s], tax.kind+"/"+s+"/", fmt.Sprintf("Postmortems with %s %s", strings.ToLower(tax.one), names[s]))
			one.Term = &TermView{Taxonomy: tax.one, Name: names[s], Definition: def, Figures: figs.cards(), TaxonomyURL: b.url(tax.kind + "/"), Postmortems: terms[s]}
			pages = append(pages, one)
		}
		pages = append(pages, tp)
	}

	acts := page("actions", "Action items", "actions/", "Every action item, overdue first")
	b.actionItems = b.actionsView()
	acts.Actions = b.actionItems
	pages = append(pages, acts)

	views := b.metricsViews()
	for _, r := range metricRanges {
		title := "Metrics"
		if r.Years > 0 {
			title += ", " + strings.ToLower(r.Label)
		}
		met := page("metrics", title, r.Path, "Incidents, detection and resolution over time")
		met.Metrics = views[r.Path]
		pages = append(pages, met)
	}

	pages = append(pages, page("search", "Search", "search/", "Search the postmortems"))
	pages = append(pages, page("404", "Page not found", "404/", "Page not found"))
	return pages
}

// canonical is a page's absolute URL, or "" without a base URL.
func (b *builder) canonical(p string) string {
	if b.site.BaseURL == "" || p == "404/" {
		return ""
	}
	return b.site.BaseURL + p
}

func (b *builder) rankOf(sev string) int {
	if r, ok := b.ranks[sev]; ok {
		return r
	}
	return len(b.ranks) + 1
}

func (b *builder) homeView(sums []*Summary) *HomeView {
	h := &HomeView{Recent: sums[:min(len(sums), 10)], Total: len(sums)}
	for _, s := range sums {
		h.OpenItems += s.OpenItems
		h.OverdueItems += s.OverdueItems
	}
	q := postmortem.Quarter(b.now)
	inQuarter := 0
	for _, pm := range b.pms {
		if !pm.Date.IsZero() && postmortem.Quarter(pm.Date.Time) == q {
			inQuarter++
		}
	}
	h.Figures = append(h.Figures, Figure{Label: "Incidents this quarter", Value: fmt.Sprint(inQuarter), Note: q})
	since := b.now.AddDate(-1, 0, 0)
	recent := b.pms
	note := "last 12 months"
	var window []*postmortem.Postmortem
	for _, pm := range b.pms {
		if pm.Times.Started.After(since) {
			window = append(window, pm)
		}
	}
	if len(window) > 0 {
		recent = window
	} else {
		note = "all time"
	}
	if m, ok := median(recent, (*postmortem.Postmortem).TimeToDetect); ok {
		h.Figures = append(h.Figures, Figure{Label: "Median time to detect", Value: Duration(m), Note: note})
	}
	if m, ok := median(recent, (*postmortem.Postmortem).TimeToResolve); ok {
		h.Figures = append(h.Figures, Figure{Label: "Median time to resolve", Value: Duration(m), Note: note})
	}
	h.Figures = append(h.Figures, Figure{Label: "Open action items", Value: fmt.Sprint(h.OpenItems), Note: fmt.Sprintf("%d overdue", h.OverdueItems)})
	for _, act := range postmortem.Actions(b.pms, b.now) {
		if !act.State.Overdue || len(h.Overdue) == 5 {
			break // overdue first, the most overdue first
		}
		a := b.actionView(act.PM, act.N, act.State)
		a.Postmortem = b.summary[act.PM.ID]
		h.Overdue = append(h.Overdue, a)
	}
	for _, s := range sums {
		if st := postmortem.Status(s.Status); st == postmortem.StatusInReview || st == postmortem.StatusDraft {
			h.InReviewTotal++
			if len(h.InReview) < 5 {
				h.InReview = append(h.InReview, s)
			}
		}
	}
	for _, r := range postmortem.Revisits(b.pms, b.cfg.RevisitAfterDays, b.now) {
		if !r.State.Overdue {
			break // sorted by due date: the rest are not due yet
		}
		h.RevisitsDueTotal++
		if len(h.RevisitsDue) < 10 {
			h.RevisitsDue = append(h.RevisitsDue, *b.revisitDue(r.PM))
		}
	}
	h.OnThisDay = b.anniversaries()
	return h
}

// termFigures sums up the postmortems of one term (sums, the summaries of
// pms in the same order).
func termFigures(sums []*Summary, pms []*postmortem.Postmortem) TermFigures {
	f := TermFigures{MedianResolveSeconds: -1}
	for _, s := range sums {
		if f.Last == nil || s.Date > f.Last.Date {
			f.Last = s
		}
		f.OpenItems += s.OpenItems
		f.OverdueItems += s.OverdueItems
	}
	if d, ok := median(pms, (*postmortem.Postmortem).TimeToDetect); ok {
		f.MedianDetect = Duration(d)
	}
	if d, ok := median(pms, (*postmortem.Postmortem).TimeToResolve); ok {
		f.MedianResolve, f.MedianResolveSeconds = Duration(d), int64(d.Seconds())
	}
	return f
}

// cards are a term's figures as the key figures of its page.
func (f TermFigures) cards() []Figure {
	var out []Figure
	if f.Last != nil {
		out = append(out, Figure{Label: "Last incident", Value: f.Last.Date, Note: f.Last.Title})
	}
	if f.MedianDetect != "" {
		out = append(out, Figure{Label: "Median time to detect", Value: f.MedianDetect})
	}
	if f.MedianResolve != "" {
		out = append(out, Figure{Label: "Median time to resolve", Value: f.MedianResolve})
	}
	open := Figure{Label: "Open action items", Value: fmt.Sprint(f.OpenItems)}
	if f.OverdueItems > 0 {
		open.Note = fmt.Sprintf("%d overdue", f.OverdueItems)
	}
	return append(out, open)
}

func median(pms []*postmortem.Postmortem, f func(*postmortem.Postmortem) (time.Duration, bool)) (time.Duration, bool) {
	s, ok := postmortem.SpreadBy(pms, f)
	return s.Median, ok
}

func (b *builder) listView(sums []*Summary) *ListView {
	l := &ListView{Postmortems: sums}
	sev, svc, tag, st, yr := map[string]bool{}, map[string]bool{}, map[string]bool{}, map[string]bool{}, map[string]bool{}
	for _, pm := range b.pms {
		sev[pm.Severity] = true
		st[string(pm.Status)] = true
		if !pm.Date.IsZero() {
			yr[pm.Date.Format("2006")] = true
		}
		for _, s := range pm.Services {
			svc[s] = true
		}
		for _, t := range pm.Tags {
			tag[t] = true
		}
	}
	keys := func(m map[string]bool) []string {
		out := make([]string, 0, len(m))
		for k := range m {
			out = append(out, k)
		}
		sort.Strings(out)
		return out
	}
	l.Severities = keys(sev)
	sort.SliceStable(l.Severities, func(i, j int) bool { return b.rankOf(l.Severities[i]) < b.rankOf(l.Severities[j]) })
	l.Services, l.Tags, l.Statuses = keys(svc), keys(tag), keys(st)
	l.Years = keys(yr)
	slices.Reverse(l.Years)
	return l
}

func (b *builder) actionsView() *ActionsView {
	v := &ActionsView{Statuses: postmortem.ItemStatuses, Priorities: postmortem.Priorities}
	owners := map[string]bool{}
	var t postmortem.ItemTally
	for _, act := range postmortem.Actions(b.pms, b.now) {
		a := b.actionView(act.PM, act.N, act.State)
		a.Postmortem = b.summary[act.PM.ID]
		v.Items = append(v.Items, a)
		if a.Owner != "" {
			owners[a.Owner] = true
		}
		t.Add(act.State)
	}
	v.Open, v.Overdue, v.Done, v.WontDo = t.Open, t.Overdue, t.Done, t.WontDo
	for o := range owners {
		v.Owners = append(v.Owners, o)
	}
	sort.Strings(v.Owners)
	return v
}

// postmortemPage builds one postmortem's page, rendering its body.
func (b *builder) postmortemPage(pm *postmortem.Postmortem, related []RelatedView, files *linkedFiles) (*Page, error) {
	src, err := pm.BodyText()
	if err != nil {
		return nil, err
	}
	body, toc, err := markdown.Render(src, markdown.RenderOptions{
		Link:      func(dest string, image bool) string { return b.link(pm, files, dest, image) },
		AutoLinks: b.autoLinks(pm),
	})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", pm.File, err)
	}
	s := b.summary[pm.ID]
	v := &PostmortemView{
		Summary: *s, Owner: pm.Owner, Authors: pm.Authors, Participants: pm.Participants, Facilitator: pm.Facilitator,
		ReviewDate: pm.ReviewDate.String(), Times: times(pm), Durations: durations(pm), ActionItems: b.actions(pm),
		Body: template.HTML(body), Related: related,
		Revisits: revisits(pm), NextRevisit: b.revisitDue(pm),
	}
	v.Timeline, v.TimelineAxis, v.TimelineMarks = timeline(pm)
	for _, h := range toc {
		v.TOC = append(v.TOC, TOCEntry{Level: h.Level, ID: h.ID, Text: h.Text})
	}
	v.Draft = pm.Status == postmortem.StatusDraft
	v.BodyParts, v.TimelineInBody, v.ActionsInBody = splitBody(body, toc, len(v.Times)+len(v.Timeline) > 0 && len(pm.UntimedItems) == 0, len(v.ActionItems) > 0)
	for _, lc := range pm.Linked {
		cv := b.commitView(lc)
		v.Commits = append(v.Commits, cv)
		v.Checks.CommitsTotal++
		if cv.Verified {
			v.Checks.CommitsVerified++
		}
	}
	if b.opts.Web != nil && !b.opts.Public {
		v.SourceURL, _ = b.opts.Web(pm.Rel)
	}
	if b.opts.Edit != nil && !b.opts.Public {
		v.EditURL = b.opts.Edit(pm.Rel)
	}
	if h := pm.History; h != nil {
		v.History = &HistoryView{Contributors: h.Contributors, Uncommitted: h.Uncommitted}
		if !h.Changed.IsZero() {
			v.History.Added, v.History.AddedBy = h.Added.Format("2006-01-02"), h.AddedBy
			v.History.Changed, v.History.ChangedBy = h.Changed.Format("2006-01-02"), h.ChangedBy
		}
		if b.opts.Web != nil {
			_, v.History.HistoryURL = b.opts.Web(pm.Rel)
		}
	}
	// A public build's postmortems are redacted copies (postmortem.Select):
	// no owner, people, tickets, custom fields or history to show.
	for _, t := range pm.Tickets {
		v.Tickets = append(v.Tickets, b.ticket(t))
	}
	for _, k := range slices.Sorted(mapKeys(pm.Custom)) {
		v.Custom = append(v.Custom, Field{Name: label(k), Value: fmt.Sprint(pm.Custom[k])})
	}
	if !b.opts.Public {
		v.Checks.Findings, v.Checks.Errors, v.Checks.Warnings = findingViews(b.opts.Findings[pm.File], nil)
	}
	v.TOC = append(v.TOC, pageSections(v)...)
	p := &Page{Site: b.site, Kind: "postmortem", Title: pm.Title, Path: pm.ID + "/", Description: pm.Summary, Postmortem: v, Canonical: b.canonical(pm.ID + "/")}
	return p, nil
}

func mapKeys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// autoLinks links the ticket ids of the config's patterns and the shas of
// the postmortem's own commits where they appear in prose.
func (b *builder) autoLinks(pm *postmortem.Postmortem) func(string) []markdown.AutoLink {
	shas := map[string]string{}
	for _, lc := range pm.Linked {
		if lc.Info != nil && lc.Info.URL != "" {
			shas[strings.ToLower(lc.Ref.SHA)] = lc.Info.URL
			shas[lc.Info.SHA[:min(10, len(lc.Info.SHA))]] = lc.Info.URL
		}
	}
	tickets := b.tickets
	if b.opts.Public {
		tickets = nil // internal trackers are not linked from a public site
	}
	if len(shas) == 0 && len(tickets) == 0 {
		return nil
	}
	return func(text string) []markdown.AutoLink {
		var out []markdown.AutoLink
		for _, m := range words.FindAllStringIndex(text, -1) {
			w := text[m[0]:m[1]]
			if u, ok := shas[strings.ToLower(w)]; ok {
				out = append(out, markdown.AutoLink{Start: m[0], End: m[1], URL: u})
				continue
			}
			if len(tickets) == 0 {
				continue
			}
			if l := b.ticket(w); l.URL != "" && !ticketURL.MatchString(w) {
				out = append(out, markdown.AutoLink{Start: m[0], End: m[1], URL: l.URL})
			}
		}
		return out
	}
}
