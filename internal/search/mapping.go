package search

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"sync"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/custom"
	"github.com/blevesearch/bleve/v2/analysis/lang/en"
	"github.com/blevesearch/bleve/v2/analysis/token/lowercase"
	"github.com/blevesearch/bleve/v2/analysis/token/porter"
	"github.com/blevesearch/bleve/v2/analysis/token/truncate"
	"github.com/blevesearch/bleve/v2/analysis/tokenizer/unicode"
	"github.com/blevesearch/bleve/v2/mapping"
)

// Field names in the index. They are also the field names a query string
// may use (title:dns, severity:SEV1, tags:dns), together with the aliases
// in fieldAliases.
const (
	fieldTitle       = "title"
	fieldSummary     = "summary"
	fieldBody        = "body"
	fieldActionItems = "action_items"
	fieldCommits     = "commits"
	fieldURL         = "url"
	fieldDate        = "date"
	fieldYear        = "year"
	fieldSeverity    = "severity"
	fieldStatus      = "status"
	fieldOwner       = "owner"
	fieldVisibility  = "visibility"
	fieldServices    = "services"
	fieldTags        = "tags"
	// fieldOrder is the listing order as one sortable term per document:
	// the date inverted (so that ascending is most recent first), then
	// the id. Sorting on one doc value is several times cheaper than on
	// the date (a datetime field has 16 prefix-coded terms per value in
	// its doc values) and then on _id (a stored-field lookup per match).
	fieldOrder = "order"
	// fieldFacets holds every facet value of a document, as
	// "<facet name>:<value>" (severity:SEV1, service:dns, tag:dns,
	// year:2024), in one doc-values field: bleve's cost of faceting is
	// mostly per field and per document, so one request over one field
	// is about a third cheaper than four requests over four fields.
	fieldFacets = "facets"
)

// textAnalyzer is the analysis of the text fields: bleve's English
// analysis (the unicode tokenizer, English possessives stripped, lower
// case, English stop words removed, Porter stemming) with each token cut
// to MaxTermLength characters before the lower case (search.js does the
// same), so that a megabyte without a space is
// one short term and not a megabyte-long key in both indexes.
const textAnalyzer = "hindsight-en"

// MaxTermLength is the longest term the text fields index, in characters:
// longer than any word or sha, shorter than anything costly.
const MaxTermLength = 64

func addTextAnalyzer(m *mapping.IndexMappingImpl) {
	const cut = "hindsight-cut"
	if err := m.AddCustomTokenFilter(cut, map[string]any{"type": truncate.Name, "length": float64(MaxTermLength)}); err != nil {
		panic("search: " + err.Error())
	}
	if err := m.AddCustomAnalyzer(textAnalyzer, map[string]any{
		"type":          custom.Name,
		"tokenizer":     unicode.Name,
		"token_filters": []string{en.PossessiveName, cut, lowercase.Name, en.StopName, porter.Name},
	}); err != nil {
		panic("search: " + err.Error())
	}
}

// textField is a full-text field and its weight in a query that names no
// field.
type textField struct {
	name  string
	boost float64
}

// textFields are searched, with these boosts, by the words of a query that
// name no field: title over summary over body. Bleve boosts are applied at
// query time, so the weights live here and not in the mapping.
var textFields = []textField{
	{fieldTitle, 3},
	{fieldSummary, 2},
	{fieldBody, 1},
	{fieldActionItems, 1},
	{fieldCommits, 1},
}

// keywordFields are indexed whole (no tokenising, no lower-casing), for
// exact filters and facets.
var keywordFields = map[string]bool{
	fieldSeverity:   true,
	fieldStatus:     true,
	fieldOwner:      true,
	fieldVisibility: true,
	fieldServices:   true,
	fieldTags:       true,
	fieldYear:       true,
}

// fieldAliases lets a query string use the facet names and singular forms.
var fieldAliases = map[string]string{
	"service":     fieldServices,
	"tag":         fieldTags,
	"action_item": fieldActionItems,
	"actions":     fieldActionItems,
	"commit":      fieldCommits,
	"sha":         fieldCommits,
	"file":        fieldCommits,
	"files":       fieldCommits,
}

// storedFields are the fields a Hit shows (plus body, which highlighting
// needs, see newMapping).
var storedFields = []string{fieldTitle, fieldURL, fieldDate, fieldSeverity, fieldServices, fieldTags, fieldSummary}

