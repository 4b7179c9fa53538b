package manifest_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"sigs.k8s.io/yaml"

	"palisade.dev/palisade/internal/inventory"
	"palisade.dev/palisade/internal/source/manifest"
)

// TestMergeKeysReadAsKubectlReadsThem holds the loader's reading of YAML merge keys to
// sigs.k8s.io/yaml, the reader kubectl (and Helm) send objects through: a merge key writes
// the merged pairs where it stands, so a key the map writes before it is replaced, which a
// YAML 1.2 reader would keep. Palisade must judge what reaches the API server; the key that
// was replaced is reported as a duplicate, since what it sets is silently lost.
func TestMergeKeysReadAsKubectlReadsThem(t *testing.T) {
	const head = "apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\n"
	tests := []struct {
		name string
		body string
		dups []string // the paths reported as duplicate keys
	}{
		{"a key written before a merge key that merges it too is replaced",
			"x: &x {privileged: true}\nspec:\n  privileged: false\n  <<: *x\n", []string{"spec.privileged"}},
		{"a key written after the merge key wins",
			"x: &x {privileged: true}\nspec:\n  <<: *x\n  privileged: false\n", nil},
		{"a key written before and after the merge key: the last wins",
			"x: &x {privileged: true}\nspec:\n  privileged: false\n  <<: *x\n  privileged: false\n", []string{"spec.privileged"}},
		{"among merged maps the first wins",
			"first: &f {a: 1, b: 1}\nsecond: &s {a: 2, c: 2}\nspec:\n  <<: [*f, *s]\n", nil},
		{"a merged map that merges another",
			"z: &z {a: 0, d: 0}\nx: &x {<<: *z, a: 1}\nspec:\n  <<: *x\n  b: 2\n", nil},
		{"a merged key the map also writes in a block map",
			"x: &x\n  runAsUser: 0\n  runAsNonRoot: false\nspec:\n  runAsNonRoot: true\n  runAsUser: 1000\n  <<: *x\n",
			[]string{"spec.runAsNonRoot", "spec.runAsUser"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			doc := head + tc.body
			wantJSON, err := yaml.YAMLToJSON([]byte(doc))
			if err != nil {
				t.Fatalf("sigs.k8s.io/yaml: %v", err)
			}
			var want map[string]any
			if err := json.Unmarshal(wantJSON, &want); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(t.TempDir(), "w.yaml")
			if err := os.WriteFile(path, []byte(doc), 0o644); err != nil {
				t.Fatal(err)
			}
			res := manifest.Load(context.Background(), []string{path}, manifest.Options{})
			if len(res.Errors) > 0 {
				t.Fatalf("load errors: %v", res.Errors)
			}
			objs := res.Inventory.Objects()
			if len(objs) != 1 {
				t.Fatalf("%d objects, want 1", len(objs))
			}
			o := objs[0]
			gotJSON, err := json.Marshal(o.Content)
			if err != nil {
				t.Fatal(err)
			}
			var got map[string]any
			if err := json.Unmarshal(gotJSON, &got); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("Palisade reads %s\nkubectl's reader %s", gotJSON, wantJSON)
			}
			var dups []string
			for _, is := range o.Issues() {
				if is.Kind == inventory.DuplicateKey {
					dups = append(dups, is.Path)
				}
			}
			if !reflect.DeepEqual(dups, tc.dups) {
				t.Errorf("duplicate keys %q, want %q", dups, tc.dups)
			}
		})
	}
}
