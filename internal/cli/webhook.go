package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	"palisade.dev/palisade/internal/admission"
	"palisade.dev/palisade/internal/admission/clustercontext"
	"palisade.dev/palisade/internal/policy"
	"palisade.dev/palisade/internal/rules"
	"palisade.dev/palisade/internal/rules/builtin"
	"palisade.dev/palisade/internal/version"
	"palisade.dev/palisade/internal/webhook"
)

// webhookFlags are the flags of `palisade webhook`.
type webhookFlags struct {
	listen           string
	certFile         string
	keyFile          string
	configFile       string
	kubeconfig       string
	context          string
	noClusterContext bool
	logLevel         string
}

func newWebhookCommand(s Streams) *cobra.Command {
	var wf webhookFlags
	cmd := &cobra.Command{
		Use:   "webhook",
		Short: "Serve the catalog as a validating (and optionally mutating) admission webhook",
		Long: `Serve the rule catalog as an admission webhook over HTTPS: /validate judges every object the
API server sends (AdmissionReview v1) with the rules 'scan' runs, and denies, warns or audits
as the configuration says; /mutate sets the secure defaults the configuration turns on.
/healthz, /readyz (ready once the configuration is loaded and the cluster context has synced)
and /metrics (Prometheus) are served on the same port.

The configuration file (--config, a ConfigMap in a cluster) and the serving certificate are
read again when they change, without a restart; a new file that does not load is refused and
logged, and the one in force stays. Logs are JSON lines on stderr, one per decision that is not
a plain admission, naming the rules, never the object's contents. SIGTERM drains the reviews in
flight before the server stops.`,
		Example: `  palisade webhook --tls-cert-file /certs/tls.crt --tls-private-key-file /certs/tls.key --config /config/webhook.yaml
  palisade webhook certs --dir certs --service palisade-webhook --namespace palisade --print-ca-bundle`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runWebhook(cmd.Context(), &wf, s.Err)
		},
	}
	f := cmd.Flags()
	f.StringVar(&wf.listen, "listen", ":8443", "the address to serve HTTPS on")
	f.StringVar(&wf.certFile, "tls-cert-file", "", "the serving certificate (PEM), read again when it changes")
	f.StringVar(&wf.keyFile, "tls-private-key-file", "", "the serving certificate's private key (PEM)")
	f.StringVar(&wf.configFile, "config", "", "the webhook configuration (palisade.dev/v1alpha1 WebhookConfiguration), read again when it changes (default: deny at critical and high, warn below)")
	f.StringVar(&wf.kubeconfig, "kubeconfig", "", "the kubeconfig to read the cluster context with (default: $KUBECONFIG, else ~/.kube/config, else the in-cluster service account)")
	f.StringVar(&wf.context, "context", "", "the kubeconfig context (default: the current context)")
	f.BoolVar(&wf.noClusterContext, "no-cluster-context", false, "judge objects alone, without the namespaces, service accounts and limit ranges of the cluster (stricter, never laxer)")
	f.StringVar(&wf.logLevel, "log-level", "info", "the lowest level logged: debug, info, warn or error")
	_ = cmd.MarkFlagRequired("tls-cert-file")
	_ = cmd.MarkFlagRequired("tls-private-key-file")
	cmd.AddCommand(newWebhookCertsCommand(s))
	return cmd
}

// runWebhook serves until ctx ends (SIGTERM, SIGINT).
func runWebhook(ctx context.Context, wf *webhookFlags, stderr io.Writer) error {
	var level slog.Level
	if err := level.UnmarshalText([]byte(wf.logLevel)); err != nil {
		return fmt.Errorf("--log-level: want debug, info, warn or error")
	}
	log := slog.New(slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: level}))
	metrics := webhook.NewMetrics()
	certs, err := webhook.NewCertReloader(wf.certFile, wf.keyFile, metrics, log)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var cc admission.ClusterContext
	if !wf.noClusterContext {
		cfg, err := webhookRESTConfig(wf.kubeconfig, wf.context)
		if err != nil {
			return err
		}
		if cc, err = startClusterContext(ctx, cfg); err != nil {
			return err
		}
	}
	opts := webhook.Options{Metrics: metrics, Logger: log}
	if cc != nil {
		opts.Synced = cc.Synced
	}
	server := webhook.New(opts)
	catalog, err := builtin.Catalog()
	if err != nil {
		return fmt.Errorf("building the rule catalog: %w", err)
	}
	ownNamespace := os.Getenv("POD_NAMESPACE")
	build := func(path string) (*webhook.Policy, error) {
		cfg := admission.DefaultConfig()
		if path != "" {
			if cfg, err = admission.LoadConfig(path); err != nil {
				return nil, err
			}
		}
		if cfg.Namespace == "" {
			cfg.Namespace = ownNamespace
		}
		cat, err := policyCatalog(ctx, catalog, cfg)
		if err != nil {
			return nil, err
		}
		p, err := webhook.NewPolicy(cat, cfg, cc)
		if err != nil {
			return nil, err
		}
		p.Sources = cfg.Policies
		return p, nil
	}
	watchErr := make(chan error, 2)
	if wf.configFile != "" {
		reloader, err := webhook.NewConfigReloader(wf.configFile, build, server, log)
		if err != nil {
			return err
		}
		go func() { watchErr <- reloader.Watch(ctx) }()
	} else {
		p, err := build("")
		if err != nil {
			return err
		}
		server.SetPolicy(p)
	}
	go func() { watchErr <- certs.Watch(ctx) }()
	ln, err := net.Listen("tcp", wf.listen)
	if err != nil {
		return fmt.Errorf("listening on %s: %w", wf.listen, err)
	}
	log.Info("serving admission reviews", "address", ln.Addr().String(), "version", version.Version,
		"config", wf.configFile, "clusterContext", cc != nil)
	served := make(chan error, 1)
	go func() { served <- server.Serve(ctx, ln, webhook.TLSConfig(certs.GetCertificate)) }()
	select {
	case err := <-served:
		return err
	case err := <-watchErr:
		// A watch that cannot be set up would leave a stale configuration in force
		// unnoticed: stop, and let the Deployment restart the pod.
		if err != nil {
			cancel()
			<-served
			return err
		}
		err = <-served
		log.Info("stopped")
		return err
	}
}

