package search

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/blevesearch/bleve/v2"
	bsearch "github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"
)

// Search runs a request. Errors in the request itself (syntax, limits,
// encoding) are *QueryError; anything else is the index failing.
//
// An empty query lists every match, most recent first. Otherwise hits are
// ranked by relevance, ties broken by date (most recent first) then id.
func (ix *Index) Search(ctx context.Context, r Request) (*Result, error) {
	start := time.Now()
	if ix.closed.Load() {
		return nil, errClosed
	}
	// A few searches run at once; the others wait their turn, for as long
	// as their deadline allows.
	select {
	case ix.running <- struct{}{}:
		defer func() { <-ix.running }()
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	limit, offset, err := checkPage(r)
	if err != nil {
		return nil, err
	}
	text := strings.TrimSpace(r.Query)
	var q query.Query
	patterns := false
	if text != "" {
		if q, patterns, err = parseQuery(text, r.Partial); err != nil {
			return nil, err
		}
	}
	var out *Result
	if q == nil && !ix.noCache {
		out, err = ix.listCached(ctx, r, limit, offset)
	} else {
		out, err = ix.search(ctx, r, q, patterns, limit, offset)
	}
	if err != nil {
		return nil, err
	}
	out.Took = time.Since(start)
	return out, nil
}

// listCached answers a request with no query from the cache, or else
// searches and caches the result until the index changes.
func (ix *Index) listCached(ctx context.Context, r Request, limit, offset int) (*Result, error) {
	key := listKey{r.Severity, r.Service, r.Tag, dayNumber(r.Since), dayNumber(r.Until), limit, offset}
	ix.cacheMu.Lock()
	cached, gen := ix.cache[key], ix.gen
	ix.cacheMu.Unlock()
	if cached != nil {
		return cached.clone(), nil
	}
	out, err := ix.search(ctx, r, nil, false, limit, offset)
	if err != nil {
		return nil, err
	}
	ix.cacheMu.Lock()
	defer ix.cacheMu.Unlock()
	if ix.gen == gen { // else the index changed meanwhile: out may be stale
		if ix.cache == nil || len(ix.cache) >= maxCached {
			ix.cache = make(map[listKey]*Result)
		}
		ix.cache[key] = out.clone()
	}
	return out, nil
}

// dayNumber identifies t's day; the zero time is none.
func dayNumber(t time.Time) int64 {
	if t.IsZero() {
		return math.MinInt64
	}
	return day(t).Unix()
}

// clone copies a result deeply enough that the copy can be changed
// without changing the original.
func (r *Result) clone() *Result {
	c := &Result{Total: r.Total, Took: r.Took, Hits: make([]Hit, len(r.Hits)), Facets: make(map[string][]FacetCount, len(r.Facets))}
	for i, h := range r.Hits {
		h.Services = slices.Clone(h.Services)
		h.Tags = slices.Clone(h.Tags)
		if h.Fragments != nil {
			f := make(map[string][]string, len(h.Fragments))
			for k, v := range h.Fragments {
				f[k] = slices.Clone(v)
			}
			h.Fragments = f
		}
		c.Hits[i] = h
	}
	for k, v := range r.Facets {
		c.Facets[k] = slices.Clone(v)
	}
	return c
}

// search runs a checked request; q is the parsed query, nil for none.
func (ix *Index) search(ctx context.Context, r Request, q query.Query, patterns bool, limit, offset int) (*Result, error) {
	filter := filterQuery(r)

	var req *bleve.SearchRequest
	recent := &bsearch.SortField{Field: fieldOrder, Type: bsearch.SortFieldAsString, Missing: bsearch.SortFieldMissingLast}
	if q == nil {
		if filter == nil {
			filter = query.NewMatchAllQuery()
		}
		req = bleve.NewSearchRequestOptions(filter, limit, offset, false)
		req.SortByCustom(bsearch.SortOrder{recent})
		req.Score = "none"
	} else {
		if filter != nil {
			// The conjunction (not in query-string mode) keeps a query
			// that matches nothing, e.g. only stop words, from turning
			// into "everything that passes the filter".
			b := query.NewBooleanQuery([]query.Query{query.NewConjunctionQuery([]query.Query{q})}, nil, nil)
			b.AddFilter(filter)
			q = b
		}
		req = bleve.NewSearchRequestOptions(q, limit, offset, false)
		req.SortByCustom(bsearch.SortOrder{&bsearch.SortScore{Desc: true}, recent})
		// Fields left nil: fragments for every stored field with matches,
		// i.e. title, summary and body.
		req.Highlight = bleve.NewHighlightWithStyle(highlighterName)
	}
	req.Fields = storedFields
	// All the values of every facet, split and cut to the top facetSize
	// below.
	req.AddFacet(fieldFacets, bleve.NewFacetRequest(fieldFacets, math.MaxInt32))

	res, err := ix.idx.SearchInContext(ctx, req)
	if err != nil {
		if cerr := ctx.Err(); cerr != nil {
			return nil, cerr
		}
		if strings.Contains(err.Error(), "TooManyClauses") {
			return nil, &QueryError{Msg: "the query matches too many different words: make the wildcard, pattern or fuzzy term more specific"}
		}
		if patterns {
			return nil, &QueryError{Msg: "invalid wildcard or /pattern/: " + err.Error()}
		}
		return nil, fmt.Errorf("search: %w", err)
	}

	out := &Result{
		Total:  int(res.Total),
		Hits:   make([]Hit, 0, len(res.Hits)),
		Facets: make(map[string][]FacetCount, 4),
	}
	for _, dm := range res.Hits {
		out.Hits = append(out.Hits, toHit(dm))
	}
	for _, name := range []string{FacetSeverity, FacetService, FacetTag, FacetYear} {
		out.Facets[name] = []FacetCount{}
	}
	if fr := res.Facets[fieldFacets]; fr != nil && fr.Terms != nil {
		for _, t := range fr.Terms.Terms() {
			name, v, ok := strings.Cut(t.Term, ":")
			if counts, known := out.Facets[name]; ok && known {
				out.Facets[name] = append(counts, FacetCount{Value: v, Count: t.Count})
			}
		}
	}
	for name, counts := range out.Facets {
		sort.Slice(counts, func(i, j int) bool {
			if counts[i].Count != counts[j].Count {
				return counts[i].Count > counts[j].Count
			}
			return counts[i].Value < counts[j].Value
		})
		if len(counts) > facetSize {
			out.Facets[name] = counts[:facetSize]
		}
	}
	return out, nil
}

func checkPage(r Request) (limit, offset int, err error) {
	if r.Limit < 0 {
		return 0, 0, &QueryError{Msg: fmt.Sprintf("limit must not be negative (got %d)", r.Limit)}
	}
	if r.Offset < 0 {
		return 0, 0, &QueryError{Msg: fmt.Sprintf("offset must not be negative (got %d)", r.Offset)}
	}
	limit = r.Limit
	if limit == 0 {
		limit = DefaultLimit
	}
	limit = min(limit, MaxLimit)
	return limit, r.Offset, nil
}

// filterQuery is the AND of the request's filters, nil if there are none.
// Filters do not score.
func filterQuery(r Request) query.Query {
	var fs []query.Query
	term := func(field, v string) {
		t := query.NewTermQuery(v)
		t.SetField(field)
		fs = append(fs, t)
	}
	if r.Severity != "" {
		term(fieldSeverity, r.Severity)
	}
	if r.Service != "" {
		term(fieldServices, r.Service)
	}
	if r.Tag != "" {
		term(fieldTags, r.Tag)
	}
	if !r.Since.IsZero() || !r.Until.IsZero() {
		var from, to time.Time
		incl, excl := true, false
		if !r.Since.IsZero() {
			from = day(r.Since)
		}
		if !r.Until.IsZero() {
			to = day(r.Until).AddDate(0, 0, 1) // inclusive by day
		}
		d := query.NewDateRangeInclusiveQuery(from, to, &incl, &excl)
		d.SetField(fieldDate)
		fs = append(fs, d)
	}
	switch len(fs) {
	case 0:
		return nil
	case 1:
		return fs[0]
	}
	return query.NewConjunctionQuery(fs)
}

func toHit(dm *bsearch.DocumentMatch) Hit {
	h := Hit{
		ID:       dm.ID,
		Title:    fieldString(dm.Fields[fieldTitle]),
		URL:      fieldString(dm.Fields[fieldURL]),
		Severity: fieldString(dm.Fields[fieldSeverity]),
		Summary:  fieldString(dm.Fields[fieldSummary]),
		Services: fieldStrings(dm.Fields[fieldServices]),
		Tags:     fieldStrings(dm.Fields[fieldTags]),
		Score:    dm.Score,
	}
	if d := fieldString(dm.Fields[fieldDate]); d != "" {
		if t, err := time.Parse(time.RFC3339, d); err == nil {
			h.Date = t.UTC().Format("2006-01-02")
		} else {
			h.Date = d
		}
	}
	if len(dm.Fragments) > 0 {
		h.Fragments = make(map[string][]string, len(dm.Fragments))
		for f, frags := range dm.Fragments {
			h.Fragments[f] = frags
		}
	}
	return h
}

func fieldString(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case []any:
		if len(v) > 0 {
			return fieldString(v[0])
		}
	}
	return ""
}

func fieldStrings(v any) []string {
	switch v := v.(type) {
	case string:
		return []string{v}
	case []any:
		out := make([]string, 0, len(v))
		for _, x := range v {
			if s, ok := x.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return []string{}
}
