// Package corpus finds the postmortem files of a repository, reads them
// safely and parses them in parallel, once, for every command.
package corpus

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/hindsight-dev/hindsight/internal/config"
	"github.com/hindsight-dev/hindsight/internal/markdown"
	"github.com/hindsight-dev/hindsight/internal/postmortem"
)

// MaxFileSize is the largest postmortem read; a bigger file is reported,
// not read.
const MaxFileSize = 2 << 20

// RuleFile is the rule id of findings about a file that cannot be read.
const RuleFile = "file"

// Corpus is every postmortem of a repository, parsed.
type Corpus struct {
	Config *config.Config
	// Postmortems that could be parsed, sorted by path.
	Postmortems []*postmortem.Postmortem
	// Diagnostics found while reading and parsing.
	Diagnostics []postmortem.Diagnostic
	// Failed are the files that could not be parsed into a postmortem,
	// sorted by path: what the writer's preview shows in their place.
	Failed []*Failure
	// Files is every file considered, by display path, sorted.
	Files []string
	// Targets are the display paths findings are reported for: the paths
	// asked for, or every file when none were.
	Targets map[string]bool

	byID  map[string][]*postmortem.Postmortem
	byRel map[string]*postmortem.Postmortem
	// attach is the link resolver, made once.
	attach     Attachments
	attachOnce sync.Once
	rel        map[string]string
	digests    map[string]string
	// parsed keeps each file's stamp and parse result for a later load,
	// files the files as found, for a later load told what changed.
	parsed map[string]parsed
	files  []file
	reused int
	cached int
}

// Failure is a file that could not be read or parsed as a postmortem.
type Failure struct {
	// File is the display path, Rel the path from the root with slashes.
	File, Rel string
	// Source is the file's text, nil when it could not be read.
	Source []byte
	// Diagnostics are the file's findings, the reason among them.
	Diagnostics []postmortem.Diagnostic
	// Last is the file's last parse that worked, in an earlier load of
	// Options.Previous, or nil: the page the writer had open.
	Last *postmortem.Postmortem
}

// Cached reports how many files a load took from Options.Cache.
func (c *Corpus) Cached() int { return c.cached }

// Reused reports how many files a load took from Options.Previous.
func (c *Corpus) Reused() int { return c.reused }

// Digest returns the digest of a file's bytes, when Options.Digest was set
// and the file could be read.
func (c *Corpus) Digest(display string) (string, bool) {
	d, ok := c.digests[display]
	return d, ok
}

// Retarget keeps as targets only the files keep accepts.
func (c *Corpus) Retarget(keep func(display string) bool) {
	for f := range c.Targets {
		if !keep(f) {
			delete(c.Targets, f)
		}
	}
}

// RepoPath maps a display path to the path relative to the repository
// root, with forward slashes.
func (c *Corpus) RepoPath(display string) string {
	if r, ok := c.rel[display]; ok {
		return r
	}
	return display
}

// Options say what to load.
type Options struct {
	// Paths are files or folders to report on; the content folder is always
	// loaded too so that cross-file rules see every postmortem.
	Paths []string
	// WorkDir is where relative Paths start and what display paths are
	// relative to; default the process's working directory.
	WorkDir string
	// Drafts, when false, leaves drafts out of Postmortems (the build).
	Drafts bool
	// Digest, when set, hashes each file's bytes as read, for comparing
	// the work tree with a git revision. It must be a cryptographic hash
	// of the bytes: the parse cache then finds a file's entry by it
	// instead of hashing the bytes once more.
	Digest func([]byte) string
	// Previous, when set, is an earlier load of the same corpus: files whose
	// size and modification time are unchanged are taken from it instead
	// of being read and parsed again (the rebuild of a watching server).
	Previous *Corpus
	// Changed, with Previous, names by absolute path every file and
	// folder that may have changed since Previous was loaded, as a file
	// watcher reported them: the other files are taken from Previous
	// without looking at them, and the content folder is not walked. A
	// name that is gone takes with it the files the previous load found
	// at or below it; a folder that is there (new, or renamed), whose
	// files no event may have named, makes the load walk the content
	// folder after all. Nil looks at every file; an empty list says none
	// changed.
	Changed []string
	// Cache, when set, is the file that keeps each file's parse between
	// runs: a file whose path and bytes are unchanged is read but not
	// parsed again. A load with Previous does not use it.
	Cache string
	// KeepProse, when set, says which blocks of a body's prose
	// (Outline.Prose) to keep once parsed; the others are dropped. It
	// must keep every block a rule could report on (check.ProseToKeep):
	// a parse cache then holds, for any load, either every block or at
	// least those.
	KeepProse func(text string) bool
}

