package gitlink

import (
	"net/url"
	"testing"
)

func TestWebFromRemote(t *testing.T) {
	tests := []struct {
		remote string
		want   Web
	}{
		// GitHub
		{"git@github.com:org/repo.git", Web{HostGitHub, "https://github.com/org/repo"}},
		{"git@github.com:org/repo", Web{HostGitHub, "https://github.com/org/repo"}},
		{"github.com:org/repo.git", Web{HostGitHub, "https://github.com/org/repo"}},
		{"ssh://git@github.com/org/repo.git", Web{HostGitHub, "https://github.com/org/repo"}},
		{"git+ssh://git@github.com/org/repo.git", Web{HostGitHub, "https://github.com/org/repo"}},
		{"git://github.com/org/repo.git", Web{HostGitHub, "https://github.com/org/repo"}},
		{"https://github.com/org/repo", Web{HostGitHub, "https://github.com/org/repo"}},
		{"https://github.com/org/repo.git", Web{HostGitHub, "https://github.com/org/repo"}},
		{"https://github.com/org/repo/", Web{HostGitHub, "https://github.com/org/repo"}},
		{"https://github.com/org/repo.git/", Web{HostGitHub, "https://github.com/org/repo"}},
		{"  https://github.com/org/repo.git\n", Web{HostGitHub, "https://github.com/org/repo"}},
		{"https://user:token@github.com/org/repo.git", Web{HostGitHub, "https://github.com/org/repo"}},
		{"https://x-access-token:ghp_secret@github.com/org/repo", Web{HostGitHub, "https://github.com/org/repo"}},
		{"https://github.com:443/org/repo.git", Web{HostGitHub, "https://github.com/org/repo"}},
		{"git@GitHub.COM:Org/Repo.git", Web{HostGitHub, "https://github.com/Org/Repo"}},
		{"HTTPS://GITHUB.COM/Org/Repo.git", Web{HostGitHub, "https://github.com/Org/Repo"}},
		{"git@github.com:org/my.repo.git", Web{HostGitHub, "https://github.com/org/my.repo"}},

		// GitLab
		{"git@gitlab.com:group/repo.git", Web{HostGitLab, "https://gitlab.com/group/repo"}},
		{"git@gitlab.com:group/sub/repo.git", Web{HostGitLab, "https://gitlab.com/group/sub/repo"}},
		{"https://gitlab.com/group/sub/subsub/repo.git", Web{HostGitLab, "https://gitlab.com/group/sub/subsub/repo"}},
		{"https://oauth2:glpat-secret@gitlab.com/group/sub/repo.git", Web{HostGitLab, "https://gitlab.com/group/sub/repo"}},
		{"https://gitlab.example.com/group/repo.git", Web{HostGitLab, "https://gitlab.example.com/group/repo"}},
		{"https://GitLab.Example.com/Group/Repo.git/", Web{HostGitLab, "https://gitlab.example.com/Group/Repo"}},
		{"git@gitlab.example.com:group/repo.git", Web{HostGitLab, "https://gitlab.example.com/group/repo"}},
		{"ssh://git@gitlab.example.com:2222/group/sub/repo.git", Web{HostGitLab, "https://gitlab.example.com/group/sub/repo"}},
		{"https://gitlab.example.com:8443/group/repo.git", Web{HostGitLab, "https://gitlab.example.com:8443/group/repo"}},
		{"http://gitlab.internal/group/repo.git", Web{HostGitLab, "http://gitlab.internal/group/repo"}},
		{"http://gitlab.internal:80/group/repo.git", Web{HostGitLab, "http://gitlab.internal/group/repo"}},

		// Bitbucket Cloud
		{"git@bitbucket.org:team/repo.git", Web{HostBitbucket, "https://bitbucket.org/team/repo"}},
		{"https://team@bitbucket.org/team/repo.git", Web{HostBitbucket, "https://bitbucket.org/team/repo"}},
		{"https://user:app-password@bitbucket.org/team/repo.git", Web{HostBitbucket, "https://bitbucket.org/team/repo"}},
		{"ssh://git@bitbucket.org/team/repo.git", Web{HostBitbucket, "https://bitbucket.org/team/repo"}},

		// Gitea / Forgejo
		{"https://codeberg.org/org/repo.git", Web{HostGitea, "https://codeberg.org/org/repo"}},
		{"git@codeberg.org:org/repo.git", Web{HostGitea, "https://codeberg.org/org/repo"}},
		{"https://gitea.example.com/org/repo.git", Web{HostGitea, "https://gitea.example.com/org/repo"}},
		{"ssh://git@gitea.example.com:2222/org/repo.git", Web{HostGitea, "https://gitea.example.com/org/repo"}},
		{"https://forgejo.example.org/org/repo", Web{HostGitea, "https://forgejo.example.org/org/repo"}},
		{"git@git.forgejo.dev:org/repo.git", Web{HostGitea, "https://git.forgejo.dev/org/repo"}},

		// Azure DevOps
		{"https://dev.azure.com/org/project/_git/repo", Web{HostAzure, "https://dev.azure.com/org/project/_git/repo"}},
		{"https://org@dev.azure.com/org/project/_git/repo", Web{HostAzure, "https://dev.azure.com/org/project/_git/repo"}},
		{"https://org:pat@dev.azure.com/org/project/_git/repo", Web{HostAzure, "https://dev.azure.com/org/project/_git/repo"}},
		{"https://dev.azure.com/org/My%20Project/_git/My%20Repo", Web{HostAzure, "https://dev.azure.com/org/My%20Project/_git/My%20Repo"}},
		{"https://dev.azure.com/org/project/_git/_optimized/repo", Web{HostAzure, "https://dev.azure.com/org/project/_git/repo"}},
		{"git@ssh.dev.azure.com:v3/org/project/repo", Web{HostAzure, "https://dev.azure.com/org/project/_git/repo"}},
		{"git@ssh.dev.azure.com:v3/org/My%20Project/repo", Web{HostAzure, "https://dev.azure.com/org/My%20Project/_git/repo"}},
		{"ssh://git@ssh.dev.azure.com/v3/org/project/repo", Web{HostAzure, "https://dev.azure.com/org/project/_git/repo"}},
		{"ssh://git@ssh.dev.azure.com:22/v3/org/project/repo", Web{HostAzure, "https://dev.azure.com/org/project/_git/repo"}},
		{"org@vs-ssh.visualstudio.com:v3/org/project/repo", Web{HostAzure, "https://dev.azure.com/org/project/_git/repo"}},
		{"https://org.visualstudio.com/project/_git/repo", Web{HostAzure, "https://dev.azure.com/org/project/_git/repo"}},
		{"https://Org.VisualStudio.com/DefaultCollection/project/_git/repo", Web{HostAzure, "https://dev.azure.com/org/project/_git/repo"}},
		{"https://user@org.visualstudio.com/project/_git/repo", Web{HostAzure, "https://dev.azure.com/org/project/_git/repo"}},
		// Azure DevOps Server (on premises): recognised by its _git segment.
		{"https://tfs.example.com/tfs/DefaultCollection/Project/_git/repo", Web{HostAzure, "https://tfs.example.com/tfs/DefaultCollection/Project/_git/repo"}},

		// Unknown hosts: GitHub layout (GitHub Enterprise).
		{"git@git.example.com:org/repo.git", Web{HostGitHub, "https://git.example.com/org/repo"}},
		{"https://github.example.com/org/repo.git", Web{HostGitHub, "https://github.example.com/org/repo"}},
		{"ssh://git@git.example.com:2222/org/repo.git", Web{HostGitHub, "https://git.example.com/org/repo"}},
		{"ssh://git@git.example.com:2222/org/repo.git/", Web{HostGitHub, "https://git.example.com/org/repo"}},
		{"git@[2001:db8::1]:org/repo.git", Web{HostGitHub, "https://[2001:db8::1]/org/repo"}},
		{"ssh://git@[2001:db8::1]:2222/org/repo.git", Web{HostGitHub, "https://[2001:db8::1]/org/repo"}},

		// Escaping of unusual repository names.
		{"https://git.example.com/org/repo%20name.git", Web{HostGitHub, "https://git.example.com/org/repo%20name"}},
	}
	for _, tt := range tests {
		got, ok := WebFromRemote(tt.remote)
		if !ok || got != tt.want {
			t.Errorf("WebFromRemote(%q) = %+v, %v; want %+v, true", tt.remote, got, ok, tt.want)
		}
	}
}

