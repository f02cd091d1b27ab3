package check

import (
	"cmp"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"net/url"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hindsight-dev/hindsight/internal/config"
	"github.com/hindsight-dev/hindsight/internal/corpus"
	"github.com/hindsight-dev/hindsight/internal/postmortem"
	"github.com/hindsight-dev/hindsight/internal/yamlnode"
)

const (
	errorLevel = config.LevelError
	warnLevel  = config.LevelWarning
)

var registry = []Rule{
	{ID: postmortem.RuleSyntax, Level: errorLevel, Doc: "front matter missing, unterminated, or not valid YAML; the file empty, binary or not UTF-8"},
	{ID: corpus.RuleFile, Level: errorLevel, Doc: "the file cannot be read: over 2 MiB, not a regular file, or a symlink that leaves the repository"},
	{ID: postmortem.RuleUnknownField, Level: errorLevel, Doc: "a key that is not in the format (with a did-you-mean hint)"},
	{ID: "required-field", Pure: true, Level: errorLevel, Doc: "a required key is missing or empty", Check: requiredFields},
	{ID: postmortem.RuleInvalidValue, Level: errorLevel, Doc: "wrong type, bad enum value, bad date or timestamp, bad id or tag"},
	{ID: "duplicate-id", Level: errorLevel, Doc: "two files with one id", Check: duplicateID},
	{ID: "time-order", Pure: true, Level: errorLevel, Doc: "`times` out of order, or `date` not the day of `times.started`", Check: timeOrder},
	{ID: "required-section", Pure: true, Level: errorLevel, Doc: "a required H2 section is missing or empty", Check: requiredSections},
	{ID: "recommended-section", Pure: true, Level: warnLevel, Doc: "a recommended H2 section is missing", Check: recommendedSections},
	{ID: "timeline-order", Pure: true, Level: warnLevel, Doc: "timeline entries go back in time or do not start with a time", Check: timelineOrder},
	{ID: "action-item", Pure: true, Level: errorLevel, Doc: "an action item without title, owner or due date", Check: actionItems},
	{ID: "action-item-overdue", Pure: true, Level: warnLevel, Doc: "an open or in-progress action item past its due date", Check: overdueItems},
	{ID: "action-item-policy", Level: warnLevel, Doc: "an open action item due later after `resolved` than `action_item_policy` allows for its priority", Check: itemPolicy},
	{ID: "related-missing", Level: errorLevel, Doc: "`related` names an id that no postmortem has", Check: relatedMissing},
	{ID: "link-not-published", Level: warnLevel, Doc: "a link from a postmortem to a draft, or from a public postmortem to an internal one: builds that leave the target out show the link as plain text", Check: linksToLeftOut},
	{ID: "broken-link", Level: errorLevel, Doc: "a relative link to a file that does not exist or lies outside the repository, or an unsafe link scheme", Check: brokenLinks},
	{ID: "commit-missing", Level: errorLevel, Doc: "a commit sha not found or ambiguous in its repo, or a `repo:` not in the config", Check: commitMissing},
	{ID: "commit-order", Level: warnLevel, Doc: "a fix that does not descend from its trigger, or a trigger committed after `started`", Check: commitOrder},
	{ID: "commit-unverifiable", Level: warnLevel, Doc: "a repo shallow or unavailable, so its commits could not be checked (once per repo)", All: commitUnverifiable},
	{ID: "action-item-closed", Level: warnLevel, Doc: "an item still open although a commit's `Postmortem-Action:` trailer closed it", Check: actionItemClosed},
	{ID: "countermeasure-reverted", Level: warnLevel, Doc: "a fix or mitigation commit, or a commit that closed an action item, that a later commit HEAD reaches reverted", Check: countermeasureReverted},
	{ID: "revisit-due", Level: warnLevel, Doc: "a published postmortem not revisited within `revisit_after_days` for its severity, counted from `resolved` or the last revisit", Check: revisitDue},
	{ID: "publish-deadline", Level: warnLevel, Doc: "not `published` more than `publish_deadline_days` (default 7) after `resolved`", Check: publishDeadline},
	{ID: "blameless-language", Pure: true, Level: warnLevel, Doc: "counterfactual or blaming phrasing, quoted with a neutral alternative", Check: blamelessLanguage},
	{ID: "no-logs", Pure: true, Level: warnLevel, Doc: "a code block over 30 lines, or one that looks like a stack trace or raw log", Check: noLogs},
	{ID: "placeholder", Pure: true, Level: errorLevel, DraftLevel: warnLevel, Doc: "template text (TODO, TBD, FIXME) left in; a warning while the postmortem is a draft", Check: placeholders},
}

