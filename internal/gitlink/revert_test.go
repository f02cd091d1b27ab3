package gitlink

import (
	"fmt"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// moveHead points the current branch at sha, leaving what it pointed at
// unreachable (as a reset or an amend does).
func (tr *testRepo) moveHead(sha string) {
	tr.t.Helper()
	head, err := tr.r.Head()
	if err != nil {
		tr.t.Fatal(err)
	}
	if err := tr.r.Storer.SetReference(plumbing.NewHashReference(head.Name(), plumbing.NewHash(sha))); err != nil {
		tr.t.Fatal(err)
	}
}

// collide stores two commits on HEAD whose hashes share their first seven
// hex digits, trying messages until two do (some ten thousand tries), and
// moves HEAD to the second.
func (tr *testRepo) collide() [2]plumbing.Hash {
	tr.t.Helper()
	head, _ := tr.r.Head()
	parent, _ := tr.r.CommitObject(head.Hash())
	seen := map[string]plumbing.EncodedObject{}
	for i := 0; ; i++ {
		sig := object.Signature{Name: "Ada", Email: "ada@example.com", When: tr.now}
		c := &object.Commit{Author: sig, Committer: sig, Message: fmt.Sprintf("Raise the pool size, try %d", i), TreeHash: parent.TreeHash, ParentHashes: []plumbing.Hash{parent.Hash}}
		obj := tr.r.Storer.NewEncodedObject()
		if err := c.Encode(obj); err != nil {
			tr.t.Fatal(err)
		}
		prefix := obj.Hash().String()[:7]
		other, clash := seen[prefix]
		if !clash {
			seen[prefix] = obj
			continue
		}
		for _, o := range []plumbing.EncodedObject{other, obj} {
			if _, err := tr.r.Storer.SetEncodedObject(o); err != nil {
				tr.t.Fatal(err)
			}
		}
		tr.moveHead(obj.Hash().String())
		return [2]plumbing.Hash{other.Hash(), obj.Hash()}
	}
}

func TestReverted(t *testing.T) {
	tr := newTestRepo(t)
	tr.commit("Ada", "Start", map[string]string{"svc/pool.go": "1"})
	full := tr.commit("Ada", "Cap the retry budget", map[string]string{"svc/retry.go": "1"})
	revFull := tr.commit("Bo", "Revert \"Cap the retry budget\"\n\nThis reverts commit "+full+".\n", map[string]string{"svc/retry.go": "0"})

	back := tr.commit("Ada", "Add a circuit breaker", map[string]string{"svc/breaker.go": "1"})
	revBack := tr.commit("Bo", "Revert \"Add a circuit breaker\"\n\nThis reverts commit "+back+".\n", map[string]string{"svc/breaker.go": ""})
	tr.commit("Ada", "Revert \"Revert \"Add a circuit breaker\"\"\n\nThis reverts commit "+revBack+".\n", map[string]string{"svc/breaker.go": "1"})

	squashed := tr.commit("Ada", "Shed load at the edge", map[string]string{"edge/shed.go": "1"})
	squash := tr.commit("Bo", "Tidy the edge (#41)\n\n* Revert \"Shed load at the edge\"\n\nThis reverts commit "+squashed[:9]+".\n\n* Rename the flags\n", map[string]string{"edge/shed.go": "0", "edge/flags.go": "1"})

	bySubject := tr.commit("Ada", "Pin the TLS library", map[string]string{"go.mod": "1"})
	revSubject := tr.commit("Bo", "Revert \"Pin the TLS library\" (#52)", map[string]string{"go.mod": "0"})

	unmerged := tr.commit("Ada", "Lower the timeout", map[string]string{"svc/timeout.go": "1"})
	tip := tr.commit("Bo", "Revert \"Lower the timeout\"\n\nThis reverts commit "+unmerged+".\n", nil)
	_ = tip
	tr.moveHead(unmerged) // the revert never landed

	standing := tr.commit("Ada", "Alert on queue depth", map[string]string{"ops/alert.yml": "1"})

	pair := tr.collide()
	tr.commit("Bo", "Revert \"Raise the pool size\"\n\nThis reverts commit "+pair[0].String()[:7]+".\n", nil)
	again := tr.commit("Bo", "Revert \"Raise the pool size\" again\n\nThis reverts commit "+pair[1].String()[:10]+".\n", nil)

	repo := tr.set(nil).Repo("")
	cases := []struct {
		name, sha, by string
		note          bool
	}{
		{"git revert, full sha", full, revFull, false},
		{"a revert of the revert puts it back", back, "", false},
		{"abbreviated sha in a squash merge", squashed, squash, false},
		{"Revert \"<subject>\" subject only, with a pull request number", bySubject, revSubject, false},
		{"a revert that HEAD does not reach", unmerged, "", false},
		{"never reverted", standing, "", false},
		{"an ambiguous abbreviated sha is not counted", pair[0].String(), "", true},
		{"a longer prefix that names one commit counts", pair[1].String(), again, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := repo.Reverted(c.sha)
			switch {
			case c.by == "" && got.By != nil:
				t.Errorf("reverted by %s, want standing", got.By.SHA)
			case c.by != "" && (got.By == nil || got.By.SHA != c.by):
				t.Errorf("reverted by %+v, want %s", got.By, c.by)
			}
			if c.note != (got.Note != "") {
				t.Errorf("note = %q", got.Note)
			}
		})
	}
}
