package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
	"golang.org/x/crypto/ssh/agent"

	"github.com/hindsight-dev/hindsight/internal/cli"
)

// update rewrites the files that `cmp` compares against in the scripts:
// go test ./cmd/hindsight -update
var update = flag.Bool("update", false, "update the expected output in testdata/script/*.txtar")

func TestMain(m *testing.M) {
	testscript.Main(userCacheGuard{m}, map[string]func(){
		"hindsight": func() {
			os.Exit(cli.Main(context.Background(), os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
		},
	})
}

// userCacheGuard runs the tests with the user's cache folder pointed at
// an empty one of their own, and fails them when anything was written
// there: every test must give the commands a cache folder of its own
// (HINDSIGHT_CACHE), or running the tests fills the developer's.
type userCacheGuard struct{ m *testing.M }

func (g userCacheGuard) Run() int {
	dir, err := os.MkdirTemp("", "user-cache-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	os.Setenv("XDG_CACHE_HOME", dir)
	code := g.m.Run()
	if entries, _ := os.ReadDir(filepath.Join(dir, "hindsight")); len(entries) > 0 {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		fmt.Fprintf(os.Stderr, "FAIL: the tests wrote into the user's cache folder (%s); set HINDSIGHT_CACHE for every command a test runs\n", strings.Join(names, ", "))
		code = 1
	}
	return code
}

// TestScripts runs the end-to-end scripts in testdata/script: each runs
// the real hindsight binary in a fresh folder. The git_* scripts build
// their repositories with `exec git` (HOME=$WORK, and GIT_AUTHOR_DATE and
// GIT_COMMITTER_DATE for the commit times); gitsha captures the shas, which
// change from run to run, and subst writes them into postmortems.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata/script",
		UpdateScripts:       *update,
		RequireExplicitExec: true,
		RequireUniqueNames:  true,
		Setup: func(env *testscript.Env) error {
			// A fixed "today" for the overdue and deadline rules.
			env.Setenv("HINDSIGHT_NOW", "2026-01-15")
			// GITHUB_ACTIONS=true (as on a CI runner) would make GitHub
			// annotations the default format; scripts that want that set it.
			vars := env.Vars[:0]
			for _, kv := range env.Vars {
				if !strings.HasPrefix(kv, "GITHUB_ACTIONS=") {
					vars = append(vars, kv)
				}
			}
			env.Vars = vars
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"exits":      cmdExits,
			"grow":       cmdGrow,
			"writebytes": cmdWriteBytes,
			"validjson":  cmdValidJSON,
			"jsonpath":   cmdJSONPath,
			"gitsha":     cmdGitSHA,
			"subst":      cmdSubst,
			"blackhole":  cmdBlackhole,
			"sshagent":   cmdSSHAgent,
		},
	})
}

// cmdExits runs a program and checks its exact exit status, which
// `! exec` does not: exits N program [args...]. Its output is kept for
// stdout and stderr, as after exec.
func cmdExits(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("unsupported: ! exits")
	}
	if len(args) < 2 {
		ts.Fatalf("usage: exits CODE program [args...]")
	}
	want, err := strconv.Atoi(args[0])
	if err != nil {
		ts.Fatalf("exits: bad exit code %q", args[0])
	}
	got := 0
	if err := ts.Exec(args[1], args[2:]...); err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			ts.Fatalf("exits: %v", err)
		}
		got = ee.ExitCode()
	}
	if got != want {
		ts.Fatalf("%s exited with status %d, want %d", args[1], got, want)
	}
}

// cmdGrow pads a file with lines of text until it is exactly SIZE bytes:
// grow FILE SIZE. It keeps large fixtures out of the repository.
func cmdGrow(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: grow FILE SIZE")
	}
	size, err := strconv.Atoi(args[1])
	ts.Check(err)
	path := ts.MkAbs(args[0])
	data, err := os.ReadFile(path)
	ts.Check(err)
	if len(data) > size {
		ts.Fatalf("grow: %s is already %d bytes", args[0], len(data))
	}
	line := []byte("Padding text that stands in for a very long write-up.\n")
	for len(data)+len(line) <= size {
		data = append(data, line...)
	}
	if rest := size - len(data); rest > 0 {
		data = append(data, bytes.Repeat([]byte(" "), rest-1)...)
		data = append(data, '\n')
	}
	ts.Check(os.WriteFile(path, data, 0o644))
}

