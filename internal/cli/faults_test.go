package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hindsight-dev/hindsight/internal/search"
	"github.com/hindsight-dev/hindsight/internal/site"
)

// retitle changes the site's title in hindsight.yaml, which changes every
// page but no search document: a build that must render everything again
// while the index stays as it is.
func retitle(t *testing.T, root, title string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(root, "hindsight.yaml"), []byte("title: "+title+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
}

// stagingFolders lists the build folders beside root/site.
func stagingFolders(root string) []string {
	m, _ := filepath.Glob(filepath.Join(root, ".site.tmp-*"))
	return m
}

// TestBuildKilled kills a build while it renders a corpus of 2,000
// postmortems over an existing site: the previous site must be untouched,
// and the next build must succeed and give exactly what a clean build
// gives.
func TestBuildKilled(t *testing.T) {
	if testing.Short() {
		t.Skip("builds 2,000 postmortems four times")
	}
	root := testRepo(t, 2000)
	mustHindsight(t, root, "build")
	site0 := filepath.Join(root, "site")
	// The index is not the site: it is checked by using it below.
	before := snapshot(t, site0, false, site.IndexDir)

	retitle(t, root, "Fault tests, renamed")
	cmd := hindsightCmd(t, root, nil, "build")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	// Wait until pages are being written into the staging folder.
	deadline := time.Now().Add(60 * time.Second)
	staged := 0
	for staged < 100 {
		select {
		case err := <-exited:
			t.Fatalf("the build ended (%v) before it could be killed; %d pages were staged", err, staged)
		default:
		}
		if time.Now().After(deadline) {
			_ = cmd.Process.Kill()
			t.Fatal("no pages staged after 60 s")
		}
		if dirs := stagingFolders(root); len(dirs) == 1 {
			entries, _ := os.ReadDir(dirs[0])
			staged = len(entries)
		}
		time.Sleep(2 * time.Millisecond)
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	err := <-exited
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ProcessState.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Fatalf("the build was not killed: %v", err)
	}
	t.Logf("killed with %d entries staged", staged)

	if d := diffSnapshots(before, snapshot(t, site0, false, site.IndexDir)); d != "" {
		t.Fatalf("the killed build changed the previous site:\n%s", d)
	}

	// The next build succeeds, leaves no staging folder behind, and gives
	// what a clean build of the same files gives.
	mustHindsight(t, root, "build")
	if left := stagingFolders(root); len(left) != 0 {
		t.Errorf("staging folders left after the next build: %v", left)
	}
	mustHindsight(t, root, "build", "--out", "clean")
	got := snapshot(t, site0, false, site.IndexDir)
	if d := diffSnapshots(snapshot(t, filepath.Join(root, "clean"), false, site.IndexDir), got); d != "" {
		t.Fatalf("the build after the killed one differs from a clean build:\n%s", d)
	}
	if d := diffSnapshots(before, got); d == "" {
		t.Fatal("the new title changed nothing")
	}
}

// corruptions are ways to damage a built site's search index.
var corruptions = []struct {
	name string
	do   func(t *testing.T, bleveDir string)
}{
	{"garbage in every file", func(t *testing.T, dir string) {
		eachFile(t, dir, func(p string, size int64) { garbage(t, p, size) })
	}},
	{"garbage in the segments", func(t *testing.T, dir string) {
		eachFile(t, dir, func(p string, size int64) {
			if strings.HasSuffix(p, ".zap") {
				garbage(t, p, size)
			}
		})
	}},
	{"segments cut short", func(t *testing.T, dir string) {
		eachFile(t, dir, func(p string, size int64) {
			if strings.HasSuffix(p, ".zap") {
				if err := os.Truncate(p, size/2); err != nil {
					t.Fatal(err)
				}
			}
		})
	}},
	{"empty root.bolt", func(t *testing.T, dir string) {
		eachFile(t, dir, func(p string, size int64) {
			if filepath.Base(p) == "root.bolt" {
				if err := os.Truncate(p, 0); err != nil {
					t.Fatal(err)
				}
			}
		})
	}},
	{"segments missing", func(t *testing.T, dir string) {
		eachFile(t, dir, func(p string, size int64) {
			if strings.HasSuffix(p, ".zap") {
				if err := os.Remove(p); err != nil {
					t.Fatal(err)
				}
			}
		})
	}},
	{"garbage hash file", func(t *testing.T, dir string) {
		garbage(t, filepath.Join(filepath.Dir(dir), "hashes.json"), 100)
	}},
}

func eachFile(t *testing.T, dir string, f func(p string, size int64)) {
	t.Helper()
	n := 0
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		n++
		f(p, info.Size())
		return nil
	})
	if err != nil || n == 0 {
		t.Fatalf("no index files in %s: %v", dir, err)
	}
}

