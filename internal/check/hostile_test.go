package check

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/hindsight-dev/hindsight/internal/config"
	"github.com/hindsight-dev/hindsight/internal/corpus"
	"github.com/hindsight-dev/hindsight/internal/postmortem"
	"github.com/hindsight-dev/hindsight/internal/search"
	"github.com/hindsight-dev/hindsight/internal/site"
	"github.com/hindsight-dev/hindsight/theme"
)

// hostileHead is valid front matter for the bodies below.
const hostileHead = "---\ntitle: T\ndate: 2025-01-01\nstatus: published\nseverity: SEV2\nsummary: s\nowner: a@example.com\n"

// hostileFiles are small files (under the 2 MiB limit) that once cost
// seconds to minutes and gigabytes to check: each input of the adversarial
// sweep that grew faster than its size.
func hostileFiles() map[string]string {
	rep := strings.Repeat
	keys := new(strings.Builder)
	for i := range 150_000 {
		fmt.Fprintf(keys, "  k%d: v\n", i)
	}
	return map[string]string{
		// a table of a 2,000-cell header and 5,000 one-cell rows
		"wide-table": hostileHead + "---\n\n## Impact\n\n|" + rep("a|", 2000) + "\n|" + rep("-|", 2000) + "\n" + rep("|x|\n", 5000),
		// TOML and JSON nested 20,000 and 10,000 deep
		"deep-toml": "+++\ntitle = \"T\"\na = " + rep("{b=", 20000) + "1" + rep("}", 20000) + "\n+++\n\n## Impact\n",
		"deep-json": ";;;\n{\"title\":\"T\",\"a\":" + rep(`{"b":`, 10000) + "1" + rep("}", 10000) + "}\n;;;\n\n## Impact\n",
		// unclosed emphasis, footnotes, findings on one long line
		"emphasis":  hostileHead + "---\n\n## Impact\n\n" + rep("*a", 200_000) + "\n",
		"footnotes": hostileHead + "---\n\n## Impact\n\n" + rep("x[^n]\n\n[^n]: y\n\n", 30_000),
		"links":     hostileHead + "---\n\n## Impact\n\n" + rep("[a](nope.md) ", 40_000) + "\n",
		"blaming":   hostileHead + "---\n\n## Impact\n\n" + rep("should have ", 40_000) + "\n",
		// 150,000 keys in a custom field's map
		"custom-keys": strings.Replace(hostileHead, "owner:", "extra:\n"+keys.String()+"owner:", 1) + "---\n\n## Impact\n",
		// aliases that expand exponentially (a billion laughs), in a custom field
		"alias-bomb": strings.Replace(hostileHead, "owner:", laughs()+"owner:", 1) + "---\n\n## Impact\n",
		// a 100,000-line timeline
		"long-timeline": hostileHead + "---\n\n## Timeline\n\n" + rep("- 14:02 — something happened\n", 60_000),
		// 1,200-deep nested lists (1.4 MB), 10,000-deep quotes, 50,000 brackets, a flood of
		// link reference definitions
		"deep-lists":  hostileHead + "---\n\n## Impact\n\n" + deepList(1_200),
		"deep-quotes": hostileHead + "---\n\n## Impact\n\n" + rep(">", 10_000) + " x\n",
		"brackets":    hostileHead + "---\n\n## Impact\n\n" + rep("[", 50_000) + "\n",
		"references":  hostileHead + "---\n\n## Impact\n\n" + refDefs(40_000),
		// lists and quotes 10,000 deep on one line, emphasis runs, a
		// 1.9 MB heading
		"inline-lists": hostileHead + "---\n\n## Impact\n\n" + rep("- ", 10_000) + "x\n",
		"quote-lists":  hostileHead + "---\n\n## Impact\n\n" + rep("> - ", 10_000) + "x\n",
		"underscores":  hostileHead + "---\n\n## Impact\n\n" + rep("__a_", 400_000) + "\n",
		"long-heading": hostileHead + "---\n\n## " + rep("a", 1_900_000) + "\n",
		// a 1.9 MB scalar, merge keys that multiply, aliases in maps, a
		// 1.4 MB !!binary value
		"huge-scalar":  strings.Replace(hostileHead, "summary: s", "summary: "+rep("word ", 380_000), 1) + "---\n\n## Impact\n",
		"merge-bomb":   strings.Replace(hostileHead, "owner:", merges()+"owner:", 1) + "---\n\n## Impact\n",
		"alias-map":    strings.Replace(hostileHead, "owner:", mapLaughs()+"owner:", 1) + "---\n\n## Impact\n",
		"binary":       strings.Replace(hostileHead, "owner:", "extra: !!binary "+rep("QUJD", 350_000)+"\nowner:", 1) + "---\n\n## Impact\n",
		"known-merges": strings.Replace(hostileHead, "summary: s\n", "base: &b\n  summary: s\n", 1) + "<<: *b\n---\n\n## Impact\n",
		// a file of exactly the size limit
		"at-limit": atLimit(),
	}
}

