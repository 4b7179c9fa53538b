package fix

import (
	"os"
	"path/filepath"
	"testing"

	"palisade.dev/palisade/internal/finding"
)

// FuzzKustomized pins that any kustomization, patch and resource files Palisade is handed
// never crash the search for the file that holds a field, and that a finding it places
// names a file of the kustomization's and a path that parses.
func FuzzKustomized(f *testing.F) {
	resource := "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n    - name: app\n      image: nginx\n"
	f.Add("resources:\n  - pod.yaml\npatches:\n  - path: patch.yaml\n",
		"apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n    - name: app\n      securityContext:\n        privileged: true\n",
		resource, "spec.containers[0].securityContext.privileged")
	f.Add("resources: [pod.yaml]\npatchesJson6902:\n  - path: patch.yaml\n    target: {kind: Pod, name: web}\n",
		"- op: add\n  path: /spec/hostNetwork\n  value: true\n", resource, "spec.hostNetwork")
	f.Add("resources: [pod.yaml]\npatchesStrategicMerge:\n  - patch.yaml\n",
		"kind: Pod\nmetadata: {name: web}\nspec:\n  $patch: replace\n", resource, "spec.containers[0].image")
	f.Fuzz(func(t *testing.T, kustomization, patch, pod, path string) {
		dir := t.TempDir()
		for name, text := range map[string]string{"kustomization.yaml": kustomization, "patch.yaml": patch, "pod.yaml": pod} {
			if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		f := finding.Finding{
			Location: finding.Location{File: filepath.Join(dir, "pod.yaml"), Document: 1},
			Fix:      []finding.Patch{{Path: path, Value: false}, {Path: path, Remove: true}, {Path: path, Comment: "a note"}},
		}
		out, placed := new(Kustomizations).Place(dir, []byte(pod), f)
		if !placed {
			return
		}
		if filepath.Dir(out.Location.File) != dir || out.Location.Document < 1 {
			t.Errorf("placed at %s, document %d, outside the kustomization", out.Location.File, out.Location.Document)
		}
		for _, p := range out.Fix {
			if _, err := parsePath(p.Path); err != nil {
				t.Errorf("placed path of %d characters does not parse: %v", len(p.Path), err)
			}
		}
	})
}
