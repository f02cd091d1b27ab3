package chart

import "math"

// StackedBars renders vertical stacked bars, one bar per label and one
// segment per series, the first series at the bottom (e.g. incidents per
// month by severity). Missing, NaN and negative values count as 0.
func StackedBars(c Chart) string {
	const kind = "stacked-bars"
	if c.empty() {
		return noData(c, kind, c.w(), height)
	}
	n := len(c.Labels)
	peak, integer := 0.0, true
	for i := range n {
		total := 0.0
		for _, sr := range c.Series {
			v := barValue(sr, i)
			total += v
			integer = integer && isInteger(v)
		}
		peak = math.Max(peak, total)
	}
	f := newFrame(c, peak, integer)

	var s svg
	s.header(c, kind, f.w, f.h, "Stacked bar chart of "+plural(len(c.Series), "series", "series")+
		" over "+plural(n, "category", "categories")+".")
	f.background(&s, c)

	bw := math.Min(f.band*0.7, 64)
	s.open(`<g class="marks">`)
	for i := range n {
		s.open(`<g class="stack">`)
		base := 0.0
		for j, sr := range c.Series {
			v := barValue(sr, i)
			if v == 0 {
				continue
			}
			y0, y1 := f.y(base), f.y(base+v)
			base += v
			s.line("<rect", attr("class", markClass("bar", sr)),
				nums("x y width height", f.x(i)-bw/2, y1, bw, y0-y1), "><title>",
				esc(c.tooltip(c.Labels[i], c.tipName(j), v)), "</title></rect>")
		}
		s.close("g")
	}
	s.close("g")
	f.axes(&s)
	s.close("svg")
	return s.String()
}

// HorizontalBars renders the first series as horizontal bars, one per
// label, top to bottom in the order given (e.g. incidents by service), with
// the value at the end of each bar. The height of the chart grows with the
// number of labels. Missing, NaN and negative values count as 0.
func HorizontalBars(c Chart) string {
	const (
		kind = "horizontal-bars"
		rowH = 28.0
		barH = 18.0
		top  = 12.0
	)
	if c.empty() {
		return noData(c, kind, c.w(), 120)
	}
	n := len(c.Labels)
	sr := c.Series[0]
	name := c.tipName(0)

	peak, integer := 0.0, true
	labelW, valueW := 0.0, 0.0
	labels := make([]string, n)
	full := make([]string, n)
	for i := range n {
		v := barValue(sr, i)
		peak = math.Max(peak, v)
		integer = integer && isInteger(v)
		var cut bool
		if labels[i], cut = truncate(c.Labels[i], c.fit(maxHLabel, 12)); cut {
			full[i] = c.Labels[i]
		}
		labelW = math.Max(labelW, textWidth(labels[i]))
		valueW = math.Max(valueW, textWidth(c.formatValue(v)))
	}
	ticks := niceTicks(peak, integer)
	last := ticks[len(ticks)-1]

	left := math.Max(labelW+14, 40)
	right := c.w() - math.Max(valueW+14, textWidth(c.formatTick(last))/2+padding)
	bottom := top + rowH*float64(n)
	h := bottom + 30
	x := func(v float64) float64 { return left + v/last*(right-left) }

	var s svg
	s.header(c, kind, c.w(), h, "Horizontal bar chart of "+plural(n, "category", "categories")+".")
	s.open(`<g class="x-axis">`)
	for i, t := range ticks {
		tx := x(t)
		if i > 0 {
			s.line(`<line class="grid"`, nums("x1 y1 x2 y2", tx, top, tx, bottom), "/>")
		}
		s.text("tick", tx, bottom+18, ` text-anchor="middle"`, c.formatTick(t), "")
	}
	s.close("g")
	s.open(`<g class="y-axis">`)
	for i := range n {
		s.text("category", left-8, top+rowH*(float64(i)+0.5), ` text-anchor="end" dy="0.35em"`, labels[i], full[i])
	}
	s.close("g")
	s.open(`<g class="marks">`)
	for i := range n {
		v := barValue(sr, i)
		y := top + rowH*(float64(i)+0.5)
		end := x(v)
		s.open(`<g class="bar-row">`)
		if v > 0 {
			s.line("<rect", attr("class", markClass("bar", sr)),
				nums("x y width height", left, y-barH/2, end-left, barH), "><title>",
				esc(c.tooltip(c.Labels[i], name, v)), "</title></rect>")
		}
		s.text("value", end+6, y, ` dy="0.35em"`, c.formatValue(v), "")
		s.close("g")
	}
	s.close("g")
	s.line(`<line class="axis"`, nums("x1 y1 x2 y2", left, top, left, bottom), "/>")
	s.line(`<line class="axis"`, nums("x1 y1 x2 y2", left, bottom, right, bottom), "/>")
	s.close("svg")
	return s.String()
}
