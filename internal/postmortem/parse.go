package postmortem

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"path"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/BurntSushi/toml"
	"github.com/adrg/frontmatter"
	"go.yaml.in/yaml/v3"

	"github.com/hindsight-dev/hindsight/internal/yamlnode"
)

// Rule ids of the findings Parse makes; the check package owns the rest.
const (
	RuleSyntax       = "syntax"
	RuleUnknownField = "unknown-field"
	RuleInvalidValue = "invalid-value"
)

// Options carry what parsing needs from the configuration.
type Options struct {
	// Severities are the allowed severity levels; empty allows any.
	Severities []string
	// Custom reports whether a top-level key is a declared custom field.
	Custom func(key string) bool
}

// IDPattern is what an id must look like.
var IDPattern = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

var (
	tagPattern = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
	shaPattern = regexp.MustCompile(`^[0-9a-fA-F]{7,40}$`)
)

// Parse reads one postmortem file. It never fails outright: the returned
// Postmortem holds what could be read, and the diagnostics say what could
// not. A nil Postmortem means the file has no usable front matter at all.
func Parse(file string, data []byte, opts Options) (*Postmortem, []Diagnostic) {
	p := &Parsing{file: file}
	pm := p.parse(data, opts)
	return pm, p.diags
}

// Parsing collects the findings of one Parse.
type Parsing struct {
	file  string
	diags []Diagnostic
}

func (p *Parsing) add(rule string, line, col int, format string, args ...any) {
	p.diags = append(p.diags, Diagnostic{File: p.file, Line: line, Col: col, Rule: rule, Message: fmt.Sprintf(format, args...)})
}

var bom = []byte("\xef\xbb\xbf")

func (p *Parsing) parse(data []byte, opts Options) *Postmortem {
	if bytes.HasPrefix(data, []byte("\xff\xfe")) || bytes.HasPrefix(data, []byte("\xfe\xff")) {
		p.add(RuleSyntax, 1, 1, "the file is UTF-16; save it as UTF-8")
		return nil
	}
	if i := bytes.IndexByte(data, 0); i >= 0 {
		line, col := position(data, i)
		p.add(RuleSyntax, line, col, "this is a binary file, not Markdown; postmortems are UTF-8 text")
		return nil
	}
	if !utf8.Valid(data) {
		i := invalidUTF8(data)
		line, col := position(data, i)
		p.add(RuleSyntax, line, col, "invalid UTF-8 (byte 0x%02x); save the file as UTF-8", data[i])
		return nil
	}
	data = bytes.TrimPrefix(data, bom)
	if len(bytes.TrimSpace(data)) == 0 {
		p.add(RuleSyntax, 1, 1, "the file is empty; start it with front matter between `---` lines (`hindsight new` writes a template)")
		return nil
	}

	open, delim := openingLine(data)
	format, ok := formats[delim]
	if !ok {
		p.add(RuleSyntax, open, 1, "no front matter; a postmortem starts with a `---` line, then YAML keys such as `title:`, then `---`")
		return nil
	}
	var doc yaml.Node
	rest, err := frontmatter.MustParse(bytes.NewReader(data), &doc, format(open, p))
	switch {
	case errors.Is(err, frontmatter.ErrNotFound):
		p.add(RuleSyntax, open, 1, "the front matter opened here is never closed; add a line `%s` after the last key", closing[delim])
		return nil
	case errors.Is(err, errReported):
		return nil
	case err != nil:
		p.add(RuleSyntax, open, 1, "cannot read the front matter: %v", err)
		return nil
	}

	if bytes.HasSuffix(data, rest) {
		// The body as a part of the source, as a thawed postmortem has
		// it: the parser's copy of the whole file is then let go.
		rest = data[len(data)-len(rest):]
	}
	pm := &Postmortem{File: p.file, Source: data, Body: rest, FrontMatterLine: open}
	pm.BodyLine = bytes.Count(data[:len(data)-len(rest)], []byte("\n")) + 1
	root := &doc
	if root.Kind == yaml.DocumentNode && len(root.Content) > 0 {
		root = root.Content[0]
	}
	if root.Kind != yaml.MappingNode && root.Kind != 0 && !(root.Kind == yaml.DocumentNode || yamlnode.IsNull(root)) {
		p.add(RuleSyntax, max(root.Line, open), max(root.Column, 1), "the front matter must be a map of keys such as `title: ...`, found %s", yamlnode.Describe(root))
		return nil
	}
	custom := opts.Custom
	if custom == nil {
		custom = func(string) bool { return false }
	}
	res := yamlnode.Decode(&doc, &pm.FrontMatter, yamlnode.Options{Extra: custom})
	pm.keys, pm.values = res.Pos, res.Values
	pm.invalid = map[string]bool{}
	for _, e := range res.Errors {
		pm.invalid[e.Path] = true
		rule := RuleInvalidValue
		if e.Kind == yamlnode.Duplicate {
			rule = RuleSyntax
		}
		if e.Kind == yamlnode.UnknownField {
			rule = RuleUnknownField
			switch {
			case strings.Contains(e.Path, ".") || strings.Contains(e.Path, "["):
				e.Msg = fmt.Sprintf("unknown field %q%s%s", e.Key, hintFor(e.Path), e.Hint)
			case strings.Contains(e.Hint, "did you mean"):
				pm.misspelt = append(pm.misspelt, yamlnode.Closest(e.Key, yamlnode.FieldNames(reflect.TypeFor[FrontMatter]())))
			default:
				e.Msg = fmt.Sprintf("unknown field %q; remove it, or declare it under custom_fields in hindsight.yaml", e.Key)
			}
		}
		p.add(rule, e.Line, e.Col, "%s", e.Msg)
	}
	if len(res.Extra) > 0 {
		pm.Custom = map[string]any{}
		for _, x := range res.Extra {
			v, errs := yamlnode.Plain(x.Node, x.Key)
			for _, e := range errs {
				rule := RuleInvalidValue
				if e.Kind == yamlnode.Duplicate {
					rule = RuleSyntax
				}
				pm.invalid[e.Path] = true
				p.add(rule, e.Line, e.Col, "%s", e.Msg)
			}
			pm.Custom[x.Key] = v
		}
	}
	p.validate(pm, opts)
	return pm
}

