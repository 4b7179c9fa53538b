package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/report"
	"palisade.dev/palisade/internal/scan"
	"palisade.dev/palisade/internal/version"
)

// inClusterContext names the cluster when Palisade runs in a pod with no kubeconfig.
const inClusterContext = "in-cluster"

// clusterFlags are how `palisade cluster` connects, the way kubectl does.
type clusterFlags struct {
	kubeconfig     string
	context        string
	namespace      string
	allContexts    bool
	requestTimeout time.Duration
	qps            float32
	burst          int
	skipAnonymous  bool
}

func (c *clusterFlags) register(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVar(&c.kubeconfig, "kubeconfig", "", "path to the kubeconfig file (default: $KUBECONFIG, else ~/.kube/config, else the in-cluster service account)")
	f.StringVar(&c.context, "context", "", "the kubeconfig context to scan (default: the current context)")
	f.StringVarP(&c.namespace, "namespace", "n", "", "scan only this namespace (default: every namespace, and the cluster-scoped objects)")
	f.BoolVar(&c.allContexts, "all-contexts", false, "scan every context of the kubeconfig, concurrently, one report section each")
	f.DurationVar(&c.requestTimeout, "request-timeout", 30*time.Second, "how long one request to the API server may take (0: no limit)")
	f.Float32Var(&c.qps, "qps", 50, "requests per second to each API server, at most")
	f.IntVar(&c.burst, "burst", 100, "requests that may exceed --qps in a burst")
	f.BoolVar(&c.skipAnonymous, "skip-anonymous-check", false, "do not make the requests without credentials that show what anonymous callers can read")
}

// target is one cluster to scan.
type target struct {
	context string
	config  *rest.Config
	err     error // the context could not be turned into a client configuration
}

// targets resolves the flags into the clusters to scan.
func (c *clusterFlags) targets() ([]target, error) {
	loading := clientcmd.NewDefaultClientConfigLoadingRules()
	if c.kubeconfig != "" {
		loading.ExplicitPath = c.kubeconfig
	}
	if !c.allContexts {
		overrides := &clientcmd.ConfigOverrides{CurrentContext: c.context}
		cc := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(loading, overrides)
		name := c.context
		if name == "" {
			if raw, err := cc.RawConfig(); err == nil {
				name = raw.CurrentContext
			}
		}
		cfg, err := cc.ClientConfig()
		if err != nil {
			return nil, fmt.Errorf("loading the kubeconfig: %w", err)
		}
		if name == "" {
			name = inClusterContext
		}
		return []target{{context: name, config: c.tune(cfg)}}, nil
	}
	if c.context != "" {
		return nil, errors.New("--context and --all-contexts exclude each other")
	}
	raw, err := loading.Load()
	if err != nil {
		return nil, fmt.Errorf("loading the kubeconfig: %w", err)
	}
	if len(raw.Contexts) == 0 {
		return nil, errors.New("--all-contexts: the kubeconfig has no context")
	}
	names := make([]string, 0, len(raw.Contexts))
	for name := range raw.Contexts {
		names = append(names, name)
	}
	sort.Strings(names)
	var out []target
	for _, name := range names {
		cfg, err := clientcmd.NewNonInteractiveClientConfig(*raw, name, &clientcmd.ConfigOverrides{}, loading).ClientConfig()
		t := target{context: name, err: err}
		if err == nil {
			t.config = c.tune(cfg)
		}
		out = append(out, t)
	}
	return out, nil
}

// tune sets the client's limits: a scan lists many kinds at once, so client-go's default of
// 5 requests per second would make it crawl.
func (c *clusterFlags) tune(cfg *rest.Config) *rest.Config {
	cfg.QPS, cfg.Burst = c.qps, c.burst
	cfg.Timeout = c.requestTimeout
	cfg.UserAgent = "palisade/" + version.Version
	// The server's warnings (deprecated fields of listed objects) are not the scan's output.
	cfg.WarningHandler = rest.NoWarnings{}
	return cfg
}

