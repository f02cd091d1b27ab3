package markdown

import (
	"strings"
	"testing"
)

const body = `
## Impact

Users *could
have* seen errors; see [the other one](2017-01-31-other.md) and ` + "`should have`" + ` in code.

## Timeline

- 18:26 — Outage begins
- **18:30** - Paged
  continued on a second line
- not a time

## Root causes

| Region | Note |
| --- | --- |
| eu | the blame went nowhere |

` + "```go\nfunc main() {}\n```" + `

## Resolution
### Only a heading
## Détection ![graph](img/graph.png)
text
`

func TestAnalyze(t *testing.T) {
	o := Analyze([]byte(body), 10)

	var got []string
	for _, s := range o.Sections {
		got = append(got, s.Canonical)
	}
	if want := "Impact,Timeline,Root cause,Resolution,"; strings.Join(got, ",") != want {
		t.Errorf("canonical sections = %q, want %q", strings.Join(got, ","), want)
	}
	if s := o.Sections[0]; s.Line != 11 || s.Empty {
		t.Errorf("Impact section = %+v, want line 11, not empty", s)
	}
	if s := o.Sections[3]; !s.Empty {
		t.Errorf("Resolution with only a sub-heading should be empty: %+v", s)
	}

	if len(o.TimelineItems) != 3 {
		t.Fatalf("timeline items = %+v", o.TimelineItems)
	}
	if it := o.TimelineItems[1]; it.Text != "**18:30** - Paged" || it.Line != 19 || it.Col != 3 {
		t.Errorf("item 2 = %+v, want the first line at 19:3", it)
	}

	if len(o.Links) != 2 || o.Links[0].Dest != "2017-01-31-other.md" || o.Links[0].Line != 14 {
		t.Errorf("links = %+v", o.Links)
	}
	if l := o.Links[1]; !l.Image || l.Dest != "img/graph.png" || l.Line != 35 {
		t.Errorf("image = %+v", l)
	}

	if len(o.CodeBlocks) != 1 || o.CodeBlocks[0].Info != "go" || o.CodeBlocks[0].Line != 29 || len(o.CodeBlocks[0].Lines) != 1 {
		t.Errorf("code blocks = %+v", o.CodeBlocks)
	}

	// Prose spans soft line breaks and leaves code spans out.
	var found, inCode bool
	for _, p := range o.Prose {
		if i := strings.Index(p.Text, "could have"); i >= 0 {
			found = true
			if line, col := p.Locate(i); line != 13 || col != 8 {
				t.Errorf("'could have' located at %d:%d, want 13:8", line, col)
			}
		}
		if strings.Contains(p.Text, "should have") {
			inCode = true
		}
	}
	if !found {
		t.Errorf("prose across a line break not joined: %+v", o.Prose)
	}
	if inCode {
		t.Errorf("code span text leaked into prose")
	}
}

func TestAnalyzeEmpty(t *testing.T) {
	o := Analyze(nil, 1)
	if len(o.Sections)+len(o.Links)+len(o.CodeBlocks)+len(o.Prose) != 0 {
		t.Errorf("outline of an empty body = %+v", o)
	}
}
