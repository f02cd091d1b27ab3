package postmortem

import (
	"strings"
	"testing"
	"time"
)

const validFM = `---
title: Homepage returned 404 for 92 minutes
date: 2019-06-28
status: published
severity: SEV2
summary: A header change pointed the base href at localhost.
owner: sre@example.com
services: [web]
tags: [config-push]
times:
  started: 2019-06-28T18:26:00+01:00
  detected: 2019-06-28T18:26:00+01:00
  mitigated: 2019-06-28 19:15+01:00
  resolved: 2019-06-28T19:58:00+01:00
  first_user_report: 2019-06-28T18:26:00+01:00
action_items:
  - title: Alert on 404 rate
    owner: sre@example.com
    due: 2019-07-15
    priority: P1
  - title: Test header changes
    owner: web@example.com
    due: 2019-07-30
    status: done
---
## Impact
Most of the site.
`

func TestParseValid(t *testing.T) {
	pm, diags := Parse("postmortems/2019-06-28-homepage-404.md", []byte(validFM), Options{Severities: []string{"SEV1", "SEV2"}})
	if len(diags) != 0 {
		t.Fatalf("unexpected diagnostics: %v", diags)
	}
	if pm.ID != "2019-06-28-homepage-404" {
		t.Errorf("ID = %q", pm.ID)
	}
	if got := pm.Times.Mitigated.Format(time.RFC3339); got != "2019-06-28T19:15:00+01:00" {
		t.Errorf("mitigated = %s", got)
	}
	if d, _ := pm.TimeToResolve(); d != 92*time.Minute {
		t.Errorf("time to resolve = %v, want 92m", d)
	}
	if d, _ := pm.TimeToDetect(); d != 0 {
		t.Errorf("time to detect = %v, want 0", d)
	}
	if d, _ := pm.TimeToMitigate(); d != 49*time.Minute {
		t.Errorf("time to mitigate = %v, want 49m", d)
	}
	if len(pm.Times.Extra) != 1 || pm.Times.Extra[0].Name != "first_user_report" {
		t.Errorf("extra milestones = %v", pm.Times.Extra)
	}
	if a := pm.ActionItems[0]; a.Status != ItemOpen || a.Priority != "P1" {
		t.Errorf("item 1 = %+v, want open P1", a)
	}
	if a := pm.ActionItems[1]; a.Priority != "P2" || a.Status != ItemDone {
		t.Errorf("item 2 = %+v, want default P2, done", a)
	}
	if pm.Visibility != Internal {
		t.Errorf("visibility = %q, want internal by default", pm.Visibility)
	}
	if pm.BodyLine != 26 {
		t.Errorf("BodyLine = %d, want 26", pm.BodyLine)
	}
	if p := pm.Pos("action_items[2].owner"); p.Line != 22 || p.Col != 5 {
		t.Errorf("pos of action_items[2].owner = %+v, want 22:5", p)
	}
	if p := pm.Pos("times.resolved"); p.Line != 14 {
		t.Errorf("pos of times.resolved = %+v, want line 14", p)
	}
	if p := pm.Pos("facilitator"); p.Line != 1 || p.Col != 1 {
		t.Errorf("pos of a missing key = %+v, want 1:1", p)
	}
}