// newMapping builds the index mapping. It is lean on purpose:
//
//   - One static document mapping; nothing dynamic, no "_all" composite
//     field (the parts of a query with no field are spread over textFields
//     with their boosts instead, see parseQuery: that is what lets a title
//     match outrank a body match).
//   - Text fields (title, summary, body, action_items) use the English
//     analyzer and record term vectors: bleve needs term positions for
//     phrase queries (hence action items too) and term offsets for
//     highlighting. No doc values: they are never sorted or faceted on.
//   - Stored: only what a hit shows (title, url, date, severity, services,
//     tags, summary) plus body. The body has to be stored because bleve's
//     highlighter builds fragments from the stored text of a field (term
//     vectors only give offsets into it); without it there can be no body
//     fragments. It costs about a third of the index (98 MB instead of
//     65 MB for 10,000 documents of 5 KB). Status, owner, visibility, year
//     and action items are not stored.
//   - Keyword fields (keyword analyzer) for filters and field:value
//     queries, without doc values. Doc values only where facets and
//     sorting read them: facets and order (see fieldFacets, fieldOrder).
//     The date is a datetime field for range filters, stored for hits.
func newMapping() *mapping.IndexMappingImpl {
	text := func(store, vectors bool) *mapping.FieldMapping {
		f := mapping.NewTextFieldMapping()
		f.Analyzer = textAnalyzer
		f.Store = store
		f.IncludeTermVectors = vectors
		f.IncludeInAll = false
		f.DocValues = false
		return f
	}
	kw := func(store, docValues bool) *mapping.FieldMapping {
		f := mapping.NewKeywordFieldMapping()
		f.Store = store
		f.IncludeTermVectors = false
		f.IncludeInAll = false
		f.DocValues = docValues
		return f
	}

	doc := mapping.NewDocumentStaticMapping()
	doc.AddFieldMappingsAt(fieldTitle, text(true, true))
	doc.AddFieldMappingsAt(fieldSummary, text(true, true))
	doc.AddFieldMappingsAt(fieldBody, text(true, true))
	// Term vectors so that phrases work in action items too.
	doc.AddFieldMappingsAt(fieldActionItems, text(false, true))
	doc.AddFieldMappingsAt(fieldCommits, text(false, true))

	url := mapping.NewTextFieldMapping()
	url.Index = false
	url.Store = true
	url.IncludeTermVectors = false
	url.IncludeInAll = false
	url.DocValues = false
	doc.AddFieldMappingsAt(fieldURL, url)

	date := mapping.NewDateTimeFieldMapping()
	date.Store = true
	date.IncludeInAll = false
	date.DocValues = false
	doc.AddFieldMappingsAt(fieldDate, date)
	doc.AddFieldMappingsAt(fieldOrder, kw(false, true))

	doc.AddFieldMappingsAt(fieldSeverity, kw(true, false))
	doc.AddFieldMappingsAt(fieldServices, kw(true, false))
	doc.AddFieldMappingsAt(fieldTags, kw(true, false))
	doc.AddFieldMappingsAt(fieldYear, kw(false, false))
	doc.AddFieldMappingsAt(fieldFacets, kw(false, true))
	doc.AddFieldMappingsAt(fieldStatus, kw(false, false))
	doc.AddFieldMappingsAt(fieldOwner, kw(false, false))
	doc.AddFieldMappingsAt(fieldVisibility, kw(false, false))

	m := mapping.NewIndexMapping()
	addTextAnalyzer(m)
	m.DefaultMapping = doc
	m.DefaultAnalyzer = textAnalyzer
	m.IndexDynamic = false
	m.StoreDynamic = false
	m.DocValuesDynamic = false
	return m
}

var sharedMapping = sync.OnceValues(func() (*mapping.IndexMappingImpl, analysis.Analyzer) {
	m := newMapping()
	a := m.AnalyzerNamed(textAnalyzer)
	if a == nil {
		panic("search: bleve has no " + textAnalyzer + " analyzer")
	}
	return m, a
})

// Analyze splits and normalises text into terms exactly as the index does
// for its text fields (title, summary, body, action items), in order and
// with repeats. It needs no open index.
func Analyze(text string) []string {
	_, a := sharedMapping()
	return analyze(a, text)
}

func analyze(a analysis.Analyzer, text string) []string {
	return termsOf(a.Analyze([]byte(text)))
}

// termsOf is the terms of tokens, in order.
func termsOf(tokens analysis.TokenStream) []string {
	terms := make([]string, 0, len(tokens))
	for _, t := range tokens {
		terms = append(terms, string(t.Term))
	}
	return terms
}

// formatVersion changes whenever the index layout changes in a way the
// mapping fingerprint does not show (document conversion, date handling).
const formatVersion = "hindsight-search 1"

// indexVersion is written to the version file next to the index: an index
// whose version file says anything else is rebuilt.
var indexVersion = sync.OnceValue(func() string {
	m, _ := sharedMapping()
	b, err := json.Marshal(m)
	if err != nil {
		panic("search: cannot marshal the index mapping: " + err.Error())
	}
	sum := sha256.Sum256(b)
	return formatVersion + " mapping " + hex.EncodeToString(sum[:8]) + "\n"
})
