package gitlink

import (
	"os"
	"path/filepath"
	"strings"

	"github.com/go-git/go-billy/v5"
	"github.com/go-git/go-billy/v5/osfs"
	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing/cache"
	"github.com/go-git/go-git/v5/storage/filesystem"
	"github.com/go-git/go-git/v5/storage/filesystem/dotgit"
)

// objectCacheSize is the memory go-git may keep decoded objects in, by its
// own count: what it holds is up to twice that (a delta's result keeps
// the capacity its buffer grew to). Linking is the peak of a cold build's
// memory; at 32 MiB it takes as long as at 64 on the team corpus (tree
// diffs of 20,000 commits), at 16 MiB it decodes delta bases again and
// takes about seven times as long.
const objectCacheSize = 32 * cache.MiByte

// openRepo opens the repository at dir (or, with detect, the one enclosing
// it) the way git itself finds it: a work tree's .git folder, a .git file
// pointing at a linked worktree's folder (whose objects and refs live in
// the main repository's common folder), or a bare repository. Packfiles
// stay open between object reads and decoded objects are cached, which a
// plain go-git open does not do.
func openRepo(dir string, detect bool) (*git.Repository, error) {
	repo, _, err := openRepoCache(dir, detect)
	return repo, err
}

// openRepoCache is openRepo, and returns the cache of decoded objects the
// repository keeps, for dropping once a run is done with the history.
func openRepoCache(dir string, detect bool) (*git.Repository, *cache.ObjectLRU, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return nil, nil, err
	}
	var work, gitDir string
	for d := dir; ; d = filepath.Dir(d) {
		if g, ok := dotGit(d); ok {
			work, gitDir = d, g
			break
		}
		if isGitDir(d) {
			gitDir = d
			break
		}
		if !detect || filepath.Dir(d) == d {
			return nil, nil, git.ErrRepositoryNotExists
		}
	}
	var fsys billy.Filesystem = osfs.New(gitDir)
	if common := commonDir(gitDir); common != gitDir {
		fsys = dotgit.NewRepositoryFilesystem(fsys, osfs.New(common))
	}
	objects := cache.NewObjectLRU(objectCacheSize)
	st := filesystem.NewStorageWithOptions(fsys, objects, filesystem.Options{KeepDescriptors: true})
	var wt billy.Filesystem
	if work != "" {
		wt = osfs.New(work)
	}
	repo, err := git.Open(st, wt)
	return repo, objects, err
}

// dotGit returns the git folder of a work tree at d: d/.git, or the folder
// a .git file names ("gitdir: <path>", as in a linked worktree).
func dotGit(d string) (string, bool) {
	p := filepath.Join(d, ".git")
	st, err := os.Stat(p)
	switch {
	case err != nil:
		return "", false
	case st.IsDir():
		return p, true
	}
	data, err := os.ReadFile(p)
	if err != nil {
		return "", false
	}
	target, ok := strings.CutPrefix(strings.TrimSpace(string(data)), "gitdir:")
	if !ok {
		return "", false
	}
	target = strings.TrimSpace(target)
	if !filepath.IsAbs(target) {
		target = filepath.Join(d, target)
	}
	return filepath.Clean(target), true
}

// isGitDir reports whether d is itself a git folder (a bare repository).
func isGitDir(d string) bool {
	for _, name := range []string{"HEAD", "objects", "refs"} {
		if _, err := os.Stat(filepath.Join(d, name)); err != nil {
			return false
		}
	}
	return true
}

// commonDir is where a git folder's objects and refs live: the folder its
// commondir file names (a linked worktree's), else itself.
func commonDir(gitDir string) string {
	data, err := os.ReadFile(filepath.Join(gitDir, "commondir"))
	if err != nil {
		return gitDir
	}
	c := strings.TrimSpace(string(data))
	if !filepath.IsAbs(c) {
		c = filepath.Join(gitDir, c)
	}
	return filepath.Clean(c)
}

// objectsDir is the object folder of an opened repository.
func objectsDir(repo *git.Repository) string {
	st, ok := repo.Storer.(*filesystem.Storage)
	if !ok {
		return ""
	}
	root := st.Filesystem().Root()
	if common := commonDir(root); common != root {
		return filepath.Join(common, "objects")
	}
	return filepath.Join(root, "objects")
}
