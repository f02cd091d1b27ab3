// Package postmortem is the domain: a postmortem's front matter, its body's
// outline, its timeline and the figures derived from them, parsed with the
// exact line and column of every part so problems can be pointed at.
package postmortem

import (
	"slices"
	"strings"
	"time"

	"github.com/hindsight-dev/hindsight/internal/yamlnode"
)

// FrontMatter is the YAML block at the top of a postmortem file. Its
// `yaml` tags are the format's keys; the same type drives decoding, the
// unknown-field rule and the JSON Schema.
type FrontMatter struct {
	Title        string       `yaml:"title" json:"title" jsonschema_description:"One-line title of the incident."`
	ID           string       `yaml:"id" json:"id,omitempty" jsonschema:"pattern=^[a-z0-9-]+$" jsonschema_description:"Unique id, used in the page URL; defaults to the file name without .md."`
	Date         Date         `yaml:"date" json:"date" jsonschema_description:"Day the incident began (YYYY-MM-DD)."`
	Status       Status       `yaml:"status" json:"status" jsonschema_description:"draft, in-review or published; drafts are left out of builds unless asked."`
	Severity     string       `yaml:"severity" json:"severity" jsonschema_description:"One of the configured severity levels, worst first."`
	Summary      string       `yaml:"summary" json:"summary" jsonschema_description:"One to three sentences, shown in lists and search results."`
	Owner        string       `yaml:"owner" json:"owner" jsonschema_description:"The single owner of the write-up (name or email)."`
	Authors      []string     `yaml:"authors" json:"authors,omitempty" jsonschema_description:"Who wrote it."`
	Participants []string     `yaml:"participants" json:"participants,omitempty" jsonschema_description:"Who took part in the response or the review."`
	Facilitator  string       `yaml:"facilitator" json:"facilitator,omitempty" jsonschema_description:"Who ran the review meeting."`
	ReviewDate   Date         `yaml:"review_date" json:"review_date,omitempty" jsonschema_description:"Day of the review meeting (YYYY-MM-DD)."`
	Services     []string     `yaml:"services" json:"services" jsonschema:"minItems=1" jsonschema_description:"Affected services, at least one."`
	Tags         []string     `yaml:"tags" json:"tags,omitempty" jsonschema_description:"Lower-case words, hyphens allowed."`
	Visibility   Visibility   `yaml:"visibility" json:"visibility,omitempty" jsonschema_description:"internal (default) or public; a public build holds only public ones."`
	Times        Times        `yaml:"times" json:"times" jsonschema_description:"Timestamps with a zone: started, detected, mitigated, resolved, and any named milestone."`
	Commits      []CommitRef  `yaml:"commits" json:"commits,omitempty" jsonschema_description:"Commits that triggered, fixed or mitigated the incident."`
	Tickets      []string     `yaml:"tickets" json:"tickets,omitempty" jsonschema_description:"Ticket ids or URLs."`
	ActionItems  []ActionItem `yaml:"action_items" json:"action_items,omitempty" jsonschema_description:"Follow-up work, each with an owner and a due date."`
	Related      []string     `yaml:"related" json:"related,omitempty" jsonschema_description:"Ids of related postmortems."`
	Revisits     []Revisit    `yaml:"revisits" json:"revisits,omitempty" jsonschema_description:"Each later look at whether the countermeasures are still in effect, oldest first."`
}

// Revisit is one later look at a postmortem: were its countermeasures
// implemented, and are they still in effect?
type Revisit struct {
	Date    Date           `yaml:"date" json:"date" jsonschema_description:"Day of the revisit (YYYY-MM-DD), after the incident and not in the future."`
	By      string         `yaml:"by" json:"by" jsonschema_description:"Who revisited it."`
	Outcome RevisitOutcome `yaml:"outcome" json:"outcome" jsonschema_description:"in-effect, partly or not-in-effect."`
	Notes   string         `yaml:"notes" json:"notes,omitempty" jsonschema_description:"What was found."`
}

// LastRevisit is the latest revisit by date, and false when there is none.
func (p *Postmortem) LastRevisit() (Revisit, bool) {
	var last Revisit
	for _, r := range p.Revisits {
		if !r.Date.IsZero() && (last.Date.IsZero() || !r.Date.Before(last.Date.Time)) {
			last = r
		}
	}
	return last, !last.Date.IsZero()
}

// CommitRef names a commit that played a part in the incident.
type CommitRef struct {
	SHA  string     `yaml:"sha" json:"sha" jsonschema:"pattern=^[0-9a-fA-F]{7\\,40}$" jsonschema_description:"7 to 40 hex characters; must resolve to exactly one commit."`
	Role CommitRole `yaml:"role" json:"role" jsonschema_description:"trigger, fix, mitigation or related."`
	Repo string     `yaml:"repo" json:"repo,omitempty" jsonschema_description:"A repo name from hindsight.yaml; default: the repo holding the postmortems."`
	Note string     `yaml:"note" json:"note,omitempty" jsonschema_description:"What the commit did."`
}

