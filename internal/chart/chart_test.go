package chart

import (
	"encoding/xml"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files")

var nan = math.NaN()

func hours(v float64) string { return trimNum(v, 2) + "h" }

var (
	severities = Chart{
		ID:     "Incidents per month",
		Title:  "Incidents per month",
		Desc:   "Incidents per month from January to June 2024, by severity; March had the most, 6.",
		Labels: []string{"2024-01", "2024-02", "2024-03", "2024-04", "2024-05", "2024-06"},
		Series: []Series{
			{Name: "SEV1", Class: "sev-1", Values: []float64{0, 1, 1, 0, 0, 0}},
			{Name: "SEV2", Class: "sev-2", Values: []float64{1, 0, 3, 1, 0, 2}},
			{Name: "SEV3", Class: "sev-3", Values: []float64{2, 1, 2, 0, 1, 1}},
			{Name: "SEV4", Class: "sev-4", Values: []float64{0, 2, 0, 1, -1, nan}},
		},
	}
	services = Chart{
		ID:     "by-service",
		Title:  "Incidents by service",
		Desc:   "Incidents per service since 2023; checkout had the most, 9.",
		Labels: []string{"checkout", "payments-gateway", "search", "notifications & email", "auth"},
		Series: []Series{{Name: "Incidents", Class: "series-1", Values: []float64{9, 6, 4, 2, 1}}},
	}
	durations = Chart{
		ID:     "durations",
		Title:  "Median time to detect and resolve",
		Desc:   "Median time to detect and to resolve incidents per quarter, in hours; no incident was resolved in 2024-Q2.",
		Labels: []string{"2023-Q3", "2023-Q4", "2024-Q1", "2024-Q2", "2024-Q3", "2024-Q4"},
		Series: []Series{
			{Name: "Time to detect", Class: "series-1", Values: []float64{0.5, 0.25, 1.2, 0.4, 0.3, 0.2}},
			{Name: "Time to resolve", Class: "series-2", Values: []float64{3.5, 2, 6.75, nan, 2.5, 1.5}},
		},
		Format: hours,
	}
	empty = Chart{ID: "empty", Title: "Incidents per month", Desc: "No incidents yet."}
	// spread is minutes beside days on a log axis, with p90 bands.
	spread = Chart{
		ID:     "spread",
		Title:  "Time to detect and to resolve",
		Desc:   "Median and 90th percentile, per year, on a log axis.",
		Labels: []string{"2022", "2023", "2024"},
		Series: []Series{
			{Name: "Time to detect", Class: "series-1", Values: []float64{0, 0.1, nan}, Upper: []float64{0.5, 0.1, nan}, UpperName: "p90"},
			{Name: "Time to resolve", Class: "series-2", Values: []float64{3, 30, 200}, Upper: []float64{20, 300, nan}, UpperName: "p90"},
		},
		Format: hours,
		Ticks:  []float64{1.0 / 60, 1, 24, 720},
		Log:    true,
	}
)

// many has 60 monthly labels.
func many() Chart {
	c := Chart{ID: "many", Title: "Many months"}
	s := Series{Name: "Incidents", Class: "series-1"}
	for i := range 60 {
		c.Labels = append(c.Labels, fmt.Sprintf("%d-%02d", 2020+i/12, i%12+1))
		s.Values = append(s.Values, float64(i%7))
	}
	c.Series = []Series{s}
	return c
}

func TestGolden(t *testing.T) {
	for _, tc := range []struct {
		name string
		svg  string
	}{
		{"stacked_bars", StackedBars(severities)},
		{"horizontal_bars", HorizontalBars(services)},
		{"lines", Lines(durations)},
		{"log_lines_bands", Lines(spread)},
		{"empty", StackedBars(empty)},
		{"lines_narrow", Lines(narrow(durations))},
		{"horizontal_bars_narrow", HorizontalBars(narrow(services))},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join("testdata", tc.name+".svg")
			if *update {
				if err := os.MkdirAll("testdata", 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, []byte(tc.svg), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if tc.svg != string(want) {
				t.Errorf("%s differs from the output (run go test -update if the change is intended):\n%s", path, tc.svg)
			}
		})
	}
}

// phone is the width charts are drawn at for a phone.
const phone = 360

func narrow(c Chart) Chart {
	c.Width = phone
	return c
}

// TestNarrowKeepsTextLarge: a chart drawn for a phone is a narrower
// drawing with text of the same size, not the wide one scaled down: its
// viewBox is the width asked for, and it shows fewer category labels when
// there are many.
func TestNarrowKeepsTextLarge(t *testing.T) {
	m := many()
	wide, small := Lines(m), Lines(narrow(m))
	if !strings.Contains(small, `viewBox="0 0 360 `) {
		t.Errorf("the narrow chart's viewBox is not 360 wide:\n%s", small[:200])
	}
	if !strings.Contains(small, `font-size="12"`) {
		t.Errorf("the narrow chart's text is not 12 units")
	}
	count := func(svg string) int { return strings.Count(svg, `class="label category"`) }
	if count(small) >= count(wide) || count(small) == 0 {
		t.Errorf("x labels: %d narrow, %d wide; want fewer, but some, on a phone", count(small), count(wide))
	}
}

// cases is every chart the checks run over.
func cases() map[string]string {
	one := Chart{ID: "one", Title: "One", Labels: []string{"only"},
		Series: []Series{{Name: "A", Class: "series-1", Values: []float64{3}}}}
	zeros := Chart{ID: "zeros", Title: "Zeros", Labels: []string{"a", "b", "c"},
		Series: []Series{{Name: "A", Class: "series-1", Values: []float64{0, 0, 0}},
			{Name: "B", Class: "series-2", Values: []float64{0, 0, 0}}}}
	long := Chart{ID: "long", Title: "Long", Labels: []string{"a", "a rather long label that cannot fit under one bar", "c"},
		Series: []Series{{Name: "A", Class: "series-1", Values: []float64{1, 2, 3}}}}
	gaps := Chart{ID: "gaps", Title: "Gaps", Labels: []string{"a", "b", "c", "d"},
		Series: []Series{{Name: "A", Class: "series-1", Values: []float64{nan, 1, math.Inf(1)}}}}
	noSeries := Chart{ID: "no-series", Title: "None", Labels: []string{"a"}}
	legend := Chart{ID: "legend", Title: "Legend", Labels: []string{"a", "b"}}
	for i := range 9 {
		legend.Series = append(legend.Series, Series{Name: fmt.Sprintf("A series with a longish name %d", i),
			Class: fmt.Sprintf("series-%d", i%6+1), Values: []float64{float64(i), 1}})
	}
	out := map[string]string{}
	for name, c := range map[string]Chart{
		"severities": severities, "services": services, "durations": durations, "empty": empty,
		"one": one, "zeros": zeros, "long": long, "gaps": gaps, "no-series": noSeries,
		"many": many(), "legend": legend, "hostile": hostile, "spread": spread,
	} {
		out[name+"/stacked"] = StackedBars(c)
		out[name+"/horizontal"] = HorizontalBars(c)
		out[name+"/lines"] = Lines(c)
		c.Width = phone
		out[name+"/stacked-narrow"] = StackedBars(c)
		out[name+"/horizontal-narrow"] = HorizontalBars(c)
		out[name+"/lines-narrow"] = Lines(c)
	}
	return out
}

var hostile = Chart{
	ID:     `"><script>x</script>`,
	Title:  `Title <b>&amp;</b>`,
	Desc:   "Desc with \x00 control \x1b chars and \xff invalid UTF-8.",
	Labels: []string{"<script>alert(1)</script>", `it's "quoted" & <tagged>`},
	Series: []Series{
		{Name: `Say "hi" & <bye>`, Class: `x" onload="alert(1)`, Values: []float64{1, 2}},
		{Name: "second", Class: "series-2", Values: []float64{2, 1}},
	},
}

// element is a parsed element, enough for the checks.
type element struct {
	name     string
	attrs    map[string]string
	children []*element
	text     string
}

func parse(t *testing.T, doc string) *element {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader(doc))
	var root *element
	var stack []*element
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("not well-formed XML: %v\n%s", err, doc)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			e := &element{name: tok.Name.Local, attrs: map[string]string{}}
			for _, a := range tok.Attr {
				key := a.Name.Local
				if a.Name.Space != "" && key != "xmlns" {
					key = a.Name.Space + ":" + key
				}
				e.attrs[key] = a.Value
			}
			if len(stack) == 0 {
				if root != nil {
					t.Fatalf("more than one root element")
				}
				root = e
			} else {
				p := stack[len(stack)-1]
				p.children = append(p.children, e)
			}
			stack = append(stack, e)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > 0 {
				stack[len(stack)-1].text += string(tok)
			}
		case xml.ProcInst, xml.Directive:
			t.Fatalf("unexpected %T", tok)
		}
	}
	if root == nil {
		t.Fatal("no root element")
	}
	return root
}

