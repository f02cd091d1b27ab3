package postmortem

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"github.com/hindsight-dev/hindsight/internal/yamlnode"
)

// Date is a calendar day, at midnight UTC.
type Date struct{ time.Time }

// DateLayout is the one form dates are written in.
const DateLayout = "2006-01-02"

func (d Date) String() string {
	if d.IsZero() {
		return ""
	}
	return d.Format(DateLayout)
}

// MarshalJSON writes the day as YYYY-MM-DD.
func (d Date) MarshalJSON() ([]byte, error) { return json.Marshal(d.String()) }

var otherDate = regexp.MustCompile(`^(\d{1,2})[/.](\d{1,2})[/.](\d{4})$`)

// ParseDate reads YYYY-MM-DD; the error says how to write it.
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(DateLayout, strings.TrimSpace(s))
	if err == nil {
		return Date{t}, nil
	}
	hint := "write it as YYYY-MM-DD, e.g. 2019-06-28"
	if m := otherDate.FindStringSubmatch(s); m != nil {
		hint = fmt.Sprintf("write it as YYYY-MM-DD: %s-%02s-%02s if the day comes first", m[3], m[2], m[1])
	}
	return Date{}, fmt.Errorf("%q is not a date; %s", s, hint)
}

// DecodeNode implements yamlnode.NodeDecoder.
func (d *Date) DecodeNode(n *yaml.Node, path string, _ yamlnode.Recorder) error {
	if n.Kind != yaml.ScalarNode {
		return fmt.Errorf("%s: expected a date (YYYY-MM-DD), found %s", path, yamlnode.Describe(n))
	}
	v, err := ParseDate(n.Value)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	*d = v
	return nil
}

// Time layouts accepted for timestamps: RFC 3339, and the same with a space
// for the T, no seconds, or a space before the zone.
var timeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04Z07:00",
	"2006-01-02 15:04:05Z07:00",
	"2006-01-02 15:04Z07:00",
	"2006-01-02 15:04:05 Z07:00",
	"2006-01-02 15:04 Z07:00",
	"2006-01-02T15:04:05 Z07:00",
	"2006-01-02T15:04 Z07:00",
}

