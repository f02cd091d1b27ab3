package corpus

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// MaxAttachment is the largest file a postmortem may link to and have
// published with the site.
const MaxAttachment = 20 << 20

// ErrNotAttachment says a linked file exists but is not inside the content
// folder, so the site links to it in the web UI instead of copying it.
var ErrNotAttachment = errors.New("not in the content folder")

// publishedTypes are the kinds of file the site copies from the content
// folder: images, PDF and plain text. Nothing else is published: not a
// browser-run type (HTML, SVG, script), and not Markdown or YAML, which
// would ship a postmortem's raw text (a draft's, an internal one's) with
// every field in it.
var publishedTypes = map[string]bool{
	".png": true, ".jpg": true, ".jpeg": true, ".gif": true, ".webp": true, ".avif": true, ".bmp": true, ".ico": true,
	".pdf": true, ".txt": true, ".csv": true, ".tsv": true,
}

// PublishedTypes lists the file types the site copies, for messages.
const PublishedTypes = "PNG, JPEG, GIF, WebP, AVIF, BMP, ICO, PDF, TXT, CSV or TSV"

// Attachments resolves the files postmortems link to, against a
// repository root and content folder whose real paths are found once.
type Attachments struct{ root, content string }

// NewAttachments resolves the root and content folder of a repository.
func NewAttachments(root, content string) Attachments {
	return Attachments{root: realPath(root), content: realPath(content)}
}

// within reports whether path is dir or below it; both are real paths.
func within(dir, path string) bool {
	rel, err := filepath.Rel(dir, path)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) && !filepath.IsAbs(rel)
}

// Attachment resolves a file a postmortem links to (rel, relative to the
// repository root) and says whether the site may publish it: a regular
// file inside the content folder, reached through no symlink leading out
// of the repository, at most MaxAttachment bytes, of a published type
// (see publishedTypes), and in no folder or name starting with _ or .. It
// returns the file's real path, or an error that says what is wrong in
// words for a finding: ErrNotAttachment for a file elsewhere in the
// repository.
func (a Attachments) Attachment(rel string) (string, error) {
	root, content := a.root, a.content
	joined := filepath.Join(root, filepath.FromSlash(rel))
	if _, err := os.Lstat(joined); err != nil {
		return "", fs.ErrNotExist
	}
	abs, err := filepath.EvalSymlinks(joined)
	if err != nil {
		return "", fmt.Errorf("it is a symlink that cannot be followed (%v)", unwrap(err))
	}
	if !within(root, abs) {
		return "", errors.New("it is a symlink leading out of the repository, which is never published; copy the file in instead")
	}
	if !within(content, abs) {
		return abs, ErrNotAttachment
	}
	st, err := os.Stat(abs)
	switch {
	case err != nil:
		return "", fmt.Errorf("it cannot be read (%v)", unwrap(err))
	case !st.Mode().IsRegular():
		return "", errors.New("it is not a regular file, so it is not published")
	case st.Size() > MaxAttachment:
		return "", fmt.Errorf("it is %.1f MiB, over the %d MiB limit for a published file; link to it elsewhere", float64(st.Size())/(1<<20), MaxAttachment>>20)
	case hiddenPart(content, abs):
		return "", errors.New("it is in a folder or has a name starting with _ or ., which are never published")
	case !publishedTypes[strings.ToLower(path.Ext(rel))]:
		ext := strings.ToLower(path.Ext(rel))
		if ext == "" {
			ext = "files without an extension"
		} else {
			ext += " files"
		}
		return "", fmt.Errorf("%s are not published (a browser could run them, or they hold raw text); attach a %s instead", ext, PublishedTypes)
	}
	return abs, nil
}

// hiddenPart reports whether a path below the content folder has a part
// starting with _ or . (drafts folders, dotfiles).
func hiddenPart(content, abs string) bool {
	rel, err := filepath.Rel(content, abs)
	if err != nil {
		return true
	}
	for part := range strings.SplitSeq(filepath.ToSlash(rel), "/") {
		if hidden(part) {
			return true
		}
	}
	return false
}

func realPath(p string) string {
	if a, err := filepath.Abs(p); err == nil {
		p = a
	}
	if r, err := filepath.EvalSymlinks(p); err == nil {
		p = r
	}
	return p
}
