package cli

import (
	"bytes"
	"io"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func TestTermText(t *testing.T) {
	for in, want := range map[string]string{
		"plain":                           "plain",
		"\x1b]52;c;ZXZpbA==\x07copied":    " ]52;c;ZXZpbA== copied",
		"\x1b[2J\x1b[Hcleared":            " [2J [Hcleared",
		"tab\tand\nline\u2028sep\u009bc1": "tab and line sep c1",
	} {
		if got := termText(in); got != want {
			t.Errorf("termText(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCSVNeutralisesFormulas(t *testing.T) {
	var b bytes.Buffer
	w := newCSV(&b)
	_ = w.Write([]string{`=HYPERLINK("https://evil.example","x")`, "+1", "-2+3", "@SUM(A1)", "\tx", "-", "fine", "a=b"})
	w.Flush()
	want := `"'=HYPERLINK(""https://evil.example"",""x"")",'+1,'-2+3,'@SUM(A1),'` + "\tx" + `,-,fine,a=b` + "\n"
	if b.String() != want {
		t.Errorf("got  %q\nwant %q", b.String(), want)
	}
}

func TestFitLast(t *testing.T) {
	rows := func() [][]string {
		return [][]string{{"REF", "OWNER", "TITLE"}, {"a#1", "sre@example.com", "Alert on replication lag before the replicas fall behind"}, {"b#2", "-", "Short"}}
	}
	for _, tt := range []struct {
		name  string
		width int
		want  []string // the titles
	}{
		{"no terminal", 0, []string{"TITLE", "Alert on replication lag before the replicas fall behind", "Short"}},
		{"wide enough", 200, []string{"TITLE", "Alert on replication lag before the replicas fall behind", "Short"}},
		{"cut with an ellipsis", 50, []string{"TITLE", "Alert on replication lag…", "Short"}},
		{"never below the minimum", 10, []string{"TITLE", "Alert on replicatio…", "Short"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := rows()
			fitLast(r, tt.width, 2)
			for i, want := range tt.want {
				if r[i][2] != want {
					t.Errorf("row %d: %q, want %q", i, r[i][2], want)
				}
			}
		})
	}
}

// TestActionsTableFitsTerminal: on a terminal the table's lines fit its
// width, the titles cut with an ellipsis; --wide (width 0) keeps them.
func TestActionsTableFitsTerminal(t *testing.T) {
	long := strings.Repeat("Rotate the intermediate certificates before expiry ", 4)
	items := []actionItem{{Ref: "2025-10-02-db-failover#1", Status: "open", Due: "2025-11-01", Priority: "P1", Owner: "dba@example.com", Title: long}}
	var b strings.Builder
	if err := writeActions(&b, "table", items, time.Time{}, 120); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	for _, l := range lines[:2] {
		if n := utf8.RuneCountInString(l); n > 120 {
			t.Errorf("a line of %d characters on a terminal of 120: %q", n, l)
		}
	}
	if !strings.HasSuffix(lines[1], "…") {
		t.Errorf("the title is not cut: %q", lines[1])
	}
	b.Reset()
	if err := writeActions(&b, "table", items, time.Time{}, 0); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), strings.TrimSpace(long)) {
		t.Error("the whole title is lost without a width")
	}
	if terminalWidth(io.Discard, "132") != 132 || terminalWidth(io.Discard, "") != 0 || terminalWidth(io.Discard, "wide") != 0 {
		t.Error("terminalWidth does not follow $COLUMNS")
	}
}
