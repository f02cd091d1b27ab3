package search

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

func tDate(s string) time.Time {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return t
}

// corpus is a small set of postmortems with words placed in known fields.
func tCorpus() []Doc {
	return []Doc{
		{
			ID:          "dns-outage",
			Title:       "DNS resolver outage",
			Summary:     "Internal resolvers returned SERVFAIL for every internal zone.",
			Body:        "A configuration push removed the forwarders from the resolver pool. Clients retried and the retry storm overloaded the edge.",
			URL:         "/postmortems/dns-outage/",
			Date:        tDate("2024-03-05"),
			Severity:    "SEV1",
			Status:      "published",
			Owner:       "Ada Lovelace",
			Visibility:  "internal",
			Services:    []string{"dns", "edge-proxy"},
			Tags:        []string{"dns", "config-push"},
			ActionItems: []string{"Add a canary for resolver configuration"},
			Hash:        "h1",
		},
		{
			ID:          "cert-expiry",
			Title:       "Expired certificate took down checkout",
			Summary:     "The TLS certificate of the checkout API expired at midnight.",
			Body:        "The certificate for checkout expired; renewal had silently failed for weeks. <script>alert(1)</script> was found in a log line during the investigation. Certificate monitoring only checked the staging certificate.",
			URL:         "/postmortems/cert-expiry/",
			Date:        tDate("2023-11-20"),
			Severity:    "SEV2",
			Status:      "published",
			Services:    []string{"checkout"},
			Tags:        []string{"certificates"},
			ActionItems: []string{"Alert thirty days before any certificate expires"},
			Hash:        "h1",
		},
		{
			ID:          "cert-rotation",
			Title:       "Certificate rotation broke mobile clients",
			Summary:     "A certificate renewal changed the chain and old mobile clients rejected it.",
			Body:        "The renewed certificate chain dropped an intermediate certificate. Certificate pinning in old mobile clients failed the renewal; certificate monitoring did not cover the chain.",
			URL:         "/postmortems/cert-rotation/",
			Date:        tDate("2024-06-01"),
			Severity:    "SEV2",
			Status:      "published",
			Services:    []string{"mobile-api"},
			Tags:        []string{"certificates", "mobile"},
			ActionItems: []string{"Test renewals against old clients"},
			Hash:        "h1",
		},
		{
			ID:          "db-failover",
			Title:       "Database failover stalled",
			Summary:     "The primary database failed and the replica was not promoted for forty minutes.",
			Body:        "Replica lag grew during a schema migration. The failover script waited for lag to drop, which never happened.",
			URL:         "/postmortems/db-failover/",
			Date:        tDate("2024-01-10"),
			Severity:    "SEV2",
			Status:      "in-review",
			Services:    []string{"database"},
			Tags:        []string{"database"},
			ActionItems: []string{"Automate the failover drill quarterly"},
			Hash:        "h1",
		},
		{
			ID:          "edge-latency",
			Title:       "Edge latency during traffic spike",
			Summary:     "Requests through the edge proxy were slow for an hour.",
			Body:        "A marketing campaign doubled traffic. The edge-proxy pool was at its connection limit.",
			URL:         "/postmortems/edge-latency/",
			Date:        tDate("2022-07-14"),
			Severity:    "SEV3",
			Status:      "published",
			Services:    []string{"edge-proxy"},
			Tags:        []string{"capacity"},
			ActionItems: []string{"Autoscale the proxy pool"},
			Hash:        "h1",
		},
		// Words placed in one field each: quokka (title), narwhal
		// (summary), axolotl (body), pangolin (action item).
		{
			ID:          "fields",
			Title:       "Quokka queue backlog",
			Summary:     "A narwhal worker stopped consuming.",
			Body:        "The axolotl consumer crashed on a malformed message.",
			Date:        tDate("2021-02-02"),
			Severity:    "SEV4",
			Services:    []string{"queue"},
			Tags:        []string{"queue"},
			ActionItems: []string{"Add a pangolin dead-letter queue"},
			Hash:        "h1",
		},
		// Title boost: zeppelin in one title, and (more often) in the
		// body of a more recent document.
		{
			ID:       "boost-title",
			Title:    "Zeppelin scheduler outage",
			Summary:  "The batch scheduler stopped.",
			Body:     "Jobs piled up for two hours while the leader election looped.",
			Date:     tDate("2020-01-01"),
			Severity: "SEV3",
			Services: []string{"scheduler"},
			Hash:     "h1",
		},
		{
			ID:       "boost-body",
			Title:    "Scheduler jobs delayed",
			Summary:  "Batch jobs ran late.",
			Body:     "The zeppelin integration retried a zeppelin call for every job, and the zeppelin queue grew.",
			Date:     tDate("2024-12-01"),
			Severity: "SEV3",
			Services: []string{"scheduler"},
			Hash:     "h1",
		},
	}
}

func tOpen(t *testing.T, dir string) *Index {
	t.Helper()
	ix, err := Open(dir)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { _ = ix.Close() })
	return ix
}

func tNew(t *testing.T, docs []Doc) *Index {
	t.Helper()
	ix := tOpen(t, t.TempDir())
	if _, err := ix.Sync(docs); err != nil {
		t.Fatalf("Sync: %v", err)
	}
	return ix
}

func hitIDs(r *Result) []string {
	out := make([]string, len(r.Hits))
	for i, h := range r.Hits {
		out[i] = h.ID
	}
	return out
}

func tSearch(t *testing.T, ix *Index, r Request) *Result {
	t.Helper()
	res, err := ix.Search(context.Background(), r)
	if err != nil {
		t.Fatalf("Search(%+v): %v", r, err)
	}
	return res
}

func sortedCopy(xs []string) []string {
	ys := slices.Clone(xs)
	slices.Sort(ys)
	return ys
}

