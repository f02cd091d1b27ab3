package site

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
)

// TestStaleStagingRemoved: a build removes the staging folders of builds
// of the same output that were killed (their process is gone), and leaves
// alone those of running builds and any it cannot attribute.
func TestStaleStagingRemoved(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("process liveness is only checked on Unix")
	}
	cfg, pms := fixture(t)
	out := filepath.Join(cfg.Root, "site")
	// A process that has ended: its id is free (reuse within the test
	// is possible but most unlikely).
	done := exec.Command(os.Args[0], "-test.run=XXX")
	if err := done.Run(); err != nil {
		t.Fatal(err)
	}
	dead := done.ProcessState.Pid()
	names := map[string]bool{
		fmt.Sprintf(".site.tmp-%d-1234", dead):     false, // killed: removed
		fmt.Sprintf(".site.tmp-%d-1234.old", dead): false, // its previous site moved aside
		".site.tmp-1-1234":                         true,  // pid 1 runs
		".site.tmp-123456":                         true,  // not attributable
		fmt.Sprintf(".other.tmp-%d-1234", dead):    true,  // another output's
	}
	for name := range names {
		if err := os.MkdirAll(filepath.Join(cfg.Root, name, "x"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	build(t, cfg, pms, Options{Out: out})
	for name, kept := range names {
		_, err := os.Stat(filepath.Join(cfg.Root, name))
		if got := err == nil; got != kept {
			t.Errorf("%s: kept %v, want %v", name, got, kept)
		}
	}
}
