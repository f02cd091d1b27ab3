package cli

import (
	"bytes"
	"testing"
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
