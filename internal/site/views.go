package site

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"net/url"
	"path"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/hindsight-dev/hindsight/internal/config"
	"github.com/hindsight-dev/hindsight/internal/postmortem"
)

// Duration formats a span for people, the one style of every page and
// command: "45s", "12m", "4h", "1h 32m", "1d 10h", "2d"; the larger unit
// and the next one, leaving out a zero, never padded.
func Duration(d time.Duration) string {
	neg := ""
	if d < 0 {
		neg, d = "-", -d
	}
	d = d.Round(time.Second)
	var big, small int
	var bigUnit, smallUnit string
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%s%ds", neg, int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%s%dm", neg, int(d.Minutes()))
	case d < 24*time.Hour:
		big, bigUnit, small, smallUnit = int(d.Hours()), "h", int(d.Minutes())%60, "m"
	default:
		big, bigUnit, small, smallUnit = int(d.Hours())/24, "d", int(d.Hours())%24, "h"
	}
	if small == 0 {
		return fmt.Sprintf("%s%d%s", neg, big, bigUnit)
	}
	return fmt.Sprintf("%s%d%s %d%s", neg, big, bigUnit, small, smallUnit)
}

func stamp(t time.Time) string { return t.Format("2006-01-02 15:04 -07:00") }

func iso(t time.Time) string { return t.Format(time.RFC3339) }

// builder turns the corpus into views; it holds what every view needs.
type builder struct {
	// fpSite is the site's part of every page fingerprint, made once a
	// build for theme version fpVersion (fingerprintSite).
	fpSite, fpVersion string
	// fpScope is what else every page's fingerprint depends on beyond
	// the postmortem (the config, the web UI's links), for the memo's
	// comparison of a page's inputs.
	fpScope string
	cfg     *config.Config
	opts    Options
	site    *SiteView
	now     time.Time
	pms     []*postmortem.Postmortem
	byID    map[string]*postmortem.Postmortem
	rels    map[string]*postmortem.Postmortem
	summary map[string]*Summary
	ranks   map[string]int
	tickets []config.TicketPattern
	// termSlugs gives each value of a taxonomy its own path segment.
	termSlugs map[string]map[string]string
	// actionItems is the action items page's view once made, which its
	// downloads reuse.
	actionItems *ActionsView
	// plan says which pages take their related postmortems from the
	// memo of the last build.
	plan *relatedPlan
}

func (b *builder) url(p string) string { return b.site.Base + p }

// pageURL is a postmortem's page.
func (b *builder) pageURL(id string) string { return b.url(url.PathEscape(id) + "/") }

func (b *builder) termURL(taxonomy, term string) string {
	return b.url(taxonomy + "/" + b.termSlug(taxonomy, term) + "/")
}

// termSlug is the path segment of a value of a taxonomy in this build.
func (b *builder) termSlug(taxonomy, term string) string {
	if s, ok := b.termSlugs[taxonomy][term]; ok {
		return s
	}
	return termSlug(term)
}

// taxonomyValues are the values a postmortem has in a taxonomy.
func taxonomyValues(pm *postmortem.Postmortem, taxonomy string) []string {
	switch taxonomy {
	case "tags":
		return pm.Tags
	case "services":
		return pm.Services
	}
	return []string{pm.Severity}
}

// assignTermSlugs gives every distinct value of each taxonomy a distinct
// path segment: values that slug alike ("API" and "api", "a b" and "a-b")
// get -2, -3, ... in the order of their spelling, so that two values never
// share a page or a count.
func (b *builder) assignTermSlugs() {
	b.termSlugs = map[string]map[string]string{}
	for _, tax := range []string{"tags", "services", "severity"} {
		seen := map[string]bool{}
		var values []string
		for _, pm := range b.pms {
			for _, v := range taxonomyValues(pm, tax) {
				if !seen[v] {
					seen[v] = true
					values = append(values, v)
				}
			}
		}
		sort.Strings(values)
		m, used := map[string]string{}, map[string]bool{}
		for _, v := range values {
			s := termSlug(v)
			for n := 2; used[s]; n++ {
				s = fmt.Sprintf("%s-%d", termSlug(v), n)
			}
			used[s], m[v] = true, s
		}
		b.termSlugs[tax] = m
	}
}

