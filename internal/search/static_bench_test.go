package search

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"
)

// A generated corpus for the static index benchmark: about 5 KB of English
// like text per postmortem, with a Zipf vocabulary (a few thousand words
// that matter, a long tail of rare ones, inflected forms, stop words), so
// that posting lists and shard sizes look like a real corpus.

var (
	staticGenDomain = strings.Fields(`incident outage latency error errors timeout timeouts retry retries retried
		certificate certificates expired expiry expiring renewal renewed dns resolver resolution
		database databases replica replicas replication primary failover failed failing failure
		deploy deployed deployment deployments rollback rolled config configuration configured push
		cache caching cached eviction queue queued backlog consumer consumers producer throughput
		memory leak leaked disk full storage bucket buckets object objects request requests
		load balancer balancers traffic spike spikes capacity limit limits throttle throttling
		network partition partitioned packet packets loss route routing bgp announcement
		migration migrations schema index indexes lock locks locked deadlock query queries slow
		alert alerts alerting paged page pager oncall engineer engineers team teams escalation
		customer customers impact impacted users user login logins session sessions token tokens
		authentication authorization permission permissions secret secrets rotation rotated
		monitoring dashboard dashboards metric metrics log logs logging trace tracing
		kubernetes cluster clusters node nodes pod pods container containers scheduler scheduling
		region regions zone zones datacenter availability redundancy dependency dependencies
		upgrade upgraded upgrading version versions library libraries regression regressions
		regex regular expression cpu saturation saturated exhaustion exhausted pool pools connection connections
		backup backups restore restored restoring snapshot snapshots corruption corrupted data
		payment payments checkout billing invoice invoices search indexing api gateway proxy edge
		leap second clock clocks drift time ntp cron job jobs batch batches worker workers
		detection detected mitigation mitigated resolved resolution root cause trigger triggered
		runbook runbooks postmortem review action item items owner followup`)
	staticGenStop = strings.Fields(`the the the the a a a of of of to to to and and and in in was was for is on
		that with by at it as from were this be we our had not but which an after before when`)
	staticGenSyll = strings.Fields(`ka ro mi ta ne lu por vek sin dal tor bri fen gal mon ter qua zel pim rud
		sal ven cor lin mar tes bal pol dur fin gor hal jen kel lom nar pes rin sor tul`)
	staticGenSuffix = []string{"", "", "", "s", "ing", "ed", "er", "ation", "ly"}
)

type staticCorpusGen struct {
	r      *rand.Rand
	vocab  []string
	zipf   *rand.Zipf
	domain *rand.Zipf
	tagZ   *rand.Zipf
	svc    []string
	tags   []string
}

func newStaticCorpusGen(seed uint64) *staticCorpusGen {
	r := rand.New(rand.NewPCG(seed, 0x5eed))
	g := &staticCorpusGen{r: r}
	// The long tail: 30,000 made-up words, with inflections.
	seen := map[string]bool{}
	for len(g.vocab) < 30000 {
		n := 2 + r.IntN(3)
		var b strings.Builder
		for i := 0; i < n; i++ {
			b.WriteString(staticGenSyll[r.IntN(len(staticGenSyll))])
		}
		w := b.String() + staticGenSuffix[r.IntN(len(staticGenSuffix))]
		if !seen[w] {
			seen[w] = true
			g.vocab = append(g.vocab, w)
		}
	}
	g.zipf = rand.NewZipf(r, 1.08, 2, uint64(len(g.vocab)-1))
	g.domain = rand.NewZipf(r, 1.02, 4, uint64(len(staticGenDomain)-1))
	for i := 0; i < 40; i++ {
		g.svc = append(g.svc, fmt.Sprintf("%s-%s", staticGenDomain[r.IntN(len(staticGenDomain))], staticGenSyll[i%len(staticGenSyll)]))
	}
	for i := 0; i < 150; i++ {
		g.tags = append(g.tags, fmt.Sprintf("%s%d", staticGenDomain[r.IntN(len(staticGenDomain))], i))
	}
	g.tagZ = rand.NewZipf(r, 1.2, 2, uint64(len(g.tags)-1))
	return g
}

