package site

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
)

// writer puts the site in place without ever leaving a half-written one.
//
// A first build (or one over a folder whose manifest is unreadable) writes
// the whole site into a temporary folder beside the output and swaps it in
// with two renames. A rebuild over a previous build stages only the files
// whose fingerprint changed, and moves them into the live site once every
// page rendered; files of the old build that the new one lacks are removed
// last. Either way, a build that fails leaves the previous site untouched.
type writer struct {
	out   string // the live site
	stage string // where new files are written
	// incremental is true when stage holds only changed files.
	incremental bool
	prevM       *manifest
	prev        map[string]string // previous manifest: file -> fingerprint
	// inPlace, in a rebuild, are the files the build before it in this
	// process left in the live site, with their sizes (Memo.placed); a
	// file kept as it is need not be looked for again.
	inPlace map[string]int64
	// sizes are this build's files and their sizes, for the next one.
	sizes map[string]int64

	mu sync.Mutex
	// dirMu is held while a folder is made, so that no file is written
	// into one that another goroutine has only begun to make.
	dirMu sync.Mutex
	dirs  map[string]bool
	// safe holds the folders of the live site found to be real folders.
	safe map[string]bool
	fps  map[string]string // this build's manifest
	// prevInputs and inputs fingerprint what groups of files were made
	// from, in the previous build and this one (manifest.Inputs).
	prevInputs, inputs map[string]string

	// queue takes the files to write to the one goroutine that writes
	// them: on a journaling file system, two writers making files in the
	// same folder take longer than one (8,000 pages: 5.5 s against
	// 2.8 s), and rendering, which needs the processors, goes on
	// meanwhile. qerr is its first error, read after flush.
	queue chan queuedFile
	qdone chan struct{}
	qerr  error

	pages, files, reused atomic.Int64
	bytes                atomic.Int64
	progress             func(done, total int)
	total                int
	done                 bool
	// lastM is the manifest commit wrote.
	lastM *manifest
}

func newWriter(out string) (*writer, error) {
	out = filepath.Clean(out)
	removeStale(out)
	// The staging folder is named after this process, so that a later
	// build can tell it was left behind by one that was killed.
	stage, err := os.MkdirTemp(filepath.Dir(out), fmt.Sprintf("%s%d-", stagePrefix(out), os.Getpid()))
	if err != nil {
		return nil, fmt.Errorf("creating the build folder: %w", err)
	}
	w := &writer{out: out, stage: stage, dirs: map[string]bool{}, fps: map[string]string{}, safe: map[string]bool{}, inputs: map[string]string{}, sizes: map[string]int64{}}
	w.queue, w.qdone = make(chan queuedFile, 128), make(chan struct{})
	go w.drain()
	prev, err := readManifest(out)
	if err != nil {
		_ = os.RemoveAll(stage)
		return nil, fmt.Errorf("the output folder %s is not a previous Hindsight build: %v; empty it or choose another folder", out, err)
	}
	if prev != nil {
		w.prevM, w.prev, w.prevInputs, w.incremental = prev, prev.Pages, prev.Inputs, true
	}
	return w, nil
}

// trust takes what the last build of this process left in place, when it
// wrote the manifest found in the folder now (the same value: readManifest
// keeps the one written last by the file's identity and times).
func (w *writer) trust(p *placed) {
	if p != nil && w.incremental && p.out == w.out && p.manifest == w.prevM {
		w.inPlace = p.sizes
	}
}

// placed is what a build left in its output folder: the manifest it wrote
// and every file with its size.
type placed struct {
	out      string
	manifest *manifest
	sizes    map[string]int64
}

// left is what this build left in place, once committed.
func (w *writer) left() *placed {
	if !w.done || w.lastM == nil {
		return nil
	}
	return &placed{out: w.out, manifest: w.lastM, sizes: w.sizes}
}