// cmdWriteBytes writes bytes that a txtar archive cannot hold well (NUL,
// invalid UTF-8): writebytes FILE 'TEXT', where TEXT takes Go escapes such
// as \n, \x00 and \xe9.
func cmdWriteBytes(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: writebytes FILE 'TEXT with Go escapes'")
	}
	text, err := strconv.Unquote(`"` + strings.ReplaceAll(args[1], `"`, `\"`) + `"`)
	if err != nil {
		ts.Fatalf("writebytes: %v", err)
	}
	path := ts.MkAbs(args[0])
	ts.Check(os.MkdirAll(filepath.Dir(path), 0o755))
	ts.Check(os.WriteFile(path, []byte(text), 0o644))
}

// cmdValidJSON checks that a file (or stdout) is one valid JSON value:
// validjson FILE.
func cmdValidJSON(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 1 {
		ts.Fatalf("usage: validjson FILE")
	}
	var v any
	err := json.Unmarshal([]byte(ts.ReadFile(args[0])), &v)
	switch {
	case neg && err == nil:
		ts.Fatalf("%s is valid JSON", args[0])
	case !neg && err != nil:
		ts.Fatalf("%s is not valid JSON: %v", args[0], err)
	}
}

// cmdJSONPath checks one value in a JSON file (or stdout): jsonpath FILE
// PATH [WANT]. PATH is keys and list indexes joined by dots, as in
// properties.severity.enum or findings.0.rule; WANT is JSON and must equal
// the value. Without WANT it checks that the value exists; negated, that
// it does not (or, with WANT, that it differs).
func cmdJSONPath(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 && len(args) != 3 {
		ts.Fatalf("usage: jsonpath FILE PATH [WANT]")
	}
	var v any
	if err := json.Unmarshal([]byte(ts.ReadFile(args[0])), &v); err != nil {
		ts.Fatalf("%s is not valid JSON: %v", args[0], err)
	}
	found := true
	for _, key := range strings.Split(args[1], ".") {
		switch x := v.(type) {
		case map[string]any:
			v, found = x[key]
		case []any:
			i, err := strconv.Atoi(key)
			found = err == nil && i >= 0 && i < len(x)
			if found {
				v = x[i]
			}
		default:
			found = false
		}
		if !found {
			break
		}
	}
	if len(args) == 2 {
		switch {
		case found && neg:
			ts.Fatalf("%s: %s unexpectedly exists", args[0], args[1])
		case !found && !neg:
			ts.Fatalf("%s: no %s", args[0], args[1])
		}
		return
	}
	if !found {
		if !neg {
			ts.Fatalf("%s: no %s", args[0], args[1])
		}
		return
	}
	var want any
	if err := json.Unmarshal([]byte(args[2]), &want); err != nil {
		ts.Fatalf("jsonpath: WANT is not JSON: %v", err)
	}
	got, _ := json.Marshal(v)
	switch equal := reflect.DeepEqual(v, want); {
	case !equal && !neg:
		ts.Fatalf("%s: %s is %s, want %s", args[0], args[1], got, args[2])
	case equal && neg:
		ts.Fatalf("%s: %s is %s", args[0], args[1], got)
	}
}

