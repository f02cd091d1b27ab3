// Package pipeline runs the steps the commands share, in one place: load
// the corpus, link it to git, check it, attach each file's history, and
// build the site (search documents, the search index, the pages). The cli
// package keeps the flags, the output and the exit codes.
package pipeline

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/hindsight-dev/hindsight/internal/check"
	"github.com/hindsight-dev/hindsight/internal/config"
	"github.com/hindsight-dev/hindsight/internal/corpus"
	"github.com/hindsight-dev/hindsight/internal/gitlink"
	"github.com/hindsight-dev/hindsight/internal/postmortem"
	"github.com/hindsight-dev/hindsight/internal/search"
	"github.com/hindsight-dev/hindsight/internal/site"
)

// Loaded is a corpus loaded (drafts included), linked to git and
// checked: what every command works from.
type Loaded struct {
	Config *config.Config
	Corpus *corpus.Corpus
	// Report is nil when the corpus was not checked.
	Report *check.Report
	Repos  *gitlink.Set
}

// LoadOptions say how to load.
type LoadOptions struct {
	// WorkDir is the folder the command runs in; messages name files
	// relative to it.
	WorkDir string
	// Now is the day overdue items are judged by.
	Now time.Time
	// Files asks git for each commit's changed files too.
	Files bool
	// Check runs the rules.
	Check bool
	// Previous is an earlier load whose unchanged files are taken as they
	// were (serve's rebuilds).
	Previous *corpus.Corpus
	// Changed, with Previous, names every file that may have changed
	// since (see corpus.Options.Changed); nil looks at every file.
	Changed []string
	// ParseCache is the file that keeps each file's parse between runs
	// (corpus.Options.Cache).
	ParseCache string
	// CheckMemo carries the check's findings from one load to the next
	// (serve's rebuilds, with Previous). Without it, a load with a
	// ParseCache keeps them in a file beside it (findings.gob).
	CheckMemo *check.Memo
}

// Load reads every postmortem of cfg, links its commits through repos
// and, with opts.Check, checks it.
func Load(cfg *config.Config, repos *gitlink.Set, opts LoadOptions) (*Loaded, error) {
	repos.Prefetch() // while the files are read
	c, err := corpus.Load(cfg, corpus.Options{WorkDir: opts.WorkDir, Drafts: true, Digest: gitlink.BlobHash, Previous: opts.Previous, Changed: opts.Changed, Cache: opts.ParseCache, KeepProse: check.ProseToKeep})
	if err != nil {
		return nil, err
	}
	repos.Link(c.Postmortems, gitlink.LinkOptions{Files: opts.Files})
	repos.DropObjects()
	l := &Loaded{Config: cfg, Corpus: c, Repos: repos}
	if opts.Check {
		memo := opts.CheckMemo
		if memo == nil && opts.ParseCache != "" {
			memo = check.OpenMemo(MemoFile(opts.ParseCache))
		}
		l.Report = check.Run(c, check.Options{Now: opts.Now, Memo: memo})
		if opts.CheckMemo == nil {
			// Like the parse cache, the memo only saves time: a run that
			// cannot write it is no worse than one without it.
			_ = memo.Save()
		}
		// The rules have read the positions and prose they needed;
		// what they unpacked would stay in memory for as long as the
		// corpus (serve's, until the next edit of the file).
		for _, pm := range c.Postmortems {
			pm.Repack()
		}
	}
	return l, nil
}

// MemoFile is where the check's memo of findings is kept beside a parse
// cache.
func MemoFile(parseCache string) string {
	return filepath.Join(filepath.Dir(parseCache), "findings.gob")
}

// RepoPath is a path relative to the repository root of cfg as a path in
// repo's work tree (they differ when the postmortems live in a folder of
// a larger repository).
func RepoPath(cfg *config.Config, repo *gitlink.Repo, rel string) string {
	base, err := filepath.Rel(repo.Root(), cfg.Root)
	if err != nil || strings.HasPrefix(base, "..") {
		return rel
	}
	return filepath.ToSlash(filepath.Join(base, filepath.FromSlash(rel)))
}

