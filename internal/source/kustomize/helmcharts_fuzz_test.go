package kustomize

import (
	"slices"
	"testing"

	yaml "go.yaml.in/yaml/v3"
)

// FuzzKustomizationRewrite feeds the rewriting of kustomizations with helmCharts and the
// marking of rendered documents arbitrary YAML: neither panics, a rewritten kustomization
// names no chart and lists the rendered documents in its resources, and a marked document
// carries kustomize's helm-generated annotation.
func FuzzKustomizationRewrite(f *testing.F) {
	for _, seed := range []string{
		"helmCharts:\n- name: web\nresources:\n- a.yaml\n",
		"helmGlobals: {chartHome: x}\nhelmChartInflationGenerator: [{chartName: a}]\nresources: {}\n",
		"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x, annotations: {a: b}}\n",
		"metadata: null\n",
		"- a\n",
		"&a {b: *a}\n",
		"",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if marked, ok, err := markHelmGenerated(data); err == nil && ok {
			var doc yaml.Node
			if err := yaml.Unmarshal(marked, &doc); err != nil {
				t.Fatalf("marked document does not parse: %v", err)
			}
			if ann := value(value(doc.Content[0], "metadata"), "annotations"); ann == nil || scalar(ann, "internal.config.kubernetes.io/helm-generated") != "true" {
				t.Fatalf("marked document lacks the annotation")
			}
		}
		var doc yaml.Node
		if yaml.Unmarshal(data, &doc) != nil || doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
			return
		}
		out := withoutCharts(&doc, []string{".palisade-helm-1.yaml"}, data)
		var back yaml.Node
		if err := yaml.Unmarshal(out, &back); err != nil {
			return // the original could not be written back either: it is passed on as it was
		}
		top := back.Content[0]
		for _, key := range []string{"helmCharts", "helmGlobals", "helmChartInflationGenerator"} {
			if value(top, key) != nil && !slices.Equal(out, data) {
				t.Fatalf("%s kept", key)
			}
		}
		res := value(top, "resources")
		if res == nil || !slices.ContainsFunc(res.Content, func(n *yaml.Node) bool { return n.Value == ".palisade-helm-1.yaml" }) {
			if !slices.Equal(out, data) {
				t.Fatalf("rendered document not in resources:\n%s", out)
			}
		}
	})
}