// cmdGitSHA captures a commit's sha in an environment variable, since the
// scripts build their git repositories as they run and shas change with
// every run: gitsha [-short N] [-C DIR] NAME REV. It runs
// `git rev-parse --verify REV^{commit}` in DIR (default: the script's
// current folder) and sets NAME to the full sha, or to its first N
// characters with -short N. Scripts then use $NAME in commands, and in
// files through subst.
func cmdGitSHA(ts *testscript.TestScript, neg bool, args []string) {
	const usage = "usage: gitsha [-short N] [-C DIR] NAME REV"
	if neg {
		ts.Fatalf("unsupported: ! gitsha")
	}
	dir, short := ts.MkAbs("."), 0
	for len(args) > 0 && strings.HasPrefix(args[0], "-") {
		if len(args) < 2 {
			ts.Fatalf(usage)
		}
		switch args[0] {
		case "-short":
			n, err := strconv.Atoi(args[1])
			if err != nil || n < 4 || n > 40 {
				ts.Fatalf("gitsha: -short wants 4 to 40, not %q", args[1])
			}
			short = n
		case "-C":
			dir = ts.MkAbs(args[1])
		default:
			ts.Fatalf(usage)
		}
		args = args[2:]
	}
	if len(args) != 2 {
		ts.Fatalf(usage)
	}
	cmd := exec.Command("git", "rev-parse", "--verify", "--quiet", args[1]+"^{commit}")
	cmd.Dir = dir
	// The script's HOME, so that the user's own git config plays no part.
	cmd.Env = append(os.Environ(), "HOME="+ts.Getenv("HOME"), "GIT_CONFIG_NOSYSTEM=1")
	out, err := cmd.Output()
	if err != nil {
		ts.Fatalf("gitsha: %s does not name a commit in %s: %v", args[1], dir, err)
	}
	sha := strings.TrimSpace(string(out))
	if short > 0 {
		sha = sha[:short]
	}
	ts.Setenv(args[0], sha)
}

// cmdSubst replaces $NAME and ${NAME} in files, in place, with the
// script's environment variables: subst FILE... Files in a txtar archive
// are literal, so this is how a script writes a postmortem that names a
// sha captured with gitsha. A variable that is unset or empty is an error,
// so that a typo cannot leave an empty sha behind.
func cmdSubst(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) == 0 {
		ts.Fatalf("usage: subst FILE...")
	}
	for _, name := range args {
		path := ts.MkAbs(name)
		data, err := os.ReadFile(path)
		ts.Check(err)
		var missing []string
		text := os.Expand(string(data), func(key string) string {
			v := ts.Getenv(key)
			if v == "" {
				missing = append(missing, "$"+key)
			}
			return v
		})
		if len(missing) > 0 {
			ts.Fatalf("subst: %s: %s not set", name, strings.Join(missing, ", "))
		}
		ts.Check(os.WriteFile(path, []byte(text), 0o644))
	}
}