// atLimit is a valid postmortem of exactly corpus.MaxFileSize bytes.
func atLimit() string {
	head := hostileHead + "---\n\n## Impact\n\n"
	pad := corpus.MaxFileSize - len(head)
	line := strings.Repeat("y", 79) + "\n"
	return head + strings.Repeat(line, pad/len(line)) + strings.Repeat("z", pad%len(line))
}

// Each hostile file is checked in a child process limited to 6 GiB of
// address space and 60 seconds, so that a regression fails this test
// instead of taking the machine down, and whose peak memory must stay
// under 400 MiB. Before the fixes, the first took
// 18 s and 1.8 GB, the TOML 67 s and 4.3 GB, the custom keys 9 minutes.
func TestHostileFilesStayBounded(t *testing.T) {
	if name := os.Getenv("HINDSIGHT_HOSTILE_CASE"); name != "" {
		checkHostile(t, name)
		return
	}
	if runtime.GOOS != "linux" {
		t.Skip("the child's memory limit is set with Linux's prlimit")
	}
	for name := range hostileFiles() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestHostileFilesStayBounded$", "-test.count=1")
			cmd.Env = append(os.Environ(), "HINDSIGHT_HOSTILE_CASE="+name, "GOMEMLIMIT=off")
			var out strings.Builder
			cmd.Stdout, cmd.Stderr = &out, &out
			start := time.Now()
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			// The address-space limit keeps a regression from taking the
			// machine down; the budget is checked on the peak RSS below.
			limit := unix.Rlimit{Cur: 6 << 30, Max: 6 << 30}
			if err := unix.Prlimit(cmd.Process.Pid, unix.RLIMIT_AS, &limit, nil); err != nil {
				t.Skipf("cannot limit the child's memory: %v", err)
			}
			err := cmd.Wait()
			if ctx.Err() != nil {
				t.Fatalf("checking %s took over a minute", name)
			}
			if err != nil {
				t.Fatalf("checking %s failed (%v):\n%.2000s", name, err, out.String())
			}
			peak := int64(0)
			if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
				peak = ru.Maxrss << 10
			}
			// The budget of the issue is 100 MB for the check itself; the
			// child also holds the test binary and the generated input.
			if peak > 400<<20 {
				t.Errorf("checking %s peaked at %d MiB", name, peak>>20)
			}
			t.Logf("%s: %v, peak RSS %d MiB", name, time.Since(start).Round(time.Millisecond), peak>>20)
		})
	}
}

