package e2e

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/hindsight-dev/hindsight/internal/server"
)

// readmeNginx is the nginx server block of the README, as written there.
func readmeNginx(t *testing.T) string {
	t.Helper()
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile("(?s)```nginx\n(.*?)```").FindSubmatch(readme)
	if m == nil {
		t.Fatal("the README has no nginx block")
	}
	return string(m[1])
}

// TestNginxHosting serves the example site from Debian's nginx with the
// README's server block, under the README's sub-path: pages carry the
// headers serve sends, the build's hidden files are not served, missing
// pages get the 404 page, copied files are sandboxed, and search works
// through the static index.
func TestNginxHosting(t *testing.T) {
	nginx, err := exec.LookPath("nginx")
	if err != nil {
		for _, p := range []string{"/usr/sbin/nginx", "/sbin/nginx"} {
			if _, err := os.Stat(p); err == nil {
				nginx = p
			}
		}
	}
	if nginx == "" {
		t.Skip("no nginx on this machine: apt-get install nginx-light")
	}
	www := t.TempDir()
	site := buildExamples(t, "--base-url", "/postmortems/")
	if err := os.Rename(site, filepath.Join(www, "postmortems")); err != nil {
		t.Fatal(err)
	}
	os.MkdirAll(filepath.Join(www, "postmortems", "files"), 0o755)
	if err := os.WriteFile(filepath.Join(www, "postmortems", "files", "note.txt"), []byte("attached"), 0o644); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	block := readmeNginx(t)
	block = strings.Replace(block, "listen 127.0.0.1:8080;", "listen "+addr+";", 1)
	block = strings.Replace(block, "root /srv/www;", "root "+www+";", 1)
	prefix := t.TempDir()
	user := ""
	if os.Geteuid() == 0 {
		user = "user root;" // the temporary folders are root's alone
	}
	conf := fmt.Sprintf(`%s
daemon off;
worker_processes 1;
pid %[2]s/nginx.pid;
error_log %[2]s/error.log;
events {}
http {
    include /etc/nginx/mime.types;
    access_log off;
    client_body_temp_path %[2]s/body;
    proxy_temp_path %[2]s/proxy;
    fastcgi_temp_path %[2]s/fastcgi;
    uwsgi_temp_path %[2]s/uwsgi;
    scgi_temp_path %[2]s/scgi;
%[3]s
}
`, user, prefix, block)
	confPath := filepath.Join(prefix, "nginx.conf")
	if err := os.WriteFile(confPath, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(nginx, "-p", prefix, "-c", confPath)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// SIGTERM, so that the master stops its worker too (a killed master
	// leaves the worker running).
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			cmd.Process.Kill()
		}
	})
	base := "http://" + addr + "/postmortems/"
	get := func(path string) (*http.Response, string) {
		t.Helper()
		res, err := http.Get(base + path)
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		return res, string(body)
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if res, err := http.Get(base); err == nil {
			res.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			data, _ := os.ReadFile(filepath.Join(prefix, "error.log"))
			t.Fatalf("nginx did not start: %s %s", stderr.String(), data)
		}
	}

	res, body := get("")
	if res.StatusCode != 200 || !strings.Contains(body, `href="/postmortems/postmortems/"`) {
		t.Fatalf("home: %d", res.StatusCode)
	}
	want := map[string]string{
		"Content-Security-Policy": server.CSP, "X-Content-Type-Options": "nosniff",
		"Referrer-Policy": "strict-origin-when-cross-origin", "X-Frame-Options": "DENY",
	}
	for _, p := range []string{"", "search/", "static/style.css", "nope/"} {
		res, _ := get(p)
		for h, v := range want {
			if got := res.Header.Get(h); got != v {
				t.Errorf("GET %s: %s = %q, want %q", p, h, got, v)
			}
		}
	}
	if res, body := get("nope/"); res.StatusCode != 404 || !strings.Contains(body, "<html") {
		t.Errorf("a missing page: %d, want 404 with the 404 page", res.StatusCode)
	}
	for _, p := range []string{".hindsight-site", ".index/", ".index/hashes.json", "static/../.hindsight-site"} {
		if res, body := get(p); res.StatusCode != 404 || strings.Contains(body, "hindsight build") {
			t.Errorf("GET %s: %d, want 404", p, res.StatusCode)
		}
	}
	if res, _ := get("files/note.txt"); res.StatusCode != 200 || res.Header.Get("Content-Security-Policy") != server.FilesCSP {
		t.Errorf("a copied file: %d with policy %q, want 200 with %q", res.StatusCode, res.Header.Get("Content-Security-Policy"), server.FilesCSP)
	}

	// Search through nginx: no API there, so the static index answers.
	browser(t)
	s := newSession(t)
	s.do(t, chromedp.Navigate(base+"search/?q=certificate"), chromedp.WaitVisible(`#search-hits li`))
	if hits := eval[int](t, s, `document.querySelectorAll('#search-hits li').length`); hits < 2 {
		t.Errorf("%d hits for 'certificate' through nginx", hits)
	}
	if href := eval[string](t, s, `document.querySelector('#search-hits li a').getAttribute('href')`); !strings.HasPrefix(href, "/postmortems/") {
		t.Errorf("a hit links to %q, outside the sub-path", href)
	}
	s.noErrors(t, "search through nginx")
}
