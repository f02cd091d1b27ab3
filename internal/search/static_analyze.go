package search

import (
	"math"
	"runtime"
	"slices"
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
	rec := newTextRecord(len(fields))
	for f, field := range fields {
		text := field.text(d)
		if text == "" {
			continue
		}
		// One tokenization gives both the surface words and, through the
		// analyzer's filters, the terms.
		tokens := tok.Tokenize([]byte(text))
		rec.surfaces(f, tokens)
		rec.terms[f] = append(rec.terms[f], filterTerms(tokens, text)...)
	}
	return rec.docTerms(nil)
}

// textRecord is what a document's text fields were analysed into, field
// by field in the order of staticFields: the surface words of the
// tokens, and the terms the analyzer's filters made of them.
type textRecord struct {
	words, terms [][]string
}

func newTextRecord(fields int) *textRecord {
	return &textRecord{words: make([][]string, fields), terms: make([][]string, fields)}
}

// surfaces notes the surface words of tokens, before any filter.
func (r *textRecord) surfaces(f int, tokens analysis.TokenStream) {
	for _, token := range tokens {
		r.words[f] = append(r.words[f], surfaceWord(token.Term))
	}
}

// docTerms is the static index's analysis of the record. Given an
// intern map, its words and terms are the map's strings, shared with the
// other documents' analyses made with it (the cache holds every one).
func (r *textRecord) docTerms(intern map[string]string) *docTerms {
	shared := func(s string) string {
		if intern == nil {
			return s
		}
		if t, ok := intern[s]; ok {
			return t
		}
		intern[s] = s
		return s
	}
	dt := &docTerms{lens: make([]int, len(r.terms))}
	counts := map[string][]uint16{}
	seen := map[string]struct{}{}
	for f := range r.terms {
		for _, s := range r.words[f] {
			if _, ok := seen[s]; !ok && s != "" {
				seen[s] = struct{}{}
				dt.surfaces = append(dt.surfaces, shared(s))
			}
		}
		dt.lens[f] = len(r.terms[f])
		for _, t := range r.terms[f] {
			tf := counts[t]
			if tf == nil {
				tf = make([]uint16, len(r.terms))
				counts[shared(t)] = tf
			}
			if tf[f] < math.MaxUint16 {
				tf[f]++
			}
		}
	}
	// Every list at its exact length: the build holds 10,000 of them
	// (append's spare capacity was a quarter of their memory).
	dt.surfaces = slices.Clone(dt.surfaces)
	dt.terms = make([]string, 0, len(counts))
	for t := range counts {
		dt.terms = append(dt.terms, t)
	}
	slices.Sort(dt.terms)
	dt.tf = make([]uint16, 0, len(dt.terms)*len(r.terms))
	for _, t := range dt.terms {
		dt.tf = append(dt.tf, counts[t]...)
	}
	return dt
}

// recordingAnalyzer is the text analyzer as bleve runs it on one field of
// one document, noting in a record what the static index's analysis of
// the same text is, so that a build that indexes a document in both
// analyses its text once. It needs the analyzer to be a DefaultAnalyzer
// without character filters (see indexRecording).
type recordingAnalyzer struct {
	a     *analysis.DefaultAnalyzer
	rec   *textRecord
	field int
}

func (r recordingAnalyzer) Analyze(input []byte) analysis.TokenStream {
	tokens := r.a.Tokenizer.Tokenize(input)
	r.rec.surfaces(r.field, tokens)
	tokens = filtered(r.a, tokens)
	r.rec.terms[r.field] = append(r.rec.terms[r.field], termsOf(tokens)...)
	return tokens
}

// filtered is tokens after the analyzer's token filters, which may change
// them.
func filtered(a *analysis.DefaultAnalyzer, tokens analysis.TokenStream) analysis.TokenStream {
	for _, f := range a.TokenFilters {
		tokens = f.Filter(tokens)
	}
	return tokens
}

// filterTerms is Analyze(text) given the tokens of text: the text
// analyzer's filters applied to them (it has no character filters, and
// its tokenizer is the one analyzeDoc uses). The filters may change the
// tokens.
func filterTerms(tokens analysis.TokenStream, text string) []string {
	_, a := sharedMapping()
	da, ok := a.(*analysis.DefaultAnalyzer)
	if !ok || len(da.CharFilters) > 0 {
		return Analyze(text)
	}
	return termsOf(filtered(da, tokens))
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
