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
	"encoding/gob"
	"os"
	"sync"
)

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
