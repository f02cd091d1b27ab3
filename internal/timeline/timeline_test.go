package timeline

import (
	"archive/zip"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hindsight-dev/hindsight/internal/postmortem"
)

var update = flag.Bool("update", false, "rewrite the golden files")

var now = time.Date(2024, 3, 2, 0, 0, 0, 0, time.UTC)

// golden compares got with testdata/golden/name, or rewrites it.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs:\n--- got\n%s--- want\n%s", name, got, want)
	}
}

func render(events []Event, sk Skips) string {
	lines := Format{Loc: time.UTC, Zone: true}.Lines(events)
	return strings.Join(lines, "\n") + "\n# left out: " + sk.String() + "\n"
}

func TestSlack(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts SlackOptions
	}{
		{"slack-key.txt", SlackOptions{Channel: "#inc-db-failover", Window: Window{Now: now}}},
		{"slack-reactions.txt", SlackOptions{Channel: "inc-db-failover", Reactions: []string{"rotating_light", "white_check_mark"}, Window: Window{Now: now}}},
		{"slack-all.txt", SlackOptions{Channel: "C01INC", All: true, Window: Window{Now: now, Since: time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sk := Skips{}
			events, err := ReadSlack(filepath.Join("testdata", "slack"), tc.opts, sk)
			if err != nil {
				t.Fatal(err)
			}
			Sort(events)
			golden(t, tc.name, render(events, sk))
		})
	}
}

// writeZip packs files (name → content) into a zip.
func writeZip(t *testing.T, files map[string]string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "export.zip")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	for name, content := range files {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(content))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	return path
}