func (e *element) walk(f func(*element)) {
	f(e)
	for _, c := range e.children {
		c.walk(f)
	}
}

func hasClass(e *element, class string) bool {
	return slices.Contains(strings.Fields(e.attrs["class"]), class)
}

func TestWellFormedAndAccessible(t *testing.T) {
	for name, doc := range cases() {
		t.Run(name, func(t *testing.T) {
			for _, bad := range []string{"style=", "<style", `fill="#`, "<script", "NaN", "Inf", "e+", "e-0"} {
				if strings.Contains(doc, bad) {
					t.Errorf("output contains %q:\n%s", bad, doc)
				}
			}
			root := parse(t, doc)
			if root.name != "svg" {
				t.Fatalf("root is <%s>", root.name)
			}
			want := map[string]string{"xmlns": "http://www.w3.org/2000/svg", "role": "img", "width": "100%"}
			for k, v := range want {
				if root.attrs[k] != v {
					t.Errorf("root %s=%q, want %q", k, root.attrs[k], v)
				}
			}
			if _, ok := root.attrs["height"]; ok {
				t.Error("root has a height attribute")
			}
			if !hasClass(root, "chart") || !strings.HasPrefix(root.attrs["class"], "chart chart-") {
				t.Errorf("root class %q", root.attrs["class"])
			}
			wantW := "640"
			if strings.HasSuffix(name, "-narrow") {
				wantW = "360"
			}
			if !strings.HasPrefix(root.attrs["viewBox"], "0 0 "+wantW+" ") {
				t.Errorf("viewBox %q", root.attrs["viewBox"])
			}
			ids := strings.Fields(root.attrs["aria-labelledby"])
			if len(ids) != 2 || len(root.children) < 2 {
				t.Fatalf("aria-labelledby %q, %d children", root.attrs["aria-labelledby"], len(root.children))
			}
			for i, tag := range []string{"title", "desc"} {
				c := root.children[i]
				if c.name != tag || c.attrs["id"] != ids[i] || strings.TrimSpace(c.text) == "" {
					t.Errorf("child %d is <%s id=%q>%s, want <%s id=%q>", i, c.name, c.attrs["id"], c.text, tag, ids[i])
				}
				for _, r := range ids[i] {
					if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') {
						t.Errorf("id %q has %q", ids[i], r)
					}
				}
			}
			seen := map[string]int{}
			root.walk(func(e *element) {
				if id, ok := e.attrs["id"]; ok {
					seen[id]++
				}
				for k := range e.attrs {
					if strings.HasPrefix(k, "on") || k == "style" {
						t.Errorf("<%s> has attribute %s", e.name, k)
					}
				}
				switch e.name {
				case "text":
					if !hasClass(e, "label") {
						t.Errorf("<text> without class label: %v", e.attrs)
					}
					if _, ok := e.attrs["fill"]; ok {
						t.Errorf("<text> with fill: %v", e.attrs)
					}
				case "line":
					if !hasClass(e, "axis") && !hasClass(e, "grid") {
						t.Errorf("<line> without class axis or grid: %v", e.attrs)
					}
				}
				if v, ok := e.attrs["fill"]; ok && v != "none" {
					t.Errorf("<%s> with fill=%q", e.name, v)
				}
				if _, ok := e.attrs["stroke"]; ok {
					t.Errorf("<%s> with a stroke attribute", e.name)
				}
				if hasClass(e, "mark") {
					if len(e.children) == 0 || e.children[0].name != "title" || e.children[0].text == "" {
						t.Errorf("mark <%s %v> without a title", e.name, e.attrs)
					}
				}
			})
			for _, id := range ids {
				if seen[id] != 1 {
					t.Errorf("id %q appears %d times", id, seen[id])
				}
			}
		})
	}
}

