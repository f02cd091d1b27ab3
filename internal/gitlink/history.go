package gitlink

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"slices"
	"sort"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"

	"github.com/hindsight-dev/hindsight/internal/postmortem"
)

// historyVersion changes when the cached form changes.
const historyVersion = 1

type historyCache struct {
	Version int                                `json:"version"`
	Head    string                             `json:"head"`
	Prefix  string                             `json:"prefix"`
	Files   map[string]*postmortem.FileHistory `json:"files"`
}

// History returns, for every file below prefix (a folder relative to the
// work tree root, "" for all), when it was added and last changed and by
// whom, from one walk over the history of HEAD. Only commits that change
// the folder are diffed, and then only the folder's subtree. Merge commits
// are not diffed: the commits they bring in are. The result is cached in
// cacheDir by HEAD, so an unchanged repository is not walked again.
func (r *Repo) History(prefix, cacheDir string) (map[string]*postmortem.FileHistory, error) {
	if r.r == nil {
		return nil, errors.New(r.Problem)
	}
	prefix = path.Clean("/" + filepath.ToSlash(prefix))[1:]
	head, err := r.r.Head()
	if errors.Is(err, plumbing.ErrReferenceNotFound) {
		return map[string]*postmortem.FileHistory{}, nil // no commits yet
	}
	if err != nil {
		return nil, err
	}
	// The last answer is kept in memory too, for a watching server that
	// asks again after every edit.
	key := head.Hash().String() + "\x00" + prefix
	if files, ok := r.hist.get(key); ok {
		return files, nil
	}
	files, err := r.history(head.Hash(), prefix, cacheDir)
	if err == nil {
		r.hist.put(key, files)
	}
	return files, err
}

// history is History without the answer kept in memory.
func (r *Repo) history(headHash plumbing.Hash, prefix, cacheDir string) (map[string]*postmortem.FileHistory, error) {
	head := plumbing.NewHashReference(plumbing.HEAD, headHash)
	cacheFile := ""
	var cached *historyCache
	if cacheDir != "" {
		sum := sha256.Sum256([]byte(r.Dir + "\x00" + prefix))
		cacheFile = filepath.Join(cacheDir, "history-"+hex.EncodeToString(sum[:8])+".json")
		if data, err := os.ReadFile(cacheFile); err == nil {
			var c historyCache
			if json.Unmarshal(data, &c) == nil && c.Version == historyVersion && c.Prefix == prefix && c.Files != nil {
				if c.Head == head.Hash().String() {
					return c.Files, nil
				}
				cached = &c
			}
		}
	}
	// When the cached head is in the new history, only the commits since
	// it are walked and merged into the cached result.
	var stop map[plumbing.Hash]bool
	if cached != nil {
		old := plumbing.NewHash(cached.Head)
		if ok, _ := r.IsAncestor(old.String(), head.Hash().String()); ok {
			stop = map[plumbing.Hash]bool{}
			for _, h := range r.reachable(old) {
				stop[h] = true
			}
		}
	}
	files, err := r.walkHistory(head.Hash(), prefix, stop)
	if err != nil {
		return nil, err
	}
	if stop != nil {
		files = mergeHistory(cached.Files, files)
	}
	if cacheFile != "" {
		if data, err := json.Marshal(historyCache{Version: historyVersion, Head: head.Hash().String(), Prefix: prefix, Files: files}); err == nil {
			if os.MkdirAll(cacheDir, 0o755) == nil {
				tmp := cacheFile + ".tmp"
				if os.WriteFile(tmp, data, 0o644) == nil {
					_ = os.Rename(tmp, cacheFile)
				}
			}
		}
	}
	return files, nil
}

// mergeHistory lays the history of newer commits over an older one.
func mergeHistory(old, newer map[string]*postmortem.FileHistory) map[string]*postmortem.FileHistory {
	out := make(map[string]*postmortem.FileHistory, len(old)+len(newer))
	for name, h := range old {
		out[name] = h
	}
	for name, h := range newer {
		prev, ok := out[name]
		if !ok {
			out[name] = h
			continue
		}
		merged := *h
		merged.Added, merged.AddedBy = prev.Added, prev.AddedBy
		merged.Contributors = slices.Compact(slices.Sorted(slices.Values(append(slices.Clone(prev.Contributors), h.Contributors...))))
		out[name] = &merged
	}
	return out
}

func (r *Repo) walkHistory(head plumbing.Hash, prefix string, stop map[plumbing.Hash]bool) (map[string]*postmortem.FileHistory, error) {
	w := &historyWalk{r: r, prefix: prefix, files: map[string]*postmortem.FileHistory{}, seen: map[string]map[string]bool{},
		sub: map[plumbing.Hash]plumbing.Hash{}, raw: map[plumbing.Hash][]byte{}}
	for _, h := range r.reachable(head) {
		n := r.node(h)
		if len(n.Parents) > 1 || stop[h] {
			continue
		}
		cur, err := w.subtree(n.Tree)
		if err != nil {
			return nil, err
		}
		prev := plumbing.ZeroHash
		if len(n.Parents) == 1 {
			// A parent missing beyond a shallow boundary leaves prev zero:
			// everything in the commit counts as added by it.
			if pn := r.node(n.Parents[0]); pn != nil {
				if prev, err = w.subtree(pn.Tree); err != nil {
					return nil, err
				}
			}
		}
		if cur == prev {
			continue
		}
		w.commit, w.node = h, n
		if err := w.diff(prev, cur, prefix); err != nil {
			return nil, err
		}
		w.trim(prev, cur)
	}
	for _, fh := range w.files {
		sort.Strings(fh.Contributors)
	}
	return w.files, nil
}