// hintFor explains where a nested unknown key is allowed.
func hintFor(path string) string {
	switch {
	case strings.HasPrefix(path, "action_items["):
		return " in an action item"
	case strings.HasPrefix(path, "commits["):
		return " in a commit ref"
	case strings.HasPrefix(path, "revisits["):
		return " in a revisit"
	}
	return ""
}

// validate checks values that decoded but are not allowed.
func (p *Parsing) validate(pm *Postmortem, opts Options) {
	fm := &pm.FrontMatter
	bad := func(path, format string, args ...any) {
		pm.invalid[path] = true
		pos := pm.ValuePos(path)
		p.add(RuleInvalidValue, pos.Line, pos.Col, format, args...)
	}
	if strings.ContainsAny(strings.TrimSpace(fm.Title), "\r\n") {
		bad("title", "title must be one line; put the details in summary")
	}
	base := strings.TrimSuffix(path.Base(pm.File), path.Ext(pm.File))
	pm.ID = base
	if fm.ID != "" {
		pm.ID = fm.ID
		if !IDPattern.MatchString(fm.ID) {
			bad("id", "id %q must use lower-case letters, digits and single hyphens, e.g. %q", fm.ID, Slug(fm.ID))
		}
	} else if !IDPattern.MatchString(base) {
		p.add(RuleInvalidValue, max(pm.FrontMatterLine, 1), 1, "the file name %q does not make a valid id; rename it to lower-case letters, digits and hyphens (e.g. %q) or set `id:`", path.Base(pm.File), Slug(base)+".md")
	}
	if fm.Severity != "" && len(opts.Severities) > 0 && !slices.Contains(opts.Severities, fm.Severity) {
		bad("severity", "severity %q is not a configured level%s", fm.Severity, yamlnode.Hint(fm.Severity, opts.Severities))
	}
	for i, t := range fm.Tags {
		if !tagPattern.MatchString(t) {
			bad(fmt.Sprintf("tags[%d]", i+1), "tag %q must be lower-case words joined by hyphens, e.g. %q", t, Slug(t))
		}
	}
	for _, list := range []struct {
		name   string
		values []string
	}{{"services", fm.Services}, {"tags", fm.Tags}, {"authors", fm.Authors}, {"participants", fm.Participants}, {"tickets", fm.Tickets}, {"related", fm.Related}} {
		for i, v := range list.values {
			if strings.TrimSpace(v) == "" {
				bad(fmt.Sprintf("%s[%d]", list.name, i+1), "%s: entry %d is empty; remove it or fill it in", list.name, i+1)
			}
		}
	}
	for i, c := range fm.Commits {
		path := fmt.Sprintf("commits[%d]", i+1)
		if c.SHA != "" && !shaPattern.MatchString(c.SHA) {
			what := "7 to 40 hex characters"
			if len(c.SHA) < 7 && isHex(c.SHA) {
				what += "; a prefix this short is ambiguous, give at least 7"
			}
			bad(path+".sha", "commit sha %q must be %s", c.SHA, what)
		}
		if c.SHA == "" && pm.Has(path) {
			bad(path, "commit ref without sha; add `sha:` with the commit id")
		}
		if c.Role == "" && pm.Has(path) && !pm.Has(path+".role") {
			bad(path, "commit ref without role; add `role:` (one of %s)", strings.Join(CommitRoles, ", "))
		}
	}
	for i, r := range fm.Revisits {
		path := fmt.Sprintf("revisits[%d]", i+1)
		switch {
		case !pm.Has(path):
		case r.Date.IsZero() && !pm.Invalid(path+".date"):
			bad(path, "revisit without a date; add `date:` with the day of the revisit (YYYY-MM-DD)")
		case !fm.Date.IsZero() && r.Date.Before(fm.Date.Time):
			bad(path+".date", "revisit date %s is before the incident (%s); a revisit comes after it", r.Date, fm.Date)
		}
		if r.Outcome == "" && pm.Has(path) && !pm.Invalid(path+".outcome") {
			bad(path, "revisit without an outcome; add `outcome:` (one of %s)", strings.Join(RevisitOutcomes, ", "))
		}
	}
	for i := range fm.ActionItems {
		a := &fm.ActionItems[i]
		if a.Priority == "" {
			a.Priority = "P2"
		}
		if a.Status == "" {
			a.Status = ItemOpen
		}
	}
	if fm.Visibility == "" {
		fm.Visibility = Internal
	}
}

