package cli

import (
	"errors"
	"time"

	"github.com/spf13/cobra"

	"palisade.dev/palisade/internal/report"
	"palisade.dev/palisade/internal/rules"
	"palisade.dev/palisade/internal/scan"
	"palisade.dev/palisade/internal/source/node"
	"palisade.dev/palisade/internal/version"
)

func newNodeCommand(s Streams) *cobra.Command {
	var (
		out        outputFlags
		rf         ruleFlags
		opts       node.Options
		showPassed bool
		interval   time.Duration
	)
	cmd := &cobra.Command{
		Use:   "node",
		Short: "Audit the Kubernetes components of this machine (API server, etcd, kubelet ...)",
		Long: `Audit the Kubernetes components running on this machine, the way the CIS Kubernetes Benchmark
does, but from what they really run with: each component's command line is read from /proc
(or its static pod manifest), parsed as the component parses it, the kubelet's configuration
files are merged as the kubelet merges them, and the files they name (encryption and audit
configuration, certificates, kubeconfigs) are read and judged, with their permissions.
Every result is a pass, a failure or not applicable; --show-passed lists the passes.`,
		Example: `  sudo palisade node
  palisade node --root /host --show-passed -o junit=cis.xml -o text`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if interval <= 0 {
				return runNodeAudit(cmd, s, &out, &rf, opts, showPassed)
			}
			// A DaemonSet's pod runs for good: audit now, then again every interval, each
			// report on its own, until the pod is stopped.
			for {
				err := runNodeAudit(cmd, s, &out, &rf, opts, showPassed)
				var exit exitError
				if err != nil && !errors.As(err, &exit) {
					return err
				}
				select {
				case <-cmd.Context().Done():
					return nil
				case <-time.After(interval):
				}
			}
		},
	}
	out.register(cmd)
	rf.register(cmd)
	f := cmd.Flags()
	f.StringVar(&opts.Root, "root", "/", "the host's filesystem, where it is mounted (a DaemonSet mounts it at /host)")
	f.StringVar(&opts.Proc, "proc", "", "the host's /proc (default: ROOT/proc)")
	f.StringVar(&opts.Host, "hostname", "", "the node's name in findings (default: ROOT/etc/hostname, else this machine's name)")
	f.BoolVar(&showPassed, "show-passed", false, "list the rules that passed or did not apply too (they are always counted), as a benchmark report does")
	f.DurationVar(&interval, "interval", 0, "audit again every DURATION until stopped, each report written anew (for a DaemonSet; 0: once)")
	for _, name := range []string{"pss-version", "kubernetes-version", "no-annotation-exemptions"} {
		_ = f.MarkHidden(name)
	}
	return cmd
}

// runNodeAudit audits the node once and writes the reports.
func runNodeAudit(cmd *cobra.Command, s Streams, out *outputFlags, rf *ruleFlags, opts node.Options, showPassed bool) error {
	r, err := prepare(out, rf, []string{"."})
	if err != nil {
		return err
	}
	res := scan.Node(cmd.Context(), scan.NodeRequest{
		Source: opts, Catalog: r.catalog, Policy: r.policy, Selected: r.selected, Rules: r.options(rf),
	})
	in := &report.Input{
		Command: "node", Targets: []string{res.Node.Host}, Version: version.Version,
		Findings: res.Findings, Suppressed: res.Suppressed, ShowSuppressed: out.showSuppressed,
		Passed: res.Passed, ShowPassed: showPassed,
		Errors: res.Errors, FailOn: r.failOn,
		Stats: report.Stats{Objects: res.Objects},
		Rules: r.evaluated(func(rule *rules.Rule) bool { return rule.Scope == rules.ScopeNode }),
	}
	return out.finish(s.Out, in, res.ExitCode(r.failOn))
}
