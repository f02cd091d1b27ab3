package search

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/index/scorch"
	bsearch "github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/highlight/highlighter/html"
	"github.com/blevesearch/bleve/v2/search/query"
	"github.com/blevesearch/bleve/v2/search/searcher"
	bindex "github.com/blevesearch/bleve_index_api"
)

// Files in the index directory.
const (
	bleveDirName   = "bleve"       // the scorch index
	versionFile    = "VERSION"     // indexVersion(); anything else means rebuild
	hashesFile     = "hashes.json" // id -> Doc.Hash of what the index holds
	facetSize      = 20
	syncBatchSize  = 500
	similarTerms   = 25
	boltLockWait   = "2s"
	maxClauseCount = 4096
)

var errClosed = errors.New("search: the index is closed")

// ErrNotFound is returned by Similar for an id the index does not hold.
var ErrNotFound = errors.New("search: no such document")

func init() {
	// A wildcard, regexp or fuzzy term that expands to more terms than this
	// fails (reported as a *QueryError) instead of building an enormous
	// disjunction. This package is the only user of bleve in the program.
	searcher.DisjunctionMaxClauseCount = maxClauseCount
}

// Index is a full-text index of postmortems kept in a directory. It is safe
// for concurrent use; Sync calls are serialised.
type Index struct {
	dir      string
	idx      bleve.Index
	analyzer analysis.Analyzer

	mu      sync.Mutex // serialises Sync and Close; guards hashes
	hashes  map[string]string
	closed  atomic.Bool
	rebuilt string // why Open discarded the previous index, "" if it did not

	// Listings (requests with no query) are cached until the index
	// changes: they are the most frequent requests (the search page
	// before anything is typed, a click on a facet) and the most costly,
	// since every document matches and counts in the facets.
	cacheMu sync.Mutex
	gen     uint64 // bumped whenever Sync changes the index
	cache   map[listKey]*Result
	noCache bool // for benchmarks

	running chan struct{} // one token per search running
}

// listKey identifies a request with no query.
type listKey struct {
	severity, service, tag string
	since, until           int64 // dayNumber
	limit, offset          int
}

const maxCached = 256

// SyncStats counts what a Sync did.
type SyncStats struct {
	Added, Updated, Deleted, Unchanged int
}

// Open opens the index in dir, creating it when missing. An index that
// cannot be opened (corrupt, written by another version of this package,
// or missing its hash sidecar) is removed and created anew; Rebuilt then
// reports true and the next Sync indexes every document. An index held
// open by another process is an error.
func Open(dir string) (*Index, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	_, a := sharedMapping()
	ix := &Index{dir: dir, analyzer: a, running: make(chan struct{}, maxConcurrentRuns)}
	if link := firstLink(dir); link != "" {
		// The index is ours to rebuild; a link inside it (committed into
		// an output folder, say) could make writes land anywhere.
		if err := os.RemoveAll(dir); err != nil {
			return nil, fmt.Errorf("search: removing the old index: %w", err)
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, fmt.Errorf("search: %w", err)
		}
		ix.rebuilt = "the index folder held a symbolic link or special file (" + link + ")"
	}
	reason, err := ix.openExisting()
	if err != nil {
		return nil, err
	}
	if ix.idx != nil {
		return ix, nil
	}
	if err := ix.create(); err != nil {
		return nil, err
	}
	ix.rebuilt = cmp.Or(ix.rebuilt, reason)
	return ix, nil
}

// firstLink returns the first thing below dir that is neither a regular
// file nor a folder, "" when there is none.
func firstLink(dir string) string {
	found := ""
	_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		if !d.IsDir() && !d.Type().IsRegular() {
			found = p
			return filepath.SkipAll
		}
		return nil
	})
	return found
}

