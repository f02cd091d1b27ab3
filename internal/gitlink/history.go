package gitlink

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path"
	"path/filepath"
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
	cacheFile := ""
	if cacheDir != "" {
		sum := sha256.Sum256([]byte(r.Dir + "\x00" + prefix))
		cacheFile = filepath.Join(cacheDir, "history-"+hex.EncodeToString(sum[:8])+".json")
		if data, err := os.ReadFile(cacheFile); err == nil {
			var c historyCache
			if json.Unmarshal(data, &c) == nil && c.Version == historyVersion && c.Head == head.Hash().String() && c.Prefix == prefix {
				return c.Files, nil
			}
		}
	}
	files, err := r.walkHistory(head.Hash(), prefix)
	if err != nil {
		return nil, err
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

func (r *Repo) walkHistory(head plumbing.Hash, prefix string) (map[string]*postmortem.FileHistory, error) {
	files := map[string]*postmortem.FileHistory{}
	seen := map[string]map[string]bool{}
	for _, h := range r.reachable(head) {
		c, err := r.r.CommitObject(h)
		if err != nil {
			return nil, err
		}
		if c.NumParents() > 1 {
			continue
		}
		cur, err := subtree(c, prefix)
		if err != nil {
			return nil, err
		}
		var prev *object.Tree
		if c.NumParents() == 1 {
			// A missing parent is a shallow boundary: everything in the
			// commit counts as added by it.
			if p, err := c.Parent(0); err == nil {
				if prev, err = subtree(p, prefix); err != nil {
					return nil, err
				}
			}
		}
		if cur == nil && prev == nil || cur != nil && prev != nil && cur.Hash == prev.Hash {
			continue
		}
		changes, err := object.DiffTreeWithOptions(r.ctx, prev, cur, &object.DiffTreeOptions{})
		if err != nil {
			return nil, err
		}
		for _, ch := range changes {
			if ch.To.Name == "" || ch.To.TreeEntry.Mode == filemode.Submodule {
				continue // deleted here
			}
			name := ch.To.Name
			if prefix != "" {
				name = prefix + "/" + name
			}
			fh := files[name]
			if fh == nil {
				fh = &postmortem.FileHistory{Changed: c.Author.When, ChangedBy: c.Author.Name, LastCommit: c.Hash.String()}
				files[name] = fh
				seen[name] = map[string]bool{}
			}
			fh.Added, fh.AddedBy = c.Author.When, c.Author.Name
			if !seen[name][c.Author.Name] {
				seen[name][c.Author.Name] = true
				fh.Contributors = append(fh.Contributors, c.Author.Name)
			}
		}
	}
	for _, h := range files {
		sort.Strings(h.Contributors)
	}
	return files, nil
}

// reachable returns the commits reachable from head, newest first by
// committer time, from the index; parents missing beyond a shallow
// boundary are skipped.
func (r *Repo) reachable(head plumbing.Hash) []plumbing.Hash {
	r.index()
	seen := map[plumbing.Hash]bool{head: true}
	stack := []plumbing.Hash{head}
	var out []plumbing.Hash
	for len(stack) > 0 {
		h := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		n := r.nodes[h]
		if n == nil {
			continue
		}
		out = append(out, h)
		for _, p := range n.parents {
			if !seen[p] {
				seen[p] = true
				stack = append(stack, p)
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return r.nodes[out[i]].when.After(r.nodes[out[j]].when) })
	return out
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
// the work tree root.
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
	t, err := subtree(c, prefix)
	if err != nil || t == nil {
		return map[string]string{}, err
	}
	out := map[string]string{}
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
