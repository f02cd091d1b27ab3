package cli

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/template"
	"time"

	"github.com/spf13/cobra"

	"github.com/hindsight-dev/hindsight/internal/config"
	"github.com/hindsight-dev/hindsight/internal/gitlink"
	"github.com/hindsight-dev/hindsight/internal/postmortem"
	"github.com/hindsight-dev/hindsight/internal/schema"
	"github.com/hindsight-dev/hindsight/theme"
)

// NewOptions are the inputs of `hindsight new`.
type NewOptions struct {
	Factory  *Factory
	Title    string
	Severity string
	Services []string
	Date     string
	Owner    string
}

// NewCmdNew builds `hindsight new`; runF replaces the run in tests.
func NewCmdNew(f *Factory, runF func(*NewOptions) error) *cobra.Command {
	opts := &NewOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "new TITLE",
		Short: "Start a postmortem from the template",
		Long: `Write a new draft postmortem, postmortems/YYYY-MM-DD-<slug>.md, with every
required key and section and a prompt in each. The prompts are marked TODO:
check reports them (a warning while the file is a draft, an error once it is
in review), so a template cannot be published unfilled. The owner is taken
from git's user.email. An existing file is never overwritten.`,
		Example: `  hindsight new "Checkout errors after the payment SDK upgrade" --severity SEV2 --service checkout`,
		Args:    cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Title = strings.TrimSpace(strings.Join(args, " "))
			if opts.Title == "" {
				return usageError("the title is empty; give it as the first argument, e.g. hindsight new \"Checkout errors\"")
			}
			if runF != nil {
				return runF(opts)
			}
			return newRun(opts)
		},
	}
	cmd.Flags().StringVar(&opts.Severity, "severity", "", "severity level (default: the least severe configured level, marked to confirm)")
	cmd.Flags().StringArrayVar(&opts.Services, "service", nil, "affected service (repeat for several)")
	cmd.Flags().StringVar(&opts.Date, "date", "", "day the incident began, YYYY-MM-DD (default: today)")
	cmd.Flags().StringVar(&opts.Owner, "owner", "", "owner of the write-up (default: git config user.email)")
	return cmd
}

type archetypeData struct {
	Schema, Title, Date, Severity, Severities, Owner, Start string
	SeverityGuess                                           bool
	Services                                                []string
}

func newRun(opts *NewOptions) error {
	f := opts.Factory
	cfg, err := f.Config()
	if err != nil {
		return err
	}
	now, err := f.Now()
	if err != nil {
		return usageError("%v", err)
	}
	day := now.Truncate(time.Minute)
	if opts.Date != "" {
		d, err := postmortem.ParseDate(opts.Date)
		if err != nil {
			return usageError("--date: %v", err)
		}
		day = time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, now.Location())
	}
	data := archetypeData{
		Schema:     schema.FileName,
		Title:      opts.Title,
		Date:       day.Format(postmortem.DateLayout),
		Severity:   opts.Severity,
		Severities: strings.Join(cfg.Severities, ", "),
		Owner:      opts.Owner,
		Start:      day.Format("2006-01-02T15:04:05Z07:00"),
		Services:   opts.Services,
	}
	if data.Severity == "" {
		data.Severity, data.SeverityGuess = cfg.Severities[len(cfg.Severities)-1], true
	} else if !slices.Contains(cfg.Severities, data.Severity) {
		return usageError("--severity %q is not a configured level; use one of %s", data.Severity, data.Severities)
	}
	if data.Owner == "" {
		data.Owner = gitlink.UserEmail(cfg.Root)
	}
	if data.Owner == "" {
		data.Owner = "TODO: your name or email (set git config user.email to fill this in)"
	}
	if len(data.Services) == 0 {
		data.Services = []string{"TODO-affected-service"}
	}
	slug := postmortem.Slug(opts.Title)
	if slug == "" {
		return usageError("the title %q gives an empty file name; use some letters or digits", opts.Title)
	}
	if len(slug) > 60 {
		slug = strings.TrimRight(slug[:60], "-")
	}

	content := cfg.ContentDir()
	path := filepath.Join(content, data.Date+"-"+slug+".md")
	text, err := renderArchetype(cfg.Root, data)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(content, 0o755); err != nil {
		return fmt.Errorf("creating %s: %w", content, err)
	}
	file, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if errors.Is(err, fs.ErrExist) {
		return usageError("%s already exists; edit it, or choose another title or --date", displayPath(f.IO.WorkDir, path))
	}
	if err != nil {
		return fmt.Errorf("creating the postmortem: %w", err)
	}
	if _, err := file.Write(text); err != nil {
		file.Close()
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := file.Close(); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := writeSchema(cfg, filepath.Join(content, schema.FileName)); err != nil {
		return err
	}
	fmt.Fprintln(f.IO.Out, displayPath(f.IO.WorkDir, path))
	return nil
}

// renderArchetype fills the postmortem template, the repository's
// theme/archetypes/postmortem.md first.
func renderArchetype(root string, data archetypeData) ([]byte, error) {
	fsys := theme.FS(filepath.Join(root, "theme"))
	src, err := fs.ReadFile(fsys, "archetypes/postmortem.md")
	if err != nil {
		return nil, fmt.Errorf("reading the postmortem template: %w", err)
	}
	tmpl, err := template.New("archetypes/postmortem.md").Option("missingkey=error").Funcs(template.FuncMap{
		"quote": func(s string) string {
			b, _ := json.Marshal(s)
			return string(b)
		},
	}).Parse(string(src))
	if err != nil {
		return nil, fmt.Errorf("theme/%v", err)
	}
	var buf bytes.Buffer
	if err := tmpl.Execute(&buf, data); err != nil {
		return nil, fmt.Errorf("theme/%v", err)
	}
	return buf.Bytes(), nil
}

// writeSchema keeps the editor schema beside the postmortems up to date;
// it is generated, so rewriting it loses nothing.
func writeSchema(cfg *config.Config, path string) error {
	data, err := schema.Generate(cfg)
	if err != nil {
		return err
	}
	data = append(data, '\n')
	if old, err := os.ReadFile(path); err == nil && bytes.Equal(old, data) {
		return nil
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		return fmt.Errorf("writing the schema: %w", err)
	}
	return nil
}

func displayPath(wd, path string) string {
	if rel, err := filepath.Rel(wd, path); err == nil && !strings.HasPrefix(rel, "..") {
		return filepath.ToSlash(rel)
	}
	return filepath.ToSlash(path)
}
