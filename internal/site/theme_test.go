package site

import (
	"strings"
	"testing"
	"testing/fstest"

	"github.com/hindsight-dev/hindsight/theme"
)

// TestShared: {{shared "name" .}} gives what {{template "name" .}} does,
// renders a pointer's fragment once a build (what changed in the data
// since is not seen until the next build), renders other data every time,
// uses the templates of the page's own kind, and fails as the template
// does.
func TestShared(t *testing.T) {
	top := fstest.MapFS{
		"templates/term.html": {Data: []byte(`{{define "main"}}{{end}}` +
			`{{define "card"}}<b title="{{.Title}}">{{.Title}}</b>{{end}}` +
			`{{define "bad"}}{{.Nope}}{{end}}`)},
		"templates/list.html": {Data: []byte(`{{define "main"}}{{end}}{{define "card"}}<i>{{.Title}}</i>{{end}}`)},
	}
	th, err := loadTheme(overlayFS{top, theme.Builtin()})
	if err != nil {
		t.Fatal(err)
	}
	s := &Summary{Title: `Disk "full" <again> & again`}
	direct := func(kind string, data any) string {
		var b strings.Builder
		if err := th.pages[kind].ExecuteTemplate(&b, "card", data); err != nil {
			t.Fatal(err)
		}
		return b.String()
	}
	want := direct("term", s)
	if got, err := th.shared("term", "card", s); err != nil || string(got) != want {
		t.Fatalf("shared = %q, %v; want what the template gives, %q", got, err, want)
	}
	if got, _ := th.shared("list", "card", s); string(got) != direct("list", s) || string(got) == want {
		t.Errorf("a list page's shared = %q; want its own templates' %q", got, direct("list", s))
	}

	old := want
	s.Title = "Renamed"
	if got, _ := th.shared("term", "card", s); string(got) != old {
		t.Errorf("within a build, shared = %q; want the fragment rendered first, %q", got, old)
	}
	th.newBuild()
	if got, _ := th.shared("term", "card", s); string(got) != direct("term", s) || !strings.Contains(string(got), "Renamed") {
		t.Errorf("after newBuild, shared = %q; want it rendered again, %q", got, direct("term", s))
	}

	v := Summary{Title: "By value"}
	if got, _ := th.shared("term", "card", v); !strings.Contains(string(got), "By value") {
		t.Fatalf("shared of a value = %q", got)
	}
	v.Title = "Another value"
	if got, _ := th.shared("term", "card", v); !strings.Contains(string(got), "Another value") {
		t.Errorf("a value is rendered every time; got %q", got)
	}

	if _, err := th.shared("term", "bad", s); err == nil {
		t.Error("a template that fails must fail shared")
	}
	if _, err := th.shared("term", "missing", s); err == nil {
		t.Error("a template that is not there must fail shared")
	}
}

// TestLongestFirst: the action items' and all postmortems' pages go first,
// the others keep their order.
func TestLongestFirst(t *testing.T) {
	var pages []*Page
	for _, k := range []string{"home", "list", "term", "terms", "actions", "metrics", "search", "404"} {
		pages = append(pages, &Page{Kind: k})
	}
	var got []string
	for _, p := range longestFirst(pages) {
		got = append(got, p.Kind)
	}
	if want := "actions list home term terms metrics search 404"; strings.Join(got, " ") != want {
		t.Errorf("order = %v, want %s", got, want)
	}
	if pages[0].Kind != "home" {
		t.Error("longestFirst changed the slice it was given")
	}
}
