package markdown

import (
	"bytes"
	"fmt"
	"html"
	"regexp"
	"strings"

	chromahtml "github.com/alecthomas/chroma/v2/formatters/html"
	"github.com/alecthomas/chroma/v2/styles"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/renderer"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
)

// Heading is a heading of a rendered body, for a table of contents.
type Heading struct {
	Level int
	ID    string
	Text  string
}

// AutoLink is a span of prose to turn into a link: a ticket id or a
// commit sha.
type AutoLink struct {
	Start, End int
	URL        string
}

// RenderOptions connect a body to the rest of the site.
type RenderOptions struct {
	// Link rewrites a link or image destination: a relative link to a
	// postmortem becomes its page URL, an image its copy in the site. It
	// returns "" to drop the link (its text stays) or the image.
	Link func(dest string, image bool) string
	// AutoLinks finds spans of plain text to link.
	AutoLinks func(text string) []AutoLink
}

// optionsKey carries a render's options to the link transformer.
var optionsKey = parser.NewContextKey()

// Render turns a body into HTML and its table of contents.
func Render(body []byte, opts RenderOptions) ([]byte, []Heading, error) {
	pc := parser.NewContext()
	pc.Set(optionsKey, &opts)
	m, body, _ := md.prepare(body)
	doc := m.Parser().Parse(text.NewReader(body), parser.WithContext(pc))
	var buf bytes.Buffer
	if err := m.Renderer().Render(&buf, body, doc); err != nil {
		return nil, nil, fmt.Errorf("rendering: %w", err)
	}
	return buf.Bytes(), headings(doc, body), nil
}

func headings(doc ast.Node, src []byte) []Heading {
	var out []Heading
	for n := doc.FirstChild(); n != nil; n = n.NextSibling() {
		h, ok := n.(*ast.Heading)
		if !ok || h.Level < 2 || h.Level > 3 {
			continue
		}
		id, _ := h.AttributeString("id")
		idb, _ := id.([]byte)
		out = append(out, Heading{Level: h.Level, ID: string(idb), Text: string(plain(h, src))})
	}
	return out
}

// ChromaCSS returns the stylesheet for highlighted code: a light style,
// and a dark one for dark mode (the system's, or the page's data-theme).
func ChromaCSS() ([]byte, error) {
	f := chromahtml.New(chromahtml.WithClasses(true))
	var light, dark bytes.Buffer
	if err := f.WriteCSS(&light, styles.Get("github")); err != nil {
		return nil, err
	}
	if err := f.WriteCSS(&dark, styles.Get("github-dark")); err != nil {
		return nil, err
	}
	var out bytes.Buffer
	out.WriteString("/* Code highlighting, generated from chroma's github and github-dark styles. */\n")
	out.Write(light.Bytes())
	out.WriteString("@media (prefers-color-scheme: dark) {\n")
	out.WriteString(cssRule.ReplaceAllString(dark.String(), "${1}:root:not([data-theme=light]) $2"))
	out.WriteString("}\n")
	out.WriteString(cssRule.ReplaceAllString(dark.String(), "${1}[data-theme=dark] $2"))
	return out.Bytes(), nil
}

// cssRule matches the selector of each of chroma's one-line rules, after
// its comment.
var cssRule = regexp.MustCompile(`(?m)^(/\*[^*]*\*/ )?(\.)`)

// linkTransformer rewrites link destinations and adds auto-links.
type linkTransformer struct{}

