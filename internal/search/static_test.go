package search

import (
	"bytes"
	"context"
	"encoding/gob"
	"encoding/json"
	"io/fs"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	unicodetok "github.com/blevesearch/bleve/v2/analysis/tokenizer/unicode"
)

// staticIndex reads an exported static index back, the way search.js does.
type staticIndex struct {
	dir  string
	meta struct {
		V      int            `json:"v"`
		Build  string         `json:"build"`
		N      int            `json:"n"`
		Chunk  int            `json:"chunk"`
		Depth  int            `json:"depth"`
		Stop   []string       `json:"stop"`
		Sev    []string       `json:"sev"`
		Svc    []string       `json:"svc"`
		Tag    []string       `json:"tag"`
		URL    []string       `json:"url"`
		Shards map[string]int `json:"shards"`
	}
	facets struct {
		Dated int    `json:"dated"`
		Date  string `json:"date"`
		Sev   string `json:"sev"`
		Svc   string `json:"svc"`
		Tag   string `json:"tag"`
	}
	shards map[string]map[string]staticEntry
}

type staticEntry struct {
	max      float64
	surfaces []string
	postings []staticPosting
}

type staticPosting struct {
	doc   int
	score float64
}

func staticReadJSON(tb testing.TB, path string, v any) {
	tb.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		tb.Fatalf("%s: %v", path, err)
	}
}

func openStatic(tb testing.TB, dir string) *staticIndex {
	tb.Helper()
	ix := &staticIndex{dir: dir, shards: map[string]map[string]staticEntry{}}
	staticReadJSON(tb, filepath.Join(dir, "meta.json"), &ix.meta)
	staticReadJSON(tb, filepath.Join(dir, "facets.json"), &ix.facets)
	for key := range ix.meta.Shards {
		var raw map[string][3]json.RawMessage
		staticReadJSON(tb, filepath.Join(dir, "terms", ShardFile(key)), &raw)
		m := map[string]staticEntry{}
		for t, r := range raw {
			var e staticEntry
			var surf, post string
			if json.Unmarshal(r[0], &e.max) != nil || json.Unmarshal(r[1], &surf) != nil || json.Unmarshal(r[2], &post) != nil {
				tb.Fatalf("shard %q: bad entry %q", key, t)
			}
			if surf != "" {
				e.surfaces = strings.Split(surf, " ")
			}
			v := staticDecodeVarints(tb, post)
			if len(v)%2 != 0 {
				tb.Fatalf("term %q: odd postings", t)
			}
			doc := 0
			for i := 0; i < len(v); i += 2 {
				if i == 0 {
					doc = v[0]
				} else {
					doc += v[i]
				}
				e.postings = append(e.postings, staticPosting{doc, e.max * math.Exp(-float64(v[i+1])/scoreSteps)})
			}
			m[t] = e
		}
		ix.shards[key] = m
	}
	return ix
}

func staticDecodeVarints(tb testing.TB, s string) []int {
	var out []int
	v := 0
	for i := 0; i < len(s); i++ {
		d := strings.IndexByte(varintAlphabet, s[i])
		if d < 0 {
			tb.Fatalf("bad varint character %q", s[i])
		}
		if d >= 32 {
			v = v*32 + d - 32
			continue
		}
		out = append(out, v*32+d)
		v = 0
	}
	return out
}

// shardKey is the key of the shard that holds term t: the longest key that
// is a prefix of it.
func (ix *staticIndex) shardKey(t string) (string, bool) {
	for n := min(utf8.RuneCountInString(t), ix.meta.Depth); n > 0; n-- {
		if _, ok := ix.meta.Shards[runePrefix(t, n)]; ok {
			return runePrefix(t, n), true
		}
	}
	return "", false
}

func (ix *staticIndex) entry(t string) staticEntry {
	k, ok := ix.shardKey(t)
	if !ok {
		return staticEntry{}
	}
	return ix.shards[k][t]
}

func (ix *staticIndex) allTerms() []string {
	var out []string
	for _, m := range ix.shards {
		for t := range m {
			out = append(out, t)
		}
	}
	sort.Strings(out)
	return out
}

// prefixBudget is how many bytes of shards search.js loads at most to
// expand the last, unfinished query word (PREFIX_BUDGET there).
const prefixBudget = 96 << 10

