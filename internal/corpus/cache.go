package corpus

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/gob"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/hindsight-dev/hindsight/internal/buildstamp"
	"github.com/hindsight-dev/hindsight/internal/postmortem"
	"golang.org/x/sync/errgroup"
)

// The parse cache keeps what parsing made of each file between runs, so
// that a command over an unchanged corpus reads and hashes the files but
// parses none of them (YAML and Markdown parsing are most of what a check
// of a large corpus costs). An entry is found by the digest of the file's
// path and bytes (keyOf); the whole cache is thrown away when the program
// or the parse options (severities, custom fields) differ from those it
// was made with. It lives in one file, in shards that are decoded in parallel and
// written again only when their entries changed.

// cacheShards is how many gob streams the cache file holds; entries go to
// a shard by their key, and each shard is decoded on its own.
const cacheShards = 16

// cacheMagic starts a cache file; the number is the layout's version.
const cacheMagic = "hindsight parse cache 3\n"

type cacheKey [sha256.Size]byte

// cacheEntry is one file's parse.
type cacheEntry struct {
	Key   cacheKey
	PM    *postmortem.Frozen
	Diags []postmortem.Diagnostic
}

// parseCache is a loaded cache file and what this run did with it.
type parseCache struct {
	path, stamp string
	entries     map[cacheKey]*cacheEntry
	mu          sync.Mutex
	// hits and fresh are the entries this run used and made.
	hits  int
	fresh map[cacheKey]*cacheEntry
	// Per shard: where it lies in the file as loaded, how many entries it
	// held, and how many of them this run used; made counts the entries
	// this run added to it. A shard whose entries were all used and that
	// gained none is copied as it was when the cache is saved.
	at, size         [cacheShards]int64
	held, used, made [cacheShards]int
	// loaded identifies the file as read, so that save copies shards only
	// from that very file.
	loaded os.FileInfo
}

func shardOf(k cacheKey) int { return int(k[0]) % cacheShards }

// keyOf is the key of a file's entry: a digest of its paths and bytes,
// made from digest (Options.Digest's hash of the bytes) when there is one.
func keyOf(f file, data []byte, digest string) cacheKey {
	h := sha256.New()
	if digest != "" {
		fmt.Fprintf(h, "%s\x00%s\x00%d\x00digest\x00%s", f.display, f.rel, len(data), digest)
	} else {
		fmt.Fprintf(h, "%s\x00%s\x00%d\x00bytes\x00", f.display, f.rel, len(data))
		h.Write(data)
	}
	var k cacheKey
	h.Sum(k[:0])
	return k
}

// cacheStamp names the program and the parse options; a cache made by
// another program or with other options is not used.
func cacheStamp(opts postmortem.Options, custom []string) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%s\x00%s\x00", buildstamp.Stamp(), strings.Join(opts.Severities, "\x01"), strings.Join(custom, "\x01"))
	return hex.EncodeToString(h.Sum(nil))
}

// openCache loads the cache file at path; a missing, damaged or stale
// one gives an empty cache that the run fills.
func openCache(path, stamp string) *parseCache {
	c := &parseCache{path: path, stamp: stamp, entries: map[cacheKey]*cacheEntry{}, fresh: map[cacheKey]*cacheEntry{}}
	if buildstamp.Stamp() == "" {
		c.path = "" // nothing tells this program from the next: keep nothing
		return c
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return c
	}
	st, err := os.Stat(path)
	if err != nil {
		return c
	}
	shards, offs, ok := splitCache(data, stamp)
	if !ok || len(shards) != cacheShards {
		return c
	}
	decoded := make([][]*cacheEntry, len(shards))
	var g errgroup.Group
	g.SetLimit(runtime.GOMAXPROCS(0))
	for i, s := range shards {
		g.Go(func() error {
			var es []*cacheEntry
			if err := gob.NewDecoder(bytes.NewReader(s)).Decode(&es); err != nil {
				return err
			}
			decoded[i] = es
			return nil
		})
	}
	if g.Wait() != nil {
		return c
	}
	for i, es := range decoded {
		for _, e := range es {
			if shardOf(e.Key) != i {
				return &parseCache{path: path, stamp: stamp, entries: map[cacheKey]*cacheEntry{}, fresh: map[cacheKey]*cacheEntry{}}
			}
			c.entries[e.Key] = e
		}
		c.held[i], c.at[i], c.size[i] = len(es), offs[i], int64(len(shards[i]))
	}
	c.loaded = st
	return c
}

