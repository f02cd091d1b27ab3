// Package yamlnode decodes YAML nodes into Go structs strictly, keeping the
// line and column of every key and value so that problems can be reported
// exactly where they are in the file. Unknown keys, wrong types and invalid
// values are collected, never fatal: one bad field does not hide the others.
//
// Field names come from `yaml` struct tags. A type can take over its own
// decoding by implementing NodeDecoder.
package yamlnode

import (
	"fmt"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/agnivade/levenshtein"
	"go.yaml.in/yaml/v3"
)

// Kind says what sort of problem an Error is.
type Kind int

const (
	// UnknownField is a key that the target type does not have.
	UnknownField Kind = iota
	// WrongType is a value of the wrong shape (a list where a string goes).
	WrongType
	// BadValue is a value of the right shape that is not allowed.
	BadValue
	// Duplicate is a key given twice in one map.
	Duplicate
)

// Pos is a 1-based line and column in the decoded document.
type Pos struct {
	Line int `json:"line"`
	Col  int `json:"column"`
}

// PosOf returns where a node starts.
func PosOf(n *yaml.Node) Pos { return Pos{Line: n.Line, Col: n.Column} }

// Error is one problem found while decoding.
type Error struct {
	Pos
	Kind Kind
	// Path names the field, as in "action_items[2].owner".
	Path string
	Msg  string
	// Key and Hint are set for UnknownField: the key and the did-you-mean
	// (or list of choices) that ends Msg.
	Key, Hint string
}

func (e Error) Error() string { return fmt.Sprintf("%d:%d: %s", e.Line, e.Col, e.Msg) }

// Errors is what a NodeDecoder returns when it finds more than one problem.
type Errors []Error

func (es Errors) Error() string {
	msgs := make([]string, len(es))
	for i, e := range es {
		msgs[i] = e.Error()
	}
	return strings.Join(msgs, "; ")
}

// NodeDecoder is implemented by types that decode themselves. Returning an
// Error or Errors reports problems at their own positions; any other error
// is reported as a BadValue at the node. The path is the field's path, for
// types that record positions of their own parts.
type NodeDecoder interface {
	DecodeNode(n *yaml.Node, path string, rec Recorder) error
}

// Recorder lets a NodeDecoder record the positions of its parts.
type Recorder interface {
	Record(path string, key, value Pos)
}

// Result is what Decode found besides the decoded values.
type Result struct {
	// Pos maps field paths to the position of their key (or, for list
	// elements, of the element). Missing fields have no entry.
	Pos map[string]Pos
	// Values maps field paths to the position of their value.
	Values map[string]Pos
	// Extra holds top-level keys accepted by Options.Extra, in file order.
	Extra  []ExtraField
	Errors []Error
}

// ExtraField is a top-level key the caller allowed without a struct field.
type ExtraField struct {
	Key  string
	Node *yaml.Node
}

// Options tune Decode.
type Options struct {
	// Extra reports whether an unknown top-level key is allowed anyway.
	Extra func(key string) bool
}

// Record implements Recorder.
func (r *Result) Record(path string, key, value Pos) {
	if _, ok := r.Pos[path]; !ok {
		r.Pos[path] = key
	}
	if _, ok := r.Values[path]; !ok {
		r.Values[path] = value
	}
}

// Decode fills out (a pointer to a struct) from a document or mapping node.
func Decode(n *yaml.Node, out any, opts Options) *Result {
	r := &Result{Pos: map[string]Pos{}, Values: map[string]Pos{}}
	d := decoder{res: r, opts: opts}
	if n.Kind == yaml.DocumentNode {
		if len(n.Content) == 0 {
			return r
		}
		n = n.Content[0]
	}
	if n.Kind == 0 {
		return r // an empty document
	}
	d.value(n, reflect.ValueOf(out).Elem(), "", true)
	return r
}

type decoder struct {
	res  *Result
	opts Options
}

func (d *decoder) fail(n *yaml.Node, kind Kind, path, format string, args ...any) {
	d.res.Errors = append(d.res.Errors, Error{Pos: PosOf(n), Kind: kind, Path: path, Msg: fmt.Sprintf(format, args...)})
}

var nodeDecoderType = reflect.TypeFor[NodeDecoder]()