func TestQueries(t *testing.T) {
	ix := tNew(t, tCorpus())
	tests := []struct {
		name  string
		req   Request
		want  []string // as a set, unless ordered
		order bool
	}{
		{name: "title only word", req: Request{Query: "quokka"}, want: []string{"fields"}},
		{name: "summary only word", req: Request{Query: "narwhal"}, want: []string{"fields"}},
		{name: "body only word", req: Request{Query: "axolotl"}, want: []string{"fields"}},
		{name: "action item only word", req: Request{Query: "pangolin"}, want: []string{"fields"}},
		{name: "case insensitive", req: Request{Query: "QUOKKA"}, want: []string{"fields"}},
		{name: "stemming plural", req: Request{Query: "certificates"}, want: []string{"cert-expiry", "cert-rotation"}},
		{name: "stemming verb", req: Request{Query: "expires"}, want: []string{"cert-expiry"}},
		{name: "fuzzy", req: Request{Query: "certifcate~"}, want: []string{"cert-expiry", "cert-rotation"}},
		{name: "fuzzy 2", req: Request{Query: "axolatl~2"}, want: []string{"fields"}},
		{name: "not fuzzy without tilde", req: Request{Query: "certifcate"}, want: []string{}},
		{name: "phrase", req: Request{Query: `"retry storm"`}, want: []string{"dns-outage"}},
		{name: "phrase words apart do not match", req: Request{Query: `"storm retry"`}, want: []string{}},
		{name: "phrase in action item", req: Request{Query: `"failover drill"`}, want: []string{"db-failover"}},
		{name: "every word required", req: Request{Query: "quokka zeppelin"}, want: []string{}},
		{name: "every word required, found", req: Request{Query: "certificate mobile"}, want: []string{"cert-rotation"}},
		{name: "a word the analyzer splits needs every part", req: Request{Query: "edge-quokka"}, want: []string{}},
		{name: "must", req: Request{Query: "+certificate +mobile"}, want: []string{"cert-rotation"}},
		{name: "must not", req: Request{Query: "certificate -mobile"}, want: []string{"cert-expiry"}},
		{name: "only must not", req: Request{Query: "-certificate -zeppelin"}, want: []string{"dns-outage", "db-failover", "edge-latency", "fields"}},
		{name: "field title", req: Request{Query: "title:scheduler"}, want: []string{"boost-title", "boost-body"}},
		{name: "field body excludes title", req: Request{Query: "body:quokka"}, want: []string{}},
		{name: "severity field", req: Request{Query: "severity:SEV1"}, want: []string{"dns-outage"}},
		{name: "severity is exact", req: Request{Query: "severity:sev1"}, want: []string{}},
		{name: "tags field", req: Request{Query: "tags:dns"}, want: []string{"dns-outage"}},
		{name: "tag alias", req: Request{Query: "tag:certificates"}, want: []string{"cert-expiry", "cert-rotation"}},
		{name: "services keyword with dash", req: Request{Query: "services:edge-proxy"}, want: []string{"dns-outage", "edge-latency"}},
		{name: "service alias", req: Request{Query: "service:edge-proxy"}, want: []string{"dns-outage", "edge-latency"}},
		{name: "keyword not tokenised", req: Request{Query: "services:edge"}, want: []string{}},
		{name: "owner phrase is exact", req: Request{Query: `owner:"Ada Lovelace"`}, want: []string{"dns-outage"}},
		{name: "status", req: Request{Query: "status:in-review"}, want: []string{"db-failover"}},
		{name: "year", req: Request{Query: "year:2024"}, want: []string{"dns-outage", "cert-rotation", "db-failover", "boost-body"}},
		{name: "year range", req: Request{Query: "year:<2022"}, want: []string{"fields", "boost-title"}},
		{name: "date range", req: Request{Query: `date:>="2024-06-01"`}, want: []string{"cert-rotation", "boost-body"}},
		// A field:value is a filter beside the words, with or without +.
		{name: "field and words", req: Request{Query: "severity:SEV2 failover"}, want: []string{"db-failover"}},
		{name: "field and words with must", req: Request{Query: "+severity:SEV2 failover"}, want: []string{"db-failover"}},
		{name: "field excludes other severities", req: Request{Query: "severity:SEV1 certificate"}, want: []string{}},
		{name: "both must", req: Request{Query: "+severity:SEV2 +failover"}, want: []string{"db-failover"}},
		{name: "wildcard", req: Request{Query: "quok*"}, want: []string{"fields"}},
		{name: "wildcard upper case", req: Request{Query: "Quok*"}, want: []string{"fields"}},
		{name: "wildcard in field", req: Request{Query: "title:Quok*"}, want: []string{"fields"}},
		{name: "wildcard prefix stemmed", req: Request{Query: "certificat*"}, want: []string{"cert-expiry", "cert-rotation"}},
		{name: "wildcard question mark", req: Request{Query: "axol?tl"}, want: []string{"fields"}},
		{name: "wildcard keyword", req: Request{Query: "services:edge*"}, want: []string{"dns-outage", "edge-latency"}},
		{name: "regexp", req: Request{Query: "/narwh.l/"}, want: []string{"fields"}},
		{name: "stop words only", req: Request{Query: "the"}, want: []string{}},
		{name: "stop words only with filter", req: Request{Query: "the", Severity: "SEV2"}, want: []string{}},
		{name: "balanced brackets are ordinary characters", req: Request{Query: "(quokka)"}, want: []string{"fields"}},
		{name: "escaped colon", req: Request{Query: `quokka\:`}, want: []string{"fields"}},
		{name: "whitespace query lists all", req: Request{Query: "   ", Limit: 3}, want: []string{"boost-body", "cert-rotation", "dns-outage"}, order: true},
		{name: "unfinished word is a word", req: Request{Query: "zeppe"}, want: []string{}},
		{name: "unfinished last word", req: Request{Query: "zeppe", Partial: true}, want: []string{"boost-title", "boost-body"}},
		{name: "unfinished last word with another", req: Request{Query: "certificate mob", Partial: true}, want: []string{"cert-rotation"}},
		{name: "only the last word is unfinished", req: Request{Query: "mob certificate", Partial: true}, want: []string{}},
		{name: "unfinished word in a field is left", req: Request{Query: "title:zeppe", Partial: true}, want: []string{}},
		{name: "unfinished word too short", req: Request{Query: "ze", Partial: true}, want: []string{}},
		{name: "title beats body", req: Request{Query: "zeppelin"}, want: []string{"boost-title", "boost-body"}, order: true},
		{name: "boosted field words are required too", req: Request{Query: "title:zeppelin^5 body:zeppelin"}, want: []string{}},
		{name: "title boost with field syntax", req: Request{Query: "title:zeppelin^5"}, want: []string{"boost-title"}},
		// Filters
		{name: "severity filter", req: Request{Severity: "SEV2"}, want: []string{"cert-rotation", "db-failover", "cert-expiry"}, order: true},
		{name: "service filter exact", req: Request{Service: "edge-proxy"}, want: []string{"dns-outage", "edge-latency"}, order: true},
		{name: "service filter partial value", req: Request{Service: "edge"}, want: []string{}},
		{name: "tag filter", req: Request{Tag: "certificates"}, want: []string{"cert-rotation", "cert-expiry"}, order: true},
		{name: "unknown filter value", req: Request{Tag: "no-such-tag"}, want: []string{}},
		{name: "filters and", req: Request{Severity: "SEV2", Tag: "certificates", Service: "checkout"}, want: []string{"cert-expiry"}},
		{name: "filter with query", req: Request{Query: "certificate", Service: "mobile-api"}, want: []string{"cert-rotation"}},
		{name: "since inclusive", req: Request{Since: tDate("2024-03-05")}, want: []string{"boost-body", "cert-rotation", "dns-outage"}, order: true},
		{name: "until inclusive", req: Request{Until: tDate("2021-02-02")}, want: []string{"fields", "boost-title"}, order: true},
		{name: "until inclusive with time of day", req: Request{Until: time.Date(2021, 2, 2, 0, 0, 1, 0, time.UTC)}, want: []string{"fields", "boost-title"}, order: true},
		{name: "since and until", req: Request{Since: tDate("2023-01-01"), Until: tDate("2024-01-10")}, want: []string{"db-failover", "cert-expiry"}, order: true},
		{name: "same day", req: Request{Since: tDate("2024-01-10"), Until: tDate("2024-01-10")}, want: []string{"db-failover"}},
		{name: "since after until", req: Request{Since: tDate("2024-01-11"), Until: tDate("2024-01-10")}, want: []string{}},
		{name: "since with query", req: Request{Query: "certificate", Since: tDate("2024-01-01")}, want: []string{"cert-rotation"}},
		// Paging
		{name: "limit", req: Request{Limit: 2}, want: []string{"boost-body", "cert-rotation"}, order: true},
		{name: "offset", req: Request{Limit: 2, Offset: 2}, want: []string{"dns-outage", "db-failover"}, order: true},
		{name: "offset past the end", req: Request{Offset: 100}, want: []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := tSearch(t, ix, tt.req)
			got := hitIDs(res)
			if tt.order {
				if !reflect.DeepEqual(got, tt.want) {
					t.Fatalf("got %v, want %v", got, tt.want)
				}
				return
			}
			if !reflect.DeepEqual(sortedCopy(got), sortedCopy(tt.want)) {
				t.Fatalf("got %v, want %v (any order)", got, tt.want)
			}
		})
	}
}