type staticResult struct {
	docs       []int
	scores     map[int]float64
	shardFiles []string
}

// query answers q as search.js does for the search box's drop-down: every
// word must match (AND); the last word, unless q ends with a space (a
// finished word, as on the search page), also matches the terms and
// written forms that start with it; the score of a document is the sum
// over the
// words of its best term; best first, then most recent.
func (ix *staticIndex) query(q string) staticResult {
	var res staticResult
	loaded := map[string]bool{}
	load := func(k string) {
		if !loaded[k] {
			loaded[k] = true
			res.shardFiles = append(res.shardFiles, ShardFile(k))
		}
	}
	words := strings.Fields(strings.ToLower(q))
	partial := !strings.HasSuffix(q, " ")
	var sets []map[int]float64
	for i, w := range words {
		if slices.Contains(ix.meta.Stop, w) {
			continue
		}
		scores := map[int]float64{}
		add := func(e staticEntry, weight float64) {
			for _, p := range e.postings {
				scores[p.doc] = max(scores[p.doc], p.score*weight)
			}
		}
		if a := Analyze(w); len(a) == 1 {
			if k, ok := ix.shardKey(a[0]); ok {
				load(k)
				add(ix.shards[k][a[0]], 1)
			}
		}
		n := utf8.RuneCountInString(w)
		if i == len(words)-1 && partial && n >= 2 {
			var keys []string
			for k := range ix.meta.Shards {
				if strings.HasPrefix(k, w) && k != w {
					keys = append(keys, k)
				}
			}
			sort.Strings(keys)
			var chain []string
			for n := min(utf8.RuneCountInString(w), ix.meta.Depth); n > 0; n-- {
				if _, ok := ix.meta.Shards[runePrefix(w, n)]; ok {
					chain = append(chain, runePrefix(w, n))
				}
			}
			budget := prefixBudget
			for _, k := range chain {
				budget -= ix.meta.Shards[k]
			}
			for _, k := range keys {
				if ix.meta.Shards[k] > budget {
					break
				}
				budget -= ix.meta.Shards[k]
				chain = append(chain, k)
			}
			for _, k := range chain {
				load(k)
				for t, e := range ix.shards[k] {
					if strings.HasPrefix(t, w) || slices.ContainsFunc(e.surfaces, func(s string) bool { return strings.HasPrefix(s, w) }) {
						add(e, 0.5)
					}
				}
			}
		}
		sets = append(sets, scores)
	}
	if len(sets) == 0 {
		return res
	}
	res.scores = map[int]float64{}
	for d, s := range sets[0] {
		ok := true
		for _, o := range sets[1:] {
			if v, in := o[d]; in {
				s += v
			} else {
				ok = false
				break
			}
		}
		if ok {
			res.scores[d] = s
			res.docs = append(res.docs, d)
		}
	}
	sort.Slice(res.docs, func(i, j int) bool {
		a, b := res.docs[i], res.docs[j]
		if res.scores[a] != res.scores[b] {
			return res.scores[a] > res.scores[b]
		}
		return a < b
	})
	return res
}

func (ix *staticIndex) docRows(tb testing.TB) [][4]string {
	var rows [][4]string
	for c := 0; c*ix.meta.Chunk < ix.meta.N; c++ {
		var chunk [][6]any
		staticReadJSON(tb, filepath.Join(ix.dir, "docs", strconv.Itoa(c)+".json"), &chunk)
		dates := ix.dates(tb)
		sevs := staticDecodeVarints(tb, ix.facets.Sev)
		for j, r := range chunk {
			doc := c*ix.meta.Chunk + j
			if r[4] != dates[doc] || r[5] != float64(sevs[doc]) {
				tb.Fatalf("doc %d: row date %v severity %v, facets say %q %d", doc, r[4], r[5], dates[doc], sevs[doc])
			}
			var row [4]string
			for i, v := range r[:4] {
				switch v := v.(type) {
				case string:
					row[i] = v
				case float64:
					if i != 2 || v != 0 || len(ix.meta.URL) != 2 {
						tb.Fatalf("row %v", r)
					}
					row[i] = ix.meta.URL[0] + row[0] + ix.meta.URL[1]
				default:
					tb.Fatalf("row %v", r)
				}
			}
			rows = append(rows, row)
		}
	}
	return rows
}

