package gitlink

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/go-git/go-git/v5"
	gitconfig "github.com/go-git/go-git/v5/config"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"

	"github.com/hindsight-dev/hindsight/internal/postmortem"
)

// Spec says where a named repository is: a local clone (Path) or a remote
// to clone (URL), and optionally its web UI.
type Spec struct {
	Path string
	URL  string
	Web  string
}

// Repo is one git repository, opened lazily and indexed once: every commit
// object's hash (sorted, for prefix lookups), parents and times.
type Repo struct {
	// Name is the config's name for it; "" for the repository holding the
	// postmortems.
	Name string
	// Dir is where it is on disk.
	Dir string
	// Web is its web UI, when known.
	Web Web
	// Shallow is true for a shallow clone, whose history is cut off.
	Shallow bool
	// Problem says why the repository is unavailable, and how to fix it;
	// empty when it is usable.
	Problem string

	r       *git.Repository
	spec    Spec
	ctx     context.Context
	once    sync.Once
	mu      sync.Mutex
	hashes  []plumbing.Hash // sorted
	nodes   map[plumbing.Hash]*node
	actions []ActionClose
	fetched bool
	info    map[plumbing.Hash]*postmortem.CommitInfo
	timeout time.Duration
	// Stale says why a commit missing from a remote repository's cached
	// clone proves nothing (it could not be fetched again); empty when
	// the clone is current.
	Stale string
}

// DefaultTimeout bounds one clone or fetch of a remote repository.
const DefaultTimeout = 60 * time.Second

type node struct {
	parents  []plumbing.Hash
	when     time.Time // committer time
	tree     plumbing.Hash
	author   string
	authored time.Time
}

// ActionClose is a commit whose message closes an action item with a
// `Postmortem-Action: <id>#<n>` trailer.
type ActionClose struct {
	Item   string // "<id>#<n>"
	Commit postmortem.CommitInfo
}

// TrailerKey is the commit message trailer that closes an action item.
const TrailerKey = "Postmortem-Action"

// Set is the repositories a corpus refers to, each opened on first use.
type Set struct {
	ctx      context.Context
	root     string
	cacheDir string
	specs    map[string]Spec
	mu       sync.Mutex
	repos    map[string]*Repo
	// Timeout bounds each clone and fetch; DefaultTimeout when zero.
	Timeout time.Duration
}

// NewSet prepares the repositories: root is the repository holding the
// postmortems; specs are the named ones; cacheDir holds clones of remote
// ones (default: the user's cache folder).
func NewSet(ctx context.Context, root string, specs map[string]Spec, cacheDir string) *Set {
	if cacheDir == "" {
		if dir, err := os.UserCacheDir(); err == nil {
			cacheDir = filepath.Join(dir, "hindsight", "repos")
		}
	}
	return &Set{ctx: ctx, root: root, cacheDir: cacheDir, specs: specs, repos: map[string]*Repo{}}
}

