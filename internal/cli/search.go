package cli

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"html"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/hindsight-dev/hindsight/internal/corpus"
	"github.com/hindsight-dev/hindsight/internal/gitlink"
	"github.com/hindsight-dev/hindsight/internal/postmortem"
	"github.com/hindsight-dev/hindsight/internal/search"
	"github.com/hindsight-dev/hindsight/internal/site"
)

// SearchOptions are the inputs of `hindsight search`.
type SearchOptions struct {
	Factory  *Factory
	Query    string
	Severity string
	Service  string
	Tag      string
	Since    string
	Until    string
	Limit    int
	Format   string
	Drafts   bool
}

// NewCmdSearch builds `hindsight search`; runF replaces the run in tests.
func NewCmdSearch(f *Factory, runF func(*SearchOptions) error) *cobra.Command {
	opts := &SearchOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "search [QUERY...]",
		Short: "Search the postmortems",
		Long: `Search the postmortems: ranked hits with highlighted excerpts and facet
counts. The query syntax: words (all must match), "a phrase", +required,
-excluded, field:value (title:, summary:, body:, severity:, service:, tag:,
status:, owner:), fuzzy~ and prefix*. An empty query lists the most recent.
The words may be one argument or several: search database failover is
search "database failover" (put -excluded words after --, or quote the
query). The index is kept in the user's cache folder and brought up to date
with the files on each run, so it is always current.`,
		Example: `  hindsight search "certificate expiry"
  hindsight search dns --severity SEV1 --since 2021-01-01 --format json`,
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Query = strings.Join(args, " ")
			if runF != nil {
				return runF(opts)
			}
			return searchRun(opts)
		},
	}
	cmd.Flags().StringVar(&opts.Severity, "severity", "", "only this severity")
	cmd.Flags().StringVar(&opts.Service, "service", "", "only postmortems of this service")
	cmd.Flags().StringVar(&opts.Tag, "tag", "", "only postmortems with this tag")
	cmd.Flags().StringVar(&opts.Since, "since", "", "only incidents on or after this day (YYYY-MM-DD)")
	cmd.Flags().StringVar(&opts.Until, "until", "", "only incidents on or before this day (YYYY-MM-DD)")
	cmd.Flags().IntVar(&opts.Limit, "limit", 10, fmt.Sprintf("how many hits (at most %d)", search.MaxLimit))
	enumVar(cmd, &opts.Format, "format", "text", []string{"text", "json"}, "output format: text or json")
	cmd.Flags().BoolVar(&opts.Drafts, "drafts", true, "include drafts")
	return cmd
}

func searchRun(opts *SearchOptions) error {
	f := opts.Factory
	req := search.Request{Query: opts.Query, Severity: opts.Severity, Service: opts.Service, Tag: opts.Tag, Limit: opts.Limit}
	var err error
	if req.Since, req.Until, err = dateRange(opts.Since, opts.Until); err != nil {
		return err
	}
	if opts.Limit < 1 || opts.Limit > search.MaxLimit {
		return usageError("--limit must be from 1 to %d", search.MaxLimit)
	}
	cfg, err := f.Config()
	if err != nil {
		return err
	}
	c, err := corpus.Load(cfg, corpus.Options{WorkDir: f.IO.WorkDir, Drafts: true, Cache: parseCache(f, cfg.Root)})
	if err != nil {
		return usageError("%v", err)
	}
	ix, err := search.Open(searchCache(f, cfg.Root))
	if err != nil {
		return err
	}
	defer ix.Close()
	byID := map[string]string{}
	for _, pm := range c.Postmortems {
		byID[pm.ID] = pm.File
	}
	// Only the documents the index does not hold are made whole: their
	// body text, and their commits and the files those changed (linked
	// through the commit cache), for which git is asked only then.
	sopts := site.Options{Drafts: opts.Drafts}
	lacking := map[string]bool{}
	docs, err := site.Docs(cfg, c.Postmortems, sopts, func(id, hash string) bool {
		if !ix.Holds(id, hash) {
			lacking[id] = true
		}
		return true
	})
	if err != nil {
		return err
	}
	if len(lacking) > 0 {
		var pms []*postmortem.Postmortem
		for _, pm := range c.Postmortems {
			if lacking[pm.ID] {
				pms = append(pms, pm)
			}
		}
		f.Repos(cfg).Link(pms, gitlink.LinkOptions{Files: true})
		whole, err := site.Docs(cfg, pms, sopts, nil)
		if err != nil {
			return err
		}
		byID := make(map[string]search.Doc, len(whole))
		for _, d := range whole {
			byID[d.ID] = d
		}
		for i := range docs {
			if d, ok := byID[docs[i].ID]; ok {
				docs[i] = d
			}
		}
	}
	for i := range docs {
		docs[i].URL = byID[docs[i].ID]
	}
	if _, err := ix.Sync(docs); err != nil {
		return err
	}
	res, err := ix.Search(f.Context(), req)
	var qe *search.QueryError
	if errors.As(err, &qe) {
		return usageError("the query: %s", qe.Msg)
	}
	if err != nil {
		return err
	}
	if opts.Format == "json" {
		if res.Hits == nil {
			res.Hits = []search.Hit{}
		}
		return writeJSONValue(f.IO.Out, res)
	}
	return writeHits(f.IO.Out, res, f.IO.IsTTY)
}

