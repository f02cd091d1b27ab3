package site

import (
	"strings"
	"testing"
	"time"

	"github.com/hindsight-dev/hindsight/internal/postmortem"
)

func byID(t *testing.T, pms []*postmortem.Postmortem, id string) *postmortem.Postmortem {
	t.Helper()
	for _, pm := range pms {
		if pm.ID == id {
			return pm
		}
	}
	t.Fatalf("no postmortem %s", id)
	return nil
}

// TestRevisits builds with a cadence: the home page lists the postmortem
// due for a revisit, its page shows the history and when the next is due,
// and one not yet due shows only the date.
func TestRevisits(t *testing.T) {
	cfg, pms := fixture(t)
	cfg.RevisitAfterDays = map[string]int{"SEV1": 90, "SEV2": 365}
	db := byID(t, pms, "2024-01-15-db-failover")
	db.Revisits = []postmortem.Revisit{{Date: postmortem.Date{Time: time.Date(2024, 2, 1, 0, 0, 0, 0, time.UTC)}, By: "ana@example.com", Outcome: postmortem.RevisitPartly, Notes: "The replica alert is in; the runbook is not."}}
	out := build(t, cfg, pms, Options{Drafts: true})

	home := read(t, out, "index.html")
	for _, want := range []string{
		`<h2 id="home-revisits-h">Due for revisit</h2>`,
		`1 postmortem whose countermeasures are due to be checked again.`,
		`#revisits">Database failover`,
		`<span class="badge overdue">31 days overdue</span> <span class="muted">last revisited 2024-02-01 (partly)</span>`,
	} {
		if !strings.Contains(home, want) {
			t.Errorf("home page lacks %q", want)
		}
	}
	if strings.Contains(home, "Checkout") && strings.Contains(home[strings.Index(home, "home-revisits-h"):strings.Index(home, "home-recent-h")], "Checkout") {
		t.Error("a postmortem not yet due is listed as due")
	}
	page := read(t, out, "2024-01-15-db-failover/index.html")
	for _, want := range []string{
		`<span class="badge overdue">Revisit 31 days overdue</span>: due <time datetime="2024-05-01">2024-05-01</time>, every 90 days.`,
		`<span class="badge outcome outcome-partly">partly</span></td><td>ana@example.com</td><td>The replica alert is in; the runbook is not.</td>`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("postmortem page lacks %q", want)
		}
	}
	checkout := read(t, out, "2024-03-01-checkout-errors/index.html")
	if !strings.Contains(checkout, `Next revisit in 273 days: due <time datetime="2025-03-01">`) || !strings.Contains(checkout, "Not revisited yet.") {
		t.Error("the checkout page does not say when its first revisit is due")
	}
	draft := read(t, out, "2024-05-01-draft/index.html")
	if strings.Contains(draft, "pm-revisits-h") {
		t.Error("a draft has no revisits section")
	}

	// A public build does not name who revisited.
	co := byID(t, pms, "2024-03-01-checkout-errors")
	co.Revisits = []postmortem.Revisit{{Date: postmortem.Date{Time: time.Date(2024, 4, 1, 0, 0, 0, 0, time.UTC)}, By: "bo@example.com", Outcome: postmortem.RevisitInEffect}}
	public := read(t, build(t, cfg, pms, Options{Public: true, Out: t.TempDir()}), "2024-03-01-checkout-errors/index.html")
	if !strings.Contains(public, "outcome-in-effect") || strings.Contains(public, "bo@example.com") {
		t.Error("a public build must show the revisit without who made it")
	}
}

