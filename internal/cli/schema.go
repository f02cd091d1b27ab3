package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/hindsight-dev/hindsight/internal/schema"
)

// NewCmdSchema builds `hindsight schema`; runF replaces the run in tests.
func NewCmdSchema(f *Factory, runF func(*Factory) error) *cobra.Command {
	return &cobra.Command{
		Use:   "schema",
		Short: "Print the JSON Schema of the front matter",
		Long: `Print the JSON Schema (draft 2020-12) of the postmortem front matter, with
this repository's severity levels and custom fields, generated from the types
that check uses. Editors that read yaml-language-server comments use it for
completion; 'hindsight new' keeps a copy in the content folder as ` + schema.FileName + `.`,
		Example: "  hindsight schema > postmortems/" + schema.FileName,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(f)
			}
			cfg, err := f.Config()
			if err != nil {
				return err
			}
			data, err := schema.Generate(cfg)
			if err != nil {
				return err
			}
			_, err = fmt.Fprintf(f.IO.Out, "%s\n", data)
			return err
		},
	}
}
