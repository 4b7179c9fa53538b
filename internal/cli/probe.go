package cli

import (
	"bufio"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"
	"k8s.io/client-go/tools/clientcmd"

	"palisade.dev/palisade/internal/probe"
	probers "palisade.dev/palisade/internal/probe/builtin"
	"palisade.dev/palisade/internal/report"
	"palisade.dev/palisade/internal/rules"
	"palisade.dev/palisade/internal/scan"
	"palisade.dev/palisade/internal/version"
)

// probeFlags are the settings of `palisade probe`.
type probeFlags struct {
	fromCluster         bool
	kubeconfig, context string
	concurrency         int
	timeout, deadline   time.Duration
	maxAddresses        int
	active, yes         bool
	etcdCert, etcdKey   string
	etcdCA              string
	etcdPrefix          string
	showPassed          bool
}

func newProbeCommand(s Streams) *cobra.Command {
	var (
		out outputFlags
		rf  ruleFlags
		pf  probeFlags
	)
	cmd := &cobra.Command{
		Use:   "probe TARGET... | --from-cluster",
		Short: "Prove from the network what the kubelet, etcd and the API server let anyone do",
		Long: `Probe Kubernetes endpoints from the network, as an attacker would and without doing harm: whether
the kubelet API, its read-only port, etcd and the API server answer callers without credentials,
what they disclose (counted, every value left out), whether they speak plain HTTP or TLS, the
TLS versions and cipher suites they accept and whether etcd requires a client certificate. With
etcd's client certificate (--etcd-cert, --etcd-key, --etcd-ca) it proves whether Secrets are
encrypted at rest, from a bounded sample, never printing or keeping a value.

A TARGET is a host or IP address (probed on every default port: kubelet 10250 and 10255, etcd
2379 and 2380, API server 6443, 443 and 8080), host:port ([::1]:2379 for IPv6), a component
named on a port of its own (kube-apiserver=10.0.0.5:8443; components: kubelet,
kubelet-read-only, etcd, etcd-peer, kube-apiserver, kube-apiserver-insecure), or a CIDR range
(at most --max-addresses addresses in all). --from-cluster probes the API server of the
kubeconfig and every node's InternalIP and ExternalIP, listing only the Nodes.

Unless a target names it, each endpoint's component is told from what it answers a few
harmless GETs (/version, /members, /pods, /runningpods/), whatever its port; a default port
only decides between components the answers fit alike. An endpoint on a port you named that
answers as none of them is an error naming the COMPONENT=HOST:PORT form.

By default a probe only reads. --active allows requests that could change state or run
commands on the targets; it asks for confirmation (type "yes") unless --yes is given, and is
refused when standard input is not a terminal and --yes is missing.

An endpoint that does not answer is reported as not applicable, never as a pass. Exit codes:
0 clean, 1 findings at or above --fail-on, 2 errors (including endpoints the --deadline came
before, and endpoints on a named port that answer as no component).`,
		Example: `  palisade probe 10.0.0.5
  palisade probe 10.0.0.0/28 --show-passed
  palisade probe --from-cluster --context prod -o json=probe.json -o text
  palisade probe 10.0.0.5:2379 --etcd-cert client.crt --etcd-key client.key --etcd-ca ca.crt
  palisade probe 10.0.0.5:32303`,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runProbe(cmd, s, &out, &rf, &pf, args)
		},
	}
	out.register(cmd)
	rf.register(cmd)
	f := cmd.Flags()
	f.BoolVar(&pf.fromCluster, "from-cluster", false, "probe the API server of the kubeconfig and the addresses of every node (lists Nodes, nothing else)")
	f.StringVar(&pf.kubeconfig, "kubeconfig", "", "with --from-cluster: path to the kubeconfig file (default: $KUBECONFIG, else ~/.kube/config, else the in-cluster service account)")
	f.StringVar(&pf.context, "context", "", "with --from-cluster: the kubeconfig context (default: the current context)")
	f.IntVar(&pf.concurrency, "concurrency", probe.DefaultConcurrency, "endpoints probed at once, at most")
	f.DurationVar(&pf.timeout, "timeout", probe.DefaultTimeout, "how long one connection, handshake or request may take")
	f.DurationVar(&pf.deadline, "deadline", probe.DefaultDeadline, "how long the whole probe may take; endpoints not reached by then are reported as errors")
	f.IntVar(&pf.maxAddresses, "max-addresses", probe.DefaultMaxAddresses, "refuse targets of more addresses than this in all (CIDR ranges)")
	f.BoolVar(&pf.active, "active", false, "allow requests that could change state or run commands on the targets (asks for confirmation)")
	f.BoolVar(&pf.yes, "yes", false, "with --active: do not ask for confirmation")
	f.StringVar(&pf.etcdCert, "etcd-cert", "", "etcd client certificate (PEM), to prove encryption at rest")
	f.StringVar(&pf.etcdKey, "etcd-key", "", "etcd client key (PEM)")
	f.StringVar(&pf.etcdCA, "etcd-ca", "", "CA that signed etcd's serving certificate (PEM; default: etcd is not verified)")
	f.StringVar(&pf.etcdPrefix, "etcd-prefix", probers.DefaultEtcdPrefix, "the API server's --etcd-prefix: where in etcd its objects are")
	f.BoolVar(&pf.showPassed, "show-passed", false, "list the rules that passed or did not apply too (they are always counted)")
	f.Lookup("config").Usage = "config file (default: .palisade.yaml in the current folder or a parent)"
	for _, name := range []string{"pss-version", "kubernetes-version", "no-annotation-exemptions"} {
		_ = f.MarkHidden(name)
	}
	return cmd
}

