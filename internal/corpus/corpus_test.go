package corpus

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/hindsight-dev/hindsight/internal/config"
)

const doc = "---\ntitle: %s\n---\n## Impact\n"

func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// settle makes files look saved an hour ago: a file saved just before
// it is read is read again by the next load (see TestReuseRacy).
func settle(t *testing.T, paths ...string) {
	t.Helper()
	earlier := time.Now().Add(-time.Hour)
	for _, p := range paths {
		if err := os.Chtimes(p, earlier, earlier); err != nil {
			t.Fatal(err)
		}
	}
}

func TestDiscovery(t *testing.T) {
	root := t.TempDir()
	cfg := config.Defaults()
	cfg.Root = root
	for _, p := range []string{"postmortems/a.md", "postmortems/2019/b.md", "postmortems/README.md", "postmortems/_draft.md", "postmortems/.hidden/c.md", "postmortems/_tmpl/d.md", "postmortems/notes.txt", "other/e.md"} {
		write(t, filepath.Join(root, p), "---\ntitle: x\n---\n")
	}
	c, err := Load(cfg, Options{WorkDir: root, Drafts: true})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"postmortems/2019/b.md", "postmortems/a.md"}
	if !slices.Equal(c.Files, want) {
		t.Errorf("files = %v, want %v", c.Files, want)
	}
	if c.RepoPath("postmortems/2019/b.md") != "postmortems/2019/b.md" || c.ByID("b") == nil {
		t.Errorf("paths or ids wrong: %v", c.IDs())
	}
	// An explicit path outside the content folder is loaded and is the
	// only target.
	c, err = Load(cfg, Options{WorkDir: root, Paths: []string{"other/e.md"}, Drafts: true})
	if err != nil || len(c.Targets) != 1 || !c.Targets["other/e.md"] || len(c.Files) != 3 {
		t.Errorf("explicit path: targets %v files %v err %v", c.Targets, c.Files, err)
	}
	if _, err := Load(cfg, Options{WorkDir: root, Paths: []string{"nope.md"}}); err == nil {
		t.Error("a missing path must be an error")
	}
}

func TestReusePrevious(t *testing.T) {
	root := t.TempDir()
	cfg := config.Defaults()
	cfg.Root = root
	a, b := filepath.Join(root, "postmortems", "a.md"), filepath.Join(root, "postmortems", "b.md")
	write(t, a, "---\ntitle: A\n---\n")
	write(t, b, "---\ntitle: B\n---\n")
	settle(t, a, b)
	first, err := Load(cfg, Options{WorkDir: root, Drafts: true})
	if err != nil {
		t.Fatal(err)
	}
	write(t, b, "---\ntitle: B2\n---\n")
	later := time.Now().Add(time.Minute)
	if err := os.Chtimes(b, later, later); err != nil {
		t.Fatal(err)
	}
	second, err := Load(cfg, Options{WorkDir: root, Drafts: true, Previous: first})
	if err != nil {
		t.Fatal(err)
	}
	if second.Reused() != 1 {
		t.Errorf("reused %d files, want 1", second.Reused())
	}
	if second.ByID("a")[0] != first.ByID("a")[0] {
		t.Error("the unchanged file was parsed again")
	}
	if got := second.ByID("b")[0].Title; got != "B2" {
		t.Errorf("the changed file was not read again: %q", got)
	}
}

// TestReuseRacy: a file changed again right after it was read, to the same
// size and within the same tick of the file system's clock, has the same
// stamp as what was read; it must be read again all the same.
func TestReuseRacy(t *testing.T) {
	root := t.TempDir()
	cfg := config.Defaults()
	cfg.Root = root
	a := filepath.Join(root, "postmortems", "a.md")
	write(t, a, "---\ntitle: A1\n---\n")
	st, err := os.Stat(a)
	if err != nil {
		t.Fatal(err)
	}
	first, err := Load(cfg, Options{WorkDir: root, Drafts: true})
	if err != nil {
		t.Fatal(err)
	}
	write(t, a, "---\ntitle: A2\n---\n")
	// The same tick: the same modification time as the first version.
	if err := os.Chtimes(a, st.ModTime(), st.ModTime()); err != nil {
		t.Fatal(err)
	}
	second, err := Load(cfg, Options{WorkDir: root, Drafts: true, Previous: first})
	if err != nil {
		t.Fatal(err)
	}
	if got := second.ByID("a")[0].Title; got != "A2" {
		t.Errorf("the file changed within the same tick was not read again: %q", got)
	}
	// Once read well after its last change, it is taken as it is.
	earlier := time.Now().Add(-time.Hour)
	if err := os.Chtimes(a, earlier, earlier); err != nil {
		t.Fatal(err)
	}
	third, err := Load(cfg, Options{WorkDir: root, Drafts: true, Previous: second})
	if err != nil {
		t.Fatal(err)
	}
	fourth, err := Load(cfg, Options{WorkDir: root, Drafts: true, Previous: third})
	if err != nil {
		t.Fatal(err)
	}
	if fourth.Reused() != 1 || fourth.ByID("a")[0].Title != "A2" {
		t.Errorf("a settled file: reused %d, title %q", fourth.Reused(), fourth.ByID("a")[0].Title)
	}
}

