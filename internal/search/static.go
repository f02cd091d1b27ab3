package search

// The static search index: what the published site's JavaScript
// (theme/static/search.js) reads to answer queries on a host with no
// server at all (GitHub Pages, a bucket). ExportStatic writes it into
// <site>/search/.
//
// # Format (version 1)
//
// Documents are numbered 0..n-1, most recent first (date descending, then
// ID): an empty query lists them in number order, and doc numbers in
// posting lists are small deltas.
//
// Small integers are written as base-32 varints in strings, one character
// per 5 bits, most significant group first, in the alphabet
//
//	0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_
//
// where the first 32 characters end a number and the last 32 continue it
// ("7" is 7, "x5" is 1·32+5 = 37). No character needs escaping in
// JSON, and a number below 32 takes one byte.
//
// meta.json, read first (revalidated on every load; every other file is
// fetched with ?v=<build> so a cached file never mixes two builds):
//
//	{"v":1, "build":"<12 hex>", "n":<docs>, "chunk":<docs per chunk>,
//	 "depth":<max shard key runes>, "stop":[English stop words],
//	 "sev":[severities], "svc":[services], "tag":[tags],
//	 "url":["<prefix>","<suffix>"] (optional),
//	 "shards":{"<key>":<bytes>, ...}}
//
// The facet dictionaries are ordered by how many documents have the value
// (most first, then by value), so frequent values get one-byte indexes.
//
// facets.json, per document in number order:
//
//	{"dated":<how many documents have a date; they come first>,
//	 "date":"<varints: days since 1970-01-01 of doc 0, then the
//	         difference to the previous doc (dates descend)>",
//	 "sev":"<varint per doc: 1 + index into meta.sev, 0 for none>",
//	 "svc":"<per doc: a varint count, then that many indexes into meta.svc>",
//	 "tag":"<the same for meta.tag>"}
//
// That is enough to filter by severity, service, tag and date, count the
// facets (year comes from the date) over every match, and sort by recency.
//
// terms/<file>.json, one per shard: the terms (after Analyze: lower case,
// no stop words, Porter stems) whose key is the shard's key. A term's key
// is the longest key in meta.shards that is a prefix of it: shards start
// at the first 2 runes of the term and a shard above shardTarget bytes is
// split by the next rune, up to depth runes (the terms exactly as long as
// the key stay in the parent). The file name is the key when it is
// [a-z0-9]+, else "_" and the hex of its UTF-8 bytes.
//
//	{"<term>":[<max>, "<surface forms>", "<postings>"], ...}
//
// surface forms are the lower-case words of the text (before stemming)
// that analyse to the term, space-separated, except the term itself: they
// let the browser match the last, unfinished query word against the words
// as written (search-as-you-type), look up words without a stemmer, and
// highlight them. postings are varint pairs: the doc number (the first
// absolute, then the gap from the previous one) and the document's score
// for this term on a log scale below max: q means max·e^(-q/128), from 0
// (the best) to 1023 (e^-8 of the best, or less). The score is computed here
// as the server's bleve index scores a query word: a disjunction over the
// text fields with boosts title 3, summary 2, body 1, action items 1 (its
// coordination factor included), each field scored by the mapping's
// scoring model (bleve's tf-idf by default, or BM25), the query norm left
// out as it is the same for every document. The browser only adds up the
// scores of the query's words.
//
// docs/<k>.json, chunks of meta.chunk documents, doc k·chunk first:
//
//	[["<id>","<title>","<url>","<summary>","<YYYY-MM-DD or empty>",<severity>], ...]
//
// with the severity as in facets.json, so that a list of hits that needs
// no filter and no facet counts (the header's drop-down) can do without
// facets.json. The URL is as the Doc has it, or 0 when it is meta.url's
// prefix, the ID and its suffix (the usual case: "/<base>/<id>/"). The
// summary is cut at about summaryMax characters. JSON is written with <, >
// and & escaped, so no text can close a script or inject markup; the
// browser puts every string in the DOM as text.
//
// # Queries in the browser
//
// search.js drops stop words, requires every word (AND), matches the last,
// unfinished word (and any word the index does not know) as a prefix of
// the terms and of their written forms, excludes -words, and ranks by the
// sum of the words' scores, then by recency. A typical query on 10,000
// postmortems loads meta.json, facets.json (search page only), a few
// shards and ten document chunks: about 170 KB before compression, see
// BenchmarkExportStatic.

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/gob"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/lang/en"
	unicodetok "github.com/blevesearch/bleve/v2/analysis/tokenizer/unicode"
	index "github.com/blevesearch/bleve_index_api"
	"golang.org/x/sync/errgroup"
)

