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
	"math"
	"runtime"
	"sort"
	"strings"

	"github.com/blevesearch/bleve/v2/analysis"
	unicodetok "github.com/blevesearch/bleve/v2/analysis/tokenizer/unicode"
	"golang.org/x/sync/errgroup"
)

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