// Names returns the configured repository names, sorted.
func (s *Set) Names() []string {
	names := make([]string, 0, len(s.specs))
	for n := range s.specs {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Known reports whether name is "" or a configured repository.
func (s *Set) Known(name string) bool {
	_, ok := s.specs[name]
	return name == "" || ok
}

// Repo returns a repository by name ("" for the content repository),
// opening it on first use. It never returns nil: an unusable repository
// has its Problem set.
func (s *Set) Repo(name string) *Repo {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r, ok := s.repos[name]; ok {
		return r
	}
	r := &Repo{Name: name, ctx: s.ctx, timeout: cmp.Or(s.Timeout, DefaultTimeout)}
	s.repos[name] = r
	spec, ok := s.specs[name]
	switch {
	case name == "":
		r.open(s.root, true)
	case !ok:
		r.Problem = fmt.Sprintf("no repo named %q in hindsight.yaml; add it under repos:", name)
	case spec.Path != "":
		dir := spec.Path
		if !filepath.IsAbs(dir) {
			dir = filepath.Join(s.root, dir)
		}
		r.spec = spec
		r.open(dir, false)
	default:
		r.spec = spec
		r.clone(remoteURL(spec.URL, s.root), s.cacheDir)
	}
	if spec.Web != "" {
		r.Web = WebFromBase(spec.Web)
	}
	return r
}

func (r *Repo) open(dir string, detect bool) {
	r.Dir = dir
	repo, err := git.PlainOpenWithOptions(dir, &git.PlainOpenOptions{DetectDotGit: detect})
	if err != nil {
		what := "the repository holding the postmortems"
		if r.Name != "" {
			what = fmt.Sprintf("repo %q (%s)", r.Name, dir)
		}
		if errors.Is(err, git.ErrRepositoryNotExists) {
			r.Problem = fmt.Sprintf("%s is not a git repository, so its commits cannot be checked; run inside a clone or fix its path", what)
		} else {
			r.Problem = fmt.Sprintf("cannot open %s: %v", what, err)
		}
		return
	}
	if wt, err := repo.Worktree(); err == nil {
		r.Dir = wt.Filesystem.Root()
	}
	r.attach(repo)
}

// remoteURL makes a relative local url (../service.git) relative to the
// repository root rather than to wherever the command runs; URLs with a
// scheme, scp-like ssh addresses and absolute paths stay as they are.
func remoteURL(url, root string) string {
	if url == "" || filepath.IsAbs(url) || strings.Contains(url, "://") {
		return url
	}
	if at, colon := strings.Index(url, "@"), strings.Index(url, ":"); colon > 0 && (at < 0 || at < colon) && !strings.ContainsAny(url[:colon], "/") {
		return url // user@host:path or host:path
	}
	return filepath.Join(root, url)
}

// bounded runs a network operation of go-git under the repository's
// timeout. Not every transport gives up when its context ends (a server
// that accepts and never answers holds some for ever), so the operation
// is abandoned at the deadline whether or not it has returned.
func (r *Repo) bounded(op func(ctx context.Context) error) error {
	ctx, cancel := context.WithTimeout(r.ctx, r.timeout)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- op(ctx) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		if r.ctx.Err() == nil {
			return fmt.Errorf("no answer within %s (HINDSIGHT_GIT_TIMEOUT sets the limit)", r.timeout)
		}
		return ctx.Err()
	}
}

// clone opens the cached bare clone of url, cloning it first if needed.
// A clone is made in a folder of its own and renamed into place only when
// complete, so an interrupted one (a cancelled CI run) never passes for
// the repository; a cached clone with no refs is made again.
func (r *Repo) clone(url, cacheDir string) {
	sum := sha256.Sum256([]byte(url))
	dir := filepath.Join(cacheDir, hex.EncodeToString(sum[:8]))
	r.Dir = dir
	repo, err := git.PlainOpen(dir)
	if err == nil && !hasRefs(repo) {
		err = errors.New("empty")
	}
	if err != nil {
		if cacheDir == "" {
			r.Problem = fmt.Sprintf("repo %q: no cache folder to clone %s into", r.Name, url)
			return
		}
		if err := os.MkdirAll(cacheDir, 0o755); err != nil {
			r.Problem = fmt.Sprintf("repo %q: cannot create the cache folder: %v", r.Name, err)
			return
		}
		tmp, err := os.MkdirTemp(cacheDir, ".clone-")
		if err != nil {
			r.Problem = fmt.Sprintf("repo %q: cannot create the cache folder: %v", r.Name, err)
			return
		}
		defer os.RemoveAll(tmp)
		err = r.bounded(func(ctx context.Context) error {
			_, err := git.PlainCloneContext(ctx, tmp, true, &git.CloneOptions{URL: url, Tags: git.AllTags})
			return err
		})
		if err == nil {
			_ = os.RemoveAll(dir) // an empty or partial clone of an earlier version
			err = os.Rename(tmp, dir)
		}
		if err == nil {
			repo, err = git.PlainOpen(dir)
		}
		if err != nil {
			r.Problem = fmt.Sprintf("repo %q: cannot clone %s: %v; check the url and your access, the check goes on without it", r.Name, url, err)
			return
		}
		r.fetched = true
	}
	if r.Web.Base == "" {
		if w, ok := WebFromRemote(url); ok {
			r.Web = w
		}
	}
	r.attach(repo)
}

func (r *Repo) attach(repo *git.Repository) {
	r.r = repo
	if shallow, err := repo.Storer.Shallow(); err == nil && len(shallow) > 0 {
		r.Shallow = true
	}
	if r.Web.Base == "" {
		if remote, err := repo.Remote("origin"); err == nil && len(remote.Config().URLs) > 0 {
			if w, ok := WebFromRemote(remote.Config().URLs[0]); ok {
				r.Web = w
			}
		}
	}
}

// index reads every commit object once.
func (r *Repo) index() {
	r.once.Do(func() { r.reindex() })
}

func (r *Repo) reindex() {
	r.hashes = r.hashes[:0]
	r.nodes = map[plumbing.Hash]*node{}
	r.actions = nil
	r.info = map[plumbing.Hash]*postmortem.CommitInfo{}
	if r.r == nil {
		return
	}
	iter, err := r.r.CommitObjects()
	if err != nil {
		r.Problem = fmt.Sprintf("cannot read the commits of %s: %v", r.describe(), err)
		return
	}
	err = iter.ForEach(func(c *object.Commit) error {
		r.hashes = append(r.hashes, c.Hash)
		r.nodes[c.Hash] = &node{parents: c.ParentHashes, when: c.Committer.When, tree: c.TreeHash, author: c.Author.Name, authored: c.Author.When}
		if strings.Contains(c.Message, TrailerKey) {
			for _, item := range trailers(c.Message) {
				r.actions = append(r.actions, ActionClose{Item: item, Commit: r.commitInfo(c, false)})
			}
		}
		return nil
	})
	if err != nil {
		// A history read in part would report the rest as missing.
		r.Problem = fmt.Sprintf("cannot read the commits of %s: %v", r.describe(), err)
		r.hashes, r.nodes = r.hashes[:0], map[plumbing.Hash]*node{}
		return
	}
	slices.SortFunc(r.hashes, func(a, b plumbing.Hash) int { return bytes.Compare(a[:], b[:]) })
}

// hasRefs reports whether a repository has a reference to a commit (an
// empty repository has only HEAD, naming a branch that does not exist): a
// clone cut short has none.
func hasRefs(repo *git.Repository) bool {
	refs, err := repo.References()
	if err != nil {
		return false
	}
	defer refs.Close()
	for {
		ref, err := refs.Next()
		if err != nil {
			return false
		}
		if ref.Type() == plumbing.HashReference {
			return true
		}
	}
}

func (r *Repo) describe() string {
	if r.Name == "" {
		return "the repository holding the postmortems"
	}
	return fmt.Sprintf("repo %q", r.Name)
}

// trailers returns the action items named by Postmortem-Action trailers.
func trailers(msg string) []string {
	var items []string
	for _, line := range strings.Split(msg, "\n") {
		k, v, ok := strings.Cut(line, ":")
		if ok && strings.EqualFold(strings.TrimSpace(k), TrailerKey) {
			for _, item := range strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ' ' }) {
				if strings.Contains(item, "#") {
					items = append(items, item)
				}
			}
		}
	}
	return items
}