// garbage overwrites a file with as many bytes of deterministic noise.
func garbage(t *testing.T, p string, size int64) {
	t.Helper()
	b := make([]byte, max(size, 16))
	x := uint32(2463534242)
	for i := range b {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		b[i] = byte(x)
	}
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// checkIndex opens an index and checks that it holds the whole corpus and
// answers searches.
func checkIndex(t *testing.T, dir string, n int) {
	t.Helper()
	ix, err := search.Open(dir)
	if err != nil {
		t.Fatalf("opening the index again: %v", err)
	}
	defer ix.Close()
	if ix.Rebuilt() {
		t.Fatalf("the index needed rebuilding again: %s", ix.RebuildReason())
	}
	res, err := ix.Search(context.Background(), search.Request{})
	if err != nil || res.Total != n {
		t.Fatalf("listing: %v, %d documents, want %d", err, total(res), n)
	}
	res, err = ix.Search(context.Background(), search.Request{Query: "timeout"})
	if err != nil || res.Total == 0 {
		t.Fatalf("searching: %v, %d hits", err, total(res))
	}
}

func total(r *search.Result) int {
	if r == nil {
		return -1
	}
	return r.Total
}

// TestIndexCorrupted damages the search index of a built site, and of the
// search command's cache, in several ways: the next build and the next
// search must rebuild it, with no error.
func TestIndexCorrupted(t *testing.T) {
	const n = 60
	drafts := 0
	for _, c := range corruptions {
		t.Run(c.name, func(t *testing.T) {
			root := testRepo(t, n)
			mustHindsight(t, root, "build")
			index := filepath.Join(root, "site", site.IndexDir)
			published := n - drafts
			if drafts == 0 {
				// build leaves drafts out: count what it indexed.
				ix, err := search.Open(index)
				if err != nil {
					t.Fatal(err)
				}
				res, err := ix.Search(context.Background(), search.Request{})
				ix.Close()
				if err != nil || res.Total == n {
					t.Fatalf("%v; %d indexed, want fewer than %d (no drafts)", err, total(res), n)
				}
				drafts, published = n-res.Total, res.Total
			}
			c.do(t, filepath.Join(index, "bleve"))
			code, stdout, stderr := hindsight(t, root, "build")
			if code != 0 || strings.Contains(stderr, "hindsight:") {
				t.Fatalf("build over a damaged index: exit %d\n%s%s", code, stdout, stderr)
			}
			checkIndex(t, index, published)

			// hindsight search keeps its index in the cache.
			mustHindsight(t, root, "search", "certificate")
			caches, _ := filepath.Glob(filepath.Join(root, ".cache-for-tests", "index-*"))
			if len(caches) != 1 {
				t.Fatalf("search index caches: %v", caches)
			}
			c.do(t, filepath.Join(caches[0], "bleve"))
			code, stdout, stderr = hindsight(t, root, "search", "--format", "json", "--limit", "100", "")
			if code != 0 || strings.Contains(stderr, "hindsight:") {
				t.Fatalf("search over a damaged index: exit %d\n%s%s", code, stdout, stderr)
			}
			var res struct{ Total int }
			if err := json.Unmarshal([]byte(stdout), &res); err != nil || res.Total != n {
				t.Fatalf("search over a damaged index found %d of %d (%v):\n%s", res.Total, n, err, stdout)
			}
			checkIndex(t, caches[0], n)
		})
	}
}

// TestDiskFull builds with a limit on the size of the files the build may
// write (RLIMIT_FSIZE, as on a nearly full disk or quota): the build must
// fail with exit 2 and a message that says what happened, and leave the
// previous site as it was.
func TestDiskFull(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("needs RLIMIT_FSIZE, set with prlimit or the shell's ulimit on Linux")
	}
	// With SIGXFSZ ignored (the Go runtime does; the shell's trap makes
	// sure), a write past the limit fails with EFBIG.
	const limit = 8 << 10 // bytes: smaller than any postmortem page
	var prefix []string
	// HINDSIGHT_TEST_NO_PRLIMIT=1 tries the shell's way instead.
	if p, err := exec.LookPath("prlimit"); err == nil && os.Getenv("HINDSIGHT_TEST_NO_PRLIMIT") == "" {
		prefix = []string{p, fmt.Sprintf("--fsize=%d", limit), "--"}
	} else if sh, err := exec.LookPath("sh"); err == nil {
		prefix = []string{sh, "-c", fmt.Sprintf(`trap '' XFSZ; ulimit -f %d && exec "$@"`, limit/512), "sh"}
	} else {
		t.Skip("neither prlimit (util-linux) nor sh is available to limit the file size")
	}
	root := testRepo(t, 30)
	mustHindsight(t, root, "build")
	out := filepath.Join(root, "site")
	before := snapshot(t, out, false)

	// Every page changes; the search documents do not, so the index has
	// nothing to write and the first write to fail is a page's.
	retitle(t, root, "Fault tests, renamed")
	code, stdout, stderr := runCmd(t, hindsightCmd(t, root, prefix, "build"))
	if code == 0 && strings.Contains(stderr, "ulimit") {
		t.Skipf("the file size limit could not be set: %s", stderr)
	}
	if code != ExitUsage {
		t.Fatalf("build with a full disk: exit %d, want %d\n%s%s", code, ExitUsage, stdout, stderr)
	}
	lines := strings.Split(strings.TrimSpace(stderr), "\n")
	t.Logf("with files limited to %d bytes (%s): exit %d, %s", limit, filepath.Base(prefix[0]), code, lines[len(lines)-1])
	for _, want := range []string{"build failed, the previous site is unchanged", "writing the site", "file too large"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("the message lacks %q:\n%s", want, stderr)
		}
	}
	if strings.Contains(stderr, "panic") || strings.Contains(stderr, "goroutine ") {
		t.Errorf("the build panicked:\n%s", stderr)
	}
	if d := diffSnapshots(before, snapshot(t, out, false)); d != "" {
		t.Errorf("the failed build changed the previous site:\n%s", d)
	}
	if left := stagingFolders(root); len(left) != 0 {
		t.Errorf("staging folders left behind: %v", left)
	}
	// With room again, the build goes through.
	mustHindsight(t, root, "build")
	if d := diffSnapshots(before, snapshot(t, out, false, site.IndexDir)); d == "" {
		t.Error("the build after the failed one changed nothing")
	}
}