func newClusterCommand(s Streams) *cobra.Command {
	var (
		out        outputFlags
		rf         ruleFlags
		cf         clusterFlags
		showPassed bool
	)
	cmd := &cobra.Command{
		Use:   "cluster",
		Short: "Scan a live cluster, read-only (never Secrets)",
		Long: `Scan a live cluster, read-only: list, page by page, the kinds the rules read (never Secrets),
check its workloads and namespaces with the same rules as 'scan', and judge the cluster itself:
its version, who may do what, what anonymous callers can read. A kind the identity may not list
is reported as a coverage gap (exit code 2), never as "there are none".`,
		Example: `  palisade cluster
  palisade cluster --context prod -n payments
  palisade cluster --all-contexts -o json=clusters.json -o text`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			r, err := prepare(cmd.Context(), &out, &rf, []string{"."})
			if err != nil {
				return err
			}
			targets, err := cf.targets()
			if err != nil {
				return err
			}
			progress := newClusterProgress(s.Err)
			results := make([]*scan.ClusterResult, len(targets))
			reach := make([]*reachabilityInput, len(targets))
			var wg sync.WaitGroup
			for i, t := range targets {
				reach[i] = reachabilityFor(&out)
				wg.Go(func() {
					results[i] = scanTarget(cmd.Context(), t, scan.ClusterRequest{
						Context: t.context, Namespace: cf.namespace,
						Catalog: r.catalog, Policy: r.policy, Selected: r.selected,
						Rules:         r.reportOptions(&rf, &out),
						SkipAnonymous: cf.skipAnonymous,
						Progress:      progress.counter(t.context),
						Observe:       reach[i].observer(),
					})
				})
			}
			wg.Wait()
			progress.stop()
			in := &report.Input{
				Command: "cluster", Version: version.Version,
				ShowSuppressed: out.showSuppressed, FailOn: r.failOn, ShowPassed: showPassed,
				Rules: r.evaluated(nil),
			}
			code := 0
			summaries := make([]*report.Reachability, len(targets))
			contexts := make([]string, len(targets))
			for i, res := range results {
				defer res.Close()
				summaries[i], contexts[i] = reach[i].summary(), targets[i].context
				in.Targets = append(in.Targets, targets[i].context)
				in.Suppressed = append(in.Suppressed, res.Suppressed...)
				in.Passed = append(in.Passed, res.Passed...)
				in.Errors = append(in.Errors, res.Errors...)
				in.Stats.Objects += res.Objects
				in.Clusters = append(in.Clusters, clusterSummary(targets[i], res))
				code = max(code, res.ExitCode(r.failOn))
			}
			active, err := mergeClusters(results)
			if err != nil {
				return fmt.Errorf("reading the findings back: %w", err)
			}
			in.Active = active
			finding.Sort(in.Suppressed)
			finding.Sort(in.Passed)
			finding.SortErrors(in.Errors)
			in.Reachability = mergeReachability(contexts, summaries)
			return out.finish(s.Out, in, code)
		},
	}
	out.register(cmd)
	rf.register(cmd)
	rf.registerPolicies(cmd)
	cf.register(cmd)
	cmd.Flags().BoolVar(&showPassed, "show-passed", false, "list the control-plane checks (judged on its mirror pods) that passed or did not apply too")
	cmd.Flags().Lookup("kubernetes-version").Usage = "judge the cluster as if it ran this Kubernetes version (v1.N; default: the version the server reports)"
	cmd.Flags().Lookup("config").Usage = "config file (default: .palisade.yaml in the current folder or a parent)"
	return cmd
}