// slugs caches termSlug: there are few terms, and slugging is slow.
var slugs sync.Map

// termSlug is a term's path segment; terms are compared by it.
func termSlug(term string) string {
	if s, ok := slugs.Load(term); ok {
		return s.(string)
	}
	s := postmortem.Slug(term)
	if s == "" {
		s = "term-" + fmt.Sprintf("%x", term)
	}
	slugs.Store(term, s)
	return s
}

func (b *builder) severityClass(sev string) (int, string) {
	rank, ok := b.ranks[sev]
	if !ok {
		return 0, "sev-unknown"
	}
	return rank, fmt.Sprintf("sev-%d", rank)
}

func (b *builder) links(taxonomy string, terms []string) []Link {
	out := make([]Link, 0, len(terms))
	for _, t := range terms {
		out = append(out, Link{Text: t, URL: b.termURL(taxonomy, t)})
	}
	return out
}

// summariesKey covers what every summary is made from besides its own
// postmortem's front matter: the config, the day, where the site lives and
// the slugs of the terms.
func (b *builder) summariesKey() string {
	if b.opts.Memo == nil {
		return ""
	}
	h := sha256.New()
	fmt.Fprintf(h, "%p\x00%s\x00%s\x00", b.cfg, b.now.Format(time.DateOnly), b.site.Base)
	for _, tax := range slices.Sorted(maps.Keys(b.termSlugs)) {
		for _, term := range slices.Sorted(maps.Keys(b.termSlugs[tax])) {
			fmt.Fprintf(h, "%s\x00%s\x00%s\x00", tax, term, b.termSlugs[tax][term])
		}
	}
	return string(h.Sum(nil))
}

// summaryKey covers what pm's summary is made from besides its front
// matter: key, from summariesKey, and the items commits closed or
// reopened.
func (b *builder) summaryKey(pm *postmortem.Postmortem, key string) string {
	if b.opts.Memo == nil || len(pm.ClosedItems) == 0 && len(pm.ReopenedItems) == 0 {
		return key
	}
	var sb strings.Builder
	sb.WriteString(key)
	for _, n := range slices.Sorted(maps.Keys(pm.ClosedItems)) {
		fmt.Fprintf(&sb, "x%d", n)
	}
	for _, n := range slices.Sorted(maps.Keys(pm.ReopenedItems)) {
		fmt.Fprintf(&sb, "o%d", n)
	}
	return sb.String()
}

func (b *builder) summarize(pm *postmortem.Postmortem) *Summary {
	rank, class := b.severityClass(pm.Severity)
	s := &Summary{
		ID: pm.ID, URL: b.pageURL(pm.ID), Title: pm.Title, Summary: pm.Summary,
		Date: pm.Date.String(), Severity: pm.Severity, SeverityRank: rank, SeverityClass: class,
		Status: string(pm.Status), Visibility: string(pm.Visibility),
		Services: b.links("services", pm.Services), Tags: b.links("tags", pm.Tags),
		TimeToDetectSeconds: -1, TimeToResolveSeconds: -1,
	}
	if !pm.Date.IsZero() {
		s.Year = pm.Date.Format("2006")
	}
	if d, ok := pm.TimeToDetect(); ok {
		s.TimeToDetect, s.TimeToDetectSeconds = Duration(d), int64(d.Seconds())
	}
	if d, ok := pm.TimeToResolve(); ok {
		s.TimeToResolve, s.TimeToResolveSeconds = Duration(d), int64(d.Seconds())
	}
	for n := range len(pm.ActionItems) {
		if st := pm.ItemState(n+1, b.now); st.Open() {
			s.OpenItems++
			if st.Overdue {
				s.OverdueItems++
			}
		}
	}
	s.digest = summaryDigest(s)
	return s
}

// summaryFields is a Summary without its MarshalJSON.
type summaryFields Summary

// summaryDigest digests every field of a summary.
func summaryDigest(s *Summary) string {
	b, _ := json.Marshal((*summaryFields)(s)) // plain fields always marshal
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:16])
}