func TestEscaping(t *testing.T) {
	for name, doc := range map[string]string{
		"stacked":    StackedBars(hostile),
		"horizontal": HorizontalBars(hostile),
		"lines":      Lines(hostile),
	} {
		t.Run(name, func(t *testing.T) {
			for _, want := range []string{
				"&lt;script&gt;alert(1)&lt;/script&gt;",
				"Say &#34;hi&#34; &amp; &lt;bye&gt;",
				`class="mark `, `x&#34; onload=&#34;alert(1)"`,
				"Title &lt;b&gt;&amp;amp;&lt;/b&gt;",
				`aria-labelledby="script-x-script-title script-x-script-desc"`,
			} {
				if name == "horizontal" && strings.Contains(want, "hi") {
					continue // the legend and tooltips of one series do not name it
				}
				if !strings.Contains(doc, want) {
					t.Errorf("output lacks %q:\n%s", want, doc)
				}
			}
			for _, bad := range []string{"<script", "<b>", "<bye>", "<tagged>", `"hi"`, "\x00", "\x1b"} {
				if strings.Contains(doc, bad) {
					t.Errorf("output contains %q", bad)
				}
			}
			// the decoded text is what was given
			root := parse(t, doc)
			var texts []string
			root.walk(func(e *element) { texts = append(texts, e.text) })
			if !slices.Contains(texts, "<script>alert(1)</script>") {
				t.Errorf("no text decodes to the script label: %q", texts)
			}
		})
	}
}

