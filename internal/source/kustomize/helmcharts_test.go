package kustomize_test

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"

	"palisade.dev/palisade/internal/source/helm"
	"palisade.dev/palisade/internal/source/kustomize"
	"palisade.dev/palisade/internal/source/manifest"
	"palisade.dev/palisade/internal/testfiles"
)

var chartApp = filepath.Join("testdata", "helmcharts", "app")

// loadWithHelm loads paths with kustomizations whose charts are rendered (enabled) or not.
func loadWithHelm(t *testing.T, enabled, allowRemote bool, paths ...string) *manifest.Result {
	t.Helper()
	k := kustomize.New()
	k.AllowRemoteResources = allowRemote
	if enabled {
		chart, err := helm.New(helm.Options{})
		if err != nil {
			t.Fatal(err)
		}
		k.Helm = chart
	}
	return manifest.Load(context.Background(), paths, manifest.Options{Expanders: []manifest.Expander{k}})
}

// TestHelmChartsInflated pins what a kustomization's helmCharts give with Helm enabled: the
// chart rendered from its local folder with the entry's settings, the kustomization's
// transformations applied to the result, and every object traced to its chart template.
func TestHelmChartsInflated(t *testing.T) {
	res := loadWithHelm(t, true, false, chartApp)
	for _, e := range res.Errors {
		t.Errorf("error: %s: %s", e.Location, e.Message)
	}
	template := filepath.Join(chartApp, "charts", "web", "templates", "deployment.yaml")
	tests := []struct {
		name                 string
		kind, namespace, obj string
		file, template       string
		absent               bool
	}{
		{name: "the rendered Deployment takes the release name, the kustomization's namespace and namePrefix, and points at its template",
			kind: "Deployment", namespace: "shop", obj: "prod-shop-web", file: template, template: "web/templates/deployment.yaml"},
		{name: "the kustomization's own resources are built beside the chart",
			kind: "ConfigMap", namespace: "shop", obj: "prod-settings", file: filepath.Join(chartApp, "configmap.yaml")},
		{name: "includeCRDs adds the chart's crds/ files",
			kind: "CustomResourceDefinition", obj: "widgets.example.dev", file: filepath.Join(chartApp, "charts", "web", "crds", "widgets.yaml"), template: "web/crds/widgets.yaml"},
		{name: "skipTests leaves the chart's test hooks out",
			kind: "Pod", namespace: "shop", obj: "prod-shop-web-test", absent: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := res.Inventory.Get(tt.kind, tt.namespace, tt.obj)
			if tt.absent {
				if o != nil {
					t.Errorf("%s %s/%s is there", tt.kind, tt.namespace, tt.obj)
				}
				return
			}
			if o == nil {
				t.Fatalf("no %s %s/%s; objects: %v", tt.kind, tt.namespace, tt.obj, names(res.Inventory))
			}
			if o.Origin.File != tt.file || o.Origin.Template != tt.template {
				t.Errorf("origin %s (template %q), want %s (template %q)", o.Origin.File, o.Origin.Template, tt.file, tt.template)
			}
		})
	}
	t.Run("values: valuesInline overrides the chart's values, additionalValuesFiles override both, and fields point at template lines", func(t *testing.T) {
		o := res.Inventory.Get("Deployment", "shop", "prod-shop-web")
		if o == nil {
			t.Fatal("no Deployment")
		}
		d := o.Typed.(*appsv1.Deployment)
		if d.Spec.Replicas == nil || *d.Spec.Replicas != 2 {
			t.Errorf("replicas %v, want 2 (valuesInline)", d.Spec.Replicas)
		}
		sc := d.Spec.Template.Spec.Containers[0].SecurityContext
		if sc == nil || sc.Privileged == nil || !*sc.Privileged {
			t.Errorf("privileged %v, want true (prod-values.yaml)", sc)
		}
		if loc := o.Locate("spec.template.spec.containers[0].securityContext.privileged"); loc.Line != 20 {
			t.Errorf("privileged at line %d of the template, want 20", loc.Line)
		}
		if loc := o.Locate("spec.replicas"); loc.Line != 7 {
			t.Errorf("replicas at line %d of the template, want 7", loc.Line)
		}
	})
}

