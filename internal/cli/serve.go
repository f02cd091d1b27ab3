package cli

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/hindsight-dev/hindsight/internal/check"
	"github.com/hindsight-dev/hindsight/internal/config"
	"github.com/hindsight-dev/hindsight/internal/corpus"
	"github.com/hindsight-dev/hindsight/internal/pipeline"
	"github.com/hindsight-dev/hindsight/internal/postmortem"
	"github.com/hindsight-dev/hindsight/internal/search"
	"github.com/hindsight-dev/hindsight/internal/server"
	"github.com/hindsight-dev/hindsight/internal/site"
)

// ServeOptions are the inputs of `hindsight serve`.
type ServeOptions struct {
	BuildOptions
	Addr    string
	NoWatch bool
	Hosts   []string
	Expose  bool
}

// NewCmdServe builds `hindsight serve`; runF replaces the run in tests.
func NewCmdServe(f *Factory, runF func(*ServeOptions) error) *cobra.Command {
	opts := &ServeOptions{BuildOptions: BuildOptions{Factory: f}}
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Build the site, serve it with search, and rebuild as files change",
		Long: `Build the site (drafts included, unless --drafts=false) and serve it on a
loopback address with the search API. The content folder, the theme and the
config are watched: every change rebuilds what it affects and reloads the
open pages. Check findings are printed and shown on each page, but never stop
a preview. Ctrl+C stops the server gracefully.`,
		Example: `  hindsight serve
  hindsight serve --addr 127.0.0.1:9000 --no-watch`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(opts)
			}
			return serveRun(cmd, opts)
		},
	}
	cmd.Flags().StringVar(&opts.Addr, "addr", "127.0.0.1:8080", "address to listen on (host:port; port 0 picks a free one)")
	cmd.Flags().StringSliceVar(&opts.Hosts, "allow-host", nil, "host name requests may use besides loopback names and IP addresses (repeatable), e.g. for a dev container's forwarded name")
	cmd.Flags().BoolVar(&opts.Expose, "expose", false, "allow an --addr beyond loopback: the preview, drafts and internal postmortems included, is then open to the network")
	cmd.Flags().BoolVar(&opts.NoWatch, "no-watch", false, "build once; do not watch for changes or reload pages")
	cmd.Flags().BoolVar(&opts.Drafts, "drafts", true, "include drafts")
	cmd.Flags().BoolVar(&opts.Public, "public", false, "only public postmortems, without internal details")
	cmd.Flags().StringVar(&opts.Out, "out", "", "where to build (default: a folder of the cache kept between runs, so that a restart rebuilds only what changed)")
	cmd.Flags().StringVar(&opts.Theme, "theme", "", "folder whose files override the built-in theme")
	return cmd
}

func serveRun(cmd *cobra.Command, opts *ServeOptions) error {
	f := opts.Factory
	ctx := f.Context()
	if !loopbackAddr(opts.Addr) {
		if !opts.Expose {
			return usageError("--addr %s would open the preview, drafts and internal postmortems included, to the network; serve is a preview for the writer, not a production server: pass --expose to do it anyway, or publish a built site behind your organisation's sign-on", opts.Addr)
		}
		fmt.Fprintf(f.IO.Err, "hindsight: warning: serving the preview on %s, beyond this machine: drafts and internal postmortems included\n", opts.Addr)
	}
	cfg, err := f.Config()
	if err != nil {
		return err
	}
	base, _, err := config.SplitBaseURL(cmp.Or(opts.BaseURL, cfg.BaseURL))
	if err != nil {
		return usageError("%v", err)
	}
	out, ix, cleanup, err := serveOutput(f, opts, cfg)
	if err != nil {
		return err
	}
	defer cleanup()
	defer ix.Close()
	p := newPreviewer(ctx, opts, cfg, out, ix)
	defer p.keepFindings()
	if err := p.rebuild(); err != nil {
		return err
	}
	srv := server.New(server.Options{Dir: out, Base: base, LiveReload: !opts.NoWatch, Search: ix, Hosts: opts.Hosts})
	srv.SetStatus(p.currentStatus())
	if !opts.NoWatch {
		go func() { _ = p.watch(ctx, srv) }()
	}
	return server.Serve(ctx, opts.Addr, srv, func(addr string) {
		fmt.Fprintf(f.IO.Out, "Serving http://%s%s (Ctrl+C to stop)\n", addr, base)
	})
}

