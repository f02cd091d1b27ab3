package search

import (
	"bufio"
	"context"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Benchmarks over a generated corpus of benchDocCount postmortems of about
// 5 KB each. Run them with, for example:
//
//	go test -run XXX -bench . -benchtime 1x ./internal/search/            # build
//	go test -run XXX -bench 'Query|Update' -benchtime 2000x ./internal/search/
//
// Query and update benchmarks report p50 and p99 latency over their
// iterations (p50-ms, p99-ms); all report the peak RSS of the process
// while they ran (peak-RSS-MB, Linux only; it includes the generated
// corpus, about 60 MB).

const benchDocCount = 10000

var (
	benchServices = []string{"api", "web", "checkout", "payments", "search", "auth", "dns", "edge-proxy", "object-storage", "database", "queue", "billing", "mobile-api", "cdn", "scheduler", "ledger", "notifications", "identity", "gateway", "metrics"}
	benchTags     = []string{"config-push", "database", "dns", "deploy", "certificates", "capacity", "retry-storm", "bgp", "regex", "leap-second", "backups", "dependency", "network", "monitoring", "human-factors", "cache", "security", "data-loss", "third-party", "migration"}
	benchSevs     = []string{"SEV1", "SEV2", "SEV2", "SEV3", "SEV3", "SEV3", "SEV4"}
	benchStatus   = []string{"published", "published", "published", "in-review", "draft"}
	// Real incident vocabulary: the frequent words of the corpus.
	benchDomain = strings.Fields(`service queue request cache replica primary shard deploy rollback
		config pool thread connection timeout retry client server region zone load balancer
		certificate token session index query lock migration backup snapshot alert dashboard
		page runbook engineer team customer traffic capacity limit latency error outage
		degradation database network packet route firewall proxy gateway upstream downstream
		dependency release canary feature flag rollout health check probe container node
		cluster kubernetes scheduler memory disk cpu saturation throttle quota rate backlog
		consumer producer message topic partition leader election failover replication lag
		heartbeat monitor metric threshold paging incident commander mitigation remediation
		postmortem timeline detection escalation storage bucket object upload download
		payment checkout order invoice ledger account login password authentication
		authorization permission secret rotation expiry renewal resolver record cname
		propagation cdn edge origin tls handshake cipher vendor provider contract support`)
	benchFiller = strings.Fields(`the a an of to in and was were had been for on at by with from
		after before during while when then which that this it its as but not all every
		some many few more most less than into over under about across between because`)
	benchSyllables = strings.Fields(`ka lo mi ter van dor pel tri son gra ble mun cor fen hal
		jis qua rip sto vel wen yor zan bri cla dru fla glo pra sli tro`)
)

// benchGen writes documents from a Zipf-distributed vocabulary: filler
// words, incident words, and a long tail of made-up words (codes, names),
// so that the term dictionary is realistically large.
type benchGen struct {
	r     *rand.Rand
	vocab []string
	zipf  *rand.Zipf
}

func newBenchGen(seed uint64) *benchGen {
	r := rand.New(rand.NewPCG(seed, 0xbe4c))
	vocab := slices.Clone(benchFiller)
	vocab = append(vocab, benchDomain...)
	seen := map[string]bool{}
	for _, w := range vocab {
		seen[w] = true
	}
	for len(vocab) < 20000 {
		n := 2 + r.IntN(3)
		var b strings.Builder
		for range n {
			b.WriteString(benchSyllables[r.IntN(len(benchSyllables))])
		}
		if w := b.String(); !seen[w] {
			seen[w] = true
			vocab = append(vocab, w)
		}
	}
	return &benchGen{r: r, vocab: vocab, zipf: rand.NewZipf(r, 1.07, 2, uint64(len(vocab)-1))}
}

func (g *benchGen) word() string { return g.vocab[g.zipf.Uint64()] }

func (g *benchGen) sentence(n int) string {
	w := make([]string, n)
	for i := range w {
		w[i] = g.word()
	}
	s := strings.Join(w, " ")
	return strings.ToUpper(s[:1]) + s[1:] + "."
}

func (g *benchGen) doc(i int) Doc {
	r := g.r
	base := time.Date(2015, 1, 1, 0, 0, 0, 0, time.UTC)
	d := Doc{
		ID:         fmt.Sprintf("incident-%05d", i),
		Title:      strings.TrimSuffix(g.sentence(4+r.IntN(5)), "."),
		Summary:    g.sentence(15 + r.IntN(20)),
		Date:       base.AddDate(0, 0, r.IntN(3650)),
		Severity:   benchSevs[r.IntN(len(benchSevs))],
		Status:     benchStatus[r.IntN(len(benchStatus))],
		Owner:      "owner-" + strconv.Itoa(r.IntN(200)),
		Visibility: "internal",
		Hash:       "v1",
	}
	d.URL = "/postmortems/" + d.ID + "/"
	for range 1 + r.IntN(3) {
		d.Services = append(d.Services, benchServices[r.IntN(len(benchServices))])
	}
	for range 1 + r.IntN(3) {
		d.Tags = append(d.Tags, benchTags[r.IntN(len(benchTags))])
	}
	for range 2 + r.IntN(4) {
		d.ActionItems = append(d.ActionItems, strings.TrimSuffix(g.sentence(5+r.IntN(5)), "."))
	}
	var body strings.Builder
	for body.Len() < 4600 {
		for range 3 + r.IntN(4) {
			body.WriteString(g.sentence(8 + r.IntN(14)))
			body.WriteByte(' ')
		}
		body.WriteString("\n\n")
	}
	d.Body = body.String()
	return d
}

var benchCorpus = sync.OnceValue(func() []Doc {
	g := newBenchGen(1)
	docs := make([]Doc, benchDocCount)
	for i := range docs {
		docs[i] = g.doc(i)
	}
	return docs
})

func corpusBytes(docs []Doc) int64 {
	var n int64
	for i := range docs {
		d := &docs[i]
		n += int64(len(d.Title) + len(d.Summary) + len(d.Body))
		for _, a := range d.ActionItems {
			n += int64(len(a))
		}
	}
	return n
}

// resetPeakRSS and peakRSS use Linux's /proc to measure the peak resident
// set size of the process from now on.
func resetPeakRSS() bool {
	return os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) == nil
}

