package config

import "testing"

func TestSplitBaseURL(t *testing.T) {
	for _, tt := range []struct{ raw, base, abs string }{
		{"", "/", ""},
		{"/", "/", ""},
		{"/pm", "/pm/", ""},
		{"/pm/", "/pm/", ""},
		{"/a/b-c_d.e~/", "/a/b-c_d.e~/", ""},
		{"/%C3%A9t%C3%A9/", "/%C3%A9t%C3%A9/", ""},
		{"https://example.com", "/", "https://example.com/"},
		{"https://example.com:8443/pm/", "/pm/", "https://example.com:8443/pm/"},
		{"http://example.com/été/", "/%C3%A9t%C3%A9/", "http://example.com/%C3%A9t%C3%A9/"},
	} {
		base, abs, err := SplitBaseURL(tt.raw)
		if err != nil || base != tt.base || abs != tt.abs {
			t.Errorf("SplitBaseURL(%q) = %q, %q, %v; want %q, %q", tt.raw, base, abs, err, tt.base, tt.abs)
		}
	}
	for _, raw := range []string{
		`/x"></script><script src="files/postmortems/evil.js"></script><script src="`,
		`/x'y/`, "/a b/", "/<b>/", "/a/../b/", "/./", "pm/", "//evil.example/", "ftp://x/", "javascript:alert(1)",
		"https:///pm/", "https://u:p@example.com/", "/pm/?q=1", "/pm/#top", `https://exa"mple.com/`, "/a\\b/",
	} {
		if base, _, err := SplitBaseURL(raw); err == nil {
			t.Errorf("SplitBaseURL(%q) = %q, want an error", raw, base)
		}
	}
}

func TestRemoteURLAllowed(t *testing.T) {
	for u, want := range map[string]bool{
		"https://github.com/org/svc.git": true, "ssh://git@example.com/svc.git": true, "git@github.com:org/svc.git": true,
		"file:///srv/svc.git": true, "../svc": true, "/srv/git/svc.git": true, "git://example.com/svc": true,
		"--upload-pack=touch /tmp/pwned": false, "-u evil": false, "ext::sh -c touch% /tmp/pwned": false,
		"fd::17": false, "ftp://example.com/svc": false, "https://x/\nevil": false,
	} {
		if got := remoteURLAllowed(u); got != want {
			t.Errorf("remoteURLAllowed(%q) = %v, want %v", u, got, want)
		}
	}
}