// liveFolder returns the folder of the live site that a file of it lives
// in, after making sure that no part of the way there is a symbolic link
// or something other than a folder: a build never writes or removes
// through a link, which could lead anywhere (a pull request can commit
// one into the output folder). Folders that do not exist yet are fine;
// they are created as real folders.
func (w *writer) liveFolder(name string) (string, error) {
	dir := path.Dir(name)
	full := w.out
	if dir == "." {
		return full, nil
	}
	w.mu.Lock()
	ok := w.safe[dir]
	w.mu.Unlock()
	if ok {
		return filepath.Join(w.out, filepath.FromSlash(dir)), nil
	}
	for part := range strings.SplitSeq(dir, "/") {
		full = filepath.Join(full, part)
		st, err := os.Lstat(full)
		if errors.Is(err, fs.ErrNotExist) {
			break
		}
		if err != nil {
			return "", fmt.Errorf("updating the site: %w", err)
		}
		if !st.IsDir() {
			return "", fmt.Errorf("updating the site: %s is a symbolic link or a file where the site has a folder; a build never writes through it: remove it, or build into an empty folder", full)
		}
	}
	w.mu.Lock()
	w.safe[dir] = true
	w.mu.Unlock()
	return filepath.Join(w.out, filepath.FromSlash(dir)), nil
}

func stagePrefix(out string) string { return "." + filepath.Base(out) + ".tmp-" }

// removeStale removes what killed builds of out left beside it: their
// staging folders, and a previous site moved aside, named after the
// process that made them, once that process is gone. Folders of running
// builds, and any it cannot attribute, are left alone.
func removeStale(out string) {
	parent, prefix := filepath.Dir(out), stagePrefix(out)
	entries, err := os.ReadDir(parent)
	if err != nil {
		return
	}
	for _, e := range entries {
		rest, ok := strings.CutPrefix(e.Name(), prefix)
		if !ok || !e.IsDir() {
			continue
		}
		pidText, _, ok := strings.Cut(rest, "-")
		pid, err := strconv.Atoi(pidText)
		if !ok || err != nil || pid <= 0 || pid == os.Getpid() || processAlive(pid) {
			continue
		}
		_ = os.RemoveAll(filepath.Join(parent, e.Name()))
	}
}

// abort removes the staging folder unless the build was committed.
// queuedFile is a file on its way to the stage.
type queuedFile struct {
	full string
	// buf is from buffers, and goes back there once written.
	buf *bytes.Buffer
}

// drain writes the queued files, until the first error.
func (w *writer) drain() {
	defer close(w.qdone)
	for q := range w.queue {
		if w.qerr == nil {
			w.qerr = w.mkdir(filepath.Dir(q.full))
		}
		if w.qerr == nil {
			if err := os.WriteFile(q.full, q.buf.Bytes(), 0o644); err != nil {
				w.qerr = fmt.Errorf("writing the site: %w", err)
			}
		}
		buffers.Put(q.buf)
	}
}

// flush waits until every queued file is written, and returns the first
// error. No file may be written after it.
func (w *writer) flush() error {
	if w.queue != nil {
		close(w.queue)
		<-w.qdone
		w.queue = nil
	}
	return w.qerr
}

func (w *writer) abort() {
	_ = w.flush()
	if !w.done {
		_ = os.RemoveAll(w.stage)
	}
}

func (w *writer) mkdir(dir string) error {
	w.dirMu.Lock()
	defer w.dirMu.Unlock()
	if w.dirs[dir] {
		return nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("writing the site: %w", err)
	}
	w.dirs[dir] = true
	return nil
}

func (w *writer) record(name, fp string, size int64) {
	w.mu.Lock()
	w.fps[name], w.sizes[name] = fp, size
	w.mu.Unlock()
}

// keep reports whether the previous build's file can stay as it is (a
// rebuild) or be linked from it (a full build), its fingerprint unchanged.
func (w *writer) keep(name, fp string) bool {
	old, size, ok := w.kept(name, fp)
	if !ok {
		return false
	}
	if !w.incremental {
		full := filepath.Join(w.stage, filepath.FromSlash(name))
		if w.mkdir(filepath.Dir(full)) != nil || os.Link(old, full) != nil {
			return false
		}
	}
	w.record(name, fp, size)
	w.files.Add(1)
	w.reused.Add(1)
	w.bytes.Add(size)
	return true
}

// kept finds the previous build's file of a name when its fingerprint
// is fp, and its size.
func (w *writer) kept(name, fp string) (string, int64, bool) {
	if w.prev == nil || w.prev[name] != fp {
		return "", 0, false
	}
	if size, ok := w.inPlace[name]; ok {
		// Left in place by the build before, which made sure of the way
		// there; a rebuild keeps it where it is.
		return "", size, true
	}
	dir, err := w.liveFolder(name)
	if err != nil {
		return "", 0, false
	}
	old := filepath.Join(dir, path.Base(name))
	st, err := os.Lstat(old)
	if err != nil || !st.Mode().IsRegular() {
		return "", 0, false
	}
	return old, st.Size(), true
}