// WebLinks gives a file's page and history page in the web UI of the
// repository holding the postmortems, or nil when it has none.
func WebLinks(cfg *config.Config, repo *gitlink.Repo) func(string) (string, string) {
	if repo.Problem != "" || repo.Web.Base == "" {
		return nil
	}
	return func(rel string) (string, string) {
		p := RepoPath(cfg, repo, rel)
		return repo.Web.File("HEAD", p), repo.Web.History("HEAD", p)
	}
}

// EditLinks gives the page that edits a file on the branch HEAD is on, in
// the web UI of the repository holding the postmortems, or nil when it has
// no web UI or HEAD is on no branch.
func EditLinks(cfg *config.Config, repo *gitlink.Repo) func(string) string {
	if repo.Problem != "" || repo.Web.Base == "" {
		return nil
	}
	branch := repo.Branch()
	if branch == "" {
		return nil
	}
	return func(rel string) string { return repo.Web.Edit(branch, RepoPath(cfg, repo, rel)) }
}

// AttachHistory sets each postmortem's history from one walk of the
// repository holding them (cached under cacheDir, the user cache folder
// when empty), marking files that differ from HEAD or were never
// committed.
func (l *Loaded) AttachHistory(cacheDir string) {
	repo := l.Repos.Repo("")
	if repo.Problem != "" {
		return
	}
	if cacheDir == "" {
		if dir, err := os.UserCacheDir(); err == nil {
			cacheDir = filepath.Join(dir, "hindsight")
		}
	}
	prefix := RepoPath(l.Config, repo, l.Config.Content)
	hist, err := repo.History(prefix, cacheDir)
	if err != nil {
		return
	}
	head, _ := repo.Blobs("HEAD", prefix)
	// The postmortems' paths in the repository all start the same way.
	base := RepoPath(l.Config, repo, "")
	if base == "." || base == "" {
		base = ""
	} else {
		base += "/"
	}
	for _, pm := range l.Corpus.Postmortems {
		p := base + pm.Rel
		h, ok := hist[p]
		if !ok {
			setHistory(pm, postmortem.FileHistory{Uncommitted: true})
			continue
		}
		hc := *h
		if d, ok := l.Corpus.Digest(pm.File); ok && head[p] != d {
			hc.Uncommitted = true
		}
		setHistory(pm, hc)
	}
}

// setHistory gives pm the history h, keeping the one it has when that
// says the same: a reload keeps an unchanged postmortem as it was.
func setHistory(pm *postmortem.Postmortem, h postmortem.FileHistory) {
	if pm.History == nil || !pm.History.Equal(h) {
		pm.History = &h
	}
}

// BuildOptions say what site to build.
type BuildOptions struct {
	Out, BaseURL   string
	Drafts, Public bool
	Theme          fs.FS
	Now            time.Time
	// CacheDir is where the history walk is cached ($HINDSIGHT_CACHE).
	CacheDir string
	// Index, when set, is the open search index to bring up to date;
	// otherwise the one in Out is opened and closed.
	Index *search.Index
	// Served leaves out the static search index: the server answers
	// searches.
	Served bool
	// Preview is the writer's preview (serve): each page shows its
	// findings first, and a file that could not be parsed keeps its page,
	// which shows why.
	Preview  bool
	Progress func(done, total int)
	// Memo carries what a build works out to the next one (serve's).
	Memo *site.Memo
	// Once says that the corpus is built once and then let go (the build
	// command): once the search documents are made, its files' bytes are
	// released, and each page's body is read from its file again.
	Once bool
}

