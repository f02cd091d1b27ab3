package gitlink

import (
	"net/url"
	"strings"
)

// Host kinds.
const (
	HostGitHub    = "github"
	HostGitLab    = "gitlab"
	HostBitbucket = "bitbucket"
	HostGitea     = "gitea" // Gitea and Forgejo (e.g. codeberg.org)
	HostAzure     = "azure" // Azure DevOps
)

// Web is the web UI of a repository: its kind and its base URL
// (https://github.com/org/repo, no trailing slash, no .git).
type Web struct {
	Kind string
	Base string
}

// WebFromRemote derives the web UI from a git remote URL. It accepts the
// URL forms (https://, http://, ssh://, git://, git+ssh://) and the
// scp-like form ([user@]host:path) and drops any credentials.
//
// The kind comes from the host: github.com; hosts containing "gitlab";
// bitbucket.org; codeberg.org and hosts containing "gitea" or "forgejo";
// dev.azure.com, ssh.dev.azure.com and *.visualstudio.com, as well as any
// repository path with a "_git" segment (Azure DevOps Server). Other hosts
// are assumed to follow the GitHub layout (GitHub Enterprise).
//
// The base is https://host/path, except that an http:// remote keeps http,
// and an http(s) remote keeps its (non-default) port because the web UI is
// served there too; ssh and git ports are dropped. Azure DevOps remotes of
// every form give https://dev.azure.com/org/project/_git/repo.
//
// ok is false when no web UI can be derived: empty, local paths, file://
// and other schemes, or remotes without a repository path.
func WebFromRemote(remote string) (Web, bool) {
	r := strings.TrimSpace(remote)
	if r == "" {
		return Web{}, false
	}
	var scheme, host, port, rawPath string
	if strings.Contains(r, "://") {
		u, err := url.Parse(r)
		if err != nil {
			return Web{}, false
		}
		switch u.Scheme {
		case "http", "https":
			scheme = u.Scheme
			port = u.Port()
			if (scheme == "https" && port == "443") || (scheme == "http" && port == "80") {
				port = ""
			}
		case "ssh", "git", "git+ssh", "ssh+git":
			scheme = "https"
		default: // file:// and anything else has no web UI
			return Web{}, false
		}
		host = u.Hostname()
		rawPath = u.Path // already unescaped
	} else {
		var ok bool
		host, rawPath, ok = splitSCP(r)
		if !ok {
			return Web{}, false
		}
		if p, err := url.PathUnescape(rawPath); err == nil {
			rawPath = p
		}
		scheme = "https"
	}
	host = strings.ToLower(host)
	if host == "" {
		return Web{}, false
	}
	segs := splitPath(rawPath)
	if n := len(segs); n > 0 {
		segs[n-1] = strings.TrimSuffix(segs[n-1], ".git")
		if segs[n-1] == "" {
			segs = segs[:n-1]
		}
	}
	if len(segs) == 0 {
		return Web{}, false
	}

	switch {
	case host == "ssh.dev.azure.com" || host == "vs-ssh.visualstudio.com":
		// v3/org/project/repo
		if len(segs) != 4 || !strings.EqualFold(segs[0], "v3") {
			return Web{}, false
		}
		segs = []string{segs[1], segs[2], "_git", segs[3]}
		host, scheme, port = "dev.azure.com", "https", ""
	case strings.HasSuffix(host, ".visualstudio.com"):
		// org.visualstudio.com/[DefaultCollection/]project/_git/repo
		org := strings.TrimSuffix(host, ".visualstudio.com")
		if strings.EqualFold(segs[0], "DefaultCollection") {
			segs = segs[1:]
		}
		segs = append([]string{org}, segs...)
		host, scheme, port = "dev.azure.com", "https", ""
	}
	kind := kindOf(host, segs)
	if kind == HostAzure {
		segs = dropAzureCloneVariant(segs)
	}

	hostport := host
	if strings.Contains(host, ":") { // IPv6 literal
		hostport = "[" + host + "]"
	}
	if port != "" {
		hostport += ":" + port
	}
	return Web{Kind: kind, Base: scheme + "://" + hostport + "/" + escapeSegments(segs)}, true
}

