package cli

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/hindsight-dev/hindsight/internal/server"
)

// BenchmarkServeEdit measures what `hindsight serve` does between an
// editor's save and the reload event: the previewer's whole rebuild, as
// the watcher asks for it naming the file saved (load with the previous
// corpus, check, link, build) after a line is appended
// to one postmortem (the same one each time, or another), on a corpus shaped like a team's (its commits resolve
// in a packed service repository). HINDSIGHT_BENCH_TEAM names a docs
// folder made by synth.WriteTeam to use instead of a generated one (e.g.
// 10,000 postmortems); otherwise 1,000 postmortems naming 2,000 commits
// are written first.
func BenchmarkServeEdit(b *testing.B) {
	if _, err := exec.LookPath("git"); err != nil {
		b.Skip("git is not installed")
	}
	docs := benchTeam(b)
	entries, err := os.ReadDir(filepath.Join(docs, "postmortems"))
	if err != nil {
		b.Fatal(err)
	}
	// Every file the benchmark edits is put back as it was.
	originals := map[string][]byte{}
	b.Cleanup(func() {
		for path, data := range originals {
			_ = os.WriteFile(path, data, 0o644)
		}
	})
	edit := func(name string, i int) {
		path := filepath.Join(docs, "postmortems", name)
		if _, ok := originals[path]; !ok {
			data, err := os.ReadFile(path)
			if err != nil {
				b.Fatal(err)
			}
			originals[path] = data
		}
		if err := os.WriteFile(path, append(append([]byte{}, originals[path]...), "\nEdit "+strconv.Itoa(i)+".\n"...), 0o644); err != nil {
			b.Fatal(err)
		}
	}

	ctx := context.Background()
	var stdout, stderr syncBuffer
	f := testFactory(ctx, docs, &stdout, &stderr)
	// HINDSIGHT_BENCH_CACHE keeps the cache folder between runs: the
	// first build is then a restart's, from the parse cache and the
	// pages of the run before.
	cache := os.Getenv("HINDSIGHT_BENCH_CACHE")
	if cache == "" {
		cache = filepath.Join(b.TempDir(), "cache")
	}
	f.IO.Getenv = func(k string) string {
		switch k {
		case "HINDSIGHT_NOW":
			return testNow
		case "HINDSIGHT_CACHE":
			return cache
		}
		return ""
	}
	p := testPreviewer(b, ctx, f)
	if err := p.rebuild(); err != nil {
		b.Fatalf("first build: %v", err)
	}
	// Rebuilds as the watcher asks for them, naming the file saved; the
	// first after the watch began looks at every file.
	p.watched()
	if err := p.rebuildChanged(server.Changes{}); err != nil {
		b.Fatalf("first rebuild: %v", err)
	}
	if path := os.Getenv("HINDSIGHT_BENCH_MEMPROFILE"); path != "" {
		// What the rebuilds allocate: compare the two with pprof -base.
		writeHeap := func(name string) {
			runtime.GC() // the profile is as of the last collection
			pf, err := os.Create(name)
			if err != nil {
				b.Fatal(err)
			}
			defer pf.Close()
			if err := pprof.Lookup("allocs").WriteTo(pf, 0); err != nil {
				b.Fatal(err)
			}
		}
		writeHeap(path + ".before")
		defer writeHeap(path)
	}
	if path := os.Getenv("HINDSIGHT_BENCH_PROFILE"); path != "" {
		// The rebuilds alone, without the first build.
		pf, err := os.Create(path)
		if err != nil {
			b.Fatal(err)
		}
		if err := pprof.StartCPUProfile(pf); err != nil {
			b.Fatal(err)
		}
		defer pf.Close()
		defer pprof.StopCPUProfile()
	}
	// The writer's case, the same file saved again and again; and a file
	// saved for the first time, whose history (now uncommitted) changes
	// too.
	for _, tc := range []struct {
		name string
		file func(i int) string
	}{
		{"same-file", func(int) string { return entries[len(entries)/2].Name() }},
		{"another-file", func(i int) string { return entries[(i*997)%len(entries)].Name() }},
	} {
		b.Run(tc.name, func(b *testing.B) {
			i := 0
			// CPU time is steadier than wall time on a shared machine,
			// and counts the work a rebuild leaves to the background.
			cpu := func() time.Duration {
				var ru syscall.Rusage
				_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
				return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
			}
			start := cpu()
			for b.Loop() {
				b.StopTimer()
				i++
				name := tc.file(i)
				edit(name, i)
				b.StartTimer()
				if err := p.rebuildChanged(server.Changes{Paths: []string{filepath.Join(docs, "postmortems", name)}}); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			b.ReportMetric(float64(cpu()-start)/float64(time.Millisecond)/float64(b.N), "cpu-ms/op")
			var ru syscall.Rusage
			if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) == nil {
				b.ReportMetric(float64(ru.Maxrss)/1024, "peak-MB")
			}
		})
	}
}
