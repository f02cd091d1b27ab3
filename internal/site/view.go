package site

import "html/template"

// The view model: what the theme's templates receive. Every string is
// plain text that html/template escapes; only fields of type template.HTML
// (the rendered Markdown body and the charts) are trusted markup, produced
// by this package from sanitised input.

// SiteView is what every page knows of the site.
type SiteView struct {
	Title string
	// Base is the path every URL starts with, "/" or "/postmortems/".
	Base string
	// BaseURL is the absolute URL of the site, when configured.
	BaseURL string
	// Public is true for a public build (status page).
	Public bool
	// Preview is true for the writer's preview that serve builds.
	Preview bool
	// Nav is the main navigation, in order.
	Nav Links
	// AssetVersion is appended to asset URLs to bust caches.
	AssetVersion string
	// Severities are the configured levels, worst first.
	Severities []string
}

// Link is a text and where it goes; URL may be empty for plain text.
type Link struct {
	Text string
	URL  string
	// Current marks the navigation entry of the page being shown.
	Current bool
}

// Links are links in a row, as the built-in theme's "links" writes them
// (Links.HTML).
type Links []Link

// Page is the data of one page. Exactly one of the kind-specific fields is
// set, as Kind says.
type Page struct {
	Site *SiteView
	// Kind is home, list, postmortem, terms, term, actions, metrics,
	// search, 404 or failed (a file that could not be parsed, in serve).
	Kind string
	// Title is the page's own title (the site title is added by the layout).
	Title string
	// Path is the page's path below the site base, "" for home, "tags/dns/".
	Path string
	// Description is a one-line summary for meta tags.
	Description string
	// Canonical is the page's absolute URL, when the site has a base URL.
	Canonical string

	Home       *HomeView
	List       *ListView
	Postmortem *PostmortemView
	Terms      *TermsView
	Term       *TermView
	Actions    *ActionsView
	Metrics    *MetricsView
	Failed     *FailedView
}

// FindingView is a check finding on a page.
type FindingView struct {
	// Level is "error" or "warning".
	Level string
	// Where is "line 12, column 3", or "line 12".
	Where         string
	Message, Rule string
	// Snippet is the lines around it with a caret under the column, on a
	// page of a file that failed to parse.
	Snippet string
}

// FailedView is the page of a file that could not be parsed.
type FailedView struct {
	File     string
	Findings []FindingView
	Errors   int
	Warnings int
}

// Summary is one postmortem in a list.
type Summary struct {
	ID       string
	URL      string
	Title    string
	Summary  string
	Date     string // 2019-06-28
	Year     string
	Severity string
	// SeverityRank is 1 for the worst configured level.
	SeverityRank int
	// SeverityClass is a CSS-safe class, "sev-1" for the worst level.
	SeverityClass string
	Status        string
	Visibility    string
	Services      Links
	Tags          Links
	// TimeToDetect and TimeToResolve are human durations ("1h 32m"), with
	// seconds for sorting; "" and -1 when unknown.
	TimeToDetect         string
	TimeToDetectSeconds  int64
	TimeToResolve        string
	TimeToResolveSeconds int64
	OpenItems            int
	OverdueItems         int

	// digest stands for the summary in fingerprints (MarshalJSON).
	digest string
}

// HomeView is the front page.
type HomeView struct {
	Recent []*Summary
	// Figures are the headline numbers.
	Figures []Figure
	// OpenItems and OverdueItems count action items across the corpus.
	OpenItems    int
	OverdueItems int
	Total        int
	// Overdue are the most overdue action items (at most five of
	// OverdueItems), InReview the postmortems waiting for review or still
	// drafts (at most five of InReviewTotal), newest first.
	Overdue       []ActionView
	InReview      []*Summary
	InReviewTotal int
	// RevisitsDue are the postmortems due for a revisit, most overdue
	// first (at most ten of RevisitsDueTotal).
	RevisitsDue      []RevisitDue
	RevisitsDueTotal int
	// OnThisDay are incidents that began this week in earlier years.
	OnThisDay []Anniversary
}

// Figure is a headline number with its label and a note.
type Figure struct {
	Label string
	Value string
	Note  string
}

// ListView is the table of all postmortems. Filters list the values each
// filter offers, for the select boxes.
type ListView struct {
	Postmortems []*Summary
	Severities  []string
	Services    []string
	Tags        []string
	Statuses    []string
	Years       []string
}

