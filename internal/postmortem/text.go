package postmortem

import (
	"bytes"
	"crypto/sha256"
	"fmt"
)

// Digests are SHA-256 digests of a postmortem's file: of Source, and of its
// front matter (Source without Body, or all of Source when it does not end
// with Body). A page's fingerprint covers the first, the list pages' the
// second.
type Digests struct{ Source, Front [sha256.Size]byte }

func digestsOf(source, body []byte) Digests {
	d := Digests{Source: sha256.Sum256(source)}
	if bytes.HasSuffix(source, body) {
		source = source[:len(source)-len(body)]
	}
	d.Front = sha256.Sum256(source)
	return d
}

// released is what ReleaseText keeps of the file's bytes.
type released struct {
	// read reads the file again.
	read func() ([]byte, error)
	// digests are of the file as it was read, which a second reading
	// must give; size and body are the lengths of Source and Body.
	digests    Digests
	size, body int
}

// Digests returns the digests of the postmortem's Source, as it was read:
// the file's, or a redacted copy's stand-in for it.
func (p *Postmortem) Digests() Digests {
	if p.released != nil && p.Source == nil {
		return p.released.digests
	}
	return digestsOf(p.Source, p.Body)
}

// ReleaseText lets go of Source and Body, for a build that needs the body
// only once more, to render its page: about 5 KB a postmortem, 50 MB at
// 10,000, that the search index and the pages can use meanwhile. read reads
// the file again; BodyText then checks that it still holds the same bytes.
// A postmortem whose Body is not the end of its Source keeps both.
func (p *Postmortem) ReleaseText(read func() ([]byte, error)) {
	if p.released != nil || p.Source == nil || !bytes.HasSuffix(p.Source, p.Body) {
		return
	}
	p.released = &released{read: read, digests: digestsOf(p.Source, p.Body), size: len(p.Source), body: len(p.Body)}
	p.Source, p.Body = nil, nil
}

// BodyText returns Body, read again from the file after ReleaseText. The
// file must still hold the bytes that were checked: an error says when it
// changed since (or cannot be read), rather than publish what was not.
func (p *Postmortem) BodyText() ([]byte, error) {
	r := p.released
	if r == nil {
		return p.Body, nil
	}
	data, err := r.read()
	if err != nil {
		return nil, fmt.Errorf("%s: reading it again: %w", p.File, err)
	}
	// Source is the file's bytes after any byte-order mark.
	if len(data) < r.size || sha256.Sum256(data[len(data)-r.size:]) != r.digests.Source {
		return nil, fmt.Errorf("%s changed while the site was being built; build again", p.File)
	}
	return data[len(data)-r.body:], nil
}