// Load finds, reads and parses the corpus.
func Load(cfg *config.Config, opts Options) (*Corpus, error) {
	wd := opts.WorkDir
	if wd == "" {
		var err error
		if wd, err = os.Getwd(); err != nil {
			return nil, err
		}
	}
	l := &loader{cfg: cfg, wd: wd, root: cfg.Root, seen: map[string]bool{}, keepProse: opts.KeepProse}
	c := &Corpus{Config: cfg, Targets: map[string]bool{}}
	l.popts = postmortem.Options{
		Severities: cfg.Severities,
		Custom: func(k string) bool {
			_, ok := cfg.CustomFields[k]
			return ok
		},
	}
	if opts.Cache != "" && opts.Previous == nil {
		// Decoded while the files are found and read. A reload that has
		// the previous load in memory needs no cache (and must not write
		// one: its unchanged postmortems were linked and checked since).
		opened := make(chan *parseCache, 1)
		stamp := cacheStamp(l.popts, slices.Sorted(maps.Keys(cfg.CustomFields)))
		go func() { opened <- openCache(opts.Cache, stamp) }()
		l.cache = sync.OnceValue(func() *parseCache { return <-opened })
	}

	content := cfg.ContentDir()
	if st, err := os.Lstat(content); err == nil && st.Mode()&fs.ModeSymlink != 0 {
		// A content folder that is a link is walked where it leads, which
		// must be inside the repository; files are named by where they
		// really are, as git knows them.
		real, err := filepath.EvalSymlinks(content)
		if err != nil {
			return nil, fmt.Errorf("content folder %s is a symlink that cannot be followed: %v", l.display(content), unwrap(err))
		}
		if !inside(cfg.Root, real) {
			return nil, fmt.Errorf("content folder %s is a symlink to %s, outside the repository; postmortems must live inside it", l.display(content), real)
		}
		rel, _ := filepath.Rel(realPath(cfg.Root), real)
		content = filepath.Join(cfg.Root, rel)
	}
	if files, changed, ok := l.changedSince(opts, content); ok {
		l.files, l.changed = files, changed
	} else if st, err := os.Stat(content); err == nil && st.IsDir() {
		if err := l.walk(content, false); err != nil {
			return nil, err
		}
	} else if len(opts.Paths) == 0 {
		return nil, fmt.Errorf("content folder %s not found; run hindsight inside a postmortem repository, pass the files to check, or set `content:` in %s", l.display(content), config.FileName)
	}
	for _, p := range opts.Paths {
		abs := p
		if !filepath.IsAbs(abs) {
			abs = filepath.Join(wd, p)
		}
		st, err := os.Stat(abs)
		if err != nil {
			return nil, fmt.Errorf("%s: no such file or folder", p)
		}
		if st.IsDir() {
			if err := l.walk(abs, true); err != nil {
				return nil, err
			}
			continue
		}
		lst, err := os.Lstat(abs)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", p, unwrap(err))
		}
		l.add(abs, true, lst.Mode()&fs.ModeSymlink != 0)
	}
	if len(opts.Paths) == 0 {
		for i := range l.files {
			l.files[i].target = true
		}
	}
	l.parse(c, opts)
	return c, nil
}

type file struct {
	abs, display, rel string
	target            bool
	// link is true for a symlink, which must not lead out of the root.
	link bool
}

type loader struct {
	cfg   *config.Config
	wd    string
	root  string
	files []file
	seen  map[string]bool
	popts postmortem.Options
	// keepProse is Options.KeepProse.
	keepProse func(text string) bool
	// cache, when set, waits for the parse cache and returns it.
	cache func() *parseCache
	// changed, when set, are the files that may differ from the previous
	// load's: the others are taken from it without a look (see
	// Options.Changed).
	changed map[string]bool
}

