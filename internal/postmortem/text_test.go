package postmortem

import (
	"errors"
	"strings"
	"testing"
)

// TestReleaseText: a released postmortem answers Digests as before, for
// itself and for its redacted copy, and BodyText reads the body from the
// file again, refusing bytes that are not the ones it was parsed from.
func TestReleaseText(t *testing.T) {
	for name, src := range map[string]string{
		"plain":           validFM,
		"byte-order mark": "\xef\xbb\xbf" + validFM,
		"empty body":      "---\ntitle: No body\n---\n",
	} {
		t.Run(name, func(t *testing.T) {
			parse := func() *Postmortem {
				pm, _ := Parse("postmortems/a.md", []byte(src), Options{})
				if pm == nil {
					t.Fatal("no parse")
				}
				return pm
			}
			kept := parse()
			body := string(kept.Body)
			pm := parse()
			file := src
			reads := 0
			pm.ReleaseText(func() ([]byte, error) { reads++; return []byte(file), nil })
			if pm.Source != nil || pm.Body != nil {
				t.Fatal("the bytes are still held")
			}
			if pm.Digests() != kept.Digests() {
				t.Error("the digests changed when the bytes were let go")
			}
			if pm.Redact().Digests() != kept.Redact().Digests() {
				t.Error("a redacted copy's digests changed when the bytes were let go")
			}
			for _, p := range []*Postmortem{pm, pm.Redact()} {
				got, err := p.BodyText()
				if err != nil || string(got) != body {
					t.Errorf("BodyText = %q, %v; want %q", got, err, body)
				}
			}
			if reads != 2 {
				t.Errorf("the file was read %d times for two bodies", reads)
			}
			file = strings.Replace(src, "title:", "title: Edited", 1)
			if _, err := pm.BodyText(); err == nil || !strings.Contains(err.Error(), "postmortems/a.md changed while the site was being built") {
				t.Errorf("an edited file: %v", err)
			}
			file = ""
			if _, err := pm.BodyText(); err == nil {
				t.Error("an emptied file gave a body")
			}
		})
	}
	pm, _ := Parse("postmortems/a.md", []byte(validFM), Options{})
	pm.ReleaseText(func() ([]byte, error) { return nil, errors.New("gone") })
	if _, err := pm.BodyText(); err == nil || !strings.Contains(err.Error(), "postmortems/a.md: reading it again: gone") {
		t.Errorf("an unreadable file: %v", err)
	}
}
