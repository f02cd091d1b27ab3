// Package markdown is the only package that uses goldmark. It holds the one
// configured Markdown parser (CommonMark with GFM tables, task lists,
// strikethrough, autolinks and footnotes; raw HTML is never rendered) and
// turns a postmortem body into its outline: sections, links, code blocks,
// prose and timeline items, each with its position in the file.
package markdown

import (
	"bytes"
	"strings"
	"unicode/utf8"

	chromahtml "github.com/alecthomas/chroma/v2/formatters/html"
	"github.com/yuin/goldmark"
	highlighting "github.com/yuin/goldmark-highlighting/v2"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	east "github.com/yuin/goldmark/extension/ast"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/renderer"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"

	"github.com/hindsight-dev/hindsight/internal/postmortem"
)

// md is the configured Markdown of the site: CommonMark, GFM, footnotes,
// typographic punctuation, heading ids and anchors, code highlighted with
// CSS classes, links rewritten and prose auto-linked. Raw HTML is never
// rendered (goldmark's default without WithUnsafe), and dangerous link
// schemes are dropped. The variants leave out tables or footnotes for
// the bodies that would make them slow (see limits).
var md = variants(func(tables, footnotes bool) goldmark.Markdown {
	exts := []goldmark.Extender{extension.Linkify, extension.Strikethrough, extension.TaskList, extension.Typographer,
		highlighting.NewHighlighting(
			highlighting.WithFormatOptions(chromahtml.WithClasses(true)),
			highlighting.WithGuessLanguage(false),
		),
	}
	if tables {
		exts = append(exts, extension.Table)
	}
	if footnotes {
		exts = append(exts, extension.Footnote)
	}
	return goldmark.New(
		goldmark.WithExtensions(exts...),
		goldmark.WithParserOptions(
			parser.WithAutoHeadingID(),
			parser.WithASTTransformers(util.Prioritized(linkTransformer{}, 500)),
		),
		goldmark.WithRendererOptions(renderer.WithNodeRenderers(util.Prioritized(headingRenderer{}, 100))),
	)
})

// outliner parses the same block structure as md without the inline
// extensions that only change rendering (bare-URL linking, smart quotes),
// which are the slow part of parsing; a bare URL is never a relative link,
// so the outline loses nothing.
var outliner = variants(func(tables, footnotes bool) goldmark.Markdown {
	exts := []goldmark.Extender{extension.Strikethrough, extension.TaskList}
	if tables {
		exts = append(exts, extension.Table)
	}
	if footnotes {
		exts = append(exts, extension.Footnote)
	}
	return goldmark.New(goldmark.WithExtensions(exts...))
})

// A Markdown for each choice of tables and footnotes, made once.
type markdownVariants [2][2]goldmark.Markdown

func variants(make func(tables, footnotes bool) goldmark.Markdown) *markdownVariants {
	var v markdownVariants
	for t := range 2 {
		for f := range 2 {
			v[t][f] = make(t == 1, f == 1)
		}
	}
	return &v
}

// MaxTableColumns and MaxFootnotes bound what a body may ask of the
// parser: goldmark pads every row of a table to its header's width and
// sorts footnotes in time that grows with their count squared, so a 27 KB
// table of a 2,000-cell header and 5,000 rows took gigabytes. A body past
// either limit is read with that extension off: its tables or footnotes
// show as plain text.
const (
	MaxTableColumns = 64
	MaxFootnotes    = 500
)

// Limits reports whether a body has a table header wider than
// MaxTableColumns or more than MaxFootnotes footnote definitions.
func Limits(body []byte) (wideTable, manyFootnotes bool) {
	notes := 0
	for len(body) > 0 {
		line := body
		if i := bytes.IndexByte(body, '\n'); i >= 0 {
			line, body = body[:i], body[i+1:]
		} else {
			body = nil
		}
		trimmed := bytes.TrimLeft(line, " \t>")
		if bytes.HasPrefix(trimmed, []byte("[^")) {
			notes++
		}
		if !wideTable && bytes.Count(line, []byte("|")) > MaxTableColumns && delimiterRow(trimmed) {
			wideTable = true
		}
	}
	return wideTable, notes > MaxFootnotes
}

// delimiterRow reports whether a line is a table's delimiter row: pipes,
// dashes, colons and spaces only.
func delimiterRow(line []byte) bool {
	for _, c := range bytes.TrimSpace(line) {
		if c != '|' && c != '-' && c != ':' && c != ' ' && c != '\t' {
			return false
		}
	}
	return bytes.Contains(line, []byte("-"))
}