func TestEmptyQueryRecentFirstAndHitFields(t *testing.T) {
	ix := tNew(t, tCorpus())
	res := tSearch(t, ix, Request{})
	if res.Total != len(tCorpus()) {
		t.Fatalf("total %d, want %d", res.Total, len(tCorpus()))
	}
	want := []string{"boost-body", "cert-rotation", "dns-outage", "db-failover", "cert-expiry", "edge-latency", "fields", "boost-title"}
	if got := hitIDs(res); !reflect.DeepEqual(got, want) {
		t.Fatalf("order %v, want %v", got, want)
	}
	var h Hit
	for _, x := range res.Hits {
		if x.ID == "dns-outage" {
			h = x
		}
	}
	wantHit := Hit{
		ID:       "dns-outage",
		Title:    "DNS resolver outage",
		URL:      "/postmortems/dns-outage/",
		Date:     "2024-03-05",
		Severity: "SEV1",
		Services: []string{"dns", "edge-proxy"},
		Tags:     []string{"dns", "config-push"},
		Summary:  "Internal resolvers returned SERVFAIL for every internal zone.",
	}
	if !reflect.DeepEqual(h, wantHit) {
		t.Fatalf("hit\n%#v\nwant\n%#v", h, wantHit)
	}
	if res.Took <= 0 {
		t.Errorf("Took not measured: %v", res.Took)
	}
}

func TestSameDateOrderedByID(t *testing.T) {
	docs := []Doc{
		{ID: "c", Title: "outage", Date: tDate("2024-01-01"), Hash: "1"},
		{ID: "a", Title: "outage", Date: tDate("2024-01-01"), Hash: "1"},
		{ID: "b", Title: "outage", Date: tDate("2024-01-01"), Hash: "1"},
		{ID: "d", Title: "outage", Date: tDate("2024-01-02"), Hash: "1"},
		{ID: "e", Title: "outage", Hash: "1"}, // no date: last
	}
	ix := tNew(t, docs)
	for _, q := range []string{"", "outage"} {
		got := hitIDs(tSearch(t, ix, Request{Query: q}))
		if want := []string{"d", "a", "b", "c", "e"}; !reflect.DeepEqual(got, want) {
			t.Errorf("query %q: %v, want %v", q, got, want)
		}
	}
}

