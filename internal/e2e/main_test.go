package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// TestMain gives every command the tests run a cache folder of their own
// (HINDSIGHT_CACHE), and fails the run when anything still lands in the
// user's cache folder, which points at an empty one meanwhile: running
// the tests must not fill the developer's.
func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	dir, err := os.MkdirTemp("", "e2e-cache-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	user := filepath.Join(dir, "user")
	os.Setenv("XDG_CACHE_HOME", user)
	os.Setenv("HINDSIGHT_CACHE", filepath.Join(dir, "hindsight"))
	code := m.Run()
	if entries, _ := os.ReadDir(filepath.Join(user, "hindsight")); len(entries) > 0 {
		fmt.Fprintf(os.Stderr, "FAIL: the tests wrote %d entries into the user's cache folder; give the commands HINDSIGHT_CACHE\n", len(entries))
		code = 1
	}
	return code
}