func requiredFields(r *run, pm *postmortem.Postmortem) {
	fm := &pm.FrontMatter
	missing := func(path, hint string) {
		if pm.Invalid(path) || pm.Misspelt(path) {
			return
		}
		if pm.Has(path) {
			r.at("required-field", pm, pm.ValuePos(path), "%s is empty; %s", path, hint)
			return
		}
		r.at("required-field", pm, pm.Pos(path), "missing required field %s; %s", path, hint)
	}
	if strings.TrimSpace(fm.Title) == "" {
		missing("title", "add `title:` with a one-line title")
	}
	if fm.Date.IsZero() {
		missing("date", "add `date:` with the day the incident began, as YYYY-MM-DD")
	}
	if fm.Status == "" {
		missing("status", "add `status: draft` (or in-review, published)")
	}
	if fm.Severity == "" {
		missing("severity", fmt.Sprintf("add `severity:` with one of %s", strings.Join(r.cfg.Severities, ", ")))
	}
	if strings.TrimSpace(fm.Summary) == "" {
		missing("summary", "add `summary:` with one to three sentences on what happened and its impact")
	}
	if strings.TrimSpace(fm.Owner) == "" {
		missing("owner", "add `owner:` with the one person who owns this write-up")
	}
	if len(fm.Services) == 0 {
		missing("services", "add `services:` listing at least one affected service")
	}
	if !pm.Has("times") || pm.Invalid("times") && fm.Times.Started.IsZero() && fm.Times.Detected.IsZero() {
		if !pm.Has("times") {
			missing("times", "add `times:` with started, detected and resolved timestamps, e.g. `started: 2019-06-28T18:26:00+01:00`")
		}
		return
	}
	need := []string{"started", "detected"}
	if fm.Status != postmortem.StatusDraft {
		need = append(need, "resolved")
	}
	if fm.Times.Started.IsZero() && fm.Times.Detected.IsZero() && fm.Times.Resolved.IsZero() && len(fm.Times.Extra) == 0 && !pm.Invalid("times") {
		missing("times", "add started, detected and resolved timestamps under it, e.g. `started: 2019-06-28T18:26:00+01:00`")
		return
	}
	for _, k := range need {
		if fm.Times.Get(k).IsZero() {
			hint := "add it as an RFC 3339 timestamp with a zone, e.g. 2019-06-28T18:26:00+01:00"
			if k == "resolved" {
				hint += "; only drafts may leave it out"
			}
			missing("times."+k, hint)
		}
	}
}

func duplicateID(r *run, pm *postmortem.Postmortem) {
	others := r.c.ByID(pm.ID)
	if len(others) < 2 {
		return
	}
	var files []string
	for _, o := range others {
		if o != pm {
			files = append(files, o.File)
		}
	}
	pos := pm.Pos("id")
	r.at("duplicate-id", pm, pos, "id %q is also used by %s; ids must be unique, so rename one file or give it a different `id:`", pm.ID, strings.Join(files, ", "))
}

func timeOrder(r *run, pm *postmortem.Postmortem) {
	if !r.opts.Now.IsZero() {
		today := r.opts.Now.UTC().Format(postmortem.DateLayout)
		for i, rv := range pm.Revisits {
			if !rv.Date.IsZero() && rv.Date.String() > today {
				r.at("time-order", pm, pm.ValuePos(fmt.Sprintf("revisits[%d].date", i+1)), "revisit date %s is in the future (today is %s); record a revisit once it has happened", rv.Date, today)
			}
		}
	}
	t := pm.Times
	var prev string
	for _, k := range postmortem.TimeKeys {
		cur := t.Get(k)
		if cur.IsZero() {
			continue
		}
		if prev != "" && cur.Before(t.Get(prev)) {
			r.at("time-order", pm, pm.ValuePos("times."+k), "times.%s (%s) is before times.%s (%s); times must run started ≤ detected ≤ mitigated ≤ resolved, so correct one of them",
				k, stamp(cur), prev, stamp(t.Get(prev)))
		}
		prev = k
	}
	if !t.Started.IsZero() {
		for _, m := range t.Extra {
			if m.Time.Before(t.Started) {
				r.at("time-order", pm, pm.ValuePos("times."+m.Name), "times.%s (%s) is before times.started (%s); a milestone cannot precede the start of the incident", m.Name, stamp(m.Time), stamp(t.Started))
			}
		}
		if !pm.Date.IsZero() && pm.Date.Format(postmortem.DateLayout) != t.Started.Format(postmortem.DateLayout) {
			r.at("time-order", pm, pm.ValuePos("date"), "date %s is not the day of times.started (%s); set date to %s, the day the incident began", pm.Date, stamp(t.Started), t.Started.Format(postmortem.DateLayout))
		}
	}
}

