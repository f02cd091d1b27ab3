package site

import (
	"cmp"
	"fmt"
	"html/template"
	"maps"
	"math"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/hindsight-dev/hindsight/internal/chart"
	"github.com/hindsight-dev/hindsight/internal/postmortem"
)

// topTerms is how many services and tags the metrics page charts.
const topTerms = 15

func hours(v float64) string {
	if math.IsNaN(v) {
		return "–"
	}
	return Duration(time.Duration(v * float64(time.Hour)))
}

func count(v float64) string { return fmt.Sprint(int(math.Round(v))) }

// metricsView computes the metrics page: incidents per month by severity,
// median time to detect and resolve per quarter, incidents by service and
// by tag, and action item completion per quarter.
// metricRanges are the spans the metrics page is drawn for: all time at
// metrics/, and the recent years and months each on a page of its own, so
// that a team sees where it stands now without older incidents drowning
// it (the charts are drawn at build time; there is nothing to filter in
// the browser).
var metricRanges = []struct {
	Path, Label string
	Years       int
}{
	{"metrics/", "All time", 0},
	{"metrics/3y/", "Last 3 years", 3},
	{"metrics/12m/", "Last 12 months", 1},
}

// metricsViews gives the metrics page of each range, by its path.
func (b *builder) metricsViews() map[string]*MetricsView {
	out := map[string]*MetricsView{}
	var tabs []Link
	for _, r := range metricRanges {
		tabs = append(tabs, Link{Text: r.Label, URL: b.url(r.Path)})
	}
	for i, r := range metricRanges {
		pms := b.pms
		var since time.Time
		if r.Years > 0 {
			// Whole months: this one and those before it, 12 a year.
			since = time.Date(b.now.Year(), b.now.Month()-time.Month(12*r.Years-1), 1, 0, 0, 0, 0, time.UTC)
			pms = nil
			for _, pm := range b.pms {
				if !pm.Date.IsZero() && !pm.Date.Time.Before(since) {
					pms = append(pms, pm)
				}
			}
		}
		v := b.metricsView(pms, strings.ToLower(r.Label), since)
		v.Ranges, v.Range = tabs, i
		out[r.Path] = v
	}
	return out
}

// metricsView is the metrics page of pms; since, when set, is the first
// day of the range the page covers.
func (b *builder) metricsView(pms []*postmortem.Postmortem, span string, since time.Time) *MetricsView {
	v := &MetricsView{}
	dated := make([]*postmortem.Postmortem, 0, len(pms))
	for _, pm := range pms {
		if !pm.Date.IsZero() {
			dated = append(dated, pm)
		}
	}
	slices.SortStableFunc(dated, func(x, y *postmortem.Postmortem) int {
		return cmp.Or(x.Date.Compare(y.Date.Time), cmp.Compare(x.ID, y.ID))
	})

	v.Figures = append(v.Figures, Figure{Label: "Postmortems", Value: fmt.Sprint(len(pms)), Note: span})
	if m, ok := median(pms, (*postmortem.Postmortem).TimeToDetect); ok {
		v.Figures = append(v.Figures, Figure{Label: "Median time to detect", Value: Duration(m), Note: span})
	}
	if m, ok := median(pms, (*postmortem.Postmortem).TimeToResolve); ok {
		v.Figures = append(v.Figures, Figure{Label: "Median time to resolve", Value: Duration(m), Note: span})
	}
	if t := postmortem.Tally(pms, b.now); t.Total > 0 {
		if share, ok := t.Completion(); ok {
			note := fmt.Sprintf("%d of %d", t.Done, t.Total-t.WontDo)
			if t.WontDo > 0 {
				note += fmt.Sprintf(", besides %d won’t do", t.WontDo)
			}
			v.Figures = append(v.Figures, Figure{Label: "Action items done", Value: fmt.Sprintf("%d%%", int(share*100)), Note: note})
		}
	}

	win := spanOf(dated, since, b.now)
	v.Charts = append(v.Charts, b.perMonth(dated, win), b.mediansPerQuarter(dated, win),
		b.byTerm(pms, "by-service", "Incidents by service", "services", func(pm *postmortem.Postmortem) []string { return pm.Services }),
		b.byTerm(pms, "by-tag", "Incidents by tag", "tags", func(pm *postmortem.Postmortem) []string { return pm.Tags }),
		b.completion(dated, win))
	if len(b.cfg.ActionItemPolicy) > 0 {
		v.Charts = append(v.Charts, b.policyByPeriod(dated, win), b.policyByOwner(pms))
	}
	return v
}

// percent formats a share of 0 to 100.
func percent(v float64) string { return fmt.Sprintf("%d%%", int(math.Round(v))) }

