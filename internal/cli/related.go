package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/hindsight-dev/hindsight/internal/config"
	"github.com/hindsight-dev/hindsight/internal/corpus"
	"github.com/hindsight-dev/hindsight/internal/gitlink"
	"github.com/hindsight-dev/hindsight/internal/impact"
	"github.com/hindsight-dev/hindsight/internal/pipeline"
)

var reportFormats = []string{"text", "markdown", "json"}

// RelatedOptions are the inputs of `hindsight related`.
type RelatedOptions struct {
	Factory *Factory
	Base    string
	Repo    string
	Format  string
}

// NewCmdRelated builds `hindsight related`; runF replaces the run in tests.
func NewCmdRelated(f *Factory, runF func(*RelatedOptions) error) *cobra.Command {
	opts := &RelatedOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "related",
		Short: "List past incidents whose commits touched the files a change touches",
		Long: `List the past postmortems whose trigger or fix commits changed the same files
as the changes between --base (default: the merge base with the default
branch) and HEAD, most overlapping first, with the overlapping paths. The
repository is the one of the working directory, or --repo NAME from
hindsight.yaml. The markdown form is ready to post as a pull request comment.
It exits 0 whether or not there are matches.`,
		Example: `  hindsight related --format markdown
  hindsight related --config ../postmortems/hindsight.yaml --repo web --base origin/main`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(opts)
			}
			return relatedRun(opts)
		},
	}
	cmd.Flags().StringVar(&opts.Base, "base", "", "revision the change is compared with (default: the merge base with origin's default branch)")
	cmd.Flags().StringVar(&opts.Repo, "repo", "", "a repo name from hindsight.yaml (default: the repository of the working directory)")
	enumVar(cmd, &opts.Format, "format", "text", reportFormats, "output format: text, markdown or json")
	return cmd
}

// linkedCorpus loads every postmortem, drafts included, with commit
// details and changed files, unchecked.
func linkedCorpus(f *Factory) (*config.Config, *corpus.Corpus, *gitlink.Set, error) {
	cfg, err := f.Config()
	if err != nil {
		return nil, nil, nil, err
	}
	l, err := pipeline.Load(cfg, f.Repos(cfg), pipeline.LoadOptions{WorkDir: f.IO.WorkDir, Files: true, ParseCache: parseCache(f, cfg.Root)})
	if err != nil {
		return nil, nil, nil, usageError("%v", err)
	}
	return cfg, l.Corpus, l.Repos, nil
}

func relatedRun(opts *RelatedOptions) error {
	f := opts.Factory
	cfg, c, repos, err := linkedCorpus(f)
	if err != nil {
		return err
	}
	var target *gitlink.Repo
	var names []string
	here := gitlink.NewSet(f.Context(), f.IO.WorkDir, nil, "").Repo("")
	if opts.Repo != "" {
		if !repos.Known(opts.Repo) {
			return usageError("--repo %q is not in hindsight.yaml; the configured repos are: %s", opts.Repo, strings.Join(repos.Names(), ", "))
		}
		// Run inside the service's own checkout, the change to compare is
		// that checkout's, whatever clone the config points at; run from
		// the postmortems' repository, it is the configured repository's.
		target, names = repos.Repo(opts.Repo), []string{opts.Repo}
		if here.Problem == "" && !sameDir(here.Root(), repos.Repo("").Root()) {
			target = here
		}
	} else {
		target = here
		// Refs count when their repository is this same work tree.
		for _, name := range append([]string{""}, repos.Names()...) {
			if r := repos.Repo(name); r.Root() != "" && sameDir(r.Root(), target.Root()) {
				names = append(names, name)
			}
		}
	}
	if target.Problem != "" {
		return usageError("%s", target.Problem)
	}
	files, base, err := target.ChangedSinceBase(opts.Base)
	if err != nil {
		return usageError("%v", err)
	}
	matches := impact.Related(c.Postmortems, names, files)
	link := func(m impact.Match) string { return pageURL(cfg, repos.Repo(""), m.ID, m.File) }
	return writeRelated(f.IO.Out, opts.Format, link, base, files, matches)
}

func sameDir(a, b string) bool {
	ra, err1 := filepath.EvalSymlinks(a)
	rb, err2 := filepath.EvalSymlinks(b)
	return err1 == nil && err2 == nil && ra == rb
}

// pageURL is where a postmortem is read: its page on the site when the
// config has a base URL, else the file in the web UI of the repository that
// holds it, else its path.
func pageURL(cfg *config.Config, content *gitlink.Repo, id, file string) string {
	if cfg.BaseURL != "" {
		return strings.TrimSuffix(cfg.BaseURL, "/") + "/" + id + "/"
	}
	if content != nil && content.Web.Base != "" {
		return content.Web.File("HEAD", pipeline.RepoPath(cfg, content, file))
	}
	return file
}

func writeRelated(w io.Writer, format string, link func(impact.Match) string, base string, files []string, matches []impact.Match) error {
	switch format {
	case "json":
		return writeJSONValue(w, struct {
			Version int            `json:"version"`
			Base    string         `json:"base"`
			Files   []string       `json:"files"`
			Matches []impact.Match `json:"matches"`
		}{1, base, files, nonNil(matches)})
	case "markdown":
		var b strings.Builder
		if len(matches) == 0 {
			fmt.Fprintf(&b, "No past incident touched the %s changed since `%s`.\n", plural(len(files), "file"), base)
		} else {
			fmt.Fprintf(&b, "### Past incidents touching these files\n\nThe trigger or fix commits of %s changed files that this change touches (compared with `%s`).\n\n", plural(len(matches), "past incident"), base)
			b.WriteString("| Incident | Severity | Date | Files in common |\n| --- | --- | --- | --- |\n")
			for _, m := range matches {
				var paths []string
				for _, p := range m.Overlap {
					paths = append(paths, "`"+mdCell(p)+"`")
				}
				fmt.Fprintf(&b, "| [%s](%s) | %s | %s | %s |\n", mdCell(m.Title), link(m), mdCell(m.Severity), m.Date, strings.Join(paths, "<br>"))
			}
		}
		_, err := io.WriteString(w, b.String())
		return err
	}
	var b strings.Builder
	if len(matches) == 0 {
		fmt.Fprintf(&b, "No past incident touched the %s changed since %s.\n", plural(len(files), "file"), base)
	} else {
		verb := "overlap"
		if len(files) == 1 {
			verb = "overlaps"
		}
		fmt.Fprintf(&b, "The %s changed since %s %s with %s:\n", plural(len(files), "file"), base, verb, plural(len(matches), "past incident"))
		for _, m := range matches {
			fmt.Fprintf(&b, "\n%s  %s  %s  %s\n  %s\n", m.ID, m.Severity, m.Date, m.Title, link(m))
			for _, p := range m.Overlap {
				fmt.Fprintf(&b, "  - %s\n", p)
			}
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// mdCell makes text safe inside a Markdown table cell.
func mdCell(s string) string {
	return strings.NewReplacer("|", `\|`, "\n", " ", "`", "'", "[", `\[`, "]", `\]`, "<", "&lt;").Replace(s)
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func writeJSONValue(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
