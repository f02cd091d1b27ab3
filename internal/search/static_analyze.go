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
		rec.surfaceWords(tokens)
		rec.addTermStrings(f, filterTerms(tokens, text))
	}
	return rec.docTerms(nil)
}

// textRecord is what a document's text fields were analysed into, field
// by field in the order of staticFields, counted as the tokens come: each
// distinct term with its frequency in each field, the number of terms of
// each field, and the distinct surface words of the tokens. A word or term
// becomes a string the first time the document has it (a token is looked
// up by its bytes), not once for each of its thousands of tokens.
type textRecord struct {
	nf    int
	index map[string]int // a term's place in terms
	terms []string
	// tf is term i's frequency in field f at i*nf+f.
	tf       []uint16
	lens     []int
	seen     map[string]struct{}
	surfaces []string
	lower    []byte // scratch for a surface word in lower case
}

func newTextRecord(fields int) *textRecord {
	return &textRecord{nf: fields, index: map[string]int{}, lens: make([]int, fields), seen: map[string]struct{}{}}
}

// surfaceWords notes the surface words of tokens, before any filter.
func (r *textRecord) surfaceWords(tokens analysis.TokenStream) {
	for _, token := range tokens {
		w, ok := r.asciiSurface(token.Term)
		if !ok {
			w = []byte(surfaceWord(token.Term))
		}
		if len(w) == 0 {
			continue
		}
		if _, ok := r.seen[string(w)]; !ok {
			word := string(w)
			r.seen[word] = struct{}{}
			r.surfaces = append(r.surfaces, word)
		}
	}
}

// asciiSurface is surfaceWord of an ASCII token, made in the record's
// scratch space; false for a token that is not ASCII.
func (r *textRecord) asciiSurface(token []byte) ([]byte, bool) {
	w := r.lower[:0]
	for _, c := range token {
		if c >= 0x80 {
			return nil, false
		}
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		w = append(w, c)
	}
	r.lower = w
	if len(w) >= 2 && w[len(w)-2] == '\'' && w[len(w)-1] == 's' {
		w = w[:len(w)-2]
	}
	return w, true
}

// addTerms counts the terms of field f; a term's string is made the
// first time the document has it.
func (r *textRecord) addTerms(f int, tokens analysis.TokenStream) {
	for _, t := range tokens {
		i, ok := r.index[string(t.Term)]
		if !ok {
			i = r.newTerm(string(t.Term))
		}
		r.count(f, i)
	}
}

// addTermStrings counts the terms of field f, given as strings.
func (r *textRecord) addTermStrings(f int, terms []string) {
	for _, t := range terms {
		i, ok := r.index[t]
		if !ok {
			i = r.newTerm(t)
		}
		r.count(f, i)
	}
}

// newTerm adds a term the document did not have yet, and returns its place.
func (r *textRecord) newTerm(t string) int {
	i := len(r.terms)
	r.index[t] = i
	r.terms = append(r.terms, t)
	r.tf = append(r.tf, make([]uint16, r.nf)...)
	return i
}

// count counts term i once more in field f.
func (r *textRecord) count(f, i int) {
	if c := &r.tf[i*r.nf+f]; *c < math.MaxUint16 {
		*c++
	}
	r.lens[f]++
}

// docTerms is the static index's analysis of the record: its terms sorted,
// its surface words sorted. Given an intern map, its words and terms are
// the map's strings, shared with the other documents' analyses made with
// it (the cache holds every one).
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
	// Every list at its exact length: the build holds 10,000 of them.
	dt := &docTerms{lens: r.lens, terms: make([]string, len(r.terms)), tf: make([]uint16, len(r.tf)), surfaces: make([]string, len(r.surfaces))}
	order := make([]int, len(r.terms))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int { return strings.Compare(r.terms[a], r.terms[b]) })
	for k, i := range order {
		dt.terms[k] = shared(r.terms[i])
		copy(dt.tf[k*r.nf:(k+1)*r.nf], r.tf[i*r.nf:(i+1)*r.nf])
	}
	for k, w := range r.surfaces {
		dt.surfaces[k] = shared(w)
	}
	slices.Sort(dt.surfaces)
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
	r.rec.surfaceWords(tokens)
	tokens = filtered(r.a, tokens)
	r.rec.addTerms(r.field, tokens)
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