// openExisting opens the index in ix.dir. It leaves ix.idx nil when there
// is none to open or it is unusable, and then says why in reason ("" when
// there was simply nothing there).
func (ix *Index) openExisting() (reason string, err error) {
	bdir := filepath.Join(ix.dir, bleveDirName)
	if _, err := os.Stat(bdir); errors.Is(err, os.ErrNotExist) {
		if _, err := os.Stat(filepath.Join(ix.dir, hashesFile)); err == nil {
			return "the index directory was missing", nil
		}
		return "", nil
	}
	v, err := os.ReadFile(filepath.Join(ix.dir, versionFile))
	if err != nil {
		return "the version file is missing", nil
	}
	if string(v) != indexVersion() {
		return fmt.Sprintf("the index was written by %q, this is %q",
			strings.TrimSpace(string(v)), strings.TrimSpace(indexVersion())), nil
	}
	idx, err := openBleve(bdir)
	if err != nil {
		if isLockTimeout(err) {
			return "", fmt.Errorf("search: the index in %s is in use by another process", ix.dir)
		}
		return "the index cannot be opened: " + err.Error(), nil
	}
	hashes, err := readHashes(filepath.Join(ix.dir, hashesFile))
	if err != nil {
		_ = idx.Close()
		return "the hash file cannot be read: " + err.Error(), nil
	}
	// Sync writes ids it is about to add or delete into the hash file,
	// with an empty hash, before it changes the index. So every document
	// in the index is listed, and every id listed with a hash is in the
	// index: more documents than ids, or fewer than ids with a hash,
	// means the two have come apart (bleve may have fallen back to an
	// older snapshot, say). Start again.
	n, err := idx.DocCount()
	if err != nil {
		_ = idx.Close()
		return "the index cannot be read: " + err.Error(), nil
	}
	known := 0
	for _, h := range hashes {
		if h != "" {
			known++
		}
	}
	if n > uint64(len(hashes)) || n < uint64(known) {
		_ = idx.Close()
		return fmt.Sprintf("the index holds %d documents but the hash file lists %d (%d complete)", n, len(hashes), known), nil
	}
	ix.idx, ix.hashes = idx, hashes
	return "", nil
}

// openBleve opens an existing scorch index, turning a panic on corrupt data
// into an error.
func openBleve(path string) (idx bleve.Index, err error) {
	defer func() {
		if r := recover(); r != nil {
			idx, err = nil, fmt.Errorf("panic opening index: %v", r)
		}
	}()
	return bleve.OpenUsing(path, map[string]any{"bolt_timeout": boltLockWait})
}

// isLockTimeout tells whether the error is bolt giving up waiting for the
// lock on root.bolt, i.e. another process has the index open.
func isLockTimeout(err error) bool {
	s := err.Error()
	return s == "timeout" || strings.HasSuffix(s, ": timeout")
}

// create removes whatever is in the way and creates an empty index.
func (ix *Index) create() error {
	bdir := filepath.Join(ix.dir, bleveDirName)
	for _, p := range []string{versionFile, hashesFile, bleveDirName} {
		if err := os.RemoveAll(filepath.Join(ix.dir, p)); err != nil {
			return fmt.Errorf("search: removing the old index: %w", err)
		}
	}
	m, _ := sharedMapping()
	idx, err := bleve.NewUsing(bdir, m, scorch.Name, bleve.Config.DefaultKVStore,
		map[string]any{"bolt_timeout": boltLockWait})
	if err != nil {
		return fmt.Errorf("search: creating the index: %w", err)
	}
	// The version file goes last: until it is there the index is not
	// trusted.
	if err := writeHashes(filepath.Join(ix.dir, hashesFile), map[string]string{}); err != nil {
		_ = idx.Close()
		return err
	}
	if err := writeFileAtomic(filepath.Join(ix.dir, versionFile), []byte(indexVersion())); err != nil {
		_ = idx.Close()
		return err
	}
	ix.idx, ix.hashes = idx, map[string]string{}
	return nil
}

// Rebuilt reports whether Open found an index it could not use and
// replaced it with an empty one.
func (ix *Index) Rebuilt() bool { return ix.rebuilt != "" }

// Holds reports whether the index holds the document id at this hash, so
// that a caller can skip preparing what Sync would not read.
func (ix *Index) Holds(id, hash string) bool {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	return hash != "" && ix.hashes[id] == hash
}

