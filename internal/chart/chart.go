// Package chart renders small, accessible SVG charts at build time.
//
// The output is meant to be inlined in an HTML page served with a strict
// Content-Security-Policy, so it carries no style attributes, no <style>
// elements and no colours: every element has a class and the site's
// stylesheet colours them (series through their Class, text through
// currentColor), which lets the charts follow the light and dark themes.
//
// Each chart is an <svg role="img"> labelled by its <title> and <desc>;
// every mark carries a <title> child that browsers show as a tooltip.
// Output is deterministic: the same Chart gives the same bytes.
package chart

import (
	"encoding/xml"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Series is one named set of values, one per label.
type Series struct {
	Name string
	// Class is a CSS class for the series' marks, e.g. "sev-1"; the stylesheet colours it.
	Class  string
	Values []float64
	// Upper, when set (Lines only), gives each value an upper end: a band
	// from the value up to it is drawn behind the line, e.g. from the
	// median to the 90th percentile. NaN or missing: no band there.
	Upper []float64
	// UpperName names the upper end in tooltips ("p90").
	UpperName string
}

// Chart describes a chart; the function it is passed to selects the drawing.
type Chart struct {
	// ID is unique in the page; used for element ids (title/desc), sanitised to [a-z0-9-].
	ID     string
	Title  string
	Desc   string   // a sentence describing what the chart shows, for screen readers
	Labels []string // x-axis categories (bars/lines) or y-axis categories (horizontal bars)
	Series []Series
	// Format formats values in labels, ticks and tooltips (e.g. adding a unit);
	// nil formats them with at most two decimals, trailing zeros trimmed.
	Format func(float64) string
	// Ticks, when set, are the y-axis ticks, ascending; the axis runs
	// from the first to the last and values outside are drawn at its
	// ends (tooltips give the real value). Without it, ticks run from 0
	// to a round number above the largest value.
	Ticks []float64
	// Log spaces the y axis by the logarithm of the values (Lines only):
	// for values that span orders of magnitude, such as minutes beside
	// days. It needs Ticks, all above 0.
	Log bool
	// Width is the chart's logical width, in the units of its 12-unit
	// text; 0 is 640. A chart shown on a phone is drawn narrower, at
	// about the width it is shown at, so that its text stays readable
	// instead of shrinking with the drawing: fewer category labels are
	// shown and names are cut shorter.
	Width float64
}

// w is the chart's logical width.
func (c Chart) w() float64 {
	if c.Width > 0 {
		return c.Width
	}
	return width
}

// fit scales a count of labels or runes that suits the full width to the
// chart's, keeping at least least.
func (c Chart) fit(n, least int) int {
	return max(least, int(float64(n)*c.w()/width))
}

// Geometry, in logical (viewBox) units. The text metrics assume the
// font-size set on the root element.
const (
	width      = 640.0
	height     = 320.0
	fontSize   = 12
	charWidth  = 7.0  // estimated advance of one character at fontSize
	padding    = 16.0 // outer margin
	minPlotH   = 160.0
	legendRowH = 18.0
	swatchSize = 10.0

	maxUnrotated = 12 // more categories than this: rotate x labels
	maxShown     = 24 // more categories than this: label every nth one
	maxRotated   = 16 // runes kept of a rotated x label
	maxHLabel    = 28 // runes kept of a horizontal-bar category
	maxLegend    = 24 // runes kept of a legend name

	sep = " · " // between category and series in tooltips
)

// sanitizeID lowercases id and maps every run of characters outside
// [a-z0-9] to one '-', trimming them at the ends; "" becomes "chart".
func sanitizeID(id string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(id) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = false
			b.WriteRune(r)
			continue
		}
		dash = true
	}
	if b.Len() == 0 {
		return "chart"
	}
	return b.String()
}

// esc escapes s for XML text and attribute values. Characters that XML
// cannot carry (control characters, invalid UTF-8) become U+FFFD.
func esc(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s)) // a strings.Builder never fails
	return b.String()
}

// trimNum formats x with at most prec decimals, trailing zeros trimmed,
// never "-0".
func trimNum(x float64, prec int) string {
	s := strconv.FormatFloat(x, 'f', prec, 64)
	if strings.Contains(s, ".") {
		s = strings.TrimRight(s, "0")
		s = strings.TrimSuffix(s, ".")
	}
	if s == "-0" {
		return "0"
	}
	return s
}

// num formats a coordinate.
func num(x float64) string { return trimNum(x, 2) }

// formatValue formats a data value: Format if set, else at most two decimals
// with trailing zeros trimmed.
func (c Chart) formatValue(v float64) string {
	if c.Format != nil {
		return c.Format(v)
	}
	if math.IsNaN(v) {
		return "no data"
	}
	return trimNum(v, 2)
}

