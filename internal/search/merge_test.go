package search

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/blevesearch/bleve/v2/index/scorch/mergeplan"
)

// segment is a stand-in for one of scorch's segments, for the planner.
type segment struct {
	id   uint64
	docs int64
}

func (s segment) Id() uint64          { return s.id }
func (s segment) FullSize() int64     { return s.docs }
func (s segment) LiveSize() int64     { return s.docs }
func (s segment) HasVector() bool     { return false }
func (s segment) FileSize() int64     { return s.docs * 7000 }
func (s segment) LiveFileSize() int64 { return s.docs * 7000 }

// planOptions are the merge plan options scorch makes of runtimeConfig:
// bleve's defaults with ours laid over them through JSON, as it does.
func planOptions(t *testing.T) *mergeplan.MergePlanOptions {
	t.Helper()
	o := mergeplan.DefaultMergePlanOptions
	raw, err := json.Marshal(runtimeConfig()["scorchMergePlanOptions"])
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &o); err != nil {
		t.Fatal(err)
	}
	if err := mergeplan.ValidateMergePlannerOptions(&o); err != nil {
		t.Fatal(err)
	}
	return &o
}

// TestMergePlan: a one-document update beside an index of 1,000 or 10,000
// documents is not merged into it at once (bleve's default floor merges
// the whole of a 1,000-document index again after every edit); once enough
// small segments pile up they merge among themselves, leaving the large
// ones alone.
func TestMergePlan(t *testing.T) {
	o := planOptions(t)
	for _, tc := range []struct {
		name  string
		large []int64
		small int
		merge bool
	}{
		{"1000 and one edit", []int64{1000}, 1, false},
		{"1000 and three edits", []int64{1000}, 3, false},
		{"10000 in five and one edit", []int64{2000, 2000, 2000, 2000, 2000}, 1, false},
		{"1000 and twelve edits", []int64{1000}, 12, true},
		{"10000 and twenty-five edits", []int64{2000, 2000, 2000, 2000, 2000}, 25, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var segs []mergeplan.Segment
			id := uint64(1)
			for _, n := range tc.large {
				segs = append(segs, segment{id, n})
				id++
			}
			for range tc.small {
				segs = append(segs, segment{id, 1})
				id++
			}
			plan, err := mergeplan.Plan(segs, o)
			if err != nil {
				t.Fatal(err)
			}
			merged := 0
			for _, task := range plan.Tasks {
				for _, s := range task.Segments {
					if s.LiveSize() > 1 {
						t.Errorf("a task merges a segment of %d documents: %v", s.LiveSize(), describe(plan))
					}
					merged++
				}
			}
			if got := merged > 0; got != tc.merge {
				t.Errorf("merges %d segments, want merging %v: %s", merged, tc.merge, describe(plan))
			}
		})
	}
}

func describe(p *mergeplan.MergePlan) string {
	var out []string
	for _, task := range p.Tasks {
		var sizes []int64
		for _, s := range task.Segments {
			sizes = append(sizes, s.LiveSize())
		}
		out = append(out, fmt.Sprint(sizes))
	}
	return fmt.Sprint(out)
}

// TestIndexKeepsSmallSegments: scorch takes the plan from runtimeConfig.
// After edits of single documents in a small index, the segments they
// made are still there once merging settles, instead of one rewritten
// segment.
func TestIndexKeepsSmallSegments(t *testing.T) {
	ix, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	docs := make([]Doc, 300)
	for i := range docs {
		docs[i] = Doc{ID: fmt.Sprintf("pm-%03d", i), Title: fmt.Sprintf("Incident %d", i), Body: "The cache tier failed over.", Hash: "v1"}
	}
	if _, err := ix.Sync(docs); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		docs[i*7].Body, docs[i*7].Hash = "An edited body.", "v2"
		if _, err := ix.Sync(docs); err != nil {
			t.Fatal(err)
		}
	}
	waitMerged(t, ix)
	st, _ := ix.idx.StatsMap()["index"].(map[string]any)
	if n, _ := st["TotFileSegmentsAtRoot"].(uint64); n < 2 {
		t.Errorf("%v segments after three edits, want the edits' own kept beside the first", st["TotFileSegmentsAtRoot"])
	}
}
