package gitlink

import (
	"fmt"
	"io"
	"slices"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
)

// rawTree reads a tree object's bytes; the zero hash is the empty tree.
func (r *Repo) rawTree(h plumbing.Hash) ([]byte, error) {
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
	b := make([]byte, obj.Size())
	if _, err := io.ReadFull(rd, b); err != nil {
		return nil, err
	}
	return b, nil
}

// entries parses a raw tree object.
func entries(h plumbing.Hash, b []byte) ([]treeEntry, error) {
	var out []treeEntry
	for len(b) > 0 {
		e, ok := nextEntry(b)
		if !ok {
			return nil, fmt.Errorf("tree %s: malformed entry", h)
		}
		out = append(out, e)
		b = b[e.size:]
	}
	return out, nil
}

// diffTrees appends to out the paths below dir that differ between the
// trees a and b (either may be zero, for an empty tree): added, changed
// and removed files, from the raw tree objects, skipping every subtree
// whose hash is the same on both sides.
func (r *Repo) diffTrees(a, b plumbing.Hash, dir string, out *[]string) error {
	if a == b {
		return nil
	}
	ab, err := r.rawTree(a)
	if err != nil {
		return err
	}
	bb, err := r.rawTree(b)
	if err != nil {
		return err
	}
	ae, err := entries(a, ab)
	if err != nil {
		return err
	}
	be, err := entries(b, bb)
	if err != nil {
		return err
	}
	path := func(name string) string {
		if dir == "" {
			return name
		}
		return dir + "/" + name
	}
	// one side only: every file below a folder, or the file itself
	side := func(e treeEntry, inA bool) error {
		switch e.mode {
		case filemode.Dir:
			if inA {
				return r.diffTrees(e.hash, plumbing.ZeroHash, path(e.name), out)
			}
			return r.diffTrees(plumbing.ZeroHash, e.hash, path(e.name), out)
		case filemode.Submodule:
			return nil
		}
		*out = append(*out, path(e.name))
		return nil
	}
	i, j := 0, 0
	for i < len(ae) || j < len(be) {
		switch {
		case j == len(be) || i < len(ae) && treeLess(ae[i], be[j]) && ae[i].name != be[j].name:
			if err := side(ae[i], true); err != nil {
				return err
			}
			i++
		case i == len(ae) || ae[i].name != be[j].name:
			if err := side(be[j], false); err != nil {
				return err
			}
			j++
		default:
			x, y := ae[i], be[j]
			i, j = i+1, j+1
			if x.hash == y.hash && x.mode == y.mode {
				continue
			}
			xd, yd := x.mode == filemode.Dir, y.mode == filemode.Dir
			switch {
			case xd && yd:
				if err := r.diffTrees(x.hash, y.hash, path(x.name), out); err != nil {
					return err
				}
			case xd || yd:
				if err := side(x, true); err != nil {
					return err
				}
				if err := side(y, false); err != nil {
					return err
				}
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