// changedSince lists the files of the content folder from the previous
// load and the names opts.Changed gives, with the set of those that may
// have changed, and says whether it could: the
// content folder is then not walked. It cannot when there is no previous
// load, when the load is of given paths, when the content folder is a
// link, or when a changed name is a folder (whose files no event may have
// named) or cannot be looked at.
func (l *loader) changedSince(opts Options, content string) ([]file, map[string]bool, bool) {
	prev := opts.Previous
	if prev == nil || opts.Changed == nil || len(opts.Paths) > 0 || prev.files == nil || content != l.cfg.ContentDir() {
		return nil, nil, false
	}
	changed := map[string]bool{}
	var removed []string
	var added []file
	for _, name := range opts.Changed {
		abs := filepath.Clean(name)
		rel, err := filepath.Rel(content, abs)
		if err != nil || rel == "." || outside(rel) {
			if up, err := filepath.Rel(abs, content); err == nil && !outside(up) {
				return nil, nil, false // the content folder itself, or a folder holding it
			}
			continue // outside the content folder: the theme, the config
		}
		if slices.ContainsFunc(strings.Split(filepath.ToSlash(rel), "/"), hidden) {
			continue // hidden, or in a folder the walk skips
		}
		base := filepath.Base(abs)
		st, err := os.Lstat(abs)
		switch {
		case err == nil && st.IsDir():
			return nil, nil, false
		case err == nil && !IsPostmortem(base):
			continue // a file beside the postmortems: notes, an image
		case err == nil:
			if changed[abs] {
				continue // named twice
			}
			changed[abs] = true
			if _, ok := prev.parsed[abs]; !ok {
				added = append(added, l.file(abs, false, st.Mode()&fs.ModeSymlink != 0))
			}
		case errors.Is(err, fs.ErrNotExist):
			// A file, or a folder: whatever the previous load found
			// in it is gone too.
			removed = append(removed, abs)
		default:
			return nil, nil, false // a name that cannot be looked at
		}
	}
	files := make([]file, 0, len(prev.files)+len(added))
	for _, f := range prev.files {
		if !slices.ContainsFunc(removed, func(r string) bool { return f.abs == r || strings.HasPrefix(f.abs, r+string(filepath.Separator)) }) {
			files = append(files, f)
		}
	}
	return append(files, added...), changed, true
}

// outside reports whether a relative path leads out of its folder.
func outside(rel string) bool {
	return rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

// IsPostmortem reports whether a file name is content: *.md, not README.md,
// not starting with _ or a dot.
func IsPostmortem(name string) bool {
	return strings.HasSuffix(name, ".md") && !strings.EqualFold(name, "README.md") && !hidden(name)
}

func hidden(name string) bool { return strings.HasPrefix(name, "_") || strings.HasPrefix(name, ".") }

func (l *loader) walk(dir string, target bool) error {
	return filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return fmt.Errorf("reading %s: %w", l.display(path), err)
		}
		if d.IsDir() {
			if path != dir && hidden(d.Name()) {
				return filepath.SkipDir
			}
			return nil
		}
		if IsPostmortem(d.Name()) {
			l.add(path, target, d.Type()&fs.ModeSymlink != 0)
		}
		return nil
	})
}

func (l *loader) add(abs string, target, link bool) {
	abs = filepath.Clean(abs)
	if l.seen[abs] {
		for i := range l.files {
			if l.files[i].abs == abs {
				l.files[i].target = l.files[i].target || target
			}
		}
		return
	}
	l.seen[abs] = true
	l.files = append(l.files, l.file(abs, target, link))
}

func (l *loader) file(abs string, target, link bool) file {
	rel, err := filepath.Rel(l.root, abs)
	if err != nil {
		rel = abs
	}
	return file{abs: abs, display: l.display(abs), rel: filepath.ToSlash(rel), target: target, link: link}
}

// display returns a path relative to the working directory when inside it.
func (l *loader) display(abs string) string {
	if rel, err := filepath.Rel(l.wd, abs); err == nil && !strings.HasPrefix(rel, "..") {
		return filepath.ToSlash(rel)
	}
	return filepath.ToSlash(abs)
}

type parsed struct {
	pm    *postmortem.Postmortem
	diags []postmortem.Diagnostic
	// src and last, for a file that failed: its text, and its last
	// parse that worked.
	src    []byte
	last   *postmortem.Postmortem
	digest string
	size   int64
	mtime  time.Time
	read   time.Time // when the file was read
}