func TestNameInTooltips(t *testing.T) {
	doc := HorizontalBars(Chart{ID: "x", Labels: []string{"a"},
		Series: []Series{{Name: `the "one"`, Values: []float64{1}}}})
	if !strings.Contains(doc, "<title>a · the &#34;one&#34;: 1</title>") {
		t.Errorf("tooltip not escaped as expected:\n%s", doc)
	}
	doc = StackedBars(severities)
	if !strings.Contains(doc, "<title>2024-03 · SEV2: 3</title>") {
		t.Errorf("tooltip 2024-03 · SEV2: 3 missing:\n%s", doc)
	}
}

func TestNiceTicks(t *testing.T) {
	for _, tc := range []struct {
		max     float64
		integer bool
		want    []float64
	}{
		{0, false, []float64{0, 0.2, 0.4, 0.6, 0.8, 1}},
		{0, true, []float64{0, 1, 2, 3}},
		{nan, true, []float64{0, 1, 2, 3}},
		{-4, true, []float64{0, 1, 2, 3}},
		{1, true, []float64{0, 1, 2, 3}},
		{2, false, []float64{0, 0.5, 1, 1.5, 2}},
		{2, true, []float64{0, 1, 2, 3}},
		{3, true, []float64{0, 1, 2, 3}},
		{5, true, []float64{0, 1, 2, 3, 4, 5}},
		{6, true, []float64{0, 2, 4, 6}},
		{7, true, []float64{0, 2, 4, 6, 8}},
		{9, true, []float64{0, 2, 4, 6, 8, 10}},
		{10, true, []float64{0, 2, 4, 6, 8, 10}},
		{11, false, []float64{0, 2.5, 5, 7.5, 10, 12.5}},
		{11, true, []float64{0, 5, 10, 15}},
		{23, true, []float64{0, 5, 10, 15, 20, 25}},
		{26, true, []float64{0, 10, 20, 30}},
		{99, true, []float64{0, 20, 40, 60, 80, 100}},
		{101, true, []float64{0, 25, 50, 75, 100, 125}},
		{0.3, false, []float64{0, 0.1, 0.2, 0.3}},
		{0.07, false, []float64{0, 0.02, 0.04, 0.06, 0.08}},
		{0.7, false, []float64{0, 0.2, 0.4, 0.6, 0.8}},
		{6.75, false, []float64{0, 2, 4, 6, 8}},
		{1234567, false, []float64{0, 250000, 500000, 750000, 1000000, 1250000}},
	} {
		got := niceTicks(tc.max, tc.integer)
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("niceTicks(%v, %v) = %v, want %v", tc.max, tc.integer, got, tc.want)
		}
	}
	// every max gets 4 to 6 ticks of a nice step from 0 past it
	for _, integer := range []bool{false, true} {
		for m := 0.001; m < 1e7; m *= 1.07 {
			ticks := niceTicks(m, integer)
			if len(ticks) < 4 || len(ticks) > 6 || ticks[0] != 0 || ticks[len(ticks)-1] < m {
				t.Fatalf("niceTicks(%v, %v) = %v", m, integer, ticks)
			}
			step := ticks[1]
			mant := step / math.Pow10(int(math.Floor(math.Log10(step))))
			if !slices.Contains([]string{"1", "2", "2.5", "5"}, trimNum(mant, 6)) {
				t.Fatalf("niceTicks(%v, %v) = %v: step %v", m, integer, ticks, step)
			}
			for i, tk := range ticks {
				if s := trimNum(tk, -1); len(s) > 12 {
					t.Fatalf("niceTicks(%v): tick %d formats as %s", m, i, s)
				}
			}
		}
	}
}

