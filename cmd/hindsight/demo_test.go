package main

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The example postmortems name commits of postmortems/.demo/web.git. Its
// script must build the very same history, so that whoever changes it can
// make it again: every ref and every object, by sha.
func TestDemoRepositoryMatchesItsScript(t *testing.T) {
	for _, tool := range []string{"git", "sh"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("no %s: %v", tool, err)
		}
	}
	committed, err := filepath.Abs(filepath.Join("..", "..", "postmortems", ".demo", "web.git"))
	if err != nil {
		t.Fatal(err)
	}
	built := filepath.Join(t.TempDir(), "web.git")
	out, err := exec.Command("sh", filepath.Join("..", "..", "postmortems", ".demo", "build.sh"), built).CombinedOutput()
	if err != nil {
		t.Fatalf("build.sh: %v\n%s", err, out)
	}
	git := func(dir string, args ...string) string {
		t.Helper()
		cmd := exec.Command("git", append([]string{"-C", dir}, args...)...)
		cmd.Env = append(cmd.Environ(), "GIT_CONFIG_NOSYSTEM=1", "HOME="+t.TempDir())
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("git %s in %s: %v", strings.Join(args, " "), dir, err)
		}
		return string(out)
	}
	for _, args := range [][]string{
		{"for-each-ref", "--format=%(objectname) %(refname)"},
		{"rev-list", "--objects", "--all"},
		{"log", "--format=%H %s", "main"},
	} {
		want, got := git(committed, args...), git(built, args...)
		if want != got {
			t.Errorf("git %s: the committed repository differs from what build.sh makes; run\n  sh postmortems/.demo/build.sh postmortems/.demo/web.git\nand update the shas the examples name.\ncommitted:\n%s\nbuilt:\n%s", strings.Join(args, " "), want, got)
		}
	}
	if n := strings.Count(git(committed, "log", "--format=%H", "main"), "\n"); n < 10 {
		t.Errorf("the demo history has %d commits; want the dozen build.sh makes", n)
	}
}
