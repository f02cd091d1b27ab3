package gitlink

import (
	"path/filepath"
	"testing"
)

// A relative url: is relative to the repository root, not to wherever the
// command runs; anything with a scheme or an ssh host stays as written.
func TestRemoteURL(t *testing.T) {
	root := filepath.FromSlash("/repo/docs")
	for in, want := range map[string]string{
		"../service.git":                    filepath.FromSlash("/repo/service.git"),
		"mirror/service":                    filepath.FromSlash("/repo/docs/mirror/service"),
		"/srv/git/service.git":              "/srv/git/service.git",
		"https://example.com/a/b.git":       "https://example.com/a/b.git",
		"file:///srv/git/b.git":             "file:///srv/git/b.git",
		"git@github.com:org/service.git":    "git@github.com:org/service.git",
		"github.com:org/service.git":        "github.com:org/service.git",
		"ssh://git@example.com/service.git": "ssh://git@example.com/service.git",
	} {
		if got := remoteURL(in, root); got != want {
			t.Errorf("remoteURL(%q) = %q, want %q", in, got, want)
		}
	}
}
