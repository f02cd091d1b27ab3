package site

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"hash/fnv"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hindsight-dev/hindsight/internal/config"
	"github.com/hindsight-dev/hindsight/internal/corpus"
	"github.com/hindsight-dev/hindsight/internal/postmortem"
	"github.com/hindsight-dev/hindsight/internal/synth"
	"github.com/hindsight-dev/hindsight/theme"
)

// fakeSimilar answers differently in every round, as the search index may
// after any edit.
type fakeSimilar struct {
	round int
	ids   []string
}

func (f *fakeSimilar) Similar(_ context.Context, id string, n int) ([]string, error) {
	h := fnv.New32a()
	fmt.Fprint(h, id, f.round)
	var out []string
	for i := range n {
		out = append(out, f.ids[(int(h.Sum32())+i*7)%len(f.ids)])
	}
	return out, nil
}

// A build given the memo of the builds before writes what a build without
// it writes, byte for byte, through edits of every kind that related
// postmortems depend on: body text, tags, services, dates, the files a
// commit changed, files added and removed, and a scope change.
func TestMemoMatchesFullBuild(t *testing.T) {
	root := t.TempDir()
	content := filepath.Join(root, "postmortems")
	ids, err := synth.Write(content, synth.Options{N: 150, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	cfg := config.Defaults()
	cfg.Root = root
	now := time.Date(2026, 1, 15, 0, 0, 0, 0, time.UTC)
	pool := []string{"api/server.go", "db/pool.go", "deploy/values.yaml", "cache/lru.go", "lb/config.yaml", "dns/zone.txt", "queue/worker.go"}
	// The files each postmortem's commits changed: from git in real use,
	// set here, and changed by some rounds.
	files := map[string][2][]string{}
	for i, id := range ids {
		if i%5 != 4 { // some name no files, so that they ask for similar text
			files[id] = [2][]string{{pool[i%len(pool)]}, {pool[(i*3+1)%len(pool)], pool[(i+2)%len(pool)]}}
		}
	}
	// The action items a commit's trailer closed, and each file's own
	// history: from git too.
	closed := map[string]bool{}
	edited := map[string]int{}
	linked, linkedAs := map[string][]postmortem.LinkedCommit{}, map[string]string{}
	subjects := map[string]string{}
	link := func(c *corpus.Corpus) {
		for _, pm := range c.Postmortems {
			pm.History = &postmortem.FileHistory{Added: now.AddDate(0, -2, 0), AddedBy: "Writer", Changed: now.AddDate(0, 0, -edited[pm.ID]), ChangedBy: "Editor", LastCommit: fmt.Sprint("h", edited[pm.ID]), Contributors: []string{"Writer"}, Uncommitted: edited[pm.ID] > 1}
			pm.ClosedItems = nil
			if closed[pm.ID] {
				pm.ClosedItems = map[int]postmortem.CommitInfo{1: {SHA: "c" + pm.ID, Repo: "svc", Subject: "close it"}}
			}
			f, ok := files[pm.ID]
			if !ok {
				pm.Linked = nil
				continue
			}
			// As gitlink does, a postmortem keeps its links while its
			// commits are the same.
			k := fmt.Sprint(f, subjects[pm.ID])
			if linkedAs[pm.ID] == k && linked[pm.ID] != nil {
				pm.Linked = linked[pm.ID]
				continue
			}
			defer func(pm *postmortem.Postmortem) { linked[pm.ID], linkedAs[pm.ID] = pm.Linked, k }(pm)
			pm.Linked = []postmortem.LinkedCommit{
				{Ref: postmortem.CommitRef{SHA: "a" + pm.ID, Role: postmortem.RoleTrigger, Repo: "svc"}, Info: &postmortem.CommitInfo{SHA: "a" + pm.ID, Repo: "svc", Subject: "change", Files: f[0]}, Index: 1},
				{Ref: postmortem.CommitRef{SHA: "b" + pm.ID, Role: postmortem.RoleFix, Repo: "svc"}, Info: &postmortem.CommitInfo{SHA: "b" + pm.ID, Repo: "svc", Subject: "fix" + subjects[pm.ID], Files: f[1]}, Index: 2},
			}
		}
	}
	edit := func(id string, fn func(string) string) {
		p := filepath.Join(content, id+".md")
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(fn(string(data))), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	replaceLine := func(key, value string) func(string) string {
		re := regexp.MustCompile(`(?m)^` + key + `: .*$`)
		return func(s string) string { return re.ReplaceAllString(s, key+": "+value) }
	}
	var c *corpus.Corpus
	rounds := []struct {
		name string
		do   func()
		opts func(*Options)
	}{
		{name: "first build"},
		{name: "nothing changed"},
		{name: "body text", do: func() { edit(ids[10], func(s string) string { return s + "\nMore text about the cache.\n" }) }},
		{name: "tags", do: func() { edit(ids[20], replaceLine("tags", "[dns, a-new-tag]")) }},
		{name: "services", do: func() { edit(ids[30], replaceLine("services", "[billing]")) }},
		{name: "date", do: func() { edit(ids[40], replaceLine("date", "2016-07-04")) }},
		{name: "commit files", do: func() { files[ids[50]] = [2][]string{{"brand/new.go"}, {pool[1]}} }},
		{name: "files lost", do: func() { delete(files, ids[60]) }},
		{name: "related listed", do: func() { edit(ids[70], replaceLine("tags", "[database]\nrelated: ["+ids[71]+"]")) }},
		{name: "file removed", do: func() {
			if err := os.Remove(filepath.Join(content, ids[80]+".md")); err != nil {
				t.Fatal(err)
			}
		}},
		{name: "file added", do: func() {
			data, err := os.ReadFile(filepath.Join(content, ids[90]+".md"))
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(content, "9999-added.md"), data, 0o644); err != nil {
				t.Fatal(err)
			}
		}},
		{name: "public scope", opts: func(o *Options) { o.Public = true }},
		{name: "public again, a body and an item closed", opts: func(o *Options) { o.Public = true }, do: func() {
			edit(ids[95], func(s string) string { return s + "\nA public edit.\n" })
			for _, pm := range c.Postmortems {
				if pm.Visibility == postmortem.Public && len(pm.ActionItems) > 0 && pm.ActionItems[0].Open() && !closed[pm.ID] {
					closed[pm.ID] = true
					break
				}
			}
		}},
		{name: "public, nothing changed", opts: func(o *Options) { o.Public = true }},
		{name: "an item done", do: func() {
			edit(ids[110], func(s string) string { return strings.Replace(s, "status: open", "status: done", 1) })
		}},
		{name: "a title", do: func() { edit(ids[120], replaceLine("title", `"A new title"`)) }},
		{name: "a file's history", do: func() { edited[ids[20]], edited[ids[21]] = 1, 2 }},
		{name: "an item closed by a commit", do: func() {
			for _, pm := range c.Postmortems {
				if len(pm.ActionItems) > 0 && pm.ActionItems[0].Open() && len(closed) < 10 {
					closed[pm.ID] = true
				}
			}
			if len(closed) == 0 {
				t.Fatal("no postmortem has an open first action item")
			}
		}},
		{name: "another day", opts: func(o *Options) { o.Now = time.Date(2015, 2, 1, 0, 0, 0, 0, time.UTC) }},
		{name: "a finding", opts: func(o *Options) {
			// On a page of the build: published, and shown to all.
			for _, pm := range c.Postmortems[130:] {
				if pm.Status == postmortem.StatusPublished && pm.Visibility == postmortem.Public {
					o.Findings = map[string][]Finding{pm.File: {{Level: "warning", Line: 3, Col: 1, Rule: "placeholder", Message: "TODO left in"}}}
					return
				}
			}
			t.Fatal("no published postmortem")
		}},
		{name: "the finding fixed"},
		{name: "a link to a file not there", do: func() {
			edit(ids[131], func(s string) string { return s + "\nSee [the notes](../notes/cache.txt).\n" })
		}},
		{name: "the linked file added", do: func() {
			if err := os.MkdirAll(filepath.Join(root, "notes"), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(root, "notes", "cache.txt"), []byte("notes"), 0o644); err != nil {
				t.Fatal(err)
			}
		}},
		{name: "a history alone", do: func() { edited[ids[132]] = 1 }},
		{name: "a commit's subject", do: func() {
			for _, id := range ids[133:] {
				if _, ok := files[id]; ok {
					subjects[id] = " (amended)"
					return
				}
			}
		}},
		{name: "the title of the newest published postmortem, in the feed", do: func() {
			var newest *postmortem.Postmortem
			for _, pm := range c.Postmortems {
				if pm.Status == postmortem.StatusPublished && pm.Visibility == postmortem.Public && (newest == nil || pm.Date.After(newest.Date.Time)) {
					newest = pm
				}
			}
			edit(newest.ID, replaceLine("title", `"The newest, retitled"`))
		}},
		{name: "the site's title", do: func() { cfg.Title = "Incident reviews" }},
		{name: "links to the web UI", opts: func(o *Options) {
			o.Web = func(rel string) (string, string) {
				return "https://git.example.com/blob/HEAD/" + rel, "https://git.example.com/commits/HEAD/" + rel
			}
			o.Edit = func(rel string) string { return "https://git.example.com/edit/main/" + rel }
		}},
		{name: "on another branch", opts: func(o *Options) {
			o.Web = func(rel string) (string, string) {
				return "https://git.example.com/blob/HEAD/" + rel, "https://git.example.com/commits/HEAD/" + rel
			}
			o.Edit = func(rel string) string { return "https://git.example.com/edit/fix/" + rel }
		}},
		{name: "back to all", do: func() { edit(ids[100], func(s string) string { return s + "\nAnd more.\n" }) }},
	}
	for i, id := range ids {
		if i%25 == 4 { // no files, and nothing shared: similar text decides
			edit(id, replaceLine("services", fmt.Sprintf("[lonely-%d]", i)))
			edit(id, replaceLine("tags", fmt.Sprintf("[alone-%d]", i)))
		}
	}
	memo := &Memo{}
	sim := &fakeSimilar{ids: ids}
	out := filepath.Join(root, "site")
	for i, r := range rounds {
		if r.do != nil {
			r.do()
		}
		sim.round = i
		c, err = corpus.Load(cfg, corpus.Options{WorkDir: root, Drafts: true, Previous: c})
		if err != nil {
			t.Fatal(err)
		}
		link(c)
		opts := Options{Out: out, Theme: theme.FS(""), Now: now, NoStaticSearch: true, Similar: sim, Memo: memo}
		if r.opts != nil {
			r.opts(&opts)
		}
		if _, err := Build(context.Background(), cfg, c.Postmortems, opts); err != nil {
			t.Fatalf("%s: %v", r.name, err)
		}
		fresh := filepath.Join(t.TempDir(), "site")
		opts.Out, opts.Memo = fresh, nil
		if _, err := Build(context.Background(), cfg, c.Postmortems, opts); err != nil {
			t.Fatalf("%s: %v", r.name, err)
		}
		if diff := diffTrees(t, out, fresh); diff != "" {
			t.Fatalf("%s: the build with the memo differs from a full one: %s", r.name, diff)
		}
	}
}

// diffTrees names the first file that differs between two site folders.
func diffTrees(t *testing.T, a, b string) string {
	t.Helper()
	read := func(dir string) map[string][]byte {
		files := map[string][]byte{}
		err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			rel, _ := filepath.Rel(dir, p)
			if strings.HasPrefix(rel, IndexDir) {
				return nil
			}
			data, err := os.ReadFile(p)
			files[rel] = data
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return files
	}
	fa, fb := read(a), read(b)
	for _, name := range slices.Sorted(func(yield func(string) bool) {
		for k := range fa {
			if !yield(k) {
				return
			}
		}
	}) {
		other, ok := fb[name]
		switch {
		case !ok:
			return name + " is only in the incremental build"
		case !bytes.Equal(fa[name], other):
			return name + " differs"
		}
	}
	for name := range fb {
		if _, ok := fa[name]; !ok {
			return name + " is only in the full build"
		}
	}
	return ""
}

// TestMemoTakesThemeEdits: the templates a memo keeps are used again only
// while their sources are the same; an edited template shows in the next
// build.
func TestMemoTakesThemeEdits(t *testing.T) {
	cfg, pms := fixture(t)
	dir := t.TempDir()
	memo := &Memo{}
	out := filepath.Join(t.TempDir(), "site")
	build := func() string {
		t.Helper()
		if _, err := Build(context.Background(), cfg, pms, Options{Out: out, Theme: theme.FS(dir), Now: time.Date(2025, 1, 15, 0, 0, 0, 0, time.UTC), NoStaticSearch: true, Memo: memo}); err != nil {
			t.Fatal(err)
		}
		data, err := os.ReadFile(filepath.Join(out, "search", "index.html"))
		if err != nil {
			t.Fatal(err)
		}
		return string(data)
	}
	build()
	src, err := fs.ReadFile(theme.FS(""), "templates/search.html")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "templates"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "templates", "search.html"), bytes.Replace(src, []byte("Find a postmortem"), []byte("Find an edited template's postmortem"), 1), 0o644); err != nil {
		t.Fatal(err)
	}
	if page := build(); !strings.Contains(page, "an edited template") {
		t.Error("the next build did not use the edited template")
	}
	if memo.theme == nil {
		t.Error("the memo keeps no templates")
	}
}

