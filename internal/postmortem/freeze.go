package postmortem

import (
	"bytes"
	"encoding/gob"
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
	for name, s := range emptyLists(p) {
		if s {
			f.Empty = append(f.Empty, name)
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
	for _, name := range f.Empty {
		restoreEmpty(p, name)
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

// emptyLists says, for each list of the front matter a reader can tell
// apart from a missing one (`services: []` is shown and exported as an
// empty list), whether it is empty but present.
func emptyLists(p *Postmortem) map[string]bool {
	fm := &p.FrontMatter
	return map[string]bool{
		"authors":      fm.Authors != nil && len(fm.Authors) == 0,
		"participants": fm.Participants != nil && len(fm.Participants) == 0,
		"services":     fm.Services != nil && len(fm.Services) == 0,
		"tags":         fm.Tags != nil && len(fm.Tags) == 0,
		"commits":      fm.Commits != nil && len(fm.Commits) == 0,
		"tickets":      fm.Tickets != nil && len(fm.Tickets) == 0,
		"action_items": fm.ActionItems != nil && len(fm.ActionItems) == 0,
		"related":      fm.Related != nil && len(fm.Related) == 0,
		"revisits":     fm.Revisits != nil && len(fm.Revisits) == 0,
		"custom":       p.Custom != nil && len(p.Custom) == 0,
	}
}

func restoreEmpty(p *Postmortem, name string) {
	fm := &p.FrontMatter
	switch name {
	case "authors":
		fm.Authors = []string{}
	case "participants":
		fm.Participants = []string{}
	case "services":
		fm.Services = []string{}
	case "tags":
		fm.Tags = []string{}
	case "commits":
		fm.Commits = []CommitRef{}
	case "tickets":
		fm.Tickets = []string{}
	case "action_items":
		fm.ActionItems = []ActionItem{}
	case "related":
		fm.Related = []string{}
	case "revisits":
		fm.Revisits = []Revisit{}
	case "custom":
		p.Custom = map[string]any{}
	}
}
