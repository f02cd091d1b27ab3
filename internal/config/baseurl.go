package config

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
)

// basePathPart is one segment of a base URL's path: the characters a URL
// path segment may hold unescaped that mean nothing in HTML or a script
// either, and percent escapes. Anything else (quotes, angle brackets,
// spaces) would have to be escaped wherever the path is written, and a
// base URL never needs it.
var basePathPart = regexp.MustCompile(`^(?:[A-Za-z0-9._~-]|%[0-9A-Fa-f]{2})+$`)

// SplitBaseURL splits a base URL (an absolute http(s) URL, or just an
// absolute path) into the path every site URL starts with ("/", "/pm/")
// and the absolute URL, "" when it has no host. Anything else is an error
// that says what a base URL may be.
func SplitBaseURL(raw string) (base, absolute string, err error) {
	if raw == "" {
		return "/", "", nil
	}
	bad := func(why string) (string, string, error) {
		return "", "", fmt.Errorf("base URL %q is not an http(s) URL or an absolute path (%s), as in https://example.com/postmortems/ or /postmortems/", raw, why)
	}
	u, err := url.Parse(raw)
	switch {
	case err != nil:
		return bad("it does not parse")
	case u.Scheme != "" && u.Scheme != "http" && u.Scheme != "https":
		return bad("scheme " + u.Scheme)
	case u.Scheme != "" && u.Host == "":
		return bad("no host")
	case u.Scheme == "" && (u.Host != "" || !strings.HasPrefix(raw, "/")):
		return bad("a path must start with one /")
	case u.User != nil || u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || u.Opaque != "":
		return bad("no user, query or fragment")
	case strings.ContainsFunc(raw, func(r rune) bool { return r <= ' ' || r == 0x7f || strings.ContainsRune("\"'<>\\`{}|^", r) }):
		return bad("spaces, quotes, angle brackets and backslashes have no place in it")
	}
	raw = strings.Trim(u.EscapedPath(), "/")
	for part := range strings.SplitSeq(raw, "/") {
		if raw == "" {
			break
		}
		if part == "." || part == ".." || !basePathPart.MatchString(part) {
			return bad(fmt.Sprintf("path segment %q", part))
		}
	}
	base = "/" + raw + "/"
	if base == "//" {
		base = "/"
	}
	if u.Host == "" {
		return base, "", nil
	}
	return base, u.Scheme + "://" + u.Host + base, nil
}
