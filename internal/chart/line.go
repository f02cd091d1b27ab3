package chart

import (
	"math"
	"strings"
)

// Lines renders one line per series with a marker at each point (e.g.
// median time to detect and resolve per quarter). A missing or NaN value
// has no marker and breaks the line; values below the axis (negative ones,
// or under the first of Ticks) are drawn at its foot but their tooltips
// give the real value. A series with Upper values has a band behind its
// line from each value up to its upper end, a narrow bar centred on the
// point.
func Lines(c Chart) string {
	const kind = "lines"
	if c.empty() {
		return noData(c, kind, c.w(), height)
	}
	n := len(c.Labels)
	peak, integer := 0.0, true
	for _, sr := range c.Series {
		for i := range n {
			v := value(sr, i)
			if !math.IsNaN(v) {
				peak = math.Max(peak, v)
			}
			integer = integer && isInteger(v)
		}
	}
	f := newFrame(c, peak, integer)

	var s svg
	s.header(c, kind, f.w, f.h, "Line chart of "+plural(len(c.Series), "series", "series")+
		" over "+plural(n, "category", "categories")+".")
	f.background(&s, c)

	s.open(`<g class="marks">`)
	for j, sr := range c.Series {
		if len(sr.Upper) == 0 {
			continue
		}
		bw := math.Min(f.band/4, 10)
		s.open(`<g class="bands">`)
		for i := range n {
			v, up := value(sr, i), value(Series{Values: sr.Upper}, i)
			if math.IsNaN(v) || math.IsNaN(up) || up < v {
				continue
			}
			y0, y1 := f.y(math.Max(v, 0)), f.y(up)
			tip := c.tooltip(c.Labels[i], c.tipName(j), v) + ", " + cmpName(sr.UpperName) + " " + c.formatValue(up)
			s.line("<rect", attr("class", strings.TrimSpace("band "+sr.Class)),
				nums("x y width height", f.x(i)-bw/2, y1, bw, math.Max(y0-y1, 1)), "><title>", esc(tip), "</title></rect>")
		}
		s.close("g")
	}
	for j, sr := range c.Series {
		name := seriesName(sr, j)
		s.open(`<g class="series">`)
		var d strings.Builder
		move := true
		for i := range n {
			v := value(sr, i)
			if math.IsNaN(v) {
				move = true
				continue
			}
			if d.Len() > 0 {
				d.WriteByte(' ')
			}
			if move {
				d.WriteByte('M')
			} else {
				d.WriteByte('L')
			}
			move = false
			d.WriteString(num(f.x(i)) + " " + num(f.y(math.Max(v, 0))))
		}
		if d.Len() > 0 {
			s.line("<path", attr("class", strings.TrimSpace("line "+sr.Class)), attr("d", d.String()),
				` fill="none"><title>`, esc(name), "</title></path>")
		}
		for i := range n {
			v := value(sr, i)
			if math.IsNaN(v) {
				continue
			}
			s.line("<circle", attr("class", markClass("point", sr)),
				nums("cx cy", f.x(i), f.y(math.Max(v, 0))), ` r="3.5"><title>`,
				esc(c.tooltip(c.Labels[i], c.tipName(j), v)), "</title></circle>")
		}
		s.close("g")
	}
	s.close("g")
	f.axes(&s)
	s.close("svg")
	return s.String()
}

// cmpName is the name of a band's upper end in tooltips.
func cmpName(n string) string {
	if n == "" {
		return "up to"
	}
	return n
}