// StaticStats describes an exported static index.
type StaticStats struct {
	Files  int
	Bytes  int64
	Terms  int
	Shards int
}

// Static index parameters.
const (
	staticVersion = 1
	// shardRoot is the length in runes of the first shard keys.
	shardRoot = 2
	// shardDepth is the longest shard key, in runes.
	shardDepth = 8
	// shardTarget is the size above which a shard is split.
	shardTarget = 16 << 10
	// docChunk is how many documents one docs/ file holds: small, because
	// the ten best hits of a query are usually in ten different chunks.
	docChunk = 10
	// summaryMax is about how many characters of a summary are kept.
	summaryMax = 280
	// scoreSteps is how many steps a posting's score has per factor e
	// below the term's best, and scoreFloor the largest step (2 bytes).
	scoreSteps = 128
	scoreFloor = 1023
)

// BM25 parameters, as bleve's (search.BM25_k1, search.BM25_b).
const (
	bm25K1 = 1.2
	bm25B  = 0.75
)

const varintAlphabet = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_"

// appendVarint appends v in the base-32 varint form described above.
func appendVarint(b []byte, v uint64) []byte {
	var tmp [13]byte
	i := len(tmp) - 1
	tmp[i] = varintAlphabet[v&31]
	v >>= 5
	for v > 0 {
		i--
		tmp[i] = varintAlphabet[32+(v&31)]
		v >>= 5
	}
	return append(b, tmp[i:]...)
}

// staticField is a text field of the static index: the server's text
// fields (textFields in mapping.go), in the same order.
type staticField struct {
	boost float64
	text  func(*Doc) string
}

func staticFields() []staticField {
	out := make([]staticField, len(textFields))
	for i, f := range textFields {
		out[i].boost = f.boost
		switch f.name {
		case fieldTitle:
			out[i].text = func(d *Doc) string { return d.Title }
		case fieldSummary:
			out[i].text = func(d *Doc) string { return d.Summary }
		case fieldBody:
			out[i].text = func(d *Doc) string { return d.Body }
		case fieldActionItems:
			out[i].text = func(d *Doc) string { return strings.Join(d.ActionItems, "\n") }
		case fieldCommits:
			out[i].text = func(d *Doc) string { return strings.Join(d.Commits, "\n") }
		default:
			panic("search: no static text for field " + f.name)
		}
	}
	return out
}

// docTerms is one document's analysis.
type docTerms struct {
	lens []int
	// tf is each term's frequency in each field.
	tf map[string][]uint16
	// surfaces are the distinct lower-case words of all fields.
	surfaces []string
}

// posting is a term in a document.
type posting struct {
	doc int32
	tf  []uint16
}

type termData struct {
	postings []posting
	// df counts the documents with the term, per field.
	df []int
}

// ExportStatic writes a static search index of docs into dir (it becomes
// <site>/search/): everything the browser needs to answer queries with no
// server. The format is described at the top of this file. Deterministic:
// the same docs give the same bytes. Files of an earlier export that the
// new one does not have are removed.
func ExportStatic(docs []Doc, dir string) (StaticStats, error) {
	return exportStatic(docs, dir, nil)
}

// AnalysisCache keeps each document's analysis by its hash between
// exports, so that a rebuild analyses only the documents that changed.
// The zero value is empty; Load and Save keep it in a file.
type AnalysisCache struct {
	mu      sync.Mutex
	entries map[string]*cachedTerms
	used    map[string]*cachedTerms
}

// cachedTerms is a docTerms with exported fields, for gob.
type cachedTerms struct {
	Lens     []int
	TF       map[string][]uint16
	Surfaces []string
}

