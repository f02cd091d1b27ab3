package cli

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/hindsight-dev/hindsight/internal/config"
	"github.com/hindsight-dev/hindsight/internal/scaffold"
	"github.com/hindsight-dev/hindsight/internal/schema"
)

// InitOptions are the inputs of `hindsight init`.
type InitOptions struct {
	Factory *Factory
	// Dir is the folder to scaffold; "" is the working directory.
	Dir string
}

// NewCmdInit builds `hindsight init`; runF replaces the run in tests.
func NewCmdInit(f *Factory, runF func(*InitOptions) error) *cobra.Command {
	opts := &InitOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "init [DIR]",
		Short: "Set up a new repository of postmortems",
		Long: `Write the files of a new postmortem repository into DIR (default: the
working directory, created if missing): hindsight.yaml with every option
described, postmortems/ with an example postmortem, GitHub workflows that
check pull requests and publish the site to GitHub Pages, a pull request
template with the review checklist, a pre-commit config and a .gitignore.

It never overwrites: when any of these files exists, it lists them all and
writes nothing (exit 2).`,
		Example: `  hindsight init
  hindsight init incident-reviews`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				opts.Dir = args[0]
				if strings.TrimSpace(opts.Dir) == "" {
					return usageError("the folder is empty; give a path, or leave it out for the working directory")
				}
			}
			if runF != nil {
				return runF(opts)
			}
			return initRun(opts)
		},
	}
	return cmd
}

func initRun(opts *InitOptions) error {
	f := opts.Factory
	dir := opts.Dir
	if dir == "" {
		dir = "."
	}
	if !filepath.IsAbs(dir) {
		dir = filepath.Join(f.IO.WorkDir, dir)
	}
	dir = filepath.Clean(dir)
	if st, err := os.Stat(dir); err == nil && !st.IsDir() {
		return usageError("%s is a file, not a folder; give a folder to set up", displayPath(f.IO.WorkDir, dir))
	}

	files, err := scaffold.Files()
	if err != nil {
		return fmt.Errorf("reading the built-in files: %w", err)
	}
	// The editor schema, which the example's first line refers to, for the
	// default configuration.
	sch, err := schema.Generate(config.Defaults())
	if err != nil {
		return err
	}
	schemaFile := scaffold.File{Path: path.Join(path.Dir(scaffold.ExamplePath), schema.FileName), Data: append(sch, '\n')}
	for i, file := range files {
		if file.Path == scaffold.ExamplePath {
			files = slices.Insert(files, i+1, schemaFile)
			break
		}
	}

	// Look before writing anything: a file in the way stops the whole run.
	var existing []string
	for _, file := range files {
		target := filepath.Join(dir, filepath.FromSlash(file.Path))
		if blocked := blockedFolder(dir, file.Path); blocked != "" {
			if !slices.Contains(existing, displayPath(f.IO.WorkDir, blocked)) {
				existing = append(existing, displayPath(f.IO.WorkDir, blocked))
			}
			continue
		}
		_, err := os.Lstat(target)
		switch {
		case err == nil, errors.Is(err, syscall.ENOTDIR):
			// It exists, or a folder on its way is a file: either is in the way.
			existing = append(existing, displayPath(f.IO.WorkDir, target))
		case errors.Is(err, fs.ErrNotExist):
		default:
			return fmt.Errorf("checking %s: %w", displayPath(f.IO.WorkDir, target), err)
		}
	}
	if len(existing) > 0 {
		noun, them := "this file", "it"
		if len(existing) > 1 {
			noun, them = fmt.Sprintf("these %d files", len(existing)), "them"
		}
		return usageError("init would overwrite %s, so it wrote nothing:\n  %s\nmove %s aside, or run hindsight init in a new folder",
			noun, strings.Join(existing, "\n  "), them)
	}

	var created []string
	for _, file := range files {
		target := filepath.Join(dir, filepath.FromSlash(file.Path))
		if err := writeNew(target, file.Data); err != nil {
			if len(created) > 0 {
				fmt.Fprintf(f.IO.Err, "hindsight: created before the error:\n  %s\n", strings.Join(created, "\n  "))
			}
			return err
		}
		created = append(created, displayPath(f.IO.WorkDir, target))
	}

	out := f.IO.Out
	fmt.Fprintln(out, "Created:")
	for _, p := range created {
		fmt.Fprintf(out, "  %s\n", p)
	}
	fmt.Fprintln(out, "\nNext steps:")
	if rel := displayPath(f.IO.WorkDir, dir); rel != "." {
		fmt.Fprintf(out, "  cd %s\n", shellQuote(rel))
	}
	if !inGitRepo(dir) {
		fmt.Fprintln(out, "  git init                       # postmortems live in git; CI checks each pull request")
	}
	fmt.Fprintf(out, "  hindsight check --strict       # the example passes; read it, then delete it\n")
	fmt.Fprintln(out, `  hindsight new "What happened"  # start a postmortem from the template`)
	fmt.Fprintln(out, "  hindsight serve                # preview the site at http://127.0.0.1:8080/")
	fmt.Fprintln(out, "For GitHub Pages, set Settings > Pages > Source to GitHub Actions before the first push to main.")
	return nil
}

// blockedFolder returns the first folder on the way to rel (below dir)
// that exists but is not a folder one can write into: a file, or a symlink
// that leads nowhere or to a file. "" when the way is clear.
func blockedFolder(dir, rel string) string {
	p := dir
	parts := strings.Split(path.Dir(rel), "/")
	for _, part := range parts {
		if part == "." {
			break
		}
		p = filepath.Join(p, part)
		if _, err := os.Lstat(p); err != nil {
			return "" // missing: created as a folder
		}
		if st, err := os.Stat(p); err != nil || !st.IsDir() {
			return p
		}
	}
	return ""
}

// writeNew creates a file and its folders; an existing file is an error,
// never overwritten.
func writeNew(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("creating %s: %w", filepath.Dir(path), err)
	}
	file, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if errors.Is(err, fs.ErrExist) {
		return usageError("%s appeared while init was writing; it was left as it is", path)
	}
	if err != nil {
		return fmt.Errorf("creating %s: %w", path, err)
	}
	if _, err := file.Write(data); err != nil {
		file.Close()
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := file.Close(); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}

// inGitRepo reports whether dir or a parent holds .git.
func inGitRepo(dir string) bool {
	for d := dir; ; {
		if _, err := os.Stat(filepath.Join(d, ".git")); err == nil {
			return true
		}
		parent := filepath.Dir(d)
		if parent == d {
			return false
		}
		d = parent
	}
}

// shellQuote quotes a path for a command the user copies, when it needs it.
func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./+@:", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
