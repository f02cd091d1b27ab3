package site

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

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
}

func readManifest(out string) map[string]string {
	data, err := os.ReadFile(filepath.Join(out, Marker))
	if err != nil {
		return nil
	}
	var m manifest
	if json.Unmarshal(data, &m) != nil || m.Version != manifestVersion {
		return nil
	}
	return m.Pages
}

// pageFingerprint covers everything a list page shows: its view, whole.
func pageFingerprint(p *Page, themeVersion string) string {
	h := sha256.New()
	h.Write([]byte(themeVersion))
	_ = json.NewEncoder(h).Encode(p)
	return hex.EncodeToString(h.Sum(nil))[:32]
}

// fingerprint covers everything a postmortem's page shows: its file, what
// git and the check said of it, the related postmortems' summaries, the
// day (for overdue items), the site's settings and the theme.
func (b *builder) fingerprint(pm *postmortem.Postmortem, related []RelatedView, themeVersion string) string {
	h := sha256.New()
	field := func(parts ...string) {
		for _, p := range parts {
			h.Write([]byte(p))
			h.Write([]byte{0})
		}
	}
	field(themeVersion, b.site.Base, b.site.BaseURL, b.site.Title, fmt.Sprint(b.opts.Public, b.opts.Drafts), b.now.Format("2006-01-02"))
	field(pm.File, pm.Rel)
	h.Write(pm.Source)
	for _, w := range b.opts.Warnings[pm.File] {
		field(w)
	}
	for _, lc := range pm.Linked {
		if lc.Info != nil {
			field(lc.Info.SHA, lc.Info.Subject, lc.Info.URL, strings.Join(lc.Info.Files, ","))
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
	if pm.History != nil {
		field(pm.History.LastCommit, fmt.Sprint(pm.History.Uncommitted), strings.Join(pm.History.Contributors, ","))
	}
	for _, r := range related {
		s := r.Summary
		field(r.Reason, s.ID, s.Title, s.Date, s.Severity, s.Status)
	}
	b.fingerprintLinks(h, pm)
	return hex.EncodeToString(h.Sum(nil))[:32]
}

// fingerprintLinks covers the postmortems and files the body links to,
// whose presence decides how links render.
func (b *builder) fingerprintLinks(h hash.Hash, pm *postmortem.Postmortem) {
	for _, l := range pm.Outline.Links {
		target := path.Clean(path.Join(path.Dir(pm.Rel), l.Dest))
		if other := b.byRel(target); other != nil {
			h.Write([]byte("page:" + other.ID + "\x00"))
		} else if st, err := os.Stat(filepath.Join(b.cfg.Root, filepath.FromSlash(target))); err == nil {
			h.Write([]byte(fmt.Sprintf("file:%s:%d:%d\x00", target, st.Size(), st.ModTime().UnixNano())))
		}
	}
}

// registerFiles notes the files a reused page links to, so they are
// copied as a rendered page's would be.
func (b *builder) registerFiles(pm *postmortem.Postmortem, files *linkedFiles) {
	for _, l := range pm.Outline.Links {
		_ = b.link(pm, files, l.Dest, l.Image)
	}
}
