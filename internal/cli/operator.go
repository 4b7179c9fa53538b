package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"palisade.dev/palisade/internal/operator"
	"palisade.dev/palisade/internal/report"
	"palisade.dev/palisade/internal/rules"
	"palisade.dev/palisade/internal/version"
)

// serviceAccountNamespace is where a pod finds its namespace.
const serviceAccountNamespace = "/var/run/secrets/kubernetes.io/serviceaccount/namespace"

type operatorFlags struct {
	kubeconfig, context string
	qps                 float32
	burst               int
	listen              string
	reportAPI           string
	rescan              time.Duration
	leaseName           string
	leaseNamespace      string
	identity            string
	logLevel            string
}

func newOperatorCommand(s Streams) *cobra.Command {
	var (
		of operatorFlags
		rf ruleFlags
	)
	cmd := &cobra.Command{
		Use:   "operator",
		Short: "Audit the cluster continuously from inside it, keeping policy reports up to date",
		Long: `Run in the cluster as a continuous audit: watch the kinds the rules read (informers: a list,
then a watch, never polling; never Secrets), judge the cluster with the rules 'cluster' runs
within moments of any change and again on --rescan-interval, and keep one policy report per
namespace and one cluster report equal to the findings, by server-side apply (field manager
palisade-operator). Reports of namespaces with nothing left to report are deleted.

Replicas elect a leader through the Lease --lease-name in --lease-namespace; only the leader
writes, and a follower keeps the cluster in memory to take over within seconds. The policy
report CRDs of --report-api must be installed (deploy/operator/crds); until they are, /readyz
says so and the writes are tried again every few seconds. /metrics (Prometheus), /healthz and
/readyz are served on --listen. Logs are JSON lines on stderr. Deployment: deploy/operator/.`,
		Example: `  palisade operator --listen :8080
  palisade operator --kubeconfig ~/.kube/config --lease-namespace palisade-operator --report-api openreports`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runOperator(cmd.Context(), &of, &rf, s.Err)
		},
	}
	f := cmd.Flags()
	f.StringVar(&of.kubeconfig, "kubeconfig", "", "path to the kubeconfig file (default: $KUBECONFIG, else ~/.kube/config, else the in-cluster service account)")
	f.StringVar(&of.context, "context", "", "the kubeconfig context (default: the current context)")
	f.Float32Var(&of.qps, "qps", 50, "requests per second to the API server, at most")
	f.IntVar(&of.burst, "burst", 100, "requests that may exceed --qps in a burst")
	f.StringVar(&of.listen, "listen", ":8080", "the address to serve /metrics, /healthz and /readyz on (plain HTTP)")
	f.StringVar(&of.reportAPI, "report-api", string(report.PolicyReportAPI), "the policy report API to write: wgpolicyk8s (PolicyReport, ClusterPolicyReport) or openreports (Report, ClusterReport)")
	f.DurationVar(&of.rescan, "rescan-interval", time.Hour, "how often the cluster is observed again and judged whole, changes or not")
	f.StringVar(&of.leaseName, "lease-name", "palisade-operator", "the Lease the replicas elect their leader through")
	f.StringVar(&of.leaseNamespace, "lease-namespace", "", "the Lease's namespace (default: $POD_NAMESPACE, else the service account's namespace)")
	f.StringVar(&of.identity, "identity", "", "this replica's name in the Lease (default: $POD_NAME, else the host name)")
	f.StringVar(&of.logLevel, "log-level", "info", "the lowest level logged: debug, info, warn or error")
	rf.register(cmd)
	rf.registerPolicies(cmd)
	cmd.Flags().Lookup("kubernetes-version").Usage = "judge the cluster as if it ran this Kubernetes version (v1.N; default: the version the server reports)"
	cmd.Flags().Lookup("config").Usage = "config file: suppressions and rule selection (default: .palisade.yaml in the current folder or a parent)"
	return cmd
}

func runOperator(ctx context.Context, of *operatorFlags, rf *ruleFlags, stderr io.Writer) error {
	var level slog.Level
	if err := level.UnmarshalText([]byte(of.logLevel)); err != nil {
		return errors.New("--log-level: want debug, info, warn or error")
	}
	api, err := report.ParseReportAPI(of.reportAPI)
	if err != nil {
		return fmt.Errorf("--report-api: %w", err)
	}
	leaseNamespace := of.leaseNamespace
	if leaseNamespace == "" {
		leaseNamespace = os.Getenv("POD_NAMESPACE")
	}
	if leaseNamespace == "" {
		if data, err := os.ReadFile(serviceAccountNamespace); err == nil {
			leaseNamespace = strings.TrimSpace(string(data))
		}
	}
	if leaseNamespace == "" {
		return errors.New("--lease-namespace is required outside a pod (no $POD_NAMESPACE, no service account namespace)")
	}
	identity := of.identity
	if identity == "" {
		identity = os.Getenv("POD_NAME")
	}
	if identity == "" {
		if identity, err = os.Hostname(); err != nil {
			return fmt.Errorf("--identity is required: reading the host name: %w", err)
		}
	}
	out := outputFlags{failOn: "none"}
	r, err := prepare(ctx, &out, rf, []string{"."})
	if err != nil {
		return err
	}
	cf := clusterFlags{kubeconfig: of.kubeconfig, context: of.context, qps: of.qps, burst: of.burst, requestTimeout: time.Minute}
	targets, err := cf.targets()
	if err != nil {
		return err
	}
	log := slog.New(slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: level}))
	opts := r.options(rf)
	opts.Patches = rules.NoPatches // the policy report prints no remedy patches
	op, err := operator.New(operator.Config{
		Rest: targets[0].config, Context: targets[0].context,
		Catalog: r.catalog, Rules: opts, Policy: r.policy, Selected: r.selected,
		ReportAPI: api, Rescan: of.rescan,
		Lease:   operator.Lease{Namespace: leaseNamespace, Name: of.leaseName, Identity: identity},
		Log:     log,
		Metrics: operator.NewMetrics(),
	})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", of.listen)
	if err != nil {
		return fmt.Errorf("listening on %s: %w", of.listen, err)
	}
	server := &http.Server{Handler: op.Handler(), ReadHeaderTimeout: 10 * time.Second}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	served := make(chan error, 1)
	go func() { served <- server.Serve(ln) }()
	log.Info("operator started", "address", ln.Addr().String(), "version", version.Version, "identity", identity,
		"lease", leaseNamespace+"/"+of.leaseName, "report_api", string(api))
	ran := make(chan error, 1)
	go func() { ran <- op.Run(ctx) }()
	select {
	case err = <-served:
		cancel()
		<-ran
		return fmt.Errorf("serving %s: %w", of.listen, err)
	case err = <-ran:
	}
	shutdown, stop := context.WithTimeout(context.Background(), 5*time.Second)
	defer stop()
	_ = server.Shutdown(shutdown)
	return err
}
