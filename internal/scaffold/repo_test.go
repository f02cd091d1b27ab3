package scaffold

import (
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/rhysd/actionlint"
	"go.yaml.in/yaml/v3"
)

// The files at this repository's root that let other repositories use
// hindsight: the composite action and the pre-commit hook. actionlint does
// not lint an action's own metadata, so these tests check their structure.

type actionInput struct {
	Description string  `yaml:"description"`
	Required    *bool   `yaml:"required"`
	Default     *string `yaml:"default"`
}

type actionStep struct {
	Name  string            `yaml:"name"`
	ID    string            `yaml:"id"`
	Uses  string            `yaml:"uses"`
	Run   string            `yaml:"run"`
	Shell string            `yaml:"shell"`
	With  map[string]string `yaml:"with"`
	Env   map[string]string `yaml:"env"`
}

type actionFile struct {
	Name        string                 `yaml:"name"`
	Description string                 `yaml:"description"`
	Author      string                 `yaml:"author"`
	Branding    map[string]string      `yaml:"branding"`
	Inputs      map[string]actionInput `yaml:"inputs"`
	Outputs     map[string]any         `yaml:"outputs"`
	Runs        struct {
		Using string       `yaml:"using"`
		Steps []actionStep `yaml:"steps"`
	} `yaml:"runs"`
}

func readYAML(t *testing.T, name string, v any) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(repoRoot, name))
	if err != nil {
		t.Fatal(err)
	}
	dec := yaml.NewDecoder(strings.NewReader(string(data)))
	dec.KnownFields(true) // a misspelt key is an error, not silently dropped
	if err := dec.Decode(v); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
}

func TestActionMetadata(t *testing.T) {
	var a actionFile
	readYAML(t, "action.yml", &a)
	if a.Name == "" || a.Description == "" {
		t.Errorf("action.yml: name and description are required; got %q, %q", a.Name, a.Description)
	}
	if a.Runs.Using != "composite" {
		t.Errorf("action.yml: runs.using is %q, want composite", a.Runs.Using)
	}
	wantDefaults := map[string]string{"command": "check", "args": "", "version": "latest"}
	for name, def := range wantDefaults {
		in, ok := a.Inputs[name]
		switch {
		case !ok:
			t.Errorf("action.yml: no input %q", name)
		case in.Description == "":
			t.Errorf("action.yml: input %q has no description", name)
		case in.Default == nil || *in.Default != def:
			t.Errorf("action.yml: input %q: default %v, want %q", name, in.Default, def)
		}
	}
	for name := range a.Inputs {
		if _, ok := wantDefaults[name]; !ok {
			t.Errorf("action.yml: unexpected input %q; add it to this test and the README", name)
		}
	}
	if len(a.Runs.Steps) == 0 {
		t.Fatal("action.yml: no steps")
	}
	var setupGo, install, run bool
	inputRef := regexp.MustCompile(`\$\{\{[^}]*\binputs\.`)
	for i, s := range a.Runs.Steps {
		if (s.Uses == "") == (s.Run == "") {
			t.Errorf("action.yml: step %d: needs exactly one of uses and run", i+1)
		}
		if s.Run != "" && s.Shell == "" {
			t.Errorf("action.yml: step %d: a composite run step needs a shell", i+1)
		}
		// Inputs go through env: an expression spliced into a script could
		// inject shell code.
		if inputRef.MatchString(s.Run) {
			t.Errorf("action.yml: step %d: an input is interpolated into the script; pass it in env instead:\n%s", i+1, s.Run)
		}
		if strings.HasPrefix(s.Uses, "actions/setup-go@") {
			setupGo = s.With["go-version"] == "stable"
		}
		if strings.Contains(s.Run, `go install "github.com/hindsight-dev/hindsight/cmd/hindsight@$HINDSIGHT_VERSION"`) && s.Env["HINDSIGHT_VERSION"] == "${{ inputs.version }}" {
			install = true
		}
		if strings.Contains(s.Run, `"$HINDSIGHT_COMMAND" "${args[@]}"`) && s.Env["HINDSIGHT_COMMAND"] == "${{ inputs.command }}" && s.Env["HINDSIGHT_ARGS"] == "${{ inputs.args }}" {
			run = true
		}
	}
	if !setupGo || !install || !run {
		t.Errorf("action.yml: want a setup-go step with go-version: stable (%v), a go install of inputs.version (%v), and a run of inputs.command with inputs.args (%v)", setupGo, install, run)
	}
}

