package check

import (
	"bytes"
	"crypto/sha256"
	"encoding/gob"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sync"

	"github.com/google/renameio/v2"

	"github.com/hindsight-dev/hindsight/internal/buildstamp"
	"github.com/hindsight-dev/hindsight/internal/corpus"
	"github.com/hindsight-dev/hindsight/internal/postmortem"
)

// Memo keeps the findings of the pure rules for each file, found by the
// file's name and the digest of its bytes, so that a run finds them again
// for every file that has not changed. It is dropped whole when the
// config, the day or (on disk) the program differs. A run with a Memo
// reports what it would without. serve keeps one between rebuilds; the
// other commands keep one on disk beside the parse cache (OpenMemo),
// which spares a run over an unchanged corpus the prose rules and the
// decoding of the prose they read.
type Memo struct {
	mu sync.Mutex
	// path is the file the memo is read from and saved to; "" keeps it in
	// memory only.
	path   string
	loaded bool
	// stamp names the config and the day the findings were made with.
	stamp string
	// found are the findings by file, with the digest of the bytes they
	// were found in.
	found map[string]memoEntry
	// dirty is set when a run added or dropped findings.
	dirty bool
	// hits counts the files whose findings the last run took from it.
	hits int
}

// Hits reports how many files the last run took the pure rules'
// findings of from the memo.
func (m *Memo) Hits() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.hits
}

// OpenMemo returns a memo kept in the file at path: read on its first
// run, written by Save. A missing, damaged or stale file is an empty memo.
func OpenMemo(path string) *Memo {
	if buildstamp.Stamp() == "" {
		path = "" // nothing tells this program from the next: keep nothing
	}
	return &Memo{path: path}
}

// memoEntry is one file's findings and the digest of its bytes then.
type memoEntry struct {
	Digest string
	Found  []postmortem.Diagnostic
}

// memoFile is the memo as saved.
type memoFile struct {
	Stamp string
	Found map[string]memoEntry
}

// memoStamp names what the pure rules' findings depend on besides the
// file: the program, the whole config (its rule levels, sections, custom
// fields and the rest) and the day.
func memoStamp(c *corpus.Corpus, day string) string {
	h := sha256.New()
	h.Write([]byte(buildstamp.Stamp() + "\x00" + day + "\x00"))
	// A config that does not encode makes a stamp no other matches.
	if err := json.NewEncoder(h).Encode(c.Config); err != nil {
		return ""
	}
	return hex.EncodeToString(h.Sum(nil))
}

// take returns the memo's findings for the targets of a run (nil where it
// has none), after dropping them when the config or the day changed.
func (m *Memo) take(c *corpus.Corpus, day string, targets []*postmortem.Postmortem) [][]postmortem.Diagnostic {
	out := make([][]postmortem.Diagnostic, len(targets))
	if m == nil {
		return out
	}
	stamp := memoStamp(c, day)
	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.loaded {
		m.loaded = true
		m.load(stamp)
	}
	if m.stamp != stamp || stamp == "" {
		m.stamp, m.found, m.dirty = stamp, nil, true
	}
	m.hits = 0
	for i, pm := range targets {
		d, ok := c.Digest(pm.File)
		if !ok {
			continue // loaded without digests: nothing to know it by
		}
		if e, ok := m.found[pm.File]; ok && e.Digest == d {
			m.hits++
			out[i] = slices.Clip(e.Found)
			if out[i] == nil {
				out[i] = []postmortem.Diagnostic{}
			}
		}
	}
	return out
}

// load reads the memo's file, keeping it only when it was made with the
// same stamp.
func (m *Memo) load(stamp string) {
	if m.path == "" {
		return
	}
	data, err := os.ReadFile(m.path)
	if err != nil {
		return
	}
	var f memoFile
	if gob.NewDecoder(bytes.NewReader(data)).Decode(&f) != nil || f.Stamp != stamp {
		return
	}
	m.stamp, m.found = f.Stamp, f.Found
}

// keep records this run's findings for its targets, and keeps those of
// the other files of the corpus as they are, so that a run over some
// files does not forget the rest; files no longer in the corpus, or
// changed, are dropped.
func (m *Memo) keep(c *corpus.Corpus, targets []*postmortem.Postmortem, found [][]postmortem.Diagnostic) {
	if m == nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.found == nil {
		m.found = make(map[string]memoEntry, len(c.Postmortems))
	}
	for i, pm := range targets {
		d, ok := c.Digest(pm.File)
		if !ok {
			continue
		}
		if e, ok := m.found[pm.File]; !ok || e.Digest != d {
			m.dirty = true
		}
		m.found[pm.File] = memoEntry{Digest: d, Found: found[i]}
	}
	// Entries of files gone or changed since are dropped; counting the
	// current ones tells whether there are any without making a new map
	// every run.
	current := 0
	for _, pm := range c.Postmortems {
		if d, ok := c.Digest(pm.File); ok {
			if e, ok := m.found[pm.File]; ok && e.Digest == d {
				current++
			}
		}
	}
	if current == len(m.found) {
		return
	}
	next := make(map[string]memoEntry, current)
	for _, pm := range c.Postmortems {
		if d, ok := c.Digest(pm.File); ok {
			if e, ok := m.found[pm.File]; ok && e.Digest == d {
				next[pm.File] = e
			}
		}
	}
	m.found, m.dirty = next, true
}

// Save writes the memo to its file when a run changed it; a memo kept in
// memory only, or unchanged, writes nothing.
func (m *Memo) Save() error {
	if m == nil {
		return nil
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.path == "" || !m.dirty || m.stamp == "" {
		return nil
	}
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(memoFile{Stamp: m.stamp, Found: m.found}); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(m.path), 0o755); err != nil && !errors.Is(err, fs.ErrExist) {
		return err
	}
	if err := renameio.WriteFile(m.path, buf.Bytes(), 0o600); err != nil {
		return err
	}
	m.dirty = false
	return nil
}
