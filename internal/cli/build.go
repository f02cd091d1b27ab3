package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/hindsight-dev/hindsight/internal/check"
	"github.com/hindsight-dev/hindsight/internal/config"
	"github.com/hindsight-dev/hindsight/internal/corpus"
	"github.com/hindsight-dev/hindsight/internal/pipeline"
	"github.com/hindsight-dev/hindsight/internal/search"
	"github.com/hindsight-dev/hindsight/internal/site"
	"github.com/hindsight-dev/hindsight/theme"
)

// BuildOptions are the inputs of `hindsight build`.
type BuildOptions struct {
	Factory *Factory
	Out     string
	BaseURL string
	Drafts  bool
	Public  bool
	Theme   string
}

// NewCmdBuild builds `hindsight build`; runF replaces the run in tests.
func NewCmdBuild(f *Factory, runF func(*BuildOptions) error) *cobra.Command {
	opts := &BuildOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "build",
		Short: "Check the postmortems and build the static site",
		Long: `Check the postmortems, then render the static site: every postmortem, the
list with filters, tags, services and severities, the action items, the
metrics charts, an Atom feed and a sitemap. Findings at error level stop the
build (exit 1) and leave the previous site as it was; warnings are printed.
The site is written beside the output folder and swapped in only when it is
complete. The same input gives byte-identical output.`,
		Example: `  hindsight build
  hindsight build --out public --base-url https://example.com/postmortems/ --public`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(opts)
			}
			return buildRun(cmd, opts)
		},
	}
	cmd.Flags().StringVar(&opts.Out, "out", "", "output folder (default: site in the repository root)")
	cmd.Flags().StringVar(&opts.BaseURL, "base-url", "", "URL the site is published under (default: base_url of hindsight.yaml)")
	cmd.Flags().BoolVar(&opts.Drafts, "drafts", false, "include drafts")
	cmd.Flags().BoolVar(&opts.Public, "public", false, "only `visibility: public` postmortems, without internal details (names, tickets), for a status page")
	cmd.Flags().StringVar(&opts.Theme, "theme", "", "folder whose files override the built-in theme (default: theme in the repository root, if any)")
	return cmd
}

// loadChecked loads, links and checks the whole corpus once.
func loadChecked(f *Factory, files bool) (*pipeline.Loaded, error) {
	return reloadChecked(f, files, nil, nil, nil)
}

// loadReport loads and checks the corpus for a report on the day of now
// (the current day, or HINDSIGHT_NOW), saying on stderr when it has errors.
func loadReport(f *Factory) (*pipeline.Loaded, time.Time, error) {
	l, err := loadChecked(f, false)
	if err != nil {
		return nil, time.Time{}, err
	}
	now, err := f.Now()
	if err != nil {
		return nil, time.Time{}, usageError("%v", err)
	}
	noteErrors(f, l)
	return l, now, nil
}

// reloadChecked is loadChecked taking unchanged files from a previous load.
func reloadChecked(f *Factory, files bool, prev *corpus.Corpus, changed []string, memo *check.Memo) (*pipeline.Loaded, error) {
	cfg, err := f.Config()
	if err != nil {
		return nil, err
	}
	now, err := f.Now()
	if err != nil {
		return nil, usageError("%v", err)
	}
	l, err := pipeline.Load(cfg, f.Repos(cfg), pipeline.LoadOptions{WorkDir: f.IO.WorkDir, Now: now, Files: files, Check: true, Previous: prev, Changed: changed, CheckMemo: memo, ParseCache: parseCache(f, cfg.Root)})
	if err != nil {
		return nil, usageError("%v", err)
	}
	return l, nil
}