// exportFiles reads the fixture export, its names prefixed.
func exportFiles(t *testing.T, prefix string) map[string]string {
	t.Helper()
	files := map[string]string{}
	root := filepath.Join("testdata", "slack")
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		rel, _ := filepath.Rel(root, p)
		files[prefix+filepath.ToSlash(rel)] = string(data)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// A zip gives what its folder gives, also when the export sits in one
// folder inside it.
func TestSlackZip(t *testing.T) {
	want, err := ReadSlack(filepath.Join("testdata", "slack"), SlackOptions{Channel: "inc-db-failover"}, Skips{})
	if err != nil {
		t.Fatal(err)
	}
	for _, prefix := range []string{"", "Acme Slack export Mar 1 2024/"} {
		got, err := ReadSlack(writeZip(t, exportFiles(t, prefix)), SlackOptions{Channel: "inc-db-failover"}, Skips{})
		if err != nil {
			t.Fatalf("prefix %q: %v", prefix, err)
		}
		if render(got, Skips{}) != render(want, Skips{}) {
			t.Errorf("prefix %q: the zip gives\n%s\nthe folder\n%s", prefix, render(got, Skips{}), render(want, Skips{}))
		}
	}
}

func TestSlackBadInput(t *testing.T) {
	good := exportFiles(t, "")
	with := func(extra map[string]string) map[string]string {
		m := map[string]string{}
		for k, v := range good {
			m[k] = v
		}
		for k, v := range extra {
			m[k] = v
		}
		return m
	}
	for _, tc := range []struct {
		name    string
		files   map[string]string
		channel string
		want    string
	}{
		{"zip slip", with(map[string]string{"../../etc/cron.d/x.json": "[]"}), "inc-db-failover", `holds "../../etc/cron.d/x.json", a path leading out of it`},
		{"absolute", with(map[string]string{"/tmp/x.json": "[]"}), "inc-db-failover", `a path leading out of it`},
		{"not an export", map[string]string{"notes.txt": "hello"}, "x", "not a Slack export: it has no channels.json"},
		{"missing channel", good, "inc-db-failvoer", `no channel #inc-db-failvoer in the export; did you mean "inc-db-failover"?`},
		{"several channels", good, "", "the export has 2 channels; name the incident's with --channel (general, inc-db-failover)"},
		{"malformed day", with(map[string]string{"inc-db-failover/2024-03-01.json": "[{\"ts\": \"1709301660.1\", \"text\": \"ok\"},\n {\"ts\": 17"}), "inc-db-failover", "inc-db-failover/2024-03-01.json: byte "},
		{"malformed users", with(map[string]string{"users.json": "[{\"id\": 5}]"}), "inc-db-failover", "users.json: byte 9: malformed JSON"},
		{"not a list", with(map[string]string{"inc-db-failover/2024-03-01.json": "{}"}), "inc-db-failover", "expected a list of messages"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ReadSlack(writeZip(t, tc.files), SlackOptions{Channel: tc.channel}, Skips{})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
	if _, err := ReadSlack(filepath.Join("testdata", "events.csv"), SlackOptions{}, Skips{}); err == nil || !strings.Contains(err.Error(), "not a Slack export") {
		t.Errorf("a CSV file as an export: %v", err)
	}
}

func TestSlackText(t *testing.T) {
	names := func(kind byte, id string) string {
		return map[string]string{"@U1": "ana", "#C1": "incidents"}[string(kind)+id]
	}
	for in, want := range map[string]string{
		"<@U1> look":                        "@ana look",
		"<@U9|ben> and <@U9>":               "@ben and @U9",
		"<#C1> <#C9|ops> <#C9>":             "#incidents #ops #C9",
		"<https://x.example/a?b=1&amp;c=2>": "https://x.example/a?b=1&c=2",
		"<https://x.example|the graph>":     "the graph (https://x.example)",
		"<mailto:a@b.c|a@b.c>":              "a@b.c",
		"<!here> <!channel> <!everyone>":    "@here @channel @everyone",
		"<!subteam^S1|@db-oncall> ping":     "@db-oncall ping",
		"<!date^1392734382^{date}|Feb 18>":  "Feb 18",
		"a &lt;b&gt; &amp;amp; c":           "a <b> &amp; c",
		"unclosed <https://x":               "unclosed <https://x",
		"<>":                                "",
	} {
		if got := SlackText(in, names); got != want {
			t.Errorf("SlackText(%q) = %q, want %q", in, got, want)
		}
	}
}

func FuzzSlackText(f *testing.F) {
	for _, s := range []string{"<@U1> hi", "<https://x|y>", "&amp;&lt;&gt;", "<!date^1^x|y>", "<#C1|a|b>", "<<>>", "<@>", "a\nb"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := SlackText(s, func(byte, string) string { return "name" })
		if len(out) > 3*len(s)+16 {
			t.Errorf("SlackText(%q) grew to %d bytes", s, len(out))
		}
		if c := clean(out); strings.ContainsAny(c, "\n\r") {
			t.Errorf("clean(SlackText(%q)) holds a line break", s)
		}
	})
}

func TestPaging(t *testing.T) {
	sk := Skips{}
	var ms Milestones
	pd, err := ReadPagerDuty(filepath.Join("testdata", "pagerduty.json"), Window{Now: now}, sk, &ms)
	if err != nil {
		t.Fatal(err)
	}
	og, err := ReadOpsgenie(filepath.Join("testdata", "opsgenie.json"), Window{Now: now}, sk, &ms)
	if err != nil {
		t.Fatal(err)
	}
	events := append(pd, og...)
	Sort(events)
	golden(t, "paging.txt", render(events, sk)+"# detected "+ms.Detected.Format(time.RFC3339)+", resolved "+ms.Resolved.Format(time.RFC3339)+"\n")

	for _, tc := range []struct{ file, content, want string }{
		{"pd.json", `{"incidents": []}`, "not a PagerDuty incident log: it has no log_entries"},
		{"pd.json", `{"log_entries": [{"created_at": "yesterday"}]}`, "malformed JSON"},
		{"og.json", `{"took": 1}`, "not an Opsgenie alert log"},
		{"og.json", "[{\"log\": \"x\",\n\"createdAt\": ", "byte "},
	} {
		p := filepath.Join(t.TempDir(), tc.file)
		os.WriteFile(p, []byte(tc.content), 0o644)
		var err error
		if strings.HasPrefix(tc.file, "pd") {
			_, err = ReadPagerDuty(p, Window{}, Skips{}, &ms)
		} else {
			_, err = ReadOpsgenie(p, Window{}, Skips{}, &ms)
		}
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want %q", tc.content, err, tc.want)
		}
	}
}

func TestTable(t *testing.T) {
	sk := Skips{}
	loc := time.FixedZone("", 3600)
	csv, err := ReadTable(filepath.Join("testdata", "events.csv"), true, loc, Window{Now: now}, sk)
	if err != nil {
		t.Fatal(err)
	}
	js, err := ReadTable(filepath.Join("testdata", "events.json"), false, loc, Window{Now: now, Until: time.Date(2024, 3, 1, 14, 0, 0, 0, time.UTC)}, sk)
	if err != nil {
		t.Fatal(err)
	}
	events := append(csv, js...)
	Sort(events)
	golden(t, "table.txt", render(events, sk))

	for _, tc := range []struct {
		csv           bool
		content, want string
	}{
		{true, "when,what\n", "the header must name a time column"},
		{true, "time,text\n2024-03-01T14:00:00Z,ok\nsoon,bad\n", "line 3: \"soon\" is not a time"},
		{true, "time,text\n\"unclosed,x\n", "line 2, column"},
		{false, `[{"text": "no time"}]`, "entry 1: no time"},
	} {
		p := filepath.Join(t.TempDir(), "t")
		os.WriteFile(p, []byte(tc.content), 0o644)
		if _, err := ReadTable(p, tc.csv, time.UTC, Window{}, Skips{}); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: error %v, want %q", tc.content, err, tc.want)
		}
	}
}

// Every line Format writes reads back as the time it was given.
func TestFormatReadsBack(t *testing.T) {
	loc := time.FixedZone("", -5*3600)
	events := []Event{
		{Time: time.Date(2024, 3, 1, 23, 50, 0, 0, loc), Text: "late"},
		{Time: time.Date(2024, 3, 2, 0, 10, 30, 0, loc), Text: "next day, with seconds"},
		{Time: time.Date(2024, 3, 2, 1, 0, 0, 0, time.UTC), Text: "given in UTC"},
	}
	for _, zone := range []bool{false, true} {
		f := Format{Loc: loc, Day: time.Date(2024, 3, 1, 0, 0, 0, 0, loc), Zone: zone}
		base := f.Day
		for i, l := range f.Lines(events) {
			e, ok := postmortem.ParseTimelineEntry(strings.TrimPrefix(l, "- "), base)
			if !ok || !e.Time.Equal(events[i].Time) || e.Event != events[i].Text {
				t.Errorf("zone %v: %q reads back as %v %q (ok %v), want %v", zone, l, e.Time, e.Event, ok, events[i].Time)
			}
			if e.Dated {
				y, m, d := e.Time.In(loc).Date()
				base = time.Date(y, m, d, 0, 0, 0, 0, loc)
			}
		}
	}
}
