// Package config reads hindsight.yaml: one typed struct, defaults, and
// validation with the line and column of every problem.
package config

import (
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/hindsight-dev/hindsight/internal/postmortem"
	"github.com/hindsight-dev/hindsight/internal/yamlnode"
)

// FileName is the name of the config file looked for at the repo root.
const FileName = "hindsight.yaml"

// Level is how a rule's findings count.
type Level string

// Levels a rule can be set to.
const (
	LevelError   Level = "error"
	LevelWarning Level = "warning"
	LevelOff     Level = "off"
)

// DecodeNode implements yamlnode.NodeDecoder.
func (l *Level) DecodeNode(n *yaml.Node, path string, _ yamlnode.Recorder) error {
	switch Level(n.Value) {
	case LevelError, LevelWarning, LevelOff:
		*l = Level(n.Value)
		return nil
	}
	return fmt.Errorf("%s: %s is not a level%s", path, yamlnode.Describe(n), yamlnode.Hint(n.Value, []string{"error", "warning", "off"}))
}

// Config is the whole of hindsight.yaml, with defaults filled in.
type Config struct {
	// Title of the site.
	Title string `yaml:"title"`
	// BaseURL the site is published under, e.g. https://example.com/postmortems/.
	BaseURL string `yaml:"base_url"`
	// Content is the folder holding the postmortems, relative to the root.
	Content string `yaml:"content"`
	// Severities, worst first.
	Severities []string `yaml:"severities"`
	// SeverityDefinitions says, by severity, what makes an incident that
	// severe; the site shows it on the severity's page.
	SeverityDefinitions map[string]string `yaml:"severity_definitions"`
	// Sections overrides which H2 sections are required and recommended.
	Sections Sections `yaml:"sections"`
	// PublishDeadlineDays is how long after `resolved` a postmortem may stay
	// unpublished before the publish-deadline rule warns.
	PublishDeadlineDays int `yaml:"publish_deadline_days"`
	// Rules sets a level per rule id.
	Rules map[string]Level `yaml:"rules"`
	// Tickets turns ticket ids into links.
	Tickets []TicketPattern `yaml:"tickets"`
	// Repos are the named git repositories commit refs may point into.
	Repos map[string]Repo `yaml:"repos"`
	// CustomFields are extra front-matter keys this team uses.
	CustomFields map[string]CustomField `yaml:"custom_fields"`
	// ActionItemPolicy is the longest time, in days by priority (P0 to
	// P3), an action item may be given from `times.resolved` to its due
	// date; the action-item-policy rule holds items to it.
	ActionItemPolicy map[string]int `yaml:"action_item_policy"`
	// RevisitAfterDays is, by severity, how many days after `resolved`
	// (or after the last revisit) a published postmortem is due to be
	// revisited; a severity not named is never due. Empty: off.
	RevisitAfterDays map[string]int `yaml:"revisit_after_days"`

	// Path is the file this came from; empty when there is none.
	Path string `yaml:"-"`
	// Root is the repository root: the config file's folder, else the
	// enclosing git work tree, else the working directory.
	Root string `yaml:"-"`
	// Pos holds the position of every key in the file, by path.
	Pos map[string]yamlnode.Pos `yaml:"-"`
}

// Sections lists section names, canonical or custom.
type Sections struct {
	Required    []string `yaml:"required"`
	Recommended []string `yaml:"recommended"`
}

// TicketPattern links ticket ids that match Pattern to URL, where {id}
// stands for the matched id.
type TicketPattern struct {
	Pattern string `yaml:"pattern"`
	URL     string `yaml:"url"`

	Regexp *regexp.Regexp `yaml:"-"`
}

// Repo is a git repository that holds commits postmortems refer to.
type Repo struct {
	// Path of a local clone, relative to the root or absolute.
	Path string `yaml:"path"`
	// URL to clone from when there is no local path.
	URL string `yaml:"url"`
	// Web is the base URL of the repository's web UI, when it cannot be
	// derived from the remote.
	Web string `yaml:"web"`
}

// CustomField declares a front-matter key beyond the format's own.
type CustomField struct {
	Description string `yaml:"description"`
}

// Defaults returns the configuration used when there is no file.
func Defaults() *Config {
	c := &Config{}
	c.fill(nil)
	return c
}

// DefaultSeverities are used when the config names none.
var DefaultSeverities = []string{"SEV1", "SEV2", "SEV3", "SEV4"}

