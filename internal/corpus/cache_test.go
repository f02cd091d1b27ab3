package corpus

import (
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/hindsight-dev/hindsight/internal/config"
	"github.com/hindsight-dev/hindsight/internal/postmortem"
	"github.com/hindsight-dev/hindsight/internal/yamlnode"
)

// sameParse compares two loads of a corpus field by field, the positions
// of the front matter's keys included; times must name the same instant
// in the same offset.
func sameParse(t *testing.T, want, got *Corpus) {
	t.Helper()
	opts := cmp.Options{
		cmp.AllowUnexported(postmortem.Postmortem{}),
		cmp.Comparer(func(a, b time.Time) bool {
			_, ao := a.Zone()
			_, bo := b.Zone()
			return a.Equal(b) && ao == bo
		}),
		// A map of positions that is empty is as good as none.
		cmp.FilterValues(func(a, b map[string]yamlnode.Pos) bool { return len(a) == 0 && len(b) == 0 }, cmp.Ignore()),
		// The prose and positions of a cached parse stay encoded until
		// asked for; they are compared as ProseBlocks and Positions give
		// them, below.
		cmpopts.IgnoreFields(postmortem.Postmortem{}, "prose", "keys", "values", "places"),
		cmpopts.IgnoreFields(postmortem.Outline{}, "Prose"),
	}
	if diff := cmp.Diff(want.Postmortems, got.Postmortems, opts); diff != "" {
		t.Errorf("postmortems differ (-parsed +cached):\n%s", diff)
	}
	for i := range min(len(want.Postmortems), len(got.Postmortems)) {
		w, g := want.Postmortems[i], got.Postmortems[i]
		if diff := cmp.Diff(w.ProseBlocks(), g.ProseBlocks(), cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("%s: prose differs (-parsed +cached):\n%s", w.File, diff)
		}
		wk, wv := w.Positions()
		gk, gv := g.Positions()
		if diff := cmp.Diff([]any{wk, wv}, []any{gk, gv}, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("%s: positions differ (-parsed +cached):\n%s", w.File, diff)
		}
	}
	if diff := cmp.Diff(want.Diagnostics, got.Diagnostics); diff != "" {
		t.Errorf("diagnostics differ (-parsed +cached):\n%s", diff)
	}
}

// edgeCases are files whose parse a cache could lose something of.
var edgeCases = map[string]string{
	"empty-lists.md": "---\ntitle: Empty lists\ndate: 2025-01-02\nseverity: SEV2\nservices: []\ntags: []\nauthors: []\naction_items: []\ncommits: []\nrelated: []\n---\n## Impact\n\nNone.\n",
	"custom.md": "---\ntitle: Custom values\ndate: 2025-01-02\nservices: [api]\nteam: payments\ncost: {eur: 1200, hours: 3.5, billed: true, items: [a, 2, null, {x: [y]}], when: 2025-01-02T10:00:00+01:00, none: null}\n" +
		"times:\n  started: 2025-01-02T10:00:00+05:30\n  detected: 2025-01-02T10:05:00Z\n  copy_started: 2025-01-02T11:00:00-08:00\n---\n" +
		"## Timeline\n\n- 10:00 — It began\n- 2025-01-02 11:00 — Copy\n- no time here\n\n## Impact\n\nThe *whole* `api`, see [docs](https://example.com) and ![x](a.png).\n\n```sh\nls\n```\n",
	// gob would bring the empty list back as none: never cached.
	"nested-empty.md": "---\ntitle: Nested empty\ncost: {items: [{x: []}]}\n---\n",
	"bom.md":          "\xef\xbb\xbf---\ntitle: Byte-order mark\nfixme: 1\ntitel: typo\n---\nBody\n",
	"broken.md":       "---\ntitle: [unclosed\n---\n",
	"binary.md":       "\x00\x01",
	"crlf.md":         "---\r\ntitle: CRLF\r\nseverity: nope\r\n---\r\n## Impact\r\n\r\nWindows.\r\n",
	"toml.md":         "+++\ntitle = \"TOML\"\n+++\nBody\n",
}

