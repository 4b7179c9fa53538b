package cli

import (
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"palisade.dev/palisade/internal/rules/builtin"
)

func newRulesCommand(s Streams) *cobra.Command {
	return &cobra.Command{
		Use:   "rules",
		Short: "List the rules of the catalog",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := builtin.Catalog()
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(s.Out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tSEVERITY\tSCOPE\tTITLE")
			for _, r := range c.All() {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", r.ID, r.Severity, r.Scope, r.Title)
			}
			return tw.Flush()
		},
	}
}

func newExplainCommand(s Streams) *cobra.Command {
	return &cobra.Command{
		Use:   "explain RULE",
		Short: "Explain one rule: what it checks, why, and how to fix it",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := builtin.Catalog()
			if err != nil {
				return err
			}
			if err := c.CheckIDs("explain", args); err != nil {
				return err
			}
			r, _ := c.Lookup(args[0])
			fmt.Fprintf(s.Out, "%s: %s\n\n%s\n\nRemedy: %s\n", r.ID, r.Title, r.Description, r.Remedy)
			return nil
		},
	}
}