// Resolve finds the one commit a sha or sha prefix names. It fetches a
// remote repository again once when the commit is not found.
func (r *Repo) Resolve(sha string) (postmortem.CommitInfo, error) {
	if r.Problem != "" {
		return postmortem.CommitInfo{}, errors.New(r.Problem)
	}
	r.index()
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.Problem != "" {
		return postmortem.CommitInfo{}, errors.New(r.Problem)
	}
	h, err := r.lookup(sha)
	if errors.Is(err, postmortem.ErrCommitNotFound) && r.spec.URL != "" && !r.fetched {
		r.fetched = true
		ferr := r.bounded(func(ctx context.Context) error {
			return r.r.FetchContext(ctx, &git.FetchOptions{RefSpecs: []gitconfig.RefSpec{"+refs/heads/*:refs/heads/*", "+refs/tags/*:refs/tags/*"}, Tags: git.AllTags})
		})
		switch {
		case ferr == nil || errors.Is(ferr, git.NoErrAlreadyUpToDate):
			r.reindex()
			if r.Problem != "" {
				return postmortem.CommitInfo{}, errors.New(r.Problem)
			}
			h, err = r.lookup(sha)
		default:
			r.Stale = fmt.Sprintf("the cached clone lacks some commits and %s could not be fetched (%v); run again when it can be reached", r.spec.URL, ferr)
		}
	}
	if err != nil {
		return postmortem.CommitInfo{}, err
	}
	return r.infoFor(h)
}

func (r *Repo) lookup(sha string) (plumbing.Hash, error) {
	sha = strings.ToLower(sha)
	lo := hexPrefix(sha, '0')
	i := sort.Search(len(r.hashes), func(i int) bool { return bytes.Compare(r.hashes[i][:], lo[:]) >= 0 })
	var found []plumbing.Hash
	for ; i < len(r.hashes) && strings.HasPrefix(r.hashes[i].String(), sha); i++ {
		found = append(found, r.hashes[i])
	}
	switch len(found) {
	case 0:
		return plumbing.ZeroHash, postmortem.ErrCommitNotFound
	case 1:
		return found[0], nil
	}
	amb := &postmortem.AmbiguousCommitError{Prefix: sha}
	for _, h := range found {
		amb.Candidates = append(amb.Candidates, h.String())
	}
	return plumbing.ZeroHash, amb
}