// policyShare tallies items against action_item_policy: within is done
// within it, of counted (the rest are not covered or not yet due).
type policyShare struct{ within, counted int }

func (p policyShare) share() float64 {
	if p.counted == 0 {
		return 0
	}
	return float64(p.within) * 100 / float64(p.counted)
}

func (b *builder) policyTally(pm *postmortem.Postmortem, add func(n int, within bool)) {
	for n := range len(pm.ActionItems) {
		if within, counted := pm.WithinPolicy(n+1, b.cfg.ActionItemPolicy, b.now); counted {
			add(n+1, within)
		}
	}
}

// policyByPeriod is the share of action items done within the policy, by
// the month (or quarter) of their incident.
func (b *builder) policyByPeriod(dated []*postmortem.Postmortem, win timeSpan) ChartView {
	grain, key := quarterly(win)
	labels := win.keys(key)
	at := map[string]int{}
	for i, l := range labels {
		at[l] = i
	}
	tallies := make([]policyShare, len(labels))
	for _, pm := range dated {
		i := at[key(pm.Date.Time)]
		b.policyTally(pm, func(_ int, within bool) {
			tallies[i].counted++
			if within {
				tallies[i].within++
			}
		})
	}
	s := chart.Series{Name: "Done within policy", Class: "series-3", Values: make([]float64, len(labels))}
	for i, t := range tallies {
		s.Values[i] = t.share()
	}
	c := chart.Chart{ID: "policy", Title: "Action items done within policy, by the " + grain + " of their incident",
		Desc:   "Bars: of the action items whose time under action_item_policy has run out or that are done, the share done within it (closed by the limit, or due by it when no commit closed them).",
		Labels: labels, Series: []chart.Series{s}, Format: percent}
	v := view(c, chart.StackedBars, label(grain))
	v.Table = policyTable(label(grain), labels, tallies)
	return v
}

// policyByOwner is the same share per owner, the most items first.
func (b *builder) policyByOwner(pms []*postmortem.Postmortem) ChartView {
	byOwner := map[string]*policyShare{}
	for _, pm := range pms {
		b.policyTally(pm, func(n int, within bool) {
			owner := strings.TrimSpace(pm.ActionItems[n-1].Owner)
			if owner == "" {
				owner = "no owner"
			}
			t := byOwner[owner]
			if t == nil {
				t = &policyShare{}
				byOwner[owner] = t
			}
			t.counted++
			if within {
				t.within++
			}
		})
	}
	owners := slices.Collect(maps.Keys(byOwner))
	slices.SortFunc(owners, func(x, y string) int {
		return cmp.Or(cmp.Compare(byOwner[y].counted, byOwner[x].counted), cmp.Compare(x, y))
	})
	owners = owners[:min(len(owners), topTerms)]
	s := chart.Series{Name: "Done within policy", Class: "series-3"}
	tallies := make([]policyShare, len(owners))
	for i, o := range owners {
		tallies[i] = *byOwner[o]
		s.Values = append(s.Values, tallies[i].share())
	}
	c := chart.Chart{ID: "policy-owners", Title: "Action items done within policy, by owner",
		Desc:   fmt.Sprintf("Horizontal bars: for each of the %d owners with the most action items under action_item_policy, the share done within it.", len(owners)),
		Labels: owners, Series: []chart.Series{s}, Format: percent}
	v := view(c, chart.HorizontalBars, "Owner")
	v.Table = policyTable("Owner", owners, tallies)
	return v
}

func policyTable(first string, labels []string, tallies []policyShare) TableView {
	t := TableView{Head: []string{first, "Within policy", "Counted", "Share"}}
	for i, l := range labels {
		share := "–"
		if tallies[i].counted > 0 {
			share = percent(tallies[i].share())
		}
		t.Rows = append(t.Rows, []string{l, fmt.Sprint(tallies[i].within), fmt.Sprint(tallies[i].counted), share})
	}
	return t
}

// months lists every month from the first to the last postmortem.
// timeSpan is the stretch of time a metrics page's time charts run over,
// by month: from the month of from to that of to.
type timeSpan struct{ from, to time.Time }

// spanOf is the span of the time charts of dated, sorted by date: from
// since to now on the page of a recent range (since is the first day of
// a month), so that quiet months at either end show as quiet; from the
// first incident to the last on the page of all time (since zero).
func spanOf(dated []*postmortem.Postmortem, since, now time.Time) timeSpan {
	if since.IsZero() {
		if len(dated) == 0 {
			return timeSpan{}
		}
		return timeSpan{dated[0].Date.Time, dated[len(dated)-1].Date.Time}
	}
	win := timeSpan{since, now}
	if len(dated) > 0 && dated[len(dated)-1].Date.After(now) {
		win.to = dated[len(dated)-1].Date.Time // dated ahead of the clock
	}
	return win
}

