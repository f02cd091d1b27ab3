package server

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/fsnotify/fsnotify"
)

// Changes are what the events of one burst named.
type Changes struct {
	// Paths are the files and folders the events named, each once.
	Paths []string
	// All says the events may not name everything that changed: the
	// watcher's queue overflowed, or a folder appeared whose first files
	// may have come before it was watched.
	All bool
}

// Watch calls changed with what changed after files below dirs, or the
// given files, change, once things have been quiet for debounce. New
// folders are watched as they appear; editors' temporary and hidden files
// are ignored. Once everything is watched it calls ready (when set):
// from then on every change is in some call's Changes. It returns when
// ctx ends.
func Watch(ctx context.Context, dirs, files []string, debounce time.Duration, ready func(), changed func(Changes)) error {
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return err
	}
	defer w.Close()
	// blind is set when a folder could not be watched (the system's limit
	// of watches reached, say): its changes come with no event, so every
	// burst says it may miss some.
	blind := false
	add := func(root string) {
		_ = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			// A folder gone already is no folder to watch.
			if err != nil {
				blind = blind || !errors.Is(err, fs.ErrNotExist)
				return nil
			}
			if d.IsDir() {
				if p != root && strings.HasPrefix(d.Name(), ".") {
					return filepath.SkipDir
				}
				if err := w.Add(p); err != nil {
					blind = blind || !errors.Is(err, fs.ErrNotExist)
				}
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
	if ready != nil {
		ready()
	}
	var timer *time.Timer
	fire := make(chan struct{}, 1)
	burst := Changes{}
	named := map[string]bool{}
	note := func(name string) {
		if !named[name] {
			named[name] = true
			burst.Paths = append(burst.Paths, name)
		}
	}
	for {
		select {
		case <-ctx.Done():
			return nil
		case e, ok := <-w.Events:
			if !ok {
				return nil
			}
			folder := false
			if e.Has(fsnotify.Create) {
				if st, err := os.Stat(e.Name); err == nil && st.IsDir() {
					add(e.Name)
					folder = true
				}
			}
			if !relevant(e.Name) {
				continue
			}
			note(filepath.Clean(e.Name))
			burst.All = burst.All || folder
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
			burst.All = burst.All || blind
			ch := burst
			burst, named = Changes{}, map[string]bool{}
			changed(ch)
		case err, ok := <-w.Errors:
			if !ok {
				return nil
			}
			if errors.Is(err, fsnotify.ErrEventOverflow) {
				// Events were lost: the next burst may be missing some.
				burst.All = true
				select {
				case fire <- struct{}{}:
				default:
				}
			}
		}
	}
}
