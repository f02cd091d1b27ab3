package impact

import (
	"strings"
	"testing"

	"github.com/hindsight-dev/hindsight/internal/postmortem"
)

func pm(id, date string, refs ...postmortem.LinkedCommit) *postmortem.Postmortem {
	p := &postmortem.Postmortem{ID: id, Rel: "postmortems/" + id + ".md"}
	p.Title = "Incident " + id
	p.Date, _ = postmortem.ParseDate(date)
	p.Linked = refs
	return p
}

func ref(role postmortem.CommitRole, repo, sha string, files ...string) postmortem.LinkedCommit {
	return postmortem.LinkedCommit{Ref: postmortem.CommitRef{SHA: sha, Role: role, Repo: repo}, Info: &postmortem.CommitInfo{SHA: sha, Files: files}}
}

func TestRelated(t *testing.T) {
	pms := []*postmortem.Postmortem{
		pm("a", "2024-01-01", ref(postmortem.RoleTrigger, "", "aaaaaaaaaaaa", "web/header.html", "web/footer.html")),
		pm("b", "2024-02-01", ref(postmortem.RoleFix, "", "bbbbbbbbbbbb", "web/header.html")),
		pm("c", "2024-03-01", ref(postmortem.RoleRelated, "", "cccccccccccc", "web/header.html")),    // related role: not counted
		pm("d", "2024-04-01", ref(postmortem.RoleTrigger, "api", "dddddddddddd", "web/header.html")), // another repo
	}
	got := Related(pms, []string{""}, []string{"web/header.html", "web/footer.html", "README.md"})
	var ids []string
	for _, m := range got {
		ids = append(ids, m.ID+":"+strings.Join(m.Overlap, ","))
	}
	if want := "a:web/footer.html,web/header.html b:web/header.html"; strings.Join(ids, " ") != want {
		t.Errorf("related = %q, want %q", strings.Join(ids, " "), want)
	}
	if got[0].Commits[0] != "aaaaaaaaaa" {
		t.Errorf("commits are short shas: %v", got[0].Commits)
	}
	if len(Related(pms, []string{""}, []string{"other.go"})) != 0 {
		t.Error("no overlap must give no match")
	}
}

func TestHotspots(t *testing.T) {
	pms := []*postmortem.Postmortem{
		pm("a", "2024-01-01", ref(postmortem.RoleTrigger, "", "a1", "web/header.html", "web/css/site.css")),
		pm("b", "2024-02-01", ref(postmortem.RoleTrigger, "", "b1", "web/header.html")),
		pm("c", "2024-03-01", ref(postmortem.RoleFix, "", "c1", "web/header.html")), // fixes do not count
	}
	spots := Hotspots(pms)
	if len(spots) < 2 || spots[0].Path != "web/" || !spots[0].Folder || len(spots[0].Incidents) != 2 ||
		spots[1].Path != "web/header.html" || len(spots[1].Incidents) != 2 {
		t.Fatalf("hotspots = %+v", spots)
	}
	for _, s := range spots {
		if s.Path == "web/css/" && len(s.Incidents) != 1 {
			t.Errorf("web/css/ = %+v", s)
		}
	}
}
