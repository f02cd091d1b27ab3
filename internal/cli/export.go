package cli

import (
	"encoding/json"
	"fmt"
	"math"
	"time"

	"github.com/spf13/cobra"

	"github.com/hindsight-dev/hindsight/internal/postmortem"
)

var exportFormats = []string{"json", "ndjson"}

// ExportVersion is the version of the export's shape. Fields are only ever
// added; a removal or a change of meaning bumps it.
const ExportVersion = 1

// ExportOptions are the inputs of `hindsight export`.
type ExportOptions struct {
	Factory *Factory
	Format  string
	Public  bool
	Drafts  bool
}

// NewCmdExport builds `hindsight export`; runF replaces the run in tests.
func NewCmdExport(f *Factory, runF func(*ExportOptions) error) *cobra.Command {
	opts := &ExportOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "export",
		Short: "Print the whole corpus as JSON, with derived figures and commit details",
		Long: `Print every postmortem as JSON: its front matter, its times
as RFC 3339 strings, the derived figures in seconds, each commit ref with
what git knows of the commit (subject, author, date, changed files, web
link), and its action items with their effective status (done when a
commit trailer closed the item) and the closing commit. Postmortems come
in file path order.

--format json (the default) prints one object: {"version": 1,
"generated_by": "hindsight", "public": false, "postmortems": [...]}.
--format ndjson prints one postmortem object per line, with no envelope,
for streaming into other tools.

Drafts are left out unless --drafts is given, as in a build. --public
keeps only postmortems with visibility: public, and leaves out the
internal fields: owner, authors, participants, facilitator, tickets,
action item owners and tickets, commit authors and their emails, and
custom fields; related ids name only postmortems in the export. It exits
0 unless the command line or config is wrong.`,
		Example: `  hindsight export > postmortems.json
  hindsight export --format ndjson | jq -c 'select(.severity == "SEV1")'
  hindsight export --public > public.json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(opts)
			}
			return exportRun(opts)
		},
	}
	enumVar(cmd, &opts.Format, "format", "json", exportFormats, "output format: json (one object) or ndjson (one postmortem per line)")
	cmd.Flags().BoolVar(&opts.Public, "public", false, "only postmortems with visibility: public, without internal fields")
	cmd.Flags().BoolVar(&opts.Drafts, "drafts", false, "include drafts")
	return cmd
}

// exportDoc is the envelope of --format json.
type exportDoc struct {
	Version     int                `json:"version"`
	GeneratedBy string             `json:"generated_by"`
	Public      bool               `json:"public"`
	Postmortems []exportPostmortem `json:"postmortems"`
}

// exportPostmortem is one postmortem. The internal fields are omitempty:
// absent when empty, and always absent from a public export.
type exportPostmortem struct {
	ID           string             `json:"id"`
	File         string             `json:"file"`
	Title        string             `json:"title"`
	Date         string             `json:"date"`
	Status       string             `json:"status"`
	Severity     string             `json:"severity"`
	Summary      string             `json:"summary"`
	Owner        string             `json:"owner,omitempty"`
	Authors      []string           `json:"authors,omitempty"`
	Participants []string           `json:"participants,omitempty"`
	Facilitator  string             `json:"facilitator,omitempty"`
	ReviewDate   string             `json:"review_date,omitempty"`
	Services     []string           `json:"services"`
	Tags         []string           `json:"tags"`
	Visibility   string             `json:"visibility"`
	Times        map[string]string  `json:"times"`
	Figures      postmortem.Figures `json:"figures"`
	Commits      []exportCommit     `json:"commits"`
	Tickets      []string           `json:"tickets,omitempty"`
	ActionItems  []exportActionItem `json:"action_items"`
	Related      []string           `json:"related"`
	Custom       map[string]any     `json:"custom,omitempty"`
}

// exportCommit is a commit ref as written, with what git knows of it when
// it was found.
type exportCommit struct {
	postmortem.CommitRef
	Commit *exportCommitInfo `json:"commit,omitempty"`
	// RevertedBy is the later commit that undid a fix or mitigation;
	// RevertNote why a revert naming it was not counted.
	RevertedBy *exportCommitInfo `json:"reverted_by,omitempty"`
	RevertNote string            `json:"revert_note,omitempty"`
}

// exportReopened is the reverted commit that had closed an item, and the
// revert.
type exportReopened struct {
	Closed *exportCommitInfo `json:"closed"`
	By     *exportCommitInfo `json:"by"`
}

// exportCommitInfo is what git knows of a commit.
type exportCommitInfo struct {
	SHA         string    `json:"sha"`
	Repo        string    `json:"repo,omitempty"`
	Subject     string    `json:"subject"`
	Author      string    `json:"author,omitempty"`
	AuthorEmail string    `json:"author_email,omitempty"`
	Date        time.Time `json:"date"`
	Committed   time.Time `json:"committed"`
	Files       []string  `json:"files,omitempty"`
	URL         string    `json:"url,omitempty"`
}

// exportActionItem is one action item; Status is the effective status
// (done when a commit trailer closed it), FileStatus what the file says.
type exportActionItem struct {
	Ref        string            `json:"ref"`
	Title      string            `json:"title"`
	Owner      string            `json:"owner,omitempty"`
	Due        string            `json:"due"`
	Priority   string            `json:"priority"`
	Status     string            `json:"status"`
	FileStatus string            `json:"file_status"`
	Ticket     string            `json:"ticket,omitempty"`
	ClosedBy   *exportCommitInfo `json:"closed_by,omitempty"`
	Reopened   *exportReopened   `json:"reopened,omitempty"`
}

func exportRun(opts *ExportOptions) error {
	f := opts.Factory
	l, err := loadChecked(f, true)
	if err != nil {
		return err
	}
	noteErrors(f, l)
	pms := postmortem.Select(l.Corpus.Postmortems, postmortem.Scope{Drafts: opts.Drafts, Public: opts.Public})
	out := make([]exportPostmortem, 0, len(pms))
	for _, pm := range pms {
		out = append(out, exportOne(pm))
	}
	if opts.Format == "ndjson" {
		enc := json.NewEncoder(f.IO.Out)
		for _, p := range out {
			if err := enc.Encode(p); err != nil {
				return err
			}
		}
		return nil
	}
	return writeJSONValue(f.IO.Out, exportDoc{Version: ExportVersion, GeneratedBy: "hindsight", Public: opts.Public, Postmortems: out})
}

func exportCommitOf(ci postmortem.CommitInfo) *exportCommitInfo {
	return &exportCommitInfo{SHA: ci.SHA, Repo: ci.Repo, Subject: ci.Subject, Author: ci.Author, AuthorEmail: ci.AuthorEmail,
		Date: ci.Date, Committed: ci.Committed, Files: ci.Files, URL: ci.URL}
}

// exportOne turns a postmortem of the selection (redacted in a public
// export) into its export form.
func exportOne(pm *postmortem.Postmortem) exportPostmortem {
	e := exportPostmortem{
		ID: pm.ID, File: pm.Rel, Title: pm.Title, Date: pm.Date.String(), Status: string(pm.Status), Severity: pm.Severity,
		Summary: pm.Summary, ReviewDate: pm.ReviewDate.String(), Services: nonNil(pm.Services), Tags: nonNil(pm.Tags),
		Visibility: string(pm.Visibility), Times: map[string]string{}, Commits: []exportCommit{}, ActionItems: []exportActionItem{},
		Related: []string{},
		Figures: pm.Figures(),
	}
	for _, k := range postmortem.TimeKeys {
		if t := pm.Times.Get(k); !t.IsZero() {
			e.Times[k] = t.Format(time.RFC3339)
		}
	}
	for _, m := range pm.Times.Extra {
		e.Times[m.Name] = m.Time.Format(time.RFC3339)
	}
	linked := pm.Linked
	if len(linked) != len(pm.Commits) {
		linked = nil
		for _, ref := range pm.Commits {
			linked = append(linked, postmortem.LinkedCommit{Ref: ref})
		}
	}
	for _, lc := range linked {
		c := exportCommit{CommitRef: lc.Ref, RevertNote: lc.RevertNote}
		if lc.Info != nil {
			c.Commit = exportCommitOf(*lc.Info)
		}
		if lc.RevertedBy != nil {
			c.RevertedBy = exportCommitOf(*lc.RevertedBy)
		}
		e.Commits = append(e.Commits, c)
	}
	for i, a := range pm.ActionItems {
		n := i + 1
		st := pm.ItemState(n, time.Time{})
		it := exportActionItem{
			Ref: fmt.Sprintf("%s#%d", pm.ID, n), Title: a.Title, Due: a.Due.String(), Priority: string(a.Priority),
			Status: string(st.Status), FileStatus: string(a.Status), Owner: a.Owner, Ticket: a.Ticket,
		}
		if st.ClosedBy != nil {
			it.ClosedBy = exportCommitOf(*st.ClosedBy)
		}
		if r := st.ReopenedBy; r != nil {
			it.Reopened = &exportReopened{Closed: exportCommitOf(r.Closed), By: exportCommitOf(r.By)}
		}
		e.ActionItems = append(e.ActionItems, it)
	}
	e.Related = append(e.Related, pm.Related...)
	e.Owner, e.Authors, e.Participants, e.Facilitator = pm.Owner, pm.Authors, pm.Participants, pm.Facilitator
	e.Tickets = pm.Tickets
	if len(pm.Custom) > 0 {
		e.Custom = map[string]any{}
		for k, v := range pm.Custom {
			e.Custom[k] = jsonable(v)
		}
	}
	return e
}

// jsonable turns YAML values into values encoding/json takes: maps with
// keys that are not strings get string keys.
func jsonable(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, v := range x {
			out[k] = jsonable(v)
		}
		return out
	case map[any]any:
		out := make(map[string]any, len(x))
		for k, v := range x {
			out[fmt.Sprint(k)] = jsonable(v)
		}
		return out
	case float64:
		if math.IsInf(x, 0) || math.IsNaN(x) {
			return fmt.Sprint(x)
		}
	case []any:
		out := make([]any, len(x))
		for i, v := range x {
			out[i] = jsonable(v)
		}
		return out
	}
	return v
}