func peakRSS() (mb float64, ok bool) {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0, false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, found := strings.CutPrefix(sc.Text(), "VmHWM:"); found {
			kb, err := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
			if err != nil {
				return 0, false
			}
			return float64(kb) / 1024, true
		}
	}
	return 0, false
}

func dirSize(dir string) int64 {
	var n int64
	_ = filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if info, err := d.Info(); err == nil {
				n += info.Size()
			}
		}
		return nil
	})
	return n
}

// latencies collects per-operation durations and reports percentiles.
type latencies []time.Duration

func (l latencies) report(b *testing.B) {
	if len(l) == 0 {
		return
	}
	s := slices.Clone(l)
	slices.Sort(s)
	pct := func(p float64) float64 {
		i := int(float64(len(s)-1) * p)
		return float64(s[i]) / float64(time.Millisecond)
	}
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
	b.ReportMetric(float64(s[len(s)-1])/float64(time.Millisecond), "max-ms")
}

func BenchmarkIndexBuild(b *testing.B) {
	docs := benchCorpus()
	b.SetBytes(corpusBytes(docs))
	runtime.GC()
	measured := resetPeakRSS()
	var size int64
	b.ResetTimer()
	for range b.N {
		dir := b.TempDir()
		ix, err := Open(dir)
		if err != nil {
			b.Fatal(err)
		}
		st, err := ix.Sync(docs)
		if err != nil {
			b.Fatal(err)
		}
		if st.Added != len(docs) {
			b.Fatalf("%+v", st)
		}
		if err := ix.Close(); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		size = dirSize(dir)
		b.StartTimer()
	}
	b.StopTimer()
	b.ReportMetric(float64(len(docs))*float64(b.N)/b.Elapsed().Seconds(), "docs/s")
	b.ReportMetric(float64(size)/(1<<20), "index-MB")
	if mb, ok := peakRSS(); ok && measured {
		b.ReportMetric(mb, "peak-RSS-MB")
	}
}