func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }

func stamp(t time.Time) string { return t.Format("2006-01-02 15:04 Z07:00") }

func sectionNames(names []string) string {
	var parts []string
	for _, n := range names {
		parts = append(parts, "`## "+n+"`")
	}
	return strings.Join(parts, ", ")
}

func aliasesOf(name string) []string {
	for _, s := range postmortem.Sections {
		if s.Name == postmortem.CanonicalSection(name) {
			return s.Aliases
		}
	}
	return nil
}

func (r *run) sections(required bool) []string {
	if required {
		if _, set := r.cfg.Pos["sections.required"]; set {
			return r.cfg.Sections.Required
		}
		return postmortem.RequiredSections
	}
	if _, set := r.cfg.Pos["sections.recommended"]; set {
		return r.cfg.Sections.Recommended
	}
	return postmortem.RecommendedSections
}

func requiredSections(r *run, pm *postmortem.Postmortem) {
	for _, name := range r.sections(true) {
		s, ok := pm.Section(name)
		switch {
		case !ok:
			also := ""
			if a := aliasesOf(name); len(a) > 0 {
				also = " (or " + sectionNames(a) + ")"
			}
			r.emit("required-section", pm, bodyStart(pm), 1, "missing required section `## %s`%s; add it with what the reader needs to know", name, also)
		case s.Empty:
			r.emit("required-section", pm, s.Line, s.Col, "section `## %s` is empty; write its content or, if it truly does not apply, say why", s.Heading)
		}
	}
}

// bodyStart is the first non-blank line of the body, where a missing
// section is reported; the line after the front matter when it is empty.
func bodyStart(pm *postmortem.Postmortem) int {
	line := pm.BodyLine
	for _, l := range strings.Split(string(pm.Body), "\n") {
		if strings.TrimSpace(l) != "" {
			return line
		}
		line++
	}
	return pm.BodyLine
}

func recommendedSections(r *run, pm *postmortem.Postmortem) {
	for _, name := range r.sections(false) {
		if _, ok := pm.Section(name); !ok {
			r.emit("recommended-section", pm, bodyStart(pm), 1, "no `## %s` section; it is recommended, add it unless it does not apply", name)
		}
	}
}

func timelineOrder(r *run, pm *postmortem.Postmortem) {
	for _, it := range pm.UntimedItems {
		r.emit("timeline-order", pm, it.Line, it.Col, "timeline entry does not start with a time; begin it with `HH:MM — ` (or `YYYY-MM-DD HH:MM — ` for another day)")
	}
	for i := 1; i < len(pm.Timeline); i++ {
		prev, cur := pm.Timeline[i-1], pm.Timeline[i]
		if cur.Time.Before(prev.Time) {
			hint := "reorder the entries"
			if !cur.Dated {
				hint += ", or write the date for an entry on a later day (`YYYY-MM-DD HH:MM — ...`)"
			}
			r.emit("timeline-order", pm, cur.Line, cur.Col, "timeline goes back in time: %s comes after %s (line %d); %s", stamp(cur.Time), stamp(prev.Time), prev.Line, hint)
		}
	}
}

func actionItems(r *run, pm *postmortem.Postmortem) {
	for i, a := range pm.ActionItems {
		path := fmt.Sprintf("action_items[%d]", i+1)
		var missing []string
		if strings.TrimSpace(a.Title) == "" && !pm.Invalid(path+".title") {
			missing = append(missing, "`title:`")
		}
		if strings.TrimSpace(a.Owner) == "" && !pm.Invalid(path+".owner") {
			missing = append(missing, "`owner:`")
		}
		if a.Due.IsZero() && !pm.Invalid(path+".due") {
			missing = append(missing, "`due:` (YYYY-MM-DD)")
		}
		if len(missing) > 0 {
			r.at("action-item", pm, pm.Pos(path), "action item %d (%s#%d) has no %s; every action item needs a title, one owner and a due date", i+1, pm.ID, i+1, strings.Join(missing, ", "))
		}
	}
}

