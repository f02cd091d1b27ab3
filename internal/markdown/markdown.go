// Package markdown is the only package that uses goldmark. It holds the one
// configured Markdown parser (CommonMark with GFM tables, task lists,
// strikethrough, autolinks and footnotes; raw HTML is never rendered) and
// turns a postmortem body into its outline: sections, links, code blocks,
// prose and timeline items, each with its position in the file.
package markdown

import (
	"bytes"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/yuin/goldmark"
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
// schemes are dropped. The variants leave out tables, footnotes, link
// reference definitions or emphasis for the bodies that would make them
// slow (see MaxTableColumns).
var md = variants(func(c constructs) goldmark.Markdown {
	exts := []goldmark.Extender{extension.Linkify, extension.TaskList, extension.Typographer}
	if c.emphasis {
		exts = append(exts, extension.Strikethrough)
	}
	if c.tables {
		exts = append(exts, extension.Table)
	}
	if c.footnotes {
		exts = append(exts, extension.Footnote)
	}
	return goldmark.New(
		goldmark.WithParser(newParser(c)),
		goldmark.WithExtensions(exts...),
		goldmark.WithParserOptions(
			parser.WithAutoHeadingID(),
			parser.WithASTTransformers(util.Prioritized(linkTransformer{}, 500)),
		),
		goldmark.WithRendererOptions(renderer.WithNodeRenderers(util.Prioritized(headingRenderer{}, 100), util.Prioritized(newCodeRenderer(), 100))),
	)
})

// outliner parses the same block structure as md without the inline
// extensions that only change rendering (bare-URL linking, smart quotes),
// which are the slow part of parsing; a bare URL is never a relative link,
// so the outline loses nothing.
var outliner = variants(func(c constructs) goldmark.Markdown {
	exts := []goldmark.Extender{extension.TaskList}
	if c.emphasis {
		exts = append(exts, extension.Strikethrough)
	}
	if c.tables {
		exts = append(exts, extension.Table)
	}
	if c.footnotes {
		exts = append(exts, extension.Footnote)
	}
	return goldmark.New(goldmark.WithParser(newParser(c)), goldmark.WithExtensions(exts...))
})

// newParser is goldmark's default parser without the constructs a body
// may not use.
func newParser(c constructs) parser.Parser {
	inline := parser.DefaultInlineParsers()
	if !c.emphasis {
		// the emphasis parser, the one triggered by '*'
		inline = slices.DeleteFunc(inline, func(p util.PrioritizedValue) bool {
			ip, ok := p.Value.(parser.InlineParser)
			return ok && bytes.IndexByte(ip.Trigger(), '*') >= 0
		})
	}
	opts := []parser.Option{
		parser.WithBlockParsers(parser.DefaultBlockParsers()...),
		parser.WithInlineParsers(inline...),
	}
	if c.references {
		opts = append(opts, parser.WithParagraphTransformers(parser.DefaultParagraphTransformers()...))
	}
	return parser.NewParser(opts...)
}

// constructs are the Markdown constructs a body may use.
type constructs struct{ tables, footnotes, references, emphasis bool }

// markdownVariants are a Markdown for each choice of constructs, made
// when first needed.
type markdownVariants struct {
	make func(constructs) goldmark.Markdown
	mu   sync.Mutex
	made map[constructs]goldmark.Markdown
}

func variants(make func(constructs) goldmark.Markdown) *markdownVariants {
	return &markdownVariants{make: make, made: map[constructs]goldmark.Markdown{}}
}

func (v *markdownVariants) get(c constructs) goldmark.Markdown {
	v.mu.Lock()
	defer v.mu.Unlock()
	m, ok := v.made[c]
	if !ok {
		m = v.make(c)
		v.made[c] = m
	}
	return m
}

// MaxTableColumns, MaxFootnotes, MaxReferences and MaxNesting bound what a
// body may ask of the parser, whose time grows faster than the body's
// size past them: goldmark pads every row of a table to its header's
// width (a 27 KB table of a 2,000-cell header and 5,000 rows took
// gigabytes), sorts footnotes in time that grows with their count
// squared, copies a paragraph's remaining lines for each link reference
// definition it takes from it (40,000 took 1.5 s), and rescans every open
// list and quote on each line (1,200 nested lists, 1.4 MB, took 3.7 s). A
// body past one of the first three is read with that construct off: its
// tables, footnotes or reference definitions show as plain text. A body
// nesting lists and quotes deeper than MaxNesting is shown whole as plain
// text, and check reports the line.
const (
	MaxTableColumns = 64
	MaxFootnotes    = 500
	MaxReferences   = 1000
	MaxNesting      = 100
	// MaxEmphasis bounds the runs of * and _ (and ~) a body may have
	// before they show as themselves: goldmark keeps an object of a few
	// hundred bytes for each, so 400,000 of them took hundreds of MB.
	MaxEmphasis = 20000
)

// MaxParagraphLines bounds the lines of one paragraph with brackets in
// it: goldmark finds the text of each bracket by scanning the
// paragraph's lines, so 40,000 lines of "[r1]: ..." took seconds. A body
// with a longer one is shown as plain text like one nesting too deep.
const MaxParagraphLines = 5000

// limits says which of the bounds above a body passes.
type limits struct {
	wideTable, manyFootnotes, manyReferences, manyEmphasis bool
	// deepLine is the first line (from 1) nesting deeper than MaxNesting,
	// longLine the first past MaxParagraphLines of a paragraph.
	deepLine, longLine int
}

// plainLine is the first line past a bound that makes the whole body
// plain text, or 0.
func (l limits) plainLine() int {
	if l.deepLine > 0 && (l.longLine == 0 || l.deepLine < l.longLine) {
		return l.deepLine
	}
	return l.longLine
}

func bodyLimits(body []byte) limits {
	var l limits
	notes, refs, runs := 0, 0, 0
	// the fence open (its first byte and length), the lines of the
	// paragraph so far and whether they hold a bracket
	var fence byte
	fenceLen, run, brackets := 0, 0, false
	for n := 1; len(body) > 0; n++ {
		line := body
		if i := bytes.IndexByte(body, '\n'); i >= 0 {
			line, body = body[:i], body[i+1:]
		} else {
			body = nil
		}
		trimmed := bytes.TrimLeft(line, " \t>")
		if bytes.HasPrefix(trimmed, []byte("[^")) {
			notes++
		} else if len(trimmed) > 0 && trimmed[0] == '[' && bytes.Contains(trimmed, []byte("]:")) {
			refs++
		}
		if !l.wideTable && bytes.Count(line, []byte("|")) > MaxTableColumns && delimiterRow(trimmed) {
			l.wideTable = true
		}
		runs += delimiterRuns(line)
		depth := nesting(line)
		if l.deepLine == 0 && depth > MaxNesting {
			l.deepLine = n
		}
		if l.longLine == 0 {
			code := bytes.TrimLeft(line, " ")
			switch f, k := fenceOf(code); {
			case fence == 0 && k > 0 && len(line)-len(code) < 4:
				fence, fenceLen, run = f, k, 0
			case fence != 0:
				if f == fence && k >= fenceLen && len(bytes.TrimSpace(code[k:])) == 0 {
					fence = 0
				}
			case len(bytes.TrimSpace(line)) == 0 || depth > 0 || code[0] == '|':
				run, brackets = 0, false
			default:
				run++
				brackets = brackets || bytes.IndexByte(line, '[') >= 0
				if run > MaxParagraphLines && brackets {
					l.longLine = n
				}
			}
		}
	}
	l.manyFootnotes, l.manyReferences, l.manyEmphasis = notes > MaxFootnotes, refs > MaxReferences, runs > MaxEmphasis
	return l
}

// nesting estimates how many lists and quotes a line is inside: the
// markers at its start (">", "-", "*", "+", "1." or "1)" and a space)
// and, on a line with a marker, one more for every two columns of
// indentation, as each nested list item indents its content by at least
// two. It never counts less than goldmark keeps open.
func nesting(line []byte) int {
	markers, cols := 0, 0
	for i := 0; i < len(line); {
		switch c := line[i]; {
		case c == ' ':
			cols++
			i++
		case c == '\t':
			cols += 4 - cols%4
			i++
		case c == '>':
			markers++
			i++
			if i < len(line) && line[i] == ' ' {
				i++ // the quote's own space
			}
		case (c == '-' || c == '*' || c == '+') && i+1 < len(line) && (line[i+1] == ' ' || line[i+1] == '\t'):
			markers++
			i += 2
		case c >= '0' && c <= '9':
			j := i
			for j < len(line) && j-i < 9 && line[j] >= '0' && line[j] <= '9' {
				j++
			}
			if j+1 < len(line) && (line[j] == '.' || line[j] == ')') && (line[j+1] == ' ' || line[j+1] == '\t') {
				markers++
				i = j + 2
				continue
			}
			i = len(line)
		default:
			i = len(line)
		}
	}
	if markers == 0 {
		return 0
	}
	return markers + cols/2
}

// delimiterRuns counts the runs of *, _ and ~ in a line, each one
// delimiter for goldmark.
func delimiterRuns(line []byte) int {
	n := 0
	for i := 0; i < len(line); i++ {
		if c := line[i]; c == '*' || c == '_' || c == '~' {
			if i == 0 || line[i-1] != c {
				n++
			}
		}
	}
	return n
}

// fenceOf returns the fence a line starts with (three or more backticks
// or tildes), or a length of 0.
func fenceOf(line []byte) (byte, int) {
	if len(line) == 0 || line[0] != '`' && line[0] != '~' {
		return 0, 0
	}
	k := 0
	for k < len(line) && line[k] == line[0] {
		k++
	}
	if k < 3 {
		return 0, 0
	}
	return line[0], k
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

// prepare returns the variant fit for a body and the source to parse:
// the body itself, or, past MaxNesting or MaxParagraphLines, the body as
// one fenced code block
// starting on the line before it (so positions stay those of the body).
func (v *markdownVariants) prepare(body []byte) (goldmark.Markdown, []byte, limits) {
	l := bodyLimits(body)
	m := v.get(constructs{tables: !l.wideTable, footnotes: !l.manyFootnotes, references: !l.manyReferences, emphasis: !l.manyEmphasis})
	if l.plainLine() == 0 {
		return m, body, l
	}
	return m, asCode(body), l
}

// asCode wraps a body in a fence longer than any run of backticks or
// tildes in it.
func asCode(body []byte) []byte {
	run, longest := 0, 0
	for _, c := range body {
		if c == '`' {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	fence := bytes.Repeat([]byte("`"), max(3, longest+1))
	out := make([]byte, 0, len(body)+2*len(fence)+3)
	out = append(append(append(out, fence...), "text\n"...), body...)
	if len(body) > 0 && body[len(body)-1] != '\n' {
		out = append(out, '\n')
	}
	return append(append(out, fence...), '\n')
}

// Analyze parses a body and returns its outline. firstLine is the file
// line the body starts on, so positions point into the whole file.
func Analyze(body []byte, firstLine int) postmortem.Outline {
	m, src, l := outliner.prepare(body)
	plain := l.plainLine()
	if plain > 0 {
		firstLine-- // the fence's line
	}
	doc := m.Parser().Parse(text.NewReader(src))
	a := analyzer{src: src, first: firstLine, lines: lineStarts(src), lastLine: -1}
	a.walk(doc)
	if plain > 0 {
		a.out.PlainText = postmortem.PlainText{Line: firstLine + plain, Deep: plain == l.deepLine}
	}
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
	m, body, _ := outliner.prepare(body)
	doc := m.Parser().Parse(text.NewReader(body))
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
