package timeline

import (
	"fmt"
	"strings"

	"github.com/hindsight-dev/hindsight/internal/gitlink"
)

// GitSource is one repository's events, as gitlink lists them.
type GitSource struct {
	// Name is the repository's name in messages and entries ("" for the
	// one holding the postmortems, shown as Label).
	Name, Label string
	Events      []gitlink.Event
	// Roles are the postmortem's own commits (by full sha) and their roles.
	Roles map[string]string
	// Prefix names the repository in each entry, when several are read.
	Prefix bool
}

// ShortSHA is how many digits of a sha an entry shows.
const ShortSHA = 7

// FromGit turns a repository's events into entries: deploys (tags),
// merges and commits, a commit the postmortem names marked with its role.
func FromGit(src GitSource, w Window, sk Skips) []Event {
	var out []Event
	for _, e := range src.Events {
		if !w.keep(e.Time, sk) {
			continue
		}
		sha := e.SHA[:min(ShortSHA, len(e.SHA))]
		ref := sha
		if role := src.Roles[e.SHA]; role != "" {
			ref += ", the " + role
		}
		var text string
		switch e.Kind {
		case gitlink.EventTag:
			what := strings.TrimSpace(src.Label + " " + e.Tag)
			text = fmt.Sprintf("Deploy: %s (tag)", what)
			if role := src.Roles[e.SHA]; role != "" {
				text = fmt.Sprintf("Deploy: %s (tag of %s)", what, ref)
			}
		case gitlink.EventMerge:
			text = fmt.Sprintf("Merged \"%s\" (%s)", subject(e.Subject), ref)
		default:
			text = fmt.Sprintf("Committed \"%s\" (%s)", subject(e.Subject), ref)
		}
		if src.Prefix && src.Label != "" && e.Kind != gitlink.EventTag {
			text = src.Label + ": " + text
		}
		out = append(out, Event{Time: e.Time.UTC(), Text: clean(text), Source: "git", Kind: string(e.Kind)})
	}
	return out
}

// subject is a commit subject as an entry quotes it: a GitHub merge's
// "Merge pull request #12 from a/b" is kept, quotes inside softened.
func subject(s string) string {
	return strings.ReplaceAll(strings.TrimSpace(s), `"`, "'")
}
