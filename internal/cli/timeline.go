package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/hindsight-dev/hindsight/internal/postmortem"
	"github.com/hindsight-dev/hindsight/internal/timeline"
)

var timelineFormats = []string{"markdown", "json"}

// TimelineOptions are the inputs of `hindsight timeline`.
type TimelineOptions struct {
	Factory   *Factory
	Sources   []string
	Slack     string
	Channel   string
	Reactions []string
	All       bool
	PagerDuty string
	Opsgenie  string
	Git       bool
	Repos     []string
	CSV       string
	JSON      string
	Since     string
	Until     string
	Into      string
	Times     bool
	Format    string
}

// NewCmdTimeline builds `hindsight timeline`; runF replaces the run in
// tests.
func NewCmdTimeline(f *Factory, runF func(*TimelineOptions) error) *cobra.Command {
	opts := &TimelineOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "timeline [SOURCE...]",
		Short: "Import timeline entries from a Slack export, a paging log, git or a CSV/JSON file",
		Long: `Read the events of an incident from where they were recorded and print
them as Timeline entries, sorted, or merge them into a postmortem's Timeline
section with --into.

Sources, as flags or as KIND:PATH arguments (a folder or .zip is taken for a
Slack export, a .csv for a table, a .json by what it holds):
  --slack PATH      slack:PATH      a workspace export, folder or .zip; with
                                    --channel; only key messages (a chosen
                                    --reaction, default pushpin, or pinned)
                                    unless --all
  --pagerduty PATH  pagerduty:PATH  an incident's log entries (GET
                                    /incidents/{id}/log_entries)
  --opsgenie PATH   opsgenie:PATH   an alert's log (GET /v2/alerts/{id}/logs)
  --git             git, git:NAME   merges, commits and tags of the branch of
                                    each configured repository (--repo NAME)
  --csv PATH        csv:PATH        time,text columns
  --json PATH       json:PATH       a list of {"time": ..., "text": ...}

Times are written in the zone of the postmortem's times.started with --into,
else in UTC with the zone named. --since and --until bound the events (RFC
3339, or "2024-01-15 14:00" in that zone); with --into they default to six
hours around the incident's times. Events in the future are skipped. What is
left out (bots, joins, edits, code blocks and logs, events outside the
window) is counted on stderr.

--into FILE keeps every entry already in the file, adds the new ones in time
order, never adds an entry twice (same minute and text), leaves the rest of
the file as it was, and writes it in one rename; if the file changed while
the import ran it writes nothing and exits 2. --times prints the detected
and resolved milestones a paging log gives, to copy into times:.`,
		Example: `  hindsight timeline slack:export.zip --channel inc-db-failover --reaction pushpin --reaction rotating_light
  hindsight timeline --pagerduty log.json --times
  hindsight timeline slack:export.zip --channel inc-42 pagerduty:log.json git --into postmortems/2025-03-02-db.md`,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Sources = args
			if runF != nil {
				return runF(opts)
			}
			return timelineRun(opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Slack, "slack", "", "a Slack workspace export (folder or .zip)")
	fl.StringVar(&opts.Channel, "channel", "", "the export's channel to read (name or id)")
	fl.StringArrayVar(&opts.Reactions, "reaction", nil, "a reaction that marks a key message (repeat for several; default pushpin)")
	fl.BoolVar(&opts.All, "all", false, "every message of the channel, not only key ones")
	fl.StringVar(&opts.PagerDuty, "pagerduty", "", "a PagerDuty incident log (JSON)")
	fl.StringVar(&opts.Opsgenie, "opsgenie", "", "an Opsgenie alert log (JSON)")
	fl.BoolVar(&opts.Git, "git", false, "the configured repositories' merges, commits and tags")
	fl.StringArrayVar(&opts.Repos, "repo", nil, "a repository of hindsight.yaml to read with --git (repeat; default all)")
	fl.StringVar(&opts.CSV, "csv", "", "a CSV file with time and text columns")
	fl.StringVar(&opts.JSON, "json", "", "a JSON list of objects with time and text")
	fl.StringVar(&opts.Since, "since", "", "skip events before this time")
	fl.StringVar(&opts.Until, "until", "", "skip events after this time")
	fl.StringVar(&opts.Into, "into", "", "merge the entries into this postmortem's Timeline section")
	fl.BoolVar(&opts.Times, "times", false, "print the detected and resolved milestones of the paging logs")
	enumVar(cmd, &opts.Format, "format", "markdown", timelineFormats, "output format: markdown or json")
	return cmd
}

// source is one thing to read.
type source struct{ kind, path string }

