package site

import (
	"context"
	"crypto/sha256"
	"fmt"
	"maps"
	"path"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hindsight-dev/hindsight/internal/postmortem"
	"github.com/hindsight-dev/hindsight/internal/search"
)

// Memo keeps, between the builds of one process (serve's rebuilds), what
// a build worked out for each postmortem that the next build can take
// as it was when its inputs did not change. A build given the same Memo
// as the one before writes exactly what it would have written without
// it; a nil Memo works out everything. One thing it takes on trust: the
// files the build before it left in the output folder are still there,
// unless another build has written the folder since. A file removed by
// hand from a folder only this process builds is put back when its page
// next changes.
type Memo struct {
	mu sync.Mutex
	// scope is what the last build's selection of postmortems depended
	// on; a build of another scope starts afresh.
	scope   string
	related map[string]relatedMemo
	// sources are the digests of the postmortems' bytes and of their
	// front matter, by postmortem: a reload takes an unchanged file's
	// postmortem from the load before.
	sources perPM[*postmortem.Digests]
	// summaries are the postmortems' summaries, by postmortem, with the
	// key of what else they were made from.
	summaries perPM[keptSummary]
	// docs are the postmortems' search documents without body text or
	// commit terms, by postmortem, with the page URL and scope they were
	// made for.
	docs perPM[keptDoc]
	// prints are the pages' fingerprints, by postmortem, with what they
	// were made from.
	prints perPM[keptPrint]
	// lastFeeds are the last build's feeds, sitemap and robots.txt, with
	// what they were made from.
	lastFeeds keptFeeds
	// selector keeps the redacted copies of a public build's
	// postmortems, so that they are the same from one build to the next
	// while their originals are.
	selMu    sync.Mutex
	selector postmortem.Selector
	// order is the last selection of postmortems, as selected and
	// sorted.
	order struct{ in, out []*postmortem.Postmortem }
	// relatedKeys are the postmortems' related terms and signatures, by
	// postmortem, with the links they were made from.
	relatedKeys perPM[relatedKey]
	// listKey covers what the list pages of the last build were made
	// from; lists are their names and fingerprints.
	listKey string
	lists   map[string]string
	// theme is the last build's parsed templates and the version of
	// their sources.
	theme        *templates
	themeVersion string
	// placed is what the last build left in its output folder; nil after
	// a build that failed.
	placed *placed
}