// MarshalJSON stands for a summary in page fingerprints, the only JSON
// made of one: the digest of its fields, made once a build, instead of
// the fields themselves, which list pages repeat for every postmortem
// (encoding them was a third of a rebuild at 10,000).
func (s *Summary) MarshalJSON() ([]byte, error) {
	if s.digest == "" {
		return json.Marshal((*summaryFields)(s))
	}
	return []byte(`"` + s.digest + `"`), nil
}

var ticketURL = regexp.MustCompile(`^https?://`)

func (b *builder) ticket(t string) Link {
	if ticketURL.MatchString(t) {
		return Link{Text: t, URL: t}
	}
	for _, p := range b.tickets {
		if p.Regexp != nil && p.Regexp.MatchString(t) {
			return Link{Text: t, URL: strings.ReplaceAll(p.URL, "{id}", url.PathEscape(t))}
		}
	}
	return Link{Text: t}
}

func label(name string) string {
	name = strings.ReplaceAll(name, "_", " ")
	if name == "" {
		return ""
	}
	return strings.ToUpper(name[:1]) + name[1:]
}

func (b *builder) commitView(lc postmortem.LinkedCommit) CommitView {
	cv := CommitView{Role: string(lc.Ref.Role), SHA: lc.Ref.SHA, Short: lc.Ref.SHA, Repo: lc.Ref.Repo, Note: lc.Ref.Note}
	if lc.Info != nil {
		ci := lc.Info
		cv.Verified, cv.SHA, cv.Short = true, ci.SHA, ci.SHA[:min(10, len(ci.SHA))]
		cv.Subject, cv.Date, cv.ISO, cv.URL, cv.Files, cv.Author = ci.Subject, stamp(ci.Date), iso(ci.Date), ci.URL, ci.Files, ci.Author
	}
	if lc.RevertedBy != nil {
		cv.RevertedBy = commitInfoView(*lc.RevertedBy)
	}
	return cv
}

func commitInfoView(ci postmortem.CommitInfo) *CommitView {
	return &CommitView{SHA: ci.SHA, Short: ci.SHA[:min(10, len(ci.SHA))], Subject: ci.Subject, Date: stamp(ci.Date), ISO: iso(ci.Date),
		URL: ci.URL, Verified: true, Repo: ci.Repo, Author: ci.Author}
}

// actions returns a postmortem's action items as views, in the file's
// order.
func (b *builder) actions(pm *postmortem.Postmortem) []ActionView {
	out := make([]ActionView, 0, len(pm.ActionItems))
	for i := range pm.ActionItems {
		out = append(out, b.actionView(pm, i+1, pm.ItemState(i+1, b.now)))
	}
	return out
}

// actionView is the view of action item n of a postmortem in state st.
func (b *builder) actionView(pm *postmortem.Postmortem, n int, st postmortem.ItemState) ActionView {
	a := pm.ActionItems[n-1]
	av := ActionView{
		Ref: fmt.Sprintf("%s#%d", pm.ID, n), Anchor: fmt.Sprintf("action-%d", n), N: n,
		Title: a.Title, Owner: a.Owner, Due: a.Due.String(), Priority: string(a.Priority), Status: string(st.Status),
		Overdue: st.Overdue, DaysOverdue: st.DaysOverdue,
	}
	if st.ClosedBy != nil {
		av.ClosedBy = commitInfoView(*st.ClosedBy)
	}
	if r := st.ReopenedBy; r != nil {
		av.ReopenedBy, av.Reverted = commitInfoView(r.By), commitInfoView(r.Closed)
	}
	av.StatusClass = "status-" + termSlug(av.Status)
	if a.Ticket != "" {
		av.Ticket = b.ticket(a.Ticket)
	}
	return av
}

