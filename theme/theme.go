// Package theme holds Hindsight's default templates and assets, embedded in
// the binary. A theme folder in the user's repository overrides any file by
// its name, so a team can change one template without copying the rest.
package theme

import (
	"embed"
	"errors"
	"io/fs"
	"os"
)

//go:embed archetypes templates static
var builtin embed.FS

// Builtin returns the embedded files.
func Builtin() fs.FS { return builtin }

// FS returns the theme with the files of dir, when it exists, taking the
// place of the embedded ones of the same name.
func FS(dir string) fs.FS {
	if dir == "" {
		return builtin
	}
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return builtin
	}
	return overlay{top: os.DirFS(dir), base: builtin}
}

type overlay struct{ top, base fs.FS }

func (o overlay) Open(name string) (fs.File, error) {
	f, err := o.top.Open(name)
	if err == nil {
		return f, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	return o.base.Open(name)
}