func TestParseCache(t *testing.T) {
	// Entries are found by the bytes, or by the digest the load makes of
	// them when it is asked for one (as check and build ask for git's).
	t.Run("bytes", func(t *testing.T) { testParseCache(t, nil) })
	t.Run("digest", func(t *testing.T) {
		testParseCache(t, func(b []byte) string { return fmt.Sprintf("%x", sha256.Sum256(b)) })
	})
}

func testParseCache(t *testing.T, digest func([]byte) string) {
	root := t.TempDir()
	cfg := config.Defaults()
	cfg.Root = root
	cfg.CustomFields = map[string]config.CustomField{"team": {}, "cost": {}}
	// Every example of the repository, and the edge cases.
	examples, err := filepath.Glob(filepath.Join("..", "..", "postmortems", "*.md"))
	if err != nil || len(examples) == 0 {
		t.Fatalf("no examples: %v", err)
	}
	for _, e := range examples {
		data, err := os.ReadFile(e)
		if err != nil {
			t.Fatal(err)
		}
		write(t, filepath.Join(root, "postmortems", filepath.Base(e)), string(data))
	}
	for name, text := range edgeCases {
		write(t, filepath.Join(root, "postmortems", name), text)
	}
	cache := filepath.Join(t.TempDir(), "parses.gob")
	opts := Options{WorkDir: root, Drafts: true, Cache: cache, Digest: digest}

	fresh, err := Load(cfg, Options{WorkDir: root, Drafts: true})
	if err != nil {
		t.Fatal(err)
	}
	first, err := Load(cfg, opts)
	if err != nil {
		t.Fatal(err)
	}
	if first.Cached() != 0 {
		t.Errorf("an empty cache served %d files", first.Cached())
	}
	sameParse(t, fresh, first)
	st, err := os.Stat(cache)
	if err != nil {
		t.Fatalf("no cache written: %v", err)
	}

	second, err := Load(cfg, opts)
	if err != nil {
		t.Fatal(err)
	}
	// Every file but the one gob cannot keep whole comes from the cache.
	if n := len(second.Files); second.Cached() != n-1 {
		t.Errorf("cached %d of %d files", second.Cached(), n)
	}
	sameParse(t, fresh, second)
	if st2, _ := os.Stat(cache); !st2.ModTime().Equal(st.ModTime()) {
		t.Error("an unchanged corpus rewrote the cache")
	}

	// An edit is parsed again, one that keeps the file's size too; the
	// others still come from the cache.
	write(t, filepath.Join(root, "postmortems", "custom.md"), strings.Replace(edgeCases["custom.md"], "Custom values", "Custom VALUES", 1))
	third, err := Load(cfg, opts)
	if err != nil {
		t.Fatal(err)
	}
	if third.Cached() != second.Cached()-1 || third.ByID("custom")[0].Title != "Custom VALUES" {
		t.Errorf("after an edit: cached %d (before %d), title %q", third.Cached(), second.Cached(), third.ByID("custom")[0].Title)
	}

	// The cache written after the edit (its unchanged shards copied, the
	// others encoded again) serves every file as a fresh parse would.
	fourth, err := Load(cfg, opts)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(fourth.Files); fourth.Cached() != n-1 {
		t.Errorf("after the edit was cached: %d of %d files from the cache", fourth.Cached(), n)
	}
	edited, _ := Load(cfg, Options{WorkDir: root, Drafts: true})
	sameParse(t, edited, fourth)

	// Other parse options throw the cache away.
	cfg.Severities = []string{"P1", "P2"}
	other, err := Load(cfg, opts)
	if err != nil {
		t.Fatal(err)
	}
	if other.Cached() != 0 {
		t.Errorf("other severities: %d files from the cache", other.Cached())
	}
	cfg.Severities = config.Defaults().Severities

	// A damaged cache is ignored and replaced.
	if err := os.WriteFile(cache, []byte(cacheMagic+"garbage\n\x05abc"), 0o644); err != nil {
		t.Fatal(err)
	}
	damaged, err := Load(cfg, opts)
	if err != nil || damaged.Cached() != 0 {
		t.Fatalf("damaged cache: %d cached, %v", damaged.Cached(), err)
	}
	again, err := Load(cfg, opts)
	if err != nil || again.Cached() == 0 {
		t.Fatalf("the damaged cache was not replaced: %d cached, %v", again.Cached(), err)
	}
	fresh, _ = Load(cfg, Options{WorkDir: root, Drafts: true})
	sameParse(t, fresh, again)
}