// policyCatalog is the catalog a configuration runs: the built-in rules, joined by the rules
// of the policies it names (Rego, Gatekeeper templates and constraints), compiled once per
// configuration, never per review. A policy that does not load refuses the configuration (the
// one in force stays); ValidatingAdmissionPolicies are the API server's to enforce, so a
// webhook configuration that names them is refused too.
func policyCatalog(ctx context.Context, builtin *rules.Catalog, cfg *admission.Config) (*rules.Catalog, error) {
	cat, err := policy.Catalog(ctx, builtin, cfg.Policies, policy.Options{})
	if err != nil {
		return nil, fmt.Errorf("webhook configuration %s: loading its policies: %w", cfg.File, err)
	}
	return cat, nil
}

// webhookRESTConfig is the client configuration of --kubeconfig and --context, the way
// `palisade cluster` and kubectl find it: else the in-cluster service account.
func webhookRESTConfig(kubeconfig, context string) (*rest.Config, error) {
	loading := clientcmd.NewDefaultClientConfigLoadingRules()
	loading.ExplicitPath = kubeconfig
	cfg, err := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(loading, &clientcmd.ConfigOverrides{CurrentContext: context}).ClientConfig()
	if err != nil {
		return nil, fmt.Errorf("loading the kubeconfig: %w", err)
	}
	cfg.UserAgent = "palisade-webhook/" + version.Version
	cfg.WarningHandler = rest.NoWarnings{}
	return cfg, nil
}

// clusterContextResync is how often the informers list again what they watch.
const clusterContextResync = 10 * time.Minute

// startClusterContext starts the informers of the cluster context; /readyz waits for their
// first sync, and until then reviews are answered by the failure policy.
func startClusterContext(ctx context.Context, cfg *rest.Config) (admission.ClusterContext, error) {
	client, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("making the client of the cluster context: %w", err)
	}
	cc, err := clustercontext.New(client, clusterContextResync)
	if err != nil {
		return nil, err
	}
	cc.Start(ctx)
	return cc, nil
}

func newWebhookCertsCommand(s Streams) *cobra.Command {
	var (
		dir, service, namespace string
		ips                     []net.IP
		validity                time.Duration
		printBundle, force      bool
	)
	cmd := &cobra.Command{
		Use:   "certs",
		Short: "Write a CA and a serving certificate for the webhook (ca.crt, tls.crt, tls.key)",
		Long: `Write a new CA and a serving certificate it signed, both ECDSA P-256, for clusters without
cert-manager: ca.crt, tls.crt and tls.key (readable by its owner only) in --dir. The
certificate is valid for the Service's names (NAME, NAME.NS, NAME.NS.svc,
NAME.NS.svc.cluster.local) and each --ip. The webhook configuration's caBundle is ca.crt in
base64, which --print-ca-bundle writes to standard output.`,
		Example: `  palisade webhook certs --dir certs --service palisade-webhook --namespace palisade
  kubectl -n palisade create secret tls palisade-webhook-tls --cert certs/tls.crt --key certs/tls.key
  CA_BUNDLE=$(palisade webhook certs --dir certs --service palisade-webhook --namespace palisade --print-ca-bundle --force)`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if dir == "" {
				return errors.New("--dir is required")
			}
			if (service == "") != (namespace == "") {
				return errors.New("--service and --namespace go together")
			}
			if !force {
				for _, name := range []string{webhook.CAFile, webhook.CertFile, webhook.KeyFile} {
					if _, err := os.Lstat(filepath.Join(dir, name)); err == nil {
						return fmt.Errorf("%s already exists; --force replaces it (and the CA: update the caBundle too)", filepath.Join(dir, name))
					}
				}
			}
			set, err := webhook.NewCertSet(webhook.CertRequest{Service: service, Namespace: namespace, IPs: ips, Validity: validity}, time.Now())
			if err != nil {
				return err
			}
			if err := set.WriteFiles(dir); err != nil {
				return err
			}
			fmt.Fprintf(s.Err, "wrote %s, %s and %s (valid for %s)\n", filepath.Join(dir, webhook.CAFile),
				filepath.Join(dir, webhook.CertFile), filepath.Join(dir, webhook.KeyFile), validity)
			if printBundle {
				fmt.Fprintln(s.Out, set.CABundle())
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&dir, "dir", "", "the folder to write ca.crt, tls.crt and tls.key into")
	f.StringVar(&service, "service", "", "the webhook's Service name")
	f.StringVarP(&namespace, "namespace", "n", "", "the Service's namespace")
	f.IPSliceVar(&ips, "ip", nil, "an IP address the certificate is valid for too (repeatable), such as 127.0.0.1 for a webhook called by URL")
	f.DurationVar(&validity, "validity", 365*24*time.Hour, "how long the certificates are valid")
	f.BoolVar(&printBundle, "print-ca-bundle", false, "write the caBundle (ca.crt in base64) to standard output")
	f.BoolVar(&force, "force", false, "replace files that already exist")
	return cmd
}
