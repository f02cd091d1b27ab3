package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/hindsight-dev/hindsight/internal/check"
	"github.com/hindsight-dev/hindsight/internal/corpus"
	"github.com/hindsight-dev/hindsight/internal/server"
	"github.com/hindsight-dev/hindsight/internal/site"
)

// ServeOptions are the inputs of `hindsight serve`.
type ServeOptions struct {
	BuildOptions
	Addr    string
	NoWatch bool
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
	cmd.Flags().BoolVar(&opts.NoWatch, "no-watch", false, "build once; do not watch for changes or reload pages")
	cmd.Flags().BoolVar(&opts.Drafts, "drafts", true, "include drafts")
	cmd.Flags().BoolVar(&opts.Public, "public", false, "only public postmortems, without internal details")
	cmd.Flags().StringVar(&opts.Out, "out", "", "where to build (default: a temporary folder, removed on exit)")
	cmd.Flags().StringVar(&opts.Theme, "theme", "", "folder whose files override the built-in theme")
	return cmd
}

func serveRun(cmd *cobra.Command, opts *ServeOptions) error {
	f := opts.Factory
	ctx := cmd.Context()
	cfg, err := f.Config()
	if err != nil {
		return err
	}
	out := opts.Out
	if out == "" {
		tmp, err := os.MkdirTemp("", "hindsight-serve-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		out = filepath.Join(tmp, "site")
	} else {
		out = opts.outDir(f, cfg)
	}
	base, _, err := site.Base(opts.BaseURL)
	if err != nil {
		return usageError("%v", err)
	}
	if opts.BaseURL == "" {
		base, _, _ = site.Base(cfg.BaseURL)
	}

	if err := site.CheckOutput(cfg, out); err != nil {
		return usageError("%v", err)
	}
	ix, err := openIndex(out)
	if err != nil {
		return err
	}
	defer ix.Close()
	var mu sync.Mutex
	var prev *corpus.Corpus
	cfgStamp := stamp(cfg.Path)
	rebuild := func() error {
		mu.Lock()
		defer mu.Unlock()
		start := time.Now()
		if s := stamp(cfg.Path); s != cfgStamp {
			// The config changed: read it and the repositories again.
			f.cfg, f.repos, prev, cfgStamp = nil, nil, nil, s
		}
		l, err := reloadChecked(f, true, prev)
		if err != nil {
			return err
		}
		if len(l.report.Findings) > 0 {
			_ = check.Write(f.IO.Err, l.report, "text", l.corpus.RepoPath)
		}
		res, err := buildSite(ctx, f, l, &opts.BuildOptions, out, false, ix, true)
		if err != nil {
			return err
		}
		prev = l.corpus
		fmt.Fprintf(f.IO.Err, "Built %s (%d files written) in %s\n", plural(res.Postmortems, "postmortem"), res.Files-res.Reused, time.Since(start).Round(time.Millisecond))
		return nil
	}
	if err := rebuild(); err != nil {
		return err
	}
	srv := server.New(server.Options{Dir: out, Base: base, LiveReload: !opts.NoWatch, Search: ix})
	if !opts.NoWatch {
		cfg, _ := f.Config()
		dirs := []string{cfg.ContentDir(), opts.themeDir(f, cfg)}
		var files []string
		if cfg.Path != "" {
			files = append(files, cfg.Path)
		}
		go func() {
			_ = server.Watch(ctx, dirs, files, 150*time.Millisecond, func() {
				if err := rebuild(); err != nil {
					fmt.Fprintf(f.IO.Err, "hindsight: rebuild failed, still serving the previous site: %v\n", err)
					srv.Failed(err.Error())
					return
				}
				srv.Reload()
			})
		}()
	}
	return server.Serve(ctx, opts.Addr, srv, func(addr string) {
		fmt.Fprintf(f.IO.Out, "Serving http://%s%s (Ctrl+C to stop)\n", addr, base)
	})
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