var zoneless = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$`)

// ParseTimestamp reads a timestamp that must carry a zone.
func ParseTimestamp(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	for _, l := range timeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t, nil
		}
	}
	if zoneless.MatchString(s) {
		return time.Time{}, fmt.Errorf("%q has no time zone; add one, e.g. %sZ for UTC or %s+01:00", s, s, s)
	}
	if _, err := time.Parse(DateLayout, s); err == nil {
		return time.Time{}, fmt.Errorf("%q is a day, not a time; write it as RFC 3339, e.g. %sT18:26:00Z", s, s)
	}
	return time.Time{}, fmt.Errorf("%q is not a timestamp; write it as RFC 3339, e.g. 2019-06-28T18:26:00+01:00", s)
}

// Milestone is a named point in time of the incident.
type Milestone struct {
	Name string    `json:"name"`
	Time time.Time `json:"time"`
}

// Times holds the incident's milestones.
type Times struct {
	Started   time.Time `json:"started"`
	Detected  time.Time `json:"detected"`
	Mitigated time.Time `json:"mitigated,omitzero"`
	Resolved  time.Time `json:"resolved,omitzero"`
	// Extra are any other named milestones, in file order.
	Extra []Milestone `json:"extra,omitempty"`
}

// Standard milestone names, in the order they must hold.
var TimeKeys = []string{"started", "detected", "mitigated", "resolved"}

var milestoneKey = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

// DecodeNode implements yamlnode.NodeDecoder.
func (t *Times) DecodeNode(n *yaml.Node, path string, rec yamlnode.Recorder) error {
	if n.Kind != yaml.MappingNode {
		return fmt.Errorf("%s: expected a map such as `started: 2019-06-28T18:26:00Z`, found %s", path, yamlnode.Describe(n))
	}
	var errs yamlnode.Errors
	seen := map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		sub := path + "." + k.Value
		if first, dup := seen[k.Value]; dup {
			errs = append(errs, yamlnode.Error{Pos: yamlnode.PosOf(k), Kind: yamlnode.Duplicate, Path: sub,
				Msg: fmt.Sprintf("key %q is given twice (first on line %d); keep one", k.Value, first.Line)})
			continue
		}
		seen[k.Value] = k
		rec.Record(sub, yamlnode.PosOf(k), yamlnode.PosOf(v))
		if yamlnode.IsNull(v) {
			continue
		}
		if v.Kind != yaml.ScalarNode {
			errs = append(errs, yamlnode.Error{Pos: yamlnode.PosOf(v), Kind: yamlnode.WrongType, Path: sub,
				Msg: fmt.Sprintf("%s: expected a timestamp, found %s", sub, yamlnode.Describe(v))})
			continue
		}
		ts, err := ParseTimestamp(v.Value)
		if err != nil {
			errs = append(errs, yamlnode.Error{Pos: yamlnode.PosOf(v), Kind: yamlnode.BadValue, Path: sub, Msg: sub + ": " + err.Error()})
			continue
		}
		switch k.Value {
		case "started":
			t.Started = ts
		case "detected":
			t.Detected = ts
		case "mitigated":
			t.Mitigated = ts
		case "resolved":
			t.Resolved = ts
		default:
			if !milestoneKey.MatchString(k.Value) {
				msg := fmt.Sprintf("%s: milestone names use lower-case letters, digits and _, as in first_user_report", sub)
				if std := yamlnode.Closest(k.Value, TimeKeys); std != "" {
					msg = fmt.Sprintf("%s: did you mean %q? keys are lower-case", sub, std)
				}
				errs = append(errs, yamlnode.Error{Pos: yamlnode.PosOf(k), Kind: yamlnode.BadValue, Path: sub, Msg: msg})
				continue
			}
			t.Extra = append(t.Extra, Milestone{Name: k.Value, Time: ts})
		}
	}
	if len(errs) > 0 {
		return errs
	}
	return nil
}

// Get returns a milestone by name, standard or extra.
func (t Times) Get(name string) time.Time {
	switch name {
	case "started":
		return t.Started
	case "detected":
		return t.Detected
	case "mitigated":
		return t.Mitigated
	case "resolved":
		return t.Resolved
	}
	for _, m := range t.Extra {
		if m.Name == name {
			return m.Time
		}
	}
	return time.Time{}
}

// enum decodes a scalar that must be one of choices.
func enum(n *yaml.Node, path string, choices []string) (string, error) {
	if n.Kind != yaml.ScalarNode {
		return "", fmt.Errorf("%s: expected one of %s, found %s", path, strings.Join(choices, ", "), yamlnode.Describe(n))
	}
	for _, c := range choices {
		if n.Value == c {
			return c, nil
		}
	}
	return "", fmt.Errorf("%s: %q is not allowed%s", path, n.Value, yamlnode.Hint(n.Value, choices))
}

// Status is where a write-up is in its life.
type Status string

// Statuses.
const (
	StatusDraft     Status = "draft"
	StatusInReview  Status = "in-review"
	StatusPublished Status = "published"
)

// Statuses lists the allowed values in order.
var Statuses = []string{"draft", "in-review", "published"}

// DecodeNode implements yamlnode.NodeDecoder.
func (s *Status) DecodeNode(n *yaml.Node, path string, _ yamlnode.Recorder) error {
	v, err := enum(n, path, Statuses)
	*s = Status(v)
	return err
}

// Visibility says who may read a postmortem.
type Visibility string

// Visibilities.
const (
	Internal Visibility = "internal"
	Public   Visibility = "public"
)

// Visibilities lists the allowed values.
var Visibilities = []string{"internal", "public"}

// DecodeNode implements yamlnode.NodeDecoder.
func (s *Visibility) DecodeNode(n *yaml.Node, path string, _ yamlnode.Recorder) error {
	v, err := enum(n, path, Visibilities)
	*s = Visibility(v)
	return err
}

// CommitRole is the part a commit played.
type CommitRole string

// Roles.
const (
	RoleTrigger    CommitRole = "trigger"
	RoleFix        CommitRole = "fix"
	RoleMitigation CommitRole = "mitigation"
	RoleRelated    CommitRole = "related"
)

// CommitRoles lists the allowed values.
var CommitRoles = []string{"trigger", "fix", "mitigation", "related"}

// DecodeNode implements yamlnode.NodeDecoder.
func (s *CommitRole) DecodeNode(n *yaml.Node, path string, _ yamlnode.Recorder) error {
	v, err := enum(n, path, CommitRoles)
	*s = CommitRole(v)
	return err
}

// Priority of an action item, P0 the most urgent.
type Priority string

// Priorities lists the allowed values.
var Priorities = []string{"P0", "P1", "P2", "P3"}

// DecodeNode implements yamlnode.NodeDecoder.
func (s *Priority) DecodeNode(n *yaml.Node, path string, _ yamlnode.Recorder) error {
	v, err := enum(n, path, Priorities)
	*s = Priority(v)
	return err
}

// ItemStatus is where an action item stands.
type ItemStatus string

// Item statuses.
const (
	ItemOpen       ItemStatus = "open"
	ItemInProgress ItemStatus = "in-progress"
	ItemDone       ItemStatus = "done"
	ItemWontDo     ItemStatus = "wont-do"
)

// ItemStatuses lists the allowed values.
var ItemStatuses = []string{"open", "in-progress", "done", "wont-do"}

// DecodeNode implements yamlnode.NodeDecoder.
func (s *ItemStatus) DecodeNode(n *yaml.Node, path string, _ yamlnode.Recorder) error {
	v, err := enum(n, path, ItemStatuses)
	*s = ItemStatus(v)
	return err
}

// RevisitOutcome is what a revisit found of the countermeasures.
type RevisitOutcome string

// Revisit outcomes.
const (
	RevisitInEffect    RevisitOutcome = "in-effect"
	RevisitPartly      RevisitOutcome = "partly"
	RevisitNotInEffect RevisitOutcome = "not-in-effect"
)

// RevisitOutcomes lists the allowed values, best first.
var RevisitOutcomes = []string{"in-effect", "partly", "not-in-effect"}

// DecodeNode implements yamlnode.NodeDecoder.
func (s *RevisitOutcome) DecodeNode(n *yaml.Node, path string, _ yamlnode.Recorder) error {
	v, err := enum(n, path, RevisitOutcomes)
	*s = RevisitOutcome(v)
	return err
}

func runeCount(s string) int { return utf8.RuneCountInString(s) }
