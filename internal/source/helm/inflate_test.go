package helm_test

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"palisade.dev/palisade/internal/source/helm"
	"palisade.dev/palisade/internal/testfiles"
)

// TestInflate pins that a kustomization's helmCharts settings mean to Inflate what they mean
// to `helm template`: hooks and tests kept or left out, CRDs added, extra API versions and the
// Kubernetes version seen by the templates, values files merged in order.
func TestInflate(t *testing.T) {
	dir := t.TempDir()
	testfiles.Write(t, dir, map[string]string{
		"web/Chart.yaml":            "apiVersion: v2\nname: web\nversion: 1.0.0\n",
		"web/values.yaml":           "name: from-chart\n",
		"web/crds/crd.yaml":         "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: widgets.example.dev\n",
		"web/templates/cm.yaml":     "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Values.name }}\n  namespace: {{ .Release.Namespace }}\ndata:\n  kube: {{ .Capabilities.KubeVersion.Version | quote }}\n  widgets: {{ .Capabilities.APIVersions.Has \"example.dev/v1\" | quote }}\n",
		"web/templates/hook.yaml":   "apiVersion: v1\nkind: Secret\nmetadata:\n  name: pre-install\n  annotations:\n    helm.sh/hook: pre-install\n",
		"web/templates/test.yaml":   "apiVersion: v1\nkind: Pod\nmetadata:\n  name: test\n  annotations:\n    helm.sh/hook: test-success\n",
		"web/templates/_helper.tpl": "{{- define \"x\" -}}{{- end -}}\n",
		"web/templates/NOTES.txt":   "notes\n",
	})
	chart := filepath.Join(dir, "web")
	tests := []struct {
		name string
		in   helm.Inflation
		want []string // kind/name of every document, in order
		data map[string]string
	}{
		{
			name: "by default hooks and tests are rendered, CRDs are not",
			want: []string{"web/templates/cm.yaml", "web/templates/hook.yaml", "web/templates/test.yaml"},
		},
		{
			name: "skipTests leaves test hooks out",
			in:   helm.Inflation{SkipTests: true},
			want: []string{"web/templates/cm.yaml", "web/templates/hook.yaml"},
		},
		{
			name: "skipHooks leaves every hook out",
			in:   helm.Inflation{SkipHooks: true},
			want: []string{"web/templates/cm.yaml"},
		},
		{
			name: "includeCRDs writes the crds/ files first",
			in:   helm.Inflation{IncludeCRDs: true, SkipHooks: true},
			want: []string{"web/crds/crd.yaml", "web/templates/cm.yaml"},
		},
		{
			name: "apiVersions and kubeVersion are what the templates see",
			in:   helm.Inflation{APIVersions: []string{"example.dev/v1"}, KubeVersion: "v1.29.3", SkipHooks: true},
			want: []string{"web/templates/cm.yaml"},
			data: map[string]string{"kube": `"v1.29.3"`, "widgets": `"true"`},
		},
		{
			name: "later values documents win",
			in:   helm.Inflation{Values: []map[string]any{{"name": "first"}, {"name": "second"}}, SkipHooks: true},
			want: []string{"web/templates/cm.yaml"},
			data: map[string]string{"name": "second"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newChart(t, helm.Options{})
			docs, err := c.Inflate(context.Background(), chart, tt.in)
			if err != nil {
				t.Fatalf("Inflate: %v", err)
			}
			var got []string
			for _, d := range docs {
				got = append(got, d.Template)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("documents %v, want %v", got, tt.want)
			}
			for key, want := range tt.data {
				found := false
				for _, d := range docs {
					found = found || bytesContain(d.Data, key+": "+want)
				}
				if !found {
					t.Errorf("no document has %s: %s", key, want)
				}
			}
		})
	}
}

// bytesContain reports whether a line of b, indentation aside, is s.
func bytesContain(b []byte, s string) bool {
	return slices.ContainsFunc(strings.Split(string(b), "\n"), func(l string) bool { return strings.TrimSpace(l) == s })
}