func TestParseProblems(t *testing.T) {
	tests := []struct {
		name      string
		file      string
		src       string
		rule      string
		line, col int
		msg       string
	}{
		{"empty", "a.md", "", RuleSyntax, 1, 1, "empty"},
		{"blank", "a.md", "\n\n  \n", RuleSyntax, 1, 1, "empty"},
		{"no front matter", "a.md", "# Title\n\ntext\n", RuleSyntax, 1, 1, "no front matter"},
		{"unterminated", "a.md", "\n---\ntitle: x\n", RuleSyntax, 2, 1, "never closed"},
		{"invalid yaml", "a.md", "---\ntitle: x\nsummary: [a, b\nowner: y\n---\n", RuleSyntax, 3, 1, "invalid YAML"},
		{"unclosed quote", "a.md", "---\ntitle: \"Disk full\nseverity: SEV2\nowner: y\n---\n", RuleSyntax, 2, 8, "opening \" is never closed"},
		{"unclosed single quote", "a.md", "---\ntitle: It's full\nsummary: 'it''s the disk\nowner: y\n---\n", RuleSyntax, 3, 10, "opening ' is never closed"},
		{"bad mapping", "a.md", "\n---\ntitle: x\nsummary: a: b\n---\n", RuleSyntax, 4, 1, "mapping values"},
		{"duplicate key", "a.md", "---\ntitle: x\ntitle: y\n---\n", RuleSyntax, 3, 1, "first on line 2"},
		{"tab indent", "a.md", "---\ntimes:\n\tstarted: 2019-06-28T18:26:00Z\n---\n", RuleSyntax, 3, 1, "tab"},
		{"list for string", "a.md", "---\ntitle:\n  - a\n  - b\n---\n", RuleInvalidValue, 3, 3, "expected a string, found a list"},
		{"bad date", "a.md", "---\ndate: 28/06/2019\n---\n", RuleInvalidValue, 2, 7, "2019-06-28"},
		{"zoneless time", "a.md", "---\ntimes:\n  started: 2019-06-28 18:26\n---\n", RuleInvalidValue, 3, 12, "no time zone"},
		{"day for time", "a.md", "---\ntimes:\n  started: 2019-06-28\n---\n", RuleInvalidValue, 3, 12, "a day, not a time"},
		{"unknown key", "a.md", "---\ntitel: x\n---\n", RuleUnknownField, 2, 1, `did you mean "title"`},
		{"unknown nested key", "a.md", "---\naction_items:\n  - title: x\n    assignee: y\n---\n", RuleUnknownField, 4, 5, "in an action item"},
		{"bad status", "a.md", "---\nstatus: publish\n---\n", RuleInvalidValue, 2, 9, `did you mean "published"`},
		{"bad severity", "a.md", "---\nseverity: SEV5\n---\n", RuleInvalidValue, 2, 11, "not a configured level"},
		{"bad id", "a.md", "---\nid: Not_Valid\n---\n", RuleInvalidValue, 2, 5, "lower-case"},
		{"bad file name", "Homepage Down.md", "---\ntitle: x\n---\n", RuleInvalidValue, 1, 1, "homepage-down.md"},
		{"bad tag", "a.md", "---\ntags: [Config Push]\n---\n", RuleInvalidValue, 2, 8, "config-push"},
		{"short sha", "a.md", "---\ncommits:\n  - sha: abc12\n    role: fix\n---\n", RuleInvalidValue, 3, 10, "at least 7"},
		{"bad role", "a.md", "---\ncommits:\n  - sha: abc1234\n    role: cause\n---\n", RuleInvalidValue, 4, 11, "trigger"},
		{"scalar for list", "a.md", "---\nservices: web\n---\n", RuleInvalidValue, 2, 11, "list of strings"},
		{"map root", "a.md", "---\n- a\n- b\n---\n", RuleSyntax, 2, 1, "map of keys"},
		{"binary", "a.md", "---\x00\x01", RuleSyntax, 1, 4, "binary"},
		{"latin-1", "a.md", "---\ntitle: caf\xe9\n---\n", RuleSyntax, 2, 11, "UTF-8"},
		{"bad toml", "a.md", "+++\ntitle = \n+++\n", RuleSyntax, 1, 1, "TOML"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, diags := Parse(tt.file, []byte(tt.src), Options{Severities: []string{"SEV1", "SEV2"}})
			for _, d := range diags {
				if d.Rule == tt.rule && d.Line == tt.line && d.Col == tt.col && strings.Contains(d.Message, tt.msg) {
					return
				}
			}
			t.Errorf("want %s at %d:%d containing %q; got %+v", tt.rule, tt.line, tt.col, tt.msg, diags)
		})
	}
}

func TestParseOtherFrontMatter(t *testing.T) {
	src := "+++\ntitle = \"From TOML\"\nseverity = \"SEV1\"\n+++\n## Impact\n"
	pm, diags := Parse("a.md", []byte(src), Options{})
	if len(diags) != 0 || pm == nil || pm.Title != "From TOML" || pm.Severity != "SEV1" {
		t.Fatalf("TOML front matter: pm=%+v diags=%v", pm, diags)
	}
	if pm.BodyLine != 5 {
		t.Errorf("BodyLine = %d, want 5", pm.BodyLine)
	}
}

