package gitlink

import (
	"errors"
	"sort"
	"strings"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/plumbing/storer"
)

// EventKind says what a git event is.
type EventKind string

// The kinds of git events a timeline takes.
const (
	EventCommit EventKind = "commit"
	EventMerge  EventKind = "merge"
	EventTag    EventKind = "tag"
)

// Event is something that happened in a repository at a known time: a
// commit or merge landing on the checked-out branch, or a tag.
type Event struct {
	Time    time.Time
	Kind    EventKind
	SHA     string
	Subject string
	// Tag is the tag's name, for a tag.
	Tag string
}

// maxEvents bounds what one window can give, so that a window of years on
// a busy repository stays a clear count rather than a flood.
const maxEvents = 5000

// Events lists what landed on the checked-out branch (its first-parent
// line: the merges and direct commits, not the commits a merge brought
// in) and the tags made, from since to until inclusive, oldest first.
// A commit's time is when it was committed; a tag's, when it was made (an
// annotated tag) or its commit's.
func (r *Repo) Events(since, until time.Time) ([]Event, error) {
	if r.Problem != "" {
		return nil, errors.New(r.Problem)
	}
	if r.r == nil {
		return nil, errors.New("the repository is not open")
	}
	var out []Event
	if head, err := r.r.Head(); err == nil {
		for h := head.Hash(); !h.IsZero() && len(out) < maxEvents; {
			f := r.node(h)
			if f == nil || f.Committed.Before(since) {
				break
			}
			if !f.Committed.After(until) {
				kind := EventCommit
				if len(f.Parents) > 1 {
					kind = EventMerge
				}
				out = append(out, Event{Time: f.Committed, Kind: kind, SHA: h.String(), Subject: f.Subject})
			}
			if len(f.Parents) == 0 {
				break
			}
			h = f.Parents[0]
		}
	}
	tags, err := r.r.Tags()
	if err != nil {
		return nil, err
	}
	err = tags.ForEach(func(ref *plumbing.Reference) error {
		if len(out) >= maxEvents {
			return storer.ErrStop
		}
		e := Event{Kind: EventTag, Tag: ref.Name().Short()}
		target := ref.Hash()
		if t, err := object.GetTag(r.r.Storer, target); err == nil {
			e.Time = t.Tagger.When
			e.Subject, _, _ = strings.Cut(strings.TrimSpace(t.Message), "\n")
			target = t.Target
		}
		f := r.node(target)
		if f == nil {
			return nil // a tag of a tree or a blob, or of a missing commit
		}
		if e.Time.IsZero() {
			e.Time = f.Committed
		}
		e.SHA = target.String()
		if e.Subject == "" {
			e.Subject = f.Subject
		}
		if !e.Time.Before(since) && !e.Time.After(until) {
			out = append(out, e)
		}
		return nil
	})
	if err != nil && !errors.Is(err, storer.ErrStop) {
		return nil, err
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Time.Before(out[j].Time) })
	return out, nil
}
