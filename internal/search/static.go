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
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
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
	// terms are the document's distinct terms, sorted, and tf their
	// frequency in each field: term i's in field f at i*len(lens)+f. One
	// flat slice rather than a map of slices keeps 10,000 analyses, which
	// the analysis cache holds for the whole build, in a third of the
	// memory.
	terms []string
	tf    []uint16
	// surfaces are the distinct lower-case words of all fields, sorted.
	surfaces []string
}

// termTF is term i's frequency in each field.
func (dt *docTerms) termTF(i int) []uint16 {
	nf := len(dt.lens)
	return dt.tf[i*nf : (i+1)*nf : (i+1)*nf]
}

// posting is a term in a document: the document's number and the term's
// place in its analysis (staticExport.docs), where its frequencies are. A
// posting of 8 bytes instead of one holding the frequencies' slice keeps
// the 1.5 million postings of 10,000 documents in 12 MB instead of 48.
type posting struct {
	doc, k int32
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

// ExportStaticCached is ExportStatic taking the analyses of unchanged
// documents (same Hash) from cache, and adding the new ones to it.
// Documents the cache holds need no Body.
func ExportStaticCached(docs []Doc, dir string, cache *AnalysisCache) (StaticStats, error) {
	return exportStatic(docs, dir, cache)
}

func exportStatic(docs []Doc, dir string, cache *AnalysisCache) (StaticStats, error) {
	files, st, err := StaticFiles(docs, cache)
	if err != nil {
		return st, err
	}
	return st, writeStatic(dir, files)
}

// StaticFiles makes the files of the static index in memory, by path
// below its folder, for a caller that writes them itself (the site's
// writer, which keeps the unchanged ones of the previous build). cache is
// as for ExportStaticCached, and may be nil.
func StaticFiles(docs []Doc, cache *AnalysisCache) (map[string][]byte, StaticStats, error) {
	x := &staticExport{fields: staticFields(), order: sortedDocs(docs), files: map[string][]byte{}}
	x.analyze(cache)
	x.encodeTerms()
	x.writeShards()
	x.facets()
	if err := x.docChunks(); err != nil {
		return nil, x.st, err
	}
	if err := x.meta(); err != nil {
		return nil, x.st, err
	}
	for _, b := range x.files {
		x.st.Files++
		x.st.Bytes += int64(len(b))
	}
	return x.files, x.st, nil
}

// staticExport is one export under way: each phase below reads what the
// ones before it left.
type staticExport struct {
	st     StaticStats
	fields []staticField
	order  []*Doc
	files  map[string][]byte // path below the index folder → content

	// analyze: each term's data, the written forms seen, and each
	// document's field lengths
	terms      map[string]*termData
	surfaceSet map[string]struct{}
	lens       [][]int32
	docs       []*docTerms
	// encodeTerms: the sorted terms and their entries
	termList []string
	entries  map[string]json.RawMessage
	// writeShards: each shard's size
	shardSizes map[string]int
	// facets: the dictionaries of facet values
	sevDict, svcDict, tagDict dict
	// docChunks: the URL pattern documents share
	urlPattern []string
}

// analyze analyses the documents in parallel and merges the results in
// document order.
func (x *staticExport) analyze(cache *AnalysisCache) {
	x.terms, x.surfaceSet = map[string]*termData{}, map[string]struct{}{}
	x.lens = make([][]int32, len(x.order)) // per doc, per field
	x.docs = make([]*docTerms, len(x.order))
	analyzeDocs(x.order, x.fields, cache, func(i int, dt *docTerms) {
		x.docs[i] = dt
		l := make([]int32, len(x.fields))
		for f, v := range dt.lens {
			l[f] = int32(v)
		}
		x.lens[i] = l
		for k, t := range dt.terms {
			td := x.terms[t]
			if td == nil {
				td = &termData{df: make([]int, len(x.fields))}
				x.terms[t] = td
			}
			tf := dt.termTF(k)
			for f, c := range tf {
				if c > 0 {
					td.df[f]++
				}
			}
			td.postings = append(td.postings, posting{doc: int32(i), k: int32(k)})
		}
		for _, s := range dt.surfaces {
			x.surfaceSet[s] = struct{}{}
		}
	})
	x.st.Terms = len(x.terms)
}

// encodeTerms encodes every term's entry, in parallel.
func (x *staticExport) encodeTerms() {
	n := len(x.order)
	// avgLen is bleve's BM25 "average field length": the field's number of
	// distinct terms over the number of documents, rounded up. tf-idf
	// does not use it.
	avgLen := make([]float64, len(x.fields))
	model := scoringModel()
	if n > 0 {
		distinct := make([]int, len(x.fields))
		for _, td := range x.terms {
			for f, c := range td.df {
				if c > 0 {
					distinct[f]++
				}
			}
		}
		for f := range x.fields {
			avgLen[f] = math.Ceil(float64(distinct[f]) / float64(n))
		}
	}
	surfaces := surfaceForms(x.surfaceSet, x.terms)
	x.termList = make([]string, 0, len(x.terms))
	for t := range x.terms {
		x.termList = append(x.termList, t)
	}
	sort.Strings(x.termList)
	x.entries = make(map[string]json.RawMessage, len(x.terms))
	var mu sync.Mutex
	parallel(len(x.termList), func(lo, hi int) {
		local := make(map[string]json.RawMessage, hi-lo)
		for _, t := range x.termList[lo:hi] {
			local[t] = encodeTerm(x.terms[t], surfaces[t], n, x.fields, x.lens, x.docs, avgLen, model)
		}
		mu.Lock()
		for k, v := range local {
			x.entries[k] = v
		}
		mu.Unlock()
	})
}

// writeShards groups the entries into shard files.
func (x *staticExport) writeShards() {
	shards := map[string][]string{}
	splitShards(x.termList, x.entries, shards)
	shardKeys := make([]string, 0, len(shards))
	for k := range shards {
		shardKeys = append(shardKeys, k)
	}
	sort.Strings(shardKeys)
	x.shardSizes = map[string]int{}
	for _, k := range shardKeys {
		var b bytes.Buffer
		b.WriteByte('{')
		for i, t := range shards[k] {
			if i > 0 {
				b.WriteByte(',')
			}
			writeJSONString(&b, t)
			b.WriteByte(':')
			b.Write(x.entries[t])
		}
		b.WriteString("}\n")
		x.files["terms/"+ShardFile(k)] = b.Bytes()
		x.shardSizes[k] = b.Len()
	}
	x.st.Shards = len(shardKeys)
}

// facets writes each document's date, severity, services and tags.
func (x *staticExport) facets() {
	x.sevDict = facetDict(x.order, func(d *Doc) []string {
		if d.Severity == "" {
			return nil
		}
		return []string{d.Severity}
	})
	x.svcDict = facetDict(x.order, func(d *Doc) []string { return dedupe(d.Services) })
	x.tagDict = facetDict(x.order, func(d *Doc) []string { return dedupe(d.Tags) })
	var dates, sevs, svcs, tags []byte
	dated, prevDay := 0, int64(0)
	for _, d := range x.order {
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
			sevs = appendVarint(sevs, uint64(x.sevDict.index[d.Severity]+1))
		}
		svcs = appendSet(svcs, x.svcDict, dedupe(d.Services))
		tags = appendSet(tags, x.tagDict, dedupe(d.Tags))
	}
	// A struct of strings always marshals.
	x.files["facets.json"], _ = marshal(struct {
		Dated int    `json:"dated"`
		Date  string `json:"date"`
		Sev   string `json:"sev"`
		Svc   string `json:"svc"`
		Tag   string `json:"tag"`
	}{dated, string(dates), string(sevs), string(svcs), string(tags)})
}

