package check

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/hindsight-dev/hindsight/internal/postmortem"
)

// phrase is a pattern of blaming or counterfactual language and the advice
// given when it is found.
type phrase struct {
	re     *regexp.Regexp
	advice string
}

const (
	adviceCounterfactual = "describe what did happen and what the system allowed, e.g. \"the deploy tool did not ask for confirmation\" rather than what someone %s done"
	adviceError          = "name the conditions that made the action possible, e.g. \"the command accepted a value that removed too many servers\""
	adviceJudgement      = "describe the action and its context neutrally; judgements of people make the next account less candid"
)

var phrases = []phrase{
	{regexp.MustCompile(`(?i)\bwould(?:\s+have|'ve)\b`), fmt.Sprintf(adviceCounterfactual, "would have")},
	{regexp.MustCompile(`(?i)\bcould(?:\s+have|'ve)\b`), fmt.Sprintf(adviceCounterfactual, "could have")},
	{regexp.MustCompile(`(?i)\bshould(?:\s+have|'ve)\b`), fmt.Sprintf(adviceCounterfactual, "should have")},
	{regexp.MustCompile(`(?i)\bif\s+only\b`), "state what was missing at the time, e.g. \"no alert covered this case\""},
	{regexp.MustCompile(`(?i)\b(?:human|operator|pilot|user)\s+errors?\b`), adviceError},
	{regexp.MustCompile(`(?i)\bcareless(?:ly|ness)?\b`), adviceJudgement},
	{regexp.MustCompile(`(?i)\bnegligen(?:t|tly|ce)\b`), adviceJudgement},
	{regexp.MustCompile(`(?i)\b(?:sloppy|lazy|incompetent|incompetence|stupid|dumb)\b`), adviceJudgement},
	{regexp.MustCompile(`(?i)\b(?:the\s+)?fault\s+of\b|\bat\s+fault\b|\b(?:his|her|their)\s+fault\b`), "describe the sequence of events instead of whose fault it was"},
	{regexp.MustCompile(`(?i)\bblam(?:e|ed|es|ing)\b`), "describe what happened and why it made sense at the time; a postmortem looks for causes, not culprits"},
	{regexp.MustCompile(`(?i)\bobviously\b`), "what is obvious in hindsight was not at the time; say what information was available then"},
}

func blamelessLanguage(r *run, pm *postmortem.Postmortem) {
	for _, p := range pm.Outline.Prose {
		for _, ph := range phrases {
			for _, m := range ph.re.FindAllStringIndex(p.Text, -1) {
				line, col := p.Locate(m[0])
				r.emit("blameless-language", pm, line, col, "%q is not blameless language; %s", p.Text[m[0]:m[1]], ph.advice)
			}
		}
	}
	fields := []struct{ path, text string }{{"title", pm.Title}, {"summary", pm.Summary}}
	for i, a := range pm.ActionItems {
		fields = append(fields, struct{ path, text string }{fmt.Sprintf("action_items[%d].title", i+1), a.Title})
	}
	for _, f := range fields {
		for _, ph := range phrases {
			if m := ph.re.FindStringIndex(f.text); m != nil {
				r.at("blameless-language", pm, pm.ValuePos(f.path), "%s: %q is not blameless language; %s", f.path, f.text[m[0]:m[1]], ph.advice)
			}
		}
	}
}

// MaxCodeLines is the longest code block no-logs lets through.
const MaxCodeLines = 30

var logLine = []*regexp.Regexp{
	regexp.MustCompile(`^\s+at [\w$.<>]+\(.*\)\s*$`),                        // Java, JavaScript
	regexp.MustCompile(`^Traceback \(most recent call last\)`),              // Python
	regexp.MustCompile(`^\s+File ".*", line \d+`),                           // Python
	regexp.MustCompile(`^goroutine \d+ \[`),                                 // Go
	regexp.MustCompile(`^panic: `),                                          // Go
	regexp.MustCompile(`^\s*\S+\.go:\d+ \+0x[0-9a-f]+`),                     // Go
	regexp.MustCompile(`^\[?\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}`),        // timestamped log lines
	regexp.MustCompile(`^\[?\w{3} \d{1,2} \d{2}:\d{2}:\d{2}`),               // syslog
	regexp.MustCompile(`\b(?:ERROR|WARN|WARNING|INFO|DEBUG|FATAL|TRACE)\b`), // log levels
}

func noLogs(r *run, pm *postmortem.Postmortem) {
	for _, b := range pm.Outline.CodeBlocks {
		if len(b.Lines) > MaxCodeLines {
			r.emit("no-logs", pm, b.Line, b.Col, "code block of %d lines (more than %d); keep the few lines that matter and link to the full output", len(b.Lines), MaxCodeLines)
			continue
		}
		hits := 0
		for _, l := range b.Lines {
			for _, re := range logLine {
				if re.MatchString(l) {
					hits++
					break
				}
			}
		}
		if hits >= 3 && hits*2 >= len(b.Lines) {
			r.emit("no-logs", pm, b.Line, b.Col, "this code block looks like a raw log or stack trace; summarise what it shows in prose and link to the full output")
		}
	}
}

var placeholderWord = regexp.MustCompile(`\b(?:TODO|TBD|FIXME)\b`)

func placeholders(r *run, pm *postmortem.Postmortem) {
	inCode := map[int]bool{}
	for _, b := range pm.Outline.CodeBlocks {
		for l := b.Line; l <= b.Line+len(b.Lines)+1; l++ {
			inCode[l] = true
		}
	}
	lines := strings.Split(string(pm.Source), "\n")
	found := 0
	for i, l := range lines {
		if inCode[i+1] {
			continue
		}
		for _, m := range placeholderWord.FindAllStringIndex(l, -1) {
			found++
			if found > 20 {
				break
			}
			col := len([]rune(l[:m[0]])) + 1
			msg := "template placeholder %q left in; replace it with the real content before review"
			if pm.Status != postmortem.StatusDraft {
				msg += " (allowed only while `status: draft`)"
			}
			r.emit("placeholder", pm, i+1, col, msg, l[m[0]:m[1]])
		}
	}
}