// formatTick formats an axis tick: Format if set, else the shortest exact
// decimal (ticks are multiples of 1, 2, 2.5 or 5 × 10^n).
func (c Chart) formatTick(v float64) string {
	if c.Format != nil {
		return c.Format(v)
	}
	return trimNum(v, -1)
}

// textWidth estimates the rendered width of s.
func textWidth(s string) float64 {
	return float64(utf8.RuneCountInString(s)) * charWidth
}

// truncate shortens s to at most n runes, ending it with an ellipsis.
func truncate(s string, n int) (string, bool) {
	if utf8.RuneCountInString(s) <= n {
		return s, false
	}
	r := []rune(s)
	return strings.TrimSpace(string(r[:n-1])) + "…", true
}

// value returns series s's value for category i, NaN when it has none or
// the value is infinite.
func value(s Series, i int) float64 {
	if i >= len(s.Values) {
		return math.NaN()
	}
	v := s.Values[i]
	if math.IsInf(v, 0) {
		return math.NaN()
	}
	return v
}

// barValue is a value as bars draw it: missing and negative values are 0.
func barValue(s Series, i int) float64 {
	v := value(s, i)
	if math.IsNaN(v) || v < 0 {
		return 0
	}
	return v
}

// isInteger reports whether v is a whole number (NaN counts as one: it is
// not drawn).
func isInteger(v float64) bool {
	return math.IsNaN(v) || v == math.Trunc(v)
}

// niceTicks returns 4 to 6 evenly spaced ticks from 0 to at least peak, with
// a step of 1, 2, 2.5 or 5 × 10^n. With integer set, the step is a whole
// number (counts never get a 0.5 tick), and small ranges are padded to
// four ticks. A peak of 0 or less (or NaN) is taken as 1.
func niceTicks(peak float64, integer bool) []float64 {
	if !(peak > 0) || math.IsInf(peak, 0) {
		peak = 1
	}
	mantissas := [...]int64{10, 20, 25, 50}
	// step = m × 10^(e-1); start low enough that the first candidates are
	// too small, and walk up.
	e := int(math.Floor(math.Log10(peak))) - 1
	for ; ; e++ {
		for _, m := range mantissas {
			step := scale(m, e-1)
			if integer && (step < 1 || step != math.Trunc(step)) {
				continue
			}
			k := int64(math.Ceil(peak/step - 1e-9))
			if k > 5 {
				continue
			}
			if k < 3 {
				k = 3
			}
			ticks := make([]float64, 0, k+1)
			for i := int64(0); i <= k; i++ {
				ticks = append(ticks, scale(i*m, e-1))
			}
			return ticks
		}
	}
}

// scale returns n × 10^p, exact to the nearest float64 for negative p too
// (dividing by an exact power of ten rounds once).
func scale(n int64, p int) float64 {
	if p >= 0 {
		return float64(n) * math.Pow10(p)
	}
	return float64(n) / math.Pow10(-p)
}

// svg accumulates the output, one element per line, indented by depth.
type svg struct {
	b     strings.Builder
	depth int
}

func (s *svg) line(parts ...string) {
	for range s.depth {
		s.b.WriteString("  ")
	}
	for _, p := range parts {
		s.b.WriteString(p)
	}
	s.b.WriteByte('\n')
}

// open writes a start tag and indents what follows.
func (s *svg) open(parts ...string) {
	s.line(parts...)
	s.depth++
}

// close writes an end tag.
func (s *svg) close(name string) {
	s.depth--
	s.line("</", name, ">")
}

// attr renders name="value" with the value escaped.
func attr(name, value string) string {
	return " " + name + `="` + esc(value) + `"`
}

// nums renders number attributes: names is a space-separated list of
// attribute names, one per value.
func nums(names string, vals ...float64) string {
	var b strings.Builder
	for i, name := range strings.Fields(names) {
		b.WriteString(" ")
		b.WriteString(name)
		b.WriteString(`="`)
		b.WriteString(num(vals[i]))
		b.WriteString(`"`)
	}
	return b.String()
}

// text writes a <text> element with classes "label <class>". extra holds
// further attributes, already rendered; tip, when not "", becomes a <title>.
func (s *svg) text(class string, x, y float64, extra, content, tip string) {
	open := "<text" + attr("class", strings.TrimSpace("label "+class)) + nums("x y", x, y) + extra + ">"
	if tip == "" {
		s.line(open, esc(content), "</text>")
		return
	}
	s.line(open, "<title>", esc(tip), "</title>", esc(content), "</text>")
}

