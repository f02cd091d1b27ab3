package cli

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/hindsight-dev/hindsight/internal/synth"
)

// benchTeam is the docs folder of the team-shaped corpus a benchmark runs
// on: HINDSIGHT_BENCH_TEAM's, or 1,000 postmortems naming 2,000 commits
// written into a temporary folder.
func benchTeam(b *testing.B) string {
	if docs := os.Getenv("HINDSIGHT_BENCH_TEAM"); docs != "" {
		return docs
	}
	docs, err := synth.WriteTeam(b.TempDir(), synth.TeamOptions{Postmortems: 1000, Commits: 2000, Batches: 20})
	if err != nil {
		b.Fatal(err)
	}
	return docs
}

// BenchmarkBuildTeam measures `hindsight build` as a user runs it, in a
// process of its own, on a corpus shaped like a team's: its commits
// resolve in a packed service repository and its folder has a history.
// cold starts each run with an empty cache and no output folder (a CI
// publish with nothing restored); warm runs again with nothing changed.
// Besides the time it reports each run's user CPU time and the largest
// peak resident memory of its runs. HINDSIGHT_BENCH_TEAM names a docs
// folder made by synth.WriteTeam to use (e.g. 10,000 postmortems naming
// 20,000 commits); otherwise 1,000 postmortems naming 2,000 commits are
// written first.
func BenchmarkBuildTeam(b *testing.B) {
	if _, err := exec.LookPath("git"); err != nil {
		b.Skip("git is not installed")
	}
	docs := benchTeam(b)
	exe, err := os.Executable()
	if err != nil {
		b.Fatal(err)
	}
	work := b.TempDir()
	cache, out := filepath.Join(work, "cache"), filepath.Join(work, "site")
	// run builds once in a child process (TestMain runs the command) and
	// returns its user time and peak resident memory.
	run := func(b *testing.B) (user time.Duration, peakKB int64) {
		cmd := exec.Command(exe, "build", "--out", out)
		cmd.Dir = docs
		cmd.Env = append(os.Environ(), "HINDSIGHT_TEST_MAIN=1", "HINDSIGHT_CACHE="+cache, "HINDSIGHT_NOW="+testNow)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Run(); err != nil {
			b.Fatalf("hindsight build: %v\n%s", err, stderr.Bytes())
		}
		ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage)
		if !ok {
			return cmd.ProcessState.UserTime(), 0
		}
		return cmd.ProcessState.UserTime(), ru.Maxrss
	}
	empty := func(b *testing.B) {
		for _, dir := range []string{cache, out} {
			if err := os.RemoveAll(dir); err != nil {
				b.Fatal(err)
			}
		}
	}
	// measure times the runs, each after before (untimed) when given, and
	// reports their mean user time and their largest peak.
	measure := func(b *testing.B, before func(*testing.B)) {
		var user time.Duration
		var peak int64
		runs := 0
		for b.Loop() {
			if before != nil {
				b.StopTimer()
				before(b)
				b.StartTimer()
			}
			u, p := run(b)
			user, peak, runs = user+u, max(peak, p), runs+1
		}
		b.ReportMetric(user.Seconds()/float64(runs), "user-s/op")
		if peak > 0 {
			b.ReportMetric(float64(peak)/1024, "peak-MB")
		}
	}

	b.Run("cold", func(b *testing.B) { measure(b, empty) })
	b.Run("warm", func(b *testing.B) {
		empty(b)
		run(b) // fills the cache and the output folder
		measure(b, nil)
	})
}