// historyWalk diffs the raw tree objects of consecutive commits: trees are
// sorted lists of entries, so the parts two versions share are skipped
// with byte comparisons and only the entries in between are read. That
// keeps a folder of ten thousand postmortems cheap to walk.
type historyWalk struct {
	r      *Repo
	prefix string
	files  map[string]*postmortem.FileHistory
	seen   map[string]map[string]bool
	sub    map[plumbing.Hash]plumbing.Hash // root tree -> prefix subtree
	raw    map[plumbing.Hash][]byte        // recently read tree objects
	commit plumbing.Hash
	node   *fact
}

// subtree returns the hash of the tree at the prefix below a root tree, or
// the zero hash when there is none.
func (w *historyWalk) subtree(root plumbing.Hash) (plumbing.Hash, error) {
	if h, ok := w.sub[root]; ok {
		return h, nil
	}
	h := root
	if w.prefix != "" {
		t, err := object.GetTree(w.r.r.Storer, root)
		if err != nil {
			return plumbing.ZeroHash, err
		}
		e, err := t.FindEntry(w.prefix)
		switch {
		case err != nil:
			h = plumbing.ZeroHash
		case e.Mode == filemode.Dir:
			h = e.Hash
		default:
			h = plumbing.ZeroHash
		}
	}
	w.sub[root] = h
	return h, nil
}

func (w *historyWalk) tree(h plumbing.Hash) ([]byte, error) {
	if b, ok := w.raw[h]; ok {
		return b, nil
	}
	b, err := w.r.rawTree(h)
	if err != nil {
		return nil, err
	}
	if b != nil {
		w.raw[h] = b
	}
	return b, nil
}

// trim keeps only the trees the next, older commit is likely to need.
func (w *historyWalk) trim(keep ...plumbing.Hash) {
	if len(w.raw) < 64 {
		return
	}
	for h := range w.raw {
		if !slices.Contains(keep, h) {
			delete(w.raw, h)
		}
	}
}

// treeEntry is one entry of a raw tree object.
type treeEntry struct {
	mode filemode.FileMode
	name string
	hash plumbing.Hash
	size int
}

// commonPrefix is the length of the longest common prefix of a and b,
// compared a block at a time.
func commonPrefix(a, b []byte) int {
	const block = 256
	n := min(len(a), len(b))
	i := 0
	for i+block <= n && bytes.Equal(a[i:i+block], b[i:i+block]) {
		i += block
	}
	for i < n && a[i] == b[i] {
		i++
	}
	return i
}

// commonSuffix is the length of the longest common suffix of a and b.
func commonSuffix(a, b []byte) int {
	const block = 256
	n := min(len(a), len(b))
	i := 0
	for i+block <= n && bytes.Equal(a[len(a)-i-block:len(a)-i], b[len(b)-i-block:len(b)-i]) {
		i += block
	}
	for i < n && a[len(a)-1-i] == b[len(b)-1-i] {
		i++
	}
	return i
}

// sharedEnds returns where two raw trees may start to differ, at the
// first entry not wholly inside their common prefix (entry boundaries
// agree there), and the length of the bytes they share at the end after
// it: a walk of both can start there, and stop once each has exactly that
// suffix left.
func sharedEnds(a, b []byte) (start, suffix int) {
	common := commonPrefix(a, b)
	for {
		n := entrySize(a[start:])
		if n == 0 || start+n > common {
			break
		}
		start += n
	}
	return start, commonSuffix(a[start:], b[start:])
}

// entrySize is the length of the tree entry at the start of b, or 0.
func entrySize(b []byte) int {
	nul := bytes.IndexByte(b, 0)
	if nul < 0 || nul+21 > len(b) {
		return 0
	}
	return nul + 21
}

// nextEntry reads the entry at the start of b: "<mode> <name>\x00<hash>".
func nextEntry(b []byte) (treeEntry, bool) {
	sp := bytes.IndexByte(b, ' ')
	nul := bytes.IndexByte(b, 0)
	if sp < 0 || nul < sp || nul+21 > len(b) {
		return treeEntry{}, false
	}
	mode, err := filemode.New(string(b[:sp]))
	if err != nil {
		return treeEntry{}, false
	}
	var h plumbing.Hash
	copy(h[:], b[nul+1:nul+21])
	return treeEntry{mode: mode, name: string(b[sp+1 : nul]), hash: h, size: nul + 21}, true
}