// previewer builds the site that serve serves, and builds it again as
// files change: one rebuild at a time, each taking the unchanged files from
// the previous load.
type previewer struct {
	f    *Factory
	opts *ServeOptions
	ctx  context.Context
	out  string
	ix   *search.Index

	mu       sync.Mutex
	prev     *corpus.Corpus
	memo     *site.Memo
	checked  *check.Memo
	shown    check.Shown
	cfgPath  string
	cfgStamp string
	// watching is set once the watcher watches everything, and since
	// then holds the files its events named after the load of prev began
	// (nil when not known: every file is looked at).
	watching bool
	since    map[string]bool
	// status is what the open pages' banner shows after the last build
	// that worked.
	status server.Status
}

func newPreviewer(ctx context.Context, opts *ServeOptions, cfg *config.Config, out string, ix *search.Index) *previewer {
	return &previewer{f: opts.Factory, opts: opts, ctx: ctx, out: out, ix: ix, cfgPath: cfg.Path, cfgStamp: stamp(cfg.Path)}
}

// rebuild loads, checks and builds the site again, looking at every
// file. Findings are printed but never stop it; an error leaves the
// previous site in place.
func (p *previewer) rebuild() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.since = nil
	return p.build()
}

// keepFindings saves the findings of the rules that read only the file
// beside the parse cache, as check and build do, so that the next serve
// (or check) starts from them instead of running those rules on every
// file again.
func (p *previewer) keepFindings() {
	p.mu.Lock()
	defer p.mu.Unlock()
	_ = p.checked.Save() // only saves time: a memo not written costs the next start its rules
}

// watched notes that the watcher now watches everything.
func (p *previewer) watched() {
	p.mu.Lock()
	p.watching, p.since = true, nil
	p.mu.Unlock()
}

// rebuildChanged builds the site again after the watcher saw ch: with a
// previous load, only the files its events named (since the last load
// that worked) are looked at.
func (p *previewer) rebuildChanged(ch server.Changes) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if ch.All {
		p.since = nil
	} else if p.since != nil {
		for _, name := range ch.Paths {
			p.since[name] = true
		}
	}
	return p.build()
}

// build is rebuild's work, under p.mu.
func (p *previewer) build() error {
	f := p.f
	start := time.Now()
	if s := stamp(p.cfgPath); s != p.cfgStamp {
		// The config changed: read it and the repositories again.
		f.Reload()
		p.prev, p.cfgStamp, p.memo, p.checked = nil, s, nil, nil
	}
	var changed []string
	if p.prev != nil && p.since != nil {
		changed = slices.Sorted(maps.Keys(p.since))
	}
	// What the watcher names from now on changed after this load began.
	known := p.watching
	if p.checked == nil {
		// The first build takes the findings the last command kept;
		// the rebuilds after it keep theirs in memory.
		cfg, err := f.Config()
		if err != nil {
			return err
		}
		p.checked = check.OpenMemo(pipeline.MemoFile(parseCache(f, cfg.Root)))
	}
	l, err := reloadChecked(f, true, p.prev, changed, p.checked)
	if err != nil {
		return err
	}
	if len(l.Report.Findings) > 0 || p.shown.Len() > 0 {
		// After the first build, only what changed: an edit that fixes
		// one warning should not scroll the corpus's others past again.
		p.shown, _ = check.WriteChanges(f.IO.Err, l.Report, p.shown)
	}
	if p.memo == nil {
		p.memo = &site.Memo{}
	}
	res, err := buildSite(p.ctx, f, l, &p.opts.BuildOptions, p.out, false, p.ix, true, p.memo)
	if err != nil {
		return err
	}
	p.prev = l.Corpus
	if known {
		p.since = map[string]bool{}
	}
	p.status = previewStatus(l, p.base(l.Config), p.opts.Drafts, p.opts.Public)
	fmt.Fprintf(f.IO.Err, "Built %s (%d files written) in %s\n", plural(res.Postmortems, "postmortem"), res.Files-res.Reused, time.Since(start).Round(time.Millisecond))
	return nil
}

// watch rebuilds after the content folder, the theme or the config
// changed, and tells srv's open pages to reload, or why the rebuild
// failed, until ctx ends.
func (p *previewer) watch(ctx context.Context, srv *server.Server) error {
	cfg, err := p.f.Config()
	if err != nil {
		return err
	}
	dirs := []string{cfg.ContentDir(), p.opts.themeDir(p.f, cfg)}
	var files []string
	if cfg.Path != "" {
		files = append(files, cfg.Path)
	}
	// An editor's save is a burst of events less than a millisecond
	// apart (a write in place, or a write beside and a rename); 10 ms of
	// quiet ends it. A file read in the middle of a slower write is read
	// again after its next event.
	return server.Watch(ctx, dirs, files, 10*time.Millisecond, p.watched, func(ch server.Changes) {
		if err := p.rebuildChanged(ch); err != nil {
			fmt.Fprintf(p.f.IO.Err, "hindsight: rebuild failed, still serving the previous site: %v\n", err)
			srv.Failed(err.Error())
			return
		}
		srv.SetStatus(p.currentStatus())
		srv.Reload()
	})
}