// TestActionUsedByWorkflow has actionlint resolve the action the way a
// workflow of this repository would (uses: ./), which parses action.yml's
// metadata and checks the inputs a step passes against it.
func TestActionUsedByWorkflow(t *testing.T) {
	proj, err := actionlint.NewProject(repoRoot)
	if err != nil {
		t.Fatal(err)
	}
	lint := func(with string) []*actionlint.Error {
		t.Helper()
		wf := `on: pull_request
jobs:
  check:
    runs-on: ubuntu-latest
    steps:
      - uses: ./
        with:
` + with
		l, err := actionlint.NewLinter(io.Discard, &actionlint.LinterOptions{})
		if err != nil {
			t.Fatal(err)
		}
		errs, err := l.Lint(filepath.Join(repoRoot, ".github", "workflows", "uses-action.yml"), []byte(wf), proj)
		if err != nil {
			t.Fatal(err)
		}
		return errs
	}
	for _, e := range lint("          command: build\n          args: --out site --public\n          version: latest\n") {
		t.Errorf("a workflow using the action: %s", e)
	}
	// And actionlint does read it: an unknown input is reported.
	if errs := lint("          comand: build\n"); len(errs) == 0 {
		t.Error("actionlint did not report an unknown input of the action; is action.yml being read?")
	}
}

type hook struct {
	ID            string `yaml:"id"`
	Name          string `yaml:"name"`
	Description   string `yaml:"description"`
	Entry         string `yaml:"entry"`
	Language      string `yaml:"language"`
	Files         string `yaml:"files"`
	Exclude       string `yaml:"exclude"`
	PassFilenames *bool  `yaml:"pass_filenames"`
	RequireSerial bool   `yaml:"require_serial"`
}

func TestPreCommitHooks(t *testing.T) {
	var hooks []hook
	readYAML(t, ".pre-commit-hooks.yaml", &hooks)
	if len(hooks) != 1 {
		t.Fatalf(".pre-commit-hooks.yaml: %d hooks, want 1", len(hooks))
	}
	h := hooks[0]
	if h.ID != "hindsight-check" || h.Name == "" || h.Entry != "hindsight check" || h.Language != "golang" {
		t.Errorf(".pre-commit-hooks.yaml: id %q, name %q, entry %q, language %q; want hindsight-check, a name, hindsight check, golang", h.ID, h.Name, h.Entry, h.Language)
	}
	if h.PassFilenames == nil || !*h.PassFilenames {
		t.Error(".pre-commit-hooks.yaml: pass_filenames should be true")
	}
	// The patterns use Python's syntax; these ones mean the same in Go.
	files, err := regexp.Compile(h.Files)
	if err != nil {
		t.Fatal(err)
	}
	exclude, err := regexp.Compile(h.Exclude)
	if err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]bool{
		"postmortems/2025-10-07-password-reset-emails-delayed.md": true,
		"postmortems/2024/01-db.md":                               true,
		"postmortems/README.md":                                   false,
		"postmortems/_template.md":                                false,
		"postmortems/_drafts/x.md":                                false,
		"postmortems/.hidden.md":                                  false,
		"postmortems/_schema.json":                                false,
		"README.md":                                               false,
		"docs/postmortems/x.md":                                   false,
	} {
		if got := files.MatchString(path) && !exclude.MatchString(path); got != want {
			t.Errorf(".pre-commit-hooks.yaml: %s is passed: %v, want %v", path, got, want)
		}
	}
	// The scaffold's .pre-commit-config.yaml uses this hook.
	data, err := readTemplate("pre-commit-config.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(data, "repo: https://github.com/hindsight-dev/hindsight") || !strings.Contains(data, "- id: "+h.ID) {
		t.Errorf("internal/scaffold/files/pre-commit-config.yaml does not use the hook %s:\n%s", h.ID, data)
	}
}

func readTemplate(name string) (string, error) {
	data, err := files.ReadFile("files/" + name)
	return string(data), err
}