// staticFacetSets decodes a per-document set column of facets.json.
func staticFacetSets(tb testing.TB, s string, n int) [][]int {
	v := staticDecodeVarints(tb, s)
	out := make([][]int, 0, n)
	for i := 0; i < len(v); {
		c := v[i]
		out = append(out, v[i+1:i+1+c])
		i += 1 + c
	}
	if len(out) != n {
		tb.Fatalf("facet column has %d documents, want %d", len(out), n)
	}
	return out
}

func (ix *staticIndex) dates(tb testing.TB) []string {
	v := staticDecodeVarints(tb, ix.facets.Date)
	out := make([]string, ix.meta.N)
	if len(v) != ix.facets.Dated {
		tb.Fatalf("%d dates, %d dated documents", len(v), ix.facets.Dated)
	}
	day := 0
	for i, d := range v {
		if i == 0 {
			day = d
		} else {
			day -= d
		}
		out[i] = time.Unix(int64(day)*86400, 0).UTC().Format("2006-01-02")
	}
	return out
}

func staticDay(s string) time.Time {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return t
}

func staticTinyCorpus() []Doc {
	return []Doc{
		{
			ID: "2019-06-28-homepage-404", Title: "Homepage served 404s after a deploy",
			Summary: "A bad deploy broke the homepage.", Body: "The deployment removed the index route. Certificates were fine.",
			URL: "postmortems/2019-06-28-homepage-404/", Date: staticDay("2019-06-28"), Severity: "SEV2",
			Services: []string{"web"}, Tags: []string{"deploy"},
			ActionItems: []string{"Add a smoke test for the homepage"},
		},
		{
			ID: "2012-02-29-azure-leap-day", Title: "Leap day certificates expired",
			Summary: "Certificates valid for one year were created on February 29th.", Body: "The certificate generator added one to the year.",
			URL: "postmortems/2012-02-29-azure-leap-day/", Date: staticDay("2012-02-29"), Severity: "SEV1",
			Services: []string{"compute", "web"}, Tags: []string{"certificates", "leap-day"},
		},
		{
			ID: "2021-10-04-facebook-bgp", Title: "BGP withdrawal took the network offline",
			Summary: "A maintenance command withdrew every route.", Body: "DNS servers withdrew their BGP announcements. Nobody could reach the certificate authority either.",
			URL: "postmortems/2021-10-04-facebook-bgp/", Date: staticDay("2021-10-04"), Severity: "SEV1",
			Services: []string{"dns", "network"}, Tags: []string{"bgp", "dns"},
		},
	}
}

func staticExportTo(t *testing.T, docs []Doc) (*staticIndex, StaticStats) {
	t.Helper()
	dir := t.TempDir()
	st, err := ExportStatic(docs, dir)
	if err != nil {
		t.Fatal(err)
	}
	return openStatic(t, dir), st
}

