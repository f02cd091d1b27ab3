package site

import (
	"fmt"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"

	"github.com/hindsight-dev/hindsight/internal/config"
	"github.com/hindsight-dev/hindsight/internal/corpus"
	"github.com/hindsight-dev/hindsight/internal/postmortem"
)

// words finds candidate ticket ids and shas in prose.
var words = regexp.MustCompile(`[A-Za-z0-9][A-Za-z0-9_-]*[A-Za-z0-9]`)

// linkedFiles are the files in the content folder that postmortems link
// to (images, attachments): copied into the site under files/.
type linkedFiles struct {
	resolve corpus.Attachments
	mu      sync.Mutex
	files   map[string]string // repo-relative path -> absolute path
}

func newFiles(cfg *config.Config) *linkedFiles {
	return &linkedFiles{resolve: corpus.NewAttachments(cfg.Root, cfg.ContentDir()), files: map[string]string{}}
}

// add registers a repo-relative file when the site may publish it (see
// corpus.Attachment; check reports the others), and reports whether it may.
func (f *linkedFiles) add(rel string) bool {
	abs, err := f.resolve.Attachment(rel)
	if err != nil {
		return false
	}
	f.mu.Lock()
	f.files[rel] = abs
	f.mu.Unlock()
	return true
}

func (f *linkedFiles) copy(w *writer) error {
	names := make([]string, 0, len(f.files))
	for n := range f.files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		data, err := os.ReadFile(f.files[n])
		if err != nil {
			return fmt.Errorf("copying %s: %w", n, err)
		}
		if err := w.file("files/"+n, data); err != nil {
			return err
		}
	}
	return nil
}

func escapePath(p string) string {
	parts := strings.Split(p, "/")
	for i, s := range parts {
		parts[i] = url.PathEscape(s)
	}
	return strings.Join(parts, "/")
}

// link rewrites a destination in a postmortem's body: another postmortem
// becomes its page, a file in the content folder its copy in the site, a
// file elsewhere in the repository its page in the web UI (not in public
// builds). Links leaving the repository, and to missing files, are
// dropped.
func (b *builder) link(pm *postmortem.Postmortem, files *linkedFiles, dest string, image bool) string {
	u, err := url.Parse(strings.TrimSpace(dest))
	if err != nil {
		return ""
	}
	if u.Scheme != "" || u.Host != "" || u.Path == "" || strings.HasPrefix(u.Path, "/") {
		return dest
	}
	target := path.Clean(path.Join(path.Dir(pm.Rel), u.Path))
	if target == ".." || strings.HasPrefix(target, "../") || path.IsAbs(target) {
		return ""
	}
	frag := ""
	if u.Fragment != "" {
		frag = "#" + url.PathEscape(u.Fragment)
	}
	if strings.HasSuffix(target, ".md") && !image {
		if other := b.byRel(target); other != nil {
			return b.pageURL(other.ID) + frag
		}
		// A postmortem this build leaves out (a draft, an internal one in
		// a public build): plain text. Its file is never copied (see
		// corpus.Attachment), so none of it reaches the site.
		if b.inContent(target) {
			return ""
		}
	}
	if files.add(target) {
		return b.url("files/"+escapePath(target)) + frag
	}
	if !b.opts.Public && b.opts.Web != nil && !image {
		if page, _ := b.opts.Web(target); page != "" {
			return page + frag
		}
	}
	return ""
}

// inContent reports whether a repo-relative path is inside the content
// folder.
func (b *builder) inContent(rel string) bool {
	content := path.Clean(filepath.ToSlash(b.cfg.Content))
	return rel == content || strings.HasPrefix(rel, content+"/")
}

// byRel finds a postmortem of this build by its repo-relative path.
func (b *builder) byRel(rel string) *postmortem.Postmortem { return b.rels[rel] }