// Build brings the search index up to date and writes the site of a
// checked corpus into opts.Out. A failed build leaves the previous site
// as it was.
func (l *Loaded) Build(ctx context.Context, opts BuildOptions) (*site.Result, error) {
	l.AttachHistory(opts.CacheDir)
	// Git is done with: the objects its tree diffs decoded would only
	// take memory the pages and the search index need.
	l.Repos.DropObjects()
	content := l.Repos.Repo("")
	sopts := site.Options{
		Out: opts.Out, BaseURL: opts.BaseURL, Drafts: opts.Drafts, Public: opts.Public, Theme: opts.Theme, Now: opts.Now,
		Findings:       findingsByFile(l.Report),
		Preview:        opts.Preview,
		Web:            WebLinks(l.Config, content),
		Edit:           EditLinks(l.Config, content),
		NoStaticSearch: opts.Served,
		SearchCache:    filepath.Join(opts.Out, site.IndexDir, "static-analysis.gob"),
		Progress:       opts.Progress,
		Memo:           opts.Memo,
	}
	if opts.Preview {
		sopts.Failed = l.failedPages(sopts.Findings)
	}
	if err := site.CheckOutput(l.Config, opts.Out); err != nil {
		return nil, err
	}
	if _, _, err := config.SplitBaseURL(cmp.Or(opts.BaseURL, l.Config.BaseURL)); err != nil {
		return nil, err
	}
	ix := opts.Index
	if ix == nil {
		var err error
		if ix, err = OpenIndex(opts.Out, opts.Public); err != nil {
			return nil, err
		}
		defer ix.Close()
	}
	// One set of search documents for both indexes: a body's text is made
	// once, for the postmortems that either index lacks.
	held := ix.Holds
	if !opts.Served {
		sopts.Analysis = search.LoadAnalysisCache(sopts.SearchCache)
		held = func(id, hash string) bool { return ix.Holds(id, hash) && sopts.Analysis.Has(id, hash) }
	}
	docs, err := site.Docs(l.Config, l.Corpus.Postmortems, sopts, held)
	if err != nil {
		return nil, err
	}
	if opts.Once {
		// Only the pages need the bodies now, one at a time.
		l.Corpus.ReleaseText()
	}
	// Bleve's analysis of the text is noted for the static index, which
	// then need not analyse it again.
	if _, err := ix.SyncRecording(docs, sopts.Analysis); err != nil {
		return nil, fmt.Errorf("updating the search index: %w", err)
	}
	sopts.Similar, sopts.Docs = ix, docs
	return site.Build(ctx, l.Config, l.Corpus.Postmortems, sopts)
}

// findingsByFile are the findings shown on each page.
func findingsByFile(rep *check.Report) map[string][]site.Finding {
	out := map[string][]site.Finding{}
	if rep == nil {
		return out
	}
	for _, d := range rep.Findings {
		out[d.File] = append(out[d.File], siteFinding(d))
	}
	return out
}

func siteFinding(d postmortem.Diagnostic) site.Finding {
	return site.Finding{Level: cmp.Or(d.Level, "error"), Line: d.Line, Col: d.Col, Rule: d.Rule, Message: d.Message}
}

// FailedID is the id of the page of a file that could not be parsed: its
// last parse's that worked, else its file name's.
func FailedID(f *corpus.Failure) string {
	if f.Last != nil {
		return f.Last.ID
	}
	return postmortem.Slug(strings.TrimSuffix(path.Base(f.Rel), path.Ext(f.Rel)))
}

// failedPages are the pages of the files that could not be parsed: at
// the path of their last parse that worked, else of their file name, with
// the findings of the check, byFile (or of the parse, unchecked).
func (l *Loaded) failedPages(byFile map[string][]site.Finding) []site.Failed {
	var out []site.Failed
	for _, f := range l.Corpus.Failed {
		p := site.Failed{File: f.File, Source: f.Source, ID: FailedID(f)}
		if f.Last != nil {
			p.Title = f.Last.Title
		}
		p.Findings = byFile[f.File]
		if l.Report == nil {
			for _, d := range f.Diagnostics {
				p.Findings = append(p.Findings, siteFinding(d))
			}
		}
		out = append(out, p)
	}
	return out
}

// OpenIndex opens the search index of a site in out, refusing an output
// folder that build would refuse.
//
// The index of a public build never holds what an internal build put in
// it: deleted documents leave their words in the index's term dictionary
// (and the analysis cache beside it), so an index made for the other kind
// of build is removed and made anew.
func OpenIndex(out string, public bool) (*search.Index, error) {
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