func TestExportStaticTiny(t *testing.T) {
	ix, st := staticExportTo(t, staticTinyCorpus())
	if ix.meta.V != staticVersion || ix.meta.N != 3 || ix.meta.Chunk != docChunk || len(ix.meta.Build) != 12 {
		t.Errorf("meta = %+v", ix.meta)
	}
	if st.Shards != len(ix.meta.Shards) || st.Terms != len(ix.allTerms()) || st.Files != 2+st.Shards+1 {
		t.Errorf("stats %+v; meta has %d shards, %d terms", st, len(ix.meta.Shards), len(ix.allTerms()))
	}

	// Documents: most recent first.
	rows := ix.docRows(t)
	var ids []string
	for _, r := range rows {
		ids = append(ids, r[0])
	}
	want := []string{"2021-10-04-facebook-bgp", "2019-06-28-homepage-404", "2012-02-29-azure-leap-day"}
	if !reflect.DeepEqual(ids, want) {
		t.Errorf("doc order %v, want %v", ids, want)
	}
	if !reflect.DeepEqual(ix.meta.URL, []string{"postmortems/", "/"}) {
		t.Errorf("url pattern %q", ix.meta.URL)
	}
	if rows[2] != [4]string{"2012-02-29-azure-leap-day", "Leap day certificates expired", "postmortems/2012-02-29-azure-leap-day/", "Certificates valid for one year were created on February 29th."} {
		t.Errorf("doc 2 = %q", rows[2])
	}

	// Terms are stemmed; the written forms are kept.
	for _, term := range []string{"certif", "deploy", "bgp", "homepag", "withdrew", "smoke", "leap"} {
		if _, ok := ix.shardKey(term); !ok || ix.entry(term).postings == nil {
			t.Errorf("term %q missing", term)
		}
	}
	for _, stop := range []string{"the", "a", "were", "for"} {
		if ix.entry(stop).postings != nil {
			t.Errorf("stop word %q indexed", stop)
		}
		if !slices.Contains(ix.meta.Stop, stop) {
			t.Errorf("stop word %q not in meta.stop", stop)
		}
	}
	cert := ix.entry("certif")
	if !reflect.DeepEqual(cert.surfaces, []string{"certificate", "certificates"}) {
		t.Errorf("certif surfaces = %q", cert.surfaces)
	}
	var docs []int
	for _, p := range cert.postings {
		docs = append(docs, p.doc)
	}
	if !reflect.DeepEqual(docs, []int{0, 1, 2}) {
		t.Errorf("certif postings %v, want docs 0 1 2", docs)
	}
	// Title (3) and summary (2) beat body only: doc 2 has it in all three.
	score := func(e staticEntry, doc int) float64 {
		for _, p := range e.postings {
			if p.doc == doc {
				return p.score
			}
		}
		return 0
	}
	if !(score(cert, 2) > score(cert, 1) && score(cert, 2) > score(cert, 0)) {
		t.Errorf("certif scores: %+v", cert.postings)
	}
	if score(cert, 2) != cert.max {
		t.Errorf("best posting %v, max %v", score(cert, 2), cert.max)
	}
	// Action items are searchable.
	if e := ix.entry("smoke"); len(e.postings) != 1 || e.postings[0].doc != 1 {
		t.Errorf("smoke postings %+v", e.postings)
	}
	// Shard keys: the first two characters of the term.
	if k, _ := ix.shardKey("certif"); k != "ce" {
		t.Errorf("certif in shard %q", k)
	}
	if _, err := os.Stat(filepath.Join(ix.dir, "terms", "ce.json")); err != nil {
		t.Error(err)
	}

	// Queries as the browser runs them.
	if r := ix.query("certificate "); len(r.docs) != 3 || r.docs[0] != 2 {
		t.Errorf("certificate: %v", r.docs)
	}
	if r := ix.query("dns certif"); !reflect.DeepEqual(r.docs, []int{0}) {
		t.Errorf("dns certif: %v", r.docs)
	}
	if r := ix.query("withdr"); !reflect.DeepEqual(r.docs, []int{0}) {
		t.Errorf("withdr: %v", r.docs)
	}
	if r := ix.query("the deploy"); !reflect.DeepEqual(r.docs, []int{1}) {
		t.Errorf("the deploy: %v", r.docs)
	}
	// A finished word is a word, not the start of one, as on the server.
	if r := ix.query("withdr bgp "); len(r.docs) != 0 {
		t.Errorf("withdr bgp: %v", r.docs)
	}

	// Facets.
	if !reflect.DeepEqual(ix.meta.Sev, []string{"SEV1", "SEV2"}) {
		t.Errorf("sev dict %q", ix.meta.Sev)
	}
	if !reflect.DeepEqual(ix.meta.Svc, []string{"web", "compute", "dns", "network"}) {
		t.Errorf("svc dict %q", ix.meta.Svc)
	}
	if !reflect.DeepEqual(ix.meta.Tag, []string{"bgp", "certificates", "deploy", "dns", "leap-day"}) {
		t.Errorf("tag dict %q", ix.meta.Tag)
	}
	if sev := staticDecodeVarints(t, ix.facets.Sev); !reflect.DeepEqual(sev, []int{1, 2, 1}) {
		t.Errorf("sev column %v", sev)
	}
	if svc := staticFacetSets(t, ix.facets.Svc, 3); !reflect.DeepEqual(svc, [][]int{{2, 3}, {0}, {0, 1}}) {
		t.Errorf("svc column %v", svc)
	}
	if tag := staticFacetSets(t, ix.facets.Tag, 3); !reflect.DeepEqual(tag, [][]int{{0, 3}, {2}, {1, 4}}) {
		t.Errorf("tag column %v", tag)
	}
	if ix.facets.Dated != 3 || !reflect.DeepEqual(ix.dates(t), []string{"2021-10-04", "2019-06-28", "2012-02-29"}) {
		t.Errorf("dates %d %v", ix.facets.Dated, ix.dates(t))
	}
}

