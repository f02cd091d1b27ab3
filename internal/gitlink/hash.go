package gitlink

import (
	"crypto"
	"crypto/sha1"

	"github.com/go-git/go-git/v5/plumbing/hash"
)

// go-git hashes with a collision-detecting SHA-1 by default, and it hashes
// every object it resolves from a delta to key its object cache: on a cold
// run over 20,000 commits that was a third of all the time spent. Hindsight
// only reads repositories (it never writes an object, and a clone's pack is
// checked by the remote's own git and by the sha the postmortem names), so
// the plain SHA-1 of the standard library, several times faster on CPUs
// with SHA extensions, is enough.
func init() {
	if err := hash.RegisterHash(crypto.SHA1, sha1.New); err != nil {
		panic(err) // only for a nil function or an unknown algorithm
	}
}
