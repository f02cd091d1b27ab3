package site

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/hindsight-dev/hindsight/internal/postmortem"
)

// manifestVersion changes whenever what a fingerprint covers changes.
const manifestVersion = 1

// manifest is the content of the marker file: the fingerprint of every
// postmortem page, so that the next build can reuse pages whose inputs did
// not change.
type manifest struct {
	Note    string            `json:"note"`
	Version int               `json:"version"`
	Pages   map[string]string `json:"pages"`
	// Inputs fingerprint what a group of files was made from (the static
	// search index's documents), so that the next build can keep the whole
	// group without making it again.
	Inputs map[string]string `json:"inputs,omitempty"`
}

// readManifest reads the manifest of a previous build. It returns nil
// when there is none or it is of another version (the next build is a
// full one), and an error when the marker is there but is not a manifest
// this program could have written: its names are used to remove and
// replace files, so a folder whose manifest names a path outside it is
// treated as somebody else's.
//
// The manifest last read is kept, by the file's identity, size and
// modification time: a build reads it three times (two checks of the
// folder and the writer), and a watching server builds again and again.
// What it returns is shared and must not be changed.
func readManifest(out string) (*manifest, error) {
	file := filepath.Join(out, Marker)
	st, err := os.Stat(file)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	key := manifestKey(file, st)
	lastManifest.Lock()
	if lastManifest.key == key {
		m := lastManifest.m
		lastManifest.Unlock()
		return m, nil
	}
	lastManifest.Unlock()
	m, err := parseManifest(file)
	if err == nil && key != "" {
		lastManifest.Lock()
		lastManifest.key, lastManifest.m = key, m
		lastManifest.Unlock()
	}
	return m, err
}

// rememberManifest makes m the manifest readManifest last read, as the file out's
// marker is now: a build that has just written it need not parse it.
func rememberManifest(out string, m *manifest) {
	file := filepath.Join(out, Marker)
	st, err := os.Stat(file)
	if err != nil {
		return
	}
	if key := manifestKey(file, st); key != "" {
		lastManifest.Lock()
		lastManifest.key, lastManifest.m = key, m
		lastManifest.Unlock()
	}
}

// lastManifest is the manifest readManifest read last.
var lastManifest struct {
	sync.Mutex
	key string
	m   *manifest
}

// parseManifest reads and checks a manifest file.
func parseManifest(file string) (*manifest, error) {
	data, err := os.ReadFile(file)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var m manifest
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("its %s is not a Hindsight manifest (%v)", Marker, err)
	}
	if m.Version != manifestVersion || m.Pages == nil {
		return nil, nil
	}
	for name := range m.Pages {
		if !siteName(name) {
			return nil, fmt.Errorf("its %s names %q, which is not a file inside the folder", Marker, name)
		}
	}
	return &m, nil
}

// siteName reports whether a manifest entry is a file this program could
// have written: a clean relative slash path that stays inside the output
// folder and is neither the marker nor inside the search index.
func siteName(name string) bool {
	if name == "" || name != path.Clean(name) || path.IsAbs(name) || strings.ContainsAny(name, "\\\x00") {
		return false
	}
	first, _, _ := strings.Cut(name, "/")
	return first != ".." && first != "." && name != Marker && first != IndexDir
}

// pageFingerprint covers everything a list page shows: its view, whole.
func pageFingerprint(p *Page, themeVersion string) string {
	h := sha256.New()
	h.Write([]byte(themeVersion))
	_ = json.NewEncoder(h).Encode(p)
	return hex.EncodeToString(h.Sum(nil))[:32]
}

// fingerprintSite is the part of every page's fingerprint that the site
// gives: the theme, where the site lives, its title, the build's scope and
// the day.
func (b *builder) fingerprintSite(themeVersion string) string {
	var buf []byte
	for _, p := range []string{themeVersion, b.site.Base, b.site.BaseURL, b.site.Title, fmt.Sprint(b.opts.Public, b.opts.Drafts, b.opts.Preview), b.now.Format("2006-01-02")} {
		buf = append(append(buf, p...), 0)
	}
	return string(buf)
}

// fingerprintScope names what every page's fingerprint takes from
// outside the postmortem besides the site's settings: the config (the
// revisit intervals) and the links to the web UI, as a probe path gives
// them (the remote, the branch).
func (b *builder) fingerprintScope() string {
	scope := fmt.Sprintf("%p\x00", b.cfg)
	const probe = "\x00probe"
	if b.opts.Web != nil {
		page, history := b.opts.Web(probe)
		scope += page + "\x00" + history + "\x00"
	}
	if b.opts.Edit != nil {
		scope += b.opts.Edit(probe)
	}
	return scope
}

// printKey is what a page's fingerprint was made from, as far as the
// memo can tell it unchanged without making the fingerprint again: the
// postmortem itself (the pointer the memo keeps it under), the site, and
// what the build attached to it.
type printKey struct {
	site, scope string
	linked      []postmortem.LinkedCommit
	closed      map[int]postmortem.CommitInfo
	reopened    map[int]postmortem.Reopened
	history     *postmortem.FileHistory
	findings    []Finding
	related     []RelatedView
	links       []byte
}

func (k printKey) same(o printKey) bool {
	return k.site == o.site && k.scope == o.scope && postmortem.SameLinks(k.linked, o.linked) &&
		maps.EqualFunc(k.closed, o.closed, func(a, b postmortem.CommitInfo) bool { return a.SHA == b.SHA }) &&
		maps.EqualFunc(k.reopened, o.reopened, func(a, b postmortem.Reopened) bool {
			return a.Closed.SHA == b.Closed.SHA && a.By.SHA == b.By.SHA && a.By.Subject == b.By.Subject && a.By.URL == b.By.URL
		}) &&
		(k.history == nil) == (o.history == nil) && (k.history == nil || k.history.Equal(*o.history)) && slices.Equal(k.findings, o.findings) &&
		slices.Equal(k.related, o.related) && bytes.Equal(k.links, o.links)
}

