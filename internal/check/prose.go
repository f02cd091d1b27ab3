package check

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"

	"github.com/hindsight-dev/hindsight/internal/postmortem"
)

// phrase is a pattern of blaming or counterfactual language and the advice
// given when it is found. keys are lower-case starts of words one of which
// every match contains: a cheap test that spares most text the regular
// expression.
type phrase struct {
	keys   []string
	re     *regexp.Regexp
	advice string
}

// keyIndex maps a key's first letter to the phrases it selects.
var keyIndex = func() (idx [26][]struct {
	key    string
	phrase int
}) {
	for i, ph := range phrases {
		for _, k := range ph.keys {
			idx[k[0]-'a'] = append(idx[k[0]-'a'], struct {
				key    string
				phrase int
			}{k, i})
		}
	}
	return idx
}()

// candidates returns a bit for each phrase one of whose keys starts a word
// of text, in one pass over it.
func candidates(text string) uint64 {
	var bits uint64
	for i := 0; i < len(text); {
		c := text[i] | 0x20
		if c < 'a' || c > 'z' {
			i++
			continue
		}
		j := i + 1
		for j < len(text) && (text[j]|0x20 >= 'a' && text[j]|0x20 <= 'z') {
			j++
		}
		for _, k := range keyIndex[c-'a'] {
			if j-i >= len(k.key) && strings.EqualFold(text[i:i+len(k.key)], k.key) {
				bits |= 1 << k.phrase
			}
		}
		i = j
	}
	return bits
}

// ProseToKeep reports whether the prose rules would report anything in a
// block of a body's prose (postmortem.Prose.Text): they read nothing else
// of it. A load gives it to corpus.Options.KeepProse, so a corpus holds,
// and its parse cache keeps, only the blocks that have a finding, not the
// text of every body a second time.
func ProseToKeep(text string) bool {
	bits := candidates(text)
	for i, ph := range phrases {
		if bits&(1<<i) != 0 && ph.re.MatchString(text) {
			return true
		}
	}
	return false
}

// blaming returns each match in text as [start, end, phrase index].
func blaming(text string) [][3]int {
	bits := candidates(text)
	var out [][3]int
	for i, ph := range phrases {
		if bits&(1<<i) == 0 {
			continue
		}
		for _, m := range ph.re.FindAllStringIndex(text, -1) {
			out = append(out, [3]int{m[0], m[1], i})
		}
	}
	return out
}

const (
	adviceCounterfactual = "describe what did happen and what the system allowed, e.g. \"the deploy tool did not ask for confirmation\" rather than what someone %s done"
	adviceError          = "name the conditions that made the action possible, e.g. \"the command accepted a value that removed too many servers\""
	adviceJudgement      = "describe the action and its context neutrally; judgements of people make the next account less candid"
)

var phrases = []phrase{
	{[]string{"would"}, regexp.MustCompile(`(?i)\bwould(?:\s+have|'ve)\b`), fmt.Sprintf(adviceCounterfactual, "would have")},
	{[]string{"could"}, regexp.MustCompile(`(?i)\bcould(?:\s+have|'ve)\b`), fmt.Sprintf(adviceCounterfactual, "could have")},
	{[]string{"should"}, regexp.MustCompile(`(?i)\bshould(?:\s+have|'ve)\b`), fmt.Sprintf(adviceCounterfactual, "should have")},
	{[]string{"only"}, regexp.MustCompile(`(?i)\bif\s+only\b`), "state what was missing at the time, e.g. \"no alert covered this case\""},
	{[]string{"error"}, regexp.MustCompile(`(?i)\b(?:human|operator|pilot|user)\s+errors?\b`), adviceError},
	{[]string{"careless"}, regexp.MustCompile(`(?i)\bcareless(?:ly|ness)?\b`), adviceJudgement},
	{[]string{"negligen"}, regexp.MustCompile(`(?i)\bnegligen(?:t|tly|ce)\b`), adviceJudgement},
	{[]string{"sloppy", "lazy", "incompeten", "stupid", "dumb"}, regexp.MustCompile(`(?i)\b(?:sloppy|lazy|incompetent|incompetence|stupid|dumb)\b`), adviceJudgement},
	{[]string{"fault"}, regexp.MustCompile(`(?i)\b(?:the\s+)?fault\s+of\b|\bat\s+fault\b|\b(?:his|her|their)\s+fault\b`), "describe the sequence of events instead of whose fault it was"},
	{[]string{"blam"}, regexp.MustCompile(`(?i)\bblam(?:e|ed|es|ing)\b`), "describe what happened and why it made sense at the time; a postmortem looks for causes, not culprits"},
	{[]string{"obvious"}, regexp.MustCompile(`(?i)\bobviously\b`), "what is obvious in hindsight was not at the time; say what information was available then"},
}

func blamelessLanguage(r *run, pm *postmortem.Postmortem) {
	for _, p := range pm.ProseBlocks() {
		for _, m := range blaming(p.Text) {
			if r.skip("blameless-language") {
				continue
			}
			line, col := p.Locate(m[0])
			r.emit("blameless-language", pm, line, col, "%q is not blameless language; %s", p.Text[m[0]:m[1]], phrases[m[2]].advice)
		}
	}
	fields := []struct{ path, text string }{{"title", pm.Title}, {"summary", pm.Summary}}
	for i, a := range pm.ActionItems {
		fields = append(fields, struct{ path, text string }{fmt.Sprintf("action_items[%d].title", i+1), a.Title})
	}
	for _, f := range fields {
		for _, m := range blaming(f.text) {
			r.at("blameless-language", pm, pm.ValuePos(f.path), "%s: %q is not blameless language; %s", f.path, f.text[m[0]:m[1]], phrases[m[2]].advice)
		}
	}
}

// MaxCodeLines is the longest code block no-logs lets through.
const MaxCodeLines = 30

func noLogs(r *run, pm *postmortem.Postmortem) {
	for _, b := range pm.Outline.CodeBlocks {
		if len(b.Lines) > MaxCodeLines {
			r.emit("no-logs", pm, b.Line, b.Col, "code block of %d lines (more than %d); keep the few lines that matter and link to the full output", len(b.Lines), MaxCodeLines)
			continue
		}
		if postmortem.LooksLikeLog(b.Lines) {
			r.emit("no-logs", pm, b.Line, b.Col, "this code block looks like a raw log or stack trace; summarise what it shows in prose and link to the full output")
		}
	}
}

var placeholderWord = regexp.MustCompile(`\b(?:TODO|TBD|FIXME)\b`)

func placeholders(r *run, pm *postmortem.Postmortem) {
	if !bytes.Contains(pm.Source, []byte("TODO")) && !bytes.Contains(pm.Source, []byte("TBD")) && !bytes.Contains(pm.Source, []byte("FIXME")) {
		return
	}
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
