package cli

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/hindsight-dev/hindsight/internal/impact"
)

// HotspotsOptions are the inputs of `hindsight hotspots`.
type HotspotsOptions struct {
	Factory *Factory
	Format  string
	Limit   int
}

// NewCmdHotspots builds `hindsight hotspots`; runF replaces the run in tests.
func NewCmdHotspots(f *Factory, runF func(*HotspotsOptions) error) *cobra.Command {
	opts := &HotspotsOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "hotspots",
		Short: "Files and folders most often changed by the commits that triggered incidents",
		Long: `List the files and folders that trigger commits changed most often across all
postmortems, with the incidents behind each: where a change deserves an extra
reviewer. A folder counts each incident once, however many of its files the
trigger changed.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.Limit < 1 {
				return usageError("--limit must be 1 or more")
			}
			if runF != nil {
				return runF(opts)
			}
			_, c, _, err := linkedCorpus(f)
			if err != nil {
				return err
			}
			spots := impact.Hotspots(c.Postmortems)
			if len(spots) > opts.Limit {
				spots = spots[:opts.Limit]
			}
			return writeHotspots(f.IO.Out, opts.Format, spots)
		},
	}
	enumVar(cmd, &opts.Format, "format", "text", reportFormats, "output format: text, markdown or json")
	cmd.Flags().IntVar(&opts.Limit, "limit", 20, "how many to list")
	return cmd
}

func writeHotspots(w io.Writer, format string, spots []impact.Hotspot) error {
	switch format {
	case "json":
		return writeJSONValue(w, struct {
			Version  int              `json:"version"`
			Hotspots []impact.Hotspot `json:"hotspots"`
		}{1, nonNil(spots)})
	case "markdown":
		var b strings.Builder
		b.WriteString("| Path | Repo | Incidents | Postmortems |\n| --- | --- | --- | --- |\n")
		for _, s := range spots {
			fmt.Fprintf(&b, "| `%s` | %s | %d | %s |\n", mdCell(s.Path), mdCell(repoLabel(s.Repo)), len(s.Incidents), mdCell(hotspotIncidents(s)))
		}
		_, err := io.WriteString(w, b.String())
		return err
	}
	if len(spots) == 0 {
		_, err := io.WriteString(w, "No trigger commit is linked yet: add `commits:` with `role: trigger` to postmortems.\n")
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "INCIDENTS\tREPO\tPATH\tPOSTMORTEMS")
	for _, s := range spots {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\n", len(s.Incidents), repoLabel(s.Repo), termText(s.Path), termText(hotspotIncidents(s)))
	}
	return tw.Flush()
}

// hotspotIncidents lists a hotspot's incidents, then those that were
// recurrences of an earlier fix.
func hotspotIncidents(s impact.Hotspot) string {
	text := strings.Join(s.Incidents, ", ")
	if len(s.Recurrences) > 0 {
		text += "; recurred after a fix: " + strings.Join(s.Recurrences, ", ")
	}
	return text
}

func repoLabel(name string) string {
	if name == "" {
		return "(this repo)"
	}
	return name
}