// splitCache checks a cache file's header and returns its shards and
// where each starts in data.
func splitCache(data []byte, stamp string) ([][]byte, []int64, bool) {
	rest, ok := bytes.CutPrefix(data, []byte(cacheMagic+stamp+"\n"))
	if !ok {
		return nil, nil, false
	}
	var shards [][]byte
	var offs []int64
	for len(rest) > 0 {
		n, w := binary.Uvarint(rest)
		if w <= 0 || uint64(len(rest)-w) < n {
			return nil, nil, false
		}
		shards = append(shards, rest[w:w+int(n)])
		offs = append(offs, int64(len(data)-len(rest)+w))
		rest = rest[w+int(n):]
	}
	return shards, offs, true
}

// lookup returns the entry for key and marks it used.
func (c *parseCache) lookup(k cacheKey) (*cacheEntry, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[k]
	if ok {
		c.hits++
		c.used[shardOf(k)]++
		c.fresh[k] = e
	}
	return e, ok
}

// store keeps a new parse; it must be called before anything changes pm.
// pm then holds its positions and prose packed, as an entry has them.
func (c *parseCache) store(k cacheKey, pm *postmortem.Postmortem, data []byte, diags []postmortem.Diagnostic) {
	e := &cacheEntry{Key: k, Diags: diags}
	if pm != nil {
		fz, ok := postmortem.Freeze(pm, data)
		if !ok {
			return
		}
		pm.Pack(fz)
		e.PM = &fz
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.fresh[k] = e
	c.made[shardOf(k)]++
}

// save writes the entries this run used and made, when they differ from
// the file's: a run over an unchanged corpus writes nothing, and a shard
// whose entries are unchanged is copied from the file as it was (after one
// edit, two shards are encoded again, not the whole cache). Files no
// longer in the corpus are dropped. It must run before anything changes
// the parsed postmortems.
func (c *parseCache) save() error {
	if c.path == "" || len(c.fresh) == c.hits && c.hits == len(c.entries) {
		return nil
	}
	var old *os.File
	if c.loaded != nil {
		if f, err := os.Open(c.path); err == nil {
			defer f.Close()
			if st, err := f.Stat(); err == nil && os.SameFile(st, c.loaded) && st.Size() == c.loaded.Size() && st.ModTime().Equal(c.loaded.ModTime()) {
				old = f
			}
		}
	}
	shards := make([][]*cacheEntry, cacheShards)
	for k, e := range c.fresh {
		shards[shardOf(k)] = append(shards[shardOf(k)], e)
	}
	if err := os.MkdirAll(filepath.Dir(c.path), 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(c.path), ".parses-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	w := bufio.NewWriter(tmp)
	io.WriteString(w, cacheMagic+c.stamp+"\n")
	// A round of shards at a time, one per CPU, each written once its
	// round is encoded: at 10,000 postmortems the 16 shards are about 75 MB,
	// which held all at once, at the end of parsing and with everything
	// parsed, made the peak of a cold build's memory.
	round := runtime.GOMAXPROCS(0)
	for lo := 0; lo < cacheShards; lo += round {
		out := make([][]byte, min(round, cacheShards-lo))
		var g errgroup.Group
		for k := range out {
			g.Go(func() (err error) {
				out[k], err = c.encodeShard(lo+k, shards[lo+k], old)
				return err
			})
		}
		if err := g.Wait(); err != nil {
			tmp.Close()
			return err
		}
		for _, s := range out {
			w.Write(binary.AppendUvarint(nil, uint64(len(s))))
			w.Write(s)
		}
	}
	if err := errors.Join(w.Flush(), tmp.Close()); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), c.path)
}

// encodeShard gives shard i's bytes for entries es: copied from the file
// as loaded, old, when none of its entries changed, else encoded anew.
func (c *parseCache) encodeShard(i int, es []*cacheEntry, old *os.File) ([]byte, error) {
	if old != nil && c.made[i] == 0 && c.used[i] == c.held[i] {
		b := make([]byte, c.size[i])
		if _, err := old.ReadAt(b, c.at[i]); err == nil {
			return b, nil
		}
	}
	slices.SortFunc(es, func(a, b *cacheEntry) int { return bytes.Compare(a.Key[:], b.Key[:]) })
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(es); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