// overdueItems is pure: an item's due date is a day, so whether it is
// overdue, and by how many days, changes only with the day, which the memo
// is kept for.
func overdueItems(r *run, pm *postmortem.Postmortem) {
	for i, a := range pm.ActionItems {
		if a.Overdue(r.opts.Now) {
			days := int(r.opts.Now.Sub(a.Due.Time).Hours() / 24)
			r.at("action-item-overdue", pm, pm.ValuePos(fmt.Sprintf("action_items[%d].due", i+1)), "action item %s#%d %q is %s and was due %s (%s ago); finish it, move the due date, or mark it wont-do", pm.ID, i+1, a.Title, a.Status, a.Due, plural(days, "day"))
		}
	}
}

func relatedMissing(r *run, pm *postmortem.Postmortem) {
	// The position is looked up for a finding alone: every postmortem's
	// every related id is checked on each of serve's rebuilds.
	pos := func(i int) yamlnode.Pos { return pm.ValuePos("related[" + strconv.Itoa(i+1) + "]") }
	for i, id := range pm.Related {
		switch {
		case id == pm.ID:
			r.at("related-missing", pm, pos(i), "related lists this postmortem's own id %q; remove it", id)
		case len(r.c.ByID(id)) == 0:
			r.at("related-missing", pm, pos(i), "related names %q, but no postmortem has that id%s", id, suggestID(id, r.c.IDs(), "use the id of an existing postmortem (its file name without .md)"))
		}
	}
}

// suggestID returns a did-you-mean for a mistyped id, or the fallback advice.
func suggestID(id string, ids []string, fallback string) string {
	if best := yamlnode.Closest(id, ids); best != "" {
		return fmt.Sprintf("; did you mean %q?", best)
	}
	return "; " + fallback
}

var unsafeSchemes = []string{"javascript", "vbscript", "data", "file"}

func brokenLinks(r *run, pm *postmortem.Postmortem) {
	for _, l := range pm.Outline.Links {
		dest := strings.TrimSpace(l.Dest)
		u, err := url.Parse(dest)
		if err != nil {
			r.emit("broken-link", pm, l.Line, l.Col, "link %q is not a valid URL; fix or remove it", dest)
			continue
		}
		if scheme := strings.ToLower(u.Scheme); slices.Contains(unsafeSchemes, scheme) && !(l.Image && scheme == "data" && strings.HasPrefix(strings.ToLower(u.Opaque), "image/")) {
			r.emit("broken-link", pm, l.Line, l.Col, "%s: links are unsafe and are not published; link to an http or https page instead", scheme)
			continue
		}
		if u.Scheme != "" || u.Host != "" || u.Path == "" || strings.HasPrefix(u.Path, "/") {
			continue // external, a fragment, or site-absolute
		}
		target := path.Clean(path.Join(path.Dir(pm.Rel), u.Path))
		if target == ".." || strings.HasPrefix(target, "../") || path.IsAbs(target) {
			r.emit("broken-link", pm, l.Line, l.Col, "link %q points outside the repository; link to a page by URL instead", dest)
			continue
		}
		content := filepath.ToSlash(r.cfg.Content)
		inContent := target == content || strings.HasPrefix(target, content+"/")
		if other := r.c.ByRel(target); other != nil && !l.Image {
			continue // a page: linksToLeftOut judges it
		}
		_, err = r.c.Attachments().Attachment(target)
		switch {
		case err == nil, errors.Is(err, corpus.ErrNotAttachment):
		case !errors.Is(err, fs.ErrNotExist) && !(inContent && strings.HasSuffix(target, ".md")):
			r.emit("broken-link", pm, l.Line, l.Col, "link to file %q: %v", dest, err)
		default:
			what := "file"
			if strings.HasSuffix(target, ".md") && inContent {
				what = "postmortem"
			}
			hint := "; fix the path (it is relative to this file) or remove the link"
			if what == "postmortem" {
				hint = suggestID(strings.TrimSuffix(path.Base(target), ".md"), r.c.IDs(), "link to an existing postmortem's file name")
			}
			r.emit("broken-link", pm, l.Line, l.Col, "link to %s %q: no such %s%s", what, dest, what, hint)
		}
	}
}

