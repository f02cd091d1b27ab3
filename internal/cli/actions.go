package cli

import (
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/hindsight-dev/hindsight/internal/config"
	"github.com/hindsight-dev/hindsight/internal/gitlink"
	"github.com/hindsight-dev/hindsight/internal/pipeline"
	"github.com/hindsight-dev/hindsight/internal/postmortem"
)

var actionFormats = []string{"table", "json", "csv", "markdown"}

// ActionsOptions are the inputs of `hindsight actions`.
type ActionsOptions struct {
	Factory *Factory
	Overdue bool
	Owner   string
	Status  string
	Format  string
	Wide    bool
}

// NewCmdActions builds `hindsight actions`; runF replaces the run in tests.
func NewCmdActions(f *Factory, runF func(*ActionsOptions) error) *cobra.Command {
	opts := &ActionsOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "actions",
		Short: "List the action items of every postmortem, overdue first",
		Long: `List every action item of every postmortem, drafts included, with its
reference (<id>#<n>), postmortem, owner, due date, priority and status.

An item that a commit closed with a "Postmortem-Action: <id>#<n>" trailer
counts as done, whatever the file says, and shows the commit as "closed by".
An open or in-progress item past its due date is overdue; "today" is the
current day, or HINDSIGHT_NOW. Overdue items come first (most overdue
first), then the other open items by due date, then the done and dropped
ones, most recently due first.

--owner matches the owner exactly, ignoring case; --status matches the
effective status (open, in-progress, done or wont-do); --overdue keeps only
overdue items. The markdown form is a task list per owner, ready to paste
into a weekly follow-up issue. It exits 0 whether or not items match.`,
		Example: `  hindsight actions --overdue
  hindsight actions --owner sre@example.com --status open
  hindsight actions --overdue --format markdown | gh issue create --title "Overdue action items" --body-file -`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.Status != "" && !slices.Contains(postmortem.ItemStatuses, opts.Status) {
				return usageError("--status %q is not a status; use one of %s", opts.Status, strings.Join(postmortem.ItemStatuses, ", "))
			}
			if runF != nil {
				return runF(opts)
			}
			return actionsRun(opts)
		},
	}
	cmd.Flags().BoolVar(&opts.Overdue, "overdue", false, "only overdue items")
	cmd.Flags().StringVar(&opts.Owner, "owner", "", "only items of this owner (exact, ignoring case)")
	cmd.Flags().StringVar(&opts.Status, "status", "", "only items with this effective status: open, in-progress, done or wont-do")
	cmd.Flags().BoolVar(&opts.Wide, "wide", false, "whole titles in the table, however wide the terminal (output that is not a terminal is never cut)")
	enumVar(cmd, &opts.Format, "format", "table", actionFormats, "output format: table, json, csv or markdown")
	_ = cmd.RegisterFlagCompletionFunc("status", cobra.FixedCompletions(postmortem.ItemStatuses, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

// actionItem is one action item as `hindsight actions` lists it; its JSON
// form is version 1 of the output.
type actionItem struct {
	Ref             string `json:"ref"`
	Postmortem      string `json:"postmortem"`
	PostmortemTitle string `json:"postmortem_title"`
	File            string `json:"file"`
	URL             string `json:"url"`
	Title           string `json:"title"`
	Owner           string `json:"owner"`
	Due             string `json:"due"`
	Priority        string `json:"priority"`
	// Status is the effective status: done when a commit closed the item.
	Status string `json:"status"`
	// FileStatus is the status the file gives.
	FileStatus string          `json:"file_status"`
	Ticket     string          `json:"ticket,omitempty"`
	ClosedBy   *actionClosedBy `json:"closed_by,omitempty"`
	// Reopened is set when every commit that closed the item was
	// reverted: the item is open again.
	Reopened    *actionReopened `json:"reopened,omitempty"`
	Overdue     bool            `json:"overdue"`
	DaysOverdue int             `json:"days_overdue"`

	state postmortem.ItemState
}

func (a actionItem) open() bool { return a.state.Open() }

// actionClosedBy is the commit whose trailer closed an item.
type actionClosedBy struct {
	SHA     string    `json:"sha"`
	Repo    string    `json:"repo,omitempty"`
	Subject string    `json:"subject"`
	Date    time.Time `json:"date"`
	URL     string    `json:"url,omitempty"`
}

// actionReopened is a closing commit and the revert that undid it.
type actionReopened struct {
	Closed actionClosedBy `json:"closed"`
	By     actionClosedBy `json:"by"`
}

func closedByOf(c postmortem.CommitInfo) actionClosedBy {
	return actionClosedBy{SHA: c.SHA, Repo: c.Repo, Subject: c.Subject, Date: c.Date, URL: c.URL}
}

// closedText is what the closed-by column shows: the closing commit, or
// the revert that reopened the item.
func (a actionItem) closedText() string {
	switch {
	case a.ClosedBy != nil:
		return shortSHA(a.ClosedBy.SHA)
	case a.Reopened != nil:
		return "reopened by " + shortSHA(a.Reopened.By.SHA)
	}
	return ""
}

// shortSHA is how a commit is shown to people.
func shortSHA(sha string) string { return sha[:min(10, len(sha))] }

func actionsRun(opts *ActionsOptions) error {
	f := opts.Factory
	l, now, err := loadReport(f)
	if err != nil {
		return err
	}
	items := collectActions(l.Config, l.Repos.Repo(""), l.Corpus.Postmortems, now)
	items = slices.DeleteFunc(items, func(a actionItem) bool {
		return (opts.Overdue && !a.Overdue) ||
			(opts.Owner != "" && !strings.EqualFold(strings.TrimSpace(a.Owner), strings.TrimSpace(opts.Owner))) ||
			(opts.Status != "" && a.Status != opts.Status)
	})
	width := f.IO.Width
	if opts.Wide {
		width = 0
	}
	return writeActions(f.IO.Out, opts.Format, items, now, width)
}

// noteErrors says on stderr when the corpus has errors, which the reports
// do not stop for.
func noteErrors(f *Factory, l *pipeline.Loaded) {
	if l.Report.Errors > 0 {
		fmt.Fprintf(f.IO.Err, "hindsight: note: the postmortems have %s; run `hindsight check` (the report uses what could be read)\n", plural(l.Report.Errors, "error"))
	}
}

// today is the day of t, at midnight UTC, as dates are.
func today(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// collectActions lists every action item in the order of
// postmortem.CompareActions, with its state on the day of now.
func collectActions(cfg *config.Config, content *gitlink.Repo, pms []*postmortem.Postmortem, now time.Time) []actionItem {
	var items []actionItem
	for _, act := range postmortem.Actions(pms, now) {
		pm, a, st := act.PM, act.ActionItem, act.State
		it := actionItem{
			Ref: act.Ref(), Postmortem: pm.ID, PostmortemTitle: pm.Title, File: pm.Rel,
			URL: actionURL(cfg, content, pm, act.N), Title: a.Title, Owner: a.Owner, Due: a.Due.String(),
			Priority: string(a.Priority), Status: string(st.Status), FileStatus: string(a.Status), Ticket: a.Ticket,
			Overdue: st.Overdue, DaysOverdue: st.DaysOverdue, state: st,
		}
		if c := st.ClosedBy; c != nil {
			cb := closedByOf(*c)
			it.ClosedBy = &cb
		}
		if r := st.ReopenedBy; r != nil {
			it.Reopened = &actionReopened{Closed: closedByOf(r.Closed), By: closedByOf(r.By)}
		}
		items = append(items, it)
	}
	return items
}

// actionURL links an item: its anchor on the site when the config has a
// base URL, else the postmortem's file (in the repository's web UI when
// known).
func actionURL(cfg *config.Config, content *gitlink.Repo, pm *postmortem.Postmortem, n int) string {
	if cfg.BaseURL != "" {
		return fmt.Sprintf("%s/%s/#action-%d", strings.TrimSuffix(cfg.BaseURL, "/"), pm.ID, n)
	}
	return pageURL(cfg, content, pm.ID, pm.Rel)
}

// actionCounts tallies items: overdue, open (not overdue), done, won't do.
func actionCounts(items []actionItem) (overdue, open, done, wont int) {
	var t postmortem.ItemTally
	for _, a := range items {
		t.Add(postmortem.ItemState{Status: postmortem.ItemStatus(a.Status), Overdue: a.Overdue})
	}
	return t.Overdue, t.Open - t.Overdue, t.Done, t.WontDo
}

// actionSummary is the count of items and how they stand: "8 action items:
// 3 overdue, 1 open, 3 done, 1 won't do".
func actionSummary(items []actionItem) string {
	s := plural(len(items), "action item")
	if t := actionCountText(items); t != "" {
		s += ": " + t
	}
	return s
}

func actionCountText(items []actionItem) string {
	overdue, open, done, wont := actionCounts(items)
	var parts []string
	for _, p := range []struct {
		n    int
		word string
	}{{overdue, "overdue"}, {open, "open"}, {done, "done"}, {wont, "won't do"}} {
		if p.n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", p.n, p.word))
		}
	}
	return strings.Join(parts, ", ")
}

func statusText(s string) string {
	switch s {
	case string(postmortem.ItemWontDo):
		return "won't do"
	case string(postmortem.ItemInProgress):
		return "in progress"
	}
	return s
}

func writeActions(w io.Writer, format string, items []actionItem, now time.Time, width int) error {
	switch format {
	case "json":
		return writeJSONValue(w, struct {
			Version int          `json:"version"`
			Today   string       `json:"today"`
			Items   []actionItem `json:"items"`
		}{1, today(now).Format(postmortem.DateLayout), nonNil(items)})
	case "csv":
		cw := newCSV(w)
		_ = cw.Write([]string{"ref", "postmortem", "postmortem_title", "title", "owner", "due", "priority", "status", "closed_by", "overdue", "days_overdue", "url"})
		for _, a := range items {
			_ = cw.Write([]string{a.Ref, a.Postmortem, a.PostmortemTitle, a.Title, a.Owner, a.Due, a.Priority, a.Status, a.closedText(),
				strconv.FormatBool(a.Overdue), strconv.Itoa(a.DaysOverdue), a.URL})
		}
		cw.Flush()
		return cw.Error()
	case "markdown":
		_, err := io.WriteString(w, actionsMarkdown(items, now))
		return err
	}
	if len(items) == 0 {
		_, err := io.WriteString(w, "No action item matches.\n")
		return err
	}
	rows := [][]string{{"REF", "STATUS", "DUE", "OVERDUE", "PRIORITY", "OWNER", "CLOSED BY", "TITLE"}}
	for _, a := range items {
		overdue, closed := "-", dash(a.closedText())
		if a.Overdue {
			overdue = plural(a.DaysOverdue, "day")
		}
		rows = append(rows, []string{termText(a.Ref), termText(a.Status), termText(dash(a.Due)), overdue, termText(dash(a.Priority)), termText(dash(a.Owner)), closed, termText(a.Title)})
	}
	fitLast(rows, width, 2)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, r := range rows {
		fmt.Fprintln(tw, strings.Join(r, "\t"))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintln(w, actionSummary(items))
	return err
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// actionsMarkdown is a heading with the counts, then a task list per
// owner, in the order of each owner's most pressing item.
func actionsMarkdown(items []actionItem, now time.Time) string {
	var b strings.Builder
	fmt.Fprintf(&b, "## Action items as of %s", today(now).Format(postmortem.DateLayout))
	if len(items) == 0 {
		b.WriteString("\n\nNo action item matches.\n")
		return b.String()
	}
	fmt.Fprintf(&b, ": %s\n", actionCountText(items))
	var owners []string
	byOwner := map[string][]actionItem{}
	for _, a := range items {
		key := strings.ToLower(strings.TrimSpace(a.Owner))
		if _, ok := byOwner[key]; !ok {
			owners = append(owners, key)
		}
		byOwner[key] = append(byOwner[key], a)
	}
	for _, key := range owners {
		group := byOwner[key]
		owner := strings.TrimSpace(group[0].Owner)
		if owner == "" {
			owner = "No owner"
		}
		fmt.Fprintf(&b, "\n### %s\n\n", mdCell(owner))
		for _, a := range group {
			box, title := " ", mdCell(a.Title)
			if !a.open() {
				box = "x"
			}
			if a.Status == string(postmortem.ItemWontDo) {
				title = "~~" + title + "~~"
			}
			var facts []string
			if a.Overdue {
				facts = append(facts, fmt.Sprintf("**%s overdue**", plural(a.DaysOverdue, "day")))
			}
			if a.Due != "" {
				facts = append(facts, "due "+a.Due)
			}
			if a.Priority != "" {
				facts = append(facts, a.Priority)
			}
			status := statusText(a.Status)
			if a.ClosedBy != nil {
				sha := "`" + shortSHA(a.ClosedBy.SHA) + "`"
				if a.ClosedBy.URL != "" {
					sha = "[" + sha + "](" + a.ClosedBy.URL + ")"
				}
				status += " (closed by " + sha + ")"
			}
			if r := a.Reopened; r != nil {
				sha := "`" + shortSHA(r.By.SHA) + "`"
				if r.By.URL != "" {
					sha = "[" + sha + "](" + r.By.URL + ")"
				}
				status += " (reopened by " + sha + ", which reverted `" + shortSHA(r.Closed.SHA) + "`)"
			}
			facts = append(facts, status)
			fmt.Fprintf(&b, "- [%s] %s — %s — from [%s](%s) (`%s`)\n", box, title, strings.Join(facts, ", "), mdCell(a.PostmortemTitle), mdLink(a.URL), a.Ref)
		}
	}
	return b.String()
}

// mdLink makes a URL or path safe as a Markdown link destination.
func mdLink(u string) string {
	return strings.NewReplacer(" ", "%20", "(", "%28", ")", "%29", "<", "%3C", ">", "%3E").Replace(u)
}
