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

// activeTypes are the kinds of file that a browser runs or renders as a
// document of the site's own origin: published, they would run script
// with the site's rights wherever it is hosted without a CSP header.
var activeTypes = map[string]bool{
	".html": true, ".htm": true, ".xhtml": true, ".shtml": true, ".xht": true, ".mht": true, ".mhtml": true,
	".js": true, ".mjs": true, ".cjs": true, ".jsx": true, ".ts": true, ".wasm": true,
	".svg": true, ".svgz": true, ".xml": true, ".xsl": true, ".xslt": true,
	".swf": true, ".jar": true, ".hta": true, ".appcache": true, ".manifest": true, ".webmanifest": true,
}

// Attachment resolves a file a postmortem links to (rel, relative to the
// repository root) and says whether the site may publish it: a regular
// file inside the content folder, reached through no symlink leading out
// of the repository, at most MaxAttachment bytes and of no type a browser
// runs. It returns the file's real path, or an error that says what is
// wrong in words for a finding: ErrNotAttachment for a file elsewhere in
// the repository.
func Attachment(root, content, rel string) (string, error) {
	root, content = realPath(root), realPath(content)
	joined := filepath.Join(root, filepath.FromSlash(rel))
	if _, err := os.Lstat(joined); err != nil {
		return "", fs.ErrNotExist
	}
	abs, err := filepath.EvalSymlinks(joined)
	if err != nil {
		return "", fmt.Errorf("it is a symlink that cannot be followed (%v)", unwrap(err))
	}
	if !inside(root, abs) {
		return "", errors.New("it is a symlink leading out of the repository, which is never published; copy the file in instead")
	}
	if !inside(content, abs) {
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
	case activeTypes[strings.ToLower(path.Ext(rel))]:
		return "", fmt.Errorf("%s files could run script on the site, so they are never published; attach a PNG, a PDF or plain text instead", strings.ToLower(path.Ext(rel)))
	}
	return abs, nil
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