// keys are the labels of the span's periods, one per key of its months.
func (s timeSpan) keys(key func(time.Time) string) []string {
	if s.from.IsZero() {
		return nil
	}
	var out []string
	for t := time.Date(s.from.Year(), s.from.Month(), 1, 0, 0, 0, 0, time.UTC); !t.After(s.to); t = nextMonth(t) {
		if k := key(t); len(out) == 0 || out[len(out)-1] != k {
			out = append(out, k)
		}
	}
	return out
}

func monthKey(t time.Time) string { return t.Format("2006-01") }
func nextMonth(t time.Time) time.Time {
	return t.AddDate(0, 1, 0)
}

// period picks the grain of a time chart: months while they number at most
// max, else quarters, else years.
func period(win timeSpan, max int) (string, func(time.Time) string) {
	if len(win.keys(monthKey)) <= max {
		return "month", monthKey
	}
	if len(win.keys(postmortem.Quarter)) <= max {
		return "quarter", postmortem.Quarter
	}
	return "year", yearKey
}

// quarterly picks quarters, or years when quarters would be too many.
func quarterly(win timeSpan) (string, func(time.Time) string) {
	if len(win.keys(postmortem.Quarter)) > 40 {
		return "year", yearKey
	}
	return "quarter", postmortem.Quarter
}

func yearKey(t time.Time) string { return t.Format("2006") }

func (b *builder) perMonth(dated []*postmortem.Postmortem, win timeSpan) ChartView {
	grain, key := period(win, 48)
	labels := win.keys(key)
	at := map[string]int{}
	for i, l := range labels {
		at[l] = i
	}
	sevs := slices.Clone(b.cfg.Severities)
	series := make([]chart.Series, len(sevs))
	for i, s := range sevs {
		series[i] = chart.Series{Name: s, Class: fmt.Sprintf("sev-%d", i+1), Values: make([]float64, len(labels))}
	}
	for _, pm := range dated {
		if r, ok := b.ranks[pm.Severity]; ok {
			series[r-1].Values[at[key(pm.Date.Time)]]++
		}
	}
	c := chart.Chart{ID: "per-period", Title: fmt.Sprintf("Incidents per %s by severity", grain), Desc: fmt.Sprintf("Stacked bars: the number of incidents each %s from %s, split by severity.", grain, firstOr(labels)), Labels: labels, Series: series, Format: count}
	return view(c, chart.StackedBars, label(grain))
}

func firstOr(xs []string) string {
	if len(xs) == 0 {
		return "the start"
	}
	return xs[0]
}

func (b *builder) mediansPerQuarter(dated []*postmortem.Postmortem, win timeSpan) ChartView {
	grain, key := quarterly(win)
	labels := win.keys(key)
	groups := map[string][]*postmortem.Postmortem{}
	for _, pm := range dated {
		k := key(pm.Date.Time)
		groups[k] = append(groups[k], pm)
	}
	series := func(name, class string) chart.Series {
		s := chart.Series{Name: name, Class: class, Values: make([]float64, len(labels)), Upper: make([]float64, len(labels)), UpperName: "p90"}
		for i := range labels {
			s.Values[i], s.Upper[i] = math.NaN(), math.NaN()
		}
		return s
	}
	detect, resolve := series("Time to detect", "series-1"), series("Time to resolve", "series-2")
	lo, hi := math.Inf(1), 0.0
	for i, l := range labels {
		for _, x := range []struct {
			s *chart.Series
			f func(*postmortem.Postmortem) (time.Duration, bool)
		}{{&detect, (*postmortem.Postmortem).TimeToDetect}, {&resolve, (*postmortem.Postmortem).TimeToResolve}} {
			if sp, ok := postmortem.SpreadBy(groups[l], x.f); ok {
				x.s.Values[i], x.s.Upper[i] = sp.Median.Hours(), sp.P90.Hours()
				lo, hi = math.Min(lo, sp.Median.Hours()), math.Max(hi, sp.P90.Hours())
			}
		}
	}
	c := chart.Chart{ID: "medians", Title: "Time to detect and to resolve, per " + grain,
		Desc:   "Lines: the median time from the start of an incident to its detection and to its resolution, for the incidents of each " + grain + "; bars reach from the median up to the 90th percentile. The time axis is logarithmic, so that minutes and days both show.",
		Labels: labels, Series: []chart.Series{detect, resolve}, Format: hours, Ticks: durationTicks(lo, hi), Log: true}
	v := view(c, chart.Lines, label(grain))
	// The table gives both ends of each bar.
	v.Table = TableView{Head: []string{label(grain), "Detect, median", "Detect, p90", "Resolve, median", "Resolve, p90"}}
	for i, l := range labels {
		v.Table.Rows = append(v.Table.Rows, []string{l, hours(detect.Values[i]), hours(detect.Upper[i]), hours(resolve.Values[i]), hours(resolve.Upper[i])})
	}
	return v
}

