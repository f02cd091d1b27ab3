package server

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/fsnotify/fsnotify"
)

// Watch calls changed after files below dirs, or the given files, change,
// once things have been quiet for debounce. New folders are watched as
// they appear; editors' temporary and hidden files are ignored. It returns
// when ctx ends.
func Watch(ctx context.Context, dirs, files []string, debounce time.Duration, changed func()) error {
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return err
	}
	defer w.Close()
	add := func(root string) {
		_ = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return nil
			}
			if d.IsDir() {
				if p != root && strings.HasPrefix(d.Name(), ".") {
					return filepath.SkipDir
				}
				_ = w.Add(p)
			}
			return nil
		})
	}
	for _, d := range dirs {
		if st, err := os.Stat(d); err == nil && st.IsDir() {
			add(d)
		}
	}
	watched := map[string]bool{}
	for _, f := range files {
		// Editors replace files by renaming: watch the folder, filter by name.
		_ = w.Add(filepath.Dir(f))
		watched[filepath.Clean(f)] = true
	}
	relevant := func(name string) bool {
		base := filepath.Base(name)
		if strings.HasPrefix(base, ".") || strings.HasSuffix(base, "~") || strings.HasSuffix(base, ".swp") || strings.HasSuffix(base, ".tmp") {
			return false
		}
		if watched[filepath.Clean(name)] {
			return true
		}
		for _, d := range dirs {
			if rel, err := filepath.Rel(d, name); err == nil && !strings.HasPrefix(rel, "..") {
				return true
			}
		}
		return false
	}
	var timer *time.Timer
	fire := make(chan struct{}, 1)
	for {
		select {
		case <-ctx.Done():
			return nil
		case e, ok := <-w.Events:
			if !ok {
				return nil
			}
			if e.Has(fsnotify.Create) {
				if st, err := os.Stat(e.Name); err == nil && st.IsDir() {
					add(e.Name)
				}
			}
			if !relevant(e.Name) {
				continue
			}
			if timer == nil {
				timer = time.AfterFunc(debounce, func() {
					select {
					case fire <- struct{}{}:
					default:
					}
				})
			} else {
				timer.Reset(debounce)
			}
		case <-fire:
			changed()
		case _, ok := <-w.Errors:
			if !ok {
				return nil
			}
		}
	}
}