func runProbe(cmd *cobra.Command, s Streams, out *outputFlags, rf *ruleFlags, pf *probeFlags, args []string) error {
	switch {
	case pf.fromCluster && len(args) > 0:
		return errors.New("name targets or use --from-cluster, not both")
	case !pf.fromCluster && len(args) == 0:
		return errors.New("no target given: name hosts, host:port or CIDR ranges, or use --from-cluster")
	case !pf.fromCluster && (pf.kubeconfig != "" || pf.context != ""):
		return errors.New("--kubeconfig and --context go with --from-cluster")
	case pf.concurrency < 1:
		return fmt.Errorf("--concurrency %d: want at least 1", pf.concurrency)
	case pf.timeout <= 0 || pf.deadline <= 0:
		return errors.New("--timeout and --deadline must be positive")
	}
	etcdTLS, err := pf.etcdClientTLS()
	if err != nil {
		return err
	}
	var targets []probe.Target
	if pf.fromCluster {
		targets, err = pf.clusterTargets(cmd)
	} else {
		targets, err = probe.ParseTargets(args, pf.maxAddresses)
	}
	if err != nil {
		return err
	}
	if pf.active {
		if err := confirmActive(s, pf.yes, len(targets)); err != nil {
			return err
		}
	}
	r, err := prepare(cmd.Context(), out, rf, []string{"."})
	if err != nil {
		return err
	}
	req := probers.Request(pf.etcdPrefix)
	req.Targets, req.Concurrency, req.Timeout, req.Deadline = targets, pf.concurrency, pf.timeout, pf.deadline
	req.Active = pf.active
	if etcdTLS != nil {
		req.ClientTLS = map[string]*tls.Config{probe.Etcd: etcdTLS}
	}
	res := scan.Probe(cmd.Context(), scan.ProbeRequest{
		Probe: req, Catalog: r.catalog, Policy: r.policy, Selected: r.selected, Rules: r.options(rf),
	})
	in := &report.Input{
		Command: "probe", Targets: targetNames(args, pf), Version: version.Version,
		Findings: res.Findings, Suppressed: res.Suppressed, ShowSuppressed: out.showSuppressed,
		Passed: res.Passed, ShowPassed: pf.showPassed,
		Errors: res.Errors, FailOn: r.failOn,
		Stats: report.Stats{Objects: res.Objects},
		Rules: r.evaluated(func(rule *rules.Rule) bool { return rule.Scope == rules.ScopeEndpoint }),
	}
	return out.finish(s.Out, in, res.ExitCode(r.failOn))
}

// targetNames names what was probed in the report.
func targetNames(args []string, pf *probeFlags) []string {
	if !pf.fromCluster {
		return args
	}
	name := "the current context"
	if pf.context != "" {
		name = "context " + pf.context
	}
	return []string{"nodes and API server of " + name}
}

// clusterTargets lists the API server and node addresses of the kubeconfig's cluster.
func (pf *probeFlags) clusterTargets(cmd *cobra.Command) ([]probe.Target, error) {
	loading := clientcmd.NewDefaultClientConfigLoadingRules()
	if pf.kubeconfig != "" {
		loading.ExplicitPath = pf.kubeconfig
	}
	overrides := &clientcmd.ConfigOverrides{CurrentContext: pf.context}
	cfg, err := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(loading, overrides).ClientConfig()
	if err != nil {
		return nil, fmt.Errorf("loading the kubeconfig: %w", err)
	}
	cfg.UserAgent = "palisade/" + version.Version
	cfg.Timeout = pf.timeout * 10
	return probe.FromCluster(cmd.Context(), cfg)
}

// etcdClientTLS loads --etcd-cert, --etcd-key and --etcd-ca, or returns nil when none is given.
func (pf *probeFlags) etcdClientTLS() (*tls.Config, error) {
	if pf.etcdCert == "" && pf.etcdKey == "" && pf.etcdCA == "" {
		return nil, nil
	}
	if (pf.etcdCert == "") != (pf.etcdKey == "") {
		return nil, errors.New("--etcd-cert and --etcd-key go together")
	}
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if pf.etcdCert != "" {
		pair, err := tls.LoadX509KeyPair(pf.etcdCert, pf.etcdKey)
		if err != nil {
			return nil, fmt.Errorf("loading the etcd client certificate %s and key %s: %w", pf.etcdCert, pf.etcdKey, err)
		}
		cfg.Certificates = []tls.Certificate{pair}
	}
	if pf.etcdCA == "" {
		cfg.InsecureSkipVerify = true //nolint:gosec // no CA given: the proof reads, it trusts nothing it reads
		return cfg, nil
	}
	data, err := os.ReadFile(pf.etcdCA)
	if err != nil {
		return nil, fmt.Errorf("reading the etcd CA %s: %w", pf.etcdCA, err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(data) {
		return nil, fmt.Errorf("reading the etcd CA %s: no PEM certificate in it", pf.etcdCA)
	}
	cfg.RootCAs = pool
	return cfg, nil
}

// confirmActive asks the user to confirm --active: "yes" typed on a terminal, or --yes.
func confirmActive(s Streams, yes bool, targets int) error {
	if yes {
		return nil
	}
	f, ok := s.In.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return errors.New("--active sends requests that could change state or run commands on the targets: confirm with --yes (standard input is not a terminal to ask on)")
	}
	fmt.Fprintf(s.Err, "--active sends requests that could change state or run commands on %d endpoints.\nType yes to go on: ", targets)
	line, err := bufio.NewReader(io.LimitReader(s.In, 1024)).ReadString('\n')
	if err != nil && line == "" {
		return fmt.Errorf("--active not confirmed: %w", err)
	}
	if strings.TrimSpace(line) != "yes" {
		return errors.New("--active not confirmed")
	}
	return nil
}
