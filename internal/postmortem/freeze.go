package postmortem

import (
	"bytes"
	"encoding/gob"
	"slices"
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
	// Keys and Values are the positions of the front matter's keys and
	// values, as lists: gob decodes those much faster than maps.
	Keys, Values []Placed
	Invalid      []string
	Misspelt     []string
	// Empty lists the fields whose value was an empty, not a missing,
	// list or map, which gob would otherwise bring back as missing.
	Empty []string
}

// Placed is a path of the front matter and where it is.
type Placed struct {
	Path string
	yamlnode.Pos
}

func placed(m map[string]yamlnode.Pos) []Placed {
	if m == nil {
		return nil
	}
	out := make([]Placed, 0, len(m))
	for k, p := range m {
		out = append(out, Placed{k, p})
	}
	return out
}

func unplaced(ps []Placed) map[string]yamlnode.Pos {
	if ps == nil {
		return nil
	}
	m := make(map[string]yamlnode.Pos, len(ps))
	for _, p := range ps {
		m[p.Path] = p.Pos
	}
	return m
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
	c.keys, c.values, c.invalid, c.misspelt = nil, nil, nil, nil
	f := Frozen{PM: (*frozen)(&c), SourceAt: src, BodyAt: src + len(p.Source) - len(p.Body),
		Keys: placed(p.keys), Values: placed(p.values), Misspelt: p.misspelt}
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

// Thaw gives back the postmortem Freeze was given, its Source and Body in
// data (the same bytes).
func (f Frozen) Thaw(data []byte) *Postmortem {
	if f.PM == nil || f.BodyAt > len(data) || f.SourceAt > f.BodyAt {
		return nil
	}
	p := (*Postmortem)(f.PM)
	p.Source, p.Body = data[f.SourceAt:], data[f.BodyAt:]
	p.keys, p.values, p.misspelt = unplaced(f.Keys), unplaced(f.Values), f.Misspelt
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