// times lists the milestones: the standard ones in order, then the others
// by time.
func times(pm *postmortem.Postmortem) []TimeRow {
	start := pm.Times.Started
	row := func(name string, t time.Time) TimeRow {
		r := TimeRow{Name: name, Label: label(name), Time: stamp(t), ISO: iso(t)}
		if !start.IsZero() && t != start {
			r.Offset = "+" + Duration(t.Sub(start))
		}
		return r
	}
	// In time order, custom milestones among the standard ones; at the
	// same time, standard ones first, in their order.
	type at struct {
		name string
		t    time.Time
	}
	var all []at
	for _, k := range postmortem.TimeKeys {
		if t := pm.Times.Get(k); !t.IsZero() {
			all = append(all, at{k, t})
		}
	}
	for _, m := range pm.Times.Extra {
		all = append(all, at{m.Name, m.Time})
	}
	slices.SortStableFunc(all, func(a, b at) int { return a.t.Compare(b.t) })
	rows := make([]TimeRow, 0, len(all))
	for _, m := range all {
		rows = append(rows, row(m.name, m.t))
	}
	return rows
}

func durations(pm *postmortem.Postmortem) []Figure {
	var out []Figure
	add := func(lbl string, d time.Duration, ok bool, note string) {
		if ok {
			out = append(out, Figure{Label: lbl, Value: Duration(d), Note: note})
		}
	}
	d, ok := pm.TimeToDetect()
	add("Time to detect", d, ok, "started → detected")
	d, ok = pm.TimeToMitigate()
	add("Time to mitigate", d, ok, "started → mitigated")
	d, ok = pm.TimeToResolve()
	add("Time to resolve", d, ok, "started → resolved")
	d, ok = pm.TriggerLatency()
	add("Trigger latency", d, ok, "trigger commit → started")
	d, ok = pm.FixLeadTime()
	add("Fix lead time", d, ok, "started → first fix commit")
	return out
}

// markup strips the Markdown emphasis and code marks from a timeline
// event, which the visual timeline shows as plain text.
var markup = strings.NewReplacer("`", "", "**", "", "__", "")

// timeline places the Timeline section's entries on a line, and gives
// the line's ticks and breaks and the milestones marked on it.
func timeline(pm *postmortem.Postmortem) ([]TimelineEntry, *TimelineAxis, []TimelineMark) {
	if len(pm.Timeline) == 0 {
		return nil, nil, nil
	}
	first := pm.Timeline[0].Time
	start := pm.Times.Started
	if start.IsZero() {
		start = first
	}
	loc := start.Location()
	scale := newTimeScale(pm.Timeline)
	out := make([]TimelineEntry, 0, len(pm.Timeline))
	marked := map[string]bool{}
	anchors := map[string]int{}
	for _, e := range pm.Timeline {
		t := e.Time.In(loc)
		te := TimelineEntry{Time: t.Format("15:04"), ISO: iso(e.Time), Event: markup.Replace(e.Event), Anchor: "t-" + t.Format("1504")}
		if y, m, d := t.Date(); y != start.In(loc).Year() || m != start.In(loc).Month() || d != start.In(loc).Day() {
			te.Time = t.Format("2006-01-02 15:04")
			te.Anchor = "t-" + t.Format("2006-01-02-1504")
		}
		if anchors[te.Anchor]++; anchors[te.Anchor] > 1 {
			te.Anchor += fmt.Sprintf("-%d", anchors[te.Anchor])
		}
		if off := e.Time.Sub(start); off != 0 {
			te.Offset = "+" + Duration(off)
			if off < 0 {
				te.Offset = Duration(off)
			}
		}
		te.Percent, _ = scale.place(e.Time)
		te.X = chartX(te.Percent)
		for _, k := range postmortem.TimeKeys {
			if m := pm.Times.Get(k); !m.IsZero() && m.Equal(e.Time) && te.Milestone == "" && !marked[k] {
				te.Milestone, marked[k] = label(k), true
			}
		}
		out = append(out, te)
	}
	return out, scale.axis(loc), timelineMarks(out)
}

// timelineMarks gives a mark for each milestone of the entries, where its
// run of entries starts. The labels take the heights 76, 96 and 116 in
// turn, each stem ending 12 pixels above its label.
func timelineMarks(entries []TimelineEntry) []TimelineMark {
	var marks []TimelineMark
	prev := ""
	for _, e := range entries {
		if e.Milestone == "" || e.Milestone == prev {
			continue
		}
		prev = e.Milestone
		y := 76 + 20*(len(marks)%3)
		anchor := "middle"
		if e.Percent < 12 {
			anchor = "start"
		} else if e.Percent > 88 {
			anchor = "end"
		}
		marks = append(marks, TimelineMark{X: e.X, Y: y, StemY: y - 12, Anchor: anchor, Label: e.Milestone + " · " + e.Time})
	}
	return marks
}

