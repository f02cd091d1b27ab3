package theme

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func staticFiles(t *testing.T, fsys fs.FS) (map[string]string, error) {
	t.Helper()
	files := map[string]string{}
	err := fs.WalkDir(fsys, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(fsys, p)
		files[p] = string(data)
		return err
	})
	return files, err
}

// A theme folder that overrides one static file, or has an empty static
// folder, keeps every other built-in asset.
func TestOverlayMergesFolders(t *testing.T) {
	builtin, err := staticFiles(t, Builtin())
	if err != nil {
		t.Fatal(err)
	}
	for name, files := range map[string]map[string]string{
		"one file":     {"static/style.css": "body{}"},
		"empty folder": {"static/": ""},
		"a new file":   {"static/extra.css": "p{}"},
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			for p, data := range files {
				full := filepath.Join(dir, filepath.FromSlash(p))
				if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
					t.Fatal(err)
				}
				if !strings.HasSuffix(p, "/") {
					if err := os.WriteFile(full, []byte(data), 0o644); err != nil {
						t.Fatal(err)
					}
				}
			}
			got, err := staticFiles(t, FS(dir))
			if err != nil {
				t.Fatal(err)
			}
			for p, data := range builtin {
				want, override := files[p]
				if !override {
					want = data
				}
				if got[p] != want {
					t.Errorf("%s: %d bytes, want %d", p, len(got[p]), len(want))
				}
			}
			for p, data := range files {
				if !strings.HasSuffix(p, "/") && got[p] != data {
					t.Errorf("%s is not the theme folder's", p)
				}
			}
		})
	}
}

// A theme file that is a symlink out of the theme folder is never read:
// /proc/self/environ would publish the build's secrets.
func TestOverlayRefusesLinksOut(t *testing.T) {
	dir := t.TempDir()
	outside := filepath.Join(t.TempDir(), "secret.txt")
	if err := os.WriteFile(outside, []byte("SECRET"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "static"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "static", "own.css"), []byte("p{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	for name, target := range map[string]string{"env.txt": "/proc/self/environ", "secret.txt": outside} {
		link := filepath.Join(dir, "static", name)
		if err := os.Symlink(target, link); err != nil {
			t.Fatal(err)
		}
		if data, err := fs.ReadFile(FS(dir), "static/"+name); err == nil || !strings.Contains(err.Error(), "symlink leading out of the theme folder") {
			t.Errorf("static/%s read (%d bytes, %v), want a refusal", name, len(data), err)
		}
		if _, err := staticFiles(t, FS(dir)); err == nil {
			t.Errorf("walking the static files with %s in them succeeded", name)
		}
		os.Remove(link)
	}
	// A link inside the theme folder is fine.
	if err := os.Symlink("own.css", filepath.Join(dir, "static", "alias.css")); err != nil {
		t.Fatal(err)
	}
	if data, err := fs.ReadFile(FS(dir), "static/alias.css"); err != nil || string(data) != "p{}" {
		t.Errorf("a link inside the theme: %q, %v", data, err)
	}
}