// durationTicks are the ticks of a logarithmic axis of hours from lo to
// hi: round durations a reader knows (1m, 10m, 1h, 6h, 1d, 7d, 30d, 1y),
// from the largest at or below lo (1m at least: a detection at the start
// is drawn at the foot) to the smallest at or above hi.
func durationTicks(lo, hi float64) []float64 {
	all := []float64{1.0 / 60, 10.0 / 60, 1, 6, 24, 7 * 24, 30 * 24, 365 * 24}
	first, last := 0, len(all)-1
	for i, t := range all {
		if t <= lo {
			first = i
		}
	}
	for i := len(all) - 1; i >= 0; i-- {
		if all[i] >= hi {
			last = i
		}
	}
	if last <= first {
		last = min(first+1, len(all)-1)
		first = last - 1
	}
	return all[first : last+1]
}

func (b *builder) byTerm(pms []*postmortem.Postmortem, id, title, what string, terms func(*postmortem.Postmortem) []string) ChartView {
	counts := map[string]int{}
	for _, pm := range pms {
		for _, t := range terms(pm) {
			counts[t]++
		}
	}
	names := make([]string, 0, len(counts))
	for n := range counts {
		names = append(names, n)
	}
	sort.Slice(names, func(i, j int) bool {
		return cmp.Or(cmp.Compare(counts[names[j]], counts[names[i]]), cmp.Compare(names[i], names[j])) < 0
	})
	desc := fmt.Sprintf("Horizontal bars: how many incidents affected each of the %s, most first.", what)
	if len(names) > topTerms {
		desc = fmt.Sprintf("Horizontal bars: how many incidents affected each of the %d %s with the most, most first.", topTerms, what)
		names = names[:topTerms]
	}
	s := chart.Series{Name: "Incidents", Class: "series-1"}
	for _, n := range names {
		s.Values = append(s.Values, float64(counts[n]))
	}
	c := chart.Chart{ID: id, Title: title, Desc: desc, Labels: names, Series: []chart.Series{s}, Format: count}
	return view(c, chart.HorizontalBars, label(what[:len(what)-1]))
}

func (b *builder) completion(dated []*postmortem.Postmortem, win timeSpan) ChartView {
	grain, key := quarterly(win)
	labels := win.keys(key)
	at := map[string]int{}
	for i, l := range labels {
		at[l] = i
	}
	mk := func(name, class string) chart.Series {
		return chart.Series{Name: name, Class: class, Values: make([]float64, len(labels))}
	}
	done, open, overdue, wont := mk("Done", "series-3"), mk("Open", "series-1"), mk("Overdue", "sev-1"), mk("Won't do", "series-4")
	for _, pm := range dated {
		i := at[key(pm.Date.Time)]
		for j := range pm.ActionItems {
			switch st := pm.ItemState(j+1, b.now); {
			case st.Status == postmortem.ItemWontDo:
				wont.Values[i]++
			case !st.Open():
				done.Values[i]++
			case st.Overdue:
				overdue.Values[i]++
			default:
				open.Values[i]++
			}
		}
	}
	c := chart.Chart{ID: "completion", Title: "Action items by the " + grain + " of their incident", Desc: "Stacked bars: for the incidents of each " + grain + ", how many action items are done, open, overdue, or will not be done.", Labels: labels, Series: []chart.Series{done, open, overdue, wont}, Format: count}
	return view(c, chart.StackedBars, label(grain))
}

// phoneWidth is the logical width of the charts drawn for a phone's
// screen, about the CSS pixels a chart has there, so that their text shows
// at its real size.
const phoneWidth = 360

// view pairs a chart, drawn by draw at full width and again for a phone,
// with a table of its data.
func view(c chart.Chart, draw func(chart.Chart) string, first string) ChartView {
	svg := draw(c)
	small := c
	small.ID, small.Width = c.ID+"-phone", phoneWidth
	narrow := draw(small)
	t := TableView{Head: []string{first}}
	for _, s := range c.Series {
		t.Head = append(t.Head, s.Name)
	}
	for i, l := range c.Labels {
		row := []string{l}
		for _, s := range c.Series {
			row = append(row, c.Format(s.Values[i]))
		}
		t.Rows = append(t.Rows, row)
	}
	return ChartView{ID: c.ID, Title: c.Title, Description: c.Desc, SVG: template.HTML(svg), Narrow: template.HTML(narrow), Table: t}
}