// PostmortemView is one postmortem's page.
type PostmortemView struct {
	Summary
	Owner        string
	Authors      []string
	Participants []string
	Facilitator  string
	ReviewDate   string
	// Times are the milestones in order, standard ones first.
	Times []TimeRow
	// Durations are time to detect, mitigate and resolve, trigger latency
	// and fix lead time, when known.
	Durations   []Figure
	Commits     []CommitView
	Tickets     Links
	ActionItems []ActionView
	// Body is the rendered Markdown; BodyParts is the same cut where the
	// structured timeline and action items take the place of the body's
	// own Timeline and Action items sections (TimelineInBody and
	// ActionsInBody say they do).
	Body           template.HTML
	BodyParts      []BodyPart
	TimelineInBody bool
	ActionsInBody  bool
	// TOC lists the body's headings, then the page's own sections.
	TOC []TOCEntry
	// Draft marks a postmortem still being written.
	Draft bool
	// Timeline is the Timeline section's entries for the visual timeline,
	// TimelineAxis its ticks and the quiet stretches drawn short, and
	// TimelineMarks the milestones drawn on it.
	Timeline      []TimelineEntry
	TimelineAxis  *TimelineAxis
	TimelineMarks []TimelineMark
	Related       []RelatedView
	History       *HistoryView
	// Checks says what `check` verified for this page.
	Checks ChecksView
	// SourceURL is the file in the repository's web UI, when known.
	SourceURL string
	// EditURL is the page that edits the file there, when known.
	EditURL string
	// Custom are the config's custom fields with their values.
	Custom []Field
	// Revisits are the later looks at the countermeasures, oldest first;
	// NextRevisit is when the next is due, when the config sets a cadence.
	Revisits    []RevisitView
	NextRevisit *RevisitDue
}

// RevisitView is one revisit of a postmortem.
type RevisitView struct {
	Date    string
	By      string
	Outcome string
	// OutcomeClass is a CSS class, "outcome-in-effect".
	OutcomeClass string
	Notes        string
}

// RevisitDue is when a postmortem is next due for a revisit.
type RevisitDue struct {
	Postmortem *Summary
	Due        string
	// When is "34 days overdue", "due today" or "in 12 days".
	When    string
	Overdue bool
	// Every is the cadence, "90 days"; Last the latest revisit's date and
	// outcome, "" when there was none.
	Every string
	Last  string
}

// Anniversary is an incident that began this week in an earlier year.
type Anniversary struct {
	Postmortem *Summary
	YearsAgo   int
}

// Field is a named value.
type Field struct {
	Name  string
	Value string
}

// TimeRow is one milestone.
type TimeRow struct {
	Name  string // started, first_user_report
	Label string // Started, First user report
	Time  string // 2019-06-28 18:26 +01:00
	ISO   string // RFC 3339, for <time datetime>
	// Offset is the time since the start, "+12m", "" for the start itself.
	Offset string
}

// CommitView is a commit the postmortem names.
type CommitView struct {
	Role    string
	SHA     string // as written, or the full sha when resolved
	Short   string // 10 characters
	Repo    string
	Note    string
	Subject string
	Author  string
	Date    string
	ISO     string
	URL     string
	Files   []string
	// Verified is true when git found the commit.
	Verified bool
	// RevertedBy is the later commit that undid this fix or mitigation.
	RevertedBy *CommitView
}

// ActionView is one action item.
type ActionView struct {
	// Ref is "<id>#<n>"; Anchor the fragment id on the postmortem page.
	Ref      string
	Anchor   string
	N        int
	Title    string
	Owner    string
	Due      string
	Priority string
	Status   string
	// StatusClass is a CSS-safe class, "status-in-progress".
	StatusClass string
	Overdue     bool
	// DaysOverdue is how many days past due an open item is.
	DaysOverdue int
	Ticket      Link
	// ClosedBy is the commit whose trailer closed the item, if any.
	ClosedBy *CommitView
	// ReopenedBy is the revert of the commit that had closed the item,
	// which is open again; Reverted is that closing commit.
	ReopenedBy, Reverted *CommitView
	// Postmortem is set on the action-items page.
	Postmortem *Summary
}