func TestWebFromRemoteNoWeb(t *testing.T) {
	for _, remote := range []string{
		"",
		"   ",
		"/srv/git/repo.git",
		"/srv/git/repo:with-colon.git",
		"./repo",
		"../repo.git",
		"~/src/repo.git",
		"repo",
		"repo.git",
		"sub/dir:name",
		`C:\src\repo.git`,
		"C:/src/repo.git",
		`\\server\share\repo.git`,
		"file:///srv/git/repo.git",
		"FILE:///srv/git/repo.git",
		"file:/srv/git/repo.git",
		"ftp://example.com/org/repo.git",
		"https://github.com",
		"https://github.com/",
		"https://github.com/.git",
		"git@github.com:",
		"git@ssh.dev.azure.com:v3/org/project",
		"https://",
		"https://%zz/org/repo",
	} {
		if got, ok := WebFromRemote(remote); ok {
			t.Errorf("WebFromRemote(%q) = %+v, true; want false", remote, got)
		}
	}
}

func TestWebFromBase(t *testing.T) {
	tests := []struct {
		base string
		want Web
	}{
		{"", Web{}},
		{"  ", Web{}},
		{"https://github.com/org/repo", Web{HostGitHub, "https://github.com/org/repo"}},
		{"https://github.com/org/repo/", Web{HostGitHub, "https://github.com/org/repo"}},
		{"https://github.com/org/repo.git", Web{HostGitHub, "https://github.com/org/repo"}},
		{"https://github.com/org/repo.git/", Web{HostGitHub, "https://github.com/org/repo"}},
		{"github.com/org/repo", Web{HostGitHub, "https://github.com/org/repo"}},
		{"https://user:token@github.com/org/repo", Web{HostGitHub, "https://github.com/org/repo"}},
		{"https://gitlab.example.com/group/repo", Web{HostGitLab, "https://gitlab.example.com/group/repo"}},
		{"https://GitLab.Example.com/group/sub/repo//", Web{HostGitLab, "https://GitLab.Example.com/group/sub/repo"}},
		{"http://gitlab.internal:8080/group/repo", Web{HostGitLab, "http://gitlab.internal:8080/group/repo"}},
		{"https://bitbucket.org/team/repo", Web{HostBitbucket, "https://bitbucket.org/team/repo"}},
		{"https://codeberg.org/org/repo", Web{HostGitea, "https://codeberg.org/org/repo"}},
		{"https://gitea.example.com/org/repo", Web{HostGitea, "https://gitea.example.com/org/repo"}},
		{"https://code.forgejo.example/org/repo", Web{HostGitea, "https://code.forgejo.example/org/repo"}},
		{"https://dev.azure.com/org/project/_git/repo", Web{HostAzure, "https://dev.azure.com/org/project/_git/repo"}},
		{"https://org.visualstudio.com/project/_git/repo", Web{HostAzure, "https://org.visualstudio.com/project/_git/repo"}},
		{"https://tfs.example.com/tfs/Coll/Project/_git/repo", Web{HostAzure, "https://tfs.example.com/tfs/Coll/Project/_git/repo"}},
		{"https://git.example.com/org/repo", Web{HostGitHub, "https://git.example.com/org/repo"}},
	}
	for _, tt := range tests {
		if got := WebFromBase(tt.base); got != tt.want {
			t.Errorf("WebFromBase(%q) = %+v; want %+v", tt.base, got, tt.want)
		}
	}
}

