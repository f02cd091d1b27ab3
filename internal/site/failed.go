package site

import (
	"bytes"
	"cmp"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"unicode/utf8"
)

// findingViews are a page's findings, errors first, then by position,
// with the count of each level; with src, each with its snippet.
func findingViews(fs []Finding, src []byte) (views []FindingView, errs, warns int) {
	fs = slices.Clone(fs)
	slices.SortStableFunc(fs, func(a, b Finding) int {
		return cmp.Or(cmp.Compare(levelRank(a.Level), levelRank(b.Level)), cmp.Compare(a.Line, b.Line), cmp.Compare(a.Col, b.Col))
	})
	for _, f := range fs {
		if f.Level == "error" {
			errs++
		} else {
			warns++
		}
		views = append(views, FindingView{Level: cmp.Or(f.Level, "warning"), Where: where(f.Line, f.Col), Message: f.Message, Rule: f.Rule, Snippet: snippet(src, f.Line, f.Col)})
	}
	return views, errs, warns
}

func levelRank(level string) int {
	if level == "error" {
		return 0
	}
	return 1
}

func where(line, col int) string {
	switch {
	case line <= 0:
		return ""
	case col <= 0:
		return fmt.Sprintf("line %d", line)
	}
	return fmt.Sprintf("line %d, column %d", line, col)
}

// snippetBefore and snippetAfter are how many lines a snippet shows
// around the line of a finding.
const snippetBefore, snippetAfter = 2, 1

// maxSnippetLine is how much of a long line a snippet shows, in bytes.
const maxSnippetLine = 160

// snippet is the lines of src around line, numbered, with a caret under
// col on the line itself, as a compiler prints them:
//
//	3 | title: [A
//	  |        ^
func snippet(src []byte, line, col int) string {
	if len(src) == 0 || line <= 0 {
		return ""
	}
	lines := bytes.Split(src, []byte("\n"))
	if line > len(lines) {
		return ""
	}
	first, last := max(1, line-snippetBefore), min(len(lines), line+snippetAfter)
	width := len(fmt.Sprint(last))
	var b strings.Builder
	for n := first; n <= last; n++ {
		text := string(bytes.TrimRight(lines[n-1], "\r"))
		if len(text) > maxSnippetLine {
			cut := maxSnippetLine
			for cut > 0 && !utf8.RuneStart(text[cut]) {
				cut--
			}
			text = text[:cut] + "…"
		}
		fmt.Fprintf(&b, "%*d | %s\n", width, n, text)
		if n != line || col <= 0 {
			continue
		}
		// The caret's indent repeats the line's tabs, so that it lines up
		// however wide a tab is shown.
		var pad strings.Builder
		i := 0
		for _, r := range text {
			if i >= col-1 {
				break
			}
			if r == '\t' {
				pad.WriteByte('\t')
			} else {
				pad.WriteByte(' ')
			}
			i++
		}
		fmt.Fprintf(&b, "%s | %s^\n", strings.Repeat(" ", width), pad.String())
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// failedPages writes the page of each file that could not be parsed, at
// the path its postmortem had, unless a postmortem that parsed has it.
func (b *builder) failedPages(th *templates, w *writer) error {
	for _, f := range b.opts.Failed {
		if f.ID == "" || b.summary[f.ID] != nil {
			continue
		}
		v := &FailedView{File: f.File}
		v.Findings, v.Errors, v.Warnings = findingViews(f.Findings, f.Source)
		p := &Page{Site: b.site, Kind: "failed", Title: cmp.Or(f.Title, f.File), Path: url.PathEscape(f.ID) + "/", Description: f.File + " could not be read", Failed: v}
		name := f.ID + "/index.html"
		fp := pageFingerprint(p, th.version)
		w.pages.Add(1)
		if w.keep(name, fp) {
			continue
		}
		if err := renderWith(th, p, func(html *bytes.Buffer) error { return w.writeBuffer(name, fp, html) }); err != nil {
			return err
		}
	}
	return nil
}
