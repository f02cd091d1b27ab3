package cli

import (
	"cmp"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/hindsight-dev/hindsight/internal/postmortem"
	"github.com/hindsight-dev/hindsight/internal/site"
)

var (
	statsFormats = []string{"table", "json", "csv"}
	statsGroups  = []string{"month", "quarter", "severity", "service", "tag"}
)

// noGroup is the key of the postmortems that have no service or no tag.
const noGroup = "(none)"

// StatsOptions are the inputs of `hindsight stats`.
type StatsOptions struct {
	Factory *Factory
	Since   string
	Until   string
	By      string
	Format  string

	since, until time.Time
}

// NewCmdStats builds `hindsight stats`; runF replaces the run in tests.
func NewCmdStats(f *Factory, runF func(*StatsOptions) error) *cobra.Command {
	opts := &StatsOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "stats",
		Short: "Incident figures: counts, time to detect, mitigate and resolve, follow-up",
		Long: `Summarise the postmortems (published, in review and drafts) whose date falls
between --since and --until (inclusive, YYYY-MM-DD): one "all" row, or one
row per month, quarter, severity, service or tag with --by. A postmortem
with several services or tags counts in each; one with none counts under
"(none)".

Each row has the number of postmortems; the median, 90th percentile
(nearest rank) and mean of the time to detect (detected - started), to
mitigate (mitigated - started) and to resolve (resolved - started), over
the postmortems that have those times; action item completion: done items
(or closed by a commit trailer) over all items except those marked wont-do;
and the time to publish. Git does not record when a postmortem was
published, so the time to publish uses review_date as its proxy: from
times.resolved to review_date, for published postmortems that have both.

Rows are sorted by month or quarter, by the configured severity order, or
for services and tags by count (most first) then name. Durations read like
"1h 32m" in the table and CSV, and are whole seconds in JSON.`,
		Example: `  hindsight stats
  hindsight stats --since 2025-01-01 --by quarter
  hindsight stats --by service --format csv > services.csv`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			var err error
			if opts.since, opts.until, err = dateRange(opts.Since, opts.Until); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return statsRun(opts)
		},
	}
	cmd.Flags().StringVar(&opts.Since, "since", "", "only incidents on or after this day (YYYY-MM-DD)")
	cmd.Flags().StringVar(&opts.Until, "until", "", "only incidents on or before this day (YYYY-MM-DD)")
	enumVar(cmd, &opts.By, "by", "", statsGroups, "one row per month, quarter, severity, service or tag (default: one row for all)")
	enumVar(cmd, &opts.Format, "format", "table", statsFormats, "output format: table, json or csv")
	return cmd
}

// statsGroup is one row of `hindsight stats`; its JSON form is part of
// version 1 of the output.
type statsGroup struct {
	Key            string        `json:"key"`
	Postmortems    int           `json:"postmortems"`
	TimeToDetect   durationStats `json:"time_to_detect"`
	TimeToMitigate durationStats `json:"time_to_mitigate"`
	TimeToResolve  durationStats `json:"time_to_resolve"`
	ActionItems    itemStats     `json:"action_items"`
	TimeToPublish  durationStats `json:"time_to_publish"`

	pms []*postmortem.Postmortem
}

// durationStats summarise durations in whole seconds; the figures are
// absent when Count is 0.
type durationStats struct {
	Count  int    `json:"count"`
	Median *int64 `json:"median_seconds,omitempty"`
	P90    *int64 `json:"p90_seconds,omitempty"`
	Mean   *int64 `json:"mean_seconds,omitempty"`
}

// itemStats count action items; CompletionRate (0 to 1) is absent when no
// item counts.
type itemStats struct {
	Total          int      `json:"total"`
	Done           int      `json:"done"`
	WontDo         int      `json:"wont_do"`
	CompletionRate *float64 `json:"completion_rate,omitempty"`
}

func statsRun(opts *StatsOptions) error {
	f := opts.Factory
	l, err := loadChecked(f, false)
	if err != nil {
		return err
	}
	noteErrors(f, l)
	var pms []*postmortem.Postmortem
	for _, pm := range l.Corpus.Postmortems {
		if pm.Date.IsZero() || (!opts.since.IsZero() && pm.Date.Before(opts.since)) || (!opts.until.IsZero() && pm.Date.After(opts.until)) {
			continue
		}
		pms = append(pms, pm)
	}
	groups := groupStats(pms, opts.By, l.Config.Severities)
	return writeStats(f.IO.Out, opts, groups)
}

