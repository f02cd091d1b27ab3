package search

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// The text analysis is bleve's English analysis with long tokens cut: a
// megabyte with no space is one term of MaxTermLength characters, found
// by the same word in a query.
func TestAnalyzeCutsLongTerms(t *testing.T) {
	if got, want := Analyze("The engineers' deploys failed"), []string{"engin", "deploi", "fail"}; !slices.Equal(got, want) {
		t.Errorf("Analyze = %q, want %q", got, want)
	}
	long := strings.Repeat("é", 1<<20)
	got := Analyze("x " + long + " y")
	if len(got) != 3 || got[1] != strings.Repeat("é", MaxTermLength) {
		t.Fatalf("a long word gave %d terms, the second %d bytes", len(got), len(got[1]))
	}
	ix, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	if _, err := ix.Sync([]Doc{{ID: "a", Title: "a", Body: "x " + long}}); err != nil {
		t.Fatal(err)
	}
	res, err := ix.Search(context.Background(), Request{Query: strings.Repeat("é", 200)})
	if err != nil || res.Total != 1 {
		t.Errorf("the long word not found: %v, %+v", err, res)
	}
}

// The static search cuts query words as the index cuts terms.
func TestSearchJSCutsAsTheIndex(t *testing.T) {
	js, err := os.ReadFile(filepath.Join("..", "..", "theme", "static", "search.js"))
	if err != nil {
		t.Fatal(err)
	}
	if want := fmt.Sprintf("var MAX_TERM = %d;", MaxTermLength); !strings.Contains(string(js), want) {
		t.Errorf("search.js does not say %q", want)
	}
}