func TestManyLabels(t *testing.T) {
	c := many()
	for _, doc := range []string{StackedBars(c), Lines(c)} {
		root := parse(t, doc)
		var shown []*element
		root.walk(func(e *element) {
			if e.name == "text" && hasClass(e, "category") {
				shown = append(shown, e)
			}
		})
		// 60 labels, more than 24: every 3rd one, rotated
		if len(shown) != 20 {
			t.Errorf("%d category labels shown, want 20", len(shown))
		}
		for _, e := range shown {
			if !strings.HasPrefix(e.attrs["transform"], "rotate(-45 ") || e.attrs["text-anchor"] != "end" {
				t.Errorf("label not rotated: %v", e.attrs)
			}
		}
		if shown[0].text != "2020-01" || shown[1].text != "2020-04" {
			t.Errorf("labels shown start %q, %q", shown[0].text, shown[1].text)
		}
	}
	// few short labels are upright, every one shown
	root := parse(t, StackedBars(severities))
	n := 0
	root.walk(func(e *element) {
		if e.name == "text" && hasClass(e, "category") {
			n++
			if _, ok := e.attrs["transform"]; ok {
				t.Errorf("short label rotated: %v", e.attrs)
			}
		}
	})
	if n != len(severities.Labels) {
		t.Errorf("%d labels shown, want %d", n, len(severities.Labels))
	}
	// a long label fits under a wide band
	doc := StackedBars(Chart{ID: "l", Labels: []string{"a", "a label far too long to fit"},
		Series: []Series{{Values: []float64{1, 2}}}})
	if strings.Contains(doc, "rotate(") {
		t.Errorf("label that fits rotated:\n%s", doc)
	}
	// one label longer than its band rotates them all, and is cut with its
	// full text as title
	doc = StackedBars(Chart{ID: "l", Labels: []string{"a", "b", "c", "d", "e", "f", "a label far too long to fit"},
		Series: []Series{{Values: []float64{1, 2, 3, 4, 5, 6, 7}}}})
	if !strings.Contains(doc, `rotate(-45`) || !strings.Contains(doc, "<title>a label far too long to fit</title>a label far too…</text>") {
		t.Errorf("long label not rotated and cut:\n%s", doc)
	}
}

func TestHorizontalGrows(t *testing.T) {
	short := parse(t, HorizontalBars(services)).attrs["viewBox"]
	c := services
	c.Labels = append(append([]string{}, c.Labels...), "x", "y", "z")
	c.Series = []Series{{Values: []float64{1, 2, 3, 4, 5, 6, 7, 8}}}
	long := parse(t, HorizontalBars(c)).attrs["viewBox"]
	if short == long {
		t.Errorf("viewBox %q for 5 and 8 labels", short)
	}
}

func TestEmpty(t *testing.T) {
	for _, f := range []func(Chart) string{StackedBars, HorizontalBars, Lines} {
		for _, c := range []Chart{empty, {ID: "x", Labels: []string{"a"}}} {
			doc := f(c)
			if !strings.Contains(doc, ">No data</text>") || strings.Contains(doc, "mark") {
				t.Errorf("empty chart:\n%s", doc)
			}
		}
	}
}

func TestLinesBreakAtNaN(t *testing.T) {
	doc := Lines(durations)
	root := parse(t, doc)
	var paths []string
	points := 0
	root.walk(func(e *element) {
		if e.name == "path" {
			paths = append(paths, e.attrs["d"])
		}
		if hasClass(e, "point") {
			points++
		}
	})
	if len(paths) != 2 {
		t.Fatalf("%d paths, want 2", len(paths))
	}
	if strings.Count(paths[0], "M") != 1 || strings.Count(paths[1], "M") != 2 {
		t.Errorf("paths %q: want one run, then two", paths)
	}
	if points != 11 {
		t.Errorf("%d points, want 11", points)
	}
}