func (c *Config) fill(set map[string]yamlnode.Pos) {
	if c.Title == "" {
		c.Title = "Postmortems"
	}
	if c.Content == "" {
		c.Content = "postmortems"
	}
	if len(c.Severities) == 0 {
		c.Severities = DefaultSeverities
	}
	if _, ok := set["publish_deadline_days"]; !ok {
		c.PublishDeadlineDays = 7
	}
	if c.Pos == nil {
		c.Pos = map[string]yamlnode.Pos{}
	}
}

// Error is a problem in the config file, with its position.
type Error struct {
	File string
	yamlnode.Pos
	Msg string
}

func (e *Error) Error() string {
	if e.Line == 0 {
		return fmt.Sprintf("%s: %s", e.File, e.Msg)
	}
	return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Col, e.Msg)
}

// ErrorList is every problem found in one config file.
type ErrorList []*Error

func (l ErrorList) Error() string {
	msgs := make([]string, len(l))
	for i, e := range l {
		msgs[i] = e.Error()
	}
	return strings.Join(msgs, "\n")
}

// Find looks for hindsight.yaml in dir and its parents and returns its
// path, or "" when there is none.
func Find(dir string) string {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return ""
	}
	for {
		p := filepath.Join(dir, FileName)
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() {
			return p
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

// Discover finds and loads the config for a working directory, or returns
// the defaults rooted at the enclosing git work tree (or dir itself).
func Discover(dir string) (*Config, error) {
	if p := Find(dir); p != "" {
		return Load(p)
	}
	c := Defaults()
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	c.Root = gitTop(abs)
	return c, nil
}

// gitTop returns the nearest folder at or above dir holding .git, or dir.
func gitTop(dir string) string {
	for d := dir; ; {
		if _, err := os.Stat(filepath.Join(d, ".git")); err == nil {
			return d
		}
		parent := filepath.Dir(d)
		if parent == d {
			return dir
		}
		d = parent
	}
}

// Load reads and validates one config file.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%s: no such config file; create it or leave out --config", path)
	}
	if err != nil {
		return nil, fmt.Errorf("reading config: %w", err)
	}
	c, err := Parse(path, data)
	if err != nil {
		return nil, err
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	c.Root = filepath.Dir(abs)
	return c, nil
}

var customKey = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

// Parse decodes and validates config bytes; name is used in messages.
func Parse(name string, data []byte) (*Config, error) {
	c := &Config{Path: name}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		if line, col, msg, ok := yamlnode.QuoteError(err, data); ok {
			return nil, ErrorList{{File: name, Pos: yamlnode.Pos{Line: line, Col: col}, Msg: msg}}
		}
		line, msg := yamlnode.SyntaxError(err)
		return nil, ErrorList{{File: name, Pos: yamlnode.Pos{Line: line, Col: 1}, Msg: msg + "; fix the YAML syntax"}}
	}
	var errs ErrorList
	if len(doc.Content) > 0 && doc.Content[0].Kind != yaml.MappingNode && doc.Content[0].Kind != 0 && !yamlnode.IsNull(doc.Content[0]) {
		n := doc.Content[0]
		return nil, ErrorList{{File: name, Pos: yamlnode.PosOf(n), Msg: "expected a map of settings such as `title: Postmortems`, found " + yamlnode.Describe(n)}}
	}
	res := yamlnode.Decode(&doc, c, yamlnode.Options{})
	for _, e := range res.Errors {
		errs = append(errs, &Error{File: name, Pos: e.Pos, Msg: e.Msg})
	}
	c.Pos = res.Pos
	c.fill(res.Pos)
	errs = append(errs, c.validate(name, res)...)
	if len(errs) > 0 {
		return nil, errs
	}
	return c, nil
}