func TestParseCustomFields(t *testing.T) {
	src := "---\ntitle: x\ncustomer_impact: high\n---\n"
	pm, diags := Parse("a.md", []byte(src), Options{Custom: func(k string) bool { return k == "customer_impact" }})
	if len(diags) != 0 || pm.Custom["customer_impact"] != "high" {
		t.Fatalf("custom field: %v %v", pm.Custom, diags)
	}
}

func TestParseTimelineEntry(t *testing.T) {
	loc := time.FixedZone("WAT", 3600)
	base := time.Date(2019, 6, 28, 0, 0, 0, 0, loc)
	tests := []struct {
		text  string
		want  string
		event string
		dated bool
	}{
		{"18:26 — Outage begins", "2019-06-28T18:26:00+01:00", "Outage begins", false},
		{"18:26 WAT - Outage begins", "2019-06-28T18:26:00+01:00", "Outage begins", false},
		{"**18:26** – a customer calls", "2019-06-28T18:26:00+01:00", "a customer calls", false},
		{"6:26 PM: a customer calls", "2019-06-28T18:26:00+01:00", "a customer calls", false},
		{"12:05 AM — just after midnight", "2019-06-28T00:05:00+01:00", "just after midnight", false},
		{"2019-06-29 01:10 — next day", "2019-06-29T01:10:00+01:00", "next day", true},
		{"2019-06-29T01:10:00Z — in UTC", "2019-06-29T01:10:00Z", "in UTC", true},
		{"18:26:30 UTC — seconds", "2019-06-28T18:26:30Z", "seconds", false},
		{"18:26 +02:00 — offset", "2019-06-28T18:26:00+02:00", "offset", false},
	}
	for _, tt := range tests {
		e, ok := ParseTimelineEntry(tt.text, base)
		if !ok {
			t.Errorf("%q: did not parse", tt.text)
			continue
		}
		if got := e.Time.Format(time.RFC3339); got != tt.want || e.Event != tt.event || e.Dated != tt.dated {
			t.Errorf("%q: got %s %q dated=%v, want %s %q dated=%v", tt.text, got, e.Event, e.Dated, tt.want, tt.event, tt.dated)
		}
	}
	for _, bad := range []string{"Outage begins", "25:00 — no such hour", "18:61 — no such minute", "13:00 PM — bad clock", "18:26 no separator", "2019-06-28 — a date only"} {
		if _, ok := ParseTimelineEntry(bad, base); ok {
			t.Errorf("%q parsed, want no match", bad)
		}
	}
}

func TestResolveTimelineCarriesDay(t *testing.T) {
	pm, _ := Parse("a.md", []byte(validFM), Options{})
	pm.Outline.TimelineItems = []Item{
		{Text: "23:50 — late", Line: 30},
		{Text: "2019-06-29 00:10 — next day", Line: 31},
		{Text: "00:20 — still the next day", Line: 32},
		{Text: "not a time", Line: 33},
	}
	bad := pm.ResolveTimeline()
	if len(bad) != 1 || bad[0].Line != 33 {
		t.Fatalf("untimed = %v", bad)
	}
	if got := pm.Timeline[2].Time.Format(time.RFC3339); got != "2019-06-29T00:20:00+01:00" {
		t.Errorf("undated entry after a dated one = %s, want the later day", got)
	}
}