// canKeep reports whether keep would keep a file, without keeping it.
func (w *writer) canKeep(name, fp string) bool {
	_, _, ok := w.kept(name, fp)
	return ok
}

// write stores a file of the new site under its fingerprint. The caller
// may reuse data once it returns.
func (w *writer) write(name, fp string, data []byte) error {
	buf := buffers.Get().(*bytes.Buffer)
	buf.Reset()
	buf.Write(data)
	return w.writeBuffer(name, fp, buf)
}

// writeBuffer is write of a buffer from buffers, which it takes: the
// bytes are written as they are, with no copy, and the buffer given back
// once they are.
func (w *writer) writeBuffer(name, fp string, buf *bytes.Buffer) error {
	size := int64(buf.Len())
	w.record(name, fp, size)
	full := filepath.Join(w.stage, filepath.FromSlash(name))
	w.queue <- queuedFile{full: full, buf: buf}
	w.files.Add(1)
	w.bytes.Add(size)
	return nil
}

// contentPrint is the fingerprint of a file that is its content.
func contentPrint(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:16])
}

// file writes a file whose fingerprint is its content, unless the previous
// build has the same.
func (w *writer) file(name string, data []byte) error {
	fp := contentPrint(data)
	if w.keep(name, fp) {
		return nil
	}
	return w.write(name, fp, data)
}

func (w *writer) page(p, fp string, buf *bytes.Buffer) error {
	if err := w.writeBuffer(path.Join(p, "index.html"), fp, buf); err != nil {
		return err
	}
	n := w.pages.Add(1)
	if w.progress != nil {
		w.progress(int(n), w.total)
	}
	return nil
}

// keepGroup keeps every file of the previous build that member accepts,
// when the previous build made them from the same inputs as this one
// would (fp), and reports whether it did. A group is kept whole or not at
// all.
func (w *writer) keepGroup(group string, member func(name string) bool, fp string) bool {
	if fp == "" || w.prevInputs[group] != fp {
		return false
	}
	n := 0
	for name, old := range w.prev {
		if member(name) {
			if !w.keep(name, old) {
				return false
			}
			n++
		}
	}
	if n == 0 {
		return false
	}
	w.setInputs(group, fp)
	return true
}

// setInputs records what a group of files of this build was made from.
func (w *writer) setInputs(group, fp string) {
	w.mu.Lock()
	w.inputs[group] = fp
	w.mu.Unlock()
}

// manifestNote opens every manifest.
const manifestNote = "This folder is the output of hindsight build; it is replaced on each build."

// manifestData is the marker and manifest of a build: what
// json.MarshalIndent makes of it with an indent of one space, written
// out by hand because a rebuild writes it twice and encoding/json took
// 26 ms for 15,000 files. TestManifestData holds it to encoding/json.
func manifestData(fps, inputs map[string]string) []byte {
	out := make([]byte, 0, 64+len(fps)*96)
	out = append(out, "{\n \"note\": "...)
	out = appendJSONString(out, manifestNote)
	out = append(out, ",\n \"version\": "...)
	out = strconv.AppendInt(out, manifestVersion, 10)
	out = append(out, ",\n \"pages\": "...)
	out = appendJSONMap(out, fps)
	if len(inputs) > 0 {
		out = append(out, ",\n \"inputs\": "...)
		out = appendJSONMap(out, inputs)
	}
	return append(out, "\n}\n"...)
}

// appendJSONMap appends m as an object at the second level of indent,
// its keys sorted; a nil map is null, as encoding/json has it.
func appendJSONMap(out []byte, m map[string]string) []byte {
	if m == nil {
		return append(out, "null"...)
	}
	if len(m) == 0 {
		return append(out, "{}"...)
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out = append(out, '{')
	for i, k := range keys {
		if i > 0 {
			out = append(out, ',')
		}
		out = append(out, "\n  "...)
		out = appendJSONString(out, k)
		out = append(out, ": "...)
		out = appendJSONString(out, m[k])
	}
	return append(out, "\n }"...)
}

// appendJSONString appends s quoted. The names and fingerprints of a site
// are plain ASCII; anything else is left to encoding/json.
func appendJSONString(out []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			q, _ := json.Marshal(s)
			return append(out, q...)
		}
	}
	out = append(out, '"')
	out = append(out, s...)
	return append(out, '"')
}

// beforeMove, set by tests, runs before the i-th staged file is moved in;
// an error stops the build there, as a kill would.
var beforeMove func(i int) error