// related lists a postmortem's related ones: those it names, then the ones
// sharing the most changed files (3 points each), services (2) and tags
// (1), among the postmortems nearest in date that share each. similar
// says whether it asked the search index for ones close in text.
func (b *builder) related(pm *postmortem.Postmortem, idx *termIndex) (related []RelatedView, similar bool) {
	out := b.recurrences(pm, idx)
	seen := map[string]bool{pm.ID: true}
	for _, r := range out {
		seen[r.Summary.ID] = true
	}
	for _, id := range pm.Related {
		if s, ok := b.summary[id]; ok && !seen[id] {
			seen[id] = true
			out = append(out, RelatedView{Summary: s, Reason: "Listed as related"})
		}
	}
	files := changedFiles(pm)
	scores := scoreBoards.Get().(*scoreBoard)
	defer scoreBoards.Put(scores)
	for _, f := range files {
		idx.score("file", f, pm, 3, scores)
	}
	for _, s := range pm.Services {
		idx.score("service", s, pm, 2, scores)
	}
	for _, t := range pm.Tags {
		idx.score("tag", t, pm, 1, scores)
	}
	cands := topRelated(scores, idx.pms, seen)
	scores.reset()
	if len(cands) < maxRelated && b.opts.Similar != nil {
		// Too few share services, tags or files: add the closest in text.
		similar = true
		if ids, err := b.opts.Similar.Similar(context.Background(), pm.ID, maxRelated); err == nil {
			for _, id := range ids {
				o := b.byID[strings.ToLower(id)]
				if o == nil || seen[o.ID] || slices.Contains(cands, o) || len(cands)+len(out) >= maxRelated+len(pm.Related) {
					continue
				}
				cands = append(cands, o)
			}
		}
	}
	for _, o := range cands[:min(len(cands), maxRelated)] {
		var reasons []string
		for _, f := range files {
			if slices.Contains(changedFiles(o), f) {
				reasons = append(reasons, "changed "+path.Base(f[strings.Index(f, ":")+1:]))
			}
		}
		for _, s := range pm.Services {
			if slices.Contains(o.Services, s) {
				reasons = append(reasons, "service "+s)
			}
		}
		for _, t := range pm.Tags {
			if slices.Contains(o.Tags, t) {
				reasons = append(reasons, "tag "+t)
			}
		}
		reason := "Shares " + strings.Join(reasons[:min(len(reasons), 3)], ", ")
		if len(reasons) == 0 {
			reason = "Similar in text"
		}
		out = append(out, RelatedView{Summary: b.summary[o.ID], Reason: reason})
	}
	return out, similar
}

// topRelated returns the maxRelated best-scored postmortems of at least
// 2 points not yet seen, best first (ties: most recent, then id). It keeps
// only those as it goes: a corpus whose postmortems share a service can
// give every page thousands of candidates, and sorting them all, for every
// page of every rebuild, was most of serve's time after an edit.
func topRelated(scores *scoreBoard, pms []*postmortem.Postmortem, seen map[string]bool) []*postmortem.Postmortem {
	type cand struct {
		pm    *postmortem.Postmortem
		score int32
	}
	before := func(x, y cand) bool {
		return cmp.Or(cmp.Compare(y.score, x.score), y.pm.Date.Compare(x.pm.Date.Time), cmp.Compare(x.pm.ID, y.pm.ID)) < 0
	}
	top := make([]cand, 0, maxRelated+1)
	for _, i := range scores.touched {
		c := cand{pms[i], scores.score[i]}
		if c.score < 2 || len(top) == maxRelated && !before(c, top[maxRelated-1]) || seen[c.pm.ID] {
			continue
		}
		i := len(top)
		for i > 0 && before(c, top[i-1]) {
			i--
		}
		top = slices.Insert(top, i, c)
		if len(top) > maxRelated {
			top = top[:maxRelated]
		}
	}
	out := make([]*postmortem.Postmortem, len(top))
	for i, c := range top {
		out[i] = c.pm
	}
	return out
}

