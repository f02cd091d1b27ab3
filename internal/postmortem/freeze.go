package postmortem

import (
	"bytes"
	"encoding/binary"
	"encoding/gob"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/hindsight-dev/hindsight/internal/yamlnode"
)

// Frozen is what Parse made of a file, in a form encoding/gob keeps whole
// (the positions of the front matter's keys included), for a cache of
// parses between runs. It holds neither the file's bytes nor anything
// git linking added: Thaw is given the bytes again.
type Frozen struct {
	PM *frozen
	// SourceAt and BodyAt are where Source and Body start in the file's
	// bytes (Source skips a byte-order mark).
	SourceAt, BodyAt int
	// Places are the positions of the front matter's keys and values,
	// packed (packPlaces) and unpacked only when a rule reports a finding
	// or asks whether a key is there.
	Places   []byte
	Invalid  []string
	Misspelt []string
	// Empty lists the fields whose value was an empty, not a missing,
	// list or map, which gob would otherwise bring back as missing.
	Empty []string
	// Prose is Outline.Prose in a gob stream of its own, decoded only
	// when a rule asks for it (ProseBlocks): it is about 40% of an entry.
	Prose []byte
}

// packedProse is a Frozen's Prose, decoded each time it is asked for and
// never kept: the one rule that reads it (blameless-language) reads it once
// a check, so a check of 10,000 postmortems holds only the prose of the
// files being checked at that moment, not all of it (about 80 MB).
type packedProse []byte

func (b packedProse) decode() []Prose {
	// A blob that does not decode was written by this very program (the
	// cache is stamped with it); no prose is the safe reading.
	var v []Prose
	_ = gob.NewDecoder(bytes.NewReader(b)).Decode(&v)
	return v
}

// lazyPlaces unpacks a Frozen's Places on first use, and keeps what it
// unpacked until dropped.
type lazyPlaces struct {
	mu       sync.Mutex
	blob     []byte
	list     []placeAt
	unpacked bool
	// found are the places find read from the packed bytes, kept when
	// the rest is dropped: the rules ask for the same few again on each
	// of serve's rebuilds.
	found map[string]placeAt
}

// placeAt is where one path's key and value are, as unpacked: sorted by
// path, their paths cut from one string.
type placeAt struct {
	path       string
	key, value yamlnode.Pos
	has        byte
}

func (l *lazyPlaces) get() []placeAt {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.unpacked {
		l.list, l.unpacked = unpackPlaces(l.blob), true
	}
	return l.list
}

func (l *lazyPlaces) drop() {
	l.mu.Lock()
	l.list, l.unpacked = nil, false
	l.mu.Unlock()
}

// find returns the place of path, from the packed bytes themselves unless
// they were unpacked: a finding needs one or two positions of a file, and
// unpacking all of them every run is most of what reporting costs.
func (l *lazyPlaces) find(path string) (placeAt, bool) {
	l.mu.Lock()
	list, unpacked := l.list, l.unpacked
	at, seen := l.found[path]
	l.mu.Unlock()
	if seen {
		// Not by its path: a front matter may have an empty key ("": x).
		return at, at.has != 0
	}
	if !unpacked {
		var found placeAt
		ok := false
		want := []byte(path) // one copy, not one for each path passed
		eachPlace(l.blob, func(p []byte, has byte, at [4]int) bool {
			switch c := bytes.Compare(p, want); {
			case c == 0:
				found = placeAt{path: path, has: has, key: yamlnode.Pos{Line: at[0], Col: at[1]}, value: yamlnode.Pos{Line: at[2], Col: at[3]}}
				ok = true
				return false
			case c > 0:
				return false // sorted: it is not there
			}
			return true
		})
		l.mu.Lock()
		if l.found == nil {
			l.found = map[string]placeAt{}
		}
		l.found[path] = found // a zero place (has 0) when it is not there
		l.mu.Unlock()
		return found, ok
	}
	i, ok := slices.BinarySearchFunc(list, path, func(p placeAt, path string) int { return strings.Compare(p.path, path) })
	if !ok {
		return placeAt{}, false
	}
	return list[i], true
}

// Places are packed by hand rather than left to gob: they were a third of
// an entry's decoding, and most runs read none of them. They are sorted by
// path; each is its path's length and bytes, a byte saying which of key
// and value it has, and the line and column of each, as unsigned varints.
const (
	placedKey = 1 << iota
	placedValue
)

