// Package check runs the format's rules over a corpus: one small function
// per rule id, a registry with default levels that the config can change,
// and formatters for people (text), GitHub (workflow commands) and tools
// (JSON).
package check

import (
	"cmp"
	"fmt"
	"maps"
	"runtime"
	"slices"
	"sync/atomic"
	"time"

	"github.com/hindsight-dev/hindsight/internal/config"
	"github.com/hindsight-dev/hindsight/internal/corpus"
	"github.com/hindsight-dev/hindsight/internal/postmortem"
	"github.com/hindsight-dev/hindsight/internal/yamlnode"
	"golang.org/x/sync/errgroup"
)

// Rule is one rule of the format.
type Rule struct {
	ID    string
	Level config.Level
	// DraftLevel, when set, is the level for drafts (unless configured).
	DraftLevel config.Level
	// Doc says in one line what the rule finds.
	Doc string
	// Check looks at one postmortem; nil for rules whose findings come from
	// parsing or that other packages provide.
	Check func(r *run, pm *postmortem.Postmortem)
	// All, for rules about the corpus as a whole, looks at every target at
	// once, after the per-file rules.
	All func(r *run, targets []*postmortem.Postmortem)
	// Pure marks a Check whose findings depend on nothing but the file,
	// the config and the day: not on other files, git or the clock's
	// hour, so that a Memo may keep them.
	Pure bool
}

// Rules returns the registry, in documentation order.
func Rules() []Rule { return registry }

func lookup(id string) (Rule, bool) {
	i, ok := ruleIndex[id]
	if !ok {
		return Rule{}, false
	}
	return registry[i], true
}

// ruleIndex is each rule's place in the registry, by id: a run looks up
// a level for every rule of every file and for every finding.
var ruleIndex = func() map[string]int {
	m := make(map[string]int, len(registry))
	for i, r := range registry {
		m[r.ID] = i
	}
	return m
}()

// ValidateConfig reports rule ids in the config's `rules:` that do not
// exist, with their position.
func ValidateConfig(cfg *config.Config) error {
	var errs config.ErrorList
	ids := make([]string, len(registry))
	for i, r := range registry {
		ids[i] = r.ID
	}
	for _, id := range slices.Sorted(maps.Keys(cfg.Rules)) {
		if _, ok := lookup(id); !ok {
			errs = append(errs, &config.Error{File: cfg.Path, Pos: cfg.Pos["rules."+id], Msg: fmt.Sprintf("rules: unknown rule %q%s", id, yamlnode.Hint(id, ids))})
		}
	}
	if len(errs) > 0 {
		return errs
	}
	return nil
}

// Options tune a run.
type Options struct {
	// Strict turns warnings into errors.
	Strict bool
	// Now is the time overdue and deadline rules compare against.
	Now time.Time
	// Memo, when set, keeps the pure rules' findings of each file for
	// the next run given the same Memo (serve's rebuilds), or on disk for
	// the next command (OpenMemo).
	Memo *Memo
}

// Report is the outcome of a run.
type Report struct {
	Findings []postmortem.Diagnostic
	Errors   int
	Warnings int
	// Files is how many files were checked.
	Files int
	// Postmortems are the checked postmortems that could be parsed, with
	// what git verification added.
	Postmortems []*postmortem.Postmortem
}

type run struct {
	c    *corpus.Corpus
	cfg  *config.Config
	opts Options
	out  []postmortem.Diagnostic
	// per rule: findings emitted, and the first one's index in out
	count map[string]int
	first map[string]int
	// hidden counts the findings past MaxPerRule, by rule
	hidden map[string]int
}

// MaxPerRule is the most findings one rule reports in one file; the rest
// are counted in one last finding. A file with thousands of the same
// mistake needs the first few fixed, not a wall of text, and each finding
// costs a position lookup.
const MaxPerRule = 25

// skip reports whether the rule has reported all it will in this file,
// counting the finding it would make, so that a rule can skip the work of
// placing it.
func (r *run) skip(rule string) bool {
	if r.count == nil {
		r.count, r.first, r.hidden = map[string]int{}, map[string]int{}, map[string]int{}
	}
	if r.count[rule] < MaxPerRule {
		return false
	}
	r.hidden[rule]++
	return true
}

// emit records a finding for the rule at a position in pm's file.
func (r *run) emit(rule string, pm *postmortem.Postmortem, line, col int, format string, args ...any) {
	if r.skip(rule) {
		return
	}
	if r.count[rule] == 0 {
		r.first[rule] = len(r.out)
	}
	r.count[rule]++
	r.out = append(r.out, postmortem.Diagnostic{File: pm.File, Line: line, Col: col, Rule: rule, Message: fmt.Sprintf(format, args...)})
}

// finish adds, for each rule that reported more than MaxPerRule findings,
// one that says how many more there are, at the first one's position.
func (r *run) finish() []postmortem.Diagnostic {
	for _, rule := range slices.Sorted(maps.Keys(r.hidden)) {
		d := r.out[r.first[rule]]
		d.Message = fmt.Sprintf("%d more %s findings in this file are not shown (%d is the most reported per rule and file); fix the ones above and check again", r.hidden[rule], rule, MaxPerRule)
		r.out = append(r.out, d)
	}
	return r.out
}

