package cli

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// Each command's flags reach its options as typed, through the runF seam
// of its constructor, and a value outside an enum flag's choices is a
// usage error before the command runs.
func TestFlagsReachOptions(t *testing.T) {
	f := &Factory{IO: &IO{Getenv: func(string) string { return "" }}}
	var got any
	capture := func(o any) error { got = o; return nil }
	for _, tc := range []struct {
		name string
		cmd  *cobra.Command
		args []string
		want any
	}{
		{"actions", NewCmdActions(f, func(o *ActionsOptions) error { return capture(*o) }),
			[]string{"--overdue", "--owner", "sre@example.com", "--status", "open", "--format", "csv"},
			ActionsOptions{Factory: f, Overdue: true, Owner: "sre@example.com", Status: "open", Format: "csv"}},
		{"build", NewCmdBuild(f, func(o *BuildOptions) error { return capture(*o) }),
			[]string{"--out", "public", "--base-url", "/pm/", "--drafts", "--public", "--theme", "mine"},
			BuildOptions{Factory: f, Out: "public", BaseURL: "/pm/", Drafts: true, Public: true, Theme: "mine"}},
		{"check", NewCmdCheck(f, func(o *CheckOptions) error { return capture(*o) }),
			[]string{"--format", "json", "--strict", "--changed-since", "origin/main", "a.md"},
			CheckOptions{Factory: f, Paths: []string{"a.md"}, Format: "json", Strict: true, ChangedSince: "origin/main"}},
		{"export", NewCmdExport(f, func(o *ExportOptions) error { return capture(*o) }),
			[]string{"--format", "ndjson", "--public", "--drafts"},
			ExportOptions{Factory: f, Format: "ndjson", Public: true, Drafts: true}},
		{"hotspots", NewCmdHotspots(f, func(o *HotspotsOptions) error { return capture(*o) }),
			[]string{"--format", "markdown", "--limit", "5"},
			HotspotsOptions{Factory: f, Format: "markdown", Limit: 5}},
		{"related", NewCmdRelated(f, func(o *RelatedOptions) error { return capture(*o) }),
			[]string{"--base", "origin/main", "--repo", "web", "--format", "json"},
			RelatedOptions{Factory: f, Base: "origin/main", Repo: "web", Format: "json"}},
		{"stats", NewCmdStats(f, func(o *StatsOptions) error { return capture(*o) }),
			[]string{"--by", "quarter", "--format", "json"},
			StatsOptions{Factory: f, By: "quarter", Format: "json"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got = nil
			tc.cmd.SetArgs(tc.args)
			if err := tc.cmd.Execute(); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("options\n got %+v\nwant %+v", got, tc.want)
			}
		})
	}

	ran := false
	cmd := NewCmdStats(f, func(*StatsOptions) error { ran = true; return nil })
	cmd.SetArgs([]string{"--by", "year"})
	cmd.SetFlagErrorFunc(NewRootCmd(f).FlagErrorFunc())
	cmd.SilenceErrors, cmd.SilenceUsage = true, true
	err := cmd.Execute()
	var exit *exitError
	if ran || !errors.As(err, &exit) || exit.code != ExitUsage || !strings.Contains(err.Error(), `--by "year" is not supported; use one of month, quarter`) {
		t.Errorf("--by year: ran %v, %v", ran, err)
	}
}
