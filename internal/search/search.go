// Package search is the only package that uses bleve. It keeps a full-text
// index of the postmortems (title boosted over summary over body, keyword
// fields for the facets), updates it incrementally, answers queries with
// highlights and facet counts, and exports a static index that the
// published site's JavaScript queries with no server at all.
package search

import "time"

// Doc is what is indexed of one postmortem. Body is plain text.
type Doc struct {
	ID         string
	Title      string
	Summary    string
	Body       string
	URL        string
	Date       time.Time
	Severity   string
	Status     string
	Owner      string
	Visibility string
	Services   []string
	Tags       []string
	// ActionItems are the titles of the action items.
	ActionItems []string
	// Commits are the linked commits as one finds them: their shas (whole,
	// and the short forms people quote) and the paths they changed.
	Commits []string
	// Hash identifies this version of the document: an update re-indexes
	// only documents whose hash changed.
	Hash string
}

// Request is a search.
type Request struct {
	// Query uses bleve's query string syntax: words, "phrases", +must,
	// -must-not, field:value, fuzzy~. Empty lists the most recent.
	Query string
	// Partial says the query's last word is still being typed (a search
	// box's suggestions): it also matches words that start with it, as
	// "zanz" finds "Zanzibar".
	Partial  bool
	Severity string
	Service  string
	Tag      string
	// Since and Until bound the date, inclusive; zero means open.
	Since, Until time.Time
	Limit        int
	Offset       int
}

// Result is a page of hits with facet counts over all matches.
type Result struct {
	Total  int                     `json:"total"`
	Took   time.Duration           `json:"-"`
	Hits   []Hit                   `json:"hits"`
	Facets map[string][]FacetCount `json:"facets"`
}

// Hit is one matching postmortem.
type Hit struct {
	ID       string   `json:"id"`
	Title    string   `json:"title"`
	URL      string   `json:"url"`
	Date     string   `json:"date"`
	Severity string   `json:"severity"`
	Services []string `json:"services"`
	Tags     []string `json:"tags"`
	Summary  string   `json:"summary"`
	Score    float64  `json:"score"`
	// Fragments are highlighted excerpts by field, matches wrapped in
	// <mark>…</mark> and everything else HTML-escaped.
	Fragments map[string][]string `json:"fragments,omitempty"`
}

// FacetCount is one value of a facet and how many matches have it.
type FacetCount struct {
	Value string `json:"value"`
	Count int    `json:"count"`
}

// Facet names.
const (
	FacetSeverity = "severity"
	FacetService  = "service"
	FacetTag      = "tag"
	FacetYear     = "year"
)

// QueryError is a query the syntax does not allow; its message says what
// is wrong.
type QueryError struct{ Msg string }

func (e *QueryError) Error() string { return e.Msg }

// Limits on requests.
const (
	MaxQueryLength = 1000
	MaxLimit       = 100
	DefaultLimit   = 20
)