func TestFacets(t *testing.T) {
	ix := tNew(t, tCorpus())
	tests := []struct {
		name string
		req  Request
		want map[string][]FacetCount
	}{
		{
			name: "all",
			req:  Request{Limit: 1},
			want: map[string][]FacetCount{
				FacetSeverity: {{"SEV2", 3}, {"SEV3", 3}, {"SEV1", 1}, {"SEV4", 1}},
				FacetService: {{"edge-proxy", 2}, {"scheduler", 2}, {"checkout", 1}, {"database", 1},
					{"dns", 1}, {"mobile-api", 1}, {"queue", 1}},
				FacetTag: {{"certificates", 2}, {"capacity", 1}, {"config-push", 1}, {"database", 1},
					{"dns", 1}, {"mobile", 1}, {"queue", 1}},
				FacetYear: {{"2024", 4}, {"2020", 1}, {"2021", 1}, {"2022", 1}, {"2023", 1}},
			},
		},
		{
			name: "over all matches, not the page",
			req:  Request{Query: "certificate", Limit: 1},
			want: map[string][]FacetCount{
				FacetSeverity: {{"SEV2", 2}},
				FacetService:  {{"checkout", 1}, {"mobile-api", 1}},
				FacetTag:      {{"certificates", 2}, {"mobile", 1}},
				FacetYear:     {{"2023", 1}, {"2024", 1}},
			},
		},
		{
			name: "no matches",
			req:  Request{Query: "nothingmatchesthis"},
			want: map[string][]FacetCount{FacetSeverity: {}, FacetService: {}, FacetTag: {}, FacetYear: {}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := tSearch(t, ix, tt.req)
			if !reflect.DeepEqual(res.Facets, tt.want) {
				t.Fatalf("facets\n%v\nwant\n%v", res.Facets, tt.want)
			}
		})
	}
}

func TestFacetTop20(t *testing.T) {
	var docs []Doc
	for i := range 30 {
		d := Doc{ID: string(rune('a'+i%26)) + strings.Repeat("x", i/26), Title: "outage", Hash: "1"}
		// tag-00 on 1 doc, tag-01 on 2, ...: counts differ.
		for j := 0; j <= i; j++ {
			_ = j
		}
		d.Tags = []string{"common"}
		for k := i; k < 30; k++ {
			d.Tags = append(d.Tags, "t"+string(rune('A'+k%26))+strings.Repeat("z", k/26))
		}
		docs = append(docs, d)
	}
	ix := tNew(t, docs)
	res := tSearch(t, ix, Request{})
	tags := res.Facets[FacetTag]
	if len(tags) != facetSize {
		t.Fatalf("%d tag facets, want %d", len(tags), facetSize)
	}
	if tags[0] != (FacetCount{"common", 30}) {
		t.Fatalf("first %v", tags[0])
	}
	for i := 1; i < len(tags); i++ {
		if tags[i].Count > tags[i-1].Count || (tags[i].Count == tags[i-1].Count && tags[i].Value < tags[i-1].Value) {
			t.Fatalf("facets out of order: %v", tags)
		}
	}
}

func TestHighlights(t *testing.T) {
	ix := tNew(t, tCorpus())
	res := tSearch(t, ix, Request{Query: "certificate"})
	var h *Hit
	for i := range res.Hits {
		if res.Hits[i].ID == "cert-expiry" {
			h = &res.Hits[i]
		}
	}
	if h == nil {
		t.Fatalf("cert-expiry not found: %v", hitIDs(res))
	}
	for _, f := range []string{"title", "summary", "body"} {
		frags := h.Fragments[f]
		if len(frags) == 0 {
			t.Fatalf("no %s fragment: %v", f, h.Fragments)
		}
		if !strings.Contains(strings.ToLower(frags[0]), "<mark>certificate</mark>") {
			t.Errorf("%s fragment has no mark: %q", f, frags[0])
		}
	}
	body := strings.Join(h.Fragments["body"], " ")
	if strings.Contains(body, "<script>") || !strings.Contains(body, "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Errorf("body fragment not escaped: %q", body)
	}
	stripped := strings.NewReplacer("<mark>", "", "</mark>", "").Replace(body)
	if strings.ContainsAny(stripped, "<>") {
		t.Errorf("markup other than <mark> in %q", body)
	}
	if _, ok := h.Fragments["action_items"]; ok {
		t.Errorf("unexpected action_items fragment")
	}

	// A match in the body only: no title or summary fragments.
	res = tSearch(t, ix, Request{Query: "axolotl"})
	if got := res.Hits[0].Fragments; len(got) != 1 || len(got["body"]) != 1 ||
		!strings.Contains(got["body"][0], "<mark>axolotl</mark>") {
		t.Errorf("axolotl fragments: %v", got)
	}

	// Listing (no query): no fragments.
	res = tSearch(t, ix, Request{})
	for _, h := range res.Hits {
		if h.Fragments != nil {
			t.Errorf("%s has fragments with no query: %v", h.ID, h.Fragments)
		}
	}
}

