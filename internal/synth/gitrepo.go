package synth

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// RepoOptions shape a generated git history.
type RepoOptions struct {
	// Commits is how many commits to make on main, oldest first.
	Commits int
	// Postmortems is how many of those commits add a postmortem file under
	// postmortems/ (spread evenly); the others change code under src/.
	Postmortems int
	// Start is the time of the first commit; one follows every Every (a
	// minute when zero).
	Start time.Time
	Every time.Duration
}

// WriteRepo makes a git repository in dir with the git binary's
// fast-import, which writes tens of thousands of commits in about a second,
// and returns the commits' full shas, oldest first.
func WriteRepo(dir string, opts RepoOptions) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	git := func(stdin []byte, args ...string) error {
		cmd := exec.Command("git", args...)
		cmd.Dir = dir
		cmd.Stdin = bytes.NewReader(stdin)
		cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "HOME="+dir)
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("git %s: %v: %s", args[0], err, out)
		}
		return nil
	}
	if err := git(nil, "init", "-q", "-b", "main"); err != nil {
		return nil, err
	}
	var stream bytes.Buffer
	every := 0
	if opts.Postmortems > 0 {
		every = max(opts.Commits/opts.Postmortems, 1)
	}
	added := 0
	step := opts.Every
	if step <= 0 {
		step = time.Minute
	}
	for i := range opts.Commits {
		when := opts.Start.Add(time.Duration(i) * step).Unix()
		author := fmt.Sprintf("Engineer %d <eng%d@example.com> %d +0000", i%37, i%37, when)
		var path, content, msg string
		if every > 0 && i%every == 0 && added < opts.Postmortems {
			path = fmt.Sprintf("postmortems/incident-%05d.md", added)
			content = fmt.Sprintf("---\ntitle: Incident %d\n---\n", added)
			msg = fmt.Sprintf("Add postmortem %d", added)
			added++
		} else {
			path = fmt.Sprintf("src/svc%02d/file%03d.go", i%50, i%997)
			content = fmt.Sprintf("package svc\n\n// revision %d\n", i)
			msg = fmt.Sprintf("Change service %d", i%50)
		}
		fmt.Fprintf(&stream, "commit refs/heads/main\nmark :%d\nauthor %s\ncommitter %s\ndata %d\n%s\n", i+1, author, author, len(msg), msg)
		if i > 0 {
			fmt.Fprintf(&stream, "from :%d\n", i)
		}
		fmt.Fprintf(&stream, "M 100644 inline %s\ndata %d\n%s\n", path, len(content), content)
	}
	marks := filepath.Join(dir, ".git", "hindsight-marks")
	if err := git(stream.Bytes(), "fast-import", "--quiet", "--export-marks="+marks); err != nil {
		return nil, err
	}
	if err := git(nil, "checkout", "-q", "-f", "main"); err != nil {
		return nil, err
	}
	f, err := os.Open(marks)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	shas := make([]string, opts.Commits)
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var mark int
		var sha string
		if _, err := fmt.Sscanf(strings.TrimPrefix(sc.Text(), ":"), "%d %s", &mark, &sha); err == nil && mark >= 1 && mark <= opts.Commits {
			shas[mark-1] = sha
		}
	}
	return shas, sc.Err()
}