// TestHelmChartsErrors pins the errors of helmCharts: each names the kustomization line of
// the chart and says what to do, and no chart is ever fetched.
func TestHelmChartsErrors(t *testing.T) {
	chart := map[string]string{
		"charts/web/Chart.yaml":                "apiVersion: v2\nname: web\nversion: 1.0.0\n",
		"charts/web/templates/deployment.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\n",
	}
	tests := []struct {
		name    string
		files   map[string]string
		enabled bool
		// allowRemote lets Kustomize fetch remote resources: charts and values files are
		// still never fetched.
		allowRemote bool
		line        int
		want        []string
	}{
		{
			name:  "without Helm enabled, the error says to pass --enable-helm to palisade scan",
			files: map[string]string{"kustomization.yaml": "resources: []\nhelmCharts:\n- name: web\n"},
			line:  3, want: []string{"pass --enable-helm to palisade scan", "never downloads"},
		},
		{
			name:    "a chart that is not on disk names the chart and says Palisade never downloads one",
			files:   map[string]string{"kustomization.yaml": "helmCharts:\n- name: web\n- name: cache\n  repo: https://charts.example.dev\n  version: 2.1.0\n"},
			enabled: true, line: 3,
			want: []string{"helm chart cache", "no chart folder at", filepath.Join("charts", "cache-2.1.0", "cache"), "never downloads", "helm pull cache --repo https://charts.example.dev --version 2.1.0"},
		},
		{
			name:    "the legacy helmChartInflationGenerator field is inflated the same way",
			files:   map[string]string{"kustomization.yaml": "helmChartInflationGenerator:\n- chartName: gone\n"},
			enabled: true, line: 2,
			want: []string{"helm chart gone", "never downloads"},
		},
		{
			name:    "a chart outside the kustomization folder is refused, as kustomize's load restrictions do",
			files:   map[string]string{"app/kustomization.yaml": "helmGlobals:\n  chartHome: ../charts\nhelmCharts:\n- name: web\n"},
			enabled: true, line: 4,
			want: []string{"outside the kustomization's folder"},
		},
		{
			name:    "a values file named by URL is not fetched",
			files:   map[string]string{"kustomization.yaml": "helmCharts:\n- name: web\n  valuesFile: https://example.dev/values.yaml\n"},
			enabled: true, line: 3,
			want: []string{"remote values file https://example.dev/values.yaml: not fetched"},
		},
		{
			name:    "a values file named by URL is not fetched even when remote resources are allowed",
			files:   map[string]string{"kustomization.yaml": "helmCharts:\n- name: web\n  valuesFile: https://example.dev/values.yaml\n"},
			enabled: true, allowRemote: true, line: 2,
			want: []string{"is a URL", "never downloads"},
		},
		{
			name: "a HelmChartInflationGenerator named in generators is not run, and its configuration is not quoted",
			files: map[string]string{
				"kustomization.yaml": "generators:\n- inflate.yaml\n",
				"inflate.yaml":       "apiVersion: builtin\nkind: HelmChartInflationGenerator\nmetadata:\n  name: web\nname: web\nvaluesInline:\n  password: hunter2\n",
			},
			enabled: true,
			want:    []string{"name the chart in helmCharts", "--enable-helm"},
		},
		{
			name:    "an unknown valuesMerge is refused",
			files:   map[string]string{"kustomization.yaml": "helmCharts:\n- name: web\n  valuesMerge: combine\n  valuesInline: {a: 1}\n"},
			enabled: true, line: 2,
			want: []string{"valuesMerge must be one of"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			files := map[string]string{}
			for k, v := range chart {
				files[k] = v
			}
			for k, v := range tt.files {
				files[k] = v
			}
			testfiles.Write(t, dir, files)
			target := dir
			if _, ok := tt.files["app/kustomization.yaml"]; ok {
				target = filepath.Join(dir, "app")
			}
			res := loadWithHelm(t, tt.enabled, tt.allowRemote, target)
			if len(res.Errors) != 1 {
				t.Fatalf("errors %v, want 1", res.Errors)
			}
			e := res.Errors[0]
			if want := filepath.Join(target, "kustomization.yaml"); e.Location.File != want || e.Location.Line != tt.line {
				t.Errorf("error at %s:%d, want %s:%d", e.Location.File, e.Location.Line, want, tt.line)
			}
			for _, w := range tt.want {
				if !strings.Contains(e.Message, w) {
					t.Errorf("error %q does not say %q", e.Message, w)
				}
			}
			if strings.Contains(e.Message, "hunter2") {
				t.Errorf("error %q quotes the kustomization's values", e.Message)
			}
		})
	}
}

// TestHelmChartsNamespace pins the namespace a chart is rendered in: its own, else its
// kustomization's, else the one the kustomization that names it (an overlay) gives, as
// kustomize gives it; and the namespace transformer leaves rendered objects to the chart.
func TestHelmChartsNamespace(t *testing.T) {
	chart := map[string]string{
		"base/charts/web/Chart.yaml":           "apiVersion: v2\nname: web\nversion: 1.0.0\n",
		"base/charts/web/templates/cm.yaml":    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\n  namespace: {{ .Release.Namespace }}\n",
		"base/charts/web/templates/plain.yaml": "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: plain\n",
	}
	tests := []struct {
		name, base, overlay string
		want                []string
	}{
		{
			name: "the chart's own namespace", base: "helmCharts:\n- name: web\n  namespace: own\n",
			want: []string{"ConfigMap own/cm", "ServiceAccount default/plain"},
		},
		{
			name: "the kustomization's namespace", base: "namespace: kust\nhelmCharts:\n- name: web\n",
			want: []string{"ConfigMap kust/cm", "ServiceAccount default/plain"},
		},
		{
			name: "the overlay's namespace, for a base that names none", base: "helmCharts:\n- name: web\n",
			overlay: "namespace: over\nresources:\n- ../base\n",
			want:    []string{"ConfigMap over/cm", "ServiceAccount default/plain"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			files := map[string]string{"base/kustomization.yaml": tt.base}
			for k, v := range chart {
				files[k] = v
			}
			target := filepath.Join(dir, "base")
			if tt.overlay != "" {
				files["overlay/kustomization.yaml"] = tt.overlay
				target = filepath.Join(dir, "overlay")
			}
			testfiles.Write(t, dir, files)
			res := loadWithHelm(t, true, false, target)
			for _, e := range res.Errors {
				t.Errorf("error: %s: %s", e.Location, e.Message)
			}
			got := names(res.Inventory)
			slices.Sort(got)
			if !slices.Equal(got, tt.want) {
				t.Errorf("objects %v, want %v", got, tt.want)
			}
		})
	}
}
