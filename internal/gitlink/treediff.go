package gitlink

import (
	"bytes"
	"fmt"
	"io"
	"slices"
	"sync"

	"github.com/go-git/go-git/v5/plumbing"
)

// rawTree reads a tree object's bytes; the zero hash is the empty tree.
func (r *Repo) rawTree(h plumbing.Hash) ([]byte, error) {
	return r.rawTreeInto(h, nil)
}

// rawTreeInto is rawTree reading into buf when it is large enough.
func (r *Repo) rawTreeInto(h plumbing.Hash, buf []byte) ([]byte, error) {
	if h.IsZero() {
		return nil, nil
	}
	obj, err := r.r.Storer.EncodedObject(plumbing.TreeObject, h)
	if err != nil {
		return nil, err
	}
	rd, err := obj.Reader()
	if err != nil {
		return nil, err
	}
	defer rd.Close()
	size := int(obj.Size())
	if cap(buf) < size {
		buf = make([]byte, size)
	}
	b := buf[:size]
	if _, err := io.ReadFull(rd, b); err != nil {
		return nil, err
	}
	return b, nil
}

// rawEntry is one entry of a raw tree object, its name not copied.
type rawEntry struct {
	dir, submodule bool
	name           []byte
	hash           plumbing.Hash
	size           int
}

// nextRaw reads the entry at the start of b: "<mode> <name>\x00<hash>".
func nextRaw(b []byte) (rawEntry, bool) {
	sp := bytes.IndexByte(b, ' ')
	nul := bytes.IndexByte(b, 0)
	if sp < 0 || nul < sp || nul+21 > len(b) {
		return rawEntry{}, false
	}
	mode := b[:sp]
	e := rawEntry{dir: string(mode) == "40000", submodule: string(mode) == "160000", name: b[sp+1 : nul], size: nul + 21}
	copy(e.hash[:], b[nul+1:nul+21])
	return e, true
}

// rawLess orders entries as git does: by name, a folder's as if it ended
// in "/".
func rawLess(a, b rawEntry) bool {
	n := min(len(a.name), len(b.name))
	if c := bytes.Compare(a.name[:n], b.name[:n]); c != 0 {
		return c < 0
	}
	end := func(e rawEntry) byte {
		switch {
		case len(e.name) > n:
			return e.name[n]
		case e.dir:
			return '/'
		}
		return 0
	}
	return end(a) < end(b)
}

// diffTrees appends to out the paths below dir that differ between the
// trees a and b (either may be zero, for an empty tree): added, changed
// and removed files. It reads the raw tree objects, skips the bytes both
// share at the start and the end (a commit usually changes one entry of a
// large folder), and every subtree whose hash is the same on both sides.
func (r *Repo) diffTrees(a, b plumbing.Hash, dir string, out *[]string) error {
	t := treeDiffs.Get().(*treeDiff)
	defer treeDiffs.Put(t)
	t.r = r
	defer func() { t.r = nil }()
	return t.diff(a, b, dir, 0, out)
}

// treeDiff keeps the buffers the raw trees of each level of a diff are
// read into, for the next diff to read into again: the tree diffs of a
// cold build's 20,000 commits read about 400 MB of trees.
type treeDiff struct {
	r    *Repo
	bufs [][2][]byte // by depth
}

var treeDiffs = sync.Pool{New: func() any { return new(treeDiff) }}

func (t *treeDiff) diff(a, b plumbing.Hash, dir string, depth int, out *[]string) error {
	if a == b {
		return nil
	}
	if depth == len(t.bufs) {
		t.bufs = append(t.bufs, [2][]byte{})
	}
	bufs := &t.bufs[depth]
	ab, err := t.r.rawTreeInto(a, bufs[0])
	if err != nil {
		return err
	}
	bufs[0] = ab
	bb, err := t.r.rawTreeInto(b, bufs[1])
	if err != nil {
		return err
	}
	bufs[1] = bb
	path := func(name []byte) string {
		if dir == "" {
			return string(name)
		}
		return dir + "/" + string(name)
	}
	// One side only: every file below a folder, or the file itself.
	side := func(e rawEntry, inA bool) error {
		switch {
		case e.dir && inA:
			return t.diff(e.hash, plumbing.ZeroHash, path(e.name), depth+1, out)
		case e.dir:
			return t.diff(plumbing.ZeroHash, e.hash, path(e.name), depth+1, out)
		case e.submodule:
			return nil
		}
		*out = append(*out, path(e.name))
		return nil
	}
	i, suffix := sharedEnds(ab, bb)
	j := i
	for i < len(ab) || j < len(bb) {
		if len(ab)-i == len(bb)-j && len(ab)-i <= suffix {
			break
		}
		var x, y rawEntry
		xok, yok := i < len(ab), j < len(bb)
		if xok {
			if x, xok = nextRaw(ab[i:]); !xok {
				return fmt.Errorf("tree %s: malformed entry", a)
			}
		}
		if yok {
			if y, yok = nextRaw(bb[j:]); !yok {
				return fmt.Errorf("tree %s: malformed entry", b)
			}
		}
		switch {
		case xok && (!yok || !bytes.Equal(x.name, y.name) && rawLess(x, y)):
			if err := side(x, true); err != nil {
				return err
			}
			i += x.size
		case !xok || !bytes.Equal(x.name, y.name):
			if err := side(y, false); err != nil {
				return err
			}
			j += y.size
		default:
			i, j = i+x.size, j+y.size
			switch {
			case x.hash == y.hash && x.dir == y.dir && x.submodule == y.submodule:
			case x.dir && y.dir:
				if err := t.diff(x.hash, y.hash, path(x.name), depth+1, out); err != nil {
					return err
				}
			case x.dir || y.dir:
				if err := side(x, true); err != nil {
					return err
				}
				if err := side(y, false); err != nil {
					return err
				}
			case x.submodule && y.submodule:
			default:
				*out = append(*out, path(x.name))
			}
		}
	}
	return nil
}

// changedFiles is the sorted, distinct list of paths a commit changed
// against its first parent (every path, for a root commit).
func (r *Repo) changedFiles(f *fact) ([]string, error) {
	var parent plumbing.Hash
	if len(f.Parents) > 0 {
		if p := r.node(f.Parents[0]); p != nil {
			parent = p.Tree
		}
	}
	var files []string
	if err := r.diffTrees(parent, f.Tree, "", &files); err != nil {
		return nil, err
	}
	slices.Sort(files)
	return slices.Compact(files), nil
}
