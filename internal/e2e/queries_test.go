package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/hindsight-dev/hindsight/internal/cli"
	"github.com/hindsight-dev/hindsight/internal/search"
	"github.com/hindsight-dev/hindsight/internal/server"
	"github.com/hindsight-dev/hindsight/internal/site"
)

// goldenQuery is a query of the shared set and the postmortems it finds.
type goldenQuery struct {
	Q   string   `json:"q"`
	IDs []string `json:"ids"`
}

// goldenQueries reads the set that `hindsight search`, the search API and
// the static search must all answer alike.
func goldenQueries(t *testing.T) []goldenQuery {
	t.Helper()
	data, err := os.ReadFile("../search/testdata/queries.json")
	if err != nil {
		t.Fatal(err)
	}
	var set struct {
		Queries []goldenQuery `json:"queries"`
	}
	if err := json.Unmarshal(data, &set); err != nil {
		t.Fatal(err)
	}
	if len(set.Queries) < 10 {
		t.Fatalf("only %d golden queries", len(set.Queries))
	}
	return set.Queries
}

// checkGolden compares what one place found for a query with the set.
func checkGolden(t *testing.T, where string, g goldenQuery, got []string) {
	t.Helper()
	got = slices.Sorted(slices.Values(got))
	want := slices.Sorted(slices.Values(g.IDs))
	if !slices.Equal(got, want) {
		t.Errorf("%s %q: found %v, want %v", where, g.Q, got, want)
	}
}

// The command and the search API answer every golden query with its
// postmortems: every word must match, and field:value filters.
func TestGoldenQueriesCommandAndAPI(t *testing.T) {
	queries := goldenQueries(t)
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("HINDSIGHT_CACHE", t.TempDir())
	wd, _ := os.Getwd()
	defer os.Chdir(wd)
	if err := os.Chdir(root); err != nil {
		t.Fatal(err)
	}
	for _, g := range queries {
		var stdout, stderr bytes.Buffer
		// As the built site: drafts left out.
		args := append([]string{"search", "--format", "json", "--limit", "100", "--drafts=false", "--"}, strings.Fields(g.Q)...)
		if code := cli.Main(context.Background(), args, nil, &stdout, &stderr); code != 0 {
			t.Fatalf("search %q: exit %d: %s", g.Q, code, stderr.String())
		}
		checkGolden(t, "hindsight search", g, resultIDs(t, stdout.Bytes()))
	}
	if err := os.Chdir(wd); err != nil {
		t.Fatal(err)
	}

	out := buildExamples(t)
	ix, err := search.Open(filepath.Join(out, site.IndexDir))
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	api := httptest.NewServer(server.New(server.Options{Dir: out, Base: "/", Search: ix}))
	defer api.Close()
	for _, g := range queries {
		resp, err := http.Get(api.URL + "/api/search?limit=100&q=" + url.QueryEscape(g.Q))
		if err != nil {
			t.Fatal(err)
		}
		var body bytes.Buffer
		_, _ = body.ReadFrom(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("API %q: %d %s", g.Q, resp.StatusCode, body.String())
		}
		checkGolden(t, "the search API", g, resultIDs(t, body.Bytes()))
	}
}

// resultIDs are the ids of a search result in JSON.
func resultIDs(t *testing.T, data []byte) []string {
	t.Helper()
	var res struct {
		Hits []struct {
			ID string `json:"id"`
		} `json:"hits"`
	}
	if err := json.Unmarshal(data, &res); err != nil {
		t.Fatalf("not a search result: %v\n%s", err, data)
	}
	ids := []string{}
	for _, h := range res.Hits {
		ids = append(ids, h.ID)
	}
	return ids
}

// The published site's static search, run by the real search.js in a
// browser, answers every golden query with its postmortems.
func TestGoldenQueriesStatic(t *testing.T) {
	queries := goldenQueries(t)
	out := buildExamples(t)
	static := httptest.NewServer(http.FileServer(http.Dir(out)))
	defer static.Close()
	s := newSession(t)
	for _, g := range queries {
		s.do(t, chromedp.Navigate(static.URL+"/search/?q="+url.QueryEscape(g.Q)))
		// The count is written once the search has answered.
		deadline := time.Now().Add(20 * time.Second)
		for eval[string](t, s, `document.getElementById('search-count').textContent`) == "" {
			if time.Now().After(deadline) {
				t.Fatalf("static %q: no answer", g.Q)
			}
			time.Sleep(50 * time.Millisecond)
		}
		paths := eval[[]string](t, s, `Array.from(document.querySelectorAll('#search-hits li')).filter(function(li){return li.querySelector('a')}).map(function(li){return new URL(li.querySelector('a').href).pathname})`)
		ids := []string{}
		for _, p := range paths {
			ids = append(ids, strings.Trim(p, "/"))
		}
		checkGolden(t, "the static search", g, ids)
	}
	s.noErrors(t, "golden queries")
}
