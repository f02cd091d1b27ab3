package cli

import (
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"
)

// enumVar defines a string flag whose value must be one of allowed (or
// its default): a wrong value is a usage error naming the choices, and
// the shell completes the choices.
func enumVar(cmd *cobra.Command, p *string, name, value string, allowed []string, usage string) {
	*p = value
	cmd.Flags().Var(&enumFlag{name: name, def: value, p: p, allowed: allowed}, name, usage)
	_ = cmd.RegisterFlagCompletionFunc(name, cobra.FixedCompletions(allowed, cobra.ShellCompDirectiveNoFileComp))
}

type enumFlag struct {
	name, def string
	p         *string
	allowed   []string
}

func (e *enumFlag) String() string { return *e.p }
func (e *enumFlag) Type() string   { return "string" }

func (e *enumFlag) Set(v string) error {
	if v != e.def && !slices.Contains(e.allowed, v) {
		return &enumError{name: e.name, value: v, allowed: e.allowed}
	}
	*e.p = v
	return nil
}

// enumError is a value outside an enum flag's choices.
type enumError struct {
	name, value string
	allowed     []string
}

func (e *enumError) Error() string {
	return fmt.Sprintf("--%s %q is not supported; use one of %s", e.name, e.value, strings.Join(e.allowed, ", "))
}