func (linkTransformer) Transform(doc *ast.Document, reader text.Reader, pc parser.Context) {
	opts, _ := pc.Get(optionsKey).(*RenderOptions)
	if opts == nil {
		return
	}
	src := reader.Source()
	var links []ast.Node
	var texts []*ast.Text
	inLink := 0
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if _, isLink := n.(*ast.Link); isLink && !entering {
			inLink--
		}
		if !entering {
			return ast.WalkContinue, nil
		}
		switch v := n.(type) {
		case *ast.Link:
			// Its text is not auto-linked (no links inside links), but an
			// image inside it is rewritten like any other.
			links = append(links, n)
			inLink++
		case *ast.Image:
			links = append(links, n)
		case *ast.AutoLink, *ast.CodeSpan, *ast.CodeBlock, *ast.FencedCodeBlock, *ast.RawHTML, *ast.HTMLBlock:
			return ast.WalkSkipChildren, nil
		case *ast.Text:
			if inLink == 0 {
				texts = append(texts, v)
			}
		}
		return ast.WalkContinue, nil
	})
	for _, n := range links {
		switch v := n.(type) {
		case *ast.Link:
			dest := rewrite(opts, string(v.Destination), false)
			if dest == "" {
				unwrap(v)
				continue
			}
			v.Destination = []byte(dest)
		case *ast.Image:
			dest := rewrite(opts, string(v.Destination), true)
			if dest == "" {
				v.Parent().RemoveChild(v.Parent(), v)
				continue
			}
			v.Destination = []byte(dest)
		}
	}
	if opts.AutoLinks == nil {
		return
	}
	for _, t := range texts {
		if t.Parent() == nil {
			continue
		}
		seg := t.Segment
		found := opts.AutoLinks(string(seg.Value(src)))
		if len(found) == 0 {
			continue
		}
		parent, at := t.Parent(), ast.Node(t)
		pos := 0
		for _, m := range found {
			if m.Start < pos || m.End > seg.Len() || m.Start >= m.End {
				continue
			}
			if m.Start > pos {
				before := ast.NewTextSegment(text.NewSegment(seg.Start+pos, seg.Start+m.Start))
				parent.InsertAfter(parent, at, before)
				at = before
			}
			link := ast.NewLink()
			link.Destination = []byte(m.URL)
			link.AppendChild(link, ast.NewTextSegment(text.NewSegment(seg.Start+m.Start, seg.Start+m.End)))
			parent.InsertAfter(parent, at, link)
			at, pos = link, m.End
		}
		rest := ast.NewTextSegment(text.NewSegment(seg.Start+pos, seg.Stop))
		rest.SetSoftLineBreak(t.SoftLineBreak())
		rest.SetHardLineBreak(t.HardLineBreak())
		parent.InsertAfter(parent, at, rest)
		parent.RemoveChild(parent, t)
	}
}

// rewrite drops unsafe schemes and lets the site rewrite the rest.
func rewrite(opts *RenderOptions, dest string, image bool) string {
	clean := strings.Map(func(r rune) rune {
		if r < 0x21 || r == 0x7f {
			return -1 // browsers ignore these inside a scheme
		}
		return r
	}, html.UnescapeString(dest))
	lower := strings.ToLower(clean)
	for _, scheme := range []string{"javascript:", "vbscript:", "file:", "data:"} {
		if strings.HasPrefix(lower, scheme) {
			return ""
		}
	}
	if opts.Link != nil {
		return opts.Link(dest, image)
	}
	return dest
}

// unwrap replaces a link by its children.
func unwrap(n ast.Node) {
	parent := n.Parent()
	for c := n.FirstChild(); c != nil; {
		next := c.NextSibling()
		parent.InsertBefore(parent, n, c)
		c = next
	}
	parent.RemoveChild(parent, n)
}

// headingRenderer writes headings with their id and an anchor link.
type headingRenderer struct{}

func (headingRenderer) RegisterFuncs(reg renderer.NodeRendererFuncRegisterer) {
	reg.Register(ast.KindHeading, func(w util.BufWriter, src []byte, n ast.Node, entering bool) (ast.WalkStatus, error) {
		h := n.(*ast.Heading)
		id := ""
		if v, ok := h.AttributeString("id"); ok {
			if b, ok := v.([]byte); ok {
				id = string(b)
			}
		}
		if entering {
			fmt.Fprintf(w, "<h%d", h.Level)
			if id != "" {
				fmt.Fprintf(w, ` id="%s"`, html.EscapeString(id))
			}
			w.WriteString(">")
			return ast.WalkContinue, nil
		}
		if id != "" && h.Level >= 2 {
			fmt.Fprintf(w, ` <a class="anchor" href="#%s" aria-label="Link to this section">#</a>`, html.EscapeString(id))
		}
		fmt.Fprintf(w, "</h%d>\n", h.Level)
		return ast.WalkContinue, nil
	})
}