// commit puts the new site in place.
func (w *writer) commit() error {
	if err := w.flush(); err != nil {
		return err
	}
	final := &manifest{Note: manifestNote, Version: manifestVersion, Pages: w.fps, Inputs: w.inputs}
	if !w.incremental {
		if err := os.WriteFile(filepath.Join(w.stage, Marker), manifestData(w.fps, w.inputs), 0o644); err != nil {
			return fmt.Errorf("writing the site: %w", err)
		}
		// The search index lives in the output folder; it moves with it.
		if _, err := os.Stat(filepath.Join(w.out, IndexDir)); err == nil {
			if err := os.Rename(filepath.Join(w.out, IndexDir), filepath.Join(w.stage, IndexDir)); err != nil {
				return fmt.Errorf("keeping the search index: %w", err)
			}
		}
		if err := swap(w.stage, w.out); err != nil {
			return err
		}
		w.done, w.lastM = true, final
		rememberManifest(w.out, final)
		return nil
	}
	// Move the staged files in, folders first created as needed.
	var moved []string
	err := filepath.WalkDir(w.stage, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(w.stage, p)
		moved = append(moved, rel)
		return nil
	})
	if err != nil {
		return fmt.Errorf("reading the staged site: %w", err)
	}
	sort.Strings(moved)
	// Until a staged file is in place, the manifest must not vouch for
	// the old one under its name: were the build killed halfway through
	// the moves, the next one would take the old file for current.
	if err := w.writeManifest(w.pending(moved), nil); err != nil {
		return err
	}
	made := map[string]bool{}
	for i, rel := range moved {
		if beforeMove != nil {
			if err := beforeMove(i); err != nil {
				return err
			}
		}
		dir, err := w.liveFolder(filepath.ToSlash(rel))
		if err != nil {
			return err
		}
		dst := filepath.Join(dir, filepath.Base(rel))
		if !made[dir] {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return fmt.Errorf("updating the site: %w", err)
			}
			made[dir] = true
		}
		if err := os.Rename(filepath.Join(w.stage, rel), dst); err != nil {
			return fmt.Errorf("updating the site: %w", err)
		}
	}
	// Remove what the new build no longer has, then empty folders.
	var gone []string
	for name := range w.prev {
		if _, ok := w.fps[name]; !ok {
			gone = append(gone, name)
		}
	}
	sort.Strings(gone)
	for _, name := range gone {
		dir, err := w.liveFolder(name)
		if err != nil {
			return err
		}
		p := filepath.Join(dir, path.Base(name))
		_ = os.Remove(p)
		for dir := filepath.Dir(p); dir != w.out && strings.HasPrefix(dir, w.out); dir = filepath.Dir(dir) {
			if os.Remove(dir) != nil {
				break
			}
		}
	}
	if err := w.writeManifest(w.fps, w.inputs); err != nil {
		return err
	}
	w.done, w.lastM = true, final
	rememberManifest(w.out, final)
	return os.RemoveAll(w.stage)
}

// pending is the previous manifest without the files about to be moved in.
func (w *writer) pending(moved []string) map[string]string {
	m := make(map[string]string, len(w.prev))
	for name, fp := range w.prev {
		m[name] = fp
	}
	for _, rel := range moved {
		delete(m, filepath.ToSlash(rel))
	}
	return m
}

// writeManifest replaces the live site's manifest in one rename.
func (w *writer) writeManifest(fps, inputs map[string]string) error {
	tmp := filepath.Join(w.out, Marker+".tmp")
	_ = os.Remove(tmp) // never write through a link left in its place
	if err := os.WriteFile(tmp, manifestData(fps, inputs), 0o644); err != nil {
		return fmt.Errorf("updating the site: %w", err)
	}
	if err := os.Rename(tmp, filepath.Join(w.out, Marker)); err != nil {
		return fmt.Errorf("updating the site: %w", err)
	}
	return nil
}

// swap puts a fully built site in place of the old in two renames; the
// old one is removed only once the new one is there.
func swap(tmp, out string) error {
	old := ""
	if _, err := os.Stat(out); err == nil {
		old = tmp + ".old"
		if err := os.Rename(out, old); err != nil {
			return fmt.Errorf("moving the previous site aside: %w", err)
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	if err := os.Rename(tmp, out); err != nil {
		if old != "" {
			_ = os.Rename(old, out)
		}
		return fmt.Errorf("putting the new site in place: %w", err)
	}
	if old != "" {
		_ = os.RemoveAll(old)
	}
	return nil
}