// ActionItem is one piece of follow-up work.
type ActionItem struct {
	Title    string     `yaml:"title" json:"title"`
	Owner    string     `yaml:"owner" json:"owner"`
	Due      Date       `yaml:"due" json:"due" jsonschema_description:"Due date (YYYY-MM-DD)."`
	Priority Priority   `yaml:"priority" json:"priority,omitempty" jsonschema_description:"P0 (most urgent) to P3; default P2."`
	Status   ItemStatus `yaml:"status" json:"status,omitempty" jsonschema_description:"open (default), in-progress, done or wont-do."`
	Ticket   string     `yaml:"ticket" json:"ticket,omitempty"`
}

// Open reports whether the item still needs work.
func (a ActionItem) Open() bool { return a.Status.Open() }

// Open reports whether a status is one of work still to do (open or in
// progress).
func (s ItemStatus) Open() bool { return s == ItemOpen || s == ItemInProgress }

// Overdue reports whether an open item is past its due date on day today.
func (a ActionItem) Overdue(today time.Time) bool {
	return a.Open() && !a.Due.IsZero() && a.Due.Before(truncateDay(today))
}

func truncateDay(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// Postmortem is one parsed file.
type Postmortem struct {
	FrontMatter
	// ID is the effective id: `id:` or the file name without .md.
	ID string
	// File is the path used in messages (relative to the working directory
	// or the repo root, with forward slashes).
	File string
	// Rel is the path relative to the repository root, with forward slashes.
	Rel string
	// Source is the whole file; Body is the Markdown after the front matter,
	// which starts on line BodyLine. After ReleaseText both are nil:
	// BodyText and Digests still answer.
	Source   []byte
	Body     []byte
	BodyLine int
	// FrontMatterLine is the line of the opening delimiter.
	FrontMatterLine int
	// Custom holds the values of the config's custom fields.
	Custom map[string]any
	// Outline is the body's structure, filled by the markdown package.
	Outline Outline
	// Timeline holds the entries of the Timeline section, in order.
	Timeline []TimelineEntry
	// UntimedItems are Timeline list items that do not start with a time.
	UntimedItems []Item
	// Linked are the commit refs with what git knows of them, filled by
	// commit verification.
	Linked []LinkedCommit
	// History is what git knows of the file itself.
	History *FileHistory
	// ClosedItems maps an action item's 1-based number to the commit whose
	// trailer closed it.
	ClosedItems map[int]CommitInfo
	// ReopenedItems maps an action item's number to the reverted commit
	// that had closed it, when every commit that closed it was reverted.
	ReopenedItems map[int]Reopened

	keys, values map[string]yamlnode.Pos
	// places, set by Thaw, holds keys and values still packed: a run that
	// reports nothing about a file never unpacks them.
	places  *lazyPlaces
	invalid map[string]bool
	// prose, set by Thaw, holds the Outline's prose still encoded: only
	// the prose rules read it, and a run that has their findings from
	// before never decodes it.
	prose packedProse
	// misspelt are the known keys that unknown keys were probably meant
	// to be; unknown-field already reports them.
	misspelt []string
	// released, set by ReleaseText, finds Source and Body again.
	released *released
}

// Release drops what only checking needs (the positions of the front
// matter's keys and the body's prose), to keep large corpora small in
// memory once they are checked. Positions then point at the front matter.
func (p *Postmortem) Release() {
	p.keys, p.values, p.places, p.invalid = nil, nil, nil, nil
	p.Outline.Prose, p.prose = nil, nil
}

// ProseBlocks returns the plain text of the body's paragraphs, headings
// and table cells (Outline.Prose). For a postmortem that holds its prose
// packed (from the parse cache, or a fresh parse packed by Pack) each call
// decodes it again and keeps nothing, so a caller reads it once. It is
// safe for concurrent use.
func (p *Postmortem) ProseBlocks() []Prose {
	if p.prose == nil {
		return p.Outline.Prose
	}
	return p.prose.decode()
}

// Misspelt reports whether an unknown key in the file looks like a typo of
// key, which unknown-field has reported.
func (p *Postmortem) Misspelt(key string) bool { return slices.Contains(p.misspelt, key) }

// Pos returns the position of a front-matter key by path ("times.started",
// "action_items[2].owner"). For a missing key it falls back to its nearest
// present parent, and then to the opening delimiter.
func (p *Postmortem) Pos(path string) yamlnode.Pos {
	for path != "" {
		if pos, ok := p.keyPos(path); ok {
			return pos
		}
		path = parent(path)
	}
	return yamlnode.Pos{Line: max(p.FrontMatterLine, 1), Col: 1}
}

// ValuePos is like Pos but points at the value rather than the key.
func (p *Postmortem) ValuePos(path string) yamlnode.Pos {
	if p.places != nil {
		if pl, ok := p.places.find(path); ok && pl.has&placedValue != 0 {
			return pl.value
		}
	} else if pos, ok := p.values[path]; ok {
		return pos
	}
	return p.Pos(path)
}

// keyPos is where the key at path is, if the front matter has it. A
// postmortem from the parse cache unpacks its positions on first use;
// both are safe for concurrent use.
func (p *Postmortem) keyPos(path string) (yamlnode.Pos, bool) {
	if p.places != nil {
		pl, ok := p.places.find(path)
		return pl.key, ok && pl.has&placedKey != 0
	}
	pos, ok := p.keys[path]
	return pos, ok
}

// Positions returns the positions of the front matter's keys and values
// by path, for comparing two parses of a file.
func (p *Postmortem) Positions() (keys, values map[string]yamlnode.Pos) {
	if p.places == nil {
		return p.keys, p.values
	}
	keys, values = map[string]yamlnode.Pos{}, map[string]yamlnode.Pos{}
	for _, pl := range p.places.get() {
		if pl.has&placedKey != 0 {
			keys[pl.path] = pl.key
		}
		if pl.has&placedValue != 0 {
			values[pl.path] = pl.value
		}
	}
	return keys, values
}

// Invalid reports whether the value at path (or below it) could not be
// decoded, so that rules about missing values do not report it again.
func (p *Postmortem) Invalid(path string) bool {
	for q := range p.invalid {
		if q == path || strings.HasPrefix(q, path+".") || strings.HasPrefix(q, path+"[") {
			return true
		}
	}
	return false
}

// Has reports whether the front matter has a key at path.
func (p *Postmortem) Has(path string) bool {
	_, ok := p.keyPos(path)
	return ok
}

func parent(path string) string {
	for i := len(path) - 1; i >= 0; i-- {
		if path[i] == '.' || path[i] == '[' {
			return path[:i]
		}
	}
	return ""
}

// Diagnostic is one finding about a file.
type Diagnostic struct {
	File    string `json:"file"`
	Line    int    `json:"line"`
	Col     int    `json:"column"`
	Level   string `json:"level"`
	Rule    string `json:"rule"`
	Message string `json:"message"`
}

// Outline is the structure of a postmortem's Markdown body.
type Outline struct {
	Sections   []Section
	Links      []Link
	CodeBlocks []CodeBlock
	Prose      []Prose
	// TimelineItems are the raw list items of the Timeline section.
	TimelineItems []Item
	// PlainText, when its Line is not 0, says the body was too costly to
	// parse as Markdown and was read as plain text.
	PlainText PlainText
}

// PlainText says where a body passed a bound of the Markdown parser: the
// file line, and whether lists and quotes nest too deep there (or else a
// paragraph with brackets runs too long).
type PlainText struct {
	Line int
	Deep bool
}

// Section is one H2 heading and what follows it up to the next H2.
type Section struct {
	Heading string
	// Canonical is the format's name for the section ("Root cause" for
	// "Root causes"), or "" for a section the format does not know.
	Canonical string
	// Norm is the heading normalised for comparison.
	Norm      string
	Line, Col int
	// Empty is true when nothing but headings follows before the next H2.
	Empty bool
}

// Link is a link or image destination in the body.
type Link struct {
	Dest      string
	Image     bool
	Line, Col int
}

// CodeBlock is a fenced or indented code block.
type CodeBlock struct {
	Info      string
	Line, Col int
	Lines     []string
}

// Prose is the plain text of one paragraph, heading or table cell, with a
// map back to where each piece came from in the file.
type Prose struct {
	Text string
	Runs []Run
}

// Run maps Text[At:At+Len] to the file, starting at Line:Col.
type Run struct {
	At, Len   int
	Line, Col int
}

// Locate returns the line and column of byte i of the text.
func (p Prose) Locate(i int) (line, col int) {
	for _, r := range p.Runs {
		if i >= r.At && i < r.At+r.Len {
			return r.Line, r.Col + runeCount(p.Text[r.At:i])
		}
	}
	if len(p.Runs) > 0 {
		return p.Runs[0].Line, p.Runs[0].Col
	}
	return 0, 0
}

// Item is the first line of a list item's text, raw Markdown.
type Item struct {
	Text      string
	Line, Col int
}

// TimelineEntry is a dated event of the Timeline section.
type TimelineEntry struct {
	Time  time.Time
	Event string
	// Dated is true when the entry spelled out its day.
	Dated     bool
	Line, Col int
}