func TestExportStaticDeterministic(t *testing.T) {
	docs := append(staticTinyCorpus(), staticGenCorpus(150, 3)...)
	a, b := t.TempDir(), t.TempDir()
	if _, err := ExportStatic(docs, a); err != nil {
		t.Fatal(err)
	}
	shuffled := slices.Clone(docs)
	rand.New(rand.NewPCG(1, 2)).Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	if _, err := ExportStatic(shuffled, b); err != nil {
		t.Fatal(err)
	}
	fa, fb := staticReadTree(t, a), staticReadTree(t, b)
	if len(fa) < 10 {
		t.Fatalf("only %d files", len(fa))
	}
	if !reflect.DeepEqual(staticKeys(fa), staticKeys(fb)) {
		t.Fatalf("different files:\n%v\n%v", staticKeys(fa), staticKeys(fb))
	}
	for p := range fa {
		if !bytes.Equal(fa[p], fb[p]) {
			t.Errorf("%s differs", p)
		}
	}
}

func TestExportStaticReplacesEarlierExport(t *testing.T) {
	dir := t.TempDir()
	if _, err := ExportStatic(staticGenCorpus(60, 4), dir); err != nil {
		t.Fatal(err)
	}
	st, err := ExportStatic(staticTinyCorpus(), dir)
	if err != nil {
		t.Fatal(err)
	}
	files := staticReadTree(t, dir)
	if len(files) != st.Files {
		t.Errorf("%d files in dir, the export wrote %d: %v", len(files), st.Files, staticKeys(files))
	}
	var size int64
	for _, b := range files {
		size += int64(len(b))
	}
	if size != st.Bytes {
		t.Errorf("%d bytes in dir, stats say %d", size, st.Bytes)
	}
}

func TestExportStaticUnicode(t *testing.T) {
	docs := []Doc{{
		ID: "zurich", Title: "Über-Ausfall in Zürich: café ☕ down", Summary: "東京のデータセンター停止 and naïve résumé parsing",
		Body: "Ελληνικά κείμενα. Emoji 🙂 stay out. Ünïcödé.", URL: "postmortems/zurich/", Date: staticDay("2023-03-01"),
		Severity: "SEV3", Services: []string{"zürich-edge"}, Tags: []string{"ünïcode", "東京"},
	}}
	ix, _ := staticExportTo(t, docs)
	terms := ix.allTerms()
	for _, want := range Analyze(docs[0].Title + " " + docs[0].Summary + " " + docs[0].Body) {
		if !slices.Contains(terms, want) {
			t.Errorf("term %q missing; have %q", want, terms)
		}
		if e := ix.entry(want); len(e.postings) != 1 {
			t.Errorf("term %q: postings %+v", want, e.postings)
		}
	}
	if !slices.Contains(terms, "zürich") || !slices.Contains(terms, "東") {
		t.Errorf("terms %q", terms)
	}
	// Non-ASCII keys get hex file names.
	for k := range ix.meta.Shards {
		f := ShardFile(k)
		for _, r := range f {
			if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_' || r == '.') {
				t.Errorf("shard %q: file name %q", k, f)
			}
		}
	}
	if f := ShardFile("zü"); f != "_7ac3bc.json" {
		t.Errorf("ShardFile(zü) = %q", f)
	}
	rows := ix.docRows(t)
	if rows[0][1] != docs[0].Title || rows[0][3] != docs[0].Summary {
		t.Errorf("row %q", rows[0])
	}
	if !reflect.DeepEqual(ix.meta.Tag, []string{"ünïcode", "東京"}) || ix.meta.Svc[0] != "zürich-edge" {
		t.Errorf("dicts %q %q", ix.meta.Svc, ix.meta.Tag)
	}
	if r := ix.query("zür"); !reflect.DeepEqual(r.docs, []int{0}) {
		t.Errorf("zür: %v", r.docs)
	}
}