// header writes the root element, its title and its desc.
func (s *svg) header(c Chart, kind string, w, h float64, fallbackDesc string) {
	id := sanitizeID(c.ID)
	title := strings.TrimSpace(c.Title)
	if title == "" {
		title = "Chart"
	}
	desc := strings.TrimSpace(c.Desc)
	if desc == "" {
		desc = fallbackDesc
	}
	s.open(`<svg xmlns="http://www.w3.org/2000/svg"`,
		attr("class", "chart chart-"+kind),
		` viewBox="0 0 `, num(w), " ", num(h), `"`,
		` width="100%" preserveAspectRatio="xMidYMid meet"`,
		` role="img"`, attr("aria-labelledby", id+"-title "+id+"-desc"),
		` font-size="`, strconv.Itoa(fontSize), `">`)
	s.line("<title", attr("id", id+"-title"), ">", esc(title), "</title>")
	s.line("<desc", attr("id", id+"-desc"), ">", esc(desc), "</desc>")
}

func (s *svg) String() string {
	for s.depth > 0 {
		s.close("svg")
	}
	return s.b.String()
}

// empty reports whether c has nothing to draw.
func (c Chart) empty() bool {
	return len(c.Labels) == 0 || len(c.Series) == 0
}

// noData renders the chart of an empty data set: the title and a centred
// "No data".
func noData(c Chart, kind string, w, h float64) string {
	var s svg
	s.header(c, kind, w, h, "No data.")
	s.text("no-data", w/2, h/2, ` text-anchor="middle" dy="0.35em"`, "No data", "")
	s.close("svg")
	return s.String()
}

// seriesName is a series' display name.
func seriesName(s Series, i int) string {
	if strings.TrimSpace(s.Name) == "" {
		return "Series " + strconv.Itoa(i+1)
	}
	return s.Name
}

// tipName is the series part of a tooltip: the display name, or "" for
// the unnamed only series of a chart.
func (c Chart) tipName(j int) string {
	if len(c.Series) == 1 {
		return strings.TrimSpace(c.Series[0].Name)
	}
	return seriesName(c.Series[j], j)
}

// markClass is the class attribute of a mark of series s.
func markClass(kind string, s Series) string {
	return strings.TrimSpace("mark " + kind + " " + s.Class)
}

// tooltip is the <title> of a mark: "2024-03 · SEV2: 3".
func (c Chart) tooltip(label, series string, v float64) string {
	if series == "" {
		return label + ": " + c.formatValue(v)
	}
	return label + sep + series + ": " + c.formatValue(v)
}

// legendItem is one laid-out legend entry.
type legendItem struct {
	x, y  float64
	name  string
	full  string // the untruncated name when truncated, else ""
	class string
}

// layoutLegend places one entry per series in rows from x0 to x1, starting
// at y0; it returns the entries and the height they take.
func layoutLegend(series []Series, x0, x1, y0 float64, maxName int) ([]legendItem, float64) {
	if len(series) < 2 {
		return nil, 0
	}
	var items []legendItem
	x, y := x0, y0
	for i, s := range series {
		name, cut := truncate(seriesName(s, i), maxName)
		w := swatchSize + 5 + textWidth(name)
		if x > x0 && x+w > x1 {
			x, y = x0, y+legendRowH
		}
		it := legendItem{x: x, y: y, name: name, class: s.Class}
		if cut {
			it.full = seriesName(s, i)
		}
		items = append(items, it)
		x += w + 16
	}
	return items, y + legendRowH - y0
}

// legend writes the legend entries.
func (s *svg) legend(items []legendItem) {
	if len(items) == 0 {
		return
	}
	s.open(`<g class="legend">`)
	for _, it := range items {
		s.open(`<g class="legend-item">`)
		s.line("<rect", attr("class", strings.TrimSpace("swatch "+it.class)),
			nums("x y width height", it.x, it.y+(legendRowH-swatchSize)/2, swatchSize, swatchSize),
			` rx="2"/>`)
		s.text("legend-label", it.x+swatchSize+5, it.y+legendRowH/2, ` dy="0.35em"`, it.name, it.full)
		s.close("g")
	}
	s.close("g")
}

// frame is the layout of a chart with categories along the x axis and
// values up the y axis (stacked bars, lines).
type frame struct {
	log                      bool
	w, h                     float64
	left, right, top, bottom float64 // the plot area
	band                     float64 // width of one category
	ticks                    []float64
	legend                   []legendItem
	labels                   []xLabel
	rotate                   bool
}

// xLabel is one shown category label.
type xLabel struct {
	i    int
	text string
	full string // the untruncated label when truncated, else ""
}

// x is the centre of category i.
func (f *frame) x(i int) float64 { return f.left + f.band*(float64(i)+0.5) }

