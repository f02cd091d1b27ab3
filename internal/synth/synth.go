// Package synth writes generated corpora of realistic postmortems, for
// benchmarks and load tests at the size of a large company's history.
package synth

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"time"
)

var (
	services = []string{"api", "web", "checkout", "payments", "search", "auth", "dns", "edge-proxy", "object-storage", "database", "queue", "billing", "mobile-api", "cdn", "scheduler"}
	tags     = []string{"config-push", "database", "dns", "deploy", "certificates", "capacity", "retry-storm", "bgp", "regex", "leap-second", "backups", "dependency", "network", "monitoring", "human-factors"}
	verbs    = []string{"errors", "latency", "outage", "degradation", "data delay", "failed logins", "timeouts", "elevated 5xx"}
	causes   = []string{"a configuration push", "an expired certificate", "a schema migration", "a retry storm", "a bad deploy", "a DNS change", "a full disk", "a dependency upgrade", "a capacity shortfall", "a regular expression"}
	words    = strings.Fields(`the service queue request cache replica primary shard deploy rollback config pool thread connection timeout retry client server region zone load balancer certificate token session index query lock migration backup snapshot alert dashboard page runbook engineer team customer traffic capacity limit`)
	statuses = []string{"published", "published", "published", "in-review", "draft"}
	sevs     = []string{"SEV1", "SEV2", "SEV2", "SEV3", "SEV3", "SEV4"}
	itemSt   = []string{"done", "done", "open", "in-progress", "wont-do"}
)

// Options shape a corpus.
type Options struct {
	// N is how many postmortems to write.
	N int
	// Seed makes the corpus reproducible.
	Seed uint64
	// Commits, when given, are commits of a real repository named Repo in
	// hindsight.yaml: postmortem i names commits 2i and 2i+3 (modulo their
	// number) as its trigger and fix, by 10-digit short sha. With one
	// commit every IncidentEvery/2 from an hour before FirstIncident, as
	// WriteTeam makes them, each trigger comes before its incident started
	// and each fix after, as in a real team's history.
	Commits []string
	Repo    string
}

// Postmortem i starts FirstIncident + i×IncidentEvery, and up to three
// hours later.
var FirstIncident = time.Date(2015, 1, 1, 0, 0, 0, 0, time.UTC)

const IncidentEvery = 4 * time.Hour

// Write writes N postmortems of about 5 KB each into dir and returns their
// ids in order.
func Write(dir string, opts Options) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	r := rand.New(rand.NewPCG(opts.Seed, 0x5eed))
	ids := make([]string, 0, opts.N)
	for i := range opts.N {
		start := FirstIncident.Add(time.Duration(i) * IncidentEvery).Add(time.Duration(r.IntN(180)) * time.Minute)
		id := fmt.Sprintf("%s-incident-%05d", start.Format("2006-01-02"), i)
		var related []string
		if i > 0 && r.IntN(4) == 0 {
			related = append(related, ids[r.IntN(len(ids))])
		}
		ids = append(ids, id)
		src := render(r, i, start, related)
		if len(opts.Commits) > 0 {
			refs := fmt.Sprintf("commits:\n  - sha: %s\n    role: trigger\n    repo: %s\n  - sha: %s\n    role: fix\n    repo: %s\n",
				opts.Commits[(2*i)%len(opts.Commits)][:10], opts.Repo, opts.Commits[(2*i+3)%len(opts.Commits)][:10], opts.Repo)
			src = strings.Replace(src, "tickets: [", refs+"tickets: [", 1)
		}
		if err := os.WriteFile(filepath.Join(dir, id+".md"), []byte(src), 0o644); err != nil {
			return nil, err
		}
	}
	return ids, nil
}

func pick[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }

func sentence(r *rand.Rand, n int) string {
	w := make([]string, n)
	for i := range w {
		w[i] = pick(r, words)
	}
	s := strings.Join(w, " ")
	return strings.ToUpper(s[:1]) + s[1:] + "."
}

func paragraph(r *rand.Rand, sentences int) string {
	p := make([]string, sentences)
	for i := range p {
		p[i] = sentence(r, 8+r.IntN(10))
	}
	return strings.Join(p, " ")
}