func TestExportStaticEscapesMarkup(t *testing.T) {
	docs := []Doc{{
		ID: "xss", Title: `<script>alert("t")</script> & <b>bold</b>`, Summary: `</script><img src=x onerror=alert(1)>`,
		URL: "postmortems/xss/", Date: staticDay("2024-01-02"), Severity: "<i>SEV1</i>", Tags: []string{"<tag>"},
	}}
	ix, _ := staticExportTo(t, docs)
	for p, b := range staticReadTree(t, ix.dir) {
		if bytes.ContainsAny(b, "<>") {
			t.Errorf("%s holds a raw < or >: %s", p, b)
		}
	}
	rows := ix.docRows(t)
	if rows[0][1] != docs[0].Title || rows[0][3] != docs[0].Summary {
		t.Errorf("round trip: %q", rows[0])
	}
	if ix.meta.Sev[0] != "<i>SEV1</i>" || ix.meta.Tag[0] != "<tag>" {
		t.Errorf("dicts %q %q", ix.meta.Sev, ix.meta.Tag)
	}
	chunk, _ := os.ReadFile(filepath.Join(ix.dir, "docs", "0.json"))
	if !bytes.Contains(chunk, []byte(`\u003cscript\u003e`)) {
		t.Errorf("chunk: %s", chunk)
	}
}

func TestExportStaticEmpty(t *testing.T) {
	for _, docs := range [][]Doc{nil, {{ID: "blank"}}} {
		ix, st := staticExportTo(t, docs)
		if ix.meta.N != len(docs) || ix.meta.Stop == nil || ix.meta.Sev == nil || ix.meta.Shards == nil {
			t.Errorf("meta %+v", ix.meta)
		}
		if st.Terms != 0 || st.Shards != 0 {
			t.Errorf("stats %+v", st)
		}
		if r := ix.query("anything"); len(r.docs) != 0 {
			t.Errorf("hits %v", r.docs)
		}
		if ix.facets.Dated != 0 || ix.facets.Date != "" {
			t.Errorf("facets %+v", ix.facets)
		}
		for _, dir := range []string{"terms", "docs"} {
			if fi, err := os.Stat(filepath.Join(ix.dir, dir)); err != nil || !fi.IsDir() {
				t.Errorf("%s: %v", dir, err)
			}
		}
		if len(docs) == 1 {
			if rows := ix.docRows(t); len(rows) != 1 || rows[0][0] != "blank" {
				t.Errorf("rows %q", rows)
			}
			if sev := staticDecodeVarints(t, ix.facets.Sev); !reflect.DeepEqual(sev, []int{0}) {
				t.Errorf("sev %v", sev)
			}
		}
	}
}

func TestExportStaticSharding(t *testing.T) {
	docs := staticGenCorpus(400, 5)
	ix, st := staticExportTo(t, docs)
	if st.Shards < 50 {
		t.Errorf("only %d shards", st.Shards)
	}
	seen := map[string]string{}
	for key, m := range ix.shards {
		if size := ix.meta.Shards[key]; len(m) > 1 && utf8.RuneCountInString(key) < shardDepth && size > shardTarget*2 {
			t.Errorf("shard %q: %d bytes, %d terms", key, size, len(m))
		}
		for term := range m {
			if k, _ := ix.shardKey(term); k != key {
				t.Errorf("term %q is in shard %q, lookup finds %q", term, key, k)
			}
			if prev, dup := seen[term]; dup {
				t.Errorf("term %q in shards %q and %q", term, prev, key)
			}
			seen[term] = key
		}
	}
	// Every document's terms are indexed, with the document.
	for i, d := range sortedDocs(docs)[:20] {
		for _, term := range Analyze(d.Title + " " + d.Body) {
			if !slices.ContainsFunc(ix.entry(term).postings, func(p staticPosting) bool { return p.doc == i }) {
				t.Fatalf("doc %d: term %q not indexed", i, term)
			}
		}
	}
}

func TestVarint(t *testing.T) {
	var b []byte
	vals := []uint64{0, 1, 31, 32, 33, 1023, 1024, 1 << 20, 1<<40 + 5}
	for _, v := range vals {
		b = appendVarint(b, v)
	}
	got := staticDecodeVarints(t, string(b))
	for i, v := range vals {
		if uint64(got[i]) != v {
			t.Errorf("varint %d decoded as %d", v, got[i])
		}
	}
	if s := string(appendVarint(nil, 37)); s != "x5" {
		t.Errorf("37 = %q", s)
	}
}