// diff records the files of cur that differ from prev below dir.
func (w *historyWalk) diff(prev, cur plumbing.Hash, dir string) error {
	pb, err := w.tree(prev)
	if err != nil {
		return err
	}
	cb, err := w.tree(cur)
	if err != nil {
		return err
	}
	ci, suffix := sharedEnds(cb, pb)
	pi := ci
	for ci < len(cb) {
		if len(cb)-ci == len(pb)-pi && len(cb)-ci <= suffix {
			break // the rest is the same in both
		}
		ce, ok := nextEntry(cb[ci:])
		if !ok {
			return fmt.Errorf("tree %s: malformed entry", cur)
		}
		pe, pok := nextEntry(pb[pi:])
		switch {
		case pok && pe.name == ce.name:
			if pe.hash != ce.hash {
				if err := w.changed(ce, pe.hash, pe.mode, dir); err != nil {
					return err
				}
			}
			pi += pe.size
			ci += ce.size
		case pok && treeLess(pe, ce):
			pi += pe.size // deleted here
		default:
			if err := w.changed(ce, plumbing.ZeroHash, 0, dir); err != nil {
				return err
			}
			ci += ce.size
		}
	}
	return nil
}

// treeLess orders entries as git does: by name, with folders compared as
// if their name ended in "/".
func treeLess(a, b treeEntry) bool {
	an, bn := a.name, b.name
	if a.mode == filemode.Dir {
		an += "/"
	}
	if b.mode == filemode.Dir {
		bn += "/"
	}
	return an < bn
}

func (w *historyWalk) changed(e treeEntry, old plumbing.Hash, oldMode filemode.FileMode, dir string) error {
	name := e.name
	if dir != "" {
		name = dir + "/" + name
	}
	switch {
	case e.mode == filemode.Dir:
		if oldMode != filemode.Dir {
			old = plumbing.ZeroHash
		}
		return w.diff(old, e.hash, name)
	case e.mode == filemode.Submodule:
		return nil
	}
	fh := w.files[name]
	if fh == nil {
		fh = &postmortem.FileHistory{Changed: w.node.Authored, ChangedBy: w.node.Author, LastCommit: w.commit.String()}
		w.files[name] = fh
		w.seen[name] = map[string]bool{}
	}
	fh.Added, fh.AddedBy = w.node.Authored, w.node.Author
	if !w.seen[name][w.node.Author] {
		w.seen[name][w.node.Author] = true
		fh.Contributors = append(fh.Contributors, w.node.Author)
	}
	return nil
}

// subtree returns the tree at prefix in a commit, or nil when it has none.
func subtree(c *object.Commit, prefix string) (*object.Tree, error) {
	t, err := c.Tree()
	if err != nil {
		return nil, err
	}
	if prefix == "" {
		return t, nil
	}
	sub, err := t.Tree(prefix)
	if errors.Is(err, object.ErrDirectoryNotFound) || errors.Is(err, object.ErrEntryNotFound) {
		return nil, nil
	}
	return sub, err
}

// Blobs returns the blob hash of every file below prefix at a revision (a
// branch, tag, sha or expression such as HEAD~1), keyed by path relative to
// the work tree root. The answer for the last commit and prefix asked is
// kept (a tree never changes; serve asks for HEAD's after every edit), so
// the map is shared and must not be changed.
func (r *Repo) Blobs(rev, prefix string) (map[string]string, error) {
	if r.r == nil {
		return nil, errors.New(r.Problem)
	}
	h, err := r.r.ResolveRevision(plumbing.Revision(rev))
	if err != nil {
		return nil, &RevisionError{Rev: rev, Err: err}
	}
	c, err := r.r.CommitObject(*h)
	if err != nil {
		return nil, &RevisionError{Rev: rev, Err: err}
	}
	prefix = path.Clean("/" + filepath.ToSlash(prefix))[1:]
	key := c.Hash.String() + "\x00" + prefix
	if out, ok := r.blobs.get(key); ok {
		return out, nil
	}
	t, err := subtree(c, prefix)
	if err != nil || t == nil {
		return map[string]string{}, err
	}
	out := map[string]string{}
	defer r.blobs.put(key, out)
	walker := object.NewTreeWalker(t, true, nil)
	defer walker.Close()
	for {
		name, entry, err := walker.Next()
		if err != nil {
			break
		}
		if entry.Mode.IsFile() {
			if prefix != "" {
				name = prefix + "/" + name
			}
			out[name] = entry.Hash.String()
		}
	}
	return out, nil
}

// RevisionError is a revision that does not resolve.
type RevisionError struct {
	Rev string
	Err error
}

func (e *RevisionError) Error() string {
	return "revision " + e.Rev + " not found (" + e.Err.Error() + "); fetch it first, e.g. git fetch origin main, or use fetch-depth: 0 in CI"
}

// BlobHash is git's hash of a file's content, to compare the work tree
// with a commit without asking git.
func BlobHash(data []byte) string {
	return plumbing.ComputeHash(plumbing.BlobObject, data).String()
}

// Root returns the work tree root of the repository holding the
// postmortems, or "" when there is none.
func (r *Repo) Root() string {
	if r.r == nil {
		return ""
	}
	return r.Dir
}