// BodyPart is a run of the rendered body, followed by the structured
// block named by Then ("timeline", "actions" or "").
type BodyPart struct {
	HTML template.HTML
	Then string
}

// TOCEntry is a heading of the body.
type TOCEntry struct {
	Level int
	ID    string
	Text  string
}

// TimelineEntry is one point of the visual timeline.
type TimelineEntry struct {
	Time  string // 18:26, or 2019-06-29 00:10 on another day
	ISO   string
	Event string
	// Offset is the time since the incident started, "+1h 02m".
	Offset string
	// Percent places the entry on a line from the first to the last entry;
	// X is Percent as the chart writes it, with three decimals ("12.345").
	Percent float64
	X       string
	// Milestone names a `times` milestone at this moment, if any.
	Milestone string
	// Anchor is the entry's id on the page, from its time ("t-1826", or
	// "t-2019-06-29-0010" on another day; "-2" for a second one at the
	// same minute), so that a link to it survives edits elsewhere.
	Anchor string
}

// TimelineMark is a milestone drawn on the visual timeline: a stem from
// the line down to its label. The labels of marks in a row take three
// heights in turn, so that marks close together do not overlap.
type TimelineMark struct {
	// X is where it is on the line, in percent with three decimals.
	X string
	// Y is the label's baseline and StemY where its stem ends, in pixels.
	Y, StemY int
	// Anchor is the label's text-anchor: start near the left edge, end
	// near the right one, middle elsewhere.
	Anchor string
	// Label is the milestone and its time, "Detected · 18:26".
	Label string
}

// RelatedView is a related postmortem and why.
type RelatedView struct {
	Summary *Summary
	Reason  string
}

// HistoryView is the file's life in git.
type HistoryView struct {
	Added        string
	AddedBy      string
	Changed      string
	ChangedBy    string
	Contributors []string
	HistoryURL   string
	Uncommitted  bool
}

// ChecksView says what the check verified.
type ChecksView struct {
	// Findings are the check's, errors first; Errors and Warnings count
	// them.
	Findings         []FindingView
	Errors, Warnings int
	// CommitsVerified and CommitsTotal count the commit refs found in git.
	CommitsVerified int
	CommitsTotal    int
}

// TermsView lists the terms of a taxonomy (tags, services, severities).
type TermsView struct {
	// Name is "Tags", "Services" or "Severities".
	Name  string
	Terms []TermCount
	// Definitions is set when a severity has a definition to show.
	Definitions bool
}

// TermCount is a term with how many postmortems have it, and their
// figures.
type TermCount struct {
	Name  string
	URL   string
	Count int
	TermFigures
	// Definition says what the severity means (severities only).
	Definition string
}

// TermFigures sum up the postmortems that have one term.
type TermFigures struct {
	// Last is the most recent of them.
	Last *Summary
	// MedianDetect and MedianResolve are "" when no postmortem gives the
	// times; the seconds (-1 then) sort the list's table.
	MedianDetect         string
	MedianResolve        string
	MedianResolveSeconds int64
	// OpenItems counts their action items not done or dropped, of which
	// OverdueItems are past due.
	OpenItems    int
	OverdueItems int
}

// TermView lists the postmortems of one term.
type TermView struct {
	Taxonomy string // "Tag"
	Name     string
	// Definition says what the severity means (severities only).
	Definition string
	Figures    []Figure
	// TaxonomyURL leads back to the list of terms.
	TaxonomyURL string
	Postmortems []*Summary
}

// ActionsView is every action item, overdue first.
type ActionsView struct {
	Items      []ActionView
	Owners     []string
	Statuses   []string
	Priorities []string
	Open       int
	Overdue    int
	Done       int
	WontDo     int
}

// MetricsView holds the charts, each with a table of its data.
type MetricsView struct {
	// Ranges lead to the page of each time range; Range is this page's.
	Ranges Links
	Range  int
	Charts []ChartView
	// Figures are headline numbers (totals, medians).
	Figures []Figure
}

// ChartView is one chart: accessible SVG and the same data as a table.
type ChartView struct {
	ID          string
	Title       string
	Description string
	SVG         template.HTML
	// Narrow is the chart drawn for a phone's width, shown instead of
	// SVG on a narrow screen.
	Narrow template.HTML
	Table  TableView
}

// TableView is a simple table.
type TableView struct {
	Head []string
	Rows [][]string
}