func (opts *TimelineOptions) sources() ([]source, error) {
	var out []source
	for kind, p := range map[string]string{"slack": opts.Slack, "pagerduty": opts.PagerDuty, "opsgenie": opts.Opsgenie, "csv": opts.CSV, "json": opts.JSON} {
		if p != "" {
			out = append(out, source{kind, p})
		}
	}
	if opts.Git || len(opts.Repos) > 0 {
		out = append(out, source{kind: "git"})
	}
	for _, a := range opts.Sources {
		kind, p, ok := strings.Cut(a, ":")
		switch {
		case a == "git":
			out = append(out, source{kind: "git"})
			continue
		case ok && kind == "git":
			opts.Repos = append(opts.Repos, p)
			out = append(out, source{kind: "git"})
			continue
		case ok && slices.Contains([]string{"slack", "pagerduty", "opsgenie", "csv", "json"}, kind):
			out = append(out, source{kind, p})
			continue
		}
		kind, err := sniff(a)
		if err != nil {
			return nil, err
		}
		out = append(out, source{kind, a})
	}
	slices.SortStableFunc(out, func(a, b source) int { return strings.Compare(a.kind+a.path, b.kind+b.path) })
	out = slices.Compact(out)
	if len(out) == 0 {
		return nil, errors.New("name at least one source: --slack, --pagerduty, --opsgenie, --git, --csv, --json, or KIND:PATH arguments (see --help)")
	}
	return out, nil
}

// sniff tells a source's kind from the path and what the file holds.
func sniff(p string) (string, error) {
	st, err := os.Stat(p)
	if err != nil {
		return "", fmt.Errorf("%s: no such file or folder (name a source as KIND:PATH, e.g. slack:export.zip)", p)
	}
	switch ext := strings.ToLower(filepath.Ext(p)); {
	case st.IsDir(), ext == ".zip":
		return "slack", nil
	case ext == ".csv":
		return "csv", nil
	case ext == ".json":
		data, err := os.ReadFile(p)
		if err != nil {
			return "", err
		}
		head := string(data[:min(len(data), 4096)])
		switch {
		case strings.Contains(head, `"log_entries"`):
			return "pagerduty", nil
		case strings.Contains(head, `"data"`) && strings.Contains(head, `"log"`):
			return "opsgenie", nil
		}
		return "json", nil
	}
	return "", fmt.Errorf("%s: cannot tell what kind of source this is; name it as slack:, pagerduty:, opsgenie:, csv: or json:", p)
}

func timelineRun(opts *TimelineOptions) error {
	f := opts.Factory
	srcs, err := opts.sources()
	if err != nil {
		return usageError("%v", err)
	}
	now, err := f.Now()
	if err != nil {
		return usageError("%v", err)
	}
	var target *timeline.Target
	loc := time.UTC
	if opts.Into != "" {
		path := opts.Into
		if !filepath.IsAbs(path) {
			path = filepath.Join(f.IO.WorkDir, path)
		}
		popts := postmortem.Options{}
		if cfg, err := f.Config(); err == nil {
			popts.Severities = cfg.Severities
		}
		if target, err = timeline.Open(path, displayPath(f.IO.WorkDir, path), popts); err != nil {
			return usageError("--into %v", err)
		}
		loc = target.Loc()
	}
	w := timeline.Window{Now: now}
	if opts.Since != "" {
		if w.Since, err = timeline.ParseTime(opts.Since, loc); err != nil {
			return usageError("--since: %v", err)
		}
	}
	if opts.Until != "" {
		if w.Until, err = timeline.ParseTime(opts.Until, loc); err != nil {
			return usageError("--until: %v", err)
		}
	}
	if target != nil {
		since, until := incidentWindow(target.PM)
		if w.Since.IsZero() {
			w.Since = since
		}
		if w.Until.IsZero() {
			w.Until = until
		}
	}
	if !w.Since.IsZero() && !w.Until.IsZero() && w.Until.Before(w.Since) {
		return usageError("--until is before --since")
	}
	sk := timeline.Skips{}
	var ms timeline.Milestones
	var events []timeline.Event
	counts := map[string]int{}
	for _, s := range srcs {
		var got []timeline.Event
		var err error
		switch s.kind {
		case "slack":
			got, err = timeline.ReadSlack(s.path, timeline.SlackOptions{Channel: opts.Channel, Reactions: opts.Reactions, All: opts.All, Window: w}, sk)
		case "pagerduty":
			got, err = timeline.ReadPagerDuty(s.path, w, sk, &ms)
		case "opsgenie":
			got, err = timeline.ReadOpsgenie(s.path, w, sk, &ms)
		case "csv", "json":
			got, err = timeline.ReadTable(s.path, s.kind == "csv", loc, w, sk)
		case "git":
			got, err = opts.gitEvents(target, w, sk)
		}
		if err != nil {
			return usageError("%v", err)
		}
		counts[s.kind] += len(got)
		events = append(events, got...)
	}
	timeline.Sort(events)
	report := func(verb string, n int) {
		var parts []string
		for _, k := range slices.Sorted(maps.Keys(counts)) {
			parts = append(parts, fmt.Sprintf("%s %d", k, counts[k]))
		}
		msg := fmt.Sprintf("%s %s (%s)", verb, plural(n, "event"), strings.Join(parts, ", "))
		if s := sk.String(); s != "" {
			msg += "; left out: " + s
		}
		fmt.Fprintln(f.IO.Err, msg)
	}
	if opts.Times {
		printMilestones(f, ms, loc, target != nil)
	}
	if target == nil {
		if opts.Format == "json" {
			if events == nil {
				events = []timeline.Event{}
			}
			enc := json.NewEncoder(f.IO.Out)
			enc.SetIndent("", "  ")
			if err := enc.Encode(map[string]any{"version": 1, "events": events, "milestones": ms}); err != nil {
				return err
			}
		} else {
			for _, l := range (timeline.Format{Loc: time.UTC, Zone: true}).Lines(events) {
				fmt.Fprintln(f.IO.Out, l)
			}
		}
		report("Read", len(events))
		return nil
	}
	res, err := target.Merge(events)
	if err != nil {
		return usageError("%v", err)
	}
	if res.Duplicates > 0 {
		sk[timeline.SkipDuplicate] += res.Duplicates
	}
	if res.Added > 0 {
		if err := target.Write(res.Content); err != nil {
			if errors.Is(err, timeline.ErrChanged) {
				return usageError("%s: %v", opts.Into, err)
			}
			return usageError("writing %s: %v", opts.Into, err)
		}
	}
	report(fmt.Sprintf("Added to %s:", displayPath(f.IO.WorkDir, target.Path)), res.Added)
	return nil
}

