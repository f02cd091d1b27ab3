package site

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"path"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"sync"

	"github.com/hindsight-dev/hindsight/internal/buildstamp"
	"github.com/hindsight-dev/hindsight/internal/markdown"
)

// Kinds of page, each with its template templates/<kind>.html.
var kinds = []string{"home", "list", "postmortem", "terms", "term", "actions", "metrics", "search", "404", "failed"}

// templates is the parsed templates and the static files.
type templates struct {
	fsys  fs.FS
	pages map[string]*template.Template
	// site is what rel and asset build URLs from, set before rendering.
	site *SiteView
	// version changes when any theme file or the program does.
	version string
	// fragments are what shared rendered in this build, by page kind,
	// template and data (fragmentKey).
	fragments sync.Map
}

// fragmentKey names a fragment shared rendered: the kind of page whose
// templates rendered it, the template, and the pointer it was given.
type fragmentKey struct {
	kind, name string
	data       any
}

// newBuild forgets the fragments of the build before: its data are not
// this build's.
func (th *templates) newBuild() { th.fragments.Clear() }

// templateLine finds the file and line in a template error.
var templateLine = regexp.MustCompile(`template: ([^:]+):(\d+)(?::(\d+))?:?\s*(.*)`)

// ThemeError is a template problem, with the file and line.
type ThemeError struct {
	File string
	Line int
	Msg  string
}

func (e *ThemeError) Error() string {
	if e.Line == 0 {
		return fmt.Sprintf("theme/%s: %s", e.File, e.Msg)
	}
	return fmt.Sprintf("theme/%s:%d: %s", e.File, e.Line, e.Msg)
}

func themeError(file string, err error) error {
	if m := templateLine.FindStringSubmatch(err.Error()); m != nil {
		line := 0
		fmt.Sscan(m[2], &line)
		name := m[1]
		if !strings.HasPrefix(name, "templates/") {
			name = "templates/" + name
		}
		return &ThemeError{File: name, Line: line, Msg: m[4] + "; fix the template"}
	}
	return &ThemeError{File: file, Msg: err.Error()}
}

func loadTheme(fsys fs.FS) (*templates, error) {
	return loadThemeWith(fsys, nil)
}

// loadThemeWith loads the theme, or takes the templates a memo kept from
// the build before when every template's source is the same (serve
// rebuilds parse them once).
func loadThemeWith(fsys fs.FS, m *Memo) (*templates, error) {
	if fsys == nil {
		return nil, fmt.Errorf("no theme")
	}
	names := []string{"templates/layout.html"}
	for _, k := range kinds {
		names = append(names, "templates/"+k+".html")
	}
	srcs := make([][]byte, len(names))
	sum := sha256.New()
	for i, name := range names {
		src, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, &ThemeError{File: name, Msg: err.Error()}
		}
		srcs[i] = src
		sum.Write(src)
	}
	// Another program may render the same templates differently.
	sum.Write([]byte(programStamp()))
	version := hex.EncodeToString(sum.Sum(nil))[:16]
	if th := m.keptTheme(version); th != nil {
		th.fsys, th.version, th.site = fsys, version, nil
		return th, nil
	}
	th := &templates{fsys: fsys, pages: map[string]*template.Template{}}
	// Each kind of page parses the layout itself, so that its shared
	// renders with its own templates.
	for i, k := range kinds {
		t, err := template.New("layout.html").Funcs(th.funcs(k)).Parse(string(srcs[0]))
		if err != nil {
			return nil, themeError(names[0], err)
		}
		if _, err := t.New(k + ".html").Parse(string(srcs[i+1])); err != nil {
			return nil, themeError(names[i+1], err)
		}
		th.pages[k] = t
	}
	th.version = version
	m.keepTheme(version, th)
	return th, nil
}

// funcs are the template functions of a kind of page.
func (th *templates) funcs(kind string) template.FuncMap {
	return template.FuncMap{
		"shared": func(name string, data any) (template.HTML, error) { return th.shared(kind, name, data) },
		"rel":    func(p string) string { return th.site.Base + strings.TrimPrefix(p, "/") },
		"asset":  func(name string) string { return th.site.Base + "static/" + name + "?v=" + th.site.AssetVersion },
		"join":   func(xs []string, sep string) string { return strings.Join(xs, sep) },
		"lower":  strings.ToLower,
		"add":    func(a, b int) int { return a + b },
		"pct": func(f float64) string {
			return strings.TrimSuffix(strings.TrimRight(fmt.Sprintf("%.2f", f), "0"), ".") + "%"
		},
		"plural":       plural,
		"actionStatus": actionStatusText,
	}
}

// shared renders the template name with data once a build for each
// pointer it is given, and gives the same HTML again wherever the same
// data comes back: {{shared "summary-card" .}} is {{template
// "summary-card" .}} in HTML text, without running the template again for
// a postmortem each list shows. Data that is not a pointer is rendered
// every time.
func (th *templates) shared(kind, name string, data any) (template.HTML, error) {
	key := fragmentKey{kind: kind, name: name, data: data}
	cacheable := data != nil && reflect.TypeOf(data).Kind() == reflect.Pointer
	if cacheable {
		if html, ok := th.fragments.Load(key); ok {
			return html.(template.HTML), nil
		}
	}
	var b strings.Builder
	if err := th.pages[kind].ExecuteTemplate(&b, name, data); err != nil {
		return "", err
	}
	html := template.HTML(b.String())
	if cacheable {
		th.fragments.Store(key, html)
	}
	return html, nil
}

// render executes a page's template.
func (th *templates) render(w io.Writer, p *Page) error {
	t := th.pages[p.Kind]
	if t == nil {
		return fmt.Errorf("no template for %s pages", p.Kind)
	}
	if err := t.ExecuteTemplate(w, "layout.html", p); err != nil {
		return themeError("templates/"+p.Kind+".html", err)
	}
	return nil
}

// static returns the theme's static files and the generated code
// stylesheet, and a version that changes when any of them does.
func (th *templates) static() (map[string][]byte, string, error) {
	files := map[string][]byte{}
	err := fs.WalkDir(th.fsys, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(th.fsys, p)
		files[strings.TrimPrefix(p, "static/")] = data
		return err
	})
	if err != nil {
		return nil, "", fmt.Errorf("reading the theme's static files: %w", err)
	}
	css, err := markdown.ChromaCSS()
	if err != nil {
		return nil, "", err
	}
	files["chroma.css"] = css
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	h := sha256.New()
	for _, n := range names {
		h.Write([]byte(path.Clean(n)))
		h.Write(files[n])
	}
	return files, hex.EncodeToString(h.Sum(nil))[:10], nil
}

// programStamp names this build of the program (a variable for tests).
var programStamp = buildstamp.Stamp
