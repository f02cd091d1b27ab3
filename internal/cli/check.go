package cli

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/hindsight-dev/hindsight/internal/check"
	"github.com/hindsight-dev/hindsight/internal/corpus"
	"github.com/hindsight-dev/hindsight/internal/gitlink"
	"github.com/hindsight-dev/hindsight/internal/pipeline"
)

// retargetChanged keeps as targets only the files whose content differs
// from the revision's (or that it does not have).
func retargetChanged(c *corpus.Corpus, repo *gitlink.Repo, rev string) error {
	if repo.Problem != "" {
		return errors.New(repo.Problem)
	}
	rel, err := filepath.Rel(repo.Root(), c.Config.ContentDir())
	if err != nil || strings.HasPrefix(rel, "..") {
		return fmt.Errorf("the content folder %s is not inside the git repository %s", c.Config.ContentDir(), repo.Root())
	}
	old, err := repo.Blobs(rev, rel)
	if err != nil {
		return err
	}
	c.Retarget(func(file string) bool {
		key := pipeline.RepoPath(c.Config, repo, c.RepoPath(file))
		digest, ok := c.Digest(file)
		return !ok || old[key] != digest
	})
	return nil
}

// CheckOptions are the inputs of `hindsight check`.
type CheckOptions struct {
	Factory *Factory
	Paths   []string
	Format  string
	Strict  bool
	// ChangedSince limits the check to postmortems added or changed since
	// a revision (the pull request mode).
	ChangedSince string
}

// NewCmdCheck builds `hindsight check`; runF replaces the run in tests.
func NewCmdCheck(f *Factory, runF func(*CheckOptions) error) *cobra.Command {
	opts := &CheckOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "check [PATH...]",
		Short: "Check postmortems against the format and the rules",
		Long: `Check postmortems against the format: required fields, times in order,
action items with an owner and a due date, required sections, links,
blameless language and more. PATH may name files or folders; without one,
the content folder is checked. The whole corpus is always loaded, so that
ids and related links are checked across files.

Exit status: 0 when no finding is at error level, 1 when one is, 2 on a
usage or internal error.`,
		Example: `  hindsight check
  hindsight check --strict postmortems/2019-06-28-homepage-404.md
  hindsight check --format json > findings.json`,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Paths = args
			if !cmd.Flags().Changed("format") && f.IO.Getenv("GITHUB_ACTIONS") == "true" {
				opts.Format = "github"
			}
			if runF != nil {
				return runF(opts)
			}
			return checkRun(opts)
		},
	}
	enumVar(cmd, &opts.Format, "format", "text", check.Formats, "output format: text, github or json (github by default when GITHUB_ACTIONS=true)")
	cmd.Flags().BoolVar(&opts.Strict, "strict", false, "treat warnings as errors")
	cmd.Flags().StringVar(&opts.ChangedSince, "changed-since", "", "check only postmortems added or changed since this git revision (e.g. origin/main); ids and links are still checked against all")
	return cmd
}

func checkRun(opts *CheckOptions) error {
	f := opts.Factory
	cfg, err := f.Config()
	if err != nil {
		return err
	}
	now, err := f.Now()
	if err != nil {
		return usageError("%v", err)
	}
	repos := f.Repos(cfg)
	repos.Prefetch() // while the files are read
	c, err := corpus.Load(cfg, corpus.Options{Paths: opts.Paths, WorkDir: f.IO.WorkDir, Drafts: true, Digest: gitlink.BlobHash, Cache: parseCache(f, cfg.Root), KeepProse: check.ProseToKeep})
	if err != nil {
		return usageError("%v", err)
	}
	if opts.ChangedSince != "" {
		if err := retargetChanged(c, repos.Repo(""), opts.ChangedSince); err != nil {
			return usageError("--changed-since: %v", err)
		}
	}
	repos.Link(c.Postmortems, gitlink.LinkOptions{Files: opts.Format == "json"})
	memo := check.OpenMemo(pipeline.MemoFile(parseCache(f, cfg.Root)))
	rep := check.Run(c, check.Options{Strict: opts.Strict, Now: now, Memo: memo})
	_ = memo.Save() // only saves time: a run that cannot write it is no worse off
	if err := check.Write(f.IO.Out, rep, opts.Format, c.RepoPath); err != nil {
		return err
	}
	if rep.Errors > 0 {
		return &exitError{code: ExitFindings}
	}
	return nil
}