func (g *staticCorpusGen) word() string {
	switch x := g.r.IntN(100); {
	case x < 38:
		return staticGenStop[g.r.IntN(len(staticGenStop))]
	case x < 70:
		return staticGenDomain[g.domain.Uint64()]
	default:
		return g.vocab[g.zipf.Uint64()]
	}
}

func (g *staticCorpusGen) sentence(min, max int) string {
	n := min + g.r.IntN(max-min+1)
	words := make([]string, n)
	for i := range words {
		words[i] = g.word()
	}
	s := strings.Join(words, " ")
	return strings.ToUpper(s[:1]) + s[1:] + "."
}

func (g *staticCorpusGen) doc(i int) Doc {
	date := time.Date(2014, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(g.r.IntN(11*365*24)) * time.Hour)
	title := strings.TrimSuffix(g.sentence(5, 9), ".")
	var body strings.Builder
	for body.Len() < 4300 {
		body.WriteString(g.sentence(8, 22))
		body.WriteString(" ")
		if g.r.IntN(6) == 0 {
			body.WriteString("\n\n")
		}
	}
	var items []string
	for j := 2 + g.r.IntN(5); j > 0; j-- {
		items = append(items, strings.TrimSuffix(g.sentence(4, 9), "."))
	}
	var svcs, tags []string
	for j := 1 + g.r.IntN(3); j > 0; j-- {
		svcs = append(svcs, g.svc[g.r.IntN(len(g.svc))])
	}
	for j := 1 + g.r.IntN(4); j > 0; j-- {
		tags = append(tags, g.tags[g.tagZ.Uint64()])
	}
	id := fmt.Sprintf("%s-%s-%d", date.Format("2006-01-02"), strings.ToLower(strings.Join(strings.Fields(title)[:3], "-")), i)
	return Doc{
		ID: id, Title: title, Summary: g.sentence(20, 40) + " " + g.sentence(10, 20),
		Body: body.String(), URL: "postmortems/" + id + "/", Date: date,
		Severity: []string{"SEV1", "SEV2", "SEV2", "SEV3", "SEV3", "SEV3", "SEV4"}[g.r.IntN(7)],
		Services: svcs, Tags: tags, ActionItems: items, Status: "published",
	}
}

func staticGenCorpus(n int, seed uint64) []Doc {
	g := newStaticCorpusGen(seed)
	docs := make([]Doc, n)
	for i := range docs {
		docs[i] = g.doc(i)
	}
	return docs
}