// lastPlaced is what the last build left in place, or nil.
func (m *Memo) lastPlaced() *placed {
	if m == nil {
		return nil
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.placed
}

// keepPlaced records what a build left in place (nil when it failed).
func (m *Memo) keepPlaced(p *placed) {
	if m == nil {
		return
	}
	m.mu.Lock()
	m.placed = p
	m.mu.Unlock()
}

// keptTheme is the templates the memo keeps for a theme of that version,
// or nil.
func (m *Memo) keptTheme(version string) *templates {
	if m == nil {
		return nil
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.themeVersion != version {
		return nil
	}
	return m.theme
}

// keepTheme keeps parsed templates for the next build.
func (m *Memo) keepTheme(version string, th *templates) {
	if m == nil {
		return
	}
	m.mu.Lock()
	m.theme, m.themeVersion = th, version
	m.mu.Unlock()
}

// listKey covers everything the list pages (home, lists, taxonomies,
// action items, metrics, 404) are made from: the site's settings, the
// day, the theme, and for each postmortem of the build, in order, its
// front matter and what git said of its commits. Not its body, nor the
// file's own history (who changed it last, whether it has uncommitted
// edits), which only its own page and the feed show: the first save of a
// file in serve must not make every list again. It is "" without a memo.
func (b *builder) listKey(themeVersion string) string {
	if b.opts.Memo == nil {
		return ""
	}
	// Written into one buffer and hashed once: a formatted write to the
	// hash for each of 20,000 commits cost more than the hashing.
	// About a digest and two commits a postmortem.
	buf := fmt.Appendf(make([]byte, 0, 128*len(b.pms)), "%p\x00%s\x00%s\x00%s\x00%s\x00%v\x00%v\x00%s\x00", b.cfg, themeVersion, b.site.Base, b.site.BaseURL, b.site.Title, b.opts.Public, b.opts.Drafts, b.now.Format(time.DateOnly))
	for _, pm := range b.pms {
		buf = append(buf, b.opts.Memo.frontDigest(pm)...)
		for _, lc := range pm.Linked {
			if lc.Info != nil {
				buf = append(append(buf, 'c'), lc.Info.SHA...)
				buf = append(strconv.AppendInt(buf, int64(len(lc.Info.Files)), 10), 0)
			} else {
				buf = append(buf, "u\x00"...)
			}
			if lc.RevertedBy != nil {
				buf = append(append(append(buf, 'r'), lc.RevertedBy.SHA...), 0)
			}
		}
		if len(pm.ClosedItems) > 0 {
			for _, n := range slices.Sorted(maps.Keys(pm.ClosedItems)) {
				buf = append(strconv.AppendInt(append(buf, 'x'), int64(n), 10), pm.ClosedItems[n].SHA...)
				buf = append(buf, 0)
			}
		}
		if len(pm.ReopenedItems) > 0 {
			for _, n := range slices.Sorted(maps.Keys(pm.ReopenedItems)) {
				buf = append(strconv.AppendInt(append(buf, 'o'), int64(n), 10), pm.ReopenedItems[n].By.SHA...)
				buf = append(buf, 0)
			}
		}
	}
	sum := sha256.Sum256(buf)
	return string(sum[:])
}

// keepLists keeps the last build's list pages when key, made by the
// same memo, is what they were made from, and says whether it did.
func (m *Memo) keepLists(w *writer, key string) bool {
	if m == nil || key == "" {
		return false
	}
	m.mu.Lock()
	same, lists := m.listKey == key, m.lists
	m.mu.Unlock()
	if !same || len(lists) == 0 {
		return false
	}
	for name, fp := range lists {
		if !w.canKeep(name, fp) {
			return false
		}
	}
	for name, fp := range lists {
		if !w.keep(name, fp) {
			// Gone since the first loop: the caller makes the pages.
			return false
		}
		if path.Ext(name) == ".html" { // the action items' downloads are kept with the lists
			w.pages.Add(1)
		}
	}
	return true
}

// noteLists keeps what this build's list pages were made from.
func (m *Memo) noteLists(key string, lists map[string]string) {
	if m == nil {
		return
	}
	m.mu.Lock()
	m.listKey, m.lists = key, lists
	m.mu.Unlock()
}

// perPM keeps a value for each loaded postmortem from one build to the
// next: take finds the last build's and notes the value for the next,
// turn drops the values of postmortems the build did not ask for (no
// longer loaded).
type perPM[V any] struct{ last, next map[*postmortem.Postmortem]V }

// take returns pm's value: the last build's when fresh says it still
// holds, else the one build gives, made without the memo's lock.
func take[V any](m *Memo, c *perPM[V], pm *postmortem.Postmortem, fresh func(V) bool, build func() V) V {
	m.mu.Lock()
	v, ok := c.last[pm]
	m.mu.Unlock()
	if !ok || !fresh(v) {
		v = build()
	}
	m.mu.Lock()
	if c.next == nil {
		// As many as last time, most likely: no growing as they come.
		c.next = make(map[*postmortem.Postmortem]V, len(c.last))
	}
	c.next[pm] = v
	m.mu.Unlock()
	return v
}

func (c *perPM[V]) turn() { c.last, c.next = c.next, nil }

// digests are pm's digests (postmortem.Digests: of all its bytes, which
// page fingerprints cover in place of the bytes themselves, and of its
// front matter, which the list pages' key covers), made once for as long
// as the postmortem is loaded.
func (m *Memo) digests(pm *postmortem.Postmortem) *postmortem.Digests {
	made := func() *postmortem.Digests { d := pm.Digests(); return &d }
	if m == nil {
		return made()
	}
	return take(m, &m.sources, pm, func(*postmortem.Digests) bool { return true }, made)
}

// keptSummary is a summary and the key it was made under.
type keptSummary struct {
	key string
	s   *Summary
}

// summary is pm's summary: the last build's when it was made under the
// same key, else made by build.
func (m *Memo) summary(pm *postmortem.Postmortem, key string, build func() *Summary) *Summary {
	if m == nil {
		return build()
	}
	return take(m, &m.summaries, pm, func(k keptSummary) bool { return k.key == key }, func() keptSummary { return keptSummary{key: key, s: build()} }).s
}

func (m *Memo) sourceDigest(pm *postmortem.Postmortem) []byte { return m.digests(pm).Source[:] }

func (m *Memo) frontDigest(pm *postmortem.Postmortem) []byte { return m.digests(pm).Front[:] }

// turnSources keeps the digests and summaries asked for since the last
// turn, dropping those of postmortems no longer loaded.
func (m *Memo) turnSources() {
	if m == nil {
		return
	}
	m.mu.Lock()
	m.sources.turn()
	m.summaries.turn()
	m.relatedKeys.turn()
	m.prints.turn()
	m.docs.turn()
	m.mu.Unlock()
}

// relatedMemo is a page's related postmortems as the last build found
// them, and what they were found from.
type relatedMemo struct {
	// sig covers what the postmortem itself brings to finding related
	// ones: id, date, changed files, services, tags and listed ids.
	sig   string
	terms []string
	found []relatedRef
	// similar is set when the page asked the search index for postmortems
	// close in text, whose answer may change with any edit.
	similar bool
}

// relatedRef is one related postmortem, by id, and why.
type relatedRef struct{ id, reason string }

// relatedTerms are the terms a postmortem is related to others by, one
// string each: a changed file whatever the role of its commit (the
// recurrences look across roles), a service, a tag.
func relatedTerms(pm *postmortem.Postmortem) []string {
	var out []string
	for _, f := range changedFiles(pm) {
		out = append(out, "file\x00"+f)
	}
	for _, s := range pm.Services {
		out = append(out, "service\x00"+s)
	}
	for _, t := range pm.Tags {
		out = append(out, "tag\x00"+t)
	}
	return out
}

// relatedSig is relatedMemo.sig for pm.
func relatedSig(pm *postmortem.Postmortem, terms []string) string {
	var sb strings.Builder
	sb.WriteString(pm.ID)
	sb.WriteByte(0)
	sb.WriteString(pm.Date.String())
	for _, lc := range pm.Linked {
		// The role decides which lists a file joins.
		sb.WriteString("\x01" + string(lc.Ref.Role))
		if lc.Info != nil {
			sb.WriteString(lc.Info.SHA)
		}
	}
	for _, t := range terms {
		sb.WriteString("\x01" + t)
	}
	for _, id := range pm.Related {
		sb.WriteString("\x02" + id)
	}
	return sb.String()
}

// relatedKey is a postmortem's relatedTerms and relatedSig, and the
// links they were made from: besides those they come from the parse
// alone, and linking a postmortem again gives it new links.
type relatedKey struct {
	linked []postmortem.LinkedCommit
	terms  []string
	sig    string
}

// relatedKey is pm's related terms and signature, the last build's while
// its links are the same.
func (m *Memo) relatedKey(pm *postmortem.Postmortem) ([]string, string) {
	build := func() relatedKey {
		terms := relatedTerms(pm)
		return relatedKey{linked: pm.Linked, terms: terms, sig: relatedSig(pm, terms)}
	}
	var k relatedKey
	if m == nil {
		k = build()
	} else {
		k = take(m, &m.relatedKeys, pm, func(k relatedKey) bool { return postmortem.SameLinks(k.linked, pm.Linked) }, build)
	}
	return k.terms, k.sig
}

// relatedPlan says, for one build, which pages may take their related
// postmortems from the memo.
type relatedPlan struct {
	memo  *Memo
	prev  map[string]relatedMemo
	reuse map[string]bool
	next  map[string]relatedMemo
	mu    sync.Mutex
}

// planRelated compares the postmortems of this build with the last one's.
// A page's related postmortems depend on its own terms and on the
// postmortems sharing one of them (their dates, ids and files), so a page
// is worked out again when it changed, when it shares a term (before or
// after) with one that changed, or when it asked the search index; and
// every page is when the set of postmortems changed.
func (m *Memo) planRelated(b *builder) *relatedPlan {
	p := &relatedPlan{memo: m, reuse: map[string]bool{}, next: make(map[string]relatedMemo, len(b.pms))}
	if m == nil {
		return p
	}
	scope := strings.Join([]string{b.site.Base, boolString(b.opts.Public), boolString(b.opts.Drafts), boolString(b.opts.Similar != nil)}, "\x00")
	m.mu.Lock()
	if m.scope != scope || len(m.related) != len(b.pms) {
		m.scope, m.related = scope, nil
		m.mu.Unlock()
		return p
	}
	p.prev = m.related
	m.mu.Unlock()
	// Each postmortem's terms and signature, worked out in parallel.
	terms, sigs := make([][]string, len(b.pms)), make([]string, len(b.pms))
	_ = inParallel(context.Background(), len(b.pms), func(i int) error {
		terms[i], sigs[i] = m.relatedKey(b.pms[i])
		return nil
	})
	changed := map[string]bool{}
	dirty := map[string]bool{}
	for i, pm := range b.pms {
		e, ok := p.prev[pm.ID]
		if !ok {
			return &relatedPlan{memo: m, reuse: map[string]bool{}, next: p.next}
		}
		terms := terms[i]
		if e.sig != sigs[i] {
			dirty[pm.ID] = true
			for _, t := range e.terms {
				changed[t] = true
			}
			for _, t := range terms {
				changed[t] = true
			}
		}
	}
	for _, pm := range b.pms {
		e := p.prev[pm.ID]
		if dirty[pm.ID] || e.similar {
			continue
		}
		shares := false
		for _, t := range e.terms {
			if changed[t] {
				shares = true
				break
			}
		}
		if !shares {
			p.reuse[pm.ID] = true
		}
	}
	return p
}

func boolString(v bool) string {
	if v {
		return "1"
	}
	return "0"
}

// related returns pm's related postmortems, from the memo when the plan
// allows, and notes them for the next build.
func (p *relatedPlan) related(b *builder, pm *postmortem.Postmortem, idx func() *termIndex) []RelatedView {
	if p.reuse[pm.ID] {
		e := p.prev[pm.ID]
		out := make([]RelatedView, 0, len(e.found))
		for _, r := range e.found {
			out = append(out, RelatedView{Summary: b.summary[r.id], Reason: r.reason})
		}
		p.note(pm.ID, e)
		return out
	}
	out, similar := b.related(pm, idx())
	if p.memo != nil {
		terms, sig := p.memo.relatedKey(pm)
		e := relatedMemo{sig: sig, terms: terms, similar: similar}
		for _, r := range out {
			e.found = append(e.found, relatedRef{r.Summary.ID, r.Reason})
		}
		p.note(pm.ID, e)
	}
	return out
}

func (p *relatedPlan) note(id string, e relatedMemo) {
	p.mu.Lock()
	p.next[id] = e
	p.mu.Unlock()
}

// done keeps what this build found for the next one; a build that
// failed keeps nothing, so that the next one works everything out.
func (p *relatedPlan) done(ok bool) {
	if p.memo == nil {
		return
	}
	p.memo.mu.Lock()
	defer p.memo.mu.Unlock()
	if ok {
		p.memo.related = p.next
	} else {
		p.memo.related = nil
	}
}

// sorted sorts a selection of postmortems (stably, by cmp) and returns it.
// Given the last selection again, or one in which a few postmortems took
// the place of others (a file parsed again after an edit), it starts from
// the last order: when that, with the new postmortems in the old ones'
// places, is in strict order, no other order is possible, and sorting
// 10,000 postmortems twice a rebuild is spared.
func (m *Memo) sorted(sel []*postmortem.Postmortem, cmp func(a, b *postmortem.Postmortem) int) []*postmortem.Postmortem {
	if m == nil {
		slices.SortStableFunc(sel, cmp)
		return sel
	}
	m.mu.Lock()
	last := m.order
	m.mu.Unlock()
	in := slices.Clone(sel)
	var out []*postmortem.Postmortem
	if len(last.in) == len(sel) {
		swapped := map[*postmortem.Postmortem]*postmortem.Postmortem{}
		for i := range sel {
			if sel[i] != last.in[i] {
				swapped[last.in[i]] = sel[i]
			}
		}
		if len(swapped) <= len(sel)/8 {
			out = slices.Clone(last.out)
			if len(swapped) > 0 {
				for i, pm := range out {
					if n, ok := swapped[pm]; ok {
						out[i] = n
					}
				}
			}
			for i := 1; i < len(out); i++ {
				if cmp(out[i-1], out[i]) >= 0 {
					out = nil
					break
				}
			}
		}
	}
	if out == nil {
		out = sel
		slices.SortStableFunc(out, cmp)
	}
	m.mu.Lock()
	m.order.in, m.order.out = in, out
	m.mu.Unlock()
	return slices.Clone(out)
}

// keptDoc is a search document, and the URL and scope it was made for.
type keptDoc struct {
	url    string
	public bool
	doc    search.Doc
}

// doc is pm's search document without body text or commit terms, as
// build makes it for url: the last build's when made for the same URL
// and scope (what else it holds comes from the file alone).
func (m *Memo) doc(pm *postmortem.Postmortem, url string, public bool, build func(url string) search.Doc) search.Doc {
	if m == nil {
		return build(url)
	}
	return take(m, &m.docs, pm, func(k keptDoc) bool { return k.url == url && k.public == public }, func() keptDoc {
		return keptDoc{url: url, public: public, doc: build(url)}
	}).doc
}

// keptFeeds are the feeds, the sitemap and robots.txt of a build, and
// what they were made from besides the postmortems' files: the site's
// settings, the postmortems in order (whose pointers stand for their
// files: a file read again is a new postmortem), and when git last
// changed each file.
type keptFeeds struct {
	site    string
	pms     []*postmortem.Postmortem
	changed []time.Time
	out     map[string][]byte
}

// feeds are b's feeds as build makes them: the last build's when made
// from the same (serve's rebuilds encoded a sitemap of 10,000 pages
// after every edit).
func (m *Memo) feeds(b *builder, build func() map[string][]byte) map[string][]byte {
	if m == nil {
		return build()
	}
	key := keptFeeds{
		site:    strings.Join([]string{b.site.Title, b.site.Base, b.site.BaseURL, boolString(b.opts.Public)}, "\x00"),
		pms:     b.pms,
		changed: make([]time.Time, len(b.pms)),
	}
	for i, pm := range b.pms {
		if pm.History != nil {
			key.changed[i] = pm.History.Changed
		}
	}
	m.mu.Lock()
	last := m.lastFeeds
	m.mu.Unlock()
	if last.out != nil && last.site == key.site && slices.Equal(last.pms, key.pms) && slices.EqualFunc(last.changed, key.changed, time.Time.Equal) {
		return last.out
	}
	key.out = build()
	m.mu.Lock()
	m.lastFeeds = key
	m.mu.Unlock()
	return key.out
}

// selection is postmortem.Select through the memo's Selector.
func (m *Memo) selection(all []*postmortem.Postmortem, scope postmortem.Scope) []*postmortem.Postmortem {
	if m == nil {
		return postmortem.Select(all, scope)
	}
	m.selMu.Lock()
	defer m.selMu.Unlock()
	return m.selector.Select(all, scope)
}