func (d *decoder) value(n *yaml.Node, v reflect.Value, path string, top bool) {
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	if path != "" {
		d.res.Values[path] = PosOf(n)
	}
	if IsNull(n) {
		return // leave the zero value: "missing" and "empty" read the same
	}
	if v.CanAddr() && v.Addr().Type().Implements(nodeDecoderType) {
		err := v.Addr().Interface().(NodeDecoder).DecodeNode(n, path, d.res)
		d.custom(n, path, err)
		return
	}
	switch v.Kind() {
	case reflect.Struct:
		d.structure(n, v, path, top)
	case reflect.Slice:
		d.slice(n, v, path)
	case reflect.Map:
		d.mapping(n, v, path)
	case reflect.String:
		if n.Kind != yaml.ScalarNode {
			d.fail(n, WrongType, path, "%s: expected a string, found %s", field(path), Describe(n))
			return
		}
		v.SetString(n.Value)
	case reflect.Int, reflect.Int64, reflect.Int32:
		i, err := strconv.ParseInt(n.Value, 10, 64)
		if n.Kind != yaml.ScalarNode || err != nil {
			d.fail(n, WrongType, path, "%s: expected a whole number, found %s", field(path), Describe(n))
			return
		}
		v.SetInt(i)
	case reflect.Bool:
		b, err := strconv.ParseBool(n.Value)
		if n.Kind != yaml.ScalarNode || err != nil {
			d.fail(n, WrongType, path, "%s: expected true or false, found %s", field(path), Describe(n))
			return
		}
		v.SetBool(b)
	default:
		panic(fmt.Sprintf("yamlnode: unsupported field type %s", v.Type()))
	}
}

func (d *decoder) custom(n *yaml.Node, path string, err error) {
	switch e := err.(type) {
	case nil:
	case Error:
		if e.Path == "" {
			e.Path = path
		}
		d.res.Errors = append(d.res.Errors, e)
	case Errors:
		for _, one := range e {
			d.custom(n, path, one)
		}
	default:
		d.fail(n, BadValue, path, "%s", err.Error())
	}
}

func (d *decoder) structure(n *yaml.Node, v reflect.Value, path string, top bool) {
	if n.Kind != yaml.MappingNode {
		d.fail(n, WrongType, path, "%s: expected a map of keys and values, found %s", field(path), Describe(n))
		return
	}
	fields := fieldsOf(v.Type())
	seen := map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		sub := join(path, k.Value)
		if first, dup := seen[k.Value]; dup {
			d.fail(k, Duplicate, sub, "key %q is given twice (first on line %d); keep one", k.Value, first.Line)
			continue
		}
		seen[k.Value] = k
		idx, ok := fields.index[k.Value]
		if !ok {
			if top && d.opts.Extra != nil && d.opts.Extra(k.Value) {
				d.res.Extra = append(d.res.Extra, ExtraField{Key: k.Value, Node: val})
				d.res.Pos[sub] = PosOf(k)
				continue
			}
			hint := Hint(k.Value, fields.names)
			d.fail(k, UnknownField, sub, "unknown field %q%s", k.Value, hint)
			d.res.Errors[len(d.res.Errors)-1].Key = k.Value
			d.res.Errors[len(d.res.Errors)-1].Hint = hint
			continue
		}
		d.res.Pos[sub] = PosOf(k)
		d.value(val, v.Field(idx), sub, false)
	}
}

func (d *decoder) slice(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind != yaml.SequenceNode {
		what := "values"
		if v.Type().Elem().Kind() == reflect.String {
			what = "strings"
		}
		d.fail(n, WrongType, path, "%s: expected a list of %s, found %s; write each on its own line as `- value`", field(path), what, Describe(n))
		return
	}
	out := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
	for i, item := range n.Content {
		sub := fmt.Sprintf("%s[%d]", path, i+1)
		d.res.Pos[sub] = PosOf(item)
		d.value(item, out.Index(i), sub, false)
	}
	v.Set(out)
}

func (d *decoder) mapping(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind != yaml.MappingNode {
		d.fail(n, WrongType, path, "%s: expected a map of keys and values, found %s", field(path), Describe(n))
		return
	}
	if v.Type().Key().Kind() != reflect.String {
		panic("yamlnode: map keys must be strings")
	}
	if v.IsNil() {
		v.Set(reflect.MakeMap(v.Type()))
	}
	seen := map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		sub := join(path, k.Value)
		if first, dup := seen[k.Value]; dup {
			d.fail(k, Duplicate, sub, "key %q is given twice (first on line %d); keep one", k.Value, first.Line)
			continue
		}
		seen[k.Value] = k
		d.res.Pos[sub] = PosOf(k)
		elem := reflect.New(v.Type().Elem()).Elem()
		d.value(val, elem, sub, false)
		v.SetMapIndex(reflect.ValueOf(k.Value).Convert(v.Type().Key()), elem)
	}
}

var syntaxLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// SyntaxError splits a YAML syntax error into its 1-based line (0 when it
// names none) and its message. The parser reports its own errors, those
// that begin "did not find expected", with a 0-based line; the scanner's
// are 1-based.
func SyntaxError(err error) (line int, msg string) {
	m := syntaxLine.FindStringSubmatch(err.Error())
	if m == nil {
		return 0, strings.TrimPrefix(err.Error(), "yaml: ")
	}
	line, _ = strconv.Atoi(m[1])
	msg = m[2]
	if strings.HasPrefix(msg, "did not find expected") {
		line++
		msg += " (a bracket, quote or block opened above is not closed)"
	}
	return line, msg
}

// QuoteError explains a YAML syntax error of src that only says the text
// ended ("found unexpected end of stream", which is where the parser
// noticed, not where the mistake is) when a quoted value is never closed:
// the line and column of its opening quote (as unclosedQuote gives them)
// and what to do. ok is false for any other error.
func QuoteError(err error, src []byte) (line, col int, msg string, ok bool) {
	if _, m := SyntaxError(err); !strings.HasPrefix(m, "found unexpected end of stream") {
		return 0, 0, "", false
	}
	line, col, q, ok := unclosedQuote(src)
	if !ok {
		return 0, 0, "", false
	}
	other := map[byte]string{'"': "single", '\'': "double"}[q]
	return line, col, fmt.Sprintf("this value's opening %c is never closed; end the value with %c, or put it in %s quotes if it contains %c itself", q, q, other, q), true
}

// unclosedQuote finds the quoted value of src that is never closed: the
// 1-based line and column (in runes, on lines split at "\n") of its
// opening quote, and the quote. A quote opens a value when it is the
// value's first character: after "key: ", "- ", a flow bracket or comma,
// or at the start of a line; "It's" opens nothing. Inside double quotes a
// backslash escapes the next character; inside single quotes a doubled
// single quote stands for one. ok is false when every quoted value is
// closed.
func unclosedQuote(src []byte) (line, col int, quote byte, ok bool) {
	var open byte
	for i, l := range strings.Split(string(src), "\n") {
		for j := 0; j < len(l); j++ {
			c := l[j]
			switch {
			case open == '"' && c == '\\':
				j++
			case open == '"' && c == '"':
				open = 0
			case open == '\'' && c == '\'' && j+1 < len(l) && l[j+1] == '\'':
				j++
			case open == '\'' && c == '\'':
				open = 0
			case open != 0:
			case c == '#' && (j == 0 || l[j-1] == ' ' || l[j-1] == '\t'):
				j = len(l) // a comment runs to the end of the line
			case (c == '"' || c == '\'') && opensValue(l, j):
				open, line, col = c, i+1, utf8.RuneCountInString(l[:j])+1
			}
		}
	}
	if open == 0 {
		return 0, 0, 0, false
	}
	return line, col, open, true
}

// opensValue reports whether the character at j of line l is the first of
// a value: nothing but spaces before it, or a flow bracket or comma, or
// ":", "-" or "?" followed by a space.
func opensValue(l string, j int) bool {
	k := j - 1
	for k >= 0 && (l[k] == ' ' || l[k] == '\t') {
		k--
	}
	if k < 0 {
		return true
	}
	switch l[k] {
	case '[', '{', ',':
		return true
	case ':', '-', '?':
		return k < j-1
	}
	return false
}

// IsNull reports whether a node is an explicit or implicit null.
func IsNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.Tag == "!!null"
}

// Describe names a node's shape for messages: "a list", "a map", "the number 3".
func Describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.SequenceNode:
		return "a list"
	case yaml.MappingNode:
		return "a map"
	case yaml.ScalarNode:
		switch n.Tag {
		case "!!int", "!!float":
			return "the number " + n.Value
		case "!!bool":
			return "the boolean " + n.Value
		case "!!null":
			return "nothing"
		}
		return fmt.Sprintf("%q", n.Value)
	}
	return "something else"
}

// Hint returns a "; did you mean ..." suffix naming the closest of choices,
// or "; expected one of ..." when none is close.
func Hint(got string, choices []string) string {
	if best := Closest(got, choices); best != "" {
		return fmt.Sprintf("; did you mean %q?", best)
	}
	if len(choices) <= 30 {
		return "; expected one of " + strings.Join(choices, ", ")
	}
	return ""
}