func (p *previewer) currentStatus() server.Status {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.status
}

// base is the path the site is served under.
func (p *previewer) base(cfg *config.Config) string {
	base, _, err := config.SplitBaseURL(cmp.Or(p.opts.BaseURL, cfg.BaseURL))
	if err != nil {
		return "/"
	}
	return base
}

// previewStatus is what the banner of every open page shows after a
// build: the errors that make `hindsight check` fail, those of the files
// that could not be read first, each with the page of its file when the
// preview has one (drafts says whether drafts have pages; a public preview
// has only those of public postmortems).
func previewStatus(l *pipeline.Loaded, base string, drafts, public bool) server.Status {
	var st server.Status
	if l.Report == nil {
		return st
	}
	pages := map[string]string{}
	for _, pm := range l.Corpus.Postmortems {
		if (drafts || pm.Status != postmortem.StatusDraft) && (!public || pm.Visibility == postmortem.Public) {
			pages[pm.File] = base + url.PathEscape(pm.ID) + "/"
		}
	}
	failed := map[string]bool{}
	for _, f := range l.Corpus.Failed {
		failed[f.File] = true
		pages[f.File] = base + url.PathEscape(pipeline.FailedID(f)) + "/"
	}
	errs := make([]postmortem.Diagnostic, 0, l.Report.Errors)
	for _, d := range l.Report.Findings {
		if d.Level == string(config.LevelError) {
			errs = append(errs, d)
		}
	}
	slices.SortStableFunc(errs, func(a, b postmortem.Diagnostic) int {
		return cmp.Compare(boolRank(!failed[a.File]), boolRank(!failed[b.File]))
	})
	files := map[string]bool{}
	for _, d := range errs {
		files[d.File] = true
		st.ErrorCount++
		if len(st.Errors) < server.MaxStatusErrors {
			st.Errors = append(st.Errors, server.StatusError{File: d.File, Line: d.Line, Col: d.Col, Message: d.Message, URL: pages[d.File]})
		}
	}
	st.Files = len(files)
	return st
}

func boolRank(b bool) int {
	if b {
		return 1
	}
	return 0
}

// stamp identifies a version of a file by its size and modification time.
func stamp(path string) string {
	if path == "" {
		return ""
	}
	st, err := os.Stat(path)
	if err != nil {
		return "missing"
	}
	return fmt.Sprint(st.Size(), st.ModTime().UnixNano())
}

// loopbackAddr reports whether a listen address stays on this machine: a
// loopback IP or the name localhost. An empty host (":8080") listens on
// every interface.
func loopbackAddr(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// serveOutput opens where serve builds: --out, or else a folder of the
// cache kept between runs, so that a second start rebuilds only what
// changed; when another serve of the same repository holds that one, a
// temporary folder, removed by cleanup.
func serveOutput(f *Factory, opts *ServeOptions, cfg *config.Config) (out string, ix *search.Index, cleanup func(), err error) {
	cleanup = func() {}
	if opts.Out != "" {
		out = opts.outDir(f, cfg)
		if err := site.CheckOutput(cfg, out); err != nil {
			return "", nil, cleanup, usageError("%v", err)
		}
		ix, err = pipeline.OpenIndex(out, opts.Public)
		return out, ix, cleanup, err
	}
	out = filepath.Join(repoCache(f, "serve", cfg.Root), "site")
	if site.CheckOutput(cfg, out) == nil {
		if ix, err := pipeline.OpenIndex(out, opts.Public); err == nil {
			return out, ix, cleanup, nil
		}
	}
	tmp, err := os.MkdirTemp("", "hindsight-serve-")
	if err != nil {
		return "", nil, cleanup, err
	}
	cleanup = func() { os.RemoveAll(tmp) }
	out = filepath.Join(tmp, "site")
	if ix, err = pipeline.OpenIndex(out, opts.Public); err != nil {
		cleanup()
		return "", nil, func() {}, err
	}
	return out, ix, cleanup, nil
}
