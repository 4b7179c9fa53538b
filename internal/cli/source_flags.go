package cli

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	"palisade.dev/palisade/internal/source/manifest"
)

// sourceFlags are how the read-only analysis commands (rbac, netpol) name their input:
// manifests with -f, else the cluster of a kubeconfig context.
type sourceFlags struct {
	files      []string
	kubeconfig string
	context    string
}

// register adds -f, --kubeconfig and --context; what says what the manifests hold.
func (f *sourceFlags) register(cmd *cobra.Command, what string) {
	fl := cmd.Flags()
	fl.StringSliceVarP(&f.files, "filename", "f", nil, "read "+what+" from these manifests (files, folders, - for stdin) instead of a cluster")
	fl.StringVar(&f.kubeconfig, "kubeconfig", "", "path to the kubeconfig file (default: $KUBECONFIG, else ~/.kube/config)")
	fl.StringVar(&f.context, "context", "", "the kubeconfig context to read (default: the current context)")
}

// fromManifests reports whether the input is manifests; it is an error to name both.
func (f *sourceFlags) fromManifests() (bool, error) {
	if len(f.files) == 0 {
		return false, nil
	}
	if f.kubeconfig != "" || f.context != "" {
		return false, errors.New("-f and --kubeconfig/--context exclude each other")
	}
	return true, nil
}

// manifests reads the -f paths: a document that cannot be read is an error of its own and
// the rest is read.
func (f *sourceFlags) manifests(ctx context.Context, s Streams) *manifest.Result {
	return manifest.Load(ctx, f.files, manifestOptions(s))
}

// manifestOptions are how -f reads manifests, for the commands that read them otherwise
// named (netpol diff's OLD and NEW).
func manifestOptions(s Streams) manifest.Options { return manifest.Options{Stdin: s.In} }

// cluster resolves the kubeconfig context into a client configuration, tuned for listing.
func (f *sourceFlags) cluster() (clientcmd.ClientConfig, *rest.Config, error) {
	loading := clientcmd.NewDefaultClientConfigLoadingRules()
	loading.ExplicitPath = f.kubeconfig
	cc := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(loading, &clientcmd.ConfigOverrides{CurrentContext: f.context})
	cfg, err := cc.ClientConfig()
	if err != nil {
		return nil, nil, fmt.Errorf("loading the kubeconfig: %w", err)
	}
	return cc, (&clusterFlags{qps: 50, burst: 100}).tune(cfg), nil
}
