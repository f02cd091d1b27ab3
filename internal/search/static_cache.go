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
	var entries map[string]*cachedTerms
	if gob.NewDecoder(bufio.NewReader(f)).Decode(&entries) == nil {
		c.entries = entries
	}
	return c
}

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
	if err := gob.NewEncoder(w).Encode(c.used); err != nil {
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
