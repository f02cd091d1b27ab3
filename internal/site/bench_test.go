package site

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/hindsight-dev/hindsight/internal/check"
	"github.com/hindsight-dev/hindsight/internal/config"
	"github.com/hindsight-dev/hindsight/internal/corpus"
	"github.com/hindsight-dev/hindsight/internal/postmortem"
	"github.com/hindsight-dev/hindsight/internal/synth"
	"github.com/hindsight-dev/hindsight/theme"
)

// BenchmarkBuild measures what `hindsight build` does on generated corpora
// of about 5 KB a postmortem: load and check every file, then render and
// write the whole site.
func BenchmarkBuild(b *testing.B) {
	for _, n := range []int{100, 1000, 10000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			root := b.TempDir()
			if _, err := synth.Write(filepath.Join(root, "postmortems"), synth.Options{N: n, Seed: 1}); err != nil {
				b.Fatal(err)
			}
			cfg := config.Defaults()
			cfg.Root = root
			now := time.Date(2026, 1, 15, 0, 0, 0, 0, time.UTC)
			out := filepath.Join(root, "site")
			b.ResetTimer()
			for b.Loop() {
				c, err := corpus.Load(cfg, corpus.Options{WorkDir: root, Drafts: true})
				if err != nil {
					b.Fatal(err)
				}
				if rep := check.Run(c, check.Options{Now: now}); rep.Errors > 0 {
					b.Fatalf("generated corpus has errors: %v", rep.Findings[0])
				}
				for _, pm := range c.Postmortems {
					pm.Release() // as hindsight build does
				}
				if _, err := Build(context.Background(), cfg, c.Postmortems, Options{Out: out, Theme: theme.FS(""), Now: now}); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			reportPeak(b)
			_ = os.RemoveAll(out)
		})
	}
}

// BenchmarkRebuild measures a build after one postmortem changed, with the
// previous site in place: the corpus is loaded again, and only the pages
// whose inputs changed are rendered.
func BenchmarkRebuild(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			root := b.TempDir()
			ids, err := synth.Write(filepath.Join(root, "postmortems"), synth.Options{N: n, Seed: 1})
			if err != nil {
				b.Fatal(err)
			}
			cfg := config.Defaults()
			cfg.Root = root
			now := time.Date(2026, 1, 15, 0, 0, 0, 0, time.UTC)
			out := filepath.Join(root, "site")
			c, err := corpus.Load(cfg, corpus.Options{WorkDir: root, Drafts: true})
			if err != nil {
				b.Fatal(err)
			}
			// As hindsight serve rebuilds: the server answers searches, and
			// each build hands what it worked out to the next.
			opts := Options{Out: out, Theme: theme.FS(""), Now: now, NoStaticSearch: true, Memo: &Memo{}}
			if _, err := Build(context.Background(), cfg, c.Postmortems, opts); err != nil {
				b.Fatal(err)
			}
			edited := filepath.Join(root, "postmortems", ids[n/2]+".md")
			i := 0
			b.ResetTimer()
			for b.Loop() {
				b.StopTimer()
				i++
				f, err := os.OpenFile(edited, os.O_APPEND|os.O_WRONLY, 0)
				if err != nil {
					b.Fatal(err)
				}
				fmt.Fprintf(f, "\nEdit %d.\n", i)
				f.Close()
				b.StartTimer()
				// What a watching server does: reload with the previous corpus
				// (only the edited file is read), then build.
				c, err = corpus.Load(cfg, corpus.Options{WorkDir: root, Drafts: true, Previous: c})
				if err != nil {
					b.Fatal(err)
				}
				res, err := Build(context.Background(), cfg, c.Postmortems, opts)
				if err != nil {
					b.Fatal(err)
				}
				if res.Reused < res.Files-20 {
					b.Fatalf("only %d of %d files reused", res.Reused, res.Files)
				}
			}
			b.StopTimer()
			reportPeak(b)
		})
	}
}

func reportPeak(b *testing.B) {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) == nil {
		b.ReportMetric(float64(ru.Maxrss)/1024, "peak-MB")
	}
}

// BenchmarkPostmortemPage measures one postmortem's page without the
// writing: its view (related postmortems included) and the template, and
// the template alone, over 1,000 generated postmortems taken in turn.
func BenchmarkPostmortemPage(b *testing.B) {
	root := b.TempDir()
	if _, err := synth.Write(filepath.Join(root, "postmortems"), synth.Options{N: 1000, Seed: 1}); err != nil {
		b.Fatal(err)
	}
	cfg := config.Defaults()
	cfg.Root = root
	c, err := corpus.Load(cfg, corpus.Options{WorkDir: root, Drafts: true})
	if err != nil {
		b.Fatal(err)
	}
	now := time.Date(2026, 1, 15, 0, 0, 0, 0, time.UTC)
	bl, err := newBuilder(cfg, c.Postmortems, Options{Out: filepath.Join(root, "site"), Theme: theme.FS(""), Now: now})
	if err != nil {
		b.Fatal(err)
	}
	th, err := loadTheme(theme.FS(""))
	if err != nil {
		b.Fatal(err)
	}
	th.site = bl.site
	bl.plan = (*Memo)(nil).planRelated(bl)
	idx := newTermIndex(bl.pms)
	files := newFiles(cfg)
	page := func(pm *postmortem.Postmortem) *Page {
		p, err := bl.postmortemPage(pm, bl.plan.related(bl, pm, func() *termIndex { return idx }), files)
		if err != nil {
			b.Fatal(err)
		}
		return p
	}
	var buf bytes.Buffer
	b.Run("view+template", func(b *testing.B) {
		i := 0
		for b.Loop() {
			buf.Reset()
			if err := th.render(&buf, page(bl.pms[i%len(bl.pms)])); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
	pages := make([]*Page, len(bl.pms))
	for i, pm := range bl.pms {
		pages[i] = page(pm)
	}
	b.Run("template", func(b *testing.B) {
		i := 0
		for b.Loop() {
			buf.Reset()
			if err := th.render(&buf, pages[i%len(pages)]); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
}