const (
	testSHA   = "0123456789abcdef0123456789abcdef01234567"
	testShort = "a1b2c3d"
	testPath  = "postmortems/2019 outage #1.md"
	escPath   = "postmortems/2019%20outage%20%231.md"
)

func TestWebURLs(t *testing.T) {
	gh := Web{HostGitHub, "https://github.com/org/repo"}
	gl := Web{HostGitLab, "https://gitlab.com/group/sub/repo"}
	bb := Web{HostBitbucket, "https://bitbucket.org/team/repo"}
	gt := Web{HostGitea, "https://codeberg.org/org/repo"}
	az := Web{HostAzure, "https://dev.azure.com/org/project/_git/repo"}
	unknown := Web{"", "https://git.example.com/org/repo"}

	tests := []struct {
		name string
		got  string
		want string
	}{
		// GitHub
		{"github commit", gh.Commit(testSHA), "https://github.com/org/repo/commit/" + testSHA},
		{"github file sha", gh.File(testSHA, testPath), "https://github.com/org/repo/blob/" + testSHA + "/" + escPath},
		{"github file branch", gh.File("main", "README.md"), "https://github.com/org/repo/blob/main/README.md"},
		{"github file slash branch", gh.File("release/v1", "a/b.md"), "https://github.com/org/repo/blob/release/v1/a/b.md"},
		{"github history", gh.History("main", testPath), "https://github.com/org/repo/commits/main/" + escPath},
		{"github history sha", gh.History(testShort, "a.md"), "https://github.com/org/repo/commits/" + testShort + "/a.md"},

		// GitLab
		{"gitlab commit", gl.Commit(testSHA), "https://gitlab.com/group/sub/repo/-/commit/" + testSHA},
		{"gitlab file", gl.File(testSHA, testPath), "https://gitlab.com/group/sub/repo/-/blob/" + testSHA + "/" + escPath},
		{"gitlab file branch", gl.File("main", "README.md"), "https://gitlab.com/group/sub/repo/-/blob/main/README.md"},
		{"gitlab history", gl.History("main", testPath), "https://gitlab.com/group/sub/repo/-/commits/main/" + escPath},

		// Bitbucket Cloud
		{"bitbucket commit", bb.Commit(testSHA), "https://bitbucket.org/team/repo/commits/" + testSHA},
		{"bitbucket file", bb.File(testSHA, testPath), "https://bitbucket.org/team/repo/src/" + testSHA + "/" + escPath},
		{"bitbucket file branch", bb.File("main", "README.md"), "https://bitbucket.org/team/repo/src/main/README.md"},
		{"bitbucket history", bb.History(testSHA, testPath), "https://bitbucket.org/team/repo/history-node/" + testSHA + "/" + escPath},

		// Gitea / Forgejo
		{"gitea commit", gt.Commit(testSHA), "https://codeberg.org/org/repo/commit/" + testSHA},
		{"gitea file sha", gt.File(testSHA, testPath), "https://codeberg.org/org/repo/src/commit/" + testSHA + "/" + escPath},
		{"gitea file short sha", gt.File(testShort, "a.md"), "https://codeberg.org/org/repo/src/commit/" + testShort + "/a.md"},
		{"gitea file upper sha", gt.File("A1B2C3D4", "a.md"), "https://codeberg.org/org/repo/src/commit/A1B2C3D4/a.md"},
		{"gitea file branch", gt.File("main", testPath), "https://codeberg.org/org/repo/src/branch/main/" + escPath},
		{"gitea file 6 hex is a branch", gt.File("abcdef", "a.md"), "https://codeberg.org/org/repo/src/branch/abcdef/a.md"},
		{"gitea file 41 hex is a branch", gt.File(testSHA+"0", "a.md"), "https://codeberg.org/org/repo/src/branch/" + testSHA + "0/a.md"},
		{"gitea file slash branch", gt.File("feature/x", "a.md"), "https://codeberg.org/org/repo/src/branch/feature/x/a.md"},
		{"gitea history sha", gt.History(testSHA, testPath), "https://codeberg.org/org/repo/commits/commit/" + testSHA + "/" + escPath},
		{"gitea history branch", gt.History("main", testPath), "https://codeberg.org/org/repo/commits/branch/main/" + escPath},

		// Azure DevOps
		{"azure commit", az.Commit(testSHA), "https://dev.azure.com/org/project/_git/repo/commit/" + testSHA},
		{"azure file sha", az.File(testSHA, testPath), "https://dev.azure.com/org/project/_git/repo?path=/" + escPath + "&version=GC" + testSHA},
		{"azure file branch", az.File("main", "README.md"), "https://dev.azure.com/org/project/_git/repo?path=/README.md&version=GBmain"},
		{"azure file slash branch", az.File("feature/a b", "README.md"), "https://dev.azure.com/org/project/_git/repo?path=/README.md&version=GBfeature/a%20b"},
		{"azure file query chars", az.File("main", "a&b=c+d.md"), "https://dev.azure.com/org/project/_git/repo?path=/a%26b%3Dc%2Bd.md&version=GBmain"},
		{"azure history sha", az.History(testSHA, testPath), "https://dev.azure.com/org/project/_git/repo?path=/" + escPath + "&version=GC" + testSHA + "&_a=history"},
		{"azure history branch", az.History("main", "README.md"), "https://dev.azure.com/org/project/_git/repo?path=/README.md&version=GBmain&_a=history"},

		// An unset kind uses the GitHub layout.
		{"unknown commit", unknown.Commit(testSHA), "https://git.example.com/org/repo/commit/" + testSHA},
		{"unknown file", unknown.File("main", "a.md"), "https://git.example.com/org/repo/blob/main/a.md"},
		{"unknown history", unknown.History("main", "a.md"), "https://git.example.com/org/repo/commits/main/a.md"},

		// Escaping of segments: ?, %, unicode, leading slash.
		{"escape question mark", gh.File("main", "docs/why?.md"), "https://github.com/org/repo/blob/main/docs/why%3F.md"},
		{"escape percent", gh.File("main", "100%.md"), "https://github.com/org/repo/blob/main/100%25.md"},
		{"escape unicode", gl.File("main", "postmortems/été 2019.md"), "https://gitlab.com/group/sub/repo/-/blob/main/postmortems/%C3%A9t%C3%A9%202019.md"},
		{"leading slash", gh.File("main", "/a/b.md"), "https://github.com/org/repo/blob/main/a/b.md"},
		{"azure unicode", az.File("main", "été.md"), "https://dev.azure.com/org/project/_git/repo?path=/%C3%A9t%C3%A9.md&version=GBmain"},

		// Edit pages take a branch.
		{"github edit", gh.Edit("main", testPath), "https://github.com/org/repo/edit/main/" + escPath},
		{"github edit slash branch", gh.Edit("release/v1", "a/b.md"), "https://github.com/org/repo/edit/release/v1/a/b.md"},
		{"gitlab edit", gl.Edit("main", "a.md"), "https://gitlab.com/group/sub/repo/-/edit/main/a.md"},
		{"bitbucket edit", bb.Edit("main", "a.md"), "https://bitbucket.org/team/repo/src/main/a.md?mode=edit"},
		{"gitea edit", gt.Edit("main", testPath), "https://codeberg.org/org/repo/_edit/main/" + escPath},
		{"unknown edit", unknown.Edit("main", "a.md"), "https://git.example.com/org/repo/edit/main/a.md"},
		{"edit escapes", gh.Edit("main", "docs/why?.md"), "https://github.com/org/repo/edit/main/docs/why%3F.md"},
		{"azure has no edit page", az.Edit("main", "a.md"), ""},
		{"edit needs a branch, not a sha", gh.Edit(testSHA, "a.md"), ""},
		{"edit empty branch", gh.Edit("", "a.md"), ""},
		{"edit empty path", gh.Edit("main", ""), ""},

		// Missing input gives "".
		{"empty sha", gh.Commit(""), ""},
		{"empty rev", gh.File("", "a.md"), ""},
		{"empty path", gh.File("main", ""), ""},
		{"empty history path", az.History("main", ""), ""},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s:\n got  %s\n want %s", tt.name, tt.got, tt.want)
		}
	}
}