// dateRange reads the --since and --until flags: days, either may be
// empty, since not after until.
func dateRange(since, until string) (from, to time.Time, err error) {
	for _, d := range []struct {
		flag, v string
		dst     *time.Time
	}{{"--since", since, &from}, {"--until", until, &to}} {
		if d.v == "" {
			continue
		}
		t, err := postmortem.ParseDate(d.v)
		if err != nil {
			return from, to, usageError("%s: %v", d.flag, err)
		}
		*d.dst = t.Time
	}
	if !from.IsZero() && !to.IsZero() && from.After(to) {
		return from, to, usageError("--since %s is after --until %s; the range would be empty", since, until)
	}
	return from, to, nil
}

// searchCache is the index folder for a repository in the cache.
func searchCache(f *Factory, root string) string { return repoCache(f, "index", root) }

// parseCache is the file that keeps the parse of each postmortem of a
// repository between runs.
func parseCache(f *Factory, root string) string {
	return filepath.Join(repoCache(f, "parse", root), "parses.gob")
}

// repoCache is a folder of the cache ($HINDSIGHT_CACHE, else the user's
// cache folder) for one repository's kind of cached data.
func repoCache(f *Factory, kind, root string) string {
	dir := f.IO.Getenv("HINDSIGHT_CACHE")
	if dir == "" {
		if d, err := os.UserCacheDir(); err == nil {
			dir = filepath.Join(d, "hindsight")
		} else {
			dir = filepath.Join(os.TempDir(), "hindsight")
		}
	}
	sum := sha256.Sum256([]byte(root))
	return filepath.Join(dir, kind+"-"+hex.EncodeToString(sum[:8]))
}

// highlight turns a fragment's <mark> into bold on a terminal, and drops
// it otherwise; the rest is unescaped to plain text.
func highlight(frag string, tty bool) string {
	on, off := "", ""
	if tty {
		on, off = "\033[1m", "\033[0m"
	}
	// Unescaped first, so that no escape sequence in the text survives;
	// the highlight's own are added after.
	parts := strings.Split(frag, "<mark>")
	for i, p := range parts {
		before, after, marked := strings.Cut(p, "</mark>")
		if marked {
			parts[i] = on + termText(html.UnescapeString(before)) + off + termText(html.UnescapeString(after))
		} else {
			parts[i] = termText(html.UnescapeString(p))
		}
	}
	return strings.Join(parts, "")
}

func writeHits(w io.Writer, res *search.Result, tty bool) error {
	var b strings.Builder
	if res.Total == 0 {
		b.WriteString("No postmortem matches.\n")
	} else {
		fmt.Fprintf(&b, "%s, best first:\n", plural(res.Total, "postmortem"))
	}
	for _, h := range res.Hits {
		fmt.Fprintf(&b, "\n%s  %s  %s\n  %s\n", termText(h.Severity), h.Date, termText(h.Title), termText(h.URL))
		shown := 0
		for _, field := range []string{"title", "summary", "body"} {
			for _, frag := range h.Fragments[field] {
				if shown < 2 && field != "title" {
					fmt.Fprintf(&b, "  %s\n", highlight(frag, tty))
					shown++
				}
			}
		}
		if shown == 0 && h.Summary != "" {
			fmt.Fprintf(&b, "  %s\n", termText(h.Summary))
		}
	}
	if res.Total > 0 {
		b.WriteString("\n")
		for _, name := range []string{search.FacetSeverity, search.FacetService, search.FacetTag, search.FacetYear} {
			var parts []string
			for _, fc := range res.Facets[name] {
				parts = append(parts, fmt.Sprintf("%s (%d)", termText(fc.Value), fc.Count))
			}
			if len(parts) > 8 {
				parts = append(parts[:8], "…")
			}
			if len(parts) > 0 {
				fmt.Fprintf(&b, "%s: %s\n", name, strings.Join(parts, ", "))
			}
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}
