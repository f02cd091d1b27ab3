package postmortem

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// CommitInfo is what git knows of a commit a postmortem names.
type CommitInfo struct {
	SHA         string    `json:"sha"`
	Repo        string    `json:"repo,omitempty"`
	Subject     string    `json:"subject"`
	Author      string    `json:"author"`
	AuthorEmail string    `json:"author_email,omitempty"`
	Date        time.Time `json:"date"`
	Committed   time.Time `json:"committed"`
	Files       []string  `json:"files,omitempty"`
	URL         string    `json:"url,omitempty"`
}

// ErrCommitNotFound is returned when no commit has a given sha.
var ErrCommitNotFound = errors.New("commit not found")

// AmbiguousCommitError is returned when a short sha names several commits.
type AmbiguousCommitError struct {
	Prefix     string
	Candidates []string
}

func (e *AmbiguousCommitError) Error() string {
	return fmt.Sprintf("%s is ambiguous: it starts %s", e.Prefix, strings.Join(e.Candidates, ", "))
}

// LinkedCommit is a commit ref with what git said of it.
type LinkedCommit struct {
	Ref CommitRef `json:"ref"`
	// Info is filled when the commit was found.
	Info *CommitInfo `json:"info,omitempty"`
	// Index is the ref's 1-based place in `commits`.
	Index int `json:"-"`
	// Err says why the commit was not found (ErrCommitNotFound or an
	// *AmbiguousCommitError).
	Err error `json:"-"`
	// UnknownRepo is true when `repo:` names no configured repository.
	UnknownRepo bool `json:"-"`
	// RepoProblem says why the repository could not be read at all.
	RepoProblem string `json:"-"`
	// Shallow is true when the repository is a shallow clone.
	Shallow bool `json:"-"`
	// Descends maps each trigger's index to whether this fix descends
	// from it (fixes only, same repository).
	Descends map[int]bool `json:"-"`
	// RevertedBy is the later commit, reachable from HEAD, that undid this
	// fix or mitigation (and was not itself reverted); RevertNote says why
	// a revert that seemed to name it was not counted.
	RevertedBy *CommitInfo `json:"reverted_by,omitempty"`
	RevertNote string      `json:"revert_note,omitempty"`
}

// Countermeasure is true for the roles whose commits put a remedy in
// place (fix and mitigation): the ones a later revert undoes.
func (r CommitRole) Countermeasure() bool { return r == RoleFix || r == RoleMitigation }

// Reopened is an action item whose only closing commits were reverted.
type Reopened struct {
	// Closed is the commit whose trailer closed it; By the revert.
	Closed CommitInfo `json:"closed"`
	By     CommitInfo `json:"by"`
}

// TriggerLatency is the time from the trigger commit to the start of the
// incident: how long the change waited before it hurt.
func (p *Postmortem) TriggerLatency() (time.Duration, bool) {
	for _, c := range p.Linked {
		if c.Ref.Role == RoleTrigger && c.Info != nil {
			return span(c.Info.Committed, p.Times.Started)
		}
	}
	return 0, false
}

// FixLeadTime is the time from the start of the incident to the first fix
// commit.
func (p *Postmortem) FixLeadTime() (time.Duration, bool) {
	var first time.Time
	for _, c := range p.Linked {
		if c.Ref.Role == RoleFix && c.Info != nil && (first.IsZero() || c.Info.Committed.Before(first)) {
			first = c.Info.Committed
		}
	}
	return span(p.Times.Started, first)
}

// FileHistory is a postmortem file's life in git.
type FileHistory struct {
	Added        time.Time `json:"added"`
	AddedBy      string    `json:"added_by"`
	Changed      time.Time `json:"changed"`
	ChangedBy    string    `json:"changed_by"`
	LastCommit   string    `json:"last_commit"`
	Contributors []string  `json:"contributors"`
	// Uncommitted is true when the working tree differs from the last
	// commit, or the file was never committed.
	Uncommitted bool `json:"uncommitted,omitempty"`
}

// Equal reports whether two histories say the same, their times in the
// same zone (a page shows them as they are).
func (h FileHistory) Equal(o FileHistory) bool {
	return h.Added == o.Added && h.AddedBy == o.AddedBy && h.Changed == o.Changed && h.ChangedBy == o.ChangedBy &&
		h.LastCommit == o.LastCommit && h.Uncommitted == o.Uncommitted && slices.Equal(h.Contributors, o.Contributors)
}

// SameLinks reports whether a and b are the very same links: linking a
// postmortem makes new ones, so a postmortem whose links are the same
// slice as before was not linked again since.
func SameLinks(a, b []LinkedCommit) bool {
	return len(a) == len(b) && (len(a) == 0 || &a[0] == &b[0])
}

// Figures are a postmortem's derived durations in whole seconds, for
// machine-readable output; each is nil when a time or commit it needs is
// missing.
type Figures struct {
	TimeToDetect   *int64 `json:"time_to_detect_seconds,omitempty"`
	TimeToMitigate *int64 `json:"time_to_mitigate_seconds,omitempty"`
	TimeToResolve  *int64 `json:"time_to_resolve_seconds,omitempty"`
	TriggerLatency *int64 `json:"trigger_latency_seconds,omitempty"`
	FixLeadTime    *int64 `json:"fix_lead_time_seconds,omitempty"`
}

// Figures returns the derived durations in whole seconds.
func (p *Postmortem) Figures() Figures {
	return Figures{
		TimeToDetect:   wholeSeconds(p.TimeToDetect()),
		TimeToMitigate: wholeSeconds(p.TimeToMitigate()),
		TimeToResolve:  wholeSeconds(p.TimeToResolve()),
		TriggerLatency: wholeSeconds(p.TriggerLatency()),
		FixLeadTime:    wholeSeconds(p.FixLeadTime()),
	}
}

func wholeSeconds(d time.Duration, ok bool) *int64 {
	if !ok {
		return nil
	}
	s := int64(d / time.Second)
	return &s
}