// pick returns the variant fit for a body.
func (v *markdownVariants) pick(body []byte) goldmark.Markdown {
	wide, many := Limits(body)
	return v[b2i(!wide)][b2i(!many)]
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// Analyze parses a body and returns its outline. firstLine is the file
// line the body starts on, so positions point into the whole file.
func Analyze(body []byte, firstLine int) postmortem.Outline {
	doc := outliner.pick(body).Parser().Parse(text.NewReader(body))
	a := analyzer{src: body, first: firstLine, lines: lineStarts(body), lastLine: -1}
	a.walk(doc)
	return a.out
}

type analyzer struct {
	src   []byte
	first int
	lines []int
	out   postmortem.Outline
	// the last position pos returned, to count on from
	lastLine, lastOff, lastCol int
}

func lineStarts(src []byte) []int {
	starts := []int{0}
	for i, b := range src {
		if b == '\n' {
			starts = append(starts, i+1)
		}
	}
	return starts
}

// pos turns a body offset into a file line and a column in runes.
func (a *analyzer) pos(off int) (line, col int) {
	lo, hi := 0, len(a.lines)-1
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if a.lines[mid] <= off {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	off = min(off, len(a.src))
	// Offsets mostly come in order along a line: count the runes on from
	// the last position asked for rather than from the line's start, or a
	// long line with many positions costs its length squared.
	from, col := a.lines[lo], 1
	if a.lastLine == lo && a.lastOff <= off && a.lastOff >= from {
		from, col = a.lastOff, a.lastCol
	}
	col += utf8.RuneCount(a.src[from:off])
	a.lastLine, a.lastOff, a.lastCol = lo, off, col
	return a.first + lo, col
}

// start returns the source offset where a node begins, or -1.
func start(n ast.Node) int {
	if n.Type() == ast.TypeBlock {
		if l := n.Lines(); l.Len() > 0 {
			return l.At(0).Start
		}
	}
	if p := n.Pos(); p >= 0 {
		return p
	}
	for c := n.FirstChild(); c != nil; c = c.NextSibling() {
		if s := start(c); s >= 0 {
			return s
		}
		if t, ok := c.(*ast.Text); ok {
			return t.Segment.Start
		}
	}
	return -1
}

func (a *analyzer) walk(doc ast.Node) {
	inTimeline := false
	var section *postmortem.Section
	for n := doc.FirstChild(); n != nil; n = n.NextSibling() {
		if h, ok := n.(*ast.Heading); ok && h.Level == 2 {
			title := string(plain(h, a.src))
			line, col := a.pos(max(start(h), 0))
			a.out.Sections = append(a.out.Sections, postmortem.Section{
				Heading: title, Canonical: postmortem.CanonicalSection(title), Norm: postmortem.NormalizeHeading(title),
				Line: line, Col: col, Empty: true,
			})
			section = &a.out.Sections[len(a.out.Sections)-1]
			inTimeline = section.Canonical == "Timeline"
		} else if section != nil && n.Kind() != ast.KindHeading {
			section.Empty = false
		}
		if l, ok := n.(*ast.List); ok && inTimeline {
			a.timeline(l)
		}
		a.inspect(n)
	}
}

// timeline records the first line of each item of a Timeline list.
func (a *analyzer) timeline(l *ast.List) {
	for it := l.FirstChild(); it != nil; it = it.NextSibling() {
		first := it.FirstChild()
		if first == nil || first.Lines().Len() == 0 {
			continue
		}
		seg := first.Lines().At(0)
		line, col := a.pos(seg.Start)
		txt := bytes.TrimRight(seg.Value(a.src), "\r\n")
		a.out.TimelineItems = append(a.out.TimelineItems, postmortem.Item{Text: string(txt), Line: line, Col: col})
	}
}

// inspect records links, code blocks and prose anywhere below n.
func (a *analyzer) inspect(n ast.Node) {
	_ = ast.Walk(n, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch v := n.(type) {
		case *ast.FencedCodeBlock:
			a.code(v, string(v.Language(a.src)))
			return ast.WalkSkipChildren, nil
		case *ast.CodeBlock:
			a.code(v, "")
			return ast.WalkSkipChildren, nil
		case *ast.Link:
			a.link(v, string(v.Destination), false)
		case *ast.Image:
			a.link(v, string(v.Destination), true)
		case *ast.AutoLink:
			// CommonMark autolinks, <scheme:...>, name a scheme; emails none.
			if v.AutoLinkType == ast.AutoLinkURL {
				a.link(v, string(v.URL(a.src)), false)
			}
		case *ast.Paragraph, *ast.TextBlock, *ast.Heading, *east.TableCell:
			a.prose(v)
			// Links inside still need visiting; prose skips code spans itself.
		}
		return ast.WalkContinue, nil
	})
}

func (a *analyzer) code(n ast.Node, info string) {
	var lines []string
	l := n.Lines()
	for i := range l.Len() {
		seg := l.At(i)
		lines = append(lines, string(bytes.TrimRight(seg.Value(a.src), "\r\n")))
	}
	off := start(n)
	line, col := 0, 1
	if off >= 0 {
		line, col = a.pos(off)
		if _, fenced := n.(*ast.FencedCodeBlock); fenced {
			line-- // the fence is the line before the first content line
		}
	} else if p := n.PreviousSibling(); p != nil {
		// An empty fenced block has no lines; point after what precedes it.
		line, _ = a.pos(max(start(p), 0))
		line++
	}
	a.out.CodeBlocks = append(a.out.CodeBlocks, postmortem.CodeBlock{Info: info, Line: max(line, a.first), Col: col, Lines: lines})
}

func (a *analyzer) link(n ast.Node, dest string, image bool) {
	off := n.Pos()
	if off < 0 {
		off = start(n)
	}
	if off < 0 {
		for p := n.Parent(); p != nil && off < 0; p = p.Parent() {
			off = start(p)
		}
	}
	line, col := a.pos(max(off, 0))
	a.out.Links = append(a.out.Links, postmortem.Link{Dest: dest, Image: image, Line: line, Col: col})
}

// prose gathers the plain text of a block, skipping code spans, raw HTML
// and autolinks, with a map back to the file.
func (a *analyzer) prose(block ast.Node) {
	var p postmortem.Prose
	var buf bytes.Buffer
	_ = ast.Walk(block, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch v := n.(type) {
		case *ast.CodeSpan, *ast.RawHTML, *ast.AutoLink:
			return ast.WalkSkipChildren, nil
		case *ast.Text:
			seg := v.Segment
			line, col := a.pos(seg.Start)
			p.Runs = append(p.Runs, postmortem.Run{At: buf.Len(), Len: seg.Len(), Line: line, Col: col})
			buf.Write(seg.Value(a.src))
			if v.SoftLineBreak() || v.HardLineBreak() {
				buf.WriteByte(' ')
			}
		case *ast.String:
			buf.Write(v.Value)
		}
		return ast.WalkContinue, nil
	})
	if buf.Len() == 0 {
		return
	}
	p.Text = buf.String()
	a.out.Prose = append(a.out.Prose, p)
}