// RebuildReason says why Open rebuilt the index, "" if it did not.
func (ix *Index) RebuildReason() string { return ix.rebuilt }

// Close closes the index. Closing it again does nothing.
func (ix *Index) Close() error {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if ix.closed.Swap(true) {
		return nil
	}
	return ix.idx.Close()
}

// Analyze splits and normalises text into terms exactly as the index does
// for its text fields; see the package-level Analyze.
func (ix *Index) Analyze(text string) []string { return analyze(ix.analyzer, text) }

// Sync makes the index hold exactly docs: new documents and documents whose
// Hash changed are (re)indexed, documents not in docs are deleted, the
// others are left alone. A document with an empty Hash is always
// re-indexed. Ids must be unique and non-empty.
//
// The id -> hash map lives in a sidecar file, written atomically after the
// index changes and, when documents are added or deleted, also before
// (with the changing documents' hashes blanked, so that an interrupted
// Sync leaves the file listing exactly the ids the index may hold).
func (ix *Index) Sync(docs []Doc) (SyncStats, error) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if ix.closed.Load() {
		return SyncStats{}, errClosed
	}

	var st SyncStats
	seen := make(map[string]bool, len(docs))
	var changed []int
	for i := range docs {
		d := &docs[i]
		if d.ID == "" {
			return SyncStats{}, fmt.Errorf("search: document %d has no id", i)
		}
		if seen[d.ID] {
			return SyncStats{}, fmt.Errorf("search: duplicate document id %q", d.ID)
		}
		seen[d.ID] = true
		old, ok := ix.hashes[d.ID]
		switch {
		case !ok:
			st.Added++
			changed = append(changed, i)
		case old == "" || old != d.Hash:
			st.Updated++
			changed = append(changed, i)
		default:
			st.Unchanged++
		}
	}
	var deleted []string
	for id := range ix.hashes {
		if !seen[id] {
			deleted = append(deleted, id)
		}
	}
	sort.Strings(deleted)
	st.Deleted = len(deleted)
	if len(changed) == 0 && len(deleted) == 0 {
		return st, nil
	}

	hpath := filepath.Join(ix.dir, hashesFile)
	pending := make(map[string]string, len(ix.hashes)+st.Added)
	for id, h := range ix.hashes {
		pending[id] = h
	}
	for _, i := range changed {
		pending[docs[i].ID] = ""
	}
	for _, id := range deleted {
		pending[id] = ""
	}
	// Write the pending state first when ids come or go, so that the
	// file and the index keep agreeing on which ids the index holds (see
	// openExisting) even if we stop half-way. Updates alone need no such
	// care: with the old file, the next Sync sees the old hashes and
	// redoes them.
	if st.Added > 0 || st.Deleted > 0 {
		if err := writeHashes(hpath, pending); err != nil {
			return SyncStats{}, err
		}
	}
	ix.hashes = pending

	b := ix.idx.NewBatch()
	flush := func() error {
		if b.Size() == 0 {
			return nil
		}
		if err := ix.idx.Batch(b); err != nil {
			return fmt.Errorf("search: indexing: %w", err)
		}
		// A new batch rather than b.Reset(): scorch may still be
		// ranging over the old one's map in a goroutine of its own.
		b = ix.idx.NewBatch()
		return nil
	}
	for _, id := range deleted {
		b.Delete(id)
		if b.Size() >= syncBatchSize {
			if err := flush(); err != nil {
				return SyncStats{}, err
			}
		}
	}
	for _, i := range changed {
		if err := b.Index(docs[i].ID, docFields(&docs[i])); err != nil {
			return SyncStats{}, fmt.Errorf("search: indexing %s: %w", docs[i].ID, err)
		}
		if b.Size() >= syncBatchSize {
			if err := flush(); err != nil {
				return SyncStats{}, err
			}
		}
	}
	if err := flush(); err != nil {
		return SyncStats{}, err
	}

	ix.cacheMu.Lock()
	ix.gen++
	ix.cache = nil
	ix.cacheMu.Unlock()

	final := make(map[string]string, len(docs))
	for i := range docs {
		final[docs[i].ID] = docs[i].Hash
	}
	if err := writeHashes(hpath, final); err != nil {
		return SyncStats{}, err
	}
	ix.hashes = final
	return st, nil
}

