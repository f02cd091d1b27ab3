package scaffold

import (
	"bytes"
	"flag"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/rhysd/actionlint"
	"go.yaml.in/yaml/v3"

	"github.com/hindsight-dev/hindsight/internal/config"
)

// update rewrites this repository's workflows from the templates:
// go test ./internal/scaffold -update
var update = flag.Bool("update", false, "rewrite .github/workflows from the templates")

// repoRoot is this repository's root, seen from the package folder.
var repoRoot = filepath.Join("..", "..")

// TestRepoWorkflowsMatchTemplates keeps this repository's own workflows
// equal to the Self variant of the templates that init writes, so the two
// never drift apart.
func TestRepoWorkflowsMatchTemplates(t *testing.T) {
	wfs, err := Workflows(Self)
	if err != nil {
		t.Fatal(err)
	}
	for _, wf := range wfs {
		path := filepath.Join(repoRoot, filepath.FromSlash(wf.Path))
		if *update {
			if err := os.WriteFile(path, wf.Data, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		got, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v; run go test ./internal/scaffold -update to write it", err)
		}
		if !bytes.Equal(got, wf.Data) {
			t.Errorf("%s differs from the template internal/scaffold/files/%s rendered for this repository;\n"+
				"edit the template, not the workflow, then run go test ./internal/scaffold -update\n%s",
				wf.Path, filepath.Base(wf.Path), firstDifference(string(got), string(wf.Data)))
		}
	}
}

// firstDifference shows the first line where two texts part.
func firstDifference(got, want string) string {
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	for i := 0; i < len(g) || i < len(w); i++ {
		var gl, wl string
		if i < len(g) {
			gl = g[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if gl != wl {
			return "line " + strconv.Itoa(i+1) + ":\n  file:     " + gl + "\n  template: " + wl
		}
	}
	return ""
}

// TestWorkflowVariants checks what differs between the variants: how the
// binary is installed and which Go is set up; everything else is shared.
func TestWorkflowVariants(t *testing.T) {
	for _, name := range WorkflowNames {
		user, err := Workflow(name, User)
		if err != nil {
			t.Fatal(err)
		}
		self, err := Workflow(name, Self)
		if err != nil {
			t.Fatal(err)
		}
		u, s := string(user), string(self)
		for _, want := range []string{"go install github.com/hindsight-dev/hindsight/cmd/hindsight@latest", "go-version: stable"} {
			if !strings.Contains(u, want) {
				t.Errorf("%s (user): no %q", name, want)
			}
			if strings.Contains(s, want) {
				t.Errorf("%s (self): has %q", name, want)
			}
		}
		for _, want := range []string{`go build -o "$RUNNER_TEMP/bin/hindsight" ./cmd/hindsight`, "go-version-file: go.mod", "go test ./internal/scaffold -update"} {
			if !strings.Contains(s, want) {
				t.Errorf("%s (self): no %q", name, want)
			}
			if strings.Contains(u, want) {
				t.Errorf("%s (user): has %q", name, want)
			}
		}
		for _, text := range []string{u, s} {
			if strings.Contains(text, "[%") || strings.Contains(text, "%]") {
				t.Errorf("%s: a template action is left in:\n%s", name, text)
			}
		}
	}
}

// TestWorkflowsLint runs actionlint, as a library, on both variants of
// every workflow: `go tool actionlint` sees only this repository's files,
// not the ones init writes.
func TestWorkflowsLint(t *testing.T) {
	opts := &actionlint.LinterOptions{}
	if sc, err := exec.LookPath("shellcheck"); err == nil {
		opts.Shellcheck = sc
	}
	for _, v := range []Variant{User, Self} {
		wfs, err := Workflows(v)
		if err != nil {
			t.Fatal(err)
		}
		for _, wf := range wfs {
			l, err := actionlint.NewLinter(io.Discard, opts)
			if err != nil {
				t.Fatal(err)
			}
			errs, err := l.Lint(wf.Path, wf.Data, nil)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range errs {
				t.Errorf("%s (variant %d): %s", wf.Path, v, e)
			}
		}
	}
}

// TestFiles checks the file list of a new repository: unique paths, every
// YAML file valid, the example where the config's content folder is.
func TestFiles(t *testing.T) {
	files, err := Files()
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"hindsight.yaml",
		ExamplePath,
		".github/workflows/check.yml",
		".github/workflows/pages.yml",
		".github/workflows/follow-up.yml",
		".github/pull_request_template.md",
		".pre-commit-config.yaml",
		".gitignore",
	}
	var got []string
	for _, f := range files {
		got = append(got, f.Path)
		if len(f.Data) == 0 || f.Data[len(f.Data)-1] != '\n' {
			t.Errorf("%s: empty or no final newline", f.Path)
		}
		if strings.HasSuffix(f.Path, ".yml") || strings.HasSuffix(f.Path, ".yaml") {
			var v any
			if err := yaml.Unmarshal(f.Data, &v); err != nil {
				t.Errorf("%s: %v", f.Path, err)
			}
		}
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("files:\n got %q\nwant %q", got, want)
	}
}

// TestConfig checks that the scaffold's hindsight.yaml is valid and names
// every key of the config, active or commented out, so that it stays the
// reference the README promises as keys are added.
func TestConfig(t *testing.T) {
	data, err := files.ReadFile("files/hindsight.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Parse("hindsight.yaml", data)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Content+"/" != ExamplePath[:strings.Index(ExamplePath, "/")+1] {
		t.Errorf("content %q does not hold the example %s", cfg.Content, ExamplePath)
	}
	keyRe := regexp.MustCompile(`(?m)^(?:# )?([a-z_]+):`)
	named := map[string]bool{}
	for _, m := range keyRe.FindAllStringSubmatch(string(data), -1) {
		named[m[1]] = true
	}
	typ := reflect.TypeOf(config.Config{})
	for i := range typ.NumField() {
		key, _, _ := strings.Cut(typ.Field(i).Tag.Get("yaml"), ",")
		if key == "" || key == "-" {
			continue
		}
		if !named[key] {
			t.Errorf("internal/scaffold/files/hindsight.yaml does not mention %q; add it, commented out with its default or an example", key)
		}
	}
	// The commented-out keys, uncommented, must be a valid config too.
	var lines []string
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "# "); ok && keyLine.MatchString(rest) {
			line = rest
		}
		lines = append(lines, line)
	}
	if _, err := config.Parse("hindsight.yaml (uncommented)", []byte(strings.Join(lines, "\n"))); err != nil {
		t.Errorf("with every setting uncommented: %v", err)
	}
}

// keyLine is a commented-out setting rather than prose: a key or a list
// item, indented as YAML.
var keyLine = regexp.MustCompile(`^(?:[a-z_]+:(?: |$)|  +(?:[a-z_]+:(?: |$)|- |# ))`)
