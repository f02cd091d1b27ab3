package search

import (
	"bytes"
	"unicode"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2/registry"
	"github.com/blevesearch/bleve/v2/search/highlight"
	htmlformat "github.com/blevesearch/bleve/v2/search/highlight/format/html"
	"github.com/blevesearch/bleve/v2/search/highlight/highlighter/simple"
)

// highlighterName is the highlighter of search hits: bleve's HTML one
// (matches in <mark>, fragments joined by …) with excerpts cut by
// lineFragmenter.
const highlighterName = "hindsight-lines"

// excerptRunes is how long an excerpt is at most, in characters.
const excerptRunes = 200

func init() {
	registry.RegisterFragmenter(highlighterName, func(map[string]any, *registry.Cache) (highlight.Fragmenter, error) {
		return lineFragmenter{size: excerptRunes}, nil
	})
	registry.RegisterHighlighter(highlighterName, func(_ map[string]any, cache *registry.Cache) (highlight.Highlighter, error) {
		frag, err := cache.FragmenterNamed(highlighterName)
		if err != nil {
			return nil, err
		}
		format, err := cache.FragmentFormatterNamed(htmlformat.Name)
		if err != nil {
			return nil, err
		}
		return simple.NewHighlighter(frag, format, simple.DefaultSeparator), nil
	})
}

// lineFragmenter cuts the excerpts around matches. The stored text of a
// body holds one block per line (a heading, a paragraph, a list item, a
// table cell: see markdown.PlainText), so an excerpt stays inside the line
// of its match and never runs a heading or a cell into the next sentence.
// A line longer than size is cut to size characters around the match, at
// spaces: an excerpt starts and ends on a word boundary.
type lineFragmenter struct{ size int }

func (f lineFragmenter) Fragment(orig []byte, locs highlight.TermLocations) []*highlight.Fragment {
	if len(locs) == 0 {
		ls, le := lineAround(orig, 0)
		s, e := f.window(orig, ls, le, ls, ls)
		return []*highlight.Fragment{{Orig: orig, Start: s, End: e}}
	}
	out := make([]*highlight.Fragment, 0, len(locs))
	for _, l := range locs {
		if l.Start < 0 || l.End > len(orig) || l.Start > l.End {
			continue
		}
		ls, le := lineAround(orig, l.Start)
		s, e := f.window(orig, ls, le, l.Start, min(l.End, le))
		out = append(out, &highlight.Fragment{Orig: orig, Start: s, End: e})
	}
	return out
}

// lineAround is the line of text holding byte at, without its newline.
func lineAround(b []byte, at int) (start, end int) {
	start = bytes.LastIndexByte(b[:at], '\n') + 1
	end = len(b)
	if i := bytes.IndexByte(b[at:], '\n'); i >= 0 {
		end = at + i
	}
	return start, end
}

// window is at most f.size characters of the line [ls, le) holding the
// match [ms, me), the match in its middle where the line allows, both
// ends moved in to a space where they cut the line.
func (f lineFragmenter) window(b []byte, ls, le, ms, me int) (int, int) {
	if utf8.RuneCount(b[ls:le]) <= f.size {
		return trimSpace(b, ls, le)
	}
	room := max(f.size-utf8.RuneCount(b[ms:me]), 0)
	start, end := ms, me
	for n := room / 2; n > 0 && start > ls; n-- {
		_, w := utf8.DecodeLastRune(b[ls:start])
		start -= w
		room--
	}
	for ; room > 0 && end < le; room-- {
		_, w := utf8.DecodeRune(b[end:le])
		end += w
	}
	for ; room > 0 && start > ls; room-- {
		_, w := utf8.DecodeLastRune(b[ls:start])
		start -= w
	}
	// Cut at spaces: drop the word the start or the end falls in, unless
	// it is the match's.
	if start > ls && !isSpaceBefore(b, start) {
		for i := start; i < ms; {
			r, w := utf8.DecodeRune(b[i:])
			i += w
			if unicode.IsSpace(r) {
				start = i
				break
			}
		}
	}
	if end < le && !isSpaceAt(b, end) {
		for i := end; i > me; {
			r, w := utf8.DecodeLastRune(b[:i])
			i -= w
			if unicode.IsSpace(r) {
				end = i
				break
			}
		}
	}
	return trimSpace(b, start, end)
}

func isSpaceBefore(b []byte, i int) bool {
	r, _ := utf8.DecodeLastRune(b[:i])
	return unicode.IsSpace(r)
}

func isSpaceAt(b []byte, i int) bool {
	r, _ := utf8.DecodeRune(b[i:])
	return unicode.IsSpace(r)
}

// trimSpace moves start and end in past spaces.
func trimSpace(b []byte, start, end int) (int, int) {
	for start < end {
		r, w := utf8.DecodeRune(b[start:end])
		if !unicode.IsSpace(r) {
			break
		}
		start += w
	}
	for end > start {
		r, w := utf8.DecodeLastRune(b[start:end])
		if !unicode.IsSpace(r) {
			break
		}
		end -= w
	}
	return start, end
}
