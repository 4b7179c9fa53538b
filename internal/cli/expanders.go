package cli

import (
	"github.com/spf13/cobra"

	"palisade.dev/palisade/internal/source/helm"
	"palisade.dev/palisade/internal/source/kustomize"
	"palisade.dev/palisade/internal/source/manifest"
)

// expanderFlags configure how folders that are not plain manifests are rendered: Helm charts
// as `helm template` renders them, kustomizations as `kustomize build` builds them.
type expanderFlags struct {
	values      helm.Values
	releaseName string
	kubeVersion string
	// allowRemote lets Kustomize fetch remote bases and files; a scan reaches no network
	// without it.
	allowRemote bool
	// enableHelm renders the charts kustomizations name in helmCharts, from local folders.
	enableHelm bool
}

func (e *expanderFlags) register(cmd *cobra.Command) {
	f := cmd.Flags()
	// -f is kubectl's flag for files to apply, so values files take only the long form.
	f.StringArrayVar(&e.values.Files, "values", nil, "Helm values file for charts (repeat for several; a later file wins)")
	f.StringArrayVar(&e.values.Set, "set", nil, "Helm value for charts, as helm --set: key=value, a.b[0]=x, k={a,b} (repeatable)")
	f.StringArrayVar(&e.values.Strings, "set-string", nil, "Helm value for charts, always a string, as helm --set-string (repeatable)")
	f.StringArrayVar(&e.values.FromFiles, "set-file", nil, "Helm value for charts read from a file, as helm --set-file: key=path (repeatable)")
	f.StringVar(&e.releaseName, "release-name", helm.DefaultReleaseName, "Helm release name charts are rendered with")
	f.StringVar(&e.kubeVersion, "kube-version", "", "Kubernetes version charts see in .Capabilities.KubeVersion (default: the version Palisade's API types come from)")
	f.BoolVar(&e.enableHelm, "enable-helm", false, "render the Helm charts that kustomizations name in helmCharts, as kustomize build --enable-helm does, but with Palisade's Helm SDK and only from chart folders already on disk (chartHome, charts/ by default): Palisade never downloads a chart")
	f.BoolVar(&e.allowRemote, "allow-remote-resources", false, "let Kustomize fetch what kustomizations name by URL (git repositories, http(s) files), as kustomize build does; without it such a kustomization is a scan error and the scan makes no network request")
}

// expanders returns the Expanders in the order folders are offered to them: a folder with
// both Chart.yaml and kustomization.yaml is a chart.
func (e *expanderFlags) expanders(namespace string) ([]manifest.Expander, error) {
	chart, err := helm.New(helm.Options{
		ReleaseName: e.releaseName,
		Namespace:   namespace,
		KubeVersion: e.kubeVersion,
		Values:      e.values,
	})
	if err != nil {
		return nil, err
	}
	kustomization := kustomize.New()
	kustomization.AllowRemoteResources = e.allowRemote
	if e.enableHelm {
		kustomization.Helm = chart
	}
	return []manifest.Expander{chart, kustomization}, nil
}