func TestCanonicalSection(t *testing.T) {
	for in, want := range map[string]string{
		"Root Causes":        "Root cause",
		"  what happened: ":  "Timeline",
		"3. Resolution":      "Resolution",
		"Countermeasures":    "Action items",
		"Where we got lucky": "Lessons learned",
		"Appendix":           "",
	} {
		if got := CanonicalSection(in); got != want {
			t.Errorf("CanonicalSection(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestOverdue(t *testing.T) {
	today := time.Date(2026, 1, 15, 12, 0, 0, 0, time.UTC)
	due := func(s string) Date { d, _ := ParseDate(s); return d }
	tests := []struct {
		item ActionItem
		want bool
	}{
		{ActionItem{Due: due("2026-01-14"), Status: ItemOpen}, true},
		{ActionItem{Due: due("2026-01-15"), Status: ItemOpen}, false},
		{ActionItem{Due: due("2025-01-01"), Status: ItemInProgress}, true},
		{ActionItem{Due: due("2025-01-01"), Status: ItemDone}, false},
		{ActionItem{Due: due("2025-01-01"), Status: ItemWontDo}, false},
	}
	for _, tt := range tests {
		if got := tt.item.Overdue(today); got != tt.want {
			t.Errorf("%+v overdue = %v, want %v", tt.item, got, tt.want)
		}
	}
}

func TestParseEmptyFrontMatter(t *testing.T) {
	pm, diags := Parse("a.md", []byte("---\n---\n## Impact\n"), Options{})
	if pm == nil || len(diags) != 0 || pm.BodyLine != 3 {
		t.Fatalf("empty front matter must parse (the checker reports the missing keys): pm=%v diags=%v", pm, diags)
	}
}

// TestPositionsAfterOddLineBreaks: YAML also breaks lines at a lone CR,
// NEL and the Unicode line and paragraph separators; findings still point
// at the file's lines, which only LF ends.
func TestPositionsAfterOddLineBreaks(t *testing.T) {
	for _, tt := range []struct {
		name, src string
		line, col int
	}{
		{"lone CR", "---\ntitle: x\rseverty: SEV2\n---\n", 2, 10},
		{"line separator in a string", "---\nsummary: \"a\u2028b\"\nseverty: SEV2\n---\n", 3, 1},
		{"NEL in a comment", "---\n# a\u0085b\nseverty: SEV2\n---\n", 3, 1},
		{"syntax error after a lone CR", "---\ntitle: x\r\r\r\rdate: [\n---\n", 3, 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, diags := Parse("2024-01-01-x.md", []byte(tt.src), Options{Severities: []string{"SEV2"}})
			lines := strings.Count(tt.src, "\n") + 1
			found := false
			for _, d := range diags {
				if d.Line < 1 || d.Line > lines {
					t.Errorf("finding outside the file's %d lines: %+v", lines, d)
				}
				if d.Rule == RuleUnknownField || d.Rule == RuleSyntax {
					found = true
					if d.Line != tt.line || d.Col != tt.col {
						t.Errorf("%s at %d:%d, want %d:%d", d.Rule, d.Line, d.Col, tt.line, tt.col)
					}
				}
			}
			if !found {
				t.Errorf("no finding in %v", diags)
			}
		})
	}
}

// Slug makes ids the check accepts: `hindsight new "a_b"` once wrote a file
// whose name its own check rejected.
func TestSlugIsAnID(t *testing.T) {
	for _, in := range []string{"a_b", "DB failover", "__x__", "a - b", "Ünïcode ça va", "x--y", "a_-_b", "C++ & Go"} {
		if got := Slug(in); !IDPattern.MatchString(got) {
			t.Errorf("Slug(%q) = %q, which is not a valid id", in, got)
		}
	}
}

// TestParseBodyIsPartOfSource: a parsed postmortem's body is the tail of
// its source, not a copy (the front matter parser's copy of the whole
// file would otherwise stay in memory as long as the postmortem does).
func TestParseBodyIsPartOfSource(t *testing.T) {
	for name, src := range map[string]string{
		"YAML":      validFM,
		"YAML CRLF": strings.ReplaceAll(validFM, "\n", "\r\n"),
		"BOM":       "\uFEFF" + validFM,
		"TOML":      "+++\ntitle = \"From TOML\"\n+++\n## Impact\nAll of it.\n",
		"JSON":      ";;;\n{\"title\": \"From JSON\"}\n;;;\n## Impact\nAll of it.\n",
	} {
		pm, _ := Parse("a.md", []byte(src), Options{})
		if pm == nil || len(pm.Body) == 0 {
			t.Fatalf("%s: no body: %+v", name, pm)
		}
		if !strings.HasSuffix(string(pm.Source), string(pm.Body)) {
			t.Fatalf("%s: body %q is not the end of the source", name, pm.Body)
		}
		if &pm.Source[len(pm.Source)-len(pm.Body)] != &pm.Body[0] {
			t.Errorf("%s: the body is a copy, not a part of the source", name)
		}
	}
}