func (r *run) at(rule string, pm *postmortem.Postmortem, pos yamlnode.Pos, format string, args ...any) {
	r.emit(rule, pm, pos.Line, pos.Col, format, args...)
}

// Run checks every target file of the corpus.
func Run(c *corpus.Corpus, opts Options) *Report {
	if opts.Now.IsZero() {
		opts.Now = time.Now()
	}
	// Each file's rules run on their own run value, in parallel; the
	// corpus is only read.
	var targets []*postmortem.Postmortem
	for _, pm := range c.Postmortems {
		if c.Targets[pm.File] {
			targets = append(targets, pm)
		}
	}
	// The pure rules and the others run apart, on a run value each: a
	// file's cap on findings is per rule, and the report is sorted.
	pure := opts.Memo.take(c, opts.Now.UTC().Format(postmortem.DateLayout), targets)
	found := make([][]postmortem.Diagnostic, len(targets))
	// The rules the config leaves on, pure and not, in the registry's order.
	var pureRules, otherRules []Rule
	base := &run{c: c, cfg: c.Config, opts: opts}
	for _, rule := range registry {
		switch {
		case rule.Check == nil || base.level(rule.ID, false) == config.LevelOff:
		case rule.Pure:
			pureRules = append(pureRules, rule)
		default:
			otherRules = append(otherRules, rule)
		}
	}
	parallel(len(targets), func(i int) {
		each := func(want bool) []postmortem.Diagnostic {
			fr := &run{c: c, cfg: c.Config, opts: opts}
			rules := otherRules
			if want {
				rules = pureRules
			}
			for _, rule := range rules {
				rule.Check(fr, targets[i])
			}
			return fr.finish()
		}
		if pure[i] == nil {
			pure[i] = slices.Clip(each(true))
			if pure[i] == nil {
				pure[i] = []postmortem.Diagnostic{}
			}
		}
		found[i] = append(pure[i], each(false)...)
	})
	opts.Memo.keep(c, targets, pure)
	r := &run{c: c, cfg: c.Config, opts: opts}
	total := len(c.Diagnostics)
	for _, f := range found {
		total += len(f)
	}
	r.out = make([]postmortem.Diagnostic, 0, total)
	r.out = append(r.out, c.Diagnostics...)
	for _, f := range found {
		r.out = append(r.out, f...)
	}
	for _, rule := range registry {
		if rule.All != nil && r.level(rule.ID, false) != config.LevelOff {
			rule.All(r, targets)
		}
	}
	drafts := map[string]bool{}
	for _, pm := range c.Postmortems {
		drafts[pm.File] = pm.Status == postmortem.StatusDraft
	}
	rep := &Report{Files: len(c.Targets), Postmortems: targets}
	if len(r.out) > 0 {
		rep.Findings = make([]postmortem.Diagnostic, 0, len(r.out))
	}
	for _, d := range r.out {
		if !c.Targets[d.File] {
			continue
		}
		lvl := r.level(d.Rule, drafts[d.File])
		if lvl == config.LevelOff {
			continue
		}
		if opts.Strict && lvl == config.LevelWarning {
			lvl = config.LevelError
		}
		d.Level = string(lvl)
		rep.Findings = append(rep.Findings, d)
	}
	slices.SortStableFunc(rep.Findings, func(a, b postmortem.Diagnostic) int {
		return cmp.Or(cmp.Compare(a.File, b.File), cmp.Compare(a.Line, b.Line), cmp.Compare(a.Col, b.Col), cmp.Compare(a.Rule, b.Rule), cmp.Compare(a.Message, b.Message))
	})
	rep.Findings = slices.Compact(rep.Findings)
	for _, d := range rep.Findings {
		if d.Level == string(config.LevelError) {
			rep.Errors++
		} else {
			rep.Warnings++
		}
	}
	return rep
}

// parallel calls fn for 0..n-1, as many at once as there are CPUs.
// One worker per CPU takes the next index until none are left: a
// goroutine per index would grow a fresh stack for each of 10,000 files.
func parallel(n int, fn func(i int)) {
	var next atomic.Int64
	var g errgroup.Group
	for range min(n, runtime.GOMAXPROCS(0)) {
		g.Go(func() error {
			for i := int(next.Add(1)) - 1; i < n; i = int(next.Add(1)) - 1 {
				fn(i)
			}
			return nil
		})
	}
	_ = g.Wait() // the tasks return no errors
}

// level is a rule's configured level for a file; rules the registry does
// not know (they cannot be configured) are errors.
func (r *run) level(id string, draft bool) config.Level {
	rule, ok := lookup(id)
	if !ok {
		return config.LevelError
	}
	def := rule.Level
	if draft && rule.DraftLevel != "" {
		def = rule.DraftLevel
	}
	return r.cfg.RuleLevel(id, def)
}
