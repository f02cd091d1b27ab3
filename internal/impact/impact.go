// Package impact connects code to past incidents: which postmortems'
// trigger and fix commits touched the files a change touches, and which
// files and folders triggered the most incidents.
package impact

import (
	"cmp"
	"maps"
	"path"
	"slices"

	"github.com/hindsight-dev/hindsight/internal/postmortem"
)

// Match is a past postmortem whose commits touched some of the same files.
type Match struct {
	ID       string   `json:"id"`
	Title    string   `json:"title"`
	Date     string   `json:"date"`
	Severity string   `json:"severity"`
	File     string   `json:"file"`
	Summary  string   `json:"summary"`
	Overlap  []string `json:"overlap"`
	// Commits are the shas (short) of the trigger and fix commits that
	// touched the overlapping files.
	Commits []string `json:"commits"`
}

// Related returns the postmortems whose trigger or fix commits, in one of
// repos, changed any of files; most overlapping first, then newest.
func Related(pms []*postmortem.Postmortem, repos []string, files []string) []Match {
	changed := map[string]bool{}
	for _, f := range files {
		changed[f] = true
	}
	var out []Match
	for _, pm := range pms {
		overlap := map[string]bool{}
		var commits []string
		for _, lc := range pm.Linked {
			if lc.Info == nil || !slices.Contains(repos, lc.Ref.Repo) || (lc.Ref.Role != postmortem.RoleTrigger && lc.Ref.Role != postmortem.RoleFix) {
				continue
			}
			hit := false
			for _, f := range lc.Info.Files {
				if changed[f] {
					overlap[f], hit = true, true
				}
			}
			if hit {
				commits = append(commits, lc.Info.SHA[:min(10, len(lc.Info.SHA))])
			}
		}
		if len(overlap) == 0 {
			continue
		}
		out = append(out, Match{
			ID: pm.ID, Title: pm.Title, Date: pm.Date.String(), Severity: pm.Severity, File: pm.Rel, Summary: pm.Summary,
			Overlap: slices.Sorted(maps.Keys(overlap)), Commits: commits,
		})
	}
	slices.SortFunc(out, func(a, b Match) int {
		return cmp.Or(cmp.Compare(len(b.Overlap), len(a.Overlap)), cmp.Compare(b.Date, a.Date), cmp.Compare(a.ID, b.ID))
	})
	return out
}

// Hotspot is a file or folder that trigger commits touched.
type Hotspot struct {
	Path string `json:"path"`
	// Folder is true for a folder, which counts the incidents of every
	// file below it once each.
	Folder    bool     `json:"folder"`
	Repo      string   `json:"repo,omitempty"`
	Incidents []string `json:"incidents"`
	// Recurrences are the incidents whose trigger changed the path after
	// the fix of an earlier incident had changed it.
	Recurrences []string `json:"recurrences,omitempty"`
}

// Hotspots counts, for every file and folder that trigger commits changed,
// the incidents behind them, and among them the recurrences: a trigger
// that changed a file an earlier incident's fix had changed. Most
// incidents first.
func Hotspots(pms []*postmortem.Postmortem) []Hotspot {
	type key struct {
		repo, path string
		folder     bool
	}
	hits, recur := map[key]map[string]bool{}, map[key]map[string]bool{}
	add := func(m map[key]map[string]bool, k key, id string) {
		if m[k] == nil {
			m[k] = map[string]bool{}
		}
		m[k][id] = true
	}
	// The earliest incident whose fix changed each file.
	fixed := map[key]*postmortem.Postmortem{}
	for _, pm := range pms {
		for _, lc := range pm.Linked {
			if lc.Info == nil || lc.Ref.Role != postmortem.RoleFix {
				continue
			}
			for _, f := range lc.Info.Files {
				k := key{lc.Ref.Repo, f, false}
				if first := fixed[k]; first == nil || pm.Date.Before(first.Date.Time) {
					fixed[k] = pm
				}
			}
		}
	}
	for _, pm := range pms {
		for _, lc := range pm.Linked {
			if lc.Info == nil || lc.Ref.Role != postmortem.RoleTrigger {
				continue
			}
			for _, f := range lc.Info.Files {
				k := key{lc.Ref.Repo, f, false}
				again := fixed[k] != nil && fixed[k] != pm && fixed[k].Date.Before(pm.Date.Time)
				// The file, then each folder above it.
				for p, folder := f, false; p != "." && p != "/"; p, folder = path.Dir(p), true {
					k := key{lc.Ref.Repo, p, folder}
					if folder {
						k.path += "/"
					}
					add(hits, k, pm.ID)
					if again {
						add(recur, k, pm.ID)
					}
				}
			}
		}
	}
	out := make([]Hotspot, 0, len(hits))
	for k, ids := range hits {
		out = append(out, Hotspot{Path: k.path, Folder: k.folder, Repo: k.repo, Incidents: slices.Sorted(maps.Keys(ids)), Recurrences: slices.Sorted(maps.Keys(recur[k]))})
	}
	slices.SortFunc(out, func(a, b Hotspot) int {
		return cmp.Or(cmp.Compare(len(b.Incidents), len(a.Incidents)), cmp.Compare(a.Repo, b.Repo), cmp.Compare(a.Path, b.Path))
	})
	return out
}
