package cli

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"palisade.dev/palisade/internal/inventory"
	"palisade.dev/palisade/internal/ruledoc"
	"palisade.dev/palisade/internal/rules"
	"palisade.dev/palisade/internal/suggest"
)

// ruleListFormats are the formats of `palisade rules`.
var ruleListFormats = []string{"table", "json", "markdown"}

func newRulesCommand(s Streams) *cobra.Command {
	var format string
	var areas, policies []string
	cmd := &cobra.Command{
		Use:   "rules",
		Short: "List the rules of the catalog",
		Long: "List the rules Palisade evaluates: ID, severity, area, scope and title, or the whole catalog\n" +
			"as JSON, or the Markdown reference that docs/rules.md is generated from.",
		Example: `  palisade rules
  palisade rules --area workload
  palisade rules -o json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			catalog, err := catalogWith(cmd.Context(), policies, 0, ignoreAdmissionPolicies)
			if err != nil {
				return err
			}
			list, err := rulesInAreas(catalog, areas)
			if err != nil {
				return err
			}
			return writeRuleList(s.Out, format, list)
		},
	}
	cmd.Flags().StringVarP(&format, "output-format", "o", "table", "output format: "+strings.Join(ruleListFormats, ", "))
	cmd.Flags().StringSliceVar(&areas, "area", nil, "list only the rules of these areas (workload, namespace, pod-security-standards ...)")
	registerPolicyFlags(cmd, &policies, nil)
	return cmd
}

// rulesInAreas returns the catalog's rules, only those of the named areas when some are named.
// An area no rule belongs to is an error, so that a typo does not silently list nothing.
func rulesInAreas(c *rules.Catalog, areas []string) ([]*rules.Rule, error) {
	if len(areas) == 0 {
		return c.All(), nil
	}
	known := map[string]bool{}
	var names []string
	for _, r := range c.All() {
		if !known[string(r.Area)] {
			known[string(r.Area)] = true
			names = append(names, string(r.Area))
		}
	}
	for _, a := range areas {
		if !known[a] {
			slices.Sort(names)
			msg := fmt.Sprintf("--area: unknown area %q", a)
			if s := suggest.Closest(a, names); s != "" {
				msg += fmt.Sprintf(" (did you mean %q?)", s)
			}
			return nil, fmt.Errorf("%s; the areas are %s", msg, strings.Join(names, ", "))
		}
	}
	var out []*rules.Rule
	for _, r := range c.All() {
		if slices.Contains(areas, string(r.Area)) {
			out = append(out, r)
		}
	}
	return out, nil
}

func writeRuleList(w io.Writer, format string, list []*rules.Rule) error {
	switch strings.ToLower(format) {
	case "table", "":
		return ruledoc.WriteTable(w, list)
	case "json":
		return ruledoc.WriteJSON(w, list)
	case "markdown", "md":
		return ruledoc.WriteMarkdown(w, list)
	}
	return fmt.Errorf("unknown output format %q (want one of %s)", format, strings.Join(ruleListFormats, ", "))
}

func newExplainCommand(s Streams) *cobra.Command {
	var format string
	var policies []string
	cmd := &cobra.Command{
		Use:   "explain RULE",
		Short: "Explain one rule: what it checks, why, and how to fix it",
		Long: "Explain a rule: its title, severity, area, scope and kinds, why it matters, the fields it\n" +
			"restricts and the values it allows, its references, its remedy and what palisade fix does\n" +
			"with its findings (an edit, a TODO note, a namespace file, or none). RULE is a rule ID, or\n" +
			"area/* for every rule of an area.",
		Example: `  palisade explain pod/run-as-non-root
  palisade explain 'namespace/*'
  palisade explain pod/privileged -o json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			catalog, err := catalogWith(cmd.Context(), policies, 0, ignoreAdmissionPolicies)
			if err != nil {
				return err
			}
			if err := catalog.CheckIDs("explain", args); err != nil {
				return fmt.Errorf("%w\nRun '%s rules' to list the rules.", err, cmd.Root().CommandPath())
			}
			var matched []*rules.Rule
			for _, r := range catalog.All() {
				if rules.MatchID(args[0], r.ID) {
					matched = append(matched, r)
				}
			}
			return writeExplanations(s.Out, format, matched, strings.HasSuffix(args[0], "*"))
		},
	}
	cmd.Flags().StringVarP(&format, "output-format", "o", "text", "output format: text or json")
	registerPolicyFlags(cmd, &policies, nil)
	return cmd
}

// writeExplanations explains rules; as JSON, one rule named by its ID is one object, and the
// rules of a pattern are a catalog.
func writeExplanations(w io.Writer, format string, list []*rules.Rule, pattern bool) error {
	switch strings.ToLower(format) {
	case "text", "":
		for i, r := range list {
			if i > 0 {
				if _, err := io.WriteString(w, "\n---\n\n"); err != nil {
					return err
				}
			}
			if err := ruledoc.WriteExplanation(w, r); err != nil {
				return err
			}
		}
		return nil
	case "json":
		if !pattern && len(list) == 1 {
			return ruledoc.WriteEntryJSON(w, list[0])
		}
		return ruledoc.WriteJSON(w, list)
	}
	return fmt.Errorf("unknown output format %q (want text or json)", format)
}

// ignoreAdmissionPolicies lets rules and explain read policy files that also hold
// ValidatingAdmissionPolicies: those are not catalog rules, and listing rules judges nothing.
func ignoreAdmissionPolicies([]*inventory.Object) {}