// WebFromBase takes a configured web URL (e.g.
// https://gitlab.example.com/group/repo) and guesses its kind from the host
// the same way as WebFromRemote. It trims trailing slashes and a .git
// suffix, drops credentials, and adds https:// when no scheme is given. An
// empty base gives the zero Web.
func WebFromBase(base string) Web {
	b := strings.TrimSpace(base)
	if b == "" {
		return Web{}
	}
	if !strings.Contains(b, "://") {
		b = "https://" + b
	}
	var host string
	var segs []string
	if u, err := url.Parse(b); err == nil {
		if u.User != nil {
			u.User = nil
			b = u.String()
		}
		host = strings.ToLower(u.Hostname())
		segs = splitPath(u.Path)
	}
	b = strings.TrimRight(b, "/")
	b = strings.TrimSuffix(b, ".git")
	b = strings.TrimRight(b, "/")
	return Web{Kind: kindOf(host, segs), Base: b}
}

// Commit returns the page of a commit, or "" for a zero Web or empty sha.
func (w Web) Commit(sha string) string {
	if w.Base == "" || sha == "" {
		return ""
	}
	s := url.PathEscape(sha)
	switch w.Kind {
	case HostGitLab:
		return w.Base + "/-/commit/" + s
	case HostBitbucket:
		return w.Base + "/commits/" + s
	default: // GitHub, Gitea, Azure DevOps
		return w.Base + "/commit/" + s
	}
}

// File returns the page of a file at a revision (a sha or branch), or ""
// for a zero Web, an empty rev or an empty path.
func (w Web) File(rev, path string) string {
	return w.filePage(rev, path, false)
}

// History returns the page listing the commits that changed a file, or ""
// for a zero Web, an empty rev or an empty path.
func (w Web) History(rev, path string) string {
	return w.filePage(rev, path, true)
}

// Edit returns the page that edits a file on a branch, or "" for a zero
// Web, an empty branch or path, a commit sha (only a branch can take an
// edit), or a web UI without such a page (Azure DevOps).
func (w Web) Edit(branch, path string) string {
	path = strings.TrimLeft(path, "/")
	if w.Base == "" || branch == "" || path == "" || isHexSHA(branch) {
		return ""
	}
	b, p := escapePath(branch), escapePath(path)
	switch w.Kind {
	case HostGitLab:
		return w.Base + "/-/edit/" + b + "/" + p
	case HostBitbucket:
		return w.Base + "/src/" + b + "/" + p + "?mode=edit"
	case HostGitea:
		return w.Base + "/_edit/" + b + "/" + p
	case HostAzure:
		return ""
	default: // GitHub and GitHub-like
		return w.Base + "/edit/" + b + "/" + p
	}
}

func (w Web) filePage(rev, path string, history bool) string {
	path = strings.TrimLeft(path, "/")
	if w.Base == "" || rev == "" || path == "" {
		return ""
	}
	r, p := escapePath(rev), escapePath(path)
	switch w.Kind {
	case HostGitLab:
		if history {
			return w.Base + "/-/commits/" + r + "/" + p
		}
		return w.Base + "/-/blob/" + r + "/" + p
	case HostBitbucket:
		if history {
			return w.Base + "/history-node/" + r + "/" + p
		}
		return w.Base + "/src/" + r + "/" + p
	case HostGitea:
		ref := "branch/"
		if isHexSHA(rev) {
			ref = "commit/"
		}
		if history {
			return w.Base + "/commits/" + ref + r + "/" + p
		}
		return w.Base + "/src/" + ref + r + "/" + p
	case HostAzure:
		version := "GB" + queryEscape(rev)
		if isHexSHA(rev) {
			version = "GC" + queryEscape(rev)
		}
		u := w.Base + "?path=" + queryEscape("/"+path) + "&version=" + version
		if history {
			u += "&_a=history"
		}
		return u
	default: // GitHub and GitHub-like
		if history {
			return w.Base + "/commits/" + r + "/" + p
		}
		return w.Base + "/blob/" + r + "/" + p
	}
}