func packPlaces(keys, values map[string]yamlnode.Pos) []byte {
	if len(keys) == 0 && len(values) == 0 {
		return nil
	}
	paths := make([]string, 0, max(len(keys), len(values)))
	for k := range keys {
		paths = append(paths, k)
	}
	for k := range values {
		if _, ok := keys[k]; !ok {
			paths = append(paths, k)
		}
	}
	slices.Sort(paths)
	out := binary.AppendUvarint(nil, uint64(len(paths)))
	for _, path := range paths {
		out = binary.AppendUvarint(out, uint64(len(path)))
		out = append(out, path...)
		k, hasKey := keys[path]
		v, hasValue := values[path]
		var has byte
		if hasKey {
			has |= placedKey
		}
		if hasValue {
			has |= placedValue
		}
		out = append(out, has)
		for _, n := range []int{k.Line, k.Col, v.Line, v.Col} {
			out = binary.AppendUvarint(out, uint64(max(n, 0)))
		}
	}
	return out
}

// eachPlace calls fn for each place packPlaces wrote into b, in order,
// until fn returns false. Bytes that do not read, or paths out of order,
// were not written by this very program (the cache is stamped with it):
// it stops there, and positions missing then fall back to their parents,
// as for a key the file lacks.
func eachPlace(b []byte, fn func(path []byte, has byte, at [4]int) bool) {
	next := func() (int, bool) {
		n, w := binary.Uvarint(b)
		if w <= 0 || n > 1<<31 {
			return 0, false
		}
		b = b[w:]
		return int(n), true
	}
	count, ok := next()
	if !ok || count > len(b) {
		return
	}
	var last []byte
	for i := range count {
		n, ok := next()
		if !ok || n+1 > len(b) {
			return
		}
		path, has := b[:n], b[n]
		b = b[n+1:]
		var at [4]int
		for j := range at {
			if at[j], ok = next(); !ok {
				return
			}
		}
		if i > 0 && bytes.Compare(last, path) >= 0 {
			return
		}
		last = path
		if !fn(path, has, at) {
			return
		}
	}
}

// unpackPlaces reads what packPlaces wrote, the paths cut from one string.
func unpackPlaces(b []byte) []placeAt {
	if len(b) == 0 {
		return nil
	}
	s := string(b) // one copy; the paths are cut from it
	var list []placeAt
	eachPlace(b, func(p []byte, has byte, at [4]int) bool {
		// p lies in b, and s is a copy of b.
		off := cap(b) - cap(p)
		list = append(list, placeAt{path: s[off : off+len(p)], has: has,
			key: yamlnode.Pos{Line: at[0], Col: at[1]}, value: yamlnode.Pos{Line: at[2], Col: at[3]}})
		return true
	})
	return list
}

// frozen is a Postmortem without its methods, so that gob encodes its
// fields rather than calling anything.
type frozen Postmortem

func init() {
	// The plain values a custom field can hold (yamlnode.Plain).
	for _, v := range []any{map[string]any{}, []any{}, time.Time{}, int64(0), uint64(0), float64(0)} {
		gob.Register(v)
	}
}

// Freeze returns a copy of a freshly parsed postmortem, before linking,
// that gob can encode. data is the file's bytes as given to Parse.
func Freeze(p *Postmortem, data []byte) (Frozen, bool) {
	src := bytes.Index(data, p.Source)
	if len(p.Source) == 0 || src < 0 || src > len(bom) || !bytes.HasSuffix(p.Source, p.Body) {
		return Frozen{}, false
	}
	for _, v := range p.Custom {
		if holdsEmpty(v) {
			// gob brings an empty list inside a value back as none.
			return Frozen{}, false
		}
	}
	c := *p
	c.Source, c.Body = nil, nil
	c.keys, c.values, c.places, c.invalid, c.misspelt, c.prose = nil, nil, nil, nil, nil, nil
	c.Outline.Prose = nil
	f := Frozen{PM: (*frozen)(&c), SourceAt: src, BodyAt: src + len(p.Source) - len(p.Body),
		Places: packPlaces(p.keys, p.values), Misspelt: p.misspelt}
	if prose := p.ProseBlocks(); len(prose) > 0 {
		var buf bytes.Buffer
		if gob.NewEncoder(&buf).Encode(prose) != nil {
			return Frozen{}, false
		}
		f.Prose = buf.Bytes()
	}
	for k := range p.invalid {
		f.Invalid = append(f.Invalid, k)
	}
	for _, l := range emptyLists {
		if l.empty(p) {
			f.Empty = append(f.Empty, l.name)
		}
	}
	return f, true
}

