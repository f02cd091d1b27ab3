package check

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/hindsight-dev/hindsight/internal/postmortem"
)

// Formats lists the output formats of Write.
var Formats = []string{"text", "github", "json"}

// JSONVersion is the version of the JSON output's shape; it changes only
// when a field is removed or changes meaning.
const JSONVersion = 1

// Write prints a report in one of Formats. repoPath maps a displayed path to
// the path relative to the repository root, which GitHub annotations need.
func Write(w io.Writer, rep *Report, format string, repoPath func(string) string) error {
	switch format {
	case "text":
		return writeText(w, rep)
	case "github":
		return writeGitHub(w, rep, repoPath)
	case "json":
		return writeJSON(w, rep)
	}
	return fmt.Errorf("unknown format %q; use one of %s", format, strings.Join(Formats, ", "))
}

// Summary is the closing line: "2 errors, 1 warning in 17 files".
func (rep *Report) Summary() string {
	return fmt.Sprintf("%s, %s in %s", plural(rep.Errors, "error"), plural(rep.Warnings, "warning"), plural(rep.Files, "file"))
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

func writeText(w io.Writer, rep *Report) error {
	var b strings.Builder
	for _, d := range rep.Findings {
		fmt.Fprintf(&b, "%s:%d:%d: %s %s: %s\n", d.File, d.Line, d.Col, d.Level, d.Rule, d.Message)
	}
	b.WriteString(rep.Summary() + "\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// Shown is what a terminal has already shown: the findings of the last
// report written, in order. The zero value has shown nothing.
type Shown struct {
	list    []postmortem.Diagnostic
	set     map[postmortem.Diagnostic]bool // made from list when needed
	written bool
}

// Len is how many findings were shown.
func (s Shown) Len() int { return len(s.list) }

// members is the set of the findings shown, made on first use.
func (s *Shown) members() map[postmortem.Diagnostic]bool {
	if s.set == nil {
		s.set = make(map[postmortem.Diagnostic]bool, len(s.list))
		for _, d := range s.list {
			s.set[d] = true
		}
	}
	return s.set
}

// WriteChanges writes, as text, only the findings of rep that were not in
// shown (a watching preview's rebuilds would otherwise repeat every
// warning of the corpus after each edit), then the summary with how many
// are new, shown before and gone. It returns the findings shown now.
func WriteChanges(w io.Writer, rep *Report, shown Shown) (Shown, error) {
	var b strings.Builder
	next := Shown{list: rep.Findings, written: true}
	fresh, gone := 0, 0
	if shown.written && slices.Equal(shown.list, rep.Findings) {
		// Most edits change no finding: nothing to hash.
		next.set = shown.set
	} else {
		before, now := shown.members(), next.members()
		for _, d := range rep.Findings {
			if !before[d] {
				fresh++
				fmt.Fprintf(&b, "%s:%d:%d: %s %s: %s\n", d.File, d.Line, d.Col, d.Level, d.Rule, d.Message)
			}
		}
		for d := range before {
			if !now[d] {
				gone++
			}
		}
	}
	b.WriteString(rep.Summary())
	if shown.written {
		fmt.Fprintf(&b, " (%d new, %d as before, %d gone)", fresh, len(rep.Findings)-fresh, gone)
	}
	b.WriteString("\n")
	_, err := io.WriteString(w, b.String())
	return next, err
}

// GitHub workflow commands escape their data and, more strictly, their
// properties.
var (
	ghData  = strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A")
	ghProps = strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C")
)

func writeGitHub(w io.Writer, rep *Report, repoPath func(string) string) error {
	var b strings.Builder
	for _, d := range rep.Findings {
		file := d.File
		if repoPath != nil {
			file = repoPath(file)
		}
		cmd := "warning"
		if d.Level == "error" {
			cmd = "error"
		}
		fmt.Fprintf(&b, "::%s file=%s,line=%d,col=%d,title=%s::%s\n", cmd, ghProps.Replace(file), d.Line, d.Col, ghProps.Replace(d.Rule), ghData.Replace(d.Message))
	}
	b.WriteString(rep.Summary() + "\n")
	_, err := io.WriteString(w, b.String())
	return err
}

type jsonReport struct {
	Version     int              `json:"version"`
	Files       int              `json:"files"`
	Errors      int              `json:"errors"`
	Warnings    int              `json:"warnings"`
	Findings    []jsonEntry      `json:"findings"`
	Postmortems []jsonPostmortem `json:"postmortems"`
}

// jsonPostmortem is what the check learnt of one postmortem: its figures
// and, for each commit ref, what git said of the commit.
type jsonPostmortem struct {
	ID      string             `json:"id"`
	File    string             `json:"file"`
	Figures postmortem.Figures `json:"figures"`
	Commits []jsonCommit       `json:"commits"`
	// ClosedItems are action items closed by commit trailers, by number.
	ClosedItems map[string]postmortem.CommitInfo `json:"closed_items,omitempty"`
	// ReopenedItems are action items whose every closing commit was
	// reverted, by number.
	ReopenedItems map[string]postmortem.Reopened `json:"reopened_items,omitempty"`
}

type jsonCommit struct {
	postmortem.CommitRef
	// Commit is what git knows of it; absent when it was not found.
	Commit *postmortem.CommitInfo `json:"commit,omitempty"`
	// RevertedBy is the later commit that undid a fix or mitigation;
	// RevertNote why a revert that seemed to name it was not counted.
	RevertedBy *postmortem.CommitInfo `json:"reverted_by,omitempty"`
	RevertNote string                 `json:"revert_note,omitempty"`
}

func jsonPostmortems(pms []*postmortem.Postmortem) []jsonPostmortem {
	out := make([]jsonPostmortem, 0, len(pms))
	for _, pm := range pms {
		jp := jsonPostmortem{ID: pm.ID, File: pm.File, Commits: []jsonCommit{}, Figures: pm.Figures()}
		for _, lc := range pm.Linked {
			jp.Commits = append(jp.Commits, jsonCommit{CommitRef: lc.Ref, Commit: lc.Info, RevertedBy: lc.RevertedBy, RevertNote: lc.RevertNote})
		}
		for n, c := range pm.ClosedItems {
			if jp.ClosedItems == nil {
				jp.ClosedItems = map[string]postmortem.CommitInfo{}
			}
			jp.ClosedItems[strconv.Itoa(n)] = c
		}
		for n, ro := range pm.ReopenedItems {
			if jp.ReopenedItems == nil {
				jp.ReopenedItems = map[string]postmortem.Reopened{}
			}
			jp.ReopenedItems[strconv.Itoa(n)] = ro
		}
		out = append(out, jp)
	}
	return out
}

type jsonEntry struct {
	File    string `json:"file"`
	Line    int    `json:"line"`
	Column  int    `json:"column"`
	Level   string `json:"level"`
	Rule    string `json:"rule"`
	Message string `json:"message"`
}

func writeJSON(w io.Writer, rep *Report) error {
	out := jsonReport{Version: JSONVersion, Files: rep.Files, Errors: rep.Errors, Warnings: rep.Warnings, Findings: []jsonEntry{}, Postmortems: jsonPostmortems(rep.Postmortems)}
	for _, d := range rep.Findings {
		out.Findings = append(out.Findings, jsonEntry{File: d.File, Line: d.Line, Column: d.Col, Level: d.Level, Rule: d.Rule, Message: d.Message})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}