// benchIndex builds the benchmark index once per benchmark function.
func benchIndex(b *testing.B) (*Index, []Doc) {
	b.Helper()
	docs := slices.Clone(benchCorpus())
	ix, err := Open(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = ix.Close() })
	if _, err := ix.Sync(docs); err != nil {
		b.Fatal(err)
	}
	waitMerged(b, ix)
	return ix, docs
}

// waitMerged waits for scorch's background merging after a bulk load to
// settle, so that latencies are those of an index in service rather than
// of one competing with its merger for the two CPUs.
func waitMerged(b testing.TB, ix *Index) {
	b.Helper()
	counters := func() string {
		st, _ := ix.idx.StatsMap()["index"].(map[string]any)
		if st == nil {
			return ""
		}
		if fmt.Sprint(st["TotFileMergeZapBeg"]) != fmt.Sprint(st["TotFileMergeZapEnd"]) ||
			fmt.Sprint(st["TotFileMergePlanTasks"]) != fmt.Sprint(st["TotFileMergePlanTasksDone"]) {
			return "busy"
		}
		return fmt.Sprint(st["CurRootEpoch"], st["TotFileMergeZapEnd"], st["TotFileSegmentsAtRoot"])
	}
	deadline := time.Now().Add(2 * time.Minute)
	last, stable := "", 0
	for stable < 5 && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
		c := counters()
		if c != "busy" && c == last {
			stable++
		} else {
			stable = 0
		}
		last = c
	}
}

func BenchmarkIndexUpdate(b *testing.B) {
	ix, docs := benchIndex(b)
	r := rand.New(rand.NewPCG(7, 7))
	var lat latencies
	runtime.GC()
	measured := resetPeakRSS()
	b.ResetTimer()
	for i := range b.N {
		b.StopTimer()
		k := r.IntN(len(docs))
		d := docs[k]
		d.Body = fmt.Sprintf("Revision %d. %s", i, d.Body)
		d.Hash = fmt.Sprintf("v%d", i+2)
		docs[k] = d
		b.StartTimer()
		start := time.Now()
		st, err := ix.Sync(docs)
		lat = append(lat, time.Since(start))
		if err != nil {
			b.Fatal(err)
		}
		if st.Updated != 1 || st.Unchanged != len(docs)-1 {
			b.Fatalf("%+v", st)
		}
	}
	b.StopTimer()
	lat.report(b)
	if mb, ok := peakRSS(); ok && measured {
		b.ReportMetric(mb, "peak-RSS-MB")
	}
}

// benchWords picks words of middling frequency (a few percent of the
// documents up to about half), the kind people search for.
func benchWords(docs []Doc) []string {
	df := map[string]int{}
	for i := range docs[:1000] {
		seen := map[string]bool{}
		for _, w := range strings.Fields(strings.ToLower(docs[i].Body)) {
			w = strings.Trim(w, ".,")
			if !seen[w] {
				seen[w] = true
				df[w]++
			}
		}
	}
	var out []string
	for w, n := range df {
		if n >= 20 && n <= 500 && len(w) >= 5 && !slices.Contains(benchFiller, w) {
			out = append(out, w)
		}
	}
	slices.Sort(out)
	return out
}

// benchPhrases takes adjacent word pairs from the documents.
func benchPhrases(docs []Doc, n int) []string {
	r := rand.New(rand.NewPCG(3, 3))
	var out []string
	for len(out) < n {
		ws := strings.Fields(docs[r.IntN(len(docs))].Body)
		i := r.IntN(len(ws) - 1)
		a, b := strings.Trim(ws[i], ".,"), strings.Trim(ws[i+1], ".,")
		if slices.Contains(benchFiller, strings.ToLower(a)) || slices.Contains(benchFiller, strings.ToLower(b)) || strings.HasSuffix(ws[i], ".") {
			continue
		}
		out = append(out, `"`+a+" "+b+`"`)
	}
	return out
}

