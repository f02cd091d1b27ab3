package yamlnode

import (
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

type inner struct {
	Name string `yaml:"name"`
}

type outer struct {
	Title string            `yaml:"title"`
	Count int               `yaml:"count"`
	Tags  []string          `yaml:"tags"`
	Items []inner           `yaml:"items"`
	Map   map[string]string `yaml:"map"`
}

func decode(t *testing.T, src string, opts Options) (*outer, *Result) {
	t.Helper()
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(src), &doc); err != nil {
		t.Fatal(err)
	}
	var out outer
	return &out, Decode(&doc, &out, opts)
}

func TestDecode(t *testing.T) {
	out, res := decode(t, "title: x\ncount: 3\ntags: [a, b]\nitems:\n  - name: one\nmap:\n  k: v\n", Options{})
	if len(res.Errors) != 0 || out.Title != "x" || out.Count != 3 || len(out.Tags) != 2 || out.Items[0].Name != "one" || out.Map["k"] != "v" {
		t.Fatalf("decoded %+v, errors %v", out, res.Errors)
	}
	if p := res.Pos["items[1].name"]; p.Line != 5 || p.Col != 5 {
		t.Errorf("position of items[1].name = %+v", p)
	}
	if p := res.Values["tags[2]"]; p.Line != 3 || p.Col != 11 {
		t.Errorf("value position of tags[2] = %+v", p)
	}
}

func TestDecodeProblems(t *testing.T) {
	tests := []struct {
		src  string
		kind Kind
		line int
		msg  string
	}{
		{"titel: x\n", UnknownField, 1, `did you mean "title"?`},
		{"zzzzzzzz: x\n", UnknownField, 1, "expected one of count, items, map, tags, title"},
		{"title: [a]\n", WrongType, 1, "expected a string, found a list"},
		{"count: many\n", WrongType, 1, "expected a whole number"},
		{"tags: a\n", WrongType, 1, "expected a list of strings"},
		{"items:\n  - nome: x\n", UnknownField, 2, `did you mean "name"?`},
		{"title: a\ntitle: b\n", Duplicate, 2, "first on line 1"},
		{"map:\n  k: a\n  k: b\n", Duplicate, 3, "given twice"},
	}
	for _, tt := range tests {
		_, res := decode(t, tt.src, Options{})
		if len(res.Errors) != 1 {
			t.Errorf("%q: %d errors %v, want 1", tt.src, len(res.Errors), res.Errors)
			continue
		}
		e := res.Errors[0]
		if e.Kind != tt.kind || e.Line != tt.line || !strings.Contains(e.Msg, tt.msg) {
			t.Errorf("%q: got %v (kind %d), want kind %d at line %d containing %q", tt.src, e, e.Kind, tt.kind, tt.line, tt.msg)
		}
	}
}

func TestExtraKeys(t *testing.T) {
	_, res := decode(t, "title: x\ncustom: 1\n", Options{Extra: func(k string) bool { return k == "custom" }})
	if len(res.Errors) != 0 || len(res.Extra) != 1 || res.Extra[0].Key != "custom" {
		t.Errorf("extra keys: %+v, errors %v", res.Extra, res.Errors)
	}
}

func TestClosest(t *testing.T) {
	for _, tt := range []struct {
		got     string
		choices []string
		want    string
	}{
		{"titel", []string{"times", "title"}, "title"},
		{"Severity", []string{"severity"}, "severity"},
		{"action-items", []string{"action_items"}, "action_items"},
		{"P5", []string{"P0", "P1", "P2", "P3"}, ""}, // a tie nothing breaks
		{"zzz", []string{"title"}, ""},
	} {
		if got := Closest(tt.got, tt.choices); got != tt.want {
			t.Errorf("Closest(%q) = %q, want %q", tt.got, got, tt.want)
		}
	}
}

func TestSyntaxError(t *testing.T) {
	for src, want := range map[string]int{
		"a: 1\nb: [1\n":        2, // the parser names the bracket's line, 0-based
		"a: 1\nb: 2\n  c: 3\n": 3, // the scanner's 1-based line
	} {
		var n yaml.Node
		err := yaml.Unmarshal([]byte(src), &n)
		if line, _ := SyntaxError(err); line != want {
			t.Errorf("%q: line %d, want %d (%v)", src, line, want, err)
		}
	}
}

func TestQuoteError(t *testing.T) {
	tests := []struct {
		name, src string
		line, col int
		msg       string // "" when the error is not one of an unclosed quote
	}{
		{"double", "title: \"Disk full\nseverity: SEV2\nowner: y\n", 1, 8, `opening " is never closed`},
		{"single", "title: It's full\nsummary: 'it''s the disk\n", 2, 10, `opening ' is never closed`},
		{"in a list", "tags:\n  - a\n  - \"b\n", 3, 5, `opening "`},
		{"in a flow list", "tags: [a, 'b]\n", 1, 11, `opening '`},
		{"after a closed one", "a: \"x\\\"y\" # \"not this\nb: 'c\n", 2, 4, `opening '`},
		{"multi-line value closed", "a: \"one\n  two\"\nb: \"c\n", 3, 4, `opening "`},
		{"non-ASCII before", "título: \"x\n", 1, 9, `opening "`},
		{"unclosed bracket", "a: 1\nb: [1\n", 0, 0, ""},
		{"bad indentation", "a: 1\nb: 2\n  c: 3\n", 0, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var n yaml.Node
			err := yaml.Unmarshal([]byte(tt.src), &n)
			if err == nil {
				t.Fatal("the YAML parsed")
			}
			line, col, msg, ok := QuoteError(err, []byte(tt.src))
			if tt.msg == "" {
				if ok {
					t.Errorf("%v: told of a quote at %d:%d: %s", err, line, col, msg)
				}
				return
			}
			if !ok || line != tt.line || col != tt.col || !strings.Contains(msg, tt.msg) {
				t.Errorf("%v: got %d:%d %q (%v), want %d:%d containing %q", err, line, col, msg, ok, tt.line, tt.col, tt.msg)
			}
		})
	}
}