// scoreBoard is the scores of one postmortem's candidates, by their
// place in termIndex.pms, and the places scored: a slice instead of a
// map keyed by postmortem, whose hashing was most of related's time.
type scoreBoard struct {
	score   []int32
	touched []int32
}

func (sb *scoreBoard) add(i int32, weight int32) {
	if int(i) >= len(sb.score) {
		sb.score = slices.Grow(sb.score, int(i)+1-len(sb.score))[:int(i)+1]
	}
	if sb.score[i] == 0 {
		sb.touched = append(sb.touched, i)
	}
	sb.score[i] += weight
}

// reset leaves sb empty for the next postmortem.
func (sb *scoreBoard) reset() {
	for _, i := range sb.touched {
		sb.score[i] = 0
	}
	sb.touched = sb.touched[:0]
}

var scoreBoards = sync.Pool{New: func() any { return new(scoreBoard) }}

func changedFiles(pm *postmortem.Postmortem) []string {
	return append(filesOf(pm, postmortem.RoleTrigger), filesOf(pm, postmortem.RoleFix)...)
}

// termIndex finds postmortems sharing a term, looking only at the ones
// nearest in date, so that related stays fast on large corpora.
type termIndex struct {
	pms   []*postmortem.Postmortem
	lists map[string][]int32 // kind + "\x00" + term: places in pms, by date
	pos   map[*postmortem.Postmortem]map[string]int
}

const relatedWindow = 40

// maxRelated is how many related postmortems are found beyond the listed ones.
const maxRelated = 5

func newTermIndex(pms []*postmortem.Postmortem) *termIndex {
	idx := &termIndex{pms: pms, lists: map[string][]int32{}, pos: map[*postmortem.Postmortem]map[string]int{}}
	add := func(kind, term string, at int) {
		pm := pms[at]
		k := kind + "\x00" + term
		if p, ok := idx.pos[pm]; ok {
			if _, dup := p[k]; dup {
				return
			}
		} else {
			idx.pos[pm] = map[string]int{}
		}
		idx.pos[pm][k] = len(idx.lists[k])
		idx.lists[k] = append(idx.lists[k], int32(at))
	}
	for at, pm := range pms { // pms are sorted by date
		for _, f := range changedFiles(pm) {
			add("file", f, at)
		}
		for _, role := range []postmortem.CommitRole{postmortem.RoleTrigger, postmortem.RoleFix} {
			for _, f := range filesOf(pm, role) {
				add(string(role), f, at)
			}
		}
		for _, s := range pm.Services {
			add("service", s, at)
		}
		for _, t := range pm.Tags {
			add("tag", t, at)
		}
	}
	return idx
}

// filesOf lists the files ("repo:path") that pm's commits of one role
// changed.
func filesOf(pm *postmortem.Postmortem, role postmortem.CommitRole) []string {
	var files []string
	for _, lc := range pm.Linked {
		if lc.Info != nil && lc.Ref.Role == role {
			for _, f := range lc.Info.Files {
				files = append(files, lc.Ref.Repo+":"+f)
			}
		}
	}
	return files
}