func TestQueryErrors(t *testing.T) {
	ix := tNew(t, tCorpus())
	tests := []struct {
		name string
		req  Request
		msg  string // part of the message
	}{
		{"unterminated phrase", Request{Query: `"unterminated`}, "unterminated phrase"},
		{"unterminated phrase after words", Request{Query: `dns "resolver outage`}, "character 5"},
		{"unterminated field phrase", Request{Query: `title:"dns`}, "unterminated phrase"},
		{"open bracket", Request{Query: "(a"}, "never closed"},
		{"close bracket", Request{Query: "a)"}, "closes nothing"},
		{"mismatched brackets", Request{Query: "(a]"}, "closes nothing"},
		{"open square bracket", Request{Query: "dns [outage"}, "never closed"},
		{"too long", Request{Query: strings.Repeat("a", 10000)}, "too long"},
		{"too long in runes", Request{Query: strings.Repeat("é", MaxQueryLength+1)}, "too long"},
		{"NUL", Request{Query: "dns\x00outage"}, "NUL"},
		{"invalid UTF-8", Request{Query: "dns \xff\xfe"}, "UTF-8"},
		{"negative limit", Request{Query: "dns", Limit: -1}, "limit"},
		{"negative offset", Request{Offset: -5}, "offset"},
		{"dangling colon", Request{Query: "title:"}, "invalid query"},
		{"lone plus", Request{Query: "+"}, "invalid query"},
		{"unknown field", Request{Query: "colour:red"}, "unknown field"},
		{"fuzziness too high", Request{Query: "dns~5"}, "fuzziness"},
		{"bad boost", Request{Query: "dns^abc"}, "boost"},
		{"negative boost", Request{Query: "dns^-2"}, ""},
		{"bad date", Request{Query: `date:>"yesterday"`}, "invalid query"},
		{"bad regexp", Request{Query: `/[a/`}, "pattern"},
		{"bad regexp in field", Request{Query: `title:/(a/`}, "pattern"},
		{"date range on another field", Request{Query: `title:>"2024-01-01"`}, "date field"},
		{"date after 2262", Request{Query: `date:>"6024-01-01"`}, "between 1678 and 2262"},
		{"date before 1678", Request{Query: `date:<"1500-01-01"`}, "between 1678 and 2262"},
		// Queries that once pinned the machine: each expands into every
		// indexed word before the search runs.
		{"490 stars", Request{Query: strings.Repeat("*", 490)}, "start it with at least 2 letters"},
		{"leading wildcard", Request{Query: "*tificate"}, "start it with at least 2 letters"},
		{"one-letter prefix", Request{Query: "c*"}, "start it with at least 2 letters"},
		{"many wild characters", Request{Query: "ce*r*t*i*f*"}, "at most 4"},
		{"200 regexps", Request{Query: strings.Repeat("/.*/ ", 200)}, "/pattern/"},
		{"unanchored regexp", Request{Query: "/.*cert/"}, "start it with at least 2 plain letters"},
		{"long regexp", Request{Query: "/ce" + strings.Repeat("a?", 40) + "/"}, "the limit is 64"},
		{"330 prefixes", Request{Query: strings.Repeat("x* ", 330)}, "start it with at least 2 letters"},
		{"many prefixes", Request{Query: strings.Repeat("xy* ", 100)}, "more than 4 wildcards"},
		{"fuzzy terms", Request{Query: "dns~1 outage~1 resolver~1 cert~1 expiry~1"}, "more than 4 wildcards"},
		{"too many words", Request{Query: strings.Repeat("dns ", 40)}, "more than 32 words"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			res, err := ix.Search(ctx, tt.req)
			var qe *QueryError
			if !errors.As(err, &qe) {
				t.Fatalf("got %v, %v; want a *QueryError", res, err)
			}
			if !strings.Contains(qe.Msg, tt.msg) {
				t.Errorf("message %q does not mention %q", qe.Msg, tt.msg)
			}
			t.Logf("%s", qe.Msg)
		})
	}
}

func TestLimits(t *testing.T) {
	var docs []Doc
	for i := range 150 {
		docs = append(docs, Doc{ID: strings.Repeat("x", i+1), Title: "outage", Date: tDate("2024-01-01").AddDate(0, 0, i), Hash: "1"})
	}
	ix := tNew(t, docs)
	for _, tt := range []struct{ limit, want int }{{0, DefaultLimit}, {5, 5}, {MaxLimit, MaxLimit}, {MaxLimit + 1, MaxLimit}, {100000, MaxLimit}} {
		res := tSearch(t, ix, Request{Query: "outage", Limit: tt.limit})
		if len(res.Hits) != tt.want || res.Total != 150 {
			t.Errorf("limit %d: %d hits of %d, want %d of 150", tt.limit, len(res.Hits), res.Total, tt.want)
		}
	}
	// Exactly MaxQueryLength characters is allowed.
	if _, err := ix.Search(context.Background(), Request{Query: strings.Repeat("é", MaxQueryLength)}); err != nil {
		t.Errorf("query of MaxQueryLength characters: %v", err)
	}
}

func TestDeterministic(t *testing.T) {
	ix := tNew(t, tCorpus())
	for _, q := range []string{"", "certificate", "outage edge scheduler", "the"} {
		first := tSearch(t, ix, Request{Query: q})
		for range 5 {
			again := tSearch(t, ix, Request{Query: q})
			first.Took, again.Took = 0, 0
			if !reflect.DeepEqual(first, again) {
				t.Fatalf("query %q: results differ", q)
			}
		}
	}
}

func TestListingCache(t *testing.T) {
	ix := tNew(t, tCorpus())
	first := tSearch(t, ix, Request{Severity: "SEV2"})
	// Changing a result must not change what the next caller gets.
	first.Hits[0].Title = "changed"
	first.Hits[0].Tags[0] = "changed"
	first.Facets[FacetTag][0].Value = "changed"
	first.Hits = first.Hits[:1]
	again := tSearch(t, ix, Request{Severity: "SEV2"})
	if len(again.Hits) != 3 || again.Hits[0].Title == "changed" || again.Hits[0].Tags[0] == "changed" ||
		again.Facets[FacetTag][0].Value == "changed" {
		t.Fatalf("cached result was changed through a returned one: %+v", again)
	}
	// A Sync that changes the index invalidates listings.
	docs := tCorpus()
	docs[1].Severity = "SEV1"
	docs[1].Hash = "h2"
	if _, err := ix.Sync(docs); err != nil {
		t.Fatal(err)
	}
	if got := hitIDs(tSearch(t, ix, Request{Severity: "SEV2"})); !reflect.DeepEqual(got, []string{"cert-rotation", "db-failover"}) {
		t.Fatalf("after sync: %v", got)
	}
	// Distinct requests are distinct entries.
	a := hitIDs(tSearch(t, ix, Request{Limit: 2}))
	b := hitIDs(tSearch(t, ix, Request{Limit: 2, Offset: 2}))
	c := hitIDs(tSearch(t, ix, Request{Limit: 2, Since: tDate("2024-03-05")}))
	if reflect.DeepEqual(a, b) || !reflect.DeepEqual(a, []string{"boost-body", "cert-rotation"}) || !reflect.DeepEqual(c, a) {
		t.Fatalf("pages %v %v %v", a, b, c)
	}
	if got := hitIDs(tSearch(t, ix, Request{Limit: 2, Since: tDate("2024-06-02")})); !reflect.DeepEqual(got, []string{"boost-body"}) {
		t.Fatalf("since: %v", got)
	}
}