// BenchmarkExportStatic exports 10,000 generated postmortems and reports
// the index size and what the browser downloads for typical queries: meta,
// facets, the shards of the query terms and the document chunks of the ten
// best hits.
//
//	go test ./internal/search -run '^$' -bench ExportStatic -benchtime 1x
func BenchmarkExportStatic(b *testing.B) {
	docs := staticGenCorpus(10000, 1)
	var text int64
	for _, d := range docs {
		text += int64(len(d.Title) + len(d.Summary) + len(d.Body) + len(strings.Join(d.ActionItems, "\n")))
	}
	dir := b.TempDir()
	var st StaticStats
	for b.Loop() {
		var err error
		st, err = ExportStatic(docs, dir)
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(st.Bytes), "index-bytes")
	b.ReportMetric(float64(st.Files), "files")
	b.ReportMetric(float64(st.Shards), "shards")
	b.ReportMetric(float64(st.Terms), "terms")
	b.Logf("corpus: %d docs, %.1f MB of text; index: %d files, %.1f MB, %d terms, %d shards",
		len(docs), float64(text)/1e6, st.Files, float64(st.Bytes)/1e6, st.Terms, st.Shards)

	ix := openStatic(b, dir)
	// Queries by how common their words are.
	bands := []struct {
		name   string
		lo, hi float64 // document frequency band
	}{
		{"rare+mid", 0.005, 0.03},
		{"typical", 0.02, 0.15},
		{"common", 0.15, 0.5},
		{"very-common", 0.5, 1},
	}
	var typical int64
	for _, band := range bands {
		words := ix.wordsWithDF(band.lo, band.hi)
		if len(words) < 3 {
			b.Logf("%s: not enough words", band.name)
			continue
		}
		// Pairs and a triple from the band, and the same with the last
		// word a prefix (search as you type).
		r := rand.New(rand.NewPCG(7, uint64(len(band.name))))
		var worst, sum, worstGz int64
		var worstQ string
		const tries = 20
		for i := 0; i < tries; i++ {
			w1, w2 := words[r.IntN(len(words))], words[r.IntN(len(words))]
			for _, q := range []string{w1 + " " + w2, w1 + " " + w2[:min(len(w2), 4)]} {
				p := ix.staticPayload(b, q)
				sum += p.bytes
				if p.bytes > worst {
					worst, worstQ, worstGz = p.bytes, q+" ("+p.String()+")", p.gzip
				}
			}
		}
		avg := sum / (2 * tries)
		if band.name == "typical" {
			typical = avg
		}
		b.Logf("%-11s 2-word queries: average payload %.1f KB (drop-down, without facets.json: %.1f KB); largest %.1f KB (%.1f KB gzipped): %s",
			band.name, float64(avg)/1024, float64(avg-int64(ix.facetsSize(b)))/1024, float64(worst)/1024, float64(worstGz)/1024, worstQ)
	}
	b.ReportMetric(float64(typical), "typical-query-bytes")
	if typical > 300<<10 {
		b.Errorf("typical query staticPayload %d bytes, over 300 KB", typical)
	}
}

type staticPayload struct {
	bytes, gzip                  int64
	meta, facets, shards, chunks int64
	nShards, nChunks             int
}

func (p staticPayload) String() string {
	return fmt.Sprintf("meta %.1f KB, facets %.1f KB, %d shards %.1f KB, %d chunks %.1f KB",
		float64(p.meta)/1024, float64(p.facets)/1024, p.nShards, float64(p.shards)/1024, p.nChunks, float64(p.chunks)/1024)
}

func staticGzipSize(b []byte) int64 {
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	w.Write(b)
	w.Close()
	return int64(buf.Len())
}

func (ix *staticIndex) wordsWithDF(lo, hi float64) []string {
	var out []string
	for _, t := range ix.allTerms() {
		e := ix.entry(t)
		for _, w := range append([]string{t}, e.surfaces...) {
			if len(w) < 5 || Analyze(w) == nil || Analyze(w)[0] != t {
				continue
			}
			df := float64(len(e.postings)) / float64(ix.meta.N)
			if df >= lo && df < hi {
				out = append(out, w)
			}
			break
		}
	}
	sort.Strings(out)
	return out
}

func (ix *staticIndex) facetsSize(tb testing.TB) int {
	fi, err := os.Stat(filepath.Join(ix.dir, "facets.json"))
	if err != nil {
		tb.Fatal(err)
	}
	return int(fi.Size())
}

// staticPayload is what the browser fetches to show the first ten hits of q.
func (ix *staticIndex) staticPayload(tb testing.TB, q string) staticPayload {
	var p staticPayload
	add := func(path string) int64 {
		data, err := os.ReadFile(filepath.Join(ix.dir, path))
		if err != nil {
			tb.Fatal(err)
		}
		p.gzip += staticGzipSize(data)
		return int64(len(data))
	}
	p.meta = add("meta.json")
	p.facets = add("facets.json")
	res := ix.query(q)
	for _, f := range res.shardFiles {
		p.shards += add("terms/" + f)
		p.nShards++
	}
	chunks := map[int]bool{}
	for _, d := range res.docs[:min(len(res.docs), 10)] {
		chunks[d/ix.meta.Chunk] = true
	}
	for c := range chunks {
		p.chunks += add(fmt.Sprintf("docs/%d.json", c))
		p.nChunks++
	}
	p.bytes = p.meta + p.facets + p.shards + p.chunks
	return p
}