func buildRun(cmd *cobra.Command, opts *BuildOptions) error {
	f := opts.Factory
	start := time.Now()
	l, err := loadChecked(f, true)
	if err != nil {
		return err
	}
	format := "text"
	if f.IO.Getenv("GITHUB_ACTIONS") == "true" {
		format = "github"
	}
	if l.Report.Errors > 0 {
		_ = check.Write(f.IO.Err, l.Report, format, l.Corpus.RepoPath)
		return &exitError{code: ExitFindings, err: fmt.Errorf("the build stopped: fix the errors above (the previous site is unchanged)")}
	}
	if l.Report.Warnings > 0 {
		_ = check.Write(f.IO.Err, l.Report, format, l.Corpus.RepoPath)
	}
	for _, pm := range l.Corpus.Postmortems {
		pm.Release() // checked: the build needs no positions
	}
	out := opts.outDir(f, l.Config)
	if opts.Theme != "" {
		if st, err := os.Stat(opts.themeDir(f, l.Config)); err != nil || !st.IsDir() {
			return usageError("--theme %s: no such folder", opts.Theme)
		}
	}
	_, statErr := os.Lstat(out)
	res, err := buildSite(f.Context(), f, l, opts, out, f.IO.ErrIsTTY, nil, false, nil)
	if err != nil {
		if errors.Is(statErr, fs.ErrNotExist) {
			// A first build leaves nothing behind (the search index it
			// began in a new folder).
			_ = os.RemoveAll(out)
			return &exitError{code: ExitUsage, err: fmt.Errorf("build failed: %w", err)}
		}
		return &exitError{code: ExitUsage, err: fmt.Errorf("build failed, the previous site is unchanged: %w", err)}
	}
	fmt.Fprintf(f.IO.Out, "Built %s, %s (%.1f MB) into %s in %s\n", plural(res.Postmortems, "postmortem"), plural(res.Pages, "page"),
		float64(res.Bytes)/1e6, displayPath(f.IO.WorkDir, out), time.Since(start).Round(time.Millisecond))
	return nil
}

func (opts *BuildOptions) outDir(f *Factory, cfg *config.Config) string {
	return folder(f, opts.Out, filepath.Join(cfg.Root, "site"))
}

func (opts *BuildOptions) themeDir(f *Factory, cfg *config.Config) string {
	return folder(f, opts.Theme, filepath.Join(cfg.Root, "theme"))
}

// folder resolves a folder flag: relative to the working directory, or def
// when the flag is not given.
func folder(f *Factory, flag, def string) string {
	switch {
	case flag == "":
		return def
	case filepath.IsAbs(flag):
		return flag
	}
	return filepath.Join(f.IO.WorkDir, flag)
}

// buildSite renders a loaded corpus into out, after bringing the search
// index up to date (ix; opened in out when nil, and closed after).
// memo, when set, carries what one of serve's builds worked out to the next.
func buildSite(ctx context.Context, f *Factory, l *pipeline.Loaded, opts *BuildOptions, out string, tty bool, ix *search.Index, served bool, memo *site.Memo) (*site.Result, error) {
	now, err := f.Now()
	if err != nil {
		return nil, err
	}
	bopts := pipeline.BuildOptions{
		Out: out, BaseURL: opts.BaseURL, Drafts: opts.Drafts, Public: opts.Public, Theme: theme.FS(opts.themeDir(f, l.Config)), Now: now,
		CacheDir: f.IO.Getenv("HINDSIGHT_CACHE"), Index: ix, Served: served, Preview: served, Memo: memo,
		Once: !served && memo == nil,
	}
	if tty {
		bopts.Progress = progress(f.IO.Err)
	}
	res, err := l.Build(ctx, bopts)
	if bopts.Progress != nil {
		fmt.Fprint(f.IO.Err, "\r\033[K")
	}
	return res, err
}

// progress draws a counter on a terminal, at most every 100 pages.
func progress(w io.Writer) func(done, total int) {
	return func(done, total int) {
		if done%100 == 0 || done == total {
			fmt.Fprintf(w, "\rRendering pages %d/%d", done, total)
		}
	}
}