// day is the calendar day of t, at midnight UTC, which is how dates are
// indexed and compared.
func day(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// docFields is what bleve indexes of a document. Empty keyword values are
// left out so that facets never show an empty value.
func docFields(d *Doc) map[string]any {
	f := map[string]any{
		fieldTitle:   d.Title,
		fieldSummary: d.Summary,
		fieldBody:    d.Body,
	}
	if items := nonEmpty(d.ActionItems); len(items) > 0 {
		f[fieldActionItems] = items
	}
	if refs := nonEmpty(d.Commits); len(refs) > 0 {
		f[fieldCommits] = refs
	}
	if d.URL != "" {
		f[fieldURL] = d.URL
	}
	f[fieldOrder] = orderKey(d)
	var facets []string
	facet := func(name, v string) { facets = append(facets, name+":"+v) }
	if !d.Date.IsZero() {
		dd := day(d.Date)
		f[fieldDate] = dd
		f[fieldYear] = fmt.Sprintf("%04d", dd.Year())
		facet(FacetYear, f[fieldYear].(string))
	}
	for name, v := range map[string]string{
		fieldSeverity: d.Severity, fieldStatus: d.Status,
		fieldOwner: d.Owner, fieldVisibility: d.Visibility,
	} {
		if v != "" {
			f[name] = v
		}
	}
	if d.Severity != "" {
		facet(FacetSeverity, d.Severity)
	}
	if s := nonEmpty(d.Services); len(s) > 0 {
		f[fieldServices] = s
		for _, v := range s {
			facet(FacetService, v)
		}
	}
	if s := nonEmpty(d.Tags); len(s) > 0 {
		f[fieldTags] = s
		for _, v := range s {
			facet(FacetTag, v)
		}
	}
	if len(facets) > 0 {
		f[fieldFacets] = facets
	}
	return f
}

// orderKey sorts, ascending, most recent first and then by id; documents
// with no date come last.
func orderKey(d *Doc) string {
	if d.Date.IsZero() {
		return "~ " + d.ID
	}
	y, m, dd := day(d.Date).Date()
	return fmt.Sprintf("%08d %s", 99999999-(y*10000+int(m)*100+dd), d.ID)
}

// nonEmpty drops empty and repeated values, keeping the order.
func nonEmpty(xs []string) []string {
	var out []string
	for _, x := range xs {
		if x != "" && !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	return out
}

func readHashes(path string) (map[string]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var h map[string]string
	if err := json.Unmarshal(b, &h); err != nil {
		return nil, err
	}
	if h == nil {
		return nil, errors.New("no hash map")
	}
	return h, nil
}

func writeHashes(path string, h map[string]string) error {
	b, err := json.Marshal(h) // sorted keys: byte-identical for equal maps
	if err != nil {
		return err
	}
	return writeFileAtomic(path, b)
}

// writeFileAtomic writes data to a temporary file, syncs it and renames it
// over path, so that readers see the old content or the new, never a mix.
func writeFileAtomic(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("search: %w", err)
	}
	tmp := f.Name()
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("search: writing %s: %w", path, err)
	}
	return nil
}

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
		if q, patterns, err = parseQuery(text); err != nil {
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
		req.Highlight = bleve.NewHighlightWithStyle(html.Name)
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

// parseQuery checks and parses a query string and rewrites it for this
// index. patterns reports whether it has wildcards or regexps, whose
// errors bleve only finds while searching.
//
// Boosting, and why there is no "_all" field: bleve boosts are applied at
// query time, and a query parsed against a composite "_all" field cannot
// tell a title match from a body match. Instead, every part of the parsed
// query that names no field (word, phrase, fuzzy term, wildcard) becomes a
// disjunction of the same part over title^3, summary^2, body and
// action_items. That keeps the whole query string syntax (phrases, +, -,
// field:value, fuzzy~, boosts^) with per-field boosts, a title match
// outranks a body-only match, and the index carries no duplicate composite
// field.
func parseQuery(text string) (q query.Query, patterns bool, err error) {
	if !utf8.ValidString(text) {
		return nil, false, &QueryError{Msg: "the query is not valid UTF-8"}
	}
	if strings.ContainsRune(text, 0) {
		return nil, false, &QueryError{Msg: "the query contains a NUL character"}
	}
	if n := utf8.RuneCountInString(text); n > MaxQueryLength {
		return nil, false, &QueryError{Msg: fmt.Sprintf("the query is too long: %d characters, the limit is %d", n, MaxQueryLength)}
	}
	if err := checkSyntax(text); err != nil {
		return nil, false, err
	}
	parsed, err := parseQueryString(text)
	if err != nil {
		return nil, false, err
	}
	rw := &rewriter{}
	q = rw.rewrite(parsed)
	if rw.err != nil {
		return nil, false, rw.err
	}
	return q, rw.patterns, nil
}

func parseQueryString(text string) (q query.Query, err error) {
	defer func() {
		if r := recover(); r != nil {
			q, err = nil, &QueryError{Msg: fmt.Sprintf("invalid query: %v", r)}
		}
	}()
	q, err = query.NewQueryStringQuery(text).Parse()
	if err != nil {
		return nil, &QueryError{Msg: "invalid query: " + friendlyParseError(err.Error())}
	}
	return q, nil
}

var parseTokenNames = strings.NewReplacer(
	"$end", "end of query",
	"tSTRING", "word",
	"tPHRASE", "phrase",
	"tPLUS", "'+'",
	"tMINUS", "'-'",
	"tCOLON", "':'",
	"tBOOST", "'^'",
	"tNUMBER", "number",
	"tGREATER", "'>'",
	"tLESS", "'<'",
	"tEQUAL", "'='",
	"tTILDE", "'~'",
)

func friendlyParseError(msg string) string {
	msg = parseTokenNames.Replace(strings.TrimPrefix(msg, "parse error: "))
	switch {
	case msg == "syntax error":
		msg += ": every +, - and field: must be followed by a word or a \"phrase\""
	case strings.HasPrefix(msg, "invalid time"):
		msg += `: write dates as "2024-01-31" or "2024-01-31T10:00:00Z"`
	}
	return msg
}

// checkSyntax finds the mistakes that bleve's parser either reports
// obscurely or not at all: an unterminated phrase, and unbalanced
// brackets. (The query string syntax has no grouping, so brackets are
// ordinary characters that the analyzer drops; an unbalanced one is still
// almost certainly a mistake worth reporting.) It follows the states of
// bleve's lexer so that it agrees on where phrases start: a " opens a
// phrase only at the start of a term, and \ escapes the next character.
func checkSyntax(text string) error {
	const (
		stStart = iota
		stTerm
		stPhrase
		stSuffix // after ^ or ~, up to the next space
	)
	type open struct {
		r   rune
		pos int
	}
	var stack []open
	st, escape := stStart, false
	regexp := false // in a term that starts with '/': brackets are its own
	phraseAt := 0
	pos := 0
	for _, r := range text {
		pos++
		if escape {
			escape = false
			if st == stStart {
				st, regexp = stTerm, false
			}
			continue
		}
		if r == '\\' {
			escape = true
			continue
		}
		switch st {
		case stPhrase:
			if r == '"' {
				st = stStart
			}
			continue
		case stSuffix:
			if r == ' ' {
				st = stStart
			}
			continue
		case stStart:
			switch r {
			case '"':
				st, phraseAt = stPhrase, pos
				continue
			case '+', '-', ':', '>', '<', '=':
				continue
			case '^', '~':
				st = stSuffix
				continue
			}
			if isSpace(r) {
				continue
			}
			st, regexp = stTerm, r == '/'
		case stTerm:
			switch {
			case r == ' ':
				st = stStart
				continue
			case r == ':':
				st = stStart
				continue
			case r == '^' || r == '~':
				st = stSuffix
				continue
			}
		}
		// in a term
		if regexp {
			continue
		}
		switch r {
		case '(', '[', '{':
			stack = append(stack, open{r, pos})
		case ')', ']', '}':
			want := map[rune]rune{')': '(', ']': '[', '}': '{'}[r]
			if len(stack) == 0 || stack[len(stack)-1].r != want {
				return &QueryError{Msg: fmt.Sprintf("unbalanced brackets: %q at character %d closes nothing", r, pos)}
			}
			stack = stack[:len(stack)-1]
		}
	}
	if st == stPhrase {
		return &QueryError{Msg: fmt.Sprintf("unterminated phrase: the quote at character %d is never closed", phraseAt)}
	}
	if len(stack) > 0 {
		o := stack[len(stack)-1]
		return &QueryError{Msg: fmt.Sprintf("unbalanced brackets: %q at character %d is never closed", o.r, o.pos)}
	}
	return nil
}

// isSpace is what bleve's lexer skips between terms (it ends a term only
// at ' ', but skips any Unicode space before one).
func isSpace(r rune) bool {
	switch r {
	case ' ', '\t', '\n', '\v', '\f', '\r', 0x85, 0xA0:
		return true
	}
	return r > 0xff && strings.ContainsRune("\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000", r)
}

// rewriter adapts a parsed query string to this index: parts with no field
// are spread over the text fields with their boosts, field aliases are
// resolved, unknown fields and out-of-range fuzziness or boosts are
// reported, a phrase on a keyword field is an exact term and numeric
// ranges (there are no numeric fields) apply to the year.
type rewriter struct {
	err      error
	patterns bool
	// counts of the parts seen, held to the limits below
	terms, expanding int
}

// Limits on one query. A wildcard, /pattern/ or fuzzy term is expanded
// into every indexed word it matches before the search runs, in work that
// no deadline interrupts: 490 stars took 15 s and 2.8 GB. So a query has
// few of them, each anchored by a literal start, and few parts overall.
const (
	MaxQueryTerms     = 32 // words, phrases and patterns of one query
	MaxQueryPatterns  = 4  // wildcards, /patterns/ and fuzzy~ terms
	MinPatternPrefix  = 2  // letters before a pattern's first * ? or operator
	MaxPatternWilds   = 4  // * and ? in one wildcard
	MaxPatternLength  = 64 // characters of one /pattern/
	maxConcurrentRuns = 4  // searches running at once; others wait
)

// count notes a part of the query and reports whether the limits allow it.
func (rw *rewriter) count(expanding bool) bool {
	rw.terms++
	if expanding {
		rw.expanding++
	}
	switch {
	case rw.terms > MaxQueryTerms:
		rw.fail("the query has more than %d words and phrases; keep the few that matter", MaxQueryTerms)
		return false
	case rw.expanding > MaxQueryPatterns:
		rw.fail("the query has more than %d wildcards, /patterns/ and fuzzy~ terms; use fewer", MaxQueryPatterns)
		return false
	}
	return true
}

// checkWildcard holds a wildcard to a literal start and a few wild
// characters.
func (rw *rewriter) checkWildcard(w string) bool {
	first := strings.IndexAny(w, "*?")
	if first >= 0 && utf8.RuneCountInString(w[:first]) < MinPatternPrefix {
		rw.fail("wildcard %q: start it with at least %d letters, as in cert*", w, MinPatternPrefix)
		return false
	}
	if strings.Count(w, "*")+strings.Count(w, "?") > MaxPatternWilds {
		rw.fail("wildcard %q: use at most %d * and ?", w, MaxPatternWilds)
		return false
	}
	return true
}

// checkRegexp holds a /pattern/ to a short length and a literal start.
func (rw *rewriter) checkRegexp(re string) bool {
	if utf8.RuneCountInString(re) > MaxPatternLength {
		rw.fail("/pattern/ of %d characters: the limit is %d", utf8.RuneCountInString(re), MaxPatternLength)
		return false
	}
	compiled, err := regexp.Compile(re)
	if err != nil {
		rw.fail("invalid /pattern/ %q: %v", re, err)
		return false
	}
	if prefix, complete := compiled.LiteralPrefix(); !complete && utf8.RuneCountInString(prefix) < MinPatternPrefix {
		rw.fail("/pattern/ %q: start it with at least %d plain letters, as in /cert.*/", re, MinPatternPrefix)
		return false
	}
	return true
}

func (rw *rewriter) fail(format string, args ...any) query.Query {
	if rw.err == nil {
		rw.err = &QueryError{Msg: fmt.Sprintf(format, args...)}
	}
	return query.NewMatchNoneQuery()
}

// field resolves a field name from the query string: "" stays "" (all text
// fields).
func (rw *rewriter) field(name string) (string, bool) {
	if name == "" {
		return "", true
	}
	if a, ok := fieldAliases[name]; ok {
		name = a
	}
	if keywordFields[name] || name == fieldDate {
		return name, true
	}
	for _, f := range textFields {
		if f.name == name {
			return name, true
		}
	}
	rw.fail("unknown field %q: the fields are title, summary, body, action_items, commits (or commit, sha, file), severity, status, services (or service), tags (or tag), owner, visibility, year and date; to search for a colon, escape it with \\", name)
	return "", false
}

func (rw *rewriter) checkBoost(b float64) bool {
	if math.IsNaN(b) || math.IsInf(b, 0) || b < 0 {
		rw.fail("invalid boost %v: it must be a non-negative number", b)
		return false
	}
	return true
}

// spread returns the disjunction of mk(field, boost) over the text fields.
func spread(boost float64, mk func(field string, boost float64) query.Query) query.Query {
	qs := make([]query.Query, 0, len(textFields))
	for _, f := range textFields {
		qs = append(qs, mk(f.name, boost*f.boost))
	}
	return query.NewDisjunctionQuery(qs)
}

// place puts a query on the field it names, or, when it names none,
// spreads it over the text fields with their boosts.
func place(field string, boost float64, at func(field string, boost float64) query.Query) query.Query {
	if field != "" {
		return at(field, boost)
	}
	return spread(boost, at)
}

// retargetable is a query that can be copied onto another field.
type retargetable[T any] interface {
	*T
	query.Query
	SetField(string)
	SetBoost(float64)
}

// copyAt makes copies of q on a field with a boost.
func copyAt[T any, P retargetable[T]](q P) func(string, float64) query.Query {
	return func(f string, b float64) query.Query {
		c := *q
		P(&c).SetField(f)
		P(&c).SetBoost(b)
		return P(&c)
	}
}

func (rw *rewriter) rewrite(q query.Query) query.Query {
	switch q := q.(type) {
	case *query.BooleanQuery:
		if q.Must != nil {
			q.Must = rw.rewrite(q.Must)
		}
		if q.Should != nil {
			q.Should = rw.rewrite(q.Should)
		}
		if q.MustNot != nil {
			q.MustNot = rw.rewrite(q.MustNot)
		}
		return q
	case *query.ConjunctionQuery:
		for i := range q.Conjuncts {
			q.Conjuncts[i] = rw.rewrite(q.Conjuncts[i])
		}
		return q
	case *query.DisjunctionQuery:
		for i := range q.Disjuncts {
			q.Disjuncts[i] = rw.rewrite(q.Disjuncts[i])
		}
		return q
	case *query.MatchQuery:
		if q.Fuzziness < 0 || q.Fuzziness > 2 {
			return rw.fail("invalid fuzziness %d: it must be 0, 1 or 2", q.Fuzziness)
		}
		if !rw.count(q.Fuzziness > 0) {
			return q
		}
		if !rw.checkBoost(q.Boost()) {
			return q
		}
		field, ok := rw.field(q.FieldVal)
		if !ok {
			return q
		}
		return place(field, q.Boost(), copyAt(q))
	case *query.MatchPhraseQuery:
		if !rw.count(false) || !rw.checkBoost(q.Boost()) {
			return q
		}
		field, ok := rw.field(q.FieldVal)
		if !ok {
			return q
		}
		if keywordFields[field] {
			t := query.NewTermQuery(q.MatchPhrase)
			t.SetField(field)
			t.SetBoost(q.Boost())
			return t
		}
		return place(field, q.Boost(), copyAt(q))
	case *query.WildcardQuery:
		rw.patterns = true
		if !rw.count(true) || !rw.checkWildcard(q.Wildcard) || !rw.checkBoost(q.Boost()) {
			return q
		}
		field, ok := rw.field(q.FieldVal)
		if !ok {
			return q
		}
		if keywordFields[field] {
			q.SetField(field)
			return q
		}
		patterns := textPatterns(q.Wildcard)
		mk := func(f string, b float64) query.Query {
			var qs []query.Query
			for _, p := range patterns {
				c := *q
				c.Wildcard = p
				c.SetField(f)
				c.SetBoost(b)
				qs = append(qs, &c)
			}
			if len(qs) == 1 {
				return qs[0]
			}
			return query.NewDisjunctionQuery(qs)
		}
		return place(field, q.Boost(), mk)
	case *query.RegexpQuery:
		rw.patterns = true
		if !rw.count(true) || !rw.checkRegexp(q.Regexp) || !rw.checkBoost(q.Boost()) {
			return q
		}
		field, ok := rw.field(q.FieldVal)
		if !ok {
			return q
		}
		return place(field, q.Boost(), copyAt(q))
	case *query.NumericRangeQuery:
		field, ok := rw.field(q.FieldVal)
		if !ok {
			return q
		}
		if field != fieldYear {
			return query.NewMatchNoneQuery()
		}
		return yearRange(q)
	case *query.DateRangeQuery:
		field, ok := rw.field(q.FieldVal)
		if !ok {
			return q
		}
		if field != fieldDate {
			return rw.fail("a date range needs the date field, as in date:>=\"2024-01-01\"")
		}
		q.SetField(field)
		return q
	}
	return q
}

// textPatterns adapts a wildcard to the terms of the text fields, which
// are lower case and stemmed: "certificate" and "certification" are both
// indexed as certif, so certificat* as written finds neither. A prefix
// pattern (word*) is therefore also tried with the stems of the prefix
// completed by common endings (certificat+e -> certif*, deploy+ing ->
// deploi*).
func textPatterns(w string) []string {
	w = strings.ToLower(w)
	out := []string{w}
	prefix, ok := strings.CutSuffix(w, "*")
	if !ok || utf8.RuneCountInString(prefix) < 3 || strings.ContainsAny(prefix, "*?\\") {
		return out
	}
	for _, end := range []string{"", "e", "s", "ed", "ing", "ion", "y"} {
		terms := Analyze(prefix + end)
		if len(terms) != 1 {
			continue
		}
		t := terms[0]
		// Stemming changes the end of a word, never its start.
		if len(t) < 3 || t[:3] != prefix[:3] || strings.ContainsAny(t, "*?\\") {
			continue
		}
		if p := t + "*"; !slices.Contains(out, p) && !strings.HasPrefix(t, prefix) {
			out = append(out, p)
		}
	}
	return out
}

// yearRange turns year:>2020 (a numeric range, to the query string parser)
// into a range over the year keyword, whose values are four digits.
func yearRange(q *query.NumericRangeQuery) query.Query {
	bound := func(v *float64) (string, bool) {
		if v == nil {
			return "", true
		}
		y := math.Floor(*v)
		if y != *v || y < 0 || y > 9999 {
			return "", false
		}
		return fmt.Sprintf("%04d", int(y)), true
	}
	lo, ok1 := bound(q.Min)
	hi, ok2 := bound(q.Max)
	if !ok1 || !ok2 {
		return query.NewMatchNoneQuery()
	}
	t := query.NewTermRangeInclusiveQuery(lo, hi, q.InclusiveMin, q.InclusiveMax)
	t.SetField(fieldYear)
	return t
}

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