// linksToLeftOut warns about links to postmortems whose page some builds
// leave out: a draft's, in every build without --drafts; an internal
// one's, in a public build, when the linking one is public. The link is
// shown as plain text there; its file is never published. The message
// does not name the target: the site shows warnings on the linking page,
// where a left-out postmortem's name must not appear.
func linksToLeftOut(r *run, pm *postmortem.Postmortem) {
	for _, l := range pm.Outline.Links {
		u, err := url.Parse(strings.TrimSpace(l.Dest))
		if l.Image || err != nil || u.Scheme != "" || u.Host != "" || u.Path == "" || strings.HasPrefix(u.Path, "/") {
			continue
		}
		other := r.c.ByRel(path.Clean(path.Join(path.Dir(pm.Rel), u.Path)))
		switch {
		case other == nil:
		case other.Status == postmortem.StatusDraft && pm.Status != postmortem.StatusDraft:
			r.emit("link-not-published", pm, l.Line, l.Col, "this link goes to a draft: builds without --drafts show it as plain text; link once it is published, or keep it in mind")
		case pm.Visibility == postmortem.Public && other.Visibility != postmortem.Public:
			r.emit("link-not-published", pm, l.Line, l.Col, "this link goes to a postmortem that is %s: the public build shows it as plain text; make that postmortem public or describe it in words", cmp.Or(string(other.Visibility), "internal"))
		}
	}
}

// itemPolicy holds open action items to the config's longest time from
// the incident's resolution to the due date, by priority.
func itemPolicy(r *run, pm *postmortem.Postmortem) {
	for i, a := range pm.ActionItems {
		limit, days, ok := pm.PolicyLimit(i+1, r.cfg.ActionItemPolicy)
		if !ok || a.Due.IsZero() || !pm.ItemState(i+1, time.Time{}).Open() || !a.Due.After(limit) {
			continue
		}
		from := limit.AddDate(0, 0, -days)
		given := int(a.Due.Sub(from).Hours() / 24)
		r.at("action-item-policy", pm, pm.ValuePos(fmt.Sprintf("action_items[%d].due", i+1)),
			"action item %s#%d (%s) is due %s, %s after the incident was resolved; the policy gives %s items %s (action_item_policy in hindsight.yaml): bring the date forward, or change the priority",
			pm.ID, i+1, a.Priority, a.Due, plural(given, "day"), a.Priority, plural(days, "day"))
	}
}

func revisitDue(r *run, pm *postmortem.Postmortem) {
	st, ok := pm.RevisitState(r.cfg.RevisitAfterDays, r.opts.Now)
	if !ok || !st.Overdue {
		return
	}
	pos := pm.ValuePos("times.resolved")
	since := "the incident was resolved"
	if st.Last != nil {
		pos = pm.ValuePos(fmt.Sprintf("revisits[%d].date", slices.Index(pm.Revisits, *st.Last)+1))
		since = "the last revisit"
	}
	ago := "today"
	if st.DaysOverdue > 0 {
		ago = plural(st.DaysOverdue, "day") + " ago"
	}
	r.at("revisit-due", pm, pos, "due for a revisit since %s (%s): %s postmortems are revisited %s after %s (revisit_after_days in hindsight.yaml); check that the countermeasures are in place and still work, then add an entry under `revisits:` with date, by and outcome",
		st.Due.Format(postmortem.DateLayout), ago, pm.Severity, plural(st.Every, "day"), since)
}

func publishDeadline(r *run, pm *postmortem.Postmortem) {
	if pm.Status == postmortem.StatusPublished || pm.Status == "" || pm.Times.Resolved.IsZero() {
		return // a missing or invalid status is reported by its own rule
	}
	deadline := pm.Times.Resolved.AddDate(0, 0, r.cfg.PublishDeadlineDays)
	if r.opts.Now.After(deadline) {
		days := int(r.opts.Now.Sub(pm.Times.Resolved).Hours() / 24)
		r.at("publish-deadline", pm, pm.ValuePos("status"), "still %s %s after the incident was resolved (the deadline is %s); finish the review and set `status: published`", pm.Status, plural(days, "day"), plural(r.cfg.PublishDeadlineDays, "day"))
	}
}
