package yamlnode

import (
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

func TestNodesAreDescribedByKindNeverByValue(t *testing.T) {
	var doc yaml.Node
	src := "m: {a: 1}\nl: [1]\nn: ~\nb: true\ni: 3\ns: hunter2\nanchor: &x secret\nref: *x\n"
	if err := yaml.Unmarshal([]byte(src), &doc); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"m": "a mapping", "l": "a list", "n": "null", "b": "a boolean", "i": "a number", "s": "a string of 7 characters", "anchor": "a string of 6 characters", "ref": "an alias"}
	root := doc.Content[0]
	for i := 0; i < len(root.Content); i += 2 {
		k, v := root.Content[i].Value, root.Content[i+1]
		if got := Describe(v); got != want[k] {
			t.Errorf("%s: Describe = %q, want %q", k, got, want[k])
		}
		if k == "ref" {
			if r := Resolve(v); r.Value != "secret" {
				t.Errorf("Resolve does not follow the alias: %q", r.Value)
			}
		}
		if got := IsNull(v); got != (k == "n") {
			t.Errorf("%s: IsNull = %v", k, got)
		}
	}
	err := Errorf("c.yaml", root.Content[11], "%s is wrong", "s")
	if got := err.Error(); got != "c.yaml:6:4: s is wrong" || strings.Contains(got, "hunter2") {
		t.Errorf("Errorf = %q", got)
	}
}