// Pack makes p hold its front matter's positions and its prose as f, the
// Freeze of p, has them, packed, in place of its maps and blocks: a
// corpus kept in memory (serve's) is then about 100 MB smaller at 10,000
// postmortems, and asks the collector less. They are unpacked on first
// use, as for a postmortem the parse cache gave.
func (p *Postmortem) Pack(f Frozen) {
	if len(f.Places) > 0 {
		p.places = &lazyPlaces{blob: f.Places}
		p.keys, p.values = nil, nil
	}
	if len(f.Prose) > 0 {
		p.prose = packedProse(f.Prose)
		p.Outline.Prose = nil
	}
}

// Repack drops what a packed postmortem unpacked of its positions since
// it was packed (a check of a fresh parse reads them all), keeping the
// packed bytes. A corpus held in memory calls it once checked.
func (p *Postmortem) Repack() {
	if p.places != nil {
		p.places.drop()
	}
}

// Thaw gives back the postmortem Freeze was given, its Source and Body in
// data (the same bytes).
func (f Frozen) Thaw(data []byte) *Postmortem {
	if f.PM == nil || f.BodyAt > len(data) || f.SourceAt > f.BodyAt {
		return nil
	}
	p := (*Postmortem)(f.PM)
	p.Source, p.Body = data[f.SourceAt:], data[f.BodyAt:]
	if len(f.Places) > 0 {
		p.places = &lazyPlaces{blob: f.Places}
	}
	p.misspelt = f.Misspelt
	if len(f.Prose) > 0 {
		p.prose = packedProse(f.Prose)
	}
	p.invalid = make(map[string]bool, len(f.Invalid))
	for _, k := range f.Invalid {
		p.invalid[k] = true
	}
	for _, l := range emptyLists {
		if slices.Contains(f.Empty, l.name) {
			l.make(p)
		}
	}
	return p
}

// holdsEmpty reports whether a custom field's value holds an empty list
// or map.
func holdsEmpty(v any) bool {
	switch v := v.(type) {
	case []any:
		if len(v) == 0 {
			return true
		}
		for _, x := range v {
			if holdsEmpty(x) {
				return true
			}
		}
	case map[string]any:
		if len(v) == 0 {
			return true
		}
		for _, x := range v {
			if holdsEmpty(x) {
				return true
			}
		}
	}
	return false
}

// emptyList is a list of a postmortem that a reader can tell apart from
// a missing one when empty (`services: []` is shown and exported as an
// empty list): whether it is empty but present, and how to make it so.
type emptyList struct {
	name  string
	empty func(*Postmortem) bool
	make  func(*Postmortem)
}

func present[T any](s []T) bool { return s != nil && len(s) == 0 }

var emptyLists = []emptyList{
	{"authors", func(p *Postmortem) bool { return present(p.Authors) }, func(p *Postmortem) { p.Authors = []string{} }},
	{"participants", func(p *Postmortem) bool { return present(p.Participants) }, func(p *Postmortem) { p.Participants = []string{} }},
	{"services", func(p *Postmortem) bool { return present(p.Services) }, func(p *Postmortem) { p.Services = []string{} }},
	{"tags", func(p *Postmortem) bool { return present(p.Tags) }, func(p *Postmortem) { p.Tags = []string{} }},
	{"commits", func(p *Postmortem) bool { return present(p.Commits) }, func(p *Postmortem) { p.Commits = []CommitRef{} }},
	{"tickets", func(p *Postmortem) bool { return present(p.Tickets) }, func(p *Postmortem) { p.Tickets = []string{} }},
	{"action_items", func(p *Postmortem) bool { return present(p.ActionItems) }, func(p *Postmortem) { p.ActionItems = []ActionItem{} }},
	{"related", func(p *Postmortem) bool { return present(p.Related) }, func(p *Postmortem) { p.Related = []string{} }},
	{"revisits", func(p *Postmortem) bool { return present(p.Revisits) }, func(p *Postmortem) { p.Revisits = []Revisit{} }},
	{"custom", func(p *Postmortem) bool { return p.Custom != nil && len(p.Custom) == 0 }, func(p *Postmortem) { p.Custom = map[string]any{} }},
}
