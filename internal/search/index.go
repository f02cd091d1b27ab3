package search

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/document"
	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/search/searcher"
	"golang.org/x/sync/errgroup"
)

// Files in the index directory.
const (
	bleveDirName = "bleve"       // the scorch index
	versionFile  = "VERSION"     // indexVersion(); anything else means rebuild
	hashesFile   = "hashes.json" // id -> Doc.Hash of what the index holds
	facetSize    = 20
	// syncBatchSize is how many documents Sync gives bleve at once. A
	// batch's analysis and segment stay in memory until it is
	// indexed: 500 held about 100 MB at the peak of a cold build of
	// 10,000 postmortems, 250 half that, for the same time (and, with
	// mergeFloor, fewer segments at the end: 6 instead of 8). At 150 the
	// build took 1.5 s longer.
	syncBatchSize  = 250
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
	return bleve.OpenUsing(path, runtimeConfig())
}

// mergeFloor is the segment size, in documents, below which scorch's
// merge planner counts a segment as that large. bleve's default, 2,000,
// makes an index of fewer documents than that one segment: every update of
// a single document then merges the whole index again in the background
// (a full rewrite of the 7 MB index of 1,000 postmortems, about 120 ms of
// CPU per edit in serve, competing with the rebuild for the machine).
// With 100, small segments wait for their tier to fill and merge among
// themselves; the large ones are rewritten rarely.
const mergeFloor = 100

// runtimeConfig is how every index is opened and created: the wait for
// another process's lock, and the merge plan.
func runtimeConfig() map[string]any {
	return map[string]any{
		"bolt_timeout":           boltLockWait,
		"scorchMergePlanOptions": map[string]any{"FloorSegmentSize": mergeFloor},
	}
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
		runtimeConfig())
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
	return ix.SyncRecording(docs, nil)
}

// SyncRecording is Sync that, for each document it indexes whose analysis
// static (the static index's analysis cache) lacks, records in static
// what bleve's analysis of its text fields gives, so that the static
// index of the same build takes it instead of analysing the text again.
// Once a document's analysis is recorded, its Body and Commits are
// released (set to empty) in docs: nothing needs them after, and on a
// cold build of 10,000 postmortems the bodies' text is about 30 MB that
// would otherwise stay until the build ends.
func (ix *Index) SyncRecording(docs []Doc, static *AnalysisCache) (SyncStats, error) {
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

	// A batch is indexed in a goroutine while the next is filled (mapping
	// the documents to fields is this goroutine's work), one at a time.
	var indexing errgroup.Group
	indexing.SetLimit(1)
	defer func() { _ = indexing.Wait() }() // never left running on a return
	b := ix.idx.NewBatch()
	var recs []recorded // the batch's
	// The batches' analyses share their strings; only the goroutine that
	// indexes, one batch at a time, uses the map.
	intern := map[string]string{}
	flush := func() error {
		if b.Size() == 0 {
			return nil
		}
		full, done := b, recs
		indexing.Go(func() error {
			if err := ix.idx.Batch(full); err != nil {
				return fmt.Errorf("search: indexing: %w", err)
			}
			for _, r := range done {
				static.put(r.hash, r.rec.docTerms(intern))
				r.doc.Body, r.doc.Commits = "", nil
			}
			return nil
		})
		// A new batch rather than b.Reset(): scorch may still be
		// ranging over the old one's map in a goroutine of its own.
		b, recs = ix.idx.NewBatch(), nil
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
		d := &docs[i]
		var err error
		if static != nil && d.Hash != "" && !static.Has(d.ID, d.Hash) {
			var rec *textRecord
			if rec, err = ix.indexRecording(b, d); err == nil && rec != nil {
				recs = append(recs, recorded{doc: d, hash: d.Hash, rec: rec})
			}
		} else {
			err = b.Index(d.ID, docFields(d))
		}
		if err != nil {
			return SyncStats{}, fmt.Errorf("search: indexing %s: %w", d.ID, err)
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
	if err := indexing.Wait(); err != nil {
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

// recorded is a document's text as bleve analysed it, for the static
// analysis cache under the document's hash.
type recorded struct {
	doc  *Doc
	hash string
	rec  *textRecord
}

// indexRecording adds d to b as Index does, with each text field set to
// note what its analyzer makes of it in the record it returns (nil when a
// text field's analyzer is not one whose work can be noted).
func (ix *Index) indexRecording(b *bleve.Batch, d *Doc) (*textRecord, error) {
	doc := document.NewDocument(d.ID)
	if err := ix.idx.Mapping().MapDocument(doc, docFields(d)); err != nil {
		return nil, err
	}
	rec := newTextRecord(len(textFields))
	whole := true // every text field recorded
	for k, f := range doc.Fields {
		tf, ok := f.(*document.TextField)
		if !ok {
			continue
		}
		field := slices.IndexFunc(textFields, func(t textField) bool { return t.name == tf.Name() })
		if field < 0 {
			continue
		}
		da, ok := tf.Analyzer().(*analysis.DefaultAnalyzer)
		if !ok || len(da.CharFilters) > 0 {
			whole = false
			continue
		}
		doc.Fields[k] = document.NewTextFieldCustom(tf.Name(), tf.ArrayPositions(), tf.Value(), tf.Options(), recordingAnalyzer{a: da, rec: rec, field: field})
	}
	if err := b.IndexAdvanced(doc); err != nil {
		return nil, err
	}
	if !whole {
		return nil, nil
	}
	return rec, nil
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