func (l *loader) parse(c *Corpus, opts Options) {
	sort.Slice(l.files, func(i, j int) bool { return l.files[i].display < l.files[j].display })
	results := make([]parsed, len(l.files))
	var reused atomic.Int64
	// Most files are taken unchanged from the previous load, too little
	// work for a goroutine each.
	eachFile(l.files, func(i int, f file) {
		if r, ok := l.previous(opts.Previous, f); ok {
			results[i] = r
			reused.Add(1)
			return
		}
		results[i] = l.parseOne(f, opts.Digest)
	})
	if l.cache != nil {
		// Before anything links or checks the postmortems; a cache that
		// cannot be written only costs the next run its time.
		cache := l.cache()
		_ = cache.save()
		c.cached = cache.hits
	}

	c.reused = int(reused.Load())
	n := len(l.files)
	c.byID = make(map[string][]*postmortem.Postmortem, n)
	c.byRel = make(map[string]*postmortem.Postmortem, n)
	c.rel = make(map[string]string, n)
	c.digests = make(map[string]string, n)
	c.parsed = make(map[string]parsed, n)
	c.Files = make([]string, 0, n)
	c.Postmortems = make([]*postmortem.Postmortem, 0, n)
	c.files = l.files
	for i, f := range l.files {
		c.parsed[f.abs] = results[i]
		c.Files = append(c.Files, f.display)
		c.rel[f.display] = f.rel
		if d := results[i].digest; d != "" {
			c.digests[f.display] = d
		}
		if f.target {
			c.Targets[f.display] = true
		}
		c.Diagnostics = append(c.Diagnostics, results[i].diags...)
		pm := results[i].pm
		if pm == nil {
			if opts.Previous != nil && results[i].last == nil {
				if old, ok := opts.Previous.parsed[f.abs]; ok {
					results[i].last = cmp.Or(old.pm, old.last)
					c.parsed[f.abs] = results[i]
				}
			}
			c.Failed = append(c.Failed, &Failure{File: f.display, Rel: f.rel, Source: results[i].src, Diagnostics: results[i].diags, Last: results[i].last})
			continue
		}
		c.byID[pm.ID] = append(c.byID[pm.ID], pm)
		c.byRel[pm.Rel] = pm
		if pm.Status == postmortem.StatusDraft && !opts.Drafts && !f.target {
			continue
		}
		c.Postmortems = append(c.Postmortems, pm)
	}
}

// previous returns a file's earlier parse when its size and modification
// time have not changed since.
func (l *loader) previous(prev *Corpus, f file) (parsed, bool) {
	if prev == nil || f.link {
		return parsed{}, false
	}
	old, ok := prev.parsed[f.abs]
	if !ok || old.mtime.IsZero() {
		return parsed{}, false
	}
	if l.changed != nil {
		// A watcher named every file that changed since.
		if l.changed[f.abs] || old.pm != nil && old.pm.File != f.display {
			return parsed{}, false
		}
		return old, true
	}
	st, err := os.Stat(f.abs)
	if err != nil || st.Size() != old.size || !st.ModTime().Equal(old.mtime) {
		return parsed{}, false
	}
	// A file read while its modification time could still be the current
	// one may have been changed again since, within the same tick of the
	// file system's clock and to the same size: its stamp proves nothing
	// (git's "racily clean" files). Whole seconds suggest a file system
	// that keeps no finer times.
	tick := 100 * time.Millisecond
	if old.mtime.Nanosecond() == 0 {
		tick = 2 * time.Second
	}
	if !old.read.After(old.mtime.Add(tick)) {
		return parsed{}, false
	}
	if old.pm != nil && old.pm.File != f.display {
		return parsed{}, false
	}
	return old, true
}

func (l *loader) parseOne(f file, digest func([]byte) string) parsed {
	fail := func(format string, args ...any) parsed {
		return parsed{diags: []postmortem.Diagnostic{{File: f.display, Line: 1, Col: 1, Rule: RuleFile, Message: fmt.Sprintf(format, args...)}}}
	}
	read := time.Now()
	data, st, err := readFile(l.root, f)
	if err != nil {
		return fail("%v", err)
	}
	res := parsed{size: st.Size(), mtime: st.ModTime(), read: read}
	if digest != nil {
		res.digest = digest(data)
	}
	var key cacheKey
	var cache *parseCache
	if l.cache != nil {
		key = keyOf(f, data, res.digest)
		cache = l.cache()
		if e, ok := cache.lookup(key); ok {
			if e.PM == nil {
				res.diags, res.src = e.Diags, data
				return res
			}
			if pm := e.PM.Thaw(data); pm != nil {
				res.pm, res.diags = pm, e.Diags
				return res
			}
		}
	}
	pm, diags := postmortem.Parse(f.display, data, l.popts)
	if pm != nil {
		pm.Rel = f.rel
		pm.Outline = markdown.Analyze(pm.Body, pm.BodyLine)
		if keep := l.keepProse; keep != nil {
			// A new list: the parse's, emptied, would keep its array.
			var kept []postmortem.Prose
			for _, p := range pm.Outline.Prose {
				if keep(p.Text) {
					kept = append(kept, p)
				}
			}
			pm.Outline.Prose = kept
		}
		if plain := pm.Outline.PlainText; plain.Line > 0 {
			msg := fmt.Sprintf("lists and quotes nest more than %d levels deep here, so the body is shown as plain text; flatten them", markdown.MaxNesting)
			if !plain.Deep {
				msg = fmt.Sprintf("this paragraph runs past %d lines, so the body is shown as plain text; break it up with blank lines", markdown.MaxParagraphLines)
			}
			diags = append(diags, postmortem.Diagnostic{File: f.display, Line: plain.Line, Col: 1, Rule: postmortem.RuleSyntax, Message: msg})
		}
		pm.UntimedItems = pm.ResolveTimeline()
		// Resolved into Timeline and UntimedItems, which share their text;
		// nothing reads the raw items again, and the parse cache would
		// keep a second copy of every entry.
		pm.Outline.TimelineItems = nil
	}
	res.pm, res.diags = pm, diags
	if pm == nil {
		res.src = data
	}
	if cache != nil {
		cache.store(key, pm, data, diags)
	}
	return res
}

