package timeline

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hindsight-dev/hindsight/internal/postmortem"
)

const head = "---\ntitle: DB failover loop\ndate: 2024-03-01\ntimes:\n  started: 2024-03-01T15:00:00+01:00\n---\n"

func at(h, m int) time.Time { return time.Date(2024, 3, 1, h, m, 0, 0, time.UTC) }

func TestMerge(t *testing.T) {
	events := []Event{
		{Time: at(13, 58), Text: "Deploy of the proxy"},
		{Time: at(14, 5), Text: "Ben: looking"},
		{Time: at(14, 30), Text: "Errors back to normal"},
		{Time: at(23, 30), Text: "Follow-up call, the next day in Paris"},
	}
	for _, tc := range []struct{ name, body string }{
		{"entries", "## Impact\n\nCheckout failed.\n\n## Timeline\n\n- 15:01 — Errors start\n  with a second line\n- 15:20 — Failover paused\n\n## Root cause\n\nA loop.\n"},
		{"star-and-dash", "## Timeline\n* 15:01 - Errors start\n* 15:05 - Ben: looking\n"},
		{"empty-section", "## Impact\n\nx\n\n## Timeline\n\nTBD\n\n## Root cause\n\ny\n"},
		{"no-section", "## Impact\n\nx\n\n## Root cause\n\ny\n"},
		{"crlf", strings.ReplaceAll("## Timeline\n\n- 15:01 — Errors start\n\n## Resolution\n\nz", "\n", "\r\n")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "pm.md")
			src := head + tc.body
			if tc.name == "crlf" {
				src = strings.ReplaceAll(head, "\n", "\r\n") + tc.body
			}
			os.WriteFile(path, []byte(src), 0o644)
			target, err := Open(path, "pm.md", postmortem.Options{})
			if err != nil {
				t.Fatal(err)
			}
			res, err := target.Merge(events)
			if err != nil {
				t.Fatal(err)
			}
			golden(t, "merge-"+tc.name+".md", string(res.Content))
			// The file outside the section is as it was.
			before, after := src[:strings.Index(src, "## ")], string(res.Content)
			if !strings.HasPrefix(after, before) {
				t.Error("the front matter changed")
			}
			if err := target.Write(res.Content); err != nil {
				t.Fatal(err)
			}
			// A second import adds nothing.
			again, err := Open(path, "pm.md", postmortem.Options{})
			if err != nil {
				t.Fatal(err)
			}
			res2, err := again.Merge(events)
			if err != nil {
				t.Fatal(err)
			}
			if res2.Added != 0 || string(res2.Content) != string(res.Content) {
				t.Errorf("a second import added %d entries (duplicates %d)", res2.Added, res2.Duplicates)
			}
		})
	}
}

// A file changed during the import is left alone.
func TestMergeChanged(t *testing.T) {
	path := filepath.Join(t.TempDir(), "pm.md")
	os.WriteFile(path, []byte(head+"## Timeline\n\n- 15:01 — Errors start\n"), 0o644)
	target, err := Open(path, "pm.md", postmortem.Options{})
	if err != nil {
		t.Fatal(err)
	}
	res, err := target.Merge([]Event{{Time: at(14, 5), Text: "x"}})
	if err != nil {
		t.Fatal(err)
	}
	edited := head + "## Timeline\n\n- 15:01 — Errors start, edited meanwhile\n"
	os.WriteFile(path, []byte(edited), 0o644)
	if err := target.Write(res.Content); err != ErrChanged {
		t.Fatalf("write over a changed file: %v", err)
	}
	if data, _ := os.ReadFile(path); string(data) != edited {
		t.Error("the changed file was overwritten")
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("a temporary file was left behind: %v", entries)
	}
}

func TestOpenBad(t *testing.T) {
	path := filepath.Join(t.TempDir(), "pm.md")
	os.WriteFile(path, []byte("---\ntitle: [x\n---\n"), 0o644)
	if _, err := Open(path, "pm.md", postmortem.Options{}); err == nil || !strings.HasPrefix(err.Error(), "pm.md:3:1: invalid YAML") {
		t.Errorf("a broken file: %v", err)
	}
	if _, err := Open(filepath.Join(t.TempDir(), "none.md"), "none.md", postmortem.Options{}); err == nil {
		t.Error("a missing file must be an error")
	}
}