// TestKeepProse checks that a load given KeepProse holds only the blocks of
// prose it keeps, each as a load without it has it (text and positions),
// whether parsed or taken from the parse cache.
func TestKeepProse(t *testing.T) {
	root := t.TempDir()
	cfg := config.Defaults()
	cfg.Root = root
	write(t, filepath.Join(root, "postmortems", "a.md"), "---\ntitle: A\n---\n## Impact\n\nThe queue grew.\n\nWe blamed the\n*cache* at first.\n\n| a | b |\n| --- | --- |\n| blame | x |\n")
	keep := func(text string) bool { return strings.Contains(text, "blame") }
	full, err := Load(cfg, Options{WorkDir: root, Drafts: true})
	if err != nil {
		t.Fatal(err)
	}
	var want []postmortem.Prose
	for _, p := range full.Postmortems[0].ProseBlocks() {
		if keep(p.Text) {
			want = append(want, p)
		}
	}
	if len(want) != 2 || len(want) == len(full.Postmortems[0].ProseBlocks()) {
		t.Fatalf("the test file's prose is not what the test needs: %+v", full.Postmortems[0].ProseBlocks())
	}
	opts := Options{WorkDir: root, Drafts: true, Cache: filepath.Join(t.TempDir(), "parses.gob"), KeepProse: keep}
	for _, run := range []string{"parsed", "cached"} {
		c, err := Load(cfg, opts)
		if err != nil {
			t.Fatal(err)
		}
		if cached := c.Cached() == 1; cached != (run == "cached") {
			t.Fatalf("%s: %d files from the cache", run, c.Cached())
		}
		if diff := cmp.Diff(want, c.Postmortems[0].ProseBlocks()); diff != "" {
			t.Errorf("%s: kept prose differs (-want +got):\n%s", run, diff)
		}
	}
	// A body with nothing to keep holds no list at all, not the parse's
	// list emptied (its array would stay in memory).
	write(t, filepath.Join(root, "postmortems", "a.md"), "---\ntitle: A\n---\n## Impact\n\nThe queue grew.\n\nIt shrank.\n")
	c, err := Load(cfg, Options{WorkDir: root, Drafts: true, KeepProse: keep})
	if err != nil {
		t.Fatal(err)
	}
	if p := c.Postmortems[0].Outline.Prose; cap(p) != 0 {
		t.Errorf("no block kept, yet a list of capacity %d is held", cap(p))
	}
}

// TestResolvedTimeline: a load keeps a body's timeline as resolved entries
// and untimed items only, not the raw list items too, parsed or cached.
func TestResolvedTimeline(t *testing.T) {
	root := t.TempDir()
	cfg := config.Defaults()
	cfg.Root = root
	write(t, filepath.Join(root, "postmortems", "a.md"), "---\ntitle: A\ndate: 2025-01-02\n---\n## Timeline\n\n- 10:00 — Paged\n- 10:05 — Rolled back\n- later that day\n")
	opts := Options{WorkDir: root, Drafts: true, Cache: filepath.Join(t.TempDir(), "parses.gob")}
	for _, run := range []string{"parsed", "cached"} {
		c, err := Load(cfg, opts)
		if err != nil {
			t.Fatal(err)
		}
		pm := c.Postmortems[0]
		if len(pm.Timeline) != 2 || len(pm.UntimedItems) != 1 || pm.Timeline[1].Event != "Rolled back" {
			t.Fatalf("%s: timeline %+v, untimed %+v", run, pm.Timeline, pm.UntimedItems)
		}
		if pm.Outline.TimelineItems != nil {
			t.Errorf("%s: the raw timeline items are held beside the resolved ones", run)
		}
	}
}