func TestCutSummary(t *testing.T) {
	long := strings.Repeat("word ", 100)
	got := cutSummary(long)
	if utf8.RuneCountInString(got) > summaryMax+1 || !strings.HasSuffix(got, "word…") {
		t.Errorf("cut %q", got)
	}
	if got := cutSummary("  two\n words "); got != "two words" {
		t.Errorf("%q", got)
	}
}

func staticReadTree(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		rel, _ := filepath.Rel(dir, p)
		out[filepath.ToSlash(rel)] = b
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func staticKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// TestStaticRankingMatchesServer compares the static index's ranking with
// the bleve index's on a generated corpus. For one word, the static top
// ten is the server's, up to documents whose server scores are within 1%
// (posting scores are quantised to 0.8%); for two, the static AND gives
// the server's hits that have both words, in the same order.
func TestStaticRankingMatchesServer(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a bleve index")
	}
	docs := staticGenCorpus(300, 9)
	six, _ := staticExportTo(t, docs)
	idx, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer idx.Close()
	if _, err := idx.Sync(docs); err != nil {
		t.Fatal(err)
	}
	num := map[string]int{}
	for i, d := range sortedDocs(docs) {
		num[d.ID] = i
	}
	words := six.wordsWithDF(0.05, 0.6)
	if len(words) < 20 {
		t.Fatalf("only %d words", len(words))
	}
	r := rand.New(rand.NewPCG(3, 4))
	exact := 0
	const queries = 60
	for i := 0; i < queries; i++ {
		q := words[r.IntN(len(words))]
		if i%2 == 1 {
			q += " " + words[r.IntN(len(words))]
		}
		res, err := idx.Search(context.Background(), Request{Query: q, Limit: MaxLimit})
		if err != nil {
			t.Fatal(err)
		}
		st := six.query(q + " ")
		in := map[int]bool{}
		for _, d := range st.docs {
			in[d] = true
		}
		score := map[int]float64{}
		var want []int
		for _, h := range res.Hits {
			d := num[h.ID]
			score[d] = h.Score
			if in[d] {
				want = append(want, d)
			}
		}
		got := st.docs[:min(len(st.docs), 10)]
		want = want[:min(len(want), 10)]
		if slices.Equal(got, want) {
			exact++
			continue
		}
		if len(got) != len(want) {
			t.Errorf("%q: static %v, server %v", q, got, want)
			continue
		}
		for j := range got {
			s, ok := score[got[j]]
			if !ok || math.Abs(s-score[want[j]]) > 0.01*score[want[j]] {
				t.Errorf("%q: static %v, server %v: #%d has server score %v, want %v", q, got, want, j+1, s, score[want[j]])
				break
			}
		}
	}
	t.Logf("%d of %d queries rank their top ten exactly as the server, the others up to near ties", exact, queries)
}

// An export with the analysis cache gives the same bytes as one without,
// and a second export takes every unchanged document from the cache.
func TestExportStaticCached(t *testing.T) {
	docs := []Doc{
		{ID: "a", Title: "Certificate expiry", Summary: "TLS broke.", Body: "The certificate expired at midnight.", URL: "/a/", Hash: "ha", Severity: "SEV1", Date: time.Date(2024, 1, 2, 0, 0, 0, 0, time.UTC)},
		{ID: "b", Title: "DNS outage", Summary: "Names failed.", Body: "A resolver ran out of memory.", URL: "/b/", Hash: "hb", Severity: "SEV2", Date: time.Date(2024, 2, 3, 0, 0, 0, 0, time.UTC)},
	}
	plain, cached := t.TempDir(), t.TempDir()
	if _, err := ExportStatic(docs, plain); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "analysis.gob")
	cache := LoadAnalysisCache(path)
	if _, err := ExportStaticCached(docs, cached, cache); err != nil {
		t.Fatal(err)
	}
	if err := cache.Save(path); err != nil {
		t.Fatal(err)
	}
	again := LoadAnalysisCache(path)
	if !again.Has("a", "ha") || !again.Has("b", "hb") || again.Has("a", "other") {
		t.Fatal("the saved cache does not hold the exported documents")
	}
	// Without the bodies, from the cache: the same output.
	stripped := slices.Clone(docs)
	for i := range stripped {
		stripped[i].Body = ""
	}
	third := t.TempDir()
	if _, err := ExportStaticCached(stripped, third, again); err != nil {
		t.Fatal(err)
	}
	for _, dir := range []string{cached, third} {
		sameFiles(t, plain, dir, "with the cache")
	}
}