func render(r *rand.Rand, i int, start time.Time, related []string) string {
	svc := pick(r, services)
	detected := start.Add(time.Duration(1+r.IntN(40)) * time.Minute)
	mitigated := detected.Add(time.Duration(5+r.IntN(90)) * time.Minute)
	resolved := mitigated.Add(time.Duration(5+r.IntN(240)) * time.Minute)
	status := pick(r, statuses)
	var b strings.Builder
	ts := func(t time.Time) string { return t.Format(time.RFC3339) }
	fmt.Fprintf(&b, "---\ntitle: \"%s %s after %s\"\ndate: %s\nstatus: %s\nseverity: %s\n",
		strings.ToUpper(svc[:1])+svc[1:], pick(r, verbs), pick(r, causes), start.Format("2006-01-02"), status, pick(r, sevs))
	fmt.Fprintf(&b, "summary: >-\n  %s %s\nowner: oncall-%d@example.com\n", sentence(r, 14), sentence(r, 12), r.IntN(40))
	fmt.Fprintf(&b, "authors: [oncall-%d@example.com, sre-%d@example.com]\n", r.IntN(40), r.IntN(20))
	fmt.Fprintf(&b, "services: [%s, %s]\ntags: [%s, %s]\n", svc, pick(r, services), pick(r, tags), pick(r, tags))
	if r.IntN(3) == 0 {
		b.WriteString("visibility: public\n")
	}
	fmt.Fprintf(&b, "times:\n  started: %s\n  detected: %s\n  mitigated: %s\n  resolved: %s\n", ts(start), ts(detected), ts(mitigated), ts(resolved))
	fmt.Fprintf(&b, "tickets: [OPS-%d]\n", 1000+i)
	b.WriteString("action_items:\n")
	for j := range 1 + r.IntN(4) {
		due := resolved.AddDate(0, 0, 14+r.IntN(90))
		fmt.Fprintf(&b, "  - title: %s\n    owner: team-%d@example.com\n    due: %s\n    priority: P%d\n    status: %s\n    ticket: OPS-%d\n",
			strings.TrimSuffix(sentence(r, 7), "."), r.IntN(15), due.Format("2006-01-02"), r.IntN(4), pick(r, itemSt), 5000+i*5+j)
	}
	if len(related) > 0 {
		fmt.Fprintf(&b, "related: [%s]\n", strings.Join(related, ", "))
	}
	b.WriteString("---\n\n")
	fmt.Fprintf(&b, "## Impact\n\n%s\n\n| Region | Error rate |\n| --- | --- |\n| eu-west | %d%% |\n| us-east | %d%% |\n\n", paragraph(r, 4), r.IntN(100), r.IntN(100))
	fmt.Fprintf(&b, "## Trigger\n\n%s\n\n## Detection\n\n%s\n\n## Timeline\n\n", paragraph(r, 2), paragraph(r, 2))
	steps := 6 + r.IntN(8)
	span := resolved.Sub(start)
	for k := range steps {
		t := start.Add(span * time.Duration(k) / time.Duration(steps))
		fmt.Fprintf(&b, "- %s — %s\n", t.Format("2006-01-02 15:04"), sentence(r, 6+r.IntN(8)))
	}
	fmt.Fprintf(&b, "\n## Root cause\n\n%s\n\n%s\n\n```yaml\nlimits:\n  connections: %d\n  timeout: %ds\n```\n\n", paragraph(r, 5), paragraph(r, 4), 100+r.IntN(900), 1+r.IntN(60))
	fmt.Fprintf(&b, "## Resolution\n\n%s\n\n## Lessons learned\n\n### What went well\n\n- %s\n- %s\n\n### What went wrong\n\n- %s\n- %s\n\n", paragraph(r, 3), sentence(r, 9), sentence(r, 9), sentence(r, 9), sentence(r, 9))
	fmt.Fprintf(&b, "## Supporting information\n\n- Dashboard: https://dashboards.example.com/d/%d\n- Runbook: https://runbooks.example.com/%s\n", r.IntN(10000), svc)
	return b.String()
}
