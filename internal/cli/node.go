package cli

import (
	"errors"
	"time"

	"github.com/spf13/cobra"

	"palisade.dev/palisade/internal/probe"
	probers "palisade.dev/palisade/internal/probe/builtin"
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
		np         nodeProbeFlags
	)
	cmd := &cobra.Command{
		Use:   "node",
		Short: "Audit the Kubernetes components of this machine (API server, etcd, kubelet ...)",
		Long: `Audit the Kubernetes components running on this machine, the way the CIS Kubernetes Benchmark
does, but from what they really run with: each component's command line is read from /proc
(or its static pod manifest), parsed as the component parses it, the kubelet's configuration
files are merged as the kubelet merges them, and the files they name (encryption and audit
configuration, certificates, kubeconfigs) are read and judged, with their permissions.
Every result is a pass, a failure or not applicable; --show-passed lists the passes.

By default the audit reads files only. --probe also asks, from the network and read-only as
palisade probe does, the endpoints the components serve by their own settings (the kubelet's
port and read-only port, etcd's listen URLs, the API server's secure port and legacy insecure
port; an address that listens on all interfaces is asked on 127.0.0.1), so that one report
holds the verdicts on the flags and the network's proof side by side.`,
		Example: `  sudo palisade node
  sudo palisade node --probe
  palisade node --root /host --show-passed -o junit=cis.xml -o text`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := np.validate(); err != nil {
				return err
			}
			if interval <= 0 {
				return runNodeAudit(cmd, s, &out, &rf, opts, showPassed, &np)
			}
			// A DaemonSet's pod runs for good: audit now, then again every interval, each
			// report on its own, until the pod is stopped.
			for {
				err := runNodeAudit(cmd, s, &out, &rf, opts, showPassed, &np)
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
	f.BoolVar(&np.enabled, "probe", false, "also probe, read-only, the endpoints the components serve by their settings (a DaemonSet needs hostNetwork)")
	f.DurationVar(&np.timeout, "probe-timeout", probe.DefaultTimeout, "with --probe: how long one connection, handshake or request may take")
	f.DurationVar(&np.deadline, "probe-deadline", probe.DefaultDeadline, "with --probe: how long probing may take in all")
	f.Lookup("config").Usage = "config file (default: .palisade.yaml in the current folder or a parent)"
	for _, name := range []string{"pss-version", "kubernetes-version", "no-annotation-exemptions"} {
		_ = f.MarkHidden(name)
	}
	return cmd
}

// nodeProbeFlags are the settings of `palisade node --probe`.
type nodeProbeFlags struct {
	enabled           bool
	timeout, deadline time.Duration
}

func (np *nodeProbeFlags) validate() error {
	if np.timeout <= 0 || np.deadline <= 0 {
		return errors.New("--probe-timeout and --probe-deadline must be positive")
	}
	return nil
}

// request is the probe run of --probe, nil without it: the probers and TLS posture scan of
// palisade probe, read-only.
func (np *nodeProbeFlags) request() *scan.NodeProbe {
	if !np.enabled {
		return nil
	}
	req := probers.Request(probers.DefaultEtcdPrefix)
	req.Timeout, req.Deadline = np.timeout, np.deadline
	// etcd's prober is made per node, with the prefix its API server uses.
	return &scan.NodeProbe{Request: req, Etcd: probers.Etcd}
}

// runNodeAudit audits the node once and writes the reports.
func runNodeAudit(cmd *cobra.Command, s Streams, out *outputFlags, rf *ruleFlags, opts node.Options, showPassed bool, np *nodeProbeFlags) error {
	r, err := prepare(cmd.Context(), out, rf, []string{"."})
	if err != nil {
		return err
	}
	res := scan.Node(cmd.Context(), scan.NodeRequest{
		Source: opts, Catalog: r.catalog, Policy: r.policy, Selected: r.selected, Rules: r.options(rf),
		Probe: np.request(),
	})
	// The report's targets name the node, then each endpoint probed and where its address
	// came from.
	targets := []string{res.Node.Host}
	for _, t := range res.Probed {
		targets = append(targets, t.String())
	}
	in := &report.Input{
		Command: "node", Targets: targets, Version: version.Version,
		Findings: res.Findings, Suppressed: res.Suppressed, ShowSuppressed: out.showSuppressed,
		Passed: res.Passed, ShowPassed: showPassed,
		Errors: res.Errors, FailOn: r.failOn,
		Stats: report.Stats{Objects: res.Objects},
		Rules: r.evaluated(func(rule *rules.Rule) bool {
			return rule.Scope == rules.ScopeNode || np.enabled && rule.Scope == rules.ScopeEndpoint
		}),
	}
	return out.finish(s.Out, in, res.ExitCode(r.failOn))
}
