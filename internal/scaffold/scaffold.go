// Package scaffold holds the files `hindsight init` writes into a new
// postmortem repository: the config, an example postmortem, the GitHub
// workflows, a pull request template and a pre-commit config.
//
// The workflows are templates with two variants: the one init writes, which
// installs the released binary, and the one this repository runs itself,
// which builds hindsight from source. Both come from the same template, and a
// test keeps this repository's .github/workflows equal to the Self variant.
package scaffold

import (
	"bytes"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"text/template"
)

//go:embed files
var files embed.FS

// Variant chooses how the workflows get the hindsight binary.
type Variant int

const (
	// User is a team's repository of postmortems: the workflows install the
	// released binary with go install.
	User Variant = iota
	// Self is the hindsight repository: the workflows build it from source.
	Self
)

// File is one file to write, at a slash-separated path relative to the
// repository root.
type File struct {
	Path string
	Data []byte
}

// ExamplePath is where init writes the example postmortem.
const ExamplePath = "postmortems/2025-10-07-password-reset-emails-delayed.md"

// WorkflowNames are the workflows under .github/workflows, in order.
var WorkflowNames = []string{"check.yml", "pages.yml", "follow-up.yml"}

// WorkflowDir is the folder of the workflows in a repository.
const WorkflowDir = ".github/workflows"

// Files returns every file of a new repository, in the order init lists
// them.
func Files() ([]File, error) {
	var out []File
	add := func(dst, src string) error {
		data, err := fs.ReadFile(files, "files/"+src)
		if err != nil {
			return err
		}
		out = append(out, File{Path: dst, Data: data})
		return nil
	}
	for _, f := range [][2]string{
		{"hindsight.yaml", "hindsight.yaml"},
		{ExamplePath, "example.md"},
	} {
		if err := add(f[0], f[1]); err != nil {
			return nil, err
		}
	}
	wfs, err := Workflows(User)
	if err != nil {
		return nil, err
	}
	out = append(out, wfs...)
	for _, f := range [][2]string{
		{".github/pull_request_template.md", "pull_request_template.md"},
		{".pre-commit-config.yaml", "pre-commit-config.yaml"},
		{".gitignore", "gitignore"},
	} {
		if err := add(f[0], f[1]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Workflows renders the GitHub workflows of a variant.
func Workflows(v Variant) ([]File, error) {
	out := make([]File, 0, len(WorkflowNames))
	for _, name := range WorkflowNames {
		data, err := Workflow(name, v)
		if err != nil {
			return nil, err
		}
		out = append(out, File{Path: path.Join(WorkflowDir, name), Data: data})
	}
	return out, nil
}

// Workflow renders one workflow template. The templates use [% %] as
// delimiters, since workflows are full of ${{ }} expressions.
func Workflow(name string, v Variant) ([]byte, error) {
	src, err := fs.ReadFile(files, "files/"+name)
	if err != nil {
		return nil, fmt.Errorf("no workflow template %q", name)
	}
	tmpl, err := template.New(name).Delims("[%", "%]").Option("missingkey=error").Parse(string(src))
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := tmpl.Execute(&buf, struct{ Self bool }{v == Self}); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