// kindOf guesses the kind of web UI from a lower-case host name and the
// repository path segments.
func kindOf(host string, segs []string) string {
	switch {
	case host == "github.com" || host == "www.github.com":
		return HostGitHub
	case host == "dev.azure.com" || host == "ssh.dev.azure.com" || strings.HasSuffix(host, ".visualstudio.com"):
		return HostAzure
	case strings.Contains(host, "gitlab"):
		return HostGitLab
	case host == "bitbucket.org" || host == "www.bitbucket.org":
		return HostBitbucket
	case host == "codeberg.org" || strings.Contains(host, "gitea") || strings.Contains(host, "forgejo"):
		return HostGitea
	}
	for _, s := range segs {
		if s == "_git" { // Azure DevOps Server / TFS
			return HostAzure
		}
	}
	return HostGitHub
}

// splitSCP splits an scp-like remote, [user@]host:path, as git does: it is
// one only when a colon comes before any slash. Local paths (absolute,
// relative, ~, Windows drive letters) and file: give ok=false.
func splitSCP(r string) (host, path string, ok bool) {
	if strings.HasPrefix(r, "/") || strings.HasPrefix(r, ".") || strings.HasPrefix(r, "~") ||
		strings.HasPrefix(r, `\`) || strings.HasPrefix(strings.ToLower(r), "file:") {
		return "", "", false
	}
	// [user@][ipv6]:path
	if i := strings.Index(r, "["); i >= 0 && (i == 0 || r[i-1] == '@') && !strings.Contains(r[:i], "/") {
		j := strings.Index(r[i:], "]:")
		if j < 0 {
			return "", "", false
		}
		return r[i+1 : i+j], r[i+j+2:], true
	}
	colon := strings.Index(r, ":")
	if colon < 0 {
		return "", "", false
	}
	if slash := strings.IndexAny(r, `/\`); slash >= 0 && slash < colon {
		return "", "", false
	}
	host = r[:colon]
	if at := strings.LastIndex(host, "@"); at >= 0 {
		host = host[at+1:]
	}
	if len(host) <= 1 { // "C:\repo", "C:/repo", ":path"
		return "", "", false
	}
	return host, r[colon+1:], true
}

// splitPath splits an unescaped URL path into its non-empty segments.
func splitPath(p string) []string {
	var segs []string
	for _, s := range strings.Split(p, "/") {
		if s != "" {
			segs = append(segs, s)
		}
	}
	return segs
}

// dropAzureCloneVariant removes the _optimized and _full segments that
// Azure DevOps accepts after _git in clone URLs but not in web pages.
func dropAzureCloneVariant(segs []string) []string {
	for i := 0; i+2 < len(segs); i++ {
		if segs[i] == "_git" && (segs[i+1] == "_optimized" || segs[i+1] == "_full") {
			return append(segs[:i+1:i+1], segs[i+2:]...)
		}
	}
	return segs
}

func escapeSegments(segs []string) string {
	esc := make([]string, len(segs))
	for i, s := range segs {
		esc[i] = url.PathEscape(s)
	}
	return strings.Join(esc, "/")
}

// escapePath escapes each segment of a slash-separated path, keeping the
// slashes.
func escapePath(p string) string {
	return escapeSegments(strings.Split(p, "/"))
}

// queryEscape escapes a query value like url.QueryEscape, but writes spaces
// as %20 and keeps slashes readable.
func queryEscape(s string) string {
	e := url.QueryEscape(s)
	e = strings.ReplaceAll(e, "+", "%20") // a literal + is already %2B
	return strings.ReplaceAll(e, "%2F", "/")
}

// isHexSHA reports whether rev looks like an abbreviated or full commit
// hash: 7 to 40 hex digits, or 64 (SHA-256 repositories).
func isHexSHA(rev string) bool {
	if n := len(rev); (n < 7 || n > 40) && n != 64 {
		return false
	}
	for i := 0; i < len(rev); i++ {
		c := rev[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}