// TestContentNotWritten runs check, build, search and serve's rebuilds
// over a content folder made read-only: they must succeed without writing
// anything there. The tests may run as root, for whom permissions do not
// count, so the folder is also compared, file by file, before and after.
func TestContentNotWritten(t *testing.T) {
	root := testRepo(t, 30)
	content := filepath.Join(root, "postmortems")
	// A picture the postmortems link to, which the build copies.
	if err := os.WriteFile(filepath.Join(content, "graph.png"), []byte("\x89PNG\r\n\x1a\nnot really"), 0o644); err != nil {
		t.Fatal(err)
	}
	first, _ := filepath.Glob(filepath.Join(content, "*.md"))
	f, err := os.OpenFile(first[0], os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintln(f, "\n![A graph](graph.png)")
	f.Close()
	setMode(t, content, 0o555, 0o444)
	t.Cleanup(func() { setMode(t, content, 0o755, 0o644) })
	before := snapshot(t, content, true)

	mustHindsight(t, root, "check")
	mustHindsight(t, root, "build")
	mustHindsight(t, root, "search", "timeout")
	if _, err := os.Stat(filepath.Join(root, "site", "files", "postmortems", "graph.png")); err != nil {
		t.Errorf("the linked picture was not copied: %v", err)
	}
	p, _, stderr := preview(t, root)
	for range 2 {
		if err := p.rebuild(); err != nil {
			t.Fatalf("serve's rebuild: %v\n%s", err, stderr.String())
		}
	}
	if d := diffSnapshots(before, snapshot(t, content, true)); d != "" {
		t.Fatalf("the content folder changed:\n%s", d)
	}
}

// setMode sets the permissions of a folder, the folders in it and its
// files.
func setMode(t *testing.T, dir string, dirs, files os.FileMode) {
	t.Helper()
	var all []string
	_ = filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil {
			all = append(all, p)
		}
		return nil
	})
	// Deepest first when locking, so that each folder can still be
	// entered; the other way round when unlocking.
	if dirs&0o200 == 0 {
		slices.Reverse(all)
	}
	for _, p := range all {
		mode := files
		if st, err := os.Lstat(p); err == nil && st.IsDir() {
			mode = dirs
		}
		if err := os.Chmod(p, mode); err != nil {
			t.Fatal(err)
		}
	}
}

// TestNewReadOnly: `hindsight new` into a folder it may not write to fails
// with exit 2 and a message that names the problem.
func TestNewReadOnly(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("folder permissions differ on Windows")
	}
	if os.Geteuid() == 0 {
		t.Skip("running as root, for whom a read-only folder is writable; TestContentNotWritten covers what can be checked")
	}
	root := testRepo(t, 1)
	content := filepath.Join(root, "postmortems")
	setMode(t, content, 0o555, 0o444)
	t.Cleanup(func() { setMode(t, content, 0o755, 0o644) })
	code, stdout, stderr := hindsight(t, root, "new", "Disk full", "--date", "2026-01-02", "--owner", "a@example.com")
	if code != ExitUsage || !strings.Contains(stderr, "permission denied") || !strings.Contains(stderr, "2026-01-02-disk-full.md") {
		t.Fatalf("new into a read-only folder: exit %d\n%s%s", code, stdout, stderr)
	}
	t.Logf("exit %d: %s", code, strings.TrimSpace(stderr))
	if _, err := os.Stat(filepath.Join(content, "2026-01-02-disk-full.md")); err == nil {
		t.Error("the file was written")
	}
}
