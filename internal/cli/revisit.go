package cli

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/hindsight-dev/hindsight/internal/postmortem"
)

var revisitFormats = []string{"table", "json", "markdown"}

// RevisitOptions are the inputs of `hindsight revisit`.
type RevisitOptions struct {
	Factory *Factory
	Due     bool
	Format  string
}

// NewCmdRevisit builds `hindsight revisit`; runF replaces the run in tests.
func NewCmdRevisit(f *Factory, runF func(*RevisitOptions) error) *cobra.Command {
	opts := &RevisitOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "revisit",
		Short: "List the postmortems due for a revisit, most overdue first",
		Long: `List the published postmortems that revisit_after_days in hindsight.yaml
gives a cadence (days by severity), with the last revisit and when the next
one is due: counted from the last entry of the postmortem's revisits list,
else from times.resolved. A revisit checks that the countermeasures were
implemented and are still in effect; record it in the front matter:

  revisits:
    - date: 2026-03-02
      by: sre@example.com
      outcome: in-effect      # in-effect, partly or not-in-effect
      notes: The pool alert fired twice and paged as intended.

Due postmortems come first, most overdue first, then the others by the day
they fall due. --due keeps only those due today or before ("today" is the
current day, or HINDSIGHT_NOW). The markdown form is ready to paste into a
weekly follow-up issue. Without a cadence in the config nothing is listed.
It exits 0 whether or not any is due.`,
		Example: `  hindsight revisit
  hindsight revisit --due --format markdown`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(opts)
			}
			return revisitRun(opts)
		},
	}
	cmd.Flags().BoolVar(&opts.Due, "due", false, "only postmortems due for a revisit")
	enumVar(cmd, &opts.Format, "format", "table", revisitFormats, "output format: table, json or markdown")
	return cmd
}

// revisitEntry is one postmortem as `hindsight revisit` lists it; its JSON
// form is version 1 of the output.
type revisitEntry struct {
	ID          string `json:"id"`
	Title       string `json:"title"`
	File        string `json:"file"`
	URL         string `json:"url"`
	Severity    string `json:"severity"`
	Every       int    `json:"every_days"`
	LastDate    string `json:"last_revisit,omitempty"`
	LastBy      string `json:"last_by,omitempty"`
	LastOutcome string `json:"last_outcome,omitempty"`
	Since       string `json:"since"`
	Due         string `json:"due"`
	Overdue     bool   `json:"overdue"`
	// DaysOverdue counts the days since it fell due; negative, the days
	// left.
	DaysOverdue int `json:"days_overdue"`
	Revisits    int `json:"revisits"`

	when string
}

func revisitRun(opts *RevisitOptions) error {
	f := opts.Factory
	l, now, err := loadReport(f)
	if err != nil {
		return err
	}
	cfg := l.Config
	var entries []revisitEntry
	for _, r := range postmortem.Revisits(l.Corpus.Postmortems, cfg.RevisitAfterDays, now) {
		if opts.Due && !r.State.Overdue {
			continue
		}
		pm, st := r.PM, r.State
		e := revisitEntry{
			ID: pm.ID, Title: pm.Title, File: pm.Rel, URL: pageURL(cfg, l.Repos.Repo(""), pm.ID, pm.Rel), Severity: pm.Severity,
			Every: st.Every, Since: st.Since.Format(postmortem.DateLayout), Due: st.Due.Format(postmortem.DateLayout),
			Overdue: st.Overdue, DaysOverdue: st.DaysOverdue, Revisits: len(pm.Revisits), when: st.When(),
		}
		if st.Last != nil {
			e.LastDate, e.LastBy, e.LastOutcome = st.Last.Date.String(), st.Last.By, string(st.Last.Outcome)
		}
		entries = append(entries, e)
	}
	return writeRevisits(f.IO.Out, opts.Format, entries, len(cfg.RevisitAfterDays) > 0, now)
}

func (e revisitEntry) lastText() string {
	if e.LastDate == "" {
		return "never"
	}
	return e.LastDate + " " + e.LastOutcome
}

func writeRevisits(w io.Writer, format string, entries []revisitEntry, cadence bool, now time.Time) error {
	due := 0
	for _, e := range entries {
		if e.Overdue {
			due++
		}
	}
	none := "No postmortem is due for a revisit."
	if !cadence {
		none = "No revisit cadence is set: add revisit_after_days to hindsight.yaml (days by severity, e.g. SEV1: 90)."
	}
	switch format {
	case "json":
		return writeJSONValue(w, struct {
			Version int            `json:"version"`
			Today   string         `json:"today"`
			Due     int            `json:"due"`
			Entries []revisitEntry `json:"postmortems"`
		}{1, today(now).Format(postmortem.DateLayout), due, nonNil(entries)})
	case "markdown":
		var b strings.Builder
		fmt.Fprintf(&b, "## Postmortems to revisit as of %s", today(now).Format(postmortem.DateLayout))
		if len(entries) == 0 {
			fmt.Fprintf(&b, "\n\n%s\n", none)
			_, err := io.WriteString(w, b.String())
			return err
		}
		fmt.Fprintf(&b, ": %d due\n\n", due)
		for _, e := range entries {
			when := e.when
			if e.Overdue {
				when = "**" + when + "**"
			}
			last := "never revisited"
			if e.LastDate != "" {
				last = fmt.Sprintf("last revisited %s (%s)", e.LastDate, mdCell(e.LastOutcome))
			}
			fmt.Fprintf(&b, "- [ ] [%s](%s) (`%s`, %s) — %s, %s, every %s\n", mdCell(e.Title), mdLink(e.URL), e.ID, mdCell(e.Severity), when, last, plural(e.Every, "day"))
		}
		_, err := io.WriteString(w, b.String())
		return err
	}
	if len(entries) == 0 {
		_, err := fmt.Fprintln(w, none)
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSEVERITY\tDUE\tWHEN\tLAST REVISIT\tTITLE")
	for _, e := range entries {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", termText(e.ID), termText(e.Severity), e.Due, e.when, termText(e.lastText()), termText(e.Title))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "%d due for a revisit, %d in all\n", due, len(entries))
	return err
}
