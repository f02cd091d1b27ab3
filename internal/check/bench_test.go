package check

import (
	"fmt"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/hindsight-dev/hindsight/internal/config"
	"github.com/hindsight-dev/hindsight/internal/corpus"
	"github.com/hindsight-dev/hindsight/internal/synth"
)

// BenchmarkCheck measures what `hindsight check` does: find, read and
// parse every file, then run every rule.
func BenchmarkCheck(b *testing.B) {
	for _, n := range []int{100, 1000, 10000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			root := b.TempDir()
			if _, err := synth.Write(filepath.Join(root, "postmortems"), synth.Options{N: n, Seed: 1}); err != nil {
				b.Fatal(err)
			}
			cfg := config.Defaults()
			cfg.Root = root
			now := time.Date(2026, 1, 15, 0, 0, 0, 0, time.UTC)
			b.ResetTimer()
			for b.Loop() {
				c, err := corpus.Load(cfg, corpus.Options{WorkDir: root, Drafts: true})
				if err != nil {
					b.Fatal(err)
				}
				rep := Run(c, Options{Now: now})
				if rep.Errors > 0 {
					b.Fatalf("generated corpus has errors: %v", rep.Findings[0])
				}
			}
			var ru syscall.Rusage
			if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) == nil {
				b.ReportMetric(float64(ru.Maxrss)/1024, "peak-MB")
			}
		})
	}
}
