package postmortem

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/hindsight-dev/hindsight/internal/yamlnode"
)

// TestPackPlaces packs the positions of every example's front matter and
// reads them back whole.
func TestPackPlaces(t *testing.T) {
	paths, _ := filepath.Glob("../../postmortems/*.md")
	if len(paths) == 0 {
		t.Fatal("no examples")
	}
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		pm, _ := Parse(p, data, Options{})
		if pm == nil || len(pm.keys) == 0 {
			t.Fatalf("%s: no positions parsed", p)
		}
		thawedOnce, _ := Freeze(pm, data)
		keys, values := thawedOnce.Thaw(data).Positions()
		if diff := cmp.Diff([]any{pm.keys, pm.values}, []any{keys, values}, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("%s: positions changed (-parsed +unpacked):\n%s", p, diff)
		}
		fz, ok := Freeze(pm, data)
		if !ok {
			t.Fatalf("%s: not frozen", p)
		}
		thawed := fz.Thaw(data)
		if thawed.keys != nil || thawed.places == nil || thawed.places.list != nil {
			t.Errorf("%s: the positions were unpacked before anything asked for them", p)
		}
		for path, want := range pm.values {
			if got := thawed.ValuePos(path); got != want {
				t.Errorf("%s: ValuePos(%q) = %v after the cache, %v parsed", p, path, got, want)
			}
			if thawed.Has(path) != pm.Has(path) || thawed.Pos(path) != pm.Pos(path) {
				t.Errorf("%s: key %q differs after the cache", p, path)
			}
			// Asked again, once what was unpacked is dropped: from
			// the places found before.
			thawed.Repack()
			if got := thawed.ValuePos(path); got != want || thawed.Pos(path) != pm.Pos(path) {
				t.Errorf("%s: ValuePos(%q) asked again = %v, want %v", p, path, got, want)
			}
		}
		for range 2 {
			if got, want := thawed.ValuePos("no_such_key"), pm.ValuePos("no_such_key"); got != want {
				t.Errorf("%s: a key the file lacks is at %v, want %v", p, got, want)
			}
		}
	}
}

// FuzzUnpackPlaces reads arbitrary bytes as packed positions: it must
// never panic, and what it reads must come back the same when packed again.
func FuzzUnpackPlaces(f *testing.F) {
	f.Add(packPlaces(map[string]yamlnode.Pos{"title": {Line: 2, Col: 1}}, map[string]yamlnode.Pos{"title": {Line: 2, Col: 8}, "tags[1]": {Line: 3, Col: 9}}))
	f.Add([]byte{})
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01})
	f.Fuzz(func(t *testing.T, b []byte) {
		first := &Postmortem{places: &lazyPlaces{blob: b}}
		keys, values := first.Positions()
		again := &Postmortem{places: &lazyPlaces{blob: packPlaces(keys, values)}}
		k2, v2 := again.Positions()
		if diff := cmp.Diff([]any{keys, values}, []any{k2, v2}, cmpopts.EquateEmpty()); diff != "" {
			t.Fatalf("a second round trip changed the positions:\n%s", diff)
		}
		// Asked one by one from the packed bytes, they are the same.
		packed := &Postmortem{places: &lazyPlaces{blob: b}}
		for path, want := range keys {
			if got, ok := packed.keyPos(path); !ok || got != want {
				t.Fatalf("key %q: %v %v from the bytes, %v unpacked", path, got, ok, want)
			}
		}
		for path, want := range values {
			if got := packed.ValuePos(path); got != want {
				t.Fatalf("value %q: %v from the bytes, %v unpacked", path, got, want)
			}
		}
	})
}

// A packed postmortem answers as it did before: positions and prose come
// from the packed bytes, which the maps and blocks no longer duplicate.
func TestPack(t *testing.T) {
	paths, _ := filepath.Glob("../../postmortems/*.md")
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		pm, _ := Parse(p, data, Options{})
		if pm == nil {
			t.Fatalf("%s: no parse", p)
		}
		pm.Outline.Prose = []Prose{{Text: "It happened.", Runs: []Run{{At: 0, Len: 12, Line: pm.BodyLine + 1, Col: 1}}}}
		wantKeys, wantValues := pm.Positions()
		wantProse := pm.ProseBlocks()
		fz, ok := Freeze(pm, data)
		if !ok {
			t.Fatalf("%s: not frozen", p)
		}
		pm.Pack(fz)
		if pm.keys != nil || pm.values != nil || pm.Outline.Prose != nil {
			t.Errorf("%s: the maps or blocks are still held beside the packed bytes", p)
		}
		keys, values := pm.Positions()
		if diff := cmp.Diff([]any{wantKeys, wantValues, wantProse}, []any{keys, values, pm.ProseBlocks()}, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("%s: packed answers differ (-before +after):\n%s", p, diff)
		}
		// Repacked, it holds the bytes alone again, and answers the same.
		pm.Repack()
		if pm.places.list != nil {
			t.Errorf("%s: Repack kept what was unpacked", p)
		}
		keys, values = pm.Positions()
		if diff := cmp.Diff([]any{wantKeys, wantValues, wantProse}, []any{keys, values, pm.ProseBlocks()}, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("%s: repacked answers differ (-before +after):\n%s", p, diff)
		}
	}
}