// groupStats puts the postmortems in groups, sorted, and sums each up.
func groupStats(pms []*postmortem.Postmortem, by string, severities []string) []*statsGroup {
	byKey := map[string]*statsGroup{}
	var groups []*statsGroup
	add := func(key string, pm *postmortem.Postmortem) {
		g := byKey[key]
		if g == nil {
			g = &statsGroup{Key: key}
			byKey[key] = g
			groups = append(groups, g)
		}
		if !slices.Contains(g.pms, pm) {
			g.pms = append(g.pms, pm)
		}
	}
	if by == "" {
		groups = []*statsGroup{{Key: "all"}}
		byKey["all"] = groups[0]
	}
	for _, pm := range pms {
		switch by {
		case "":
			add("all", pm)
		case "month":
			add(pm.Date.Format("2006-01"), pm)
		case "quarter":
			add(fmt.Sprintf("%d-Q%d", pm.Date.Year(), (int(pm.Date.Month())-1)/3+1), pm)
		case "severity":
			add(cmp.Or(pm.Severity, noGroup), pm)
		case "service", "tag":
			keys := pm.Services
			if by == "tag" {
				keys = pm.Tags
			}
			if len(keys) == 0 {
				add(noGroup, pm)
			}
			for _, k := range keys {
				add(k, pm)
			}
		}
	}
	for _, g := range groups {
		g.sum()
	}
	switch by {
	case "month", "quarter":
		slices.SortFunc(groups, func(a, b *statsGroup) int { return cmp.Compare(a.Key, b.Key) })
	case "severity":
		rank := func(k string) int {
			if i := slices.Index(severities, k); i >= 0 {
				return i
			}
			return len(severities)
		}
		slices.SortFunc(groups, func(a, b *statsGroup) int {
			return cmp.Or(cmp.Compare(rank(a.Key), rank(b.Key)), cmp.Compare(last(a.Key), last(b.Key)), cmp.Compare(a.Key, b.Key))
		})
	case "service", "tag":
		slices.SortFunc(groups, func(a, b *statsGroup) int {
			return cmp.Or(cmp.Compare(last(a.Key), last(b.Key)), cmp.Compare(b.Postmortems, a.Postmortems), cmp.Compare(a.Key, b.Key))
		})
	}
	return groups
}

// last is 1 for the group of postmortems without a service or tag, which
// sorts last.
func last(key string) int {
	if key == noGroup {
		return 1
	}
	return 0
}

func (g *statsGroup) sum() {
	g.Postmortems = len(g.pms)
	var detect, mitigate, resolve, publish []time.Duration
	for _, pm := range g.pms {
		if d, ok := pm.TimeToDetect(); ok {
			detect = append(detect, d)
		}
		if d, ok := pm.TimeToMitigate(); ok {
			mitigate = append(mitigate, d)
		}
		if d, ok := pm.TimeToResolve(); ok {
			resolve = append(resolve, d)
		}
		if pm.Status == postmortem.StatusPublished && !pm.ReviewDate.IsZero() && !pm.Times.Resolved.IsZero() {
			publish = append(publish, timeToPublish(pm))
		}
	}
	g.TimeToDetect, g.TimeToMitigate, g.TimeToResolve, g.TimeToPublish = summarise(detect), summarise(mitigate), summarise(resolve), summarise(publish)
	t := postmortem.Tally(g.pms, time.Time{})
	g.ActionItems.Total, g.ActionItems.Done, g.ActionItems.WontDo = t.Total, t.Done, t.WontDo
	if r, ok := t.Completion(); ok {
		r = math.Round(r*1e4) / 1e4
		g.ActionItems.CompletionRate = &r
	}
}

// timeToPublish is the time from resolution to the review meeting, the
// proxy for publication; a review on the day of the resolution (midnight
// being before it) counts as zero.
func timeToPublish(pm *postmortem.Postmortem) time.Duration {
	return max(pm.ReviewDate.Sub(pm.Times.Resolved), 0)
}

