package search

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/lang/en"
	index "github.com/blevesearch/bleve_index_api"
	"golang.org/x/sync/errgroup"
)

// encodeTerm writes a term's entry: [max score, surface forms, postings].
func encodeTerm(td *termData, surfaces []string, n int, fields []staticField, lens [][]int32, docs []*docTerms, avgLen []float64, model string) json.RawMessage {
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
		for f, tf := range docs[p.doc].termTF(int(p.k)) {
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