// TestOnThisDay lists incidents that began within three days of today's
// date in earlier years, across New Year too.
func TestOnThisDay(t *testing.T) {
	cases := []struct {
		now  time.Time
		date time.Time // of the db-failover postmortem
		want string    // "" for not listed
	}{
		{time.Date(2025, 1, 13, 9, 0, 0, 0, time.UTC), time.Date(2024, 1, 15, 0, 0, 0, 0, time.UTC), "1 year ago"},
		{time.Date(2027, 1, 18, 9, 0, 0, 0, time.UTC), time.Date(2024, 1, 15, 0, 0, 0, 0, time.UTC), "3 years ago"},
		{time.Date(2025, 1, 19, 9, 0, 0, 0, time.UTC), time.Date(2024, 1, 15, 0, 0, 0, 0, time.UTC), ""},
		{time.Date(2024, 1, 15, 9, 0, 0, 0, time.UTC), time.Date(2024, 1, 15, 0, 0, 0, 0, time.UTC), ""},
		{time.Date(2025, 1, 1, 9, 0, 0, 0, time.UTC), time.Date(2023, 12, 30, 0, 0, 0, 0, time.UTC), "1 year ago"},
		{time.Date(2025, 2, 28, 9, 0, 0, 0, time.UTC), time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC), "1 year ago"},
	}
	for _, c := range cases {
		t.Run(c.now.Format("2006-01-02")+"_"+c.date.Format("2006-01-02"), func(t *testing.T) {
			cfg, pms := fixture(t)
			db := byID(t, pms, "2024-01-15-db-failover")
			db.Date = postmortem.Date{Time: c.date}
			home := read(t, build(t, cfg, pms, Options{Now: c.now}), "index.html")
			section := ""
			if i := strings.Index(home, `id="home-onthisday-h"`); i >= 0 {
				section = home[i:strings.Index(home, `id="home-recent-h"`)]
			}
			switch {
			case c.want == "" && strings.Contains(section, "Database failover"):
				t.Errorf("listed on this day:\n%s", section)
			case c.want != "" && !strings.Contains(section, "Database failover") || !strings.Contains(section, c.want):
				t.Errorf("not listed as %q on this day:\n%s", c.want, section)
			}
		})
	}
}

// TestPolicyMetrics: with action_item_policy the metrics page shows the
// share of items done within it, by month and by owner; without, neither.
func TestPolicyMetrics(t *testing.T) {
	cfg, pms := fixture(t)
	if page := read(t, build(t, cfg, pms, Options{}), "metrics/index.html"); strings.Contains(page, "within policy") {
		t.Error("no policy, yet a policy chart")
	}
	cfg.ActionItemPolicy = map[string]int{"P0": 14, "P1": 30, "P2": 10}
	page := read(t, build(t, cfg, pms, Options{Out: t.TempDir()}), "metrics/index.html")
	for _, want := range []string{
		"Action items done within policy, by the quarter of their incident",
		"Action items done within policy, by owner",
		// db-failover's P0 item open past its 14 days, checkout's P1 done
		// by its due date within 30, its P2 open past its 10.
		`>2024 Q1</th>
            <td class="num">1</td>
            <td class="num">3</td>
            <td class="num">33%</td>`,
		`<th scope="row">db@example.com</th>
            <td class="num">0</td>
            <td class="num">1</td>
            <td class="num">0%</td>`,
		`<th scope="row">payments@example.com</th>
            <td class="num">1</td>
            <td class="num">1</td>
            <td class="num">100%</td>`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("metrics page lacks %q", want)
		}
	}
}

// TestRecurrence: the trigger of a later incident changed a file that an
// earlier incident's fix had changed; both pages say so, first among the
// related.
func TestRecurrence(t *testing.T) {
	cfg, pms := fixture(t)
	link := func(pm *postmortem.Postmortem, role postmortem.CommitRole, files ...string) {
		pm.Linked = append(pm.Linked, postmortem.LinkedCommit{Ref: postmortem.CommitRef{SHA: "0123456789", Role: role}, Info: &postmortem.CommitInfo{SHA: "0123456789abcdef0123456789abcdef01234567", Subject: "x", Files: files}})
	}
	db, co := byID(t, pms, "2024-01-15-db-failover"), byID(t, pms, "2024-03-01-checkout-errors")
	link(db, postmortem.RoleFix, "db/pool.go", "db/README.md")
	link(co, postmortem.RoleTrigger, "db/pool.go")
	out := build(t, cfg, pms, Options{Drafts: true})
	first := func(page string) string {
		i := strings.Index(page, `id="pm-related-h"`)
		if i < 0 {
			return ""
		}
		j := strings.Index(page[i:], "related-reason")
		return page[i+j : i+j+200]
	}
	if got := first(read(t, out, "2024-03-01-checkout-errors/index.html")); !strings.Contains(got, "Recurrence: this incident&#39;s trigger changed pool.go, which the fix of this earlier one had changed") {
		t.Errorf("the later incident's first related is not the recurrence: %s", got)
	}
	if got := first(read(t, out, "2024-01-15-db-failover/index.html")); !strings.Contains(got, "Recurrence: the trigger of this later incident changed pool.go, fixed after this one") {
		t.Errorf("the earlier incident's first related is not the recurrence: %s", got)
	}
}
