// Package theme holds Hindsight's default templates and assets, embedded in
// the binary. A theme folder in the user's repository overrides any file by
// its name, so a team can change one template without copying the rest.
package theme

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

//go:embed archetypes templates static
var builtin embed.FS

// Builtin returns the embedded files.
func Builtin() fs.FS { return builtin }

// FS returns the theme with the files of dir, when it exists, taking the
// place of the embedded ones of the same name; folders hold the files of
// both. A file of dir that is a symlink leading out of dir, or anything
// but a regular file, is an error when read: a pull request could link
// /proc/self/environ or a file of the build machine into the published
// site.
func FS(dir string) fs.FS {
	if dir == "" {
		return builtin
	}
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return builtin
	}
	real, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return builtin
	}
	return overlay{dir: real, top: os.DirFS(real), base: builtin}
}

type overlay struct {
	dir       string
	top, base fs.FS
}

// Open opens the theme folder's file when it has one, else the built-in.
func (o overlay) Open(name string) (fs.File, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrInvalid}
	}
	if err := o.safe(name); err != nil {
		return nil, err
	}
	f, err := o.top.Open(name)
	if err == nil {
		return f, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	return o.base.Open(name)
}

// safe refuses a theme file that leads out of the theme folder or is not
// a regular file or folder. A missing file is fine: the built-in serves.
func (o overlay) safe(name string) error {
	full := filepath.Join(o.dir, filepath.FromSlash(name))
	if _, err := os.Lstat(full); err != nil {
		return nil
	}
	real, err := filepath.EvalSymlinks(full)
	if err != nil {
		return fmt.Errorf("theme/%s: a symlink that cannot be followed: %w", name, err)
	}
	if rel, err := filepath.Rel(o.dir, real); err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return fmt.Errorf("theme/%s is a symlink leading out of the theme folder (to %s); copy the file into the theme instead", name, real)
	}
	st, err := os.Stat(real)
	if err != nil {
		return err
	}
	if !st.Mode().IsRegular() && !st.IsDir() {
		return fmt.Errorf("theme/%s is not a regular file; a theme holds templates and static files", name)
	}
	return nil
}

// ReadDir lists a folder of both: the theme folder's entries and the
// built-in ones it does not override.
func (o overlay) ReadDir(name string) ([]fs.DirEntry, error) {
	if err := o.safe(name); err != nil {
		return nil, err
	}
	top, errTop := fs.ReadDir(o.top, name)
	base, errBase := fs.ReadDir(o.base, name)
	if errTop != nil && errBase != nil {
		if !errors.Is(errTop, fs.ErrNotExist) {
			return nil, errTop
		}
		return nil, errBase
	}
	seen := map[string]bool{}
	out := make([]fs.DirEntry, 0, len(top)+len(base))
	for _, e := range top {
		seen[e.Name()] = true
		out = append(out, e)
	}
	for _, e := range base {
		if !seen[e.Name()] {
			out = append(out, e)
		}
	}
	slices.SortFunc(out, func(a, b fs.DirEntry) int { return strings.Compare(a.Name(), b.Name()) })
	return out, nil
}
