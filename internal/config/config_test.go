package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseDefaults(t *testing.T) {
	c, err := Parse("hindsight.yaml", []byte("title: Ops\n"))
	if err != nil {
		t.Fatal(err)
	}
	if c.Title != "Ops" || c.Content != "postmortems" || c.PublishDeadlineDays != 7 || strings.Join(c.Severities, ",") != "SEV1,SEV2,SEV3,SEV4" {
		t.Errorf("defaults not filled: %+v", c)
	}
	c, err = Parse("hindsight.yaml", []byte("publish_deadline_days: 0\n"))
	if err != nil || c.PublishDeadlineDays != 0 {
		t.Errorf("an explicit 0 must stay 0: %v %v", c, err)
	}
	if c, err := Parse("hindsight.yaml", nil); err != nil || c.Title != "Postmortems" {
		t.Errorf("empty file: %v %v", c, err)
	}
}

func TestParseFull(t *testing.T) {
	src := `title: Ops
base_url: https://example.com/pm/
content: docs/postmortems
severities: [P1, P2]
severity_definitions:
  P1: Customers cannot pay.
sections:
  required: [Impact]
  recommended: []
rules:
  no-logs: off
  blameless-language: error
tickets:
  - pattern: 'OPS-[0-9]+'
    url: https://tracker.example.com/browse/{id}
repos:
  web:
    path: ../web
    web: https://git.example.com/web
custom_fields:
  customer_impact:
    description: Impact class
`
	c, err := Parse("hindsight.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if c.RuleLevel("no-logs", LevelWarning) != LevelOff || c.RuleLevel("other", LevelWarning) != LevelWarning {
		t.Errorf("rule levels: %v", c.Rules)
	}
	if !c.Tickets[0].Regexp.MatchString("OPS-12") || c.Tickets[0].Regexp.MatchString("XOPS-12") {
		t.Errorf("ticket pattern must match whole ids")
	}
	if c.Repos["web"].Path != "../web" || c.CustomFields["customer_impact"].Description != "Impact class" {
		t.Errorf("repos or custom fields: %+v", c)
	}
	if c.SeverityDefinitions["P1"] != "Customers cannot pay." {
		t.Errorf("severity definitions: %v", c.SeverityDefinitions)
	}
	if p := c.Pos["rules.no-logs"]; p.Line != 11 || p.Col != 3 {
		t.Errorf("position of rules.no-logs = %+v", p)
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct{ src, want string }{
		{"titel: x\n", `hindsight.yaml:1:1: unknown field "titel"; did you mean "title"?`},
		{"title: x\nrules:\n  no-logs: maybe\n", `hindsight.yaml:3:12: rules.no-logs: "maybe" is not a level`},
		{"content: ../elsewhere\n", "hindsight.yaml:1:10: content: \"../elsewhere\" leaves the repository"},
		{"tickets:\n  - pattern: '(['\n    url: x/{id}\n", "hindsight.yaml:2:14: tickets[1].pattern: not a valid regular expression"},
		{"tickets:\n  - pattern: 'A-1'\n    url: https://x\n", "url must contain {id}"},
		{"repos:\n  web: {}\n", "give exactly one of `path:`"},
		{"tickets:\n  - pattern: 'X-1'\n    url: javascript:alert('{id}')\n", "must be an http or https URL"},
		{"severities: [SEV1, SEV1]\n", "empty or repeated"},
		{"title: [\n", "hindsight.yaml:2:1:"},
		{"title: 'Ops\nbase_url: /pm/\n", "hindsight.yaml:1:8: this value's opening ' is never closed"},
		{"- a\n", "expected a map of settings"},
		{"publish_deadline_days: soon\n", "expected a whole number"},
		{"custom_fields:\n  Bad-Key: {}\n", "not a valid key"},
		{"severity_definitions:\n  SEV5: Worse.\n", `hindsight.yaml:2:3: severity_definitions: "SEV5" is not a configured severity`},
		{"severity_definitions:\n  SEV1: ' '\n", `hindsight.yaml:2:9: severity_definitions.SEV1 is empty`},
	}
	for _, tt := range tests {
		_, err := Parse("hindsight.yaml", []byte(tt.src))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%q: got %v, want %q", tt.src, err, tt.want)
		}
	}
}

func TestDiscover(t *testing.T) {
	root := t.TempDir()
	sub := filepath.Join(root, "postmortems", "2019")
	if err := os.MkdirAll(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	c, err := Discover(sub)
	if err != nil || c.Path != "" || c.Root != sub {
		t.Fatalf("no config, no git: root should be the folder itself: %+v %v", c, err)
	}
	if err := os.Mkdir(filepath.Join(root, ".git"), 0o755); err != nil {
		t.Fatal(err)
	}
	if c, _ = Discover(sub); c.Root != root {
		t.Errorf("git root not found: %s", c.Root)
	}
	if err := os.WriteFile(filepath.Join(root, FileName), []byte("title: Found\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if c, _ = Discover(sub); c.Title != "Found" || c.Root != root || c.ContentDir() != filepath.Join(root, "postmortems") {
		t.Errorf("config not found from a subfolder: %+v", c)
	}
	if _, err := Load(filepath.Join(root, "missing.yaml")); err == nil || !strings.Contains(err.Error(), "no such config file") {
		t.Errorf("missing --config file: %v", err)
	}
}