func isHex(s string) bool {
	for _, r := range s {
		if !strings.ContainsRune("0123456789abcdefABCDEF", r) {
			return false
		}
	}
	return s != ""
}

// errReported stops front-matter parsing after a finding was recorded.
var errReported = errors.New("reported")

var closing = map[string]string{"---": "---", "+++": "+++", ";;;": ";;;"}

// formats maps an opening delimiter to a front-matter format whose decoder
// produces a YAML node with file line numbers.
var formats = map[string]func(open int, p *Parsing) *frontmatter.Format{
	"---": func(open int, p *Parsing) *frontmatter.Format {
		return frontmatter.NewFormat("---", "---", func(data []byte, v any) error {
			doc := v.(*yaml.Node)
			dec := yaml.NewDecoder(bytes.NewReader(data))
			if err := dec.Decode(doc); err != nil && !errors.Is(err, io.EOF) {
				p.yamlError(err, data, open)
				return errReported
			}
			// A second document (after a `...` line, say) would be
			// dropped without a word.
			var second yaml.Node
			if err := dec.Decode(&second); err == nil {
				line, _ := second.Line, 0
				if to := fileLines(data); to != nil {
					line, _ = to(line, 1)
				}
				p.add(RuleSyntax, open+max(line-1, 0), 1, "a second YAML document starts here; the front matter is one map of keys: remove the `...` or `---` line above it")
				return errReported
			} else if !errors.Is(err, io.EOF) {
				p.yamlError(err, data, open)
				return errReported
			}
			if to := fileLines(data); to != nil {
				remap(doc, to)
			}
			shift(doc, open)
			return nil
		})
	},
	"+++": func(open int, p *Parsing) *frontmatter.Format {
		return frontmatter.NewFormat("+++", "+++", foreign(open, p, "TOML", toml.Unmarshal))
	},
	";;;": func(open int, p *Parsing) *frontmatter.Format {
		return frontmatter.NewFormat(";;;", ";;;", foreign(open, p, "JSON", json.Unmarshal))
	},
}

