package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/rules"
	"palisade.dev/palisade/internal/rules/builtin"
	"palisade.dev/palisade/internal/vap"
)

func newVAPCommand(s Streams) *cobra.Command {
	var (
		only, skip        []string
		severity          string
		action            string
		namespaceSelector string
		output            string
	)
	cmd := &cobra.Command{
		Use:   "vap",
		Short: "Write ValidatingAdmissionPolicies that enforce the catalog without a webhook",
		Long: "Write admissionregistration.k8s.io/v1 ValidatingAdmissionPolicies and their bindings (CEL) for\n" +
			"every rule that CEL can express exactly, so that the API server itself refuses what those rules\n" +
			"find, on Pods and every workload kind. 'palisade explain RULE' says whether a rule can be\n" +
			"enforced this way. The bindings leave kube-system out unless --namespace-selector says\n" +
			"otherwise.",
		Example: `  palisade vap -o policies.yaml
  palisade vap --severity-at-least high --action Warn -o policies.yaml
  palisade vap --rule pod/privileged --rule 'pod/host-*' --namespace-selector 'env=prod'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			catalog, err := builtin.Catalog()
			if err != nil {
				return fmt.Errorf("building the rule catalog: %w", err)
			}
			opts, err := vapOptions(action, namespaceSelector)
			if err != nil {
				return err
			}
			selected, err := vapRules(catalog, only, skip, severity, s.Err)
			if err != nil {
				return err
			}
			pairs, err := vap.Generate(selected, opts)
			if err != nil {
				return err
			}
			return writeOutput(output, s.Out, func(w io.Writer) error { return vap.Write(w, pairs) })
		},
	}
	f := cmd.Flags()
	f.StringSliceVar(&only, "rule", nil, "write only these rules (IDs, or area/* patterns)")
	f.StringSliceVar(&skip, "skip-rule", nil, "leave these rules out (IDs, or area/* patterns)")
	f.StringVar(&severity, "severity-at-least", "info", "write only rules of this severity or above (critical, high, medium, low, info)")
	f.StringVar(&action, "action", "Deny", "what the bindings do with an object that fails a rule: Deny, Warn or Audit")
	f.StringVar(&namespaceSelector, "namespace-selector", "", "label selector of the namespaces the bindings apply to (default: every namespace but kube-system)")
	f.StringVarP(&output, "output", "o", "-", "file to write the policies to (- for standard output)")
	return cmd
}

// vapOptions reads --action and --namespace-selector.
func vapOptions(action, namespaceSelector string) (vap.Options, error) {
	var opts vap.Options
	for _, a := range []admissionregistrationv1.ValidationAction{vap.Deny, vap.Warn, vap.Audit} {
		if strings.EqualFold(action, string(a)) {
			opts.Action = a
		}
	}
	if opts.Action == "" {
		return opts, fmt.Errorf("--action %q: want Deny, Warn or Audit", action)
	}
	if namespaceSelector != "" {
		sel, err := metav1.ParseToLabelSelector(namespaceSelector)
		if err != nil {
			return opts, fmt.Errorf("--namespace-selector: %w", err)
		}
		opts.NamespaceSelector = sel
	}
	return opts, nil
}

// vapRules are the rules the flags select that a policy can enforce. A rule named by its ID
// that cannot be enforced is an error, never silently left out; the rules of a pattern that
// cannot are named on stderr.
func vapRules(c *rules.Catalog, only, skip []string, severity string, stderr io.Writer) ([]*rules.Rule, error) {
	if err := c.CheckIDs("--rule", only); err != nil {
		return nil, err
	}
	if err := c.CheckIDs("--skip-rule", skip); err != nil {
		return nil, err
	}
	least, err := finding.ParseSeverity(severity)
	if err != nil {
		return nil, fmt.Errorf("--severity-at-least: %w", err)
	}
	matches := func(patterns []string, id string) bool {
		for _, p := range patterns {
			if rules.MatchID(p, id) {
				return true
			}
		}
		return false
	}
	var out []*rules.Rule
	var errs []error
	var leftOut []string
	for _, r := range c.All() {
		if (len(only) > 0 && !matches(only, r.ID)) || matches(skip, r.ID) || r.Severity < least {
			continue
		}
		switch {
		case vap.Enforceable(r):
			out = append(out, r)
		case len(only) > 0 && containsString(only, r.ID):
			errs = append(errs, fmt.Errorf("--rule %s: a ValidatingAdmissionPolicy cannot enforce this rule exactly (see 'palisade explain %s')", r.ID, r.ID))
		case len(only) > 0:
			leftOut = append(leftOut, r.ID)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	if len(leftOut) > 0 {
		fmt.Fprintf(stderr, "note: left out %d rules a ValidatingAdmissionPolicy cannot enforce exactly: %s\n", len(leftOut), strings.Join(leftOut, ", "))
	}
	if len(out) == 0 {
		return nil, errors.New("no rule selected can be enforced by a ValidatingAdmissionPolicy ('palisade explain RULE' says which can)")
	}
	return out, nil
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// writeOutput writes to the file named (standard output for "-"), and reports a failure to
// write or close it.
func writeOutput(name string, stdout io.Writer, write func(io.Writer) error) error {
	if name == "" || name == "-" {
		return write(stdout)
	}
	f, err := os.Create(name)
	if err != nil {
		return fmt.Errorf("creating %s: %w", name, err)
	}
	if err := write(f); err != nil {
		f.Close()
		return fmt.Errorf("writing %s: %w", name, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("writing %s: %w", name, err)
	}
	return nil
}