// docChunks writes what a hit shows of each document, docChunk to a file.
func (x *staticExport) docChunks() error {
	n := len(x.order)
	x.urlPattern = commonURLPattern(x.order)
	for lo := 0; lo < n; lo += docChunk {
		hi := min(lo+docChunk, n)
		rows := make([][6]any, 0, hi-lo)
		for _, d := range x.order[lo:hi] {
			var url any = d.URL
			if x.urlPattern != nil && d.URL == x.urlPattern[0]+d.ID+x.urlPattern[1] {
				url = 0
			}
			date, sev := "", 0
			if !d.Date.IsZero() {
				date = time.Unix(epochDay(d.Date)*86400, 0).UTC().Format("2006-01-02")
			}
			if d.Severity != "" {
				sev = x.sevDict.index[d.Severity] + 1
			}
			rows = append(rows, [6]any{d.ID, strings.TrimSpace(d.Title), url, cutSummary(d.Summary), date, sev})
		}
		b, err := marshal(rows)
		if err != nil {
			return err
		}
		x.files["docs/"+strconv.Itoa(lo/docChunk)+".json"] = b
	}
	return nil
}

// meta writes meta.json, whose build id is a digest of every other file.
func (x *staticExport) meta() error {
	paths := make([]string, 0, len(x.files))
	for p := range x.files {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	h := sha256.New()
	for _, p := range paths {
		fmt.Fprintf(h, "%s %d\n", p, len(x.files[p]))
		h.Write(x.files[p])
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
	}{staticVersion, build, len(x.order), docChunk, shardDepth, stopWords(), x.sevDict.values, x.svcDict.values, x.tagDict.values, x.urlPattern, x.shardSizes})
	if err != nil {
		return err
	}
	x.files["meta.json"] = meta
	return nil
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