// readFile reads a file the load found: a symlink is followed if it leads
// to a file inside root.
func readFile(root string, f file) ([]byte, os.FileInfo, error) {
	real := f.abs
	if f.link {
		var err error
		if real, err = filepath.EvalSymlinks(f.abs); err != nil {
			return nil, nil, fmt.Errorf("cannot follow this symlink: %v", unwrap(err))
		}
		if !inside(root, real) {
			return nil, nil, fmt.Errorf("this symlink points outside the repository (to %s); postmortems must live inside it, so copy the file in instead", real)
		}
	}
	return readLimited(real)
}

// readLimited reads a regular file of at most MaxFileSize bytes.
func readLimited(path string) ([]byte, os.FileInfo, error) {
	// Look before opening: opening a FIFO blocks until someone writes to
	// it, and a device may do anything. Non-blocking, in case the file is
	// swapped for one between the look and the open.
	if st, err := os.Lstat(path); err == nil && !st.Mode().IsRegular() {
		return nil, nil, errors.New("not a regular file; postmortems are plain Markdown files")
	}
	fh, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, nil, fmt.Errorf("cannot read this file: %v", unwrap(err))
	}
	defer fh.Close()
	st, err := fh.Stat()
	if err != nil {
		return nil, nil, fmt.Errorf("cannot read this file: %v", unwrap(err))
	}
	if !st.Mode().IsRegular() {
		return nil, nil, errors.New("not a regular file; postmortems are plain Markdown files")
	}
	if st.Size() > MaxFileSize {
		return nil, nil, fmt.Errorf("this file is %.1f MiB, over the %d MiB limit for a postmortem; move logs and data elsewhere and link to them", float64(st.Size())/(1<<20), MaxFileSize>>20)
	}
	data := make([]byte, st.Size())
	if _, err := io.ReadFull(fh, data); err != nil {
		return nil, nil, fmt.Errorf("cannot read this file: %v", unwrap(err))
	}
	return data, st, nil
}

func unwrap(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// inside reports whether path is root or below it.
func inside(root, path string) bool {
	if r, err := filepath.EvalSymlinks(root); err == nil {
		root = r
	}
	rel, err := filepath.Rel(root, path)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) && !filepath.IsAbs(rel)
}

// Attachments resolves the files the postmortems link to.
func (c *Corpus) Attachments() Attachments {
	c.attachOnce.Do(func() { c.attach = NewAttachments(c.Config.Root, c.Config.ContentDir()) })
	return c.attach
}

// ByRel returns the postmortem at a path relative to the repository root,
// nil when none is there.
func (c *Corpus) ByRel(rel string) *postmortem.Postmortem { return c.byRel[rel] }

// ByID returns the postmortems with an id (more than one is a conflict).
func (c *Corpus) ByID(id string) []*postmortem.Postmortem { return c.byID[id] }

// IDs returns every id in the corpus, sorted.
func (c *Corpus) IDs() []string {
	ids := make([]string, 0, len(c.byID))
	for id := range c.byID {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// ReleaseText lets every postmortem go of its file's bytes (see
// postmortem.Postmortem.ReleaseText), for a build that renders each page
// once and keeps nothing for a later one: a page's body is read from the
// file again, and must be what was checked.
func (c *Corpus) ReleaseText() {
	eachFile(c.files, func(_ int, f file) {
		if pm := c.byRel[f.rel]; pm != nil {
			pm.ReleaseText(func() ([]byte, error) {
				data, _, err := readFile(c.Config.Root, f)
				return data, err
			})
		}
	})
}

// eachFile calls fn for every file, from one worker per CPU that takes the
// next file until none is left, and returns once all are done.
func eachFile(files []file, fn func(i int, f file)) {
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(len(files), runtime.GOMAXPROCS(0)) {
		wg.Go(func() {
			for i := int(next.Add(1)) - 1; i < len(files); i = int(next.Add(1)) - 1 {
				fn(i, files[i])
			}
		})
	}
	wg.Wait()
}