func TestConcurrentSyncAndSearch(t *testing.T) {
	ix := tNew(t, tCorpus())
	ctx := context.Background()
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				for _, r := range []Request{{}, {Query: "certificate"}, {Severity: "SEV2"}} {
					res, err := ix.Search(ctx, r)
					if err != nil {
						t.Error(err)
						return
					}
					if res.Total == 0 {
						t.Errorf("%+v: no matches", r)
						return
					}
				}
				if _, err := ix.Similar(ctx, "cert-expiry", 2); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	docs := tCorpus()
	for i := range 20 {
		docs[0].Hash = fmt.Sprint(i)
		docs[0].Title = fmt.Sprintf("DNS resolver outage %d", i)
		if _, err := ix.Sync(docs); err != nil {
			t.Fatal(err)
		}
	}
	close(stop)
	wg.Wait()
	res := tSearch(t, ix, Request{Query: "title:19"})
	if got := hitIDs(res); !reflect.DeepEqual(got, []string{"dns-outage"}) {
		t.Errorf("last update not searchable: %v", got)
	}
}

func TestClosed(t *testing.T) {
	ix := tNew(t, tCorpus())
	tSearch(t, ix, Request{}) // cached
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}
	if err := ix.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if _, err := ix.Search(context.Background(), Request{}); err == nil {
		t.Error("Search on a closed index succeeded")
	}
	if _, err := ix.Sync(tCorpus()); err == nil {
		t.Error("Sync on a closed index succeeded")
	}
	if _, err := ix.Similar(context.Background(), "cert-expiry", 1); err == nil {
		t.Error("Similar on a closed index succeeded")
	}
}

func TestContextCancelled(t *testing.T) {
	ix := tNew(t, tCorpus())
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := ix.Search(ctx, Request{Query: "certificate"}); !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
}

func TestSync(t *testing.T) {
	dir := t.TempDir()
	ix := tOpen(t, dir)
	docs := tCorpus()

	st, err := ix.Sync(docs)
	if err != nil {
		t.Fatal(err)
	}
	if want := (SyncStats{Added: len(docs)}); st != want {
		t.Fatalf("first sync %+v, want %+v", st, want)
	}

	st, err = ix.Sync(docs)
	if err != nil {
		t.Fatal(err)
	}
	if want := (SyncStats{Unchanged: len(docs)}); st != want {
		t.Fatalf("second sync %+v, want %+v", st, want)
	}

	// Change one, remove two, add one.
	next := slices.Clone(docs)
	next[0].Title = "Resolver meltdown"
	next[0].Hash = "h2"
	next = slices.DeleteFunc(next, func(d Doc) bool { return d.ID == "fields" || d.ID == "edge-latency" })
	next = append(next, Doc{ID: "new", Title: "Brand new wombat incident", Hash: "h1", Date: tDate("2025-01-01")})
	st, err = ix.Sync(next)
	if err != nil {
		t.Fatal(err)
	}
	if want := (SyncStats{Added: 1, Updated: 1, Deleted: 2, Unchanged: len(docs) - 3}); st != want {
		t.Fatalf("third sync %+v, want %+v", st, want)
	}
	if got := hitIDs(tSearch(t, ix, Request{Query: "meltdown"})); !reflect.DeepEqual(got, []string{"dns-outage"}) {
		t.Errorf("updated doc: %v", got)
	}
	if got := hitIDs(tSearch(t, ix, Request{Query: "title:dns"})); len(got) != 0 {
		t.Errorf("old title still found: %v", got)
	}
	if got := hitIDs(tSearch(t, ix, Request{Query: "quokka"})); len(got) != 0 {
		t.Errorf("deleted doc still found: %v", got)
	}
	if got := hitIDs(tSearch(t, ix, Request{Query: "wombat"})); !reflect.DeepEqual(got, []string{"new"}) {
		t.Errorf("new doc: %v", got)
	}
	if res := tSearch(t, ix, Request{}); res.Total != len(next) {
		t.Errorf("total %d, want %d", res.Total, len(next))
	}

	// The same content with a different hash is re-indexed; an empty
	// hash always is.
	next[1].Hash = "h9"
	next[2].Hash = ""
	st, err = ix.Sync(next)
	if err != nil {
		t.Fatal(err)
	}
	if want := (SyncStats{Updated: 2, Unchanged: len(next) - 2}); st != want {
		t.Fatalf("fourth sync %+v, want %+v", st, want)
	}
	st, _ = ix.Sync(next)
	if want := (SyncStats{Updated: 1, Unchanged: len(next) - 1}); st != want {
		t.Fatalf("fifth sync %+v, want %+v", st, want)
	}

	// Empty: everything deleted.
	st, err = ix.Sync(nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := (SyncStats{Deleted: len(next)}); st != want {
		t.Fatalf("empty sync %+v, want %+v", st, want)
	}
	if res := tSearch(t, ix, Request{}); res.Total != 0 {
		t.Errorf("total %d after deleting all", res.Total)
	}

	// Bad input changes nothing.
	if _, err := ix.Sync([]Doc{{ID: "a", Hash: "1"}, {ID: "a", Hash: "2"}}); err == nil {
		t.Error("duplicate ids accepted")
	}
	if _, err := ix.Sync([]Doc{{Title: "no id"}}); err == nil {
		t.Error("empty id accepted")
	}
	if res := tSearch(t, ix, Request{}); res.Total != 0 {
		t.Errorf("rejected sync changed the index: total %d", res.Total)
	}
}

func TestReopenPersists(t *testing.T) {
	dir := t.TempDir()
	ix, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if ix.Rebuilt() {
		t.Errorf("new index reports Rebuilt: %s", ix.RebuildReason())
	}
	if _, err := ix.Sync(tCorpus()); err != nil {
		t.Fatal(err)
	}
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}

	ix = tOpen(t, dir)
	if ix.Rebuilt() {
		t.Fatalf("reopen rebuilt: %s", ix.RebuildReason())
	}
	if got := hitIDs(tSearch(t, ix, Request{Query: "quokka"})); !reflect.DeepEqual(got, []string{"fields"}) {
		t.Errorf("after reopen: %v", got)
	}
	st, err := ix.Sync(tCorpus())
	if err != nil {
		t.Fatal(err)
	}
	if want := (SyncStats{Unchanged: len(tCorpus())}); st != want {
		t.Errorf("sync after reopen %+v, want %+v", st, want)
	}
}