// A rebuild with the memo trusts that the files the build before it left
// in place are still there, and so neither looks for them nor reads the
// manifest it wrote; a build by anyone else in between (here, one without
// the memo) ends that trust, and the next build with the memo looks again.
func TestMemoTrustsOnlyItsOwnBuild(t *testing.T) {
	cfg, pms := fixture(t)
	memo := &Memo{}
	out := filepath.Join(t.TempDir(), "site")
	opts := Options{Out: out, Theme: theme.FS(""), Now: testNow, NoStaticSearch: true}
	build := func(memo *Memo) *Result {
		t.Helper()
		o := opts
		o.Memo = memo
		res, err := Build(context.Background(), cfg, pms, o)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	build(memo)
	full := snapshot(t, out)
	if memo.lastPlaced() == nil {
		t.Fatal("the memo holds nothing of the build")
	}
	if m, err := readManifest(out); err != nil || m != memo.lastPlaced().manifest {
		t.Errorf("the manifest just written was read again (%v)", err)
	}
	page := filepath.Join(out, pms[0].ID, "index.html")
	if _, err := os.Stat(page); err != nil {
		t.Fatal(err)
	}
	// Someone removes a page and builds without the memo: that build puts
	// it back, and writes its own manifest.
	if err := os.Remove(page); err != nil {
		t.Fatal(err)
	}
	if res := build(nil); res.Reused != res.Files-1 {
		t.Errorf("the build without the memo reused %d of %d files", res.Reused, res.Files)
	}
	// The page is removed again; the memo's build must not take it for
	// in place.
	if err := os.Remove(page); err != nil {
		t.Fatal(err)
	}
	if res := build(memo); res.Reused != res.Files-1 {
		t.Errorf("after another build, the memo's reused %d of %d files", res.Reused, res.Files)
	}
	got := snapshot(t, out)
	for name, data := range full {
		if name != Marker && !bytes.Equal(got[name], data) {
			t.Errorf("%s differs from the first build's", name)
		}
	}
	// Its own build the memo trusts: nothing is looked for again.
	res := build(memo)
	if res.Reused != res.Files {
		t.Errorf("an unchanged rebuild reused %d of %d files", res.Reused, res.Files)
	}
}

// TestMemoSorted: sorting through the memo gives what a stable sort gives,
// whether the selection is the last one again, has postmortems in the
// place of others (with the same date, or one that moves them), has ties
// (which only a sort can order), or is another length.
func TestMemoSorted(t *testing.T) {
	day := func(d int) postmortem.Date {
		return postmortem.Date{Time: time.Date(2024, 1, d, 0, 0, 0, 0, time.UTC)}
	}
	newest := func(x, y *postmortem.Postmortem) int {
		return cmp.Or(y.Date.Compare(x.Date.Time), cmp.Compare(x.ID, y.ID))
	}
	var sel []*postmortem.Postmortem
	for i := range 40 {
		sel = append(sel, &postmortem.Postmortem{FrontMatter: postmortem.FrontMatter{ID: fmt.Sprintf("pm-%02d", i), Date: day(1 + (i*7)%28)}})
	}
	replaced := func(i int, d postmortem.Date) []*postmortem.Postmortem {
		out := slices.Clone(sel)
		cp := *out[i]
		cp.Date = d
		out[i] = &cp
		return out
	}
	m := &Memo{}
	for _, tc := range []struct {
		name string
		sel  []*postmortem.Postmortem
	}{
		{"first", sel},
		{"the same again", sel},
		{"a tie: two with one date and id", func() []*postmortem.Postmortem {
			// A takes the date and id of B, right after it in order but
			// before it in the selection: in place, yet a stable sort
			// puts B first.
			order := slices.Clone(sel)
			slices.SortStableFunc(order, newest)
			at := func(pm *postmortem.Postmortem) int { return slices.Index(sel, pm) }
			for k := 1; k < len(order); k++ {
				if a, b := order[k-1], order[k]; at(a) > at(b) {
					out := replaced(at(a), b.Date)
					out[at(a)].ID = b.ID
					return out
				}
			}
			t.Fatal("no such pair")
			return nil
		}()},
		{"one parsed again, the same date", replaced(3, sel[3].Date)},
		{"one moved to another date", replaced(5, day(28))},
		{"one fewer", sel[1:]},
		{"every one replaced", func() []*postmortem.Postmortem {
			out := make([]*postmortem.Postmortem, len(sel))
			for i, pm := range sel {
				cp := *pm
				out[i] = &cp
			}
			return out
		}()},
	} {
		want := slices.Clone(tc.sel)
		slices.SortStableFunc(want, newest)
		got := m.sorted(slices.Clone(tc.sel), newest)
		if !slices.Equal(got, want) {
			t.Errorf("%s: the memo's order differs from a stable sort's", tc.name)
		}
	}
}

// TestMemoDocs: the search documents a memo keeps are those made afresh,
// while the page URLs and the scope stay, and after they change.
func TestMemoDocs(t *testing.T) {
	cfg, pms := fixture(t)
	memo := &Memo{}
	for _, opts := range []Options{
		{},
		{},
		{BaseURL: "https://pm.example.com/reviews/"},
		{BaseURL: "https://pm.example.com/reviews/", Public: true},
		{},
	} {
		want, err := Docs(cfg, pms, opts, nil)
		if err != nil {
			t.Fatal(err)
		}
		opts.Memo = memo
		got, err := Docs(cfg, pms, opts, nil)
		if err != nil {
			t.Fatal(err)
		}
		memo.turnSources()
		if !reflect.DeepEqual(got, want) {
			t.Errorf("base %q, public %v: the memo's documents differ from fresh ones", opts.BaseURL, opts.Public)
		}
	}
}