// incidentWindow is the default window of an import into a postmortem:
// six hours before it started to six hours after it was resolved (or a
// day after it started).
func incidentWindow(pm *postmortem.Postmortem) (time.Time, time.Time) {
	start := pm.Times.Started
	if start.IsZero() {
		start = pm.Date.Time
	}
	if start.IsZero() {
		return time.Time{}, time.Time{}
	}
	end := pm.Times.Resolved
	if end.IsZero() {
		end = start.Add(24 * time.Hour)
	}
	return start.Add(-6 * time.Hour), end.Add(6 * time.Hour)
}

// gitEvents reads the repositories asked for (all configured ones and
// the postmortems' own by default).
func (opts *TimelineOptions) gitEvents(target *timeline.Target, w timeline.Window, sk timeline.Skips) ([]timeline.Event, error) {
	f := opts.Factory
	if w.Since.IsZero() || w.Until.IsZero() {
		return nil, errors.New("git: give --since and --until (or --into a postmortem with times), so that only the incident's commits are read")
	}
	cfg, err := f.Config()
	if err != nil {
		return nil, err
	}
	set := f.Repos(cfg)
	defer set.Save()
	names := opts.Repos
	if len(names) == 0 {
		names = append([]string{""}, set.Names()...)
	}
	names = slices.Compact(names)
	roles := map[string]map[string]string{}
	if target != nil {
		for _, c := range target.PM.Commits {
			r := set.Repo(c.Repo)
			if r.Problem != "" {
				continue
			}
			if info, err := r.Resolve(c.SHA); err == nil {
				if roles[c.Repo] == nil {
					roles[c.Repo] = map[string]string{}
				}
				roles[c.Repo][info.SHA] = string(c.Role)
			}
		}
	}
	var out []timeline.Event
	for _, name := range names {
		if name != "" && !set.Known(name) {
			return nil, fmt.Errorf("git: no repo named %q in hindsight.yaml%s", name, knownRepos(set.Names()))
		}
		r := set.Repo(name)
		evs, err := r.Events(w.Since, w.Until)
		if err != nil {
			if name == "" && len(opts.Repos) == 0 {
				continue // the postmortems need not live in git
			}
			return nil, fmt.Errorf("git: %v", err)
		}
		label := name
		if label == "" && len(names) > 1 {
			label = "this repo"
		}
		out = append(out, timeline.FromGit(timeline.GitSource{Name: name, Label: label, Events: evs, Roles: roles[name], Prefix: len(names) > 1}, w, sk)...)
	}
	return out, nil
}

func knownRepos(choices []string) string {
	if len(choices) == 0 {
		return "; add it under repos:"
	}
	return "; known repos: " + strings.Join(choices, ", ")
}

// printMilestones offers the paging logs' milestones for times:.
func printMilestones(f *Factory, ms timeline.Milestones, loc *time.Location, toErr bool) {
	out := f.IO.Out
	if toErr {
		out = f.IO.Err
	}
	if ms.Detected.IsZero() && ms.Resolved.IsZero() {
		fmt.Fprintln(f.IO.Err, "The paging logs give no milestones (no trigger or resolve).")
		return
	}
	fmt.Fprintln(out, "# From the paging logs; check them, then copy them under times: (not written)")
	fmt.Fprintln(out, "times:")
	if !ms.Detected.IsZero() {
		fmt.Fprintf(out, "  detected: %s\n", ms.Detected.In(loc).Format(time.RFC3339))
	}
	if !ms.Resolved.IsZero() {
		fmt.Fprintf(out, "  resolved: %s\n", ms.Resolved.In(loc).Format(time.RFC3339))
	}
}