// hexPrefix pads a hex prefix with c to a full hash.
func hexPrefix(prefix string, c byte) plumbing.Hash {
	full := []byte(strings.Repeat(string(c), 40))
	copy(full, prefix)
	var h plumbing.Hash
	_, _ = hex.Decode(h[:], full)
	return h
}

// infoFor returns a commit's details without its changed files, which
// ChangedFiles adds on demand.
func (r *Repo) infoFor(h plumbing.Hash) (postmortem.CommitInfo, error) {
	if ci, ok := r.info[h]; ok {
		return *ci, nil
	}
	c, err := r.r.CommitObject(h)
	if err != nil {
		return postmortem.CommitInfo{}, fmt.Errorf("reading commit %s: %w", h, err)
	}
	ci := r.commitInfo(c, false)
	r.info[h] = &ci
	return ci, nil
}

func (r *Repo) commitInfo(c *object.Commit, files bool) postmortem.CommitInfo {
	subject, _, _ := strings.Cut(strings.TrimSpace(c.Message), "\n")
	ci := postmortem.CommitInfo{
		SHA:         c.Hash.String(),
		Repo:        r.Name,
		Subject:     subject,
		Author:      c.Author.Name,
		AuthorEmail: c.Author.Email,
		Date:        c.Author.When,
		Committed:   c.Committer.When,
		URL:         r.Web.Commit(c.Hash.String()),
	}
	return ci
}

// ChangedFiles lists the paths a commit changed against its first parent
// (every path, for a root commit), from the tree diff.
func (r *Repo) ChangedFiles(sha string) ([]string, error) {
	if r.r == nil {
		return nil, errors.New(r.Problem)
	}
	c, err := r.r.CommitObject(plumbing.NewHash(sha))
	if err != nil {
		return nil, err
	}
	tree, err := c.Tree()
	if err != nil {
		return nil, err
	}
	var parent *object.Tree
	if c.NumParents() > 0 {
		if p, err := c.Parent(0); err == nil {
			parent, _ = p.Tree()
		}
	}
	changes, err := object.DiffTreeWithOptions(r.ctx, parent, tree, &object.DiffTreeOptions{})
	if err != nil {
		return nil, err
	}
	files := make([]string, 0, len(changes))
	for _, ch := range changes {
		name := ch.To.Name
		if name == "" {
			name = ch.From.Name
		}
		files = append(files, name)
	}
	sort.Strings(files)
	return files, nil
}

// IsAncestor reports whether ancestor is reachable from descendant through
// parents (a commit is its own ancestor). The walk skips commits older than
// the ancestor by more than a day, allowing for clock skew.
func (r *Repo) IsAncestor(ancestor, descendant string) (bool, error) {
	r.index()
	a, d := plumbing.NewHash(ancestor), plumbing.NewHash(descendant)
	an, ok := r.nodes[a]
	if !ok || r.nodes[d] == nil {
		return false, postmortem.ErrCommitNotFound
	}
	floor := an.when.Add(-24 * time.Hour)
	seen := map[plumbing.Hash]bool{d: true}
	queue := []plumbing.Hash{d}
	for len(queue) > 0 {
		h := queue[0]
		queue = queue[1:]
		if h == a {
			return true, nil
		}
		n := r.nodes[h]
		if n == nil {
			continue // beyond a shallow boundary
		}
		for _, p := range n.parents {
			if pn := r.nodes[p]; !seen[p] && (pn == nil || !pn.when.Before(floor)) {
				seen[p] = true
				queue = append(queue, p)
			}
		}
	}
	return false, nil
}

// ActionCloses returns the commits whose messages close action items,
// among those HEAD reaches: not a commit amended or rebased away, nor one
// on a branch that has not landed.
func (r *Repo) ActionCloses() []ActionClose {
	if r.Problem != "" {
		return nil
	}
	r.index()
	if len(r.actions) == 0 {
		return nil
	}
	head, err := r.r.Head()
	if err != nil {
		return nil // no commits yet
	}
	reach := map[string]bool{}
	for _, h := range r.reachable(head.Hash()) {
		reach[h.String()] = true
	}
	var out []ActionClose
	for _, ac := range r.actions {
		if reach[ac.Commit.SHA] {
			out = append(out, ac)
		}
	}
	return out
}