// typo changes one letter in the middle of w.
func typo(w string, i int) string {
	if len(w) < 4 {
		return w
	}
	p := 1 + i%(len(w)-2)
	c := byte('a' + (int(w[p])-'a'+1+i%5)%26)
	return w[:p] + string(c) + w[p+1:]
}

func BenchmarkQuery(b *testing.B) {
	ix, docs := benchIndex(b)
	words := benchWords(docs)
	if len(words) < 50 {
		b.Fatalf("only %d benchmark words", len(words))
	}
	phrases := benchPhrases(docs, 500)
	ctx := context.Background()
	cases := []struct {
		name string
		req  func(i int) Request
	}{
		{"term", func(i int) Request { return Request{Query: words[i%len(words)]} }},
		{"two-terms", func(i int) Request {
			return Request{Query: words[i%len(words)] + " " + words[(i*7+3)%len(words)]}
		}},
		{"phrase", func(i int) Request { return Request{Query: phrases[i%len(phrases)]} }},
		{"faceted", func(i int) Request {
			return Request{Query: words[i%len(words)], Service: benchServices[i%len(benchServices)], Severity: benchSevs[i%len(benchSevs)]}
		}},
		{"fuzzy", func(i int) Request { return Request{Query: typo(words[i%len(words)], i) + "~"} }},
		{"list-recent", func(i int) Request { return Request{Offset: i % 5 * DefaultLimit} }},
		{"list-recent-uncached", func(i int) Request { return Request{Offset: i % 5 * DefaultLimit} }},
		{"list-filtered-uncached", func(i int) Request {
			return Request{Severity: benchSevs[i%len(benchSevs)], Since: time.Date(2015+i%10, 1, 1, 0, 0, 0, 0, time.UTC)}
		}},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			ix.noCache = strings.HasSuffix(c.name, "-uncached")
			defer func() { ix.noCache = false }()
			var lat latencies
			total := 0
			runtime.GC()
			measured := resetPeakRSS()
			b.ResetTimer()
			for i := range b.N {
				start := time.Now()
				res, err := ix.Search(ctx, c.req(i))
				lat = append(lat, time.Since(start))
				if err != nil {
					b.Fatal(err)
				}
				total += res.Total
			}
			b.StopTimer()
			lat.report(b)
			b.ReportMetric(float64(total)/float64(b.N), "matches/op")
			if mb, ok := peakRSS(); ok && measured {
				b.ReportMetric(mb, "peak-RSS-MB")
			}
		})
	}
}

func BenchmarkSimilar(b *testing.B) {
	ix, docs := benchIndex(b)
	ctx := context.Background()
	var lat latencies
	b.ResetTimer()
	for i := range b.N {
		start := time.Now()
		got, err := ix.Similar(ctx, docs[(i*37)%len(docs)].ID, 5)
		lat = append(lat, time.Since(start))
		if err != nil || len(got) == 0 {
			b.Fatal(got, err)
		}
	}
	b.StopTimer()
	lat.report(b)
}

// TestBenchCorpusShape keeps the generator honest: documents of about
// 5 KB with the fields filled in.
func TestBenchCorpusShape(t *testing.T) {
	g := newBenchGen(1)
	var n int
	for i := range 50 {
		d := g.doc(i)
		n += len(d.Title) + len(d.Summary) + len(d.Body) + len(strings.Join(d.ActionItems, " "))
		if d.Title == "" || d.Summary == "" || len(d.Services) == 0 || len(d.Tags) == 0 || len(d.ActionItems) == 0 {
			t.Fatalf("incomplete doc %+v", d)
		}
	}
	if avg := n / 50; avg < 4500 || avg > 5800 {
		t.Errorf("average document %d bytes, want about 5 KB", avg)
	}
}