// TestExitCodes runs cli.Main in this process and checks the exact exit
// status of each command for a clean run, a run with findings and a usage
// error.
func TestExitCodes(t *testing.T) {
	const clean = `---
title: Search latency after an index rebuild
date: 2025-12-01
status: published
severity: SEV3
summary: Search was slow for two hours while a full index rebuild competed for disk.
owner: search-oncall@example.com
services:
  - search
times:
  started: 2025-12-01T09:00:00+01:00
  detected: 2025-12-01T09:20:00+01:00
  resolved: 2025-12-01T11:05:00+01:00
---

## Impact

The p95 search latency rose from 180 ms to 2.4 s for about two hours.

## Trigger

A scheduled full index rebuild started during business hours.

## Detection

A latency alert fired twenty minutes after the rebuild began.

## Timeline

- 09:00 — the weekly index rebuild starts
- 09:20 — the search latency alert fires
- 11:05 — the rebuild finishes and latency recovers

## Root cause

The rebuild was scheduled in UTC but the cluster runs on local time.

## Resolution

The rebuild finished on its own; it now runs at 02:00 local time.

## Lessons learned

Schedules should state their zone.
`
	// A warning only: exit 0, unless --strict.
	warning := strings.Replace(clean, "## Trigger", "## Cause", 1)
	// An error: times out of order.
	broken := strings.Replace(clean, "detected: 2025-12-01T09:20", "detected: 2025-12-01T08:20", 1)

	tests := []struct {
		name  string
		files map[string]string
		args  []string
		want  int
	}{
		{"check clean", map[string]string{"a.md": clean}, []string{"check"}, cli.ExitOK},
		{"check clean strict", map[string]string{"a.md": clean}, []string{"check", "--strict"}, cli.ExitOK},
		{"check warning", map[string]string{"a.md": warning}, []string{"check"}, cli.ExitOK},
		{"check warning strict", map[string]string{"a.md": warning}, []string{"check", "--strict"}, cli.ExitFindings},
		{"check error", map[string]string{"a.md": broken}, []string{"check"}, cli.ExitFindings},
		{"check error in one of two", map[string]string{"a.md": clean, "b.md": broken}, []string{"check", "postmortems/b.md"}, cli.ExitFindings},
		{"check other file clean", map[string]string{"a.md": clean, "b.md": broken}, []string{"check", "postmortems/a.md"}, cli.ExitOK},
		{"check bad format", map[string]string{"a.md": clean}, []string{"check", "--format", "xml"}, cli.ExitUsage},
		{"check unknown flag", map[string]string{"a.md": clean}, []string{"check", "--nope"}, cli.ExitUsage},
		{"check missing path", map[string]string{"a.md": clean}, []string{"check", "nope.md"}, cli.ExitUsage},
		{"check no content folder", nil, []string{"check"}, cli.ExitUsage},
		{"new", nil, []string{"new", "Disk full", "--date", "2026-01-02", "--owner", "a@example.com"}, cli.ExitOK},
		{"new twice", map[string]string{"2026-01-02-disk-full.md": clean}, []string{"new", "Disk full", "--date", "2026-01-02"}, cli.ExitUsage},
		{"new bad severity", nil, []string{"new", "Disk full", "--severity", "SEV9"}, cli.ExitUsage},
		{"new no title", nil, []string{"new"}, cli.ExitUsage},
		{"new bad date", nil, []string{"new", "Disk full", "--date", "02/01/2026"}, cli.ExitUsage},
		{"schema", nil, []string{"schema"}, cli.ExitOK},
		{"schema extra argument", nil, []string{"schema", "extra"}, cli.ExitUsage},
		{"unknown command", nil, []string{"publish-everything"}, cli.ExitUsage},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "hindsight.yaml"), []byte("title: Test\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			if tt.files != nil {
				if err := os.Mkdir(filepath.Join(dir, "postmortems"), 0o755); err != nil {
					t.Fatal(err)
				}
			}
			for name, text := range tt.files {
				if err := os.WriteFile(filepath.Join(dir, "postmortems", name), []byte(text), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			t.Chdir(dir)
			t.Setenv("HINDSIGHT_NOW", "2026-01-15")
			t.Setenv("GITHUB_ACTIONS", "")
			t.Setenv("HINDSIGHT_CACHE", t.TempDir())
			var stdout, stderr bytes.Buffer
			got := cli.Main(context.Background(), tt.args, strings.NewReader(""), &stdout, &stderr)
			if got != tt.want {
				t.Errorf("hindsight %s: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", strings.Join(tt.args, " "), got, tt.want, &stdout, &stderr)
			}
			if got == cli.ExitUsage && stderr.Len() == 0 {
				t.Errorf("hindsight %s: exit %d with nothing on stderr", strings.Join(tt.args, " "), got)
			}
			if s := stderr.String(); strings.Contains(s, "panic") || strings.Contains(s, "goroutine") {
				t.Errorf("hindsight %s panicked:\n%s", strings.Join(tt.args, " "), s)
			}
		})
	}
}

// cmdBlackhole listens on a loopback port that accepts connections and
// never answers, as a stuck git server does, and sets $NAME to its
// host:port: blackhole NAME. It closes when the script ends.
func cmdBlackhole(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: blackhole NAME")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	ts.Check(err)
	var held []net.Conn
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			held = append(held, c)
		}
	}()
	ts.Defer(func() { ln.Close() })
	ts.Setenv(args[0], ln.Addr().String())
}

// cmdSSHAgent serves an SSH agent holding one new key on a socket in the
// work folder and sets SSH_AUTH_SOCK to it, so that an ssh:// remote gets
// as far as connecting: sshagent. It stops when the script ends.
func cmdSSHAgent(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 0 {
		ts.Fatalf("usage: sshagent")
	}
	_, key, err := ed25519.GenerateKey(rand.Reader)
	ts.Check(err)
	keyring := agent.NewKeyring()
	ts.Check(keyring.Add(agent.AddedKey{PrivateKey: key}))
	sock := filepath.Join(ts.Getenv("WORK"), "agent.sock")
	ln, err := net.Listen("unix", sock)
	ts.Check(err)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				_ = agent.ServeAgent(keyring, c)
			}()
		}
	}()
	ts.Defer(func() { ln.Close() })
	ts.Setenv("SSH_AUTH_SOCK", sock)
}