// summarise gives the median, the nearest-rank 90th percentile and the
// mean of durations, in whole seconds.
func summarise(ds []time.Duration) durationStats {
	s := durationStats{Count: len(ds)}
	sp, ok := postmortem.SpreadOf(ds)
	if !ok {
		return s
	}
	secs := func(d time.Duration) *int64 {
		n := int64(math.Round(d.Seconds()))
		return &n
	}
	s.Median, s.P90, s.Mean = secs(sp.Median), secs(sp.P90), secs(sp.Mean)
	return s
}

func (s durationStats) cells() []string {
	if s.Count == 0 {
		return []string{"-", "-", "-"}
	}
	h := func(v *int64) string { return site.Duration(time.Duration(*v) * time.Second) }
	return []string{h(s.Median), h(s.P90), h(s.Mean)}
}

func (s itemStats) rate() string {
	if s.CompletionRate == nil {
		return "-"
	}
	return strconv.FormatFloat(*s.CompletionRate*100, 'f', 0, 64) + "%"
}

func writeStats(w io.Writer, opts *StatsOptions, groups []*statsGroup) error {
	switch opts.Format {
	case "json":
		out := struct {
			Version int           `json:"version"`
			Since   string        `json:"since,omitempty"`
			Until   string        `json:"until,omitempty"`
			By      string        `json:"by"`
			Groups  []*statsGroup `json:"groups"`
		}{Version: 1, By: cmp.Or(opts.By, "all"), Groups: nonNil(groups)}
		if !opts.since.IsZero() {
			out.Since = opts.since.Format(postmortem.DateLayout)
		}
		if !opts.until.IsZero() {
			out.Until = opts.until.Format(postmortem.DateLayout)
		}
		return writeJSONValue(w, out)
	case "csv":
		cw := newCSV(w)
		header := []string{"group", "postmortems"}
		for _, m := range []string{"detect", "mitigate", "resolve"} {
			header = append(header, m+"_median", m+"_p90", m+"_mean")
		}
		header = append(header, "action_items", "action_items_done", "action_items_wont_do", "action_item_completion", "publish_median", "publish_p90", "publish_mean")
		_ = cw.Write(header)
		for _, g := range groups {
			row := []string{g.Key, strconv.Itoa(g.Postmortems)}
			row = append(row, g.TimeToDetect.cells()...)
			row = append(row, g.TimeToMitigate.cells()...)
			row = append(row, g.TimeToResolve.cells()...)
			row = append(row, strconv.Itoa(g.ActionItems.Total), strconv.Itoa(g.ActionItems.Done), strconv.Itoa(g.ActionItems.WontDo), g.ActionItems.rate())
			row = append(row, g.TimeToPublish.cells()...)
			_ = cw.Write(row)
		}
		cw.Flush()
		return cw.Error()
	}
	if len(groups) == 0 {
		_, err := io.WriteString(w, "No postmortem is dated in this range.\n")
		return err
	}
	// Each duration in three columns, median, p90 and mean, under a line
	// that names the duration.
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "\t\tDETECT\t\t\tMITIGATE\t\t\tRESOLVE\t\t\tPUBLISH")
	fmt.Fprintf(tw, "%s\tPOSTMORTEMS%s\tACTIONS DONE\n", strings.ToUpper(cmp.Or(opts.By, "group")), strings.Repeat("\tMEDIAN\tP90\tMEAN", 4))
	for _, g := range groups {
		done := "-"
		if g.ActionItems.CompletionRate != nil {
			done = fmt.Sprintf("%s (%d of %d)", g.ActionItems.rate(), g.ActionItems.Done, g.ActionItems.Total-g.ActionItems.WontDo)
		}
		cells := []string{termText(g.Key), strconv.Itoa(g.Postmortems)}
		for _, d := range []durationStats{g.TimeToDetect, g.TimeToMitigate, g.TimeToResolve, g.TimeToPublish} {
			cells = append(cells, d.cells()...)
		}
		fmt.Fprintln(tw, strings.Join(append(cells, done), "\t"))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := io.WriteString(w, "P90: 9 in 10 took at most this long. Publish: times.resolved to review_date, for published postmortems.\n")
	return err
}