// foreign decodes TOML or JSON front matter into a YAML node. Those
// formats carry no positions, so every part points at the opening line.
func foreign(open int, p *Parsing, name string, unmarshal func([]byte, any) error) frontmatter.UnmarshalFunc {
	return func(data []byte, v any) error {
		if nestedDeeper(data, MaxNesting) {
			p.add(RuleSyntax, open, 1, "cannot read %s front matter: values nest more than %d levels deep; flatten the front matter", name, MaxNesting)
			return errReported
		}
		var m map[string]any
		if err := unmarshal(data, &m); err != nil {
			p.add(RuleSyntax, open, 1, "invalid %s front matter: %v; YAML between `---` lines is the documented form", name, err)
			return errReported
		}
		doc := v.(*yaml.Node)
		n, err := toNode(m, 0)
		if err != nil {
			p.add(RuleSyntax, open, 1, "cannot read %s front matter: %v", name, err)
			return errReported
		}
		*doc = yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{n}}
		place(doc, open)
		return nil
	}
}

// MaxNesting is the deepest front matter nests maps and lists; the
// format's deepest is three (action items' fields), so anything past this
// is not a postmortem.
const MaxNesting = 32

// nestedDeeper reports whether TOML or JSON text opens more than limit
// brackets or braces at once, outside strings and comments: the decoders
// take time and memory that grow faster than the depth, so a deep file is
// refused before it is decoded.
func nestedDeeper(data []byte, limit int) bool {
	depth := 0
	for i := 0; i < len(data); i++ {
		switch c := data[i]; c {
		case '{', '[':
			if depth++; depth > limit {
				return true
			}
		case '}', ']':
			depth = max(depth-1, 0)
		case '#':
			for i < len(data) && data[i] != '\n' {
				i++
			}
		case '"', '\'':
			quote := []byte{c}
			if bytes.HasPrefix(data[i:], []byte{c, c, c}) {
				quote = []byte{c, c, c}
			}
			i += len(quote)
			for i < len(data) && !bytes.HasPrefix(data[i:], quote) {
				if data[i] == '\\' && c == '"' {
					i++
				}
				i++
			}
			i += len(quote) - 1
		}
	}
	return false
}

// toNode builds the YAML node of a decoded TOML or JSON value directly, in
// time linear in its size (encoding it as YAML text and parsing that again
// grows with its depth squared).
func toNode(v any, depth int) (*yaml.Node, error) {
	if depth > MaxNesting {
		return nil, fmt.Errorf("values nest more than %d levels deep; flatten the front matter", MaxNesting)
	}
	scalar := func(tag, value string) *yaml.Node {
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: tag, Value: value}
	}
	switch x := v.(type) {
	case nil:
		return scalar("!!null", "null"), nil
	case string:
		return scalar("!!str", x), nil
	case bool:
		return scalar("!!bool", strconv.FormatBool(x)), nil
	case int64:
		return scalar("!!int", strconv.FormatInt(x, 10)), nil
	case float64:
		if x == math.Trunc(x) && math.Abs(x) < 1<<53 {
			return scalar("!!int", strconv.FormatInt(int64(x), 10)), nil
		}
		return scalar("!!float", strconv.FormatFloat(x, 'g', -1, 64)), nil
	case time.Time:
		return scalar("!!timestamp", x.Format(time.RFC3339Nano)), nil
	case map[string]any:
		n := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
		for _, k := range slices.Sorted(maps.Keys(x)) {
			c, err := toNode(x[k], depth+1)
			if err != nil {
				return nil, err
			}
			n.Content = append(n.Content, scalar("!!str", k), c)
		}
		return n, nil
	case []map[string]any: // TOML's arrays of tables
		items := make([]any, len(x))
		for i, e := range x {
			items[i] = e
		}
		return toNode(items, depth)
	case []any:
		n := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
		for _, e := range x {
			c, err := toNode(e, depth+1)
			if err != nil {
				return nil, err
			}
			n.Content = append(n.Content, c)
		}
		return n, nil
	}
	return nil, fmt.Errorf("a value of type %T has no place in front matter", v)
}

// shift moves the positions of a decoded front matter to file lines.
func shift(n *yaml.Node, by int) {
	n.Line += by
	for _, c := range n.Content {
		shift(c, by)
	}
}

