package cli

import (
	"github.com/spf13/cobra"

	"palisade.dev/palisade/internal/policy"
)

func newPolicyCommand(s Streams) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "policy",
		Short: "Work with your own policies (Rego, Gatekeeper ConstraintTemplates)",
		Long:  "Work with your own policies: Rego files and Gatekeeper ConstraintTemplates that scan, cluster\nand the webhook run beside the built-in rules (--policy, or policies: in .palisade.yaml).",
		Args:  cobra.NoArgs,
	}
	cmd.AddCommand(newPolicyTestCommand(s))
	return cmd
}

func newPolicyTestCommand(s Streams) *cobra.Command {
	var verbose bool
	cmd := &cobra.Command{
		Use:   "test PATH...",
		Short: "Run the Rego unit tests of policies, as opa test does",
		Long: "Run the unit tests (rules named test_*, usually in *_test.rego files) of the .rego files at the\n" +
			"paths (files or folders), compiled as a scan compiles them. The report reads like opa test's.\n" +
			"Exit code 0: every test passed; 1: a test failed or errored; 2: the policies do not compile,\n" +
			"or there is no test to run.",
		Example: `  palisade policy test policies/
  palisade policy test -v policies/no-latest.rego policies/no-latest_test.rego`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			out, err := policy.Test(cmd.Context(), args, s.Out, verbose)
			if err != nil {
				return err
			}
			if !out.OK() {
				return exitError{1}
			}
			return nil
		},
	}
	cmd.Flags().BoolVarP(&verbose, "verbose", "v", false, "list every test and show the trace of failures")
	return cmd
}
