package gitlink

import (
	"bufio"
	"crypto/sha256"
	"encoding/gob"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// factsVersion changes whenever what a fact holds changes; a cache of
// another version is ignored.
const factsVersion = 2

// maxFacts bounds a repository's cache: past it, the cache starts again
// with the commits this run used.
const maxFacts = 400_000

// fact is what hindsight ever needs to know about a commit. Commits are
// immutable, so a fact never changes once read.
type fact struct {
	Parents   []plumbing.Hash
	Tree      plumbing.Hash
	Subject   string
	Author    string
	Email     string
	Authored  time.Time
	Committed time.Time
	// Trailers are the action items its message closes (<id>#<n>).
	Trailers []string
	// Reverts are the shas its message says it reverts ("This reverts
	// commit <sha>."); RevertSubject the subject of `Revert "<subject>"`
	// when the message names no sha.
	Reverts       []string
	RevertSubject string
	// Files it changed against its first parent, once computed.
	Files      []string
	FilesKnown bool
	// Loose is true when the commit was read from a loose object, which
	// `git prune` may remove without repacking.
	Loose bool
}

// prefixAnswer is the commits a short sha named, and what the answer
// depends on: the packfiles, and the loose objects under its first two
// hex digits.
type prefixAnswer struct {
	Packs  string
	Loose  []string
	Hashes []plumbing.Hash
}

// factStore is the persistent cache of one repository's commit facts,
// kept in a file of its own beside the other caches. It is read once, and
// written atomically (a temporary file renamed into place) only when this
// run learnt something, so two processes at once never see half a file:
// the last one to finish wins, and loses nothing the other needs that it
// cannot read again.
type factStore struct {
	path string

	mu       sync.Mutex
	Version  int
	Packs    string // the packfiles when the cache was written
	Facts    map[plumbing.Hash]*fact
	Prefixes map[string]prefixAnswer
	Ancestry map[[2]plumbing.Hash]bool
	dirty    bool
	used     map[plumbing.Hash]bool
}

// factsPath is the cache file of a repository, keyed by where it is.
func factsPath(cacheDir, key string) string {
	if cacheDir == "" {
		return ""
	}
	sum := sha256.Sum256([]byte(key))
	return filepath.Join(cacheDir, "commits", hex.EncodeToString(sum[:12])+".gob")
}

// loadFacts reads a repository's cache; one that is missing, unreadable,
// truncated or of another version gives an empty store, never an error.
func loadFacts(path string) *factStore {
	s := &factStore{path: path, Version: factsVersion}
	if path != "" {
		if f, err := os.Open(path); err == nil {
			var disk factStore
			if gob.NewDecoder(bufio.NewReader(f)).Decode(&disk) == nil && disk.Version == factsVersion {
				s.Packs, s.Facts, s.Prefixes, s.Ancestry = disk.Packs, disk.Facts, disk.Prefixes, disk.Ancestry
			}
			f.Close()
		}
	}
	if s.Facts == nil {
		s.Facts = map[plumbing.Hash]*fact{}
	}
	if s.Prefixes == nil {
		s.Prefixes = map[string]prefixAnswer{}
	}
	if s.Ancestry == nil {
		s.Ancestry = map[[2]plumbing.Hash]bool{}
	}
	s.used = map[plumbing.Hash]bool{}
	return s
}

func (s *factStore) get(h plumbing.Hash) *fact {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.Facts[h]
	if f != nil {
		s.used[h] = true
	}
	return f
}

func (s *factStore) put(h plumbing.Hash, f *fact) {
	s.mu.Lock()
	s.Facts[h], s.used[h], s.dirty = f, true, true
	s.mu.Unlock()
}

func (s *factStore) touch() {
	s.mu.Lock()
	s.dirty = true
	s.mu.Unlock()
}

// save writes the store when it changed. A failure only makes the next
// run slower, so it is not reported.
func (s *factStore) save(packs string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.path == "" || !s.dirty && s.Packs == packs {
		return
	}
	s.Packs = packs
	if len(s.Facts) > maxFacts {
		kept := make(map[plumbing.Hash]*fact, len(s.used))
		for h := range s.used {
			kept[h] = s.Facts[h]
		}
		s.Facts, s.Prefixes, s.Ancestry = kept, map[string]prefixAnswer{}, map[[2]plumbing.Hash]bool{}
	}
	if err := os.MkdirAll(filepath.Dir(s.path), 0o755); err != nil {
		return
	}
	tmp, err := os.CreateTemp(filepath.Dir(s.path), "."+filepath.Base(s.path)+".*")
	if err != nil {
		return
	}
	w := bufio.NewWriter(tmp)
	err = gob.NewEncoder(w).Encode(s)
	if err == nil {
		err = w.Flush()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), s.path)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return
	}
	s.dirty = false
}

// factOf reads what a commit object says.
func factOf(c *object.Commit) *fact {
	subject, _, _ := strings.Cut(strings.TrimSpace(c.Message), "\n")
	f := &fact{
		Parents: c.ParentHashes, Tree: c.TreeHash, Subject: subject,
		Author: c.Author.Name, Email: c.Author.Email, Authored: c.Author.When, Committed: c.Committer.When,
	}
	if strings.Contains(c.Message, TrailerKey) {
		f.Trailers = trailers(c.Message)
	}
	if strings.Contains(c.Message, "evert") {
		f.Reverts, f.RevertSubject = revertsOf(c.Message, subject)
	}
	return f
}

// packSignature names the packfiles of a repository's object folder, with
// their sizes: objects are removed only by repacking (or by pruning loose
// ones), so while it is unchanged every packed commit the cache knows is
// still there.
func packSignature(objects string) string {
	entries, err := os.ReadDir(filepath.Join(objects, "pack"))
	if err != nil {
		return ""
	}
	var parts []string
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".pack") {
			continue
		}
		if info, err := e.Info(); err == nil {
			parts = append(parts, fmt.Sprintf("%s:%d", e.Name(), info.Size()))
		}
	}
	sort.Strings(parts)
	return strings.Join(parts, ",")
}

// looseWithPrefix lists the loose objects whose hash starts with a hex
// prefix of at least two digits.
func looseWithPrefix(objects, prefix string) []string {
	entries, err := os.ReadDir(filepath.Join(objects, prefix[:2]))
	if err != nil {
		return nil
	}
	var out []string
	for _, e := range entries {
		if name := prefix[:2] + e.Name(); len(name) == 40 && strings.HasPrefix(name, prefix) {
			out = append(out, name)
		}
	}
	return out
}
