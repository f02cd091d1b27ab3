package cli

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/hindsight-dev/hindsight/internal/check"
	"github.com/hindsight-dev/hindsight/internal/config"
	"github.com/hindsight-dev/hindsight/internal/corpus"
	"github.com/hindsight-dev/hindsight/internal/gitlink"
	"github.com/hindsight-dev/hindsight/internal/postmortem"
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

// loaded is a corpus checked and linked to git, ready for the site.
type loaded struct {
	cfg    *config.Config
	corpus *corpus.Corpus
	report *check.Report
	repos  *gitlink.Set
}

// loadChecked loads, links and checks the whole corpus once.
func loadChecked(f *Factory, files bool) (*loaded, error) { return reloadChecked(f, files, nil) }

// reloadChecked is loadChecked taking unchanged files from a previous load.
func reloadChecked(f *Factory, files bool, prev *corpus.Corpus) (*loaded, error) {
	cfg, err := f.Config()
	if err != nil {
		return nil, err
	}
	now, err := f.Now()
	if err != nil {
		return nil, usageError("%v", err)
	}
	c, err := corpus.Load(cfg, corpus.Options{WorkDir: f.IO.WorkDir, Drafts: true, Digest: gitlink.BlobHash, Previous: prev})
	if err != nil {
		return nil, usageError("%v", err)
	}
	repos := f.Repos(cfg)
	repos.Link(c.Postmortems, gitlink.LinkOptions{Files: files})
	rep := check.Run(c, check.Options{Now: now})
	return &loaded{cfg: cfg, corpus: c, report: rep, repos: repos}, nil
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
	if l.report.Errors > 0 {
		_ = check.Write(f.IO.Err, l.report, format, l.corpus.RepoPath)
		return &exitError{code: ExitFindings, err: fmt.Errorf("the build stopped: fix the errors above (the previous site is unchanged)")}
	}
	if l.report.Warnings > 0 {
		_ = check.Write(f.IO.Err, l.report, format, l.corpus.RepoPath)
	}
	for _, pm := range l.corpus.Postmortems {
		pm.Release() // checked: the build needs no positions
	}
	out := opts.outDir(f, l.cfg)
	if opts.Theme != "" {
		if st, err := os.Stat(opts.themeDir(f, l.cfg)); err != nil || !st.IsDir() {
			return usageError("--theme %s: no such folder", opts.Theme)
		}
	}
	res, err := buildSite(cmd.Context(), f, l, opts, out, f.IO.ErrIsTTY, nil, false)
	if err != nil {
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
func buildSite(ctx context.Context, f *Factory, l *loaded, opts *BuildOptions, out string, tty bool, ix *search.Index, served bool) (*site.Result, error) {
	now, err := f.Now()
	if err != nil {
		return nil, err
	}
	content := l.repos.Repo("")
	attachHistory(l, content, f.IO.Getenv("HINDSIGHT_CACHE"))
	sopts := site.Options{
		Out: out, BaseURL: opts.BaseURL, Drafts: opts.Drafts, Public: opts.Public, Theme: theme.FS(opts.themeDir(f, l.cfg)), Now: now,
		Warnings: warningsByFile(l.report),
		Web:      webLinks(l.cfg, content),
		// A served site searches through the API: no static index to keep.
		NoStaticSearch: served,
		SearchCache:    filepath.Join(out, site.IndexDir, "static-analysis.gob"),
	}
	if err := site.CheckOutput(l.cfg, out); err != nil {
		return nil, err
	}
	if _, _, err := config.SplitBaseURL(cmp.Or(opts.BaseURL, l.cfg.BaseURL)); err != nil {
		return nil, err
	}
	if ix == nil {
		if ix, err = openIndex(out, opts.Public); err != nil {
			return nil, err
		}
		defer ix.Close()
	}
	docs, err := site.Docs(l.cfg, l.corpus.Postmortems, sopts, ix.Holds)
	if err != nil {
		return nil, err
	}
	if _, err := ix.Sync(docs); err != nil {
		return nil, fmt.Errorf("updating the search index: %w", err)
	}
	sopts.Similar = ix
	if tty {
		sopts.Progress = progress(f.IO.Err)
	}
	res, err := site.Build(ctx, l.cfg, l.corpus.Postmortems, sopts)
	if sopts.Progress != nil {
		fmt.Fprint(f.IO.Err, "\r\033[K")
	}
	return res, err
}

// openIndex opens the search index of a site in out, refusing an output
// folder that build would refuse.
//
// The index of a public build never holds what an internal build put in
// it: deleted documents leave their words in the index's term dictionary
// (and the analysis cache beside it), so an index made for the other kind
// of build is removed and made anew.
func openIndex(out string, public bool) (*search.Index, error) {
	if err := os.MkdirAll(out, 0o755); err != nil {
		return nil, err
	}
	dir := filepath.Join(out, site.IndexDir)
	scope := "internal\n"
	if public {
		scope = "public\n"
	}
	scopeFile := filepath.Join(dir, "scope")
	if was, err := os.ReadFile(scopeFile); err == nil && string(was) != scope || errors.Is(err, fs.ErrNotExist) && public {
		if err := os.RemoveAll(dir); err != nil {
			return nil, fmt.Errorf("removing the search index of another kind of build: %w", err)
		}
	}
	ix, err := search.Open(dir)
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(scopeFile, []byte(scope), 0o644); err != nil {
		ix.Close()
		return nil, fmt.Errorf("writing the search index: %w", err)
	}
	return ix, nil
}

// progress draws a counter on a terminal, at most every 100 pages.
func progress(w io.Writer) func(done, total int) {
	return func(done, total int) {
		if done%100 == 0 || done == total {
			fmt.Fprintf(w, "\rRendering pages %d/%d", done, total)
		}
	}
}

func warningsByFile(rep *check.Report) map[string][]string {
	out := map[string][]string{}
	for _, d := range rep.Findings {
		out[d.File] = append(out[d.File], fmt.Sprintf("line %d: %s (%s)", d.Line, d.Message, d.Rule))
	}
	return out
}

// repoPath is a postmortem's path relative to the work tree of repo.
func repoPath(cfg *config.Config, repo *gitlink.Repo, rel string) string {
	base, err := filepath.Rel(repo.Root(), cfg.Root)
	if err != nil || strings.HasPrefix(base, "..") {
		return rel
	}
	return filepath.ToSlash(filepath.Join(base, filepath.FromSlash(rel)))
}

// webLinks gives a file's page and history page in the web UI of the
// repository holding the postmortems.
func webLinks(cfg *config.Config, repo *gitlink.Repo) func(string) (string, string) {
	if repo.Problem != "" || repo.Web.Base == "" {
		return nil
	}
	return func(rel string) (string, string) {
		p := repoPath(cfg, repo, rel)
		return repo.Web.File("HEAD", p), repo.Web.History("HEAD", p)
	}
}

// attachHistory sets each postmortem's history from one walk of the
// repository, marking files that differ from HEAD or were never committed.
func attachHistory(l *loaded, repo *gitlink.Repo, cacheDir string) {
	if repo.Problem != "" {
		return
	}
	if cacheDir == "" {
		if dir, err := os.UserCacheDir(); err == nil {
			cacheDir = filepath.Join(dir, "hindsight")
		}
	}
	prefix := repoPath(l.cfg, repo, l.cfg.Content)
	hist, err := repo.History(prefix, cacheDir)
	if err != nil {
		return
	}
	head, _ := repo.Blobs("HEAD", prefix)
	for _, pm := range l.corpus.Postmortems {
		p := repoPath(l.cfg, repo, pm.Rel)
		h, ok := hist[p]
		if !ok {
			pm.History = &postmortem.FileHistory{Uncommitted: true}
			continue
		}
		hc := *h
		if d, ok := l.corpus.Digest(pm.File); ok && head[p] != d {
			hc.Uncommitted = true
		}
		pm.History = &hc
	}
}