// y is the height of value v, kept inside the axis.
func (f *frame) y(v float64) float64 {
	lo, hi := f.ticks[0], f.ticks[len(f.ticks)-1]
	v = math.Min(math.Max(v, lo), hi)
	if f.log {
		return f.bottom - (math.Log(v)-math.Log(lo))/(math.Log(hi)-math.Log(lo))*(f.bottom-f.top)
	}
	return f.bottom - (v-lo)/(hi-lo)*(f.bottom-f.top)
}

// axisTicks returns c's own ticks when it has usable ones (two or more,
// ascending, above 0 on a log axis), else round ones from 0 to peak.
func axisTicks(c Chart, peak float64, integer bool) ([]float64, bool) {
	ok := len(c.Ticks) >= 2
	for i, t := range c.Ticks {
		if math.IsNaN(t) || math.IsInf(t, 0) || i > 0 && t <= c.Ticks[i-1] || c.Log && t <= 0 {
			ok = false
		}
	}
	if !ok {
		return niceTicks(peak, integer), false
	}
	return c.Ticks, c.Log
}

// newFrame lays out a chart of c's labels whose values reach peak.
func newFrame(c Chart, peak float64, integer bool) *frame {
	ticks, log := axisTicks(c, peak, integer)
	f := &frame{w: c.w(), ticks: ticks, log: log}
	n := len(c.Labels)

	tickW := 0.0
	for _, t := range f.ticks {
		tickW = math.Max(tickW, textWidth(c.formatTick(t)))
	}
	f.left = math.Max(tickW+14, 36)
	f.right = f.w - padding
	f.band = (f.right - f.left) / float64(n)

	every := 1
	if shown := c.fit(maxShown, 6); n > shown {
		every = (n + shown - 1) / shown
	}
	f.rotate = n > c.fit(maxUnrotated, 4)
	for _, l := range c.Labels {
		if textWidth(l) > f.band-6 {
			f.rotate = true
		}
	}
	bottomMargin := 28.0
	if f.rotate {
		// a label reaches its width × √½ down and left of its category
		drops := make([]float64, n)
		longest := 0.0
		for i := 0; i < n; i += every {
			t, _ := truncate(c.Labels[i], maxRotated)
			drops[i] = textWidth(t) * math.Sqrt2 / 2
			longest = math.Max(longest, drops[i])
		}
		bottomMargin = longest + 24
		// no label may run off the left edge; widening the margin narrows
		// the bands, so settle it in a few rounds
		for range 3 {
			need := f.left
			for i := 0; i < n; i += every {
				need = math.Max(need, drops[i]+6-f.band*(float64(i)+0.5))
			}
			f.left = need
			f.band = (f.right - f.left) / float64(n)
		}
	}
	for i := 0; i < n; i += every {
		l := xLabel{i: i, text: c.Labels[i]}
		if f.rotate {
			var cut bool
			if l.text, cut = truncate(l.text, maxRotated); cut {
				l.full = c.Labels[i]
			}
		}
		f.labels = append(f.labels, l)
	}

	var legendH float64
	f.legend, legendH = layoutLegend(c.Series, f.left, f.right, 8, c.fit(maxLegend, 16))
	if legendH > 0 {
		f.top = 8 + legendH + 12
	} else {
		f.top = padding
	}
	f.h = math.Max(height, f.top+minPlotH+bottomMargin)
	f.bottom = f.h - bottomMargin
	return f
}

// background writes the legend, the grid and the axis labels.
func (f *frame) background(s *svg, c Chart) {
	s.legend(f.legend)
	s.open(`<g class="y-axis">`)
	for i, t := range f.ticks {
		y := f.y(t)
		if i > 0 {
			s.line(`<line class="grid"`, nums("x1 y1 x2 y2", f.left, y, f.right, y), "/>")
		}
		s.text("tick", f.left-6, y, ` text-anchor="end" dy="0.35em"`, c.formatTick(t), "")
	}
	s.close("g")
	s.open(`<g class="x-axis">`)
	for _, l := range f.labels {
		x := f.x(l.i)
		if f.rotate {
			y := f.bottom + 12
			s.text("category", x, y, ` text-anchor="end" transform="rotate(-45 `+num(x)+" "+num(y)+`)"`, l.text, l.full)
			continue
		}
		s.text("category", x, f.bottom+18, ` text-anchor="middle"`, l.text, l.full)
	}
	s.close("g")
}

// axes writes the axis lines, over the marks.
func (f *frame) axes(s *svg) {
	s.line(`<line class="axis"`, nums("x1 y1 x2 y2", f.left, f.top, f.left, f.bottom), "/>")
	s.line(`<line class="axis"`, nums("x1 y1 x2 y2", f.left, f.bottom, f.right, f.bottom), "/>")
}

// plural formats a count of things.
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}
