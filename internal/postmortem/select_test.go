package postmortem

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

func TestSelect(t *testing.T) {
	pm := func(id string, st Status, vis Visibility, related ...string) *Postmortem {
		return &Postmortem{ID: id, FrontMatter: FrontMatter{Status: st, Visibility: vis, Related: related}}
	}
	all := []*Postmortem{
		pm("pub", StatusPublished, Public, "int", "pubdraft", "gone"),
		pm("int", StatusPublished, Internal, "pub"),
		pm("pubdraft", StatusDraft, Public, "pub"),
		pm("intdraft", StatusDraft, Internal),
		pm("review", StatusInReview, Public),
	}
	ids := func(pms []*Postmortem) []string {
		var out []string
		for _, p := range pms {
			out = append(out, p.ID)
		}
		return out
	}
	for _, tc := range []struct {
		scope Scope
		want  []string
	}{
		{Scope{}, []string{"pub", "int", "review"}},
		{Scope{Drafts: true}, []string{"pub", "int", "pubdraft", "intdraft", "review"}},
		{Scope{Public: true}, []string{"pub", "review"}},
		{Scope{Public: true, Drafts: true}, []string{"pub", "pubdraft", "review"}},
	} {
		got := Select(all, tc.scope)
		if !slices.Equal(ids(got), tc.want) {
			t.Errorf("%+v: %v, want %v", tc.scope, ids(got), tc.want)
		}
		if tc.scope.Public && tc.scope.Drafts && !slices.Equal(got[0].Related, []string{"pubdraft"}) {
			t.Errorf("related of a public selection: %v", got[0].Related)
		}
		if !tc.scope.Public && got[0] != all[0] {
			t.Errorf("%+v: an internal selection copied the postmortem", tc.scope)
		}
	}
	if !slices.Equal(all[0].Related, []string{"int", "pubdraft", "gone"}) {
		t.Errorf("Select changed the original: %v", all[0].Related)
	}
}

// A redacted copy holds none of the internal details, whatever field they
// are in; the original keeps them all.
func TestRedact(t *testing.T) {
	const secret = "zanzibar"
	info := CommitInfo{SHA: "abc", Subject: "fix it", Author: secret, AuthorEmail: secret + "@example.com"}
	pm := &Postmortem{
		ID: "p",
		FrontMatter: FrontMatter{
			Title: "Public title", Owner: secret, Authors: []string{secret}, Participants: []string{secret}, Facilitator: secret,
			Tickets: []string{secret}, Visibility: Public, Status: StatusPublished,
			ActionItems: []ActionItem{{Title: "do it", Owner: secret, Ticket: secret}},
		},
		Source:      []byte("owner: " + secret),
		Custom:      map[string]any{"region": secret},
		History:     &FileHistory{AddedBy: secret, Contributors: []string{secret}},
		Linked:      []LinkedCommit{{Ref: CommitRef{SHA: "abc"}, Info: &info}},
		ClosedItems: map[int]CommitInfo{1: info},
	}
	before, err := json.Marshal(pm)
	if err != nil {
		t.Fatal(err)
	}
	r := pm.Redact()
	data, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(data), secret) || strings.Contains(string(r.Source), secret) || r.History != nil {
		t.Errorf("the redacted copy holds %q: %s %s", secret, data, r.Source)
	}
	if r.Title != "Public title" || r.ActionItems[0].Title != "do it" || r.Linked[0].Info.Subject != "fix it" || r.ClosedItems[1].SHA != "abc" {
		t.Errorf("the redacted copy lost public fields: %s", data)
	}
	after, _ := json.Marshal(pm)
	if string(before) != string(after) || pm.Linked[0].Info.Author != secret || pm.ClosedItems[1].Author != secret {
		t.Error("Redact changed the original")
	}
	if string(pm.Redact().Source) != string(r.Source) {
		t.Error("the digest is not stable")
	}
}

// TestSelector: a Selector gives what Select gives, and the same redacted
// copy of an original as long as the original, its links, its closed items
// and its related ids in the selection are the same.
func TestSelector(t *testing.T) {
	pm := func(id string, st Status, related ...string) *Postmortem {
		return &Postmortem{ID: id, FrontMatter: FrontMatter{Owner: "Ana", Status: st, Visibility: Public, Related: related},
			Linked: []LinkedCommit{{Ref: CommitRef{SHA: "abc" + id}, Info: &CommitInfo{SHA: "abc" + id, Author: "Ana"}}}}
	}
	a, b, c := pm("a", StatusPublished, "b", "c"), pm("b", StatusPublished), pm("c", StatusPublished)
	all := []*Postmortem{a, b, c}
	scope := Scope{Public: true}
	var sel Selector
	check := func(step string, all []*Postmortem, scope Scope, same map[string]bool, last []*Postmortem) []*Postmortem {
		t.Helper()
		got, want := sel.Select(all, scope), Select(all, scope)
		gj, _ := json.Marshal(got)
		wj, _ := json.Marshal(want)
		if string(gj) != string(wj) {
			t.Errorf("%s: the Selector's selection differs from Select's:\n%s\n%s", step, gj, wj)
		}
		for _, r := range got {
			was := slices.IndexFunc(last, func(p *Postmortem) bool { return p.ID == r.ID })
			if kept := was >= 0 && last[was] == r; kept != same[r.ID] {
				t.Errorf("%s: %s kept its copy: %v, want %v", step, r.ID, kept, same[r.ID])
			}
		}
		return got
	}
	first := check("first", all, scope, map[string]bool{}, nil)
	second := check("the same again", all, scope, map[string]bool{"a": true, "b": true, "c": true}, first)
	b.Linked = slices.Clone(b.Linked) // linked again
	third := check("b linked again", all, scope, map[string]bool{"a": true, "c": true}, second)
	c.ClosedItems = map[int]CommitInfo{1: {SHA: "def"}}
	fourth := check("an item of c closed", all, scope, map[string]bool{"a": true, "b": true}, third)
	c.Status = StatusDraft // c leaves the selection: a's related ids change
	fifth := check("c a draft", all, scope, map[string]bool{"b": true}, fourth)
	check("drafts too", all, Scope{Public: true, Drafts: true}, map[string]bool{"b": true}, fifth)
	if a.Owner != "Ana" || len(a.Related) != 2 {
		t.Errorf("the Selector changed an original: %+v", a)
	}
}