// sameFiles fails t for each file of want's folder that got's lacks or
// holds with other bytes, and when want's has none.
func sameFiles(t *testing.T, want, got, how string) {
	t.Helper()
	n := 0
	if err := filepath.WalkDir(want, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		n++
		rel, _ := filepath.Rel(want, p)
		a, _ := os.ReadFile(p)
		b, err := os.ReadFile(filepath.Join(got, rel))
		if err != nil || !bytes.Equal(a, b) {
			t.Errorf("%s differs %s", rel, how)
		}
		return nil
	}); err != nil || n == 0 {
		t.Fatalf("walking %s: %v, %d files", want, err, n)
	}
}

// A cache file written in the earlier form, each term's frequencies in a
// map, does not decode: it is taken for no cache, never for documents
// without terms.
func TestAnalysisCacheEarlierForm(t *testing.T) {
	type earlier struct {
		Lens     []int
		TF       map[string][]uint16
		Surfaces []string
	}
	path := filepath.Join(t.TempDir(), "analysis.gob")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	old := map[string]*earlier{"ha": {Lens: []int{1, 0, 0, 0}, TF: map[string][]uint16{"certif": {1, 0, 0, 0}}, Surfaces: []string{"certificate"}}}
	if err := gob.NewEncoder(f).Encode(old); err != nil {
		t.Fatal(err)
	}
	f.Close()
	if LoadAnalysisCache(path).Has("a", "ha") {
		t.Error("a cache of the earlier form was read")
	}

	// The form before the entries were streamed: one map of the analyses.
	whole := map[string]*cachedTerms{"ha": {Lens: []int{1, 0, 0, 0}, Terms: []string{"certif"}, TF: []uint16{1, 0, 0, 0}, Surfaces: []string{"certificate"}}}
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(whole); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	if LoadAnalysisCache(path).Has("a", "ha") {
		t.Error("a cache of the one-map form was read")
	}

	// A file cut short holds nothing, not the entries before the cut.
	c := &AnalysisCache{}
	c.put("ha", &docTerms{lens: []int{1, 0, 0, 0}, terms: []string{"certif"}, tf: []uint16{1, 0, 0, 0}, surfaces: []string{"certificate"}})
	c.put("hb", &docTerms{lens: []int{1, 0, 0, 0}, terms: []string{"dns"}, tf: []uint16{1, 0, 0, 0}, surfaces: []string{"dns"}})
	if err := c.Save(path); err != nil {
		t.Fatal(err)
	}
	full, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !LoadAnalysisCache(path).Has("a", "ha") || !LoadAnalysisCache(path).Has("b", "hb") {
		t.Fatal("a saved cache does not read back")
	}
	if err := os.WriteFile(path, full[:len(full)-8], 0o644); err != nil {
		t.Fatal(err)
	}
	if cut := LoadAnalysisCache(path); cut.Has("a", "ha") || cut.Has("b", "hb") {
		t.Error("a cache cut short was read in part")
	}
}

// The static index's analysis tokenizes once; its terms must be those of
// Analyze.
func TestFilterTermsIsAnalyze(t *testing.T) {
	for _, text := range []string{
		"", "The database's failover failed", "Kubernetes' nodes: 10.0.0.1, sha 4f1c2e9a", "ＡＢＣ full-width ＇s", "日本語のテキスト and emoji 🚀",
		strings.Repeat("x", 200) + " tail", "Running runners ran; it's O'Brien's", "URLs https://example.com/a_b?c=d",
	} {
		got := filterTerms(unicodetok.NewUnicodeTokenizer().Tokenize([]byte(text)), text)
		if want := Analyze(text); !slices.Equal(got, want) {
			t.Errorf("%q: terms %q, Analyze gives %q", text, got, want)
		}
	}
}
