package postmortem

import (
	"strings"
	"time"

	"github.com/gosimple/slug"
)

// SectionSpec is one of the format's H2 sections and the headings that
// count as it.
type SectionSpec struct {
	Name    string
	Aliases []string
}

// Sections are the format's known sections, in the order a write-up
// usually has them.
var Sections = []SectionSpec{
	{Name: "Impact"},
	{Name: "Trigger"},
	{Name: "Detection"},
	{Name: "Timeline", Aliases: []string{"What happened"}},
	{Name: "Root cause", Aliases: []string{"Root causes", "Contributing factors", "Root cause analysis"}},
	{Name: "Resolution", Aliases: []string{"Resolution and recovery", "Remediation", "Recovery"}},
	{Name: "Lessons learned", Aliases: []string{"What went well", "What went wrong", "Where we got lucky"}},
	{Name: "Action items", Aliases: []string{"Corrective and preventative measures", "Countermeasures"}},
	{Name: "Supporting information", Aliases: []string{"Additional info"}},
}

// Default section requirements.
var (
	RequiredSections    = []string{"Impact", "Timeline", "Root cause", "Resolution"}
	RecommendedSections = []string{"Detection", "Trigger", "Lessons learned"}
)

var sectionIndex = func() map[string]string {
	m := map[string]string{}
	for _, s := range Sections {
		m[NormalizeHeading(s.Name)] = s.Name
		for _, a := range s.Aliases {
			m[NormalizeHeading(a)] = s.Name
		}
	}
	return m
}()

// NormalizeHeading folds case, spacing, numbering ("2. ", "3) ") and
// trailing colons so headings compare as a writer would expect.
func NormalizeHeading(h string) string {
	h = strings.TrimRight(strings.TrimSpace(h), " \t:.")
	if i := strings.IndexFunc(h, func(r rune) bool { return (r < '0' || r > '9') && r != '.' && r != ')' }); i > 0 && (h[i] == ' ' || h[i] == '\t') {
		h = h[i:]
	}
	return strings.ToLower(strings.Join(strings.Fields(h), " "))
}

// CanonicalSection returns the format's name for a heading, or "".
func CanonicalSection(heading string) string {
	return sectionIndex[NormalizeHeading(heading)]
}

// Section returns the first section matching name (canonical or alias).
func (p *Postmortem) Section(name string) (Section, bool) {
	want, norm := CanonicalSection(name), NormalizeHeading(name)
	for _, s := range p.Outline.Sections {
		if (want != "" && s.Canonical == want) || s.Norm == norm {
			return s, true
		}
	}
	return Section{}, false
}

// Slug turns text into lower-case words joined by single hyphens: the form
// IDPattern accepts. (The slug library keeps underscores; an id does not.)
func Slug(s string) string {
	out := slug.Make(strings.ReplaceAll(s, "_", "-"))
	for strings.Contains(out, "--") {
		out = strings.ReplaceAll(out, "--", "-")
	}
	return strings.Trim(out, "-")
}

// Duration figures derived from the times. Each is false when a time it
// needs is missing.

// TimeToDetect is detected - started.
func (p *Postmortem) TimeToDetect() (time.Duration, bool) {
	return span(p.Times.Started, p.Times.Detected)
}

// TimeToMitigate is mitigated - started.
func (p *Postmortem) TimeToMitigate() (time.Duration, bool) {
	return span(p.Times.Started, p.Times.Mitigated)
}

// TimeToResolve is resolved - started.
func (p *Postmortem) TimeToResolve() (time.Duration, bool) {
	return span(p.Times.Started, p.Times.Resolved)
}

// span is to - from; a missing time, or times out of order (which the
// check reports), give no figure rather than a negative one.
func span(from, to time.Time) (time.Duration, bool) {
	if from.IsZero() || to.IsZero() || to.Before(from) {
		return 0, false
	}
	return to.Sub(from), true
}
