package site

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"path"
	"runtime"
	"slices"
	"strings"

	"github.com/hindsight-dev/hindsight/internal/config"
	"github.com/hindsight-dev/hindsight/internal/markdown"
	"github.com/hindsight-dev/hindsight/internal/postmortem"
	"github.com/hindsight-dev/hindsight/internal/search"
	"golang.org/x/sync/errgroup"
)

// IndexDir is where the bleve index of a built site lives, below the output
// folder; hidden, so the server never serves it.
const IndexDir = ".index"

// Docs returns the search documents of the postmortems a build with opts
// holds, with their page URLs. When held is given, documents it already
// holds at their hash get no body text and no commit terms, which Sync
// does not read for them. held is called from one goroutine at a time.
func Docs(cfg *config.Config, pms []*postmortem.Postmortem, opts Options, held func(id, hash string) bool) ([]search.Doc, error) {
	b, err := selectFor(cfg, pms, opts)
	if err != nil {
		return nil, err
	}
	// In parallel: a cold build makes the plain text of every body here.
	docs := make([]search.Doc, len(b.pms))
	_ = inParallel(context.Background(), len(b.pms), func(i int) error {
		pm := b.pms[i]
		docs[i] = opts.Memo.doc(pm, b.pageURL(pm.ID), opts.Public, func(url string) search.Doc {
			d := search.Doc{
				ID: pm.ID, Title: pm.Title, Summary: pm.Summary, URL: url,
				Date: pm.Date.Time, Severity: pm.Severity, Status: string(pm.Status), Visibility: string(pm.Visibility),
				Services: pm.Services, Tags: pm.Tags,
			}
			d.Owner = pm.Owner // empty in a public build's redacted copies
			for _, a := range pm.ActionItems {
				d.ActionItems = append(d.ActionItems, a.Title)
			}
			// The file's bytes cover its commit refs, and what a commit
			// changed never changes: the hash needs no git, so a caller
			// can tell what the index lacks before linking anything.
			h := sha256.New()
			fmt.Fprintf(h, "%s\x00%s\x00%v\x00", d.URL, d.Owner, opts.Public)
			h.Write(opts.Memo.sourceDigest(pm))
			d.Hash = hex.EncodeToString(h.Sum(nil))[:24]
			return d
		})
		return nil
	})
	// held is asked from this goroutine alone; the bodies it lacks are
	// made in parallel again.
	var lack []int
	for i := range docs {
		if held == nil || !held(docs[i].ID, docs[i].Hash) {
			lack = append(lack, i)
		}
	}
	err = inParallel(context.Background(), len(lack), func(k int) error {
		i := lack[k]
		body, err := b.pms[i].BodyText()
		if err != nil {
			return err
		}
		docs[i].Body = markdown.PlainText(body)
		docs[i].Commits = commitTerms(b.pms[i])
		return nil
	})
	if err != nil {
		return nil, err
	}
	return docs, nil
}

// commitTerms are what a search finds a postmortem's commits by: each sha
// whole and in the short forms people quote (7, 10 and 12 digits), and the
// paths it changed.
func commitTerms(pm *postmortem.Postmortem) []string {
	var out []string
	seen := map[string]bool{}
	add := func(s string) {
		if s != "" && !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	for _, lc := range pm.Linked {
		if lc.Info == nil {
			continue
		}
		for _, n := range []int{7, 10, 12, 40} {
			add(lc.Info.SHA[:min(n, len(lc.Info.SHA))])
		}
		for _, f := range lc.Info.Files {
			add(f)
		}
	}
	return out
}

// exportSearch writes the static search index of the build under search/.
func (b *builder) exportSearch(w *writer) error {
	cache, docs := b.opts.Analysis, b.opts.Docs
	if docs == nil {
		var held func(id, hash string) bool
		if b.opts.SearchCache != "" {
			cache = search.LoadAnalysisCache(b.opts.SearchCache)
			held = cache.Has
		}
		var err error
		if docs, err = Docs(b.cfg, b.pms, b.opts, held); err != nil {
			return err
		}
	}
	// Documents the same as the previous build's (by id and hash) give
	// the same index: its files are kept as they are.
	inputs := staticInputs(docs)
	if w.keepGroup("search", staticIndexFile, inputs) {
		return nil
	}
	files, _, err := search.StaticFiles(docs, cache)
	if err != nil {
		return fmt.Errorf("writing the static search index: %w", err)
	}
	// The cache is saved while the files are handed to the writer (in
	// parallel; a shard the previous build has the same of is linked from
	// it). A cache that cannot be written only makes the next build
	// slower.
	saved := make(chan struct{})
	go func() {
		defer close(saved)
		if cache != nil {
			_ = cache.Save(b.opts.SearchCache)
		}
	}()
	g := new(errgroup.Group)
	g.SetLimit(runtime.GOMAXPROCS(0))
	for _, name := range slices.Sorted(maps.Keys(files)) {
		g.Go(func() error { return w.file("search/"+name, files[name]) })
	}
	err = g.Wait()
	<-saved
	if err != nil {
		return err
	}
	w.setInputs("search", inputs)
	return nil
}

// staticIndexFile reports whether a file of the site is one of the static
// index's: the JSON files of search/ (its page, search/index.html, is a
// page like the others).
func staticIndexFile(name string) bool {
	return strings.HasPrefix(name, "search/") && path.Ext(name) == ".json"
}

// staticInputs fingerprints what the static index is made from: each
// document's id and hash, and the program that makes it.
func staticInputs(docs []search.Doc) string {
	keys := make([]string, len(docs))
	for i, d := range docs {
		keys[i] = d.ID + "\x00" + d.Hash
	}
	slices.Sort(keys)
	h := sha256.New()
	h.Write([]byte(programStamp()))
	for _, k := range keys {
		h.Write([]byte{0})
		h.Write([]byte(k))
	}
	return hex.EncodeToString(h.Sum(nil))[:32]
}

// Similar finds postmortems alike in text; the search index is one.
type Similar interface {
	Similar(ctx context.Context, id string, n int) ([]string, error)
}
