package markdown

import (
	"bytes"

	"github.com/alecthomas/chroma/v2"
	chromahtml "github.com/alecthomas/chroma/v2/formatters/html"
	"github.com/alecthomas/chroma/v2/lexers"
	"github.com/alecthomas/chroma/v2/styles"
	highlighting "github.com/yuin/goldmark-highlighting/v2"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/renderer"
	"github.com/yuin/goldmark/util"
)

// codeOptions configure goldmark-highlighting as the site highlights
// code: CSS classes (the stylesheet is ChromaCSS), no guessing of a
// block's language.
var codeOptions = []highlighting.Option{
	highlighting.WithFormatOptions(chromahtml.WithClasses(true)),
	highlighting.WithGuessLanguage(false),
}

// codeFormatter is the one chroma formatter of every block codeRenderer
// highlights (it keeps no state of a block, and locks its cache of the
// style), with codeStyle, the extension's default style.
var (
	codeFormatter = chromahtml.New(chromahtml.WithClasses(true))
	codeStyle     = styles.Get("github")
)

// codeRenderer renders fenced code blocks as goldmark-highlighting's
// renderer configured with codeOptions does, byte for byte, but with one
// formatter for every block: the extension makes a formatter for each
// block, and each works out the style's classes again, a tenth of the
// time of rendering the bodies of 10,000 postmortems. A block with
// attributes in its info string, or in a language chroma does not know,
// is left to the extension's renderer.
type codeRenderer struct {
	ext      renderer.NodeRenderer
	fallback renderer.NodeRendererFunc
}

func newCodeRenderer() *codeRenderer {
	c := &codeRenderer{ext: highlighting.NewHTMLRenderer(codeOptions...)}
	c.ext.RegisterFuncs(registerFunc(func(kind ast.NodeKind, f renderer.NodeRendererFunc) {
		if kind == ast.KindFencedCodeBlock {
			c.fallback = f
		}
	}))
	return c
}

// registerFunc is a NodeRendererFuncRegisterer of a function.
type registerFunc func(ast.NodeKind, renderer.NodeRendererFunc)

func (r registerFunc) Register(kind ast.NodeKind, f renderer.NodeRendererFunc) { r(kind, f) }

func (c *codeRenderer) RegisterFuncs(reg renderer.NodeRendererFuncRegisterer) {
	reg.Register(ast.KindFencedCodeBlock, c.render)
}

// SetOption passes the renderer's options on to the extension's, as
// goldmark would have.
func (c *codeRenderer) SetOption(name renderer.OptionName, value any) {
	if s, ok := c.ext.(renderer.SetOptioner); ok {
		s.SetOption(name, value)
	}
}

func (c *codeRenderer) render(w util.BufWriter, src []byte, node ast.Node, entering bool) (ast.WalkStatus, error) {
	n := node.(*ast.FencedCodeBlock)
	if !entering {
		return ast.WalkContinue, nil
	}
	var lexer chroma.Lexer
	if lang := n.Language(src); lang != nil && n.Attributes() == nil && (n.Info == nil || !bytes.ContainsRune(n.Info.Segment.Value(src), '{')) {
		lexer = lexers.Get(string(lang))
	}
	if lexer == nil {
		return c.fallback(w, src, node, entering)
	}
	var code bytes.Buffer
	lines := n.Lines()
	for i := range lines.Len() {
		line := lines.At(i)
		code.Write(line.Value(src))
	}
	tokens, err := chroma.Coalesce(lexer).Tokenise(nil, code.String())
	if err != nil {
		return c.fallback(w, src, node, entering)
	}
	_ = codeFormatter.Format(w, codeStyle, tokens)
	return ast.WalkContinue, nil
}
