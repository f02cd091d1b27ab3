package site

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/hindsight-dev/hindsight/internal/config"
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

// TestCheckOutputFolders: an output folder that is missing, empty or holds
// only the search index may be built into; one with any other file and no
// marker may not, whichever order the folder lists its entries in.
func TestCheckOutputFolders(t *testing.T) {
	cfg := config.Defaults()
	cfg.Root = t.TempDir()
	for _, tc := range []struct {
		name  string
		files []string
		ok    bool
	}{
		{"missing", nil, true},
		{"empty", []string{}, true},
		{"only the index", []string{IndexDir + "/x"}, true},
		{"one other file", []string{"notes.txt"}, false},
		{"the index and another file", []string{IndexDir + "/x", "notes.txt"}, false},
		{"many files", []string{"a", "b", "c", "d", IndexDir + "/x"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(cfg.Root, strings.ReplaceAll(tc.name, " ", "-"))
			if tc.files != nil {
				if err := os.MkdirAll(out, 0o755); err != nil {
					t.Fatal(err)
				}
			}
			for _, f := range tc.files {
				p := filepath.Join(out, filepath.FromSlash(f))
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(p, []byte("x"), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			err := CheckOutput(cfg, out)
			if (err == nil) != tc.ok {
				t.Fatalf("CheckOutput = %v, want ok %v", err, tc.ok)
			}
		})
	}
}