func TestZeroWeb(t *testing.T) {
	for _, kind := range []string{"", HostGitHub, HostGitLab, HostBitbucket, HostGitea, HostAzure} {
		w := Web{Kind: kind}
		if got := w.Commit(testSHA); got != "" {
			t.Errorf("%q: Commit = %q; want empty", kind, got)
		}
		if got := w.File(testSHA, testPath); got != "" {
			t.Errorf("%q: File = %q; want empty", kind, got)
		}
		if got := w.History(testSHA, testPath); got != "" {
			t.Errorf("%q: History = %q; want empty", kind, got)
		}
	}
}

// TestURLsRoundTrip checks that every generated URL parses and carries the
// file path intact, whatever the kind.
func TestURLsRoundTrip(t *testing.T) {
	for _, kind := range []string{HostGitHub, HostGitLab, HostBitbucket, HostGitea, HostAzure} {
		w := Web{Kind: kind, Base: "https://example.com/org/repo"}
		for _, page := range []string{w.File(testSHA, testPath), w.History("main", testPath)} {
			u, err := url.Parse(page)
			if err != nil {
				t.Errorf("%s: %q does not parse: %v", kind, page, err)
				continue
			}
			if u.Fragment != "" {
				t.Errorf("%s: %q has a fragment %q", kind, page, u.Fragment)
			}
			if kind == HostAzure {
				q := u.Query()
				if got := q.Get("path"); got != "/"+testPath {
					t.Errorf("%s: path query = %q; want %q", kind, got, "/"+testPath)
				}
				continue
			}
			if u.RawQuery != "" {
				t.Errorf("%s: %q has a query %q", kind, page, u.RawQuery)
			}
			if want := "/" + testPath; len(u.Path) < len(want) || u.Path[len(u.Path)-len(want):] != want {
				t.Errorf("%s: decoded path %q does not end in %q", kind, u.Path, want)
			}
		}
	}
}