func (c *Config) validate(name string, res *yamlnode.Result) ErrorList {
	var errs ErrorList
	at := func(path, format string, args ...any) {
		p := res.Values[path]
		if p.Line == 0 {
			p = res.Pos[path]
		}
		errs = append(errs, &Error{File: name, Pos: p, Msg: fmt.Sprintf(format, args...)})
	}
	if filepath.IsAbs(c.Content) || strings.HasPrefix(filepath.Clean(c.Content), "..") {
		at("content", "content: %q leaves the repository; give a folder inside it, such as postmortems", c.Content)
	}
	seen := map[string]bool{}
	for i, s := range c.Severities {
		if strings.TrimSpace(s) == "" || seen[s] {
			at(fmt.Sprintf("severities[%d]", i+1), "severities: %q is empty or repeated; list each level once, worst first", s)
		}
		seen[s] = true
	}
	if _, _, err := SplitBaseURL(c.BaseURL); err != nil {
		at("base_url", "base_url: %v", err)
	}
	if c.PublishDeadlineDays < 0 {
		at("publish_deadline_days", "publish_deadline_days must be 0 or more days")
	}
	for i := range c.Tickets {
		t := &c.Tickets[i]
		path := fmt.Sprintf("tickets[%d]", i+1)
		re, err := regexp.Compile(`^(?:` + t.Pattern + `)$`)
		switch {
		case t.Pattern == "":
			at(path, "%s: missing pattern; add a regular expression such as `pattern: 'OPS-[0-9]+'`", path)
		case err != nil:
			at(path+".pattern", "%s.pattern: not a valid regular expression: %v", path, err)
		default:
			t.Regexp = re
		}
		if !strings.Contains(t.URL, "{id}") {
			at(path, "%s: url must contain {id}, as in `url: https://tracker.example.com/browse/{id}`", path)
		}
		if lower := strings.ToLower(t.URL); !strings.HasPrefix(lower, "https://") && !strings.HasPrefix(lower, "http://") {
			at(path+".url", "%s.url must be an http or https URL, as in `url: https://tracker.example.com/browse/{id}`", path)
		}
	}
	for _, name := range sortedKeys(c.Repos) {
		r := c.Repos[name]
		path := "repos." + name
		if (r.Path == "") == (r.URL == "") {
			at(path, "%s: give exactly one of `path:` (a local clone) or `url:` (a remote to clone)", path)
		}
		if r.URL != "" && !remoteURLAllowed(r.URL) {
			at(path+".url", "%s.url %q is not a git URL hindsight clones: use https://, http://, ssh://, git://, file://, user@host:path or a path (never an option such as --upload-pack, nor ext::)", path, r.URL)
		}
	}
	for _, prio := range sortedKeys(c.ActionItemPolicy) {
		path := "action_item_policy." + prio
		switch {
		case !slices.Contains(postmortem.Priorities, prio):
			errs = append(errs, &Error{File: name, Pos: res.Pos[path], Msg: fmt.Sprintf("action_item_policy: %q is not a priority; use %s", prio, strings.Join(postmortem.Priorities, ", "))})
		case c.ActionItemPolicy[prio] < 0:
			at(path, "%s must be 0 or more days", path)
		}
	}
	for _, sev := range sortedKeys(c.RevisitAfterDays) {
		path := "revisit_after_days." + sev
		switch {
		case !slices.Contains(c.Severities, sev):
			errs = append(errs, &Error{File: name, Pos: res.Pos[path], Msg: fmt.Sprintf("revisit_after_days: %q is not a configured severity%s", sev, yamlnode.Hint(sev, c.Severities))})
		case c.RevisitAfterDays[sev] < 1:
			at(path, "%s must be 1 or more days; leave the severity out to never revisit it", path)
		}
	}
	for _, sev := range sortedKeys(c.SeverityDefinitions) {
		path := "severity_definitions." + sev
		switch {
		case !slices.Contains(c.Severities, sev):
			errs = append(errs, &Error{File: name, Pos: res.Pos[path], Msg: fmt.Sprintf("severity_definitions: %q is not a configured severity%s", sev, yamlnode.Hint(sev, c.Severities))})
		case strings.TrimSpace(c.SeverityDefinitions[sev]) == "":
			at(path, "%s is empty; say what makes an incident %s, or leave the severity out", path, sev)
		}
	}
	for _, key := range sortedKeys(c.CustomFields) {
		if !customKey.MatchString(key) {
			// The key itself is wrong, so point at it rather than its value.
			errs = append(errs, &Error{File: name, Pos: res.Pos["custom_fields."+key], Msg: fmt.Sprintf("custom_fields: %q is not a valid key; use lower-case letters, digits and _", key)})
		}
	}
	return errs
}

func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }

// remoteURLAllowed reports whether a repos url: is one of the plain forms
// of a git remote. An option in disguise (-u, --upload-pack=...) or a
// transport that runs a command (ext::) is refused before anything sees it.
func remoteURLAllowed(u string) bool {
	if u == "" || strings.HasPrefix(u, "-") || strings.ContainsAny(u, "\x00\n\r") {
		return false
	}
	if scheme, _, ok := strings.Cut(u, "://"); ok {
		return slices.Contains([]string{"https", "http", "ssh", "git", "file"}, strings.ToLower(scheme))
	}
	return !strings.Contains(u, "::")
}

// ContentDir is the absolute path of the content folder.
func (c *Config) ContentDir() string { return filepath.Join(c.Root, c.Content) }

// RuleLevel returns the configured level of a rule, or def.
func (c *Config) RuleLevel(rule string, def Level) Level {
	if l, ok := c.Rules[rule]; ok {
		return l
	}
	return def
}
