package gitlink

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/hindsight-dev/hindsight/internal/postmortem"
	"github.com/hindsight-dev/hindsight/internal/synth"
)

// BenchmarkGit measures git verification on generated repositories of
// 20,000 commits holding 10,000 postmortems: resolving, ordering and
// listing the changed files of 20,000 commit refs (a trigger and a fix for
// each postmortem, shas shortened to 10 characters) with an empty commit
// cache and with the one a previous run left, and the one-pass history of
// the postmortems folder.
func BenchmarkGit(b *testing.B) {
	if _, err := exec.LookPath("git"); err != nil {
		b.Skip("git not installed")
	}
	const commits, pms = 20000, 10000
	dir := b.TempDir()
	start := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	shas, err := synth.WriteRepo(dir, synth.RepoOptions{Commits: commits, Postmortems: pms, Start: start})
	if err != nil {
		b.Fatal(err)
	}
	corpus := refCorpus(shas, pms, start)

	// The corpus of a team: the commits live in a service repository of
	// their own, packed as git gc leaves it.
	svc := b.TempDir()
	svcShas, err := synth.WriteRepo(svc, synth.RepoOptions{Commits: commits, Start: start})
	if err != nil {
		b.Fatal(err)
	}
	gc := exec.Command("git", "gc", "-q", "--aggressive")
	gc.Dir = svc
	if out, err := gc.CombinedOutput(); err != nil {
		b.Fatalf("git gc: %v %s", err, out)
	}
	svcCorpus := refCorpus(svcShas, pms, start)
	benchLink(b, "link-service-20000-refs", svc, svcCorpus, func(pm *postmortem.Postmortem) bool {
		return pm.Linked[0].Info != nil && len(pm.Linked[0].Info.Files) == 1 && pm.Linked[1].Descends[1]
	})
	// Here the commits are in the repository of the postmortems, so half
	// of them change its 10,000-file folder.
	benchLink(b, "link-20000-refs", dir, corpus, func(pm *postmortem.Postmortem) bool {
		return pm.Linked[0].Info != nil && pm.Linked[1].Descends[1]
	})
	b.Run("history-20000-commits", func(b *testing.B) {
		for b.Loop() {
			repo := NewSet(context.Background(), dir, nil, b.TempDir()).Repo("")
			h, err := repo.History("postmortems", "")
			if err != nil || len(h) != pms {
				b.Fatalf("history of %d files, %v", len(h), err)
			}
		}
		reportPeak(b)
	})
	// Last, as it adds a commit: the history cached at the previous head is
	// brought up to date by walking the one new commit.
	defer b.Run("history-after-one-commit", func(b *testing.B) {
		cache := b.TempDir()
		if _, err := NewSet(context.Background(), dir, nil, "").Repo("").History("postmortems", cache); err != nil {
			b.Fatal(err)
		}
		files, _ := filepath.Glob(filepath.Join(cache, "*.json"))
		saved, err := os.ReadFile(files[0])
		if err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "postmortems", "incident-new.md"), []byte("---\n---\n"), 0o644); err != nil {
			b.Fatal(err)
		}
		for _, args := range [][]string{{"add", "-A"}, {"-c", "user.name=B", "-c", "user.email=b@example.com", "commit", "-q", "-m", "one more"}} {
			cmd := exec.Command("git", args...)
			cmd.Dir = dir
			if out, err := cmd.CombinedOutput(); err != nil {
				b.Fatalf("git %v: %v %s", args, err, out)
			}
		}
		for b.Loop() {
			if err := os.WriteFile(files[0], saved, 0o644); err != nil {
				b.Fatal(err)
			}
			h, err := NewSet(context.Background(), dir, nil, "").Repo("").History("postmortems", cache)
			if err != nil || len(h) != pms+1 {
				b.Fatalf("history of %d files, %v", len(h), err)
			}
		}
	})
	b.Run("history-cached", func(b *testing.B) {
		cache := b.TempDir()
		if _, err := NewSet(context.Background(), dir, nil, "").Repo("").History("postmortems", cache); err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			if _, err := NewSet(context.Background(), dir, nil, "").Repo("").History("postmortems", cache); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// benchLink links a corpus into the repository in dir with an empty
// commit cache each time, as on a new CI runner (name-cold), and with the
// cache a previous run left (name-warm), which must leave the first
// postmortems linked as linked says.
func benchLink(b *testing.B, name, dir string, corpus []*postmortem.Postmortem, linked func(*postmortem.Postmortem) bool) {
	link := func(cache string) {
		set := NewSet(context.Background(), dir, nil, cache)
		set.Link(corpus, LinkOptions{Files: true})
		set.Close()
	}
	b.Run(name+"-cold", func(b *testing.B) {
		for b.Loop() {
			link(b.TempDir())
		}
		reportPeak(b)
	})
	warm := b.TempDir()
	link(warm)
	b.Run(name+"-warm", func(b *testing.B) {
		for b.Loop() {
			link(warm)
		}
		for _, pm := range corpus[:100] {
			if !linked(pm) {
				b.Fatalf("%s not linked: %+v", pm.ID, pm.Linked)
			}
		}
		reportPeak(b)
	})
}

// refCorpus is n postmortems, each naming two consecutive commits of shas
// as trigger and fix by a 10-digit sha, started a minute before the fix.
func refCorpus(shas []string, n int, start time.Time) []*postmortem.Postmortem {
	corpus := make([]*postmortem.Postmortem, n)
	for i := range corpus {
		pm := &postmortem.Postmortem{ID: fmt.Sprintf("incident-%05d", i)}
		pm.Times.Started = start.Add(time.Duration(2*i+1) * time.Minute)
		pm.Commits = []postmortem.CommitRef{
			{SHA: shas[2*i][:10], Role: postmortem.RoleTrigger},
			{SHA: shas[2*i+1][:10], Role: postmortem.RoleFix},
		}
		corpus[i] = pm
	}
	return corpus
}

func reportPeak(b *testing.B) {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) == nil {
		b.ReportMetric(float64(ru.Maxrss)/1024, "peak-MB")
	}
}
