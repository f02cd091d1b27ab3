package search

import (
	"context"
	"path/filepath"
	"reflect"
	"slices"
	"testing"

	unicodetok "github.com/blevesearch/bleve/v2/analysis/tokenizer/unicode"
)

// TestSyncRecording: the analysis SyncRecording notes as bleve indexes
// each document is the static index's own analysis of it, the static
// index made from it is byte for byte the one made by analysing again,
// and the bleve index answers as one that Sync made.
func TestSyncRecording(t *testing.T) {
	docs := append(staticTinyCorpus(), staticGenCorpus(120, 7)...)
	docs = append(docs,
		Doc{ID: "possessive", Title: "The team's DNS’s failover", Summary: "Ünïcode — ﬁles and CAFÉ", Body: "Nothing\x00odd here; naïve café résumé 東京 🙂", ActionItems: []string{"", "Alert on the resolver's memory", ""}, Commits: []string{"abc1234 Fix the resolver", ""}},
		Doc{ID: "empty"},
	)
	for i := range docs {
		docs[i].Hash = "h-" + docs[i].ID
	}
	recorded := LoadAnalysisCache(filepath.Join(t.TempDir(), "none.gob"))
	withRec := tOpen(t, t.TempDir())
	given := slices.Clone(docs)
	if _, err := withRec.SyncRecording(given, recorded); err != nil {
		t.Fatal(err)
	}
	// The text of what was recorded is released.
	for i := range given {
		if given[i].Body != "" || given[i].Commits != nil {
			t.Errorf("%s: body %q and commits %q kept after its analysis was recorded", given[i].ID, given[i].Body, given[i].Commits)
		}
		if given[i].Title != docs[i].Title || given[i].Hash != docs[i].Hash {
			t.Errorf("%s: more than the body and commits released", given[i].ID)
		}
	}
	fields := staticFields()
	for i := range docs {
		d := &docs[i]
		if !recorded.Has(d.ID, d.Hash) {
			t.Fatalf("%s: no analysis recorded", d.ID)
		}
		want := analyzeDoc(d, fields, unicodetok.NewUnicodeTokenizer())
		if got := recorded.get(d.Hash); !reflect.DeepEqual(got, want) {
			t.Errorf("%s: recorded %+v, analysed %+v", d.ID, got, want)
		}
	}

	// The static index from what was recorded, the bodies gone, is the
	// one made from the text.
	plain, fromRec := t.TempDir(), t.TempDir()
	if _, err := ExportStatic(docs, plain); err != nil {
		t.Fatal(err)
	}
	if _, err := ExportStaticCached(given, fromRec, recorded); err != nil {
		t.Fatal(err)
	}
	sameFiles(t, plain, fromRec, "when made from the recorded analysis")

	// The bleve index is the same as Sync's to its searches.
	plainIx := tOpen(t, t.TempDir())
	if _, err := plainIx.Sync(docs); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"deploy", "certificates", "team", "resolver memory", "\"index route\"", "café", "東京", "abc1234", docs[10].Title} {
		a, errA := plainIx.Search(context.Background(), Request{Query: q, Limit: 50})
		b, errB := withRec.Search(context.Background(), Request{Query: q, Limit: 50})
		if errA != nil || errB != nil {
			t.Fatalf("%q: %v, %v", q, errA, errB)
		}
		if a.Total != b.Total || len(a.Hits) != len(b.Hits) {
			t.Fatalf("%q: %d hits with Sync, %d with SyncRecording", q, a.Total, b.Total)
		}
		for i := range a.Hits {
			if a.Hits[i].ID != b.Hits[i].ID || a.Hits[i].Score != b.Hits[i].Score {
				t.Errorf("%q hit %d: %s %v with Sync, %s %v with SyncRecording", q, i, a.Hits[i].ID, a.Hits[i].Score, b.Hits[i].ID, b.Hits[i].Score)
			}
		}
	}
	for _, id := range []string{"possessive", docs[3].ID} {
		a, _ := plainIx.Similar(context.Background(), id, 5)
		b, _ := withRec.Similar(context.Background(), id, 5)
		if !slices.Equal(a, b) {
			t.Errorf("Similar(%s) = %v with Sync, %v with SyncRecording", id, a, b)
		}
	}

	// What the cache holds already is not recorded again.
	again := tOpen(t, t.TempDir())
	before := recorded.get(docs[0].Hash)
	if _, err := again.SyncRecording(slices.Clone(docs), recorded); err != nil {
		t.Fatal(err)
	}
	if recorded.get(docs[0].Hash).terms == nil || &recorded.get(docs[0].Hash).terms[0] != &before.terms[0] {
		t.Error("an analysis the cache held was made again")
	}
}

// FuzzASCIISurface checks the record's way of making an ASCII token's
// surface word without a string against surfaceWord itself.
func FuzzASCIISurface(f *testing.F) {
	for _, s := range []string{"Team's", "DNS'S", "'s", "s", "IT'S'S", "naïve", "ABC", ""} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, token []byte) {
		var r textRecord
		got, ok := r.asciiSurface(token)
		for _, c := range token {
			if c >= 0x80 {
				if ok {
					t.Fatalf("%q is not ASCII, yet made in scratch space", token)
				}
				return
			}
		}
		if !ok || string(got) != surfaceWord(token) {
			t.Errorf("asciiSurface(%q) = %q, %v; surfaceWord gives %q", token, got, ok, surfaceWord(token))
		}
	})
}
