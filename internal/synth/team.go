package synth

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"time"
)

// TeamOptions shape a repository set like a real team's.
type TeamOptions struct {
	// Postmortems is how many postmortems the docs repository holds.
	Postmortems int
	// Commits is the length of the service repository's history.
	Commits int
	// Batches is how many commits add the postmortems to the docs
	// repository, so that their folder has a history of its own.
	Batches int
}

// WriteTeam writes, under dir, what a team's repositories look like: a
// service repository (svc) with a long history packed as `git gc` leaves
// it, and a docs repository (docs) whose postmortems, added over Batches
// commits, each name a trigger and a fix commit of the service by short
// sha. It returns the docs repository's folder.
func WriteTeam(dir string, opts TeamOptions) (string, error) {
	svc, docs := filepath.Join(dir, "svc"), filepath.Join(dir, "docs")
	// The service's history runs alongside the incidents (see
	// Options.Commits): two commits for each.
	shas, err := WriteRepo(svc, RepoOptions{Commits: opts.Commits, Start: FirstIncident.Add(-time.Hour), Every: IncidentEvery / 2})
	if err != nil {
		return "", err
	}
	run := func(dir string, args ...string) error {
		// No automatic gc: one started in the background by a commit
		// would make the final gc fail as already running.
		cmd := exec.Command("git", append([]string{"-c", "gc.auto=0", "-c", "maintenance.auto=false"}, args...)...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "HOME="+dir,
			"GIT_AUTHOR_NAME=Writer", "GIT_AUTHOR_EMAIL=writer@example.com", "GIT_COMMITTER_NAME=Writer", "GIT_COMMITTER_EMAIL=writer@example.com")
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("git %s: %v: %s", args[0], err, out)
		}
		return nil
	}
	if err := run(svc, "gc", "-q", "--aggressive"); err != nil {
		return "", err
	}
	content := filepath.Join(docs, "postmortems")
	if _, err := Write(content, Options{N: opts.Postmortems, Seed: 1, Commits: shas, Repo: "svc"}); err != nil {
		return "", err
	}
	cfg := fmt.Sprintf("title: Team postmortems\nrepos:\n  svc:\n    path: %s\n", svc)
	if err := os.WriteFile(filepath.Join(docs, "hindsight.yaml"), []byte(cfg), 0o644); err != nil {
		return "", err
	}
	if err := run(docs, "init", "-q", "-b", "main"); err != nil {
		return "", err
	}
	// Commit the files in batches, oldest first, for the folder's history.
	entries, err := os.ReadDir(content)
	if err != nil {
		return "", err
	}
	batches := max(opts.Batches, 1)
	per := (len(entries) + batches - 1) / batches
	for start := 0; start < len(entries); start += per {
		args := []string{"add", "--"}
		for _, e := range entries[start:min(start+per, len(entries))] {
			args = append(args, filepath.Join("postmortems", e.Name()))
		}
		if err := run(docs, args...); err != nil {
			return "", err
		}
		if err := run(docs, "commit", "-q", "-m", fmt.Sprintf("Add postmortems %d to %d", start, min(start+per, len(entries))-1)); err != nil {
			return "", err
		}
	}
	if err := run(docs, "add", "hindsight.yaml"); err != nil {
		return "", err
	}
	if err := run(docs, "commit", "-q", "-m", "Configure"); err != nil {
		return "", err
	}
	return docs, run(docs, "gc", "-q")
}
