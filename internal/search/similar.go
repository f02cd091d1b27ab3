package search

import (
	"context"
	"fmt"
	"math"
	"sort"

	"github.com/blevesearch/bleve/v2"
	bsearch "github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"
	bindex "github.com/blevesearch/bleve_index_api"
)

// Similar returns up to n ids of the postmortems most like id in text,
// best first, id itself excluded. It takes the document's most
// characteristic terms (tf-idf over title, summary and body, title and
// summary terms weighted as in searches) and ranks the other documents by
// a disjunction of them. Ties are broken by id.
func (ix *Index) Similar(ctx context.Context, id string, n int) ([]string, error) {
	if ix.closed.Load() {
		return nil, errClosed
	}
	if n <= 0 {
		return []string{}, nil
	}
	n = min(n, MaxLimit)
	doc, err := ix.idx.Document(id)
	if err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	if doc == nil {
		return nil, ErrNotFound
	}
	weightOf := map[string]float64{}
	for _, f := range textFields {
		weightOf[f.name] = f.boost
	}
	tf := map[string]float64{}
	doc.VisitFields(func(f bindex.Field) {
		w, ok := weightOf[f.Name()]
		if !ok {
			return
		}
		tfld, ok := f.(bindex.TextField)
		if !ok {
			return
		}
		for _, t := range analyze(ix.analyzer, tfld.Text()) {
			tf[t] += w
		}
	})
	if len(tf) == 0 {
		return []string{}, nil
	}

	total, err := ix.idx.DocCount()
	if err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	adv, err := ix.idx.Advanced()
	if err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	r, err := adv.Reader()
	if err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	defer r.Close()

	type scored struct {
		term string
		w    float64
	}
	var terms []scored
	for t, f := range tf {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		var df uint64
		for _, fld := range []string{fieldTitle, fieldSummary, fieldBody} {
			tfr, err := r.TermFieldReader(ctx, []byte(t), fld, false, false, false)
			if err != nil {
				return nil, fmt.Errorf("search: %w", err)
			}
			df = max(df, tfr.Count())
			_ = tfr.Close()
		}
		if df < 2 || df >= total { // only in this document, or in all
			continue
		}
		idf := math.Log(float64(total) / float64(df))
		terms = append(terms, scored{t, f * idf})
	}
	sort.Slice(terms, func(i, j int) bool {
		if terms[i].w != terms[j].w {
			return terms[i].w > terms[j].w
		}
		return terms[i].term < terms[j].term
	})
	if len(terms) > similarTerms {
		terms = terms[:similarTerms]
	}
	if len(terms) == 0 {
		return []string{}, nil
	}
	top := terms[0].w
	var should []query.Query
	for _, t := range terms {
		for _, f := range textFields[:3] {
			tq := query.NewTermQuery(t.term)
			tq.SetField(f.name)
			tq.SetBoost(f.boost * t.w / top)
			should = append(should, tq)
		}
	}
	q := query.NewBooleanQuery(nil, should, []query.Query{query.NewDocIDQuery([]string{id})})
	req := bleve.NewSearchRequestOptions(q, n, 0, false)
	req.SortByCustom(bsearch.SortOrder{&bsearch.SortScore{Desc: true}, &bsearch.SortDocID{}})
	res, err := ix.idx.SearchInContext(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	ids := make([]string, 0, len(res.Hits))
	for _, h := range res.Hits {
		ids = append(ids, h.ID)
	}
	return ids, nil
}