// recurrences are the incidents linked to pm by a recurrence: an earlier
// one whose fix changed files that pm's trigger changed, and a later one
// whose trigger changed files that pm's fix changed (the countermeasure
// was touched again, and it hurt). They come first among the related,
// the nearest in date first.
func (b *builder) recurrences(pm *postmortem.Postmortem, idx *termIndex) []RelatedView {
	var out []RelatedView
	seen := map[*postmortem.Postmortem]bool{pm: true}
	find := func(mine postmortem.CommitRole, theirs postmortem.CommitRole, later bool, reason func(o *postmortem.Postmortem, file string) string) {
		for _, f := range filesOf(pm, mine) {
			list := idx.lists[string(theirs)+"\x00"+f]
			// The list is sorted by date: walk away from pm's date.
			at := sort.Search(len(list), func(i int) bool { return !idx.pms[list[i]].Date.Before(pm.Date.Time) })
			for n, i := 0, at; n < relatedWindow && len(out) < maxRelated; n++ {
				if later {
					i = at + n
				} else {
					i = at - 1 - n
				}
				if i < 0 || i >= len(list) {
					break
				}
				o := idx.pms[list[i]]
				if seen[o] || o.Date.Equal(pm.Date.Time) && (later == (o.ID < pm.ID)) {
					continue
				}
				seen[o] = true
				out = append(out, RelatedView{Summary: b.summary[o.ID], Reason: reason(o, path.Base(f[strings.Index(f, ":")+1:]))})
			}
		}
	}
	find(postmortem.RoleTrigger, postmortem.RoleFix, false, func(o *postmortem.Postmortem, file string) string {
		return "Recurrence: this incident's trigger changed " + file + ", which the fix of this earlier one had changed"
	})
	find(postmortem.RoleFix, postmortem.RoleTrigger, true, func(o *postmortem.Postmortem, file string) string {
		return "Recurrence: the trigger of this later incident changed " + file + ", fixed after this one"
	})
	return out
}

// score adds weight to every postmortem near pm in date that shares a term.
func (idx *termIndex) score(kind, term string, pm *postmortem.Postmortem, weight int32, scores *scoreBoard) {
	k := kind + "\x00" + term
	list := idx.lists[k]
	i := idx.pos[pm][k]
	for _, o := range list[max(0, i-relatedWindow):min(len(list), i+relatedWindow+1)] {
		if idx.pms[o] != pm {
			scores.add(o, weight)
		}
	}
}

// revisits are a postmortem's revisits as views, in the file's order.
func revisits(pm *postmortem.Postmortem) []RevisitView {
	var out []RevisitView
	for _, r := range pm.Revisits {
		out = append(out, RevisitView{Date: r.Date.String(), By: r.By, Outcome: string(r.Outcome), OutcomeClass: "outcome-" + termSlug(string(r.Outcome)), Notes: r.Notes})
	}
	return out
}

// revisitDue is when pm is next due for a revisit; nil when no cadence
// applies to it.
func (b *builder) revisitDue(pm *postmortem.Postmortem) *RevisitDue {
	st, ok := pm.RevisitState(b.cfg.RevisitAfterDays, b.now)
	if !ok {
		return nil
	}
	d := &RevisitDue{Postmortem: b.summary[pm.ID], Due: st.Due.Format(postmortem.DateLayout), When: st.When(), Overdue: st.Overdue, Every: fmt.Sprintf("%d days", st.Every)}
	if st.Last != nil {
		d.Last = st.Last.Date.String() + " (" + string(st.Last.Outcome) + ")"
	}
	return d
}

// anniversaries are the incidents that began within three days of today's
// date in an earlier year, the most recent year first.
func (b *builder) anniversaries() []Anniversary {
	today := time.Date(b.now.Year(), b.now.Month(), b.now.Day(), 0, 0, 0, 0, time.UTC)
	var out []Anniversary
	for _, pm := range b.pms {
		if pm.Date.IsZero() {
			continue
		}
		// The same day in the year before, this one and the next (28
		// February for a 29th in a common year): the week may span New
		// Year.
		for y := today.Year() - 1; y <= today.Year()+1; y++ {
			same := time.Date(y, pm.Date.Month(), min(pm.Date.Day(), daysIn(pm.Date.Month(), y)), 0, 0, 0, 0, time.UTC)
			gap := same.Sub(today).Hours() / 24
			if years := y - pm.Date.Year(); years >= 1 && gap >= -3 && gap <= 3 {
				out = append(out, Anniversary{Postmortem: b.summary[pm.ID], YearsAgo: years})
			}
		}
	}
	slices.SortStableFunc(out, func(a, c Anniversary) int {
		return cmp.Or(cmp.Compare(a.YearsAgo, c.YearsAgo), cmp.Compare(a.Postmortem.Date, c.Postmortem.Date))
	})
	return out[:min(len(out), 10)]
}

func daysIn(m time.Month, year int) int {
	return time.Date(year, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}
