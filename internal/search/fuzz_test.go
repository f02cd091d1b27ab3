package search

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

// FuzzSearchQuery runs arbitrary query text (and a tag filter and page)
// against a small index: Search must never panic, and must return either
// a result or a *QueryError that says what is wrong, never another error,
// which the server would answer with a 500.
func FuzzSearchQuery(f *testing.F) {
	for _, q := range []string{
		"", "certificate", "certificates", `"retry storm"`, "+dns -edge", "title:quokka", "tag:dns",
		"severity:SEV1", "service:edge-proxy", "certifcate~", "axolatl~2", "cert*", "/cert.*/", "zeppelin^3",
		"year:>2022", `date:>"2024-01-01"`, `date:>"6024-01-01"`, `date:<"1500-01-01"`, "nosuchfield:x", `"unterminated`, "(unbalanced", "a:", "+", "-",
		"~", "^", "\\", `title:"a phrase"`, "x~9", "x^-1", "*", "?", "/[/", "owner:ada", "status:published",
		"actions:canary", "café résumé", "日本語", strings.Repeat("a ", 600), "\x00", "\xff",
	} {
		f.Add(q, "", 0, 0)
	}
	f.Add("certificate", "certificates", 1, 1)
	f.Add("", "dns", 100, 0)
	f.Add("x", "", -1, 0)
	f.Add("x", "", 0, -1)
	ix, err := Open(f.TempDir())
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { _ = ix.Close() })
	if _, err := ix.Sync(tCorpus()); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, q, tag string, limit, offset int) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		res, err := ix.Search(ctx, Request{Query: q, Tag: tag, Limit: limit, Offset: offset})
		var qe *QueryError
		switch {
		case errors.As(err, &qe):
			if qe.Msg == "" {
				t.Fatalf("%q: a QueryError with no message", q)
			}
		case err != nil:
			t.Fatalf("%q (tag %q, limit %d, offset %d): %T %v", q, tag, limit, offset, err, err)
		case res == nil:
			t.Fatalf("%q: no result and no error", q)
		case len(res.Hits) > MaxLimit || res.Total < len(res.Hits):
			t.Fatalf("%q: %d hits of %d", q, len(res.Hits), res.Total)
		}
	})
}
