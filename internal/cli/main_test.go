package cli

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/hindsight-dev/hindsight/internal/synth"
)

// TestMain lets the tests run hindsight as a program of its own: the test
// binary, started again with HINDSIGHT_TEST_MAIN=1, is the hindsight
// binary. A subprocess is what can be killed mid-build or given a file
// size limit.
func TestMain(m *testing.M) {
	if os.Getenv("HINDSIGHT_TEST_MAIN") == "1" {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		code := Main(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
		stop()
		os.Exit(code)
	}
	os.Exit(m.Run())
}

// testNow is "today" for every run, so that builds are reproducible.
const testNow = "2026-01-15"

// testRepo writes a repository of n generated postmortems and returns its
// root.
func testRepo(t *testing.T, n int) string {
	t.Helper()
	root := t.TempDir()
	if err := os.WriteFile(filepath.Join(root, "hindsight.yaml"), []byte("title: Fault tests\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := synth.Write(filepath.Join(root, "postmortems"), synth.Options{N: n, Seed: 3}); err != nil {
		t.Fatal(err)
	}
	return root
}

// hindsightCmd is the hindsight program run in dir; prefix, when given,
// runs it through another program (prlimit, sh).
func hindsightCmd(t *testing.T, dir string, prefix []string, args ...string) *exec.Cmd {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	argv := append(append(append([]string{}, prefix...), exe), args...)
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "HINDSIGHT_TEST_MAIN=1", "HINDSIGHT_NOW="+testNow,
		"HINDSIGHT_CACHE="+filepath.Join(dir, ".cache-for-tests"), "GITHUB_ACTIONS=")
	return cmd
}

// hindsight runs the program to the end and returns its exit code and
// output.
func hindsight(t *testing.T, dir string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	return runCmd(t, hindsightCmd(t, dir, nil, args...))
}

func runCmd(t *testing.T, cmd *exec.Cmd) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	if err != nil {
		ee, ok := err.(*exec.ExitError)
		if !ok {
			t.Fatalf("running %v: %v", cmd.Args, err)
		}
		code = ee.ExitCode()
	}
	return code, out.String(), errb.String()
}

// mustHindsight runs the program and fails the test unless it exits 0.
func mustHindsight(t *testing.T, dir string, args ...string) string {
	t.Helper()
	code, stdout, stderr := hindsight(t, dir, args...)
	if code != 0 {
		t.Fatalf("hindsight %s: exit %d\n%s%s", strings.Join(args, " "), code, stdout, stderr)
	}
	return stdout
}

// snapshot lists every file and folder below dir with its mode and a
// digest of its content (and, with mtimes, its modification time), except
// below the folders named in skip.
func snapshot(t *testing.T, dir string, mtimes bool, skip ...string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		for _, s := range skip {
			if rel == s {
				return filepath.SkipDir
			}
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		v := info.Mode().String()
		if !d.IsDir() {
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			sum := sha256.Sum256(data)
			v += " " + hex.EncodeToString(sum[:12])
		}
		if mtimes {
			v += " " + info.ModTime().UTC().Format("2006-01-02T15:04:05.000000000")
		}
		out[filepath.ToSlash(rel)] = v
		return nil
	})
	if err != nil {
		t.Fatalf("snapshot of %s: %v", dir, err)
	}
	return out
}

// diffSnapshots describes how two snapshots differ, "" when they do not.
func diffSnapshots(before, after map[string]string) string {
	var lines []string
	for k, v := range before {
		switch w, ok := after[k]; {
		case !ok:
			lines = append(lines, "removed "+k)
		case w != v:
			lines = append(lines, fmt.Sprintf("changed %s: %s -> %s", k, v, w))
		}
	}
	for k := range after {
		if _, ok := before[k]; !ok {
			lines = append(lines, "added "+k)
		}
	}
	sort.Strings(lines)
	if len(lines) > 20 {
		lines = append(lines[:20], fmt.Sprintf("... and %d more", len(lines)-20))
	}
	return strings.Join(lines, "\n")
}

// syncBuffer is a buffer that goroutines may write to at once.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// testFactory is a Factory for running commands in this process, in dir.
func testFactory(ctx context.Context, dir string, stdout, stderr *syncBuffer) *Factory {
	env := map[string]string{"HINDSIGHT_NOW": testNow, "HINDSIGHT_CACHE": filepath.Join(dir, ".cache-for-tests")}
	return &Factory{IO: &IO{In: strings.NewReader(""), Out: stdout, Err: stderr, Getenv: func(k string) string { return env[k] }, WorkDir: dir}, ctx: ctx}
}