// keptPrint is a page's fingerprint and what it was made from.
type keptPrint struct {
	key printKey
	fp  string
}

// fingerprint is makeFingerprint's answer, the last build's when the
// page's inputs are the same (serve's rebuilds fingerprinted 10,000
// unchanged pages after every edit).
func (b *builder) fingerprint(pm *postmortem.Postmortem, related []RelatedView, themeVersion string) string {
	links := b.linkState(nil, pm)
	m := b.opts.Memo
	if m == nil || b.fpVersion != themeVersion {
		return b.makeFingerprint(pm, related, themeVersion, links)
	}
	key := printKey{site: b.fpSite, scope: b.fpScope, linked: pm.Linked, closed: pm.ClosedItems, reopened: pm.ReopenedItems, history: pm.History, findings: b.opts.Findings[pm.File], related: related, links: links}
	return take(m, &m.prints, pm, func(k keptPrint) bool { return k.key.same(key) }, func() keptPrint {
		return keptPrint{key: key, fp: b.makeFingerprint(pm, related, themeVersion, links)}
	}).fp
}

// makeFingerprint covers everything a postmortem's page shows: its file, what
// git and the check said of it, the related postmortems' summaries, the
// day (for overdue items), the site's settings and the theme; links is
// linkState's for the page.
func (b *builder) makeFingerprint(pm *postmortem.Postmortem, related []RelatedView, themeVersion string, links []byte) string {
	// The fields go into one buffer, hashed once: many small writes to
	// the hash, each converting a string, cost more than the hashing.
	buf := fingerprintBufs.Get().(*[]byte)
	defer fingerprintBufs.Put(buf)
	*buf = (*buf)[:0]
	field := func(parts ...string) {
		for _, p := range parts {
			*buf = append(append(*buf, p...), 0)
		}
	}
	site := b.fpSite
	if b.fpVersion != themeVersion || site == "" {
		site = b.fingerprintSite(themeVersion)
	}
	*buf = append(*buf, site...)
	field(pm.File, pm.Rel)
	// The links to the file in the web UI follow the remote, the config
	// and the branch, none of which the file's bytes say.
	if b.opts.Web != nil {
		field(b.opts.Web(pm.Rel))
	}
	if b.opts.Edit != nil {
		field(b.opts.Edit(pm.Rel))
	}
	if days, ok := b.cfg.RevisitAfterDays[pm.Severity]; ok {
		field("revisit", fmt.Sprint(days))
	}
	*buf = append(*buf, b.opts.Memo.sourceDigest(pm)...)
	for _, f := range b.opts.Findings[pm.File] {
		field(f.Level, fmt.Sprint(f.Line, f.Col), f.Rule, f.Message)
	}
	for _, lc := range pm.Linked {
		if lc.Info != nil {
			field(lc.Info.SHA, lc.Info.Subject, lc.Info.URL, strings.Join(lc.Info.Files, ","))
			if r := lc.RevertedBy; r != nil {
				field("reverted", r.SHA, r.Subject, r.URL)
			}
		} else {
			field("unresolved")
		}
	}
	closed := make([]int, 0, len(pm.ClosedItems))
	for n := range pm.ClosedItems {
		closed = append(closed, n)
	}
	sort.Ints(closed)
	for _, n := range closed {
		field(fmt.Sprint(n), pm.ClosedItems[n].SHA)
	}
	for _, n := range slices.Sorted(maps.Keys(pm.ReopenedItems)) {
		ro := pm.ReopenedItems[n]
		field(fmt.Sprint(n), "reopened", ro.Closed.SHA, ro.By.SHA, ro.By.Subject, ro.By.URL)
	}
	if pm.History != nil {
		field(pm.History.LastCommit, fmt.Sprint(pm.History.Uncommitted), strings.Join(pm.History.Contributors, ","))
	}
	for _, r := range related {
		s := r.Summary
		field(r.Reason, s.ID, s.Title, s.Date, s.Severity, s.Status)
	}
	h := sha256.New()
	h.Write(*buf)
	h.Write(links)
	return hex.EncodeToString(h.Sum(nil))[:32]
}

// fingerprintBufs hold the fields of a page's fingerprint.
var fingerprintBufs = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

// linkState appends to buf what decides how the body's links render:
// the postmortems and files they lead to, and whether those are there.
func (b *builder) linkState(buf []byte, pm *postmortem.Postmortem) []byte {
	for _, l := range pm.Outline.Links {
		target := path.Clean(path.Join(path.Dir(pm.Rel), l.Dest))
		if other := b.byRel(target); other != nil {
			buf = append(append(append(buf, "page:"...), other.ID...), 0)
		} else if st, err := os.Stat(filepath.Join(b.cfg.Root, filepath.FromSlash(target))); err == nil {
			buf = fmt.Appendf(buf, "file:%s:%d:%d\x00", target, st.Size(), st.ModTime().UnixNano())
		}
	}
	return buf
}

// registerFiles notes the files a reused page links to, so they are
// copied as a rendered page's would be.
func (b *builder) registerFiles(pm *postmortem.Postmortem, files *linkedFiles) {
	for _, l := range pm.Outline.Links {
		_ = b.link(pm, files, l.Dest, l.Image)
	}
}