// fileLines maps a position as the YAML parser counts it (a lone CR, NEL,
// and the Unicode line and paragraph separators break lines too) to the
// line and column in data as the rest of the program counts them, where
// only LF does; lines are numbered from 1 at the start of data. It returns
// nil when both count alike.
func fileLines(data []byte) func(line, col int) (int, int) {
	odd := bytes.Contains(data, []byte("\u0085")) || bytes.Contains(data, []byte("\u2028")) || bytes.Contains(data, []byte("\u2029"))
	for i := 0; !odd && i < len(data); i++ {
		odd = data[i] == '\r' && (i+1 == len(data) || data[i+1] != '\n')
	}
	if !odd {
		return nil
	}
	starts := []int{0} // where each line begins, as YAML counts them
	for i := 0; i < len(data); {
		r, w := utf8.DecodeRune(data[i:])
		switch {
		case r == '\r' && i+1 < len(data) && data[i+1] == '\n':
			w = 2
			starts = append(starts, i+w)
		case r == '\r' || r == '\n' || r == 0x85 || r == 0x2028 || r == 0x2029:
			starts = append(starts, i+w)
		}
		i += w
	}
	return func(line, col int) (int, int) {
		if line < 1 {
			return line, col
		}
		past := max(line-len(starts), 0) // a line after the last one
		off := starts[min(line, len(starts))-1]
		for k := 1; k < col && off < len(data) && past == 0; k++ {
			_, w := utf8.DecodeRune(data[off:])
			off += w
		}
		start := bytes.LastIndexByte(data[:off], '\n') + 1
		if past > 0 {
			return bytes.Count(data[:off], []byte("\n")) + 1 + past, col
		}
		return bytes.Count(data[:off], []byte("\n")) + 1, utf8.RuneCount(data[start:off]) + 1
	}
}

// remap moves the positions of a decoded front matter from the YAML
// parser's lines to the file's.
func remap(n *yaml.Node, to func(line, col int) (int, int)) {
	if n.Line > 0 {
		n.Line, n.Column = to(n.Line, n.Column)
	}
	for _, c := range n.Content {
		remap(c, to)
	}
}

func place(n *yaml.Node, line int) {
	n.Line, n.Column = line, 1
	for _, c := range n.Content {
		place(c, line)
	}
}

// yamlError records a YAML syntax error at its file line.
func (p *Parsing) yamlError(err error, data []byte, open int) {
	if l, c, msg, ok := yamlnode.QuoteError(err, data); ok {
		p.add(RuleSyntax, open+l, c, "invalid YAML in the front matter: %s", msg)
		return
	}
	n, msg := yamlnode.SyntaxError(err)
	n = max(n, 1)
	if to := fileLines(data); to != nil {
		n, _ = to(n, 1)
	}
	line := open + n
	lines := strings.Split(string(data), "\n")
	col := 1
	for i, l := range lines {
		if strings.HasPrefix(strings.TrimLeft(l, " "), "\t") && open+i+1 <= line {
			line, col = open+i+1, strings.IndexByte(l, '\t')+1
			p.add(RuleSyntax, line, col, "a tab indents this line; YAML indents with spaces only, replace the tab with spaces")
			return
		}
	}
	p.add(RuleSyntax, line, col, "invalid YAML in the front matter: %s; check the indentation and quote values that contain `: ` or start with a special character", msg)
}

// openingLine returns the 1-based line of the first non-blank line, and
// that line trimmed (the delimiter, if there is one).
func openingLine(data []byte) (int, string) {
	line := 1
	for len(data) > 0 {
		l, rest, _ := bytes.Cut(data, []byte("\n"))
		if t := strings.TrimSpace(string(l)); t != "" {
			return line, t
		}
		data, line = rest, line+1
	}
	return line, ""
}

// position turns a byte offset into a 1-based line and a column in runes.
func position(data []byte, off int) (line, col int) {
	start := bytes.LastIndexByte(data[:off], '\n') + 1
	line = bytes.Count(data[:off], []byte("\n")) + 1
	return line, utf8.RuneCount(data[start:off]) + 1
}

func invalidUTF8(data []byte) int {
	for i := 0; i < len(data); {
		r, size := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && size == 1 {
			return i
		}
		i += size
	}
	return 0
}