// Has reports whether the cache holds a document's analysis, so that its
// text need not be prepared.
func (c *AnalysisCache) Has(id, hash string) bool {
	if c == nil || hash == "" {
		return false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	_, ok := c.entries[hash]
	return ok
}

func (c *AnalysisCache) get(hash string) *docTerms {
	if c == nil || hash == "" {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[hash]
	if !ok {
		return nil
	}
	if c.used == nil {
		c.used = map[string]*cachedTerms{}
	}
	c.used[hash] = e
	return &docTerms{lens: e.Lens, tf: e.TF, surfaces: e.Surfaces}
}

func (c *AnalysisCache) put(hash string, dt *docTerms) {
	if c == nil || hash == "" {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.used == nil {
		c.used = map[string]*cachedTerms{}
	}
	c.used[hash] = &cachedTerms{Lens: dt.lens, TF: dt.tf, Surfaces: dt.surfaces}
}

// LoadAnalysisCache reads a cache file; a missing or unreadable one gives
// an empty cache.
func LoadAnalysisCache(path string) *AnalysisCache {
	c := &AnalysisCache{entries: map[string]*cachedTerms{}}
	f, err := os.Open(path)
	if err != nil {
		return c
	}
	defer f.Close()
	var entries map[string]*cachedTerms
	if gob.NewDecoder(bufio.NewReader(f)).Decode(&entries) == nil {
		c.entries = entries
	}
	return c
}

// Save writes the analyses the last export used, and only those.
func (c *AnalysisCache) Save(path string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	tmp := path + ".tmp"
	_ = os.Remove(tmp) // never write through a link left in its place
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	if err := gob.NewEncoder(w).Encode(c.used); err != nil {
		f.Close()
		return err
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// ExportStaticCached is ExportStatic taking the analyses of unchanged
// documents (same Hash) from cache, and adding the new ones to it.
// Documents the cache holds need no Body.
func ExportStaticCached(docs []Doc, dir string, cache *AnalysisCache) (StaticStats, error) {
	return exportStatic(docs, dir, cache)
}

func exportStatic(docs []Doc, dir string, cache *AnalysisCache) (StaticStats, error) {
	var st StaticStats
	fields := staticFields()
	order := sortedDocs(docs)
	n := len(order)

	// Analysis, in parallel, merged in document order.
	terms := map[string]*termData{}
	surfaceSet := map[string]struct{}{}
	lenSum := make([]float64, len(fields))
	lens := make([][]int32, n) // per doc, per field
	analyzeDocs(order, fields, cache, func(i int, dt *docTerms) {
		l := make([]int32, len(fields))
		for f, v := range dt.lens {
			l[f] = int32(v)
			lenSum[f] += float64(v)
		}
		lens[i] = l
		keys := make([]string, 0, len(dt.tf))
		for t := range dt.tf {
			keys = append(keys, t)
		}
		sort.Strings(keys)
		for _, t := range keys {
			td := terms[t]
			if td == nil {
				td = &termData{df: make([]int, len(fields))}
				terms[t] = td
			}
			tf := dt.tf[t]
			for f, c := range tf {
				if c > 0 {
					td.df[f]++
				}
			}
			td.postings = append(td.postings, posting{doc: int32(i), tf: tf})
		}
		for _, s := range dt.surfaces {
			surfaceSet[s] = struct{}{}
		}
	})
	st.Terms = len(terms)

	// avgLen is bleve's BM25 "average field length": the field's number of
	// distinct terms over the number of documents, rounded up. tf-idf
	// does not use it.
	avgLen := make([]float64, len(fields))
	model := scoringModel()
	if n > 0 {
		distinct := make([]int, len(fields))
		for _, td := range terms {
			for f, c := range td.df {
				if c > 0 {
					distinct[f]++
				}
			}
		}
		for f := range fields {
			avgLen[f] = math.Ceil(float64(distinct[f]) / float64(n))
		}
	}

	surfaces := surfaceForms(surfaceSet, terms)

	// Encode every term's entry.
	termList := make([]string, 0, len(terms))
	for t := range terms {
		termList = append(termList, t)
	}
	sort.Strings(termList)
	entries := make(map[string]json.RawMessage, len(terms))
	var mu sync.Mutex
	parallel(len(termList), func(lo, hi int) {
		local := make(map[string]json.RawMessage, hi-lo)
		for _, t := range termList[lo:hi] {
			local[t] = encodeTerm(terms[t], surfaces[t], n, fields, lens, avgLen, model)
		}
		mu.Lock()
		for k, v := range local {
			entries[k] = v
		}
		mu.Unlock()
	})

	// Shards.
	shards := map[string][]string{}
	splitShards(termList, entries, shards)
	shardKeys := make([]string, 0, len(shards))
	for k := range shards {
		shardKeys = append(shardKeys, k)
	}
	sort.Strings(shardKeys)

	files := map[string][]byte{} // path below dir → content
	shardSizes := map[string]int{}
	for _, k := range shardKeys {
		var b bytes.Buffer
		b.WriteByte('{')
		for i, t := range shards[k] {
			if i > 0 {
				b.WriteByte(',')
			}
			writeJSONString(&b, t)
			b.WriteByte(':')
			b.Write(entries[t])
		}
		b.WriteString("}\n")
		files["terms/"+ShardFile(k)] = b.Bytes()
		shardSizes[k] = b.Len()
	}
	st.Shards = len(shardKeys)

	// Facets.
	sevDict := facetDict(order, func(d *Doc) []string {
		if d.Severity == "" {
			return nil
		}
		return []string{d.Severity}
	})
	svcDict := facetDict(order, func(d *Doc) []string { return dedupe(d.Services) })
	tagDict := facetDict(order, func(d *Doc) []string { return dedupe(d.Tags) })
	var dates, sevs, svcs, tags []byte
	dated, prevDay := 0, int64(0)
	for _, d := range order {
		if !d.Date.IsZero() {
			day := epochDay(d.Date)
			if dated == 0 {
				dates = appendVarint(dates, uint64(max(day, 0)))
			} else {
				dates = appendVarint(dates, uint64(max(prevDay-day, 0)))
			}
			prevDay = day
			dated++
		}
		if d.Severity == "" {
			sevs = appendVarint(sevs, 0)
		} else {
			sevs = appendVarint(sevs, uint64(sevDict.index[d.Severity]+1))
		}
		svcs = appendSet(svcs, svcDict, dedupe(d.Services))
		tags = appendSet(tags, tagDict, dedupe(d.Tags))
	}
	facets, err := marshal(struct {
		Dated int    `json:"dated"`
		Date  string `json:"date"`
		Sev   string `json:"sev"`
		Svc   string `json:"svc"`
		Tag   string `json:"tag"`
	}{dated, string(dates), string(sevs), string(svcs), string(tags)})
	if err != nil {
		return st, err
	}
	files["facets.json"] = facets

	// Document chunks.
	urlPattern := commonURLPattern(order)
	for lo := 0; lo < n; lo += docChunk {
		hi := min(lo+docChunk, n)
		rows := make([][6]any, 0, hi-lo)
		for _, d := range order[lo:hi] {
			var url any = d.URL
			if urlPattern != nil && d.URL == urlPattern[0]+d.ID+urlPattern[1] {
				url = 0
			}
			date, sev := "", 0
			if !d.Date.IsZero() {
				date = time.Unix(epochDay(d.Date)*86400, 0).UTC().Format("2006-01-02")
			}
			if d.Severity != "" {
				sev = sevDict.index[d.Severity] + 1
			}
			rows = append(rows, [6]any{d.ID, strings.TrimSpace(d.Title), url, cutSummary(d.Summary), date, sev})
		}
		b, err := marshal(rows)
		if err != nil {
			return st, err
		}
		files["docs/"+strconv.Itoa(lo/docChunk)+".json"] = b
	}

	// The build id: a digest of everything else.
	paths := make([]string, 0, len(files))
	for p := range files {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	h := sha256.New()
	for _, p := range paths {
		fmt.Fprintf(h, "%s %d\n", p, len(files[p]))
		h.Write(files[p])
	}
	build := hex.EncodeToString(h.Sum(nil))[:12]

	meta, err := marshal(struct {
		V      int            `json:"v"`
		Build  string         `json:"build"`
		N      int            `json:"n"`
		Chunk  int            `json:"chunk"`
		Depth  int            `json:"depth"`
		Stop   []string       `json:"stop"`
		Sev    []string       `json:"sev"`
		Svc    []string       `json:"svc"`
		Tag    []string       `json:"tag"`
		URL    []string       `json:"url,omitempty"`
		Shards map[string]int `json:"shards"`
	}{staticVersion, build, n, docChunk, shardDepth, stopWords(), sevDict.values, svcDict.values, tagDict.values, urlPattern, shardSizes})
	if err != nil {
		return st, err
	}
	files["meta.json"] = meta

	if err := writeStatic(dir, files); err != nil {
		return st, err
	}
	for _, b := range files {
		st.Files++
		st.Bytes += int64(len(b))
	}
	return st, nil
}

// commonURLPattern is the most common [prefix, suffix] around the ID in
// the documents' URLs ("postmortems/", "/"), if there is one.
func commonURLPattern(order []*Doc) []string {
	count := map[[2]string]int{}
	var best [2]string
	for _, d := range order {
		i := strings.LastIndex(d.URL, d.ID)
		if d.ID == "" || i < 0 {
			continue
		}
		p := [2]string{d.URL[:i], d.URL[i+len(d.ID):]}
		count[p]++
		if c, b := count[p], count[best]; c > b || c == b && (p[0] < best[0] || p[0] == best[0] && p[1] < best[1]) {
			best = p
		}
	}
	if count[best] < 2 {
		return nil
	}
	return best[:]
}

// sortedDocs orders the documents most recent first, undated last, then by
// ID (and URL, for duplicates).
func sortedDocs(docs []Doc) []*Doc {
	out := make([]*Doc, len(docs))
	for i := range docs {
		out[i] = &docs[i]
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Date.IsZero() != b.Date.IsZero() {
			return !a.Date.IsZero()
		}
		if da, db := epochDay(a.Date), epochDay(b.Date); da != db {
			return da > db
		}
		if !a.Date.Equal(b.Date) {
			return a.Date.After(b.Date)
		}
		if a.ID != b.ID {
			return a.ID < b.ID
		}
		return a.URL < b.URL
	})
	return out
}

// epochDay is the day of t's calendar date (in t's own location) counted
// from 1970-01-01.
func epochDay(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400
}

// analyzeDocs analyses the documents in parallel and hands each result to
// merge in document order.
func analyzeDocs(order []*Doc, fields []staticField, cache *AnalysisCache, merge func(int, *docTerms)) {
	const batch = 256
	workers := max(runtime.GOMAXPROCS(0), 1)
	results := make([]*docTerms, batch)
	for lo := 0; lo < len(order); lo += batch {
		hi := min(lo+batch, len(order))
		var g errgroup.Group
		g.SetLimit(workers)
		for i := lo; i < hi; i++ {
			g.Go(func() error {
				if dt := cache.get(order[i].Hash); dt != nil {
					results[i-lo] = dt
					return nil
				}
				results[i-lo] = analyzeDoc(order[i], fields, unicodetok.NewUnicodeTokenizer())
				cache.put(order[i].Hash, results[i-lo])
				return nil
			})
		}
		_ = g.Wait() // the tasks return no errors
		for i := lo; i < hi; i++ {
			merge(i, results[i-lo])
			results[i-lo] = nil
		}
	}
}

func analyzeDoc(d *Doc, fields []staticField, tok analysis.Tokenizer) *docTerms {
	dt := &docTerms{lens: make([]int, len(fields)), tf: map[string][]uint16{}}
	seen := map[string]struct{}{}
	for f, field := range fields {
		text := field.text(d)
		if text == "" {
			continue
		}
		terms := Analyze(text)
		dt.lens[f] = len(terms)
		for _, t := range terms {
			tf := dt.tf[t]
			if tf == nil {
				tf = make([]uint16, len(fields))
				dt.tf[t] = tf
			}
			if tf[f] < math.MaxUint16 {
				tf[f]++
			}
		}
		for _, token := range tok.Tokenize([]byte(text)) {
			s := surfaceWord(token.Term)
			if _, ok := seen[s]; !ok && s != "" {
				seen[s] = struct{}{}
				dt.surfaces = append(dt.surfaces, s)
			}
		}
	}
	return dt
}

// surfaceWord is a token as the browser's query words are: without an
// English possessive ('s), in lower case. It is only a key to find the
// term Analyze makes of the token; it is never indexed itself.
func surfaceWord(token []byte) string {
	s := string(token)
	for _, suffix := range []string{"'s", "'S", "’s", "’S", "＇s", "＇S"} {
		if strings.HasSuffix(s, suffix) {
			s = s[:len(s)-len(suffix)]
			break
		}
	}
	return strings.ToLower(s)
}

// surfaceForms maps each term to the words that Analyze turns into it,
// other than the term itself, sorted.
func surfaceForms(set map[string]struct{}, terms map[string]*termData) map[string][]string {
	words := make([]string, 0, len(set))
	for s := range set {
		words = append(words, s)
	}
	sort.Strings(words)
	stems := make([]string, len(words))
	parallel(len(words), func(lo, hi int) {
		for i := lo; i < hi; i++ {
			if t := Analyze(words[i]); len(t) == 1 {
				stems[i] = t[0]
			}
		}
	})
	out := map[string][]string{}
	for i, w := range words {
		t := stems[i]
		if t == "" || t == w || terms[t] == nil {
			continue
		}
		out[t] = append(out[t], w)
	}
	return out
}

// encodeTerm writes a term's entry: [max score, surface forms, postings].
func encodeTerm(td *termData, surfaces []string, n int, fields []staticField, lens [][]int32, avgLen []float64, model string) json.RawMessage {
	idf := make([]float64, len(fields))
	for f, df := range td.df {
		if model == index.BM25Scoring {
			idf[f] = math.Log(1 + (float64(n)-float64(df)+0.5)/(float64(df)+0.5))
		} else {
			idf[f] = 1 + math.Log(float64(n)/float64(df+1))
		}
	}
	scores := make([]float64, len(td.postings))
	top := 0.0
	for i, p := range td.postings {
		s, matched := 0.0, 0
		for f, tf := range p.tf {
			if tf == 0 {
				continue
			}
			matched++
			s += fieldScore(model, float64(tf), float64(lens[p.doc][f]), avgLen[f], idf[f], fields[f].boost)
		}
		s *= float64(matched) / float64(len(fields))
		scores[i] = s
		top = max(top, s)
	}
	// Round the maximum to 6 significant digits: it is written that way.
	top, _ = strconv.ParseFloat(strconv.FormatFloat(top, 'g', 6, 64), 64)
	var post []byte
	prev := int32(0)
	for i, p := range td.postings {
		if i == 0 {
			post = appendVarint(post, uint64(p.doc))
		} else {
			post = appendVarint(post, uint64(p.doc-prev))
		}
		prev = p.doc
		q := scoreFloor
		if top > 0 && scores[i] > 0 {
			q = int(math.Round(-math.Log(scores[i]/top) * scoreSteps))
		}
		post = appendVarint(post, uint64(min(max(q, 0), scoreFloor)))
	}
	var b bytes.Buffer
	b.WriteByte('[')
	b.WriteString(strconv.FormatFloat(top, 'g', 6, 64))
	b.WriteByte(',')
	writeJSONString(&b, strings.Join(surfaces, " "))
	b.WriteString(`,"`)
	b.Write(post)
	b.WriteString(`"]`)
	return b.Bytes()
}

// fieldScore is bleve's score of a term in one field (TermQueryScorer in
// search/scorer/scorer_term.go) times the query weight boost·idf; the
// query norm is the same for every document of a query and is left out.
func fieldScore(model string, freq, fieldLen, avgLen, idf, boost float64) float64 {
	tf := math.Sqrt(freq)
	var s float64
	if model == index.BM25Scoring {
		if avgLen <= 0 {
			avgLen = 1
		}
		s = idf * (tf * bm25K1) / (tf + bm25K1*(1-bm25B+bm25B*fieldLen/avgLen))
	} else {
		s = tf * idf / math.Sqrt(max(fieldLen, 1))
	}
	return s * boost * idf
}

// scoringModel is the index mapping's scoring model: bm25 or tf-idf.
func scoringModel() string {
	m, _ := sharedMapping()
	if m.ScoringModel == "" {
		return index.DefaultScoringModel
	}
	return m.ScoringModel
}

// splitShards groups the sorted terms into shards: by their first
// shardRoot runes, then by one more rune while a shard is larger than
// shardTarget, up to shardDepth runes.
func splitShards(terms []string, entries map[string]json.RawMessage, out map[string][]string) {
	size := func(ts []string) int {
		s := 2
		for _, t := range ts {
			s += len(t) + 4 + len(entries[t])
		}
		return s
	}
	var split func(key string, depth int, ts []string)
	split = func(key string, depth int, ts []string) {
		if len(ts) == 1 || depth >= shardDepth || size(ts) <= shardTarget {
			out[key] = ts
			return
		}
		var stay []string
		for i := 0; i < len(ts); {
			if ts[i] == key {
				stay = append(stay, ts[i])
				i++
				continue
			}
			k := runePrefix(ts[i], depth+1)
			j := i
			for j < len(ts) && runePrefix(ts[j], depth+1) == k && ts[j] != key {
				j++
			}
			split(k, depth+1, ts[i:j])
			i = j
		}
		if len(stay) > 0 {
			out[key] = stay
		}
	}
	for i := 0; i < len(terms); {
		k := runePrefix(terms[i], shardRoot)
		j := i
		for j < len(terms) && runePrefix(terms[j], shardRoot) == k {
			j++
		}
		split(k, utf8.RuneCountInString(k), terms[i:j])
		i = j
	}
}

// runePrefix is the first n runes of s (all of s if it is shorter).
func runePrefix(s string, n int) string {
	i := 0
	for j := range s {
		if i == n {
			return s[:j]
		}
		i++
	}
	return s
}

// ShardFile is the file name of a shard key: the key itself when it is
// only a-z and 0-9, else "_" and the hex of its bytes.
func ShardFile(key string) string {
	plain := key != ""
	for _, r := range key {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9') {
			plain = false
			break
		}
	}
	if plain {
		return key + ".json"
	}
	return "_" + hex.EncodeToString([]byte(key)) + ".json"
}

// dict is a facet's values, most frequent first.
type dict struct {
	values []string
	index  map[string]int
}

func facetDict(order []*Doc, values func(*Doc) []string) dict {
	count := map[string]int{}
	for _, d := range order {
		for _, v := range values(d) {
			count[v]++
		}
	}
	d := dict{values: make([]string, 0, len(count)), index: map[string]int{}}
	for v := range count {
		d.values = append(d.values, v)
	}
	sort.Slice(d.values, func(i, j int) bool {
		a, b := d.values[i], d.values[j]
		if count[a] != count[b] {
			return count[a] > count[b]
		}
		return a < b
	})
	for i, v := range d.values {
		d.index[v] = i
	}
	return d
}

func appendSet(b []byte, d dict, values []string) []byte {
	idx := make([]int, 0, len(values))
	for _, v := range values {
		idx = append(idx, d.index[v])
	}
	slices.Sort(idx)
	b = appendVarint(b, uint64(len(idx)))
	for _, i := range idx {
		b = appendVarint(b, uint64(i))
	}
	return b
}

// dedupe drops empty and repeated values, keeping the first.
func dedupe(xs []string) []string {
	out := make([]string, 0, len(xs))
	for _, x := range xs {
		if x != "" && !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	return out
}

// cutSummary collapses white space and cuts the summary at a word boundary
// near summaryMax characters.
func cutSummary(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) <= summaryMax {
		return s
	}
	cut := runePrefix(s, summaryMax)
	if i := strings.LastIndexFunc(cut, unicode.IsSpace); i > summaryMax/2 {
		cut = cut[:i]
	}
	return strings.TrimRightFunc(cut, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsPunct(r) }) + "…"
}

// stopWords are the English stop words that Analyze removes, sorted, for
// the browser to drop from queries.
var stopWords = sync.OnceValue(func() []string {
	m := analysis.NewTokenMap()
	if err := m.LoadBytes(en.EnglishStopWords); err != nil {
		panic("search: bleve's English stop words: " + err.Error())
	}
	out := []string{}
	for w := range m {
		if len(Analyze(w)) == 0 {
			out = append(out, w)
		}
	}
	sort.Strings(out)
	return out
})

// marshal is JSON with <, > and & escaped and a final newline.
func marshal(v any) ([]byte, error) {
	var b bytes.Buffer
	if err := json.NewEncoder(&b).Encode(v); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func writeJSONString(b *bytes.Buffer, s string) {
	j, _ := json.Marshal(s) // a string always marshals
	b.Write(j)
}

// parallel runs f over [0,n) in contiguous parts, one per CPU.
func parallel(n int, f func(lo, hi int)) {
	workers := max(runtime.GOMAXPROCS(0), 1)
	if n < 64 || workers == 1 {
		f(0, n)
		return
	}
	step := (n + workers - 1) / workers
	var g errgroup.Group
	for lo := 0; lo < n; lo += step {
		g.Go(func() error { f(lo, min(lo+step, n)); return nil })
	}
	_ = g.Wait() // the parts return no errors
}

// writeStatic replaces the index in dir with files: terms/ and docs/ are
// emptied first, so no shard of an earlier export survives.
func writeStatic(dir string, files map[string][]byte) error {
	for _, sub := range []string{"terms", "docs"} {
		if err := os.RemoveAll(filepath.Join(dir, sub)); err != nil {
			return err
		}
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
			return err
		}
	}
	paths := make([]string, 0, len(files))
	for p := range files {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		if err := os.WriteFile(filepath.Join(dir, filepath.FromSlash(p)), files[p], 0o644); err != nil {
			return err
		}
	}
	return nil
}
