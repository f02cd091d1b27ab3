package markdown

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/net/html"
)

// FuzzAnalyze checks that any body gives an outline whose positions lie
// inside it.
func FuzzAnalyze(f *testing.F) {
	paths, _ := filepath.Glob("../../postmortems/*.md")
	for _, p := range paths {
		if data, err := os.ReadFile(p); err == nil {
			f.Add(data)
		}
	}
	f.Add([]byte(body))
	f.Fuzz(func(t *testing.T, src []byte) {
		o := Analyze(src, 5)
		last := 5 + strings.Count(string(src), "\n")
		check := func(what string, line, col int) {
			if line < 5 || line > last || col < 1 {
				t.Fatalf("%s at %d:%d outside lines 5..%d", what, line, col, last)
			}
		}
		for _, s := range o.Sections {
			check("section", s.Line, s.Col)
		}
		for _, l := range o.Links {
			check("link", l.Line, l.Col)
		}
		for _, c := range o.CodeBlocks {
			check("code block", c.Line, c.Col)
		}
		for _, p := range o.Prose {
			for _, r := range p.Runs {
				check("prose", r.Line, r.Col)
			}
		}
	})
}

// FuzzRender renders arbitrary bodies as the site does, links passed
// through unchanged so that only Render's own defences count: it must not
// panic, and what a browser would parse out of the HTML must hold no
// script element, no event handler attribute and no javascript: (or
// vbscript:) link or source.
func FuzzRender(f *testing.F) {
	paths, _ := filepath.Glob("../../postmortems/*.md")
	for _, p := range paths {
		if data, err := os.ReadFile(p); err == nil {
			f.Add(data)
		}
	}
	f.Add([]byte(body))
	tickets := regexp.MustCompile(`\bOPS-[0-9]+\b`)
	opts := RenderOptions{
		Link: func(dest string, image bool) string { return dest },
		AutoLinks: func(text string) []AutoLink {
			var out []AutoLink
			for _, m := range tickets.FindAllStringIndex(text, -1) {
				out = append(out, AutoLink{Start: m[0], End: m[1], URL: "https://t.example.com/" + text[m[0]:m[1]]})
			}
			return out
		},
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		out, _, err := Render(src, opts)
		if err != nil {
			return // an error is not a page; the build reports it
		}
		if bytes.Contains(bytes.ToLower(out), []byte("<script")) {
			t.Fatalf("output has <script:\n%s", out)
		}
		if problem := unsafeHTML(out); problem != "" {
			t.Fatalf("%s in:\n%s", problem, out)
		}
	})
}

// unsafeHTML tokenizes HTML as a browser would and says what in it could
// run script, "" when nothing.
func unsafeHTML(out []byte) string {
	z := html.NewTokenizer(bytes.NewReader(out))
	for {
		switch z.Next() {
		case html.ErrorToken:
			return ""
		case html.StartTagToken, html.SelfClosingTagToken:
			tok := z.Token()
			switch tok.Data {
			case "script", "iframe", "object", "embed", "style", "base", "form", "meta", "link":
				return fmt.Sprintf("a <%s> element", tok.Data)
			}
			for _, a := range tok.Attr {
				name := strings.ToLower(a.Key)
				if strings.HasPrefix(name, "on") {
					return fmt.Sprintf("an event handler attribute %s=%q on <%s>", a.Key, a.Val, tok.Data)
				}
				switch name {
				case "href", "src", "srcset", "action", "formaction", "xlink:href", "poster", "background":
					v := strings.ToLower(strings.Map(func(r rune) rune {
						if r < 0x21 || r == 0x7f {
							return -1 // browsers skip these inside a scheme
						}
						return r
					}, a.Val))
					for _, scheme := range []string{"javascript:", "vbscript:"} {
						if strings.HasPrefix(v, scheme) {
							return fmt.Sprintf("a %s link %s=%q on <%s>", scheme, a.Key, a.Val, tok.Data)
						}
					}
				}
			}
		}
	}
}