func TestDeterministic(t *testing.T) {
	a, b := cases(), cases()
	for k := range a {
		if a[k] != b[k] {
			t.Errorf("%s: output differs between runs", k)
		}
	}
}

func TestSanitizeID(t *testing.T) {
	for in, want := range map[string]string{
		"Incidents per month": "incidents-per-month",
		"by-service":          "by-service",
		"--A__b--":            "a-b",
		"":                    "chart",
		"ünïcode":             "n-code",
		`"><x>`:               "x",
	} {
		if got := sanitizeID(in); got != want {
			t.Errorf("sanitizeID(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestFormat(t *testing.T) {
	for in, want := range map[float64]string{
		3: "3", 2.5: "2.5", 1.0 / 3: "0.33", -0.001: "0", 1e6: "1000000", 0.1 + 0.2: "0.3",
	} {
		if got := (Chart{}).formatValue(in); got != want {
			t.Errorf("formatValue(%v) = %q, want %q", in, got, want)
		}
	}
	doc := Lines(durations)
	for _, want := range []string{">8h</text>", "Time to resolve: 6.75h</title>"} {
		if !strings.Contains(doc, want) {
			t.Errorf("Format not used: no %q in\n%s", want, doc)
		}
	}
}

func TestLabelsInsideViewBox(t *testing.T) {
	for name, doc := range cases() {
		root := parse(t, doc)
		var w, h float64
		if _, err := fmt.Sscanf(root.attrs["viewBox"], "0 0 %g %g", &w, &h); err != nil {
			t.Fatalf("%s: viewBox %q: %v", name, root.attrs["viewBox"], err)
		}
		root.walk(func(e *element) {
			if e.name != "text" || !hasClass(e, "category") {
				return
			}
			var x, y float64
			fmt.Sscanf(e.attrs["x"], "%g", &x)
			fmt.Sscanf(e.attrs["y"], "%g", &y)
			tw := textWidth(e.text)
			var x0, x1, y1 float64
			switch {
			case e.attrs["transform"] != "":
				x0, x1, y1 = x-tw*math.Sqrt2/2, x, y+tw*math.Sqrt2/2
			case e.attrs["text-anchor"] == "end":
				x0, x1, y1 = x-tw, x, y
			default:
				x0, x1, y1 = x-tw/2, x+tw/2, y
			}
			if x0 < 0 || x1 > w || y1 > h {
				t.Errorf("%s: label %q spans x %v–%v, down to y %v, outside 0 0 %v %v", name, e.text, x0, x1, y1, w, h)
			}
		})
	}
}

// On a log axis each tick is as far above the one before as its ratio
// says, a value below the first tick sits at the foot, and a band spans
// the median to the p90 with both in its tooltip.
func TestLogAxis(t *testing.T) {
	f := newFrame(spread, 0, false)
	if !f.log {
		t.Fatal("the frame is not logarithmic")
	}
	y1m, y1h, y1d := f.y(1.0/60), f.y(1), f.y(24)
	if math.Abs((y1m-y1h)/(y1h-y1d)-math.Log(60)/math.Log(24)) > 1e-9 {
		t.Errorf("1m→1h spans %v, 1h→1d %v: not in the ratio of the logarithms", y1m-y1h, y1h-y1d)
	}
	if f.y(0) != y1m || f.y(-3) != y1m || f.y(1e6) != f.y(720) {
		t.Errorf("values outside the ticks are not drawn at the axis ends")
	}
	svg := Lines(spread)
	if !strings.Contains(svg, `<rect class="band series-2"`) || !strings.Contains(svg, "<title>2023 · Time to resolve: 30h, p90 300h</title>") {
		t.Errorf("no band with its tooltip:\n%s", svg)
	}
	if strings.Count(svg, `<rect class="band `) != 4 {
		t.Errorf("%d bands, want 4 (none where the p90 is missing)", strings.Count(svg, `<rect class="band `))
	}
	// Ticks that a log axis cannot use fall back to round ones from 0.
	bad := spread
	bad.Ticks = []float64{0, 1, 24}
	if f := newFrame(bad, 10, false); f.log || f.ticks[0] != 0 {
		t.Errorf("ticks starting at 0 on a log axis were used: %v", f.ticks)
	}
}
