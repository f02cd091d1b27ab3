package server

import (
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/hindsight-dev/hindsight/internal/search"
)

// FuzzParseRequest feeds ParseRequest arbitrary query strings, parsed as
// the server parses them: it must never panic, must give the same answer
// every time, and a request it accepts must respect every limit of the
// API.
func FuzzParseRequest(f *testing.F) {
	for _, s := range []string{
		"",
		"q=certificate",
		"q=%22a+phrase%22&severity=SEV1&service=checkout&tag=dns&since=2024-01-01&until=2024-12-31&limit=50&offset=10",
		"q=x&q=y",
		"limit=-1",
		"limit=1000",
		"offset=10001",
		"since=2024-02-30",
		"since=2024-06-01&until=2024-01-01",
		"q=%00",
		"q=%ff",
		"severity=SEV1&severity=SEV2&tag=a&tag=b",
		"q=" + strings.Repeat("a", 1001),
		"q=" + strings.Repeat("%C3%A9", 1000),
		"limit=%2B5&offset=0005",
		";q=x&&=&%zz",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		q, _ := url.ParseQuery(raw) // what it could parse, as r.URL.Query() does
		r, err := ParseRequest(q)
		r2, err2 := ParseRequest(q)
		if (err == nil) != (err2 == nil) || err != nil && err.Error() != err2.Error() {
			t.Fatalf("%q: two answers: %v, then %v", raw, err, err2)
		}
		if err != nil {
			if err.Error() == "" {
				t.Fatalf("%q: an empty error message", raw)
			}
			return
		}
		if r != r2 {
			t.Fatalf("%q: two requests: %+v, then %+v", raw, r, r2)
		}
		if n := utf8.RuneCountInString(r.Query); n > search.MaxQueryLength {
			t.Fatalf("%q: accepted a query of %d characters", raw, n)
		}
		for k, v := range map[string]string{"q": r.Query, "severity": r.Severity, "service": r.Service, "tag": r.Tag} {
			if !utf8.ValidString(v) || strings.ContainsRune(v, 0) {
				t.Fatalf("%q: accepted %s=%q", raw, k, v)
			}
			if len(q[k]) > 1 {
				t.Fatalf("%q: accepted %s given %d times", raw, k, len(q[k]))
			}
		}
		if r.Limit < 0 || r.Limit > search.MaxLimit {
			t.Fatalf("%q: accepted limit %d", raw, r.Limit)
		}
		if r.Offset < 0 || r.Offset > 10000 {
			t.Fatalf("%q: accepted offset %d", raw, r.Offset)
		}
		if !r.Since.IsZero() && !r.Until.IsZero() && r.Since.After(r.Until) {
			t.Fatalf("%q: accepted since %v after until %v", raw, r.Since, r.Until)
		}
	})
}
