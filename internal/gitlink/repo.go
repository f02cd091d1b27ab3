package gitlink

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/cache"

	"github.com/hindsight-dev/hindsight/internal/postmortem"
)

// Spec says where a named repository is: a local clone (Path) or a remote
// to clone (URL), and optionally its web UI.
type Spec struct {
	Path string
	URL  string
	Web  string
}

// Repo is one git repository, opened lazily. What it knows of commits
// comes from the repository's persistent cache of commit facts, and from
// single object reads for what the cache lacks: nothing lists every commit.
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
	// Stale says why a commit missing from a remote repository's cached
	// clone proves nothing (it could not be fetched again); empty when
	// the clone is current.
	Stale string

	r        *git.Repository
	objects  string // the object folder (the common one, for a worktree)
	spec     Spec
	ctx      context.Context
	mu       sync.Mutex
	fetched  bool
	timeout  time.Duration
	cacheDir string
	// opened is closed once the repository is open (Set.Repo).
	opened chan struct{}
	// decoded is go-git's cache of decoded objects (DropObjects).
	decoded  *cache.ObjectLRU
	facts    *factStore
	packs    string          // packSignature when opened
	all      []plumbing.Hash // every object's hash, sorted; read once a run when a prefix needs it
	allRead  bool
	closes   []ActionClose
	closesOK bool
	reach    []plumbing.Hash // the commits HEAD reaches, once walked
	revIndex *revertIndex
	// hist and blobs are the last answers of History and Blobs (by
	// commit and prefix); what they hold is shared and must not be
	// changed.
	hist  lastAnswer[map[string]*postmortem.FileHistory]
	blobs lastAnswer[map[string]string]
}

// lastAnswer keeps the answer to the last question asked, by key, for a
// watching server that asks the same again after every edit.
type lastAnswer[V any] struct {
	mu  sync.Mutex
	key string
	v   V
}

func (a *lastAnswer[V]) get(key string) (V, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.key != key || key == "" {
		var zero V
		return zero, false
	}
	return a.v, true
}

func (a *lastAnswer[V]) put(key string, v V) {
	a.mu.Lock()
	a.key, a.v = key, v
	a.mu.Unlock()
}

// DefaultTimeout bounds one clone or fetch of a remote repository.
const DefaultTimeout = 60 * time.Second

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
	// linked are the postmortems the last Link resolved whole.
	linked map[LinkOptions]map[*postmortem.Postmortem]bool
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
	if r, ok := s.repos[name]; ok {
		s.mu.Unlock()
		<-r.opened
		return r
	}
	r := &Repo{Name: name, ctx: s.ctx, timeout: cmp.Or(s.Timeout, DefaultTimeout), cacheDir: s.cacheDir, opened: make(chan struct{})}
	s.repos[name] = r
	s.mu.Unlock()
	// Opened outside the lock, so that repositories open side by side;
	// anyone else asking for this one waits for it.
	defer close(r.opened)
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

// Prefetch starts opening, in the background, the repository holding the
// postmortems and every configured one with a path on this machine (its
// pack indexes and the facts cached of it), so that this overlaps with
// reading the postmortems instead of following it. Remote ones are left
// to open when asked for, since that may fetch. Repo waits for an opening
// under way.
func (s *Set) Prefetch() {
	names := []string{""}
	for name, spec := range s.specs {
		if spec.Path != "" {
			names = append(names, name)
		}
	}
	for _, name := range names {
		go s.Repo(name)
	}
}

// DropObjects empties the repositories' caches of decoded objects (up to
// objectCacheSize each, filled by the tree diffs of a cold run). What the run learnt
// of commits stays; a later question that needs an object reads it from
// the pack again. A build calls it once linking is done, before the pages
// need the memory.
func (s *Set) DropObjects() {
	for _, r := range s.openedRepos() {
		if r.decoded != nil {
			r.decoded.Clear()
		}
	}
}

// openedRepos returns the repositories asked for so far, once they are
// open.
func (s *Set) openedRepos() []*Repo {
	s.mu.Lock()
	repos := make([]*Repo, 0, len(s.repos))
	for _, r := range s.repos {
		repos = append(repos, r)
	}
	s.mu.Unlock()
	for _, r := range repos {
		<-r.opened
	}
	return repos
}

func (r *Repo) open(dir string, detect bool) {
	r.Dir = dir
	repo, decoded, err := openRepoCache(dir, detect)
	r.decoded = decoded
	if err != nil {
		what := "the repository holding the postmortems"
		if r.Name != "" {
			what = fmt.Sprintf("repo %q (%s)", r.Name, dir)
		}
		switch {
		case errors.Is(err, git.ErrRepositoryNotExists):
			r.Problem = fmt.Sprintf("%s is not a git repository, so its commits cannot be checked; run inside a clone or fix its path", what)
		case strings.Contains(strings.ToLower(err.Error()), "worktreeconfig"):
			r.Problem = fmt.Sprintf("%s sets extensions.worktreeConfig (git sparse-checkout does), which the git library cannot read; run `git sparse-checkout disable` and `git config --unset extensions.worktreeConfig` there, or point path: at a plain clone", what)
		default:
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
	repo, decoded, err := openRepoCache(dir, false)
	r.decoded = decoded
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
			repo, r.decoded, err = openRepoCache(dir, false)
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
	r.objects = objectsDir(repo)
	r.packs = packSignature(r.objects)
	key := r.objects
	if r.spec.URL != "" {
		key = r.spec.URL
	}
	r.facts = loadFacts(factsPath(r.cacheDir, key))
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

// Branch returns the short name of the branch HEAD is on, or "" when HEAD
// is detached (as in a pull request's checkout) or cannot be read.
func (r *Repo) Branch() string {
	if r == nil || r.r == nil {
		return ""
	}
	ref, err := r.r.Storer.Reference(plumbing.HEAD)
	if err != nil || ref.Type() != plumbing.SymbolicReference || !ref.Target().IsBranch() {
		return ""
	}
	return ref.Target().Short()
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

// hexPrefix pads a hex prefix with c to a full hash.
func hexPrefix(prefix string, c byte) plumbing.Hash {
	full := []byte(strings.Repeat(string(c), 40))
	copy(full, prefix)
	var h plumbing.Hash
	_, _ = hex.Decode(h[:], full)
	return h
}