// mergeClusters joins the active findings of several clusters: each result is sorted, its
// findings about what running pods use first, and several clusters are merged by cluster
// (Location.Cluster), each keeping its own order. A result names one cluster, nearly always,
// and the results are then joined as they are, in the order of their clusters; otherwise the
// findings are read into memory and ordered there.
func mergeClusters(results []*scan.ClusterResult) (finding.Seq, error) {
	seqs := make([]finding.Seq, len(results))
	key := make([]string, len(results))
	whole := true
	for i, res := range results {
		seqs[i] = res.ActiveFindings()
		switch cs := seqs[i].Tally().Clusters; len(cs) {
		case 0:
		case 1:
			key[i] = cs[0]
		default:
			whole = false
		}
	}
	if whole {
		order := make([]int, 0, len(seqs))
		for i := range seqs {
			if seqs[i].Len() > 0 {
				order = append(order, i)
			}
		}
		slices.SortStableFunc(order, func(a, b int) int { return strings.Compare(key[a], key[b]) })
		joined := make([]finding.Seq, 0, len(order)+1)
		for _, i := range order {
			joined = append(joined, seqs[i])
		}
		if len(joined) == 0 {
			return finding.Slice(nil), nil
		}
		return finding.Concat(joined...), nil
	}
	var all []finding.Finding
	for _, seq := range seqs {
		fs, err := finding.Collect(seq)
		if err != nil {
			return nil, err
		}
		all = append(all, fs...)
	}
	slices.SortStableFunc(all, func(a, b finding.Finding) int {
		return strings.Compare(a.Location.Cluster, b.Location.Cluster)
	})
	return finding.Slice(all), nil
}

// scanTarget scans one cluster; a context that could not be configured is one error.
func scanTarget(ctx context.Context, t target, req scan.ClusterRequest) *scan.ClusterResult {
	if t.err != nil {
		res := &scan.ClusterResult{}
		res.Errors = []finding.ScanError{{
			Location: finding.Location{Cluster: t.context},
			Message:  fmt.Sprintf("configuring context %s: %v", t.context, t.err),
		}}
		return res
	}
	req.Config = t.config
	return scan.Cluster(ctx, req)
}

// clusterSummary is what the report says about one scanned cluster.
func clusterSummary(t target, r *scan.ClusterResult) report.Cluster {
	c := report.Cluster{Context: t.context, Objects: r.Objects, Skipped: r.Skipped}
	if t.config != nil {
		c.Server = t.config.Host
	}
	facts := r.Cluster
	if facts == nil {
		return c
	}
	c.Server, c.Version, c.Distribution = facts.Server, facts.Version, facts.Distribution
	c.Reachable = facts.Version != ""
	c.User, c.Groups = facts.Identity.User, slices.Clone(facts.Identity.Groups)
	if facts.Identity.Checked {
		admin := facts.Identity.ClusterAdmin
		c.ClusterAdmin = &admin
	}
	for _, g := range facts.Gaps {
		if g.Kind != "*" {
			c.Gaps++
		}
	}
	return c
}

// clusterProgress shows, on stderr when it is a terminal, what has been read so far.
type clusterProgress struct {
	mu     sync.Mutex
	counts map[string]map[string]int // context -> kind -> objects read
	stopFn func()
}

func newClusterProgress(stderr io.Writer) *clusterProgress {
	p := &clusterProgress{counts: map[string]map[string]int{}}
	p.stopFn = showProgress(stderr, p.line)
	return p
}

// counter returns the Progress callback of one context; nil when nothing is shown.
func (p *clusterProgress) counter(context string) func(kind string, read int) {
	return func(kind string, read int) {
		p.mu.Lock()
		defer p.mu.Unlock()
		if p.counts[context] == nil {
			p.counts[context] = map[string]int{}
		}
		p.counts[context][kind] = max(p.counts[context][kind], read)
	}
}

func (p *clusterProgress) line() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	objects, kinds := 0, 0
	for _, byKind := range p.counts {
		for _, n := range byKind {
			objects += n
			kinds++
		}
	}
	return fmt.Sprintf("reading: %d objects of %d kinds in %d clusters", objects, kinds, max(1, len(p.counts)))
}

func (p *clusterProgress) stop() { p.stopFn() }
