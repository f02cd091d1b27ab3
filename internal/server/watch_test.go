package server

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// TestWatchNamesChanges: each burst of events comes as one call naming
// the files it touched, once each, without editors' temporary files; a
// folder that appears says the burst may not name everything (its first
// files may precede its watch), and its files are watched from then on.
func TestWatchNamesChanges(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ready := make(chan struct{})
	bursts := make(chan Changes, 16)
	done := make(chan error, 1)
	go func() {
		done <- Watch(ctx, []string{dir}, nil, 100*time.Millisecond, func() { close(ready) }, func(ch Changes) { bursts <- ch })
	}()
	select {
	case <-ready:
	case <-time.After(10 * time.Second):
		t.Fatal("the watcher never said it was ready")
	}
	next := func() Changes {
		t.Helper()
		select {
		case ch := <-bursts:
			return ch
		case <-time.After(10 * time.Second):
			t.Fatal("no burst of changes")
			return Changes{}
		}
	}
	write := func(name, text string) {
		t.Helper()
		if err := os.WriteFile(name, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	a, b := filepath.Join(dir, "a.md"), filepath.Join(dir, "b.md")
	write(a, "one")
	write(a, "two")
	write(b, "one")
	write(filepath.Join(dir, ".a.md.swp"), "x")
	ch := next()
	slices.Sort(ch.Paths)
	if !slices.Equal(ch.Paths, []string{a, b}) || ch.All {
		t.Errorf("burst = %+v, want %v alone", ch, []string{a, b})
	}

	sub := filepath.Join(dir, "2024")
	if err := os.Mkdir(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	if ch := next(); !ch.All || !slices.Contains(ch.Paths, sub) {
		t.Errorf("a new folder: burst = %+v, want All and the folder", ch)
	}
	c := filepath.Join(sub, "c.md")
	write(c, "one")
	if ch := next(); !slices.Equal(ch.Paths, []string{c}) || ch.All {
		t.Errorf("a file in the new folder: burst = %+v, want %s alone", ch, c)
	}
	if err := os.Remove(b); err != nil {
		t.Fatal(err)
	}
	if ch := next(); !slices.Equal(ch.Paths, []string{b}) {
		t.Errorf("a removed file: burst = %+v, want %s", ch, b)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Watch: %v", err)
	}
}
