package search

import (
	"bufio"
	"encoding/gob"
	"os"
	"sync"
)

// AnalysisCache keeps each document's analysis by its hash between
// exports, so that a rebuild analyses only the documents that changed.
// The zero value is empty; Load and Save keep it in a file.
type AnalysisCache struct {
	mu      sync.Mutex
	entries map[string]*cachedTerms
	used    map[string]*cachedTerms
}

// cachedTerms is a docTerms with exported fields, for gob.
// cachedTerms is a docTerms as the cache file holds it. (TF was once a
// map of each term's frequencies: a file of that form does not decode,
// and is taken for no cache.)
type cachedTerms struct {
	Lens     []int
	Terms    []string
	TF       []uint16
	Surfaces []string
}

// Has reports whether the cache holds a document's analysis, so that its
// text need not be prepared.
func (c *AnalysisCache) Has(id, hash string) bool {
	if c == nil || hash == "" {
		return false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	_, ok := c.entries[hash]
	return ok
}

func (c *AnalysisCache) get(hash string) *docTerms {
	if c == nil || hash == "" {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[hash]
	if !ok {
		return nil
	}
	if c.used == nil {
		c.used = map[string]*cachedTerms{}
	}
	c.used[hash] = e
	return &docTerms{lens: e.Lens, terms: e.Terms, tf: e.TF, surfaces: e.Surfaces}
}

func (c *AnalysisCache) put(hash string, dt *docTerms) {
	if c == nil || hash == "" {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.used == nil {
		c.used = map[string]*cachedTerms{}
	}
	if c.entries == nil {
		c.entries = map[string]*cachedTerms{}
	}
	e := &cachedTerms{Lens: dt.lens, Terms: dt.terms, TF: dt.tf, Surfaces: dt.surfaces}
	// Found by get too: an analysis recorded as the search index was made
	// serves the static index of the same build.
	c.entries[hash], c.used[hash] = e, e
}

// LoadAnalysisCache reads a cache file; a missing or unreadable one gives
// an empty cache.
func LoadAnalysisCache(path string) *AnalysisCache {
	c := &AnalysisCache{entries: map[string]*cachedTerms{}}
	f, err := os.Open(path)
	if err != nil {
		return c
	}
	defer f.Close()
	dec := gob.NewDecoder(bufio.NewReader(f))
	var head cacheHead
	if dec.Decode(&head) != nil || head.Version != analysisCacheVersion || head.Entries < 0 {
		return c
	}
	entries := make(map[string]*cachedTerms, min(head.Entries, 1<<20))
	for range head.Entries {
		var e cacheEntry
		if dec.Decode(&e) != nil {
			return c
		}
		entries[e.Hash] = &e.Terms
	}
	c.entries = entries
	return c
}

// The cache file is a cacheHead, then that many entries, each its own gob
// message: encoding the whole map as one value held all of it (16 MB at
// 10,000 documents) in a buffer that grew by doubling, twice over. A file
// of the earlier form does not decode as a head, and is taken for no cache.
type cacheHead struct {
	Version int
	Entries int
}

type cacheEntry struct {
	Hash  string
	Terms cachedTerms
}

const analysisCacheVersion = 2

// Save writes the analyses the last export used, and only those.
func (c *AnalysisCache) Save(path string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	tmp := path + ".tmp"
	_ = os.Remove(tmp) // never write through a link left in its place
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	enc := gob.NewEncoder(w)
	err = enc.Encode(cacheHead{Version: analysisCacheVersion, Entries: len(c.used)})
	for hash, e := range c.used {
		if err != nil {
			break
		}
		err = enc.Encode(cacheEntry{Hash: hash, Terms: *e})
	}
	if err != nil {
		f.Close()
		return err
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
