package search

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2/search/highlight"
)

// excerptOf is the text of the fragment cut around the first match of
// word in text.
func excerptOf(t *testing.T, f lineFragmenter, text, word string) string {
	t.Helper()
	at := strings.Index(text, word)
	if at < 0 {
		t.Fatalf("%q is not in the text", word)
	}
	frags := f.Fragment([]byte(text), highlight.TermLocations{{Term: word, Start: at, End: at + len(word)}})
	if len(frags) != 1 {
		t.Fatalf("%d fragments", len(frags))
	}
	return text[frags[0].Start:frags[0].End]
}

func TestLineFragmenter(t *testing.T) {
	long := "The first responders saw many database clusters in an unexpected state while the topology manager kept promoting replicas."
	for _, tt := range []struct {
		name, text, word, want string
		size                   int
	}{
		{"a heading stays a heading", "Impact\nContributing factors\nFailover on a short partition.", "factors", "Contributing factors", 200},
		{"the sentence after a heading", "Contributing factors\nFailover on a short partition.", "partition", "Failover on a short partition.", 200},
		{"table cells are apart", "Severity\nSEV1\nDetected by\npager", "SEV1", "SEV1", 200},
		{"a long line is cut at spaces", long, "database", "responders saw many database clusters in an", 50},
		{"a match at the start", long, "The", "The first responders saw many", 30},
		{"a match at the end", long, "replicas.", "manager kept promoting replicas.", 33},
		{"the match is never cut", "supercalifragilisticexpialidocious words", "supercalifragilisticexpialidocious", "supercalifragilisticexpialidocious", 10},
		{"letters beyond ASCII", "Zürich régions égales à Zürich dans le réseau été", "dans", "à Zürich dans le réseau", 24},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := excerptOf(t, lineFragmenter{size: tt.size}, tt.text, tt.word)
			if got != tt.want {
				t.Errorf("excerpt %q, want %q", got, tt.want)
			}
		})
	}
	// No match: the start of the first line.
	frags := lineFragmenter{size: 20}.Fragment([]byte("Summary line here that goes on\nnext"), nil)
	if len(frags) != 1 || string(frags[0].Orig[frags[0].Start:frags[0].End]) != "Summary line here" {
		t.Errorf("no match: %+v", frags)
	}
}

func FuzzLineFragmenter(f *testing.F) {
	f.Add("Impact\nSome text with a match in it and more", 20, 5, 200)
	f.Add("é\nü ö", 3, 0, 1)
	f.Fuzz(func(t *testing.T, text string, at, n, size int) {
		if !utf8.ValidString(text) || size < 1 || size > 1000 || at < 0 || n < 0 || at+n > len(text) {
			return
		}
		// Matches start and end on characters and hold no line break, as
		// the analyzer's tokens do.
		if at < len(text) && !utf8.RuneStart(text[at]) || at+n < len(text) && !utf8.RuneStart(text[at+n]) || strings.Contains(text[at:at+n], "\n") {
			return
		}
		b := []byte(text)
		for _, fr := range (lineFragmenter{size: size}).Fragment(b, highlight.TermLocations{{Start: at, End: at + n}}) {
			if fr.Start < 0 || fr.End > len(b) || fr.Start > fr.End {
				t.Fatalf("fragment [%d, %d) of %d bytes", fr.Start, fr.End, len(b))
			}
			ex := text[fr.Start:fr.End]
			if !utf8.ValidString(ex) {
				t.Fatalf("excerpt %q cuts a character", ex)
			}
			if strings.Contains(ex, "\n") {
				t.Fatalf("excerpt %q runs over a line", ex)
			}
			if match := strings.TrimSpace(text[at : at+n]); !strings.Contains(ex, match) {
				t.Fatalf("excerpt %q lost the match %q", ex, match)
			}
		}
	})
}