// buildIndex creates an index with the corpus in dir and closes it.
func tBuild(t *testing.T, dir string) {
	t.Helper()
	ix, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ix.Sync(tCorpus()); err != nil {
		t.Fatal(err)
	}
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestRebuild(t *testing.T) {
	garbage := []byte("\x00\x01garbage\xff not an index \x7f")
	tests := []struct {
		name    string
		corrupt func(t *testing.T, dir string)
	}{
		{"every file garbage", func(t *testing.T, dir string) {
			err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
				if err == nil && !d.IsDir() {
					err = os.WriteFile(p, garbage, 0o644)
				}
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
		}},
		{"bleve files garbage", func(t *testing.T, dir string) {
			err := filepath.WalkDir(filepath.Join(dir, bleveDirName), func(p string, d os.DirEntry, err error) error {
				if err == nil && !d.IsDir() {
					err = os.WriteFile(p, garbage, 0o644)
				}
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
		}},
		{"index meta garbage", func(t *testing.T, dir string) {
			if err := os.WriteFile(filepath.Join(dir, bleveDirName, "index_meta.json"), garbage, 0o644); err != nil {
				t.Fatal(err)
			}
		}},
		{"root bolt garbage", func(t *testing.T, dir string) {
			if err := os.WriteFile(filepath.Join(dir, bleveDirName, "store", "root.bolt"), garbage, 0o644); err != nil {
				t.Fatal(err)
			}
		}},
		{"segments garbage", func(t *testing.T, dir string) {
			zaps, _ := filepath.Glob(filepath.Join(dir, bleveDirName, "store", "*.zap"))
			if len(zaps) == 0 {
				t.Skip("no zap files")
			}
			for _, z := range zaps {
				if err := os.WriteFile(z, garbage, 0o644); err != nil {
					t.Fatal(err)
				}
			}
		}},
		{"bleve dir is a file", func(t *testing.T, dir string) {
			_ = os.RemoveAll(filepath.Join(dir, bleveDirName))
			if err := os.WriteFile(filepath.Join(dir, bleveDirName), garbage, 0o644); err != nil {
				t.Fatal(err)
			}
		}},
		{"version mismatch", func(t *testing.T, dir string) {
			if err := os.WriteFile(filepath.Join(dir, versionFile), []byte("hindsight-search 0\n"), 0o644); err != nil {
				t.Fatal(err)
			}
		}},
		{"version missing", func(t *testing.T, dir string) {
			if err := os.Remove(filepath.Join(dir, versionFile)); err != nil {
				t.Fatal(err)
			}
		}},
		{"hashes missing", func(t *testing.T, dir string) {
			if err := os.Remove(filepath.Join(dir, hashesFile)); err != nil {
				t.Fatal(err)
			}
		}},
		{"hashes garbage", func(t *testing.T, dir string) {
			if err := os.WriteFile(filepath.Join(dir, hashesFile), garbage, 0o644); err != nil {
				t.Fatal(err)
			}
		}},
		{"hashes ahead of the index", func(t *testing.T, dir string) {
			if err := os.WriteFile(filepath.Join(dir, hashesFile), []byte(`{"dns-outage":"h1","cert-expiry":"h1","cert-rotation":"h1","db-failover":"h1","edge-latency":"h1","fields":"h1","boost-title":"h1","boost-body":"h1","lost":"h1"}`), 0o644); err != nil {
				t.Fatal(err)
			}
		}},
		{"hashes behind the index", func(t *testing.T, dir string) {
			if err := os.WriteFile(filepath.Join(dir, hashesFile), []byte(`{"dns-outage":"h1"}`), 0o644); err != nil {
				t.Fatal(err)
			}
		}},
		{"index missing", func(t *testing.T, dir string) {
			if err := os.RemoveAll(filepath.Join(dir, bleveDirName)); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			tBuild(t, dir)
			tt.corrupt(t, dir)
			ix := tOpen(t, dir)
			if !ix.Rebuilt() {
				t.Fatal("Rebuilt() is false")
			}
			t.Logf("reason: %s", ix.RebuildReason())
			if res := tSearch(t, ix, Request{}); res.Total != 0 {
				t.Errorf("rebuilt index holds %d documents", res.Total)
			}
			st, err := ix.Sync(tCorpus())
			if err != nil {
				t.Fatal(err)
			}
			if st.Added != len(tCorpus()) {
				t.Errorf("sync after rebuild %+v", st)
			}
			if got := hitIDs(tSearch(t, ix, Request{Query: "quokka"})); !reflect.DeepEqual(got, []string{"fields"}) {
				t.Errorf("search after rebuild: %v", got)
			}
			// And it opens cleanly next time.
			if err := ix.Close(); err != nil {
				t.Fatal(err)
			}
			ix2 := tOpen(t, dir)
			if ix2.Rebuilt() {
				t.Errorf("second open rebuilt again: %s", ix2.RebuildReason())
			}
		})
	}
}

func TestInterruptedSyncRecovers(t *testing.T) {
	// A Sync that died after writing the pending hashes but before
	// indexing: the blanked hashes make the next Sync redo the work.
	dir := t.TempDir()
	tBuild(t, dir)
	if err := os.WriteFile(filepath.Join(dir, hashesFile), []byte(`{"dns-outage":"","cert-expiry":"h1","cert-rotation":"h1","db-failover":"h1","edge-latency":"h1","fields":"h1","boost-title":"h1","boost-body":"h1","ghost":""}`), 0o644); err != nil {
		t.Fatal(err)
	}
	ix := tOpen(t, dir)
	if ix.Rebuilt() {
		t.Fatalf("rebuilt: %s", ix.RebuildReason())
	}
	st, err := ix.Sync(tCorpus())
	if err != nil {
		t.Fatal(err)
	}
	if want := (SyncStats{Updated: 1, Deleted: 1, Unchanged: len(tCorpus()) - 1}); st != want {
		t.Fatalf("%+v, want %+v", st, want)
	}
}

func TestOpenInUse(t *testing.T) {
	dir := t.TempDir()
	ix := tOpen(t, dir)
	_ = ix
	start := time.Now()
	ix2, err := Open(dir)
	if err == nil {
		_ = ix2.Close()
		t.Fatal("second Open of an index in use succeeded")
	}
	t.Logf("%v after %v", err, time.Since(start))
	// The index in use must not have been destroyed.
	if _, err := os.Stat(filepath.Join(dir, versionFile)); err != nil {
		t.Fatal(err)
	}
	if _, err := ix.Sync(tCorpus()); err != nil {
		t.Fatal(err)
	}
}

func TestAnalyze(t *testing.T) {
	tests := []struct {
		text string
		want []string
	}{
		{"The certificates EXPIRED", []string{"certif", "expir"}},
		{"certificate", []string{"certif"}},
		{"edge-proxy's pool", []string{"edg", "proxi", "pool"}},
		{"", []string{}},
		{"the and of", []string{}},
		{"Retry storm, retry", []string{"retri", "storm", "retri"}},
	}
	ix := tNew(t, nil)
	for _, tt := range tests {
		if got := Analyze(tt.text); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Analyze(%q) = %q, want %q", tt.text, got, tt.want)
		}
		if got := ix.Analyze(tt.text); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("ix.Analyze(%q) = %q, want %q", tt.text, got, tt.want)
		}
	}
}

// TestAnalyzeMatchesIndex checks that the terms Analyze produces are the
// terms the index holds: searching for each analysed term as an exact
// term finds the document.
func TestAnalyzeMatchesIndex(t *testing.T) {
	ix := tNew(t, tCorpus())
	for _, d := range tCorpus() {
		for _, term := range Analyze(d.Title + " " + d.Summary + " " + d.Body) {
			res := tSearch(t, ix, Request{Query: "/" + term + "/"})
			if !slices.Contains(hitIDs(res), d.ID) {
				t.Errorf("term %q of %s not in the index", term, d.ID)
			}
		}
	}
}

func TestTextPatterns(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"certificat*", []string{"certificat*", "certif*"}},
		{"Deploy*", []string{"deploy*", "deploi*"}},
		{"expir*", []string{"expir*"}},
		{"ab*", []string{"ab*"}},
		{"a?c*", []string{"a?c*"}},
		{"*tion", []string{"*tion"}},
		{"the*", []string{"the*"}},
	}
	for _, tt := range tests {
		if got := textPatterns(tt.in); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("textPatterns(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestSimilar(t *testing.T) {
	ix := tNew(t, tCorpus())
	ctx := context.Background()
	got, err := ix.Similar(ctx, "cert-expiry", 3)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) == 0 || got[0] != "cert-rotation" {
		t.Fatalf("Similar(cert-expiry) = %v, want cert-rotation first", got)
	}
	if slices.Contains(got, "cert-expiry") {
		t.Errorf("Similar includes the document itself: %v", got)
	}
	if len(got) > 3 {
		t.Errorf("more than n: %v", got)
	}
	again, _ := ix.Similar(ctx, "cert-expiry", 3)
	if !reflect.DeepEqual(got, again) {
		t.Errorf("not deterministic: %v then %v", got, again)
	}
	got, err = ix.Similar(ctx, "boost-title", 5)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) == 0 || got[0] != "boost-body" {
		t.Errorf("Similar(boost-title) = %v, want boost-body first", got)
	}
	if got, err := ix.Similar(ctx, "cert-expiry", 0); err != nil || len(got) != 0 {
		t.Errorf("n=0: %v, %v", got, err)
	}
	if _, err := ix.Similar(ctx, "no-such-doc", 3); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown id: %v", err)
	}
}

// Searches beyond the few that run at once wait their turn, and give up
// when their deadline passes.
func TestConcurrentSearchesBounded(t *testing.T) {
	ix := tNew(t, tCorpus())
	for range maxConcurrentRuns {
		ix.running <- struct{}{}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := ix.Search(ctx, Request{Query: "dns"}); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("a search past the limit: %v, want the deadline", err)
	}
	<-ix.running
	if _, err := ix.Search(context.Background(), Request{Query: "dns"}); err != nil {
		t.Errorf("a search with a free slot: %v", err)
	}
}