// checkHostile is the child: it checks one file, requiring a finding or a
// clean result and never a crash, then builds the site of it.
func checkHostile(t *testing.T, name string) {
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "postmortems"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, config.FileName), []byte("title: t\ncustom_fields:\n  extra: {}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	data := hostileFiles()[name]
	if len(data) > corpus.MaxFileSize {
		t.Fatalf("%s is %d bytes, over the file limit: it tests nothing", name, len(data))
	}
	if err := os.WriteFile(filepath.Join(root, "postmortems", name+".md"), []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(filepath.Join(root, config.FileName))
	if err != nil {
		t.Fatal(err)
	}
	c, err := corpus.Load(cfg, corpus.Options{WorkDir: root})
	if err != nil {
		t.Fatal(err)
	}
	rep := Run(c, Options{Now: time.Now()})
	// Bodies past a bound of the Markdown parser are shown as plain text,
	// and check says where.
	if plain := map[string]bool{"deep-lists": true, "inline-lists": true, "quote-lists": true, "references": true}; plain[name] {
		if countByRule(rep)[postmortem.RuleSyntax] != 1 {
			t.Errorf("no syntax finding for a body read as plain text: %v", countByRule(rep))
		}
	}
	for rule, n := range countByRule(rep) {
		if n > MaxPerRule+1 {
			t.Errorf("%d %s findings in one file, more than %d and a count", n, rule, MaxPerRule)
		}
	}
	// The build of what parsed: the search documents, the search index,
	// the pages and the static index.
	out := filepath.Join(root, "site")
	ix, err := search.Open(filepath.Join(out, site.IndexDir))
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	opts := site.Options{Out: out, Now: time.Now(), Theme: theme.FS("")}
	docs, err := site.Docs(cfg, c.Postmortems, opts, ix.Holds)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ix.Sync(docs); err != nil {
		t.Fatal(err)
	}
	opts.Similar = ix
	if _, err := site.Build(context.Background(), cfg, c.Postmortems, opts); err != nil {
		t.Fatal(err)
	}
	t.Logf("findings: %v", countByRule(rep))
}

func countByRule(rep *Report) map[string]int {
	n := map[string]int{}
	for _, f := range rep.Findings {
		n[f.Rule]++
	}
	return n
}

// laughs is a custom field of nine levels of aliases, each naming the one
// before ten times: 10^9 values if expanded.
func laughs() string {
	return aliasLevels("l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]", func(i int, refs func(string) string) string {
		return fmt.Sprintf("l%d: &l%d [%s]", i, i, refs("*l%[2]d"))
	})
}

// mapLaughs is laughs with maps: each level a map of ten keys naming the
// level before.
func mapLaughs() string {
	return aliasLevels("l0: &l0 {a: lol, b: lol, c: lol, d: lol, e: lol, f: lol, g: lol, h: lol, i: lol, j: lol}", func(i int, refs func(string) string) string {
		return fmt.Sprintf("l%d: &l%d {%s}", i, i, refs("k%[1]d: *l%[2]d"))
	})
}

// merges is a custom field of nine levels of maps, each merging the one
// before ten times over and adding a key.
func merges() string {
	return aliasLevels("m0: &m0 {a: 1, b: 2, c: 3}", func(i int, refs func(string) string) string {
		return fmt.Sprintf("m%d: &m%d {<<: [%s], k%d: v}", i, i, refs("*m%[2]d"), i)
	})
}

// aliasLevels is a custom field "extra" of a first entry and nine more,
// entry i made by level with refs, which joins ten references to level
// i-1 made by a format of the reference's number ([1]) and the level
// ([2]): refs("*l%[2]d") is "*l0, *l0, ...", refs("k%[1]d: *l%[2]d") is
// "k0: *l0, k1: *l0, ...".
func aliasLevels(first string, level func(i int, refs func(format string) string) string) string {
	var b strings.Builder
	b.WriteString("extra:\n  " + first + "\n")
	for i := 1; i < 10; i++ {
		refs := func(format string) string {
			parts := make([]string, 10)
			for j := range parts {
				parts[j] = fmt.Sprintf(format, j, i-1)
			}
			return strings.Join(parts, ", ")
		}
		b.WriteString("  " + level(i, refs) + "\n")
	}
	return b.String()
}

// deepList nests n list items, each two spaces deeper.
func deepList(n int) string {
	var b strings.Builder
	for i := range n {
		b.WriteString(strings.Repeat("  ", i))
		b.WriteString("- x\n")
	}
	return b.String()
}

// refDefs is n link reference definitions and one use of each.
func refDefs(n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "[r%d]: https://example.com/%d\n", i, i)
	}
	b.WriteString("\n")
	for i := 0; i < n; i += 1000 {
		fmt.Fprintf(&b, "[x][r%d] ", i)
	}
	return b.String() + "\n"
}
