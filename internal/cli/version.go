package cli

import (
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"
)

// Version describes this build: the module version (a tag when installed
// with go install), and the VCS revision and time when built from a
// checkout.
func Version() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "hindsight (unknown version)"
	}
	v := info.Main.Version
	if v == "" || v == "(devel)" {
		v = "devel"
	}
	var rev, at, dirty string
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.time":
			at = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				dirty = " with local changes"
			}
		}
	}
	out := "hindsight " + v
	if rev != "" {
		out += fmt.Sprintf(" (%s, %s%s)", rev[:min(12, len(rev))], at, dirty)
	}
	return out + " " + info.GoVersion + " " + runtime.GOOS + "/" + runtime.GOARCH
}

// NewCmdVersion builds `hindsight version`.
func NewCmdVersion(f *Factory) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version of hindsight",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			_, err := fmt.Fprintln(f.IO.Out, Version())
			return err
		},
	}
}