// Closest returns the choice nearest to got, if any is near enough to be a
// likely typo.
func Closest(got string, choices []string) string {
	norm := func(s string) string { return strings.ReplaceAll(strings.ToLower(s), "-", "_") }
	best, bestDist, bestPrefix, tied := "", 1<<30, 0, false
	for _, c := range choices {
		if norm(c) == norm(got) {
			return c
		}
		dist := levenshtein.ComputeDistance(norm(got), norm(c))
		prefix := commonPrefix(norm(got), norm(c))
		// On a tie the longer shared start wins: "titel" is "title", not
		// "times". A tie that nothing breaks ("P5" for P0..P3) suggests
		// nothing.
		switch {
		case dist < bestDist || dist == bestDist && prefix > bestPrefix:
			best, bestDist, bestPrefix, tied = c, dist, prefix, false
		case dist == bestDist && prefix == bestPrefix:
			tied = true
		}
	}
	if tied {
		return ""
	}
	limit := max(2, len(got)/3)
	if bestDist <= limit && bestDist < len(got) {
		return best
	}
	return ""
}

func commonPrefix(a, b string) int {
	n := 0
	for n < len(a) && n < len(b) && a[n] == b[n] {
		n++
	}
	return n
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func field(path string) string {
	if path == "" {
		return "document"
	}
	return path
}

type structFields struct {
	index map[string]int
	names []string
}

var fieldCache sync.Map // reflect.Type -> *structFields

// FieldNames returns the YAML keys of a struct type, sorted.
func FieldNames(t reflect.Type) []string { return fieldsOf(t).names }

func fieldsOf(t reflect.Type) *structFields {
	if f, ok := fieldCache.Load(t); ok {
		return f.(*structFields)
	}
	f := &structFields{index: map[string]int{}}
	for i := range t.NumField() {
		sf := t.Field(i)
		name, _, _ := strings.Cut(sf.Tag.Get("yaml"), ",")
		if name == "-" || !sf.IsExported() {
			continue
		}
		if name == "" {
			name = strings.ToLower(sf.Name)
		}
		f.index[name] = i
		f.names = append(f.names, name)
	}
	sort.Strings(f.names)
	fieldCache.Store(t, f)
	return f
}

// maxPlainNodes bounds how many nodes Plain visits, aliases counted each
// time they are followed, so that a few nested aliases cannot make it
// build an exponentially large value.
const maxPlainNodes = 100_000

// Plain returns a node's value as plain Go values (map[string]any, []any,
// string, int, float64, bool, time.Time, nil), in time linear in its size,
// with a finding for each key given twice (the first is kept) and each
// tag that is not one of YAML's own. path names the node in findings.
func Plain(n *yaml.Node, path string) (any, Errors) {
	p := plainer{}
	v := p.value(n, path)
	return v, p.errs
}

type plainer struct {
	errs  Errors
	nodes int
}

func (p *plainer) fail(n *yaml.Node, kind Kind, path, format string, args ...any) {
	p.errs = append(p.errs, Error{Pos: PosOf(n), Kind: kind, Path: path, Msg: fmt.Sprintf(format, args...)})
}

func (p *plainer) value(n *yaml.Node, path string) any {
	if p.nodes++; p.nodes > maxPlainNodes {
		if p.nodes == maxPlainNodes+1 {
			p.fail(n, BadValue, path, "%s: the value has more than %d parts (aliases counted each time); make it smaller", field(path), maxPlainNodes)
		}
		return nil
	}
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		return p.value(n.Alias, path)
	}
	switch n.Kind {
	case yaml.MappingNode:
		m := make(map[string]any, len(n.Content)/2)
		seen := make(map[string]*yaml.Node, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, val := n.Content[i], n.Content[i+1]
			sub := join(path, k.Value)
			if k.Kind != yaml.ScalarNode {
				p.fail(k, WrongType, sub, "%s: a key must be plain text, found %s", field(path), Describe(k))
				continue
			}
			if first, dup := seen[k.Value]; dup {
				p.fail(k, Duplicate, sub, "key %q is given twice (first on line %d); keep one", k.Value, first.Line)
				continue
			}
			seen[k.Value] = k
			m[k.Value] = p.value(val, sub)
		}
		return m
	case yaml.SequenceNode:
		out := make([]any, len(n.Content))
		for i, item := range n.Content {
			out[i] = p.value(item, fmt.Sprintf("%s[%d]", path, i+1))
		}
		return out
	case yaml.ScalarNode:
		switch tag := n.ShortTag(); tag {
		case "!!str", "!!int", "!!float", "!!bool", "!!null", "!!timestamp", "!!binary":
			var v any
			if err := n.Decode(&v); err != nil {
				p.fail(n, BadValue, path, "%s: %s is not a valid %s", field(path), Describe(n), strings.TrimPrefix(tag, "!!"))
				return nil
			}
			return v
		default:
			p.fail(n, BadValue, path, "%s: the tag %s is not one of YAML's own (!!str, !!int, ...); remove it", field(path), n.Tag)
			return nil
		}
	}
	p.fail(n, WrongType, path, "%s: unexpected %s", field(path), Describe(n))
	return nil
}