// TestFailed: a file that cannot be parsed is a Failure with its text and
// reason; across loads with Previous it remembers its last good parse,
// also while it stays broken, and it leaves Failed once fixed.
func TestFailed(t *testing.T) {
	root := t.TempDir()
	cfg := config.Defaults()
	cfg.Root = root
	a := filepath.Join(root, "postmortems", "a.md")
	write(t, a, "---\nid: alpha\ntitle: A\n---\n")
	write(t, filepath.Join(root, "postmortems", "empty.md"), "")
	load := func(prev *Corpus) *Corpus {
		t.Helper()
		c, err := Load(cfg, Options{WorkDir: root, Drafts: true, Previous: prev})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	first := load(nil)
	if len(first.Failed) != 1 || first.Failed[0].File != "postmortems/empty.md" || first.Failed[0].Last != nil || len(first.Failed[0].Diagnostics) != 1 {
		t.Fatalf("first load: %+v", first.Failed)
	}
	broken := "---\nid: alpha\ntitle: [A\n---\n"
	write(t, a, broken)
	second := load(first)
	if len(second.Failed) != 2 {
		t.Fatalf("second load: %d failures", len(second.Failed))
	}
	f := second.Failed[0]
	if f.File != "postmortems/a.md" || f.Rel != "postmortems/a.md" || string(f.Source) != broken || f.Last == nil || f.Last.ID != "alpha" || f.Diagnostics[0].Line == 0 {
		t.Errorf("a broken file: %+v", f)
	}
	write(t, a, broken+"\n")
	third := load(second)
	if f := third.Failed[0]; f.Last == nil || f.Last.ID != "alpha" {
		t.Errorf("still broken, the last good parse is lost: %+v", f)
	}
	write(t, a, "---\nid: alpha\ntitle: A again\n---\n")
	if fourth := load(third); len(fourth.Failed) != 1 || fourth.ByID("alpha") == nil {
		t.Errorf("fixed: failures %+v", fourth.Failed)
	}
}

// TestChanged: told what changed since the previous load, a load looks at
// those files alone: an unchanged file is taken from the previous load
// even when its stamp would say otherwise, a named file is read again, an
// added one found, a removed one (or folder) dropped, and a folder that
// is there makes it walk the content folder after all.
func TestChanged(t *testing.T) {
	root := t.TempDir()
	cfg := config.Defaults()
	cfg.Root = root
	dir := filepath.Join(root, "postmortems")
	a, b, c := filepath.Join(dir, "a.md"), filepath.Join(dir, "b.md"), filepath.Join(dir, "2024", "c.md")
	write(t, a, "---\ntitle: A\n---\n")
	write(t, b, "---\ntitle: B\n---\n")
	settle(t, a, b)
	first, err := Load(cfg, Options{WorkDir: root, Drafts: true})
	if err != nil {
		t.Fatal(err)
	}
	load := func(prev *Corpus, changed ...string) *Corpus {
		t.Helper()
		if changed == nil {
			changed = []string{}
		}
		c, err := Load(cfg, Options{WorkDir: root, Drafts: true, Previous: prev, Changed: changed})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	title := func(c *Corpus, id string) string {
		t.Helper()
		pms := c.ByID(id)
		if len(pms) != 1 {
			t.Fatalf("%d postmortems with id %s, files %v", len(pms), id, c.Files)
		}
		return pms[0].Title
	}

	// Both files change; the watcher names b alone (and the theme, and
	// a note beside the postmortems): a is taken as it was.
	write(t, a, "---\ntitle: A2\n---\n")
	write(t, b, "---\ntitle: B2\n---\n")
	write(t, filepath.Join(dir, "notes.txt"), "x")
	second := load(first, b, filepath.Join(root, "theme", "page.html"), filepath.Join(dir, "notes.txt"), filepath.Join(dir, ".b.md.swp"), filepath.Join(dir, "_drafts", "x.md"))
	if got := title(second, "a"); got != "A" {
		t.Errorf("a file no event named was read again: %q", got)
	}
	if got := title(second, "b"); got != "B2" {
		t.Errorf("the named file was not read again: %q", got)
	}
	if second.Reused() != 1 {
		t.Errorf("reused %d files, want 1", second.Reused())
	}
	// Nothing named: everything as it was.
	if third := load(second); third.Reused() != 2 || title(third, "a") != "A" {
		t.Errorf("nothing changed: reused %d", third.Reused())
	}

	// A file added in an existing folder, one removed.
	write(t, filepath.Join(dir, "d.md"), "---\ntitle: D\n---\n")
	if err := os.Remove(b); err != nil {
		t.Fatal(err)
	}
	fourth := load(second, filepath.Join(dir, "d.md"), b)
	if want := []string{"postmortems/a.md", "postmortems/d.md"}; !slices.Equal(fourth.Files, want) {
		t.Errorf("files = %v, want %v", fourth.Files, want)
	}
	if title(fourth, "d") != "D" || fourth.ByID("b") != nil {
		t.Errorf("added or removed file wrong: ids %v", fourth.IDs())
	}

	// A new folder: its files were never named, so the folder is walked
	// and a (changed since, unnamed) is looked at again.
	write(t, c, "---\ntitle: C\n---\n")
	fifth := load(fourth, filepath.Join(dir, "2024"))
	if want := []string{"postmortems/2024/c.md", "postmortems/a.md", "postmortems/d.md"}; !slices.Equal(fifth.Files, want) {
		t.Errorf("after a new folder, files = %v, want %v", fifth.Files, want)
	}
	if got := title(fifth, "a"); got != "A2" {
		t.Errorf("a walk must look at every file: a is %q", got)
	}
	// A removed folder, named alone, takes its files with it.
	if err := os.RemoveAll(filepath.Join(dir, "2024")); err != nil {
		t.Fatal(err)
	}
	if sixth := load(fifth, filepath.Join(dir, "2024")); slices.Contains(sixth.Files, "postmortems/2024/c.md") {
		t.Errorf("the removed folder's file is still there: %v", sixth.Files)
	}
	// Without a previous load, Changed means nothing.
	if c, err := Load(cfg, Options{WorkDir: root, Drafts: true, Changed: []string{}}); err != nil || len(c.Files) != 2 {
		t.Errorf("no previous load: files %v, err %v", c.Files, err)
	}
}