// plain returns the text of a node's inline children.
func plain(n ast.Node, src []byte) []byte {
	var buf bytes.Buffer
	_ = ast.Walk(n, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch v := n.(type) {
		case *ast.Text:
			buf.Write(v.Segment.Value(src))
		case *ast.String:
			buf.Write(v.Value)
		case *ast.CodeSpan:
			for c := v.FirstChild(); c != nil; c = c.NextSibling() {
				if t, ok := c.(*ast.Text); ok {
					buf.Write(t.Segment.Value(src))
				}
			}
			return ast.WalkSkipChildren, nil
		}
		return ast.WalkContinue, nil
	})
	return buf.Bytes()
}

// PlainText returns the text of a body without its Markdown: paragraphs,
// headings, list items and table cells, code included, for the search
// index.
func PlainText(body []byte) string {
	doc := outliner.pick(body).Parser().Parse(text.NewReader(body))
	var buf bytes.Buffer
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			if n.Type() == ast.TypeBlock && buf.Len() > 0 && buf.Bytes()[buf.Len()-1] != '\n' {
				buf.WriteByte('\n')
			}
			return ast.WalkContinue, nil
		}
		switch v := n.(type) {
		case *ast.Text:
			buf.Write(v.Segment.Value(body))
			if v.SoftLineBreak() || v.HardLineBreak() {
				buf.WriteByte(' ')
			}
		case *ast.String:
			buf.Write(v.Value)
		case *ast.CodeBlock, *ast.FencedCodeBlock:
			l := n.Lines()
			for i := range l.Len() {
				seg := l.At(i)
				buf.Write(seg.Value(body))
			}
			return ast.WalkSkipChildren, nil
		case *ast.RawHTML, *ast.HTMLBlock:
			return ast.WalkSkipChildren, nil
		}
		return ast.WalkContinue, nil
	})
	return strings.TrimSpace(buf.String())
}
