package manifest_test

import (
	"cmp"
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"

	"palisade.dev/palisade/internal/inventory"
	"palisade.dev/palisade/internal/source/manifest"
)

var jsonSeeds = []string{
	`{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","labels":{"a":"b"}},"spec":{"containers":[{"name":"c","image":"x","securityContext":{"runAsUser":0,"privileged":true}}]}}`,
	`{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d","namespace":"n"},"spec":{"replicas":2,"template":{"spec":{"containers":[{"name":"c","image":"x","resources":{"limits":{"cpu":0.5,"memory":"1Gi"}}}]}}}}`,
	`{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":{"containers":[{"name":"c","image":"x","securityContext":{"readOnlyRootFileSystem":true}}]}}`,
	`{"apiVersion":"example.com/v1","kind":"Runner","metadata":{"name":"r"},"spec":{"template":{"spec":{"containers":[{"name":"c","image":"x"}]}}}}`,
	`{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":{"containers":"oops"}}`,
	`{"apiVersion":"v1","kind":"Secret","metadata":{"name":"s"},"data":{"k":"c2VjcmV0"}}`,
	`{"kind":"Pod"}`,
	`[1]`,
	`{"apiVersion":"v1"`,
	// Repeated keys, which the YAML path reports as duplicate-key issues, by path.
	`{"apiVersion":"v1","kind":"Pod","metadata":{"name":"a"},"spec":{"hostNetwork":true,"hostNetwork":false}}`,
	`{"apiVersion":"example.com/v1","kind":"Runner","d":0,"d":1,"d":{"x":1,"x":2},"a":{"b":[{"c":{"e":0,"e":true}}]}}`,
	`{"apiVersion":"v1","kind":"X","":{"":[{"":{"":0,"":true}}]},"[0]":1,"[0]":2}`,
}

// TestDecodeJSONIsDecode pins that the JSON path of a single document builds the object the
// YAML path builds (positions aside), errors included.
func TestDecodeJSONIsDecode(t *testing.T) {
	for _, s := range jsonSeeds {
		t.Run(s[:min(len(s), 40)], func(t *testing.T) { sameAsDecode(t, []byte(s)) })
	}
}

func sameAsDecode(t *testing.T, data []byte) {
	t.Helper()
	d := manifest.NewDecoder("default")
	objs, errs := d.Decode("f", data)
	o, jerrs := d.DecodeJSON("f", data)
	if len(objs) > 1 {
		return // a List: DecodeJSON does not split it
	}
	if (len(errs) > 0) != (len(jerrs) > 0) {
		if len(errs) > 0 && strings.Contains(errs[0].Message, "YAML") {
			return // YAML and JSON disagree on what is malformed (tabs, duplicate keys ...)
		}
		t.Fatalf("Decode errors %v, DecodeJSON errors %v", errs, jerrs)
	}
	if len(objs) == 0 || o == nil {
		if (len(objs) == 0) != (o == nil) && len(errs) == 0 {
			t.Fatalf("Decode gave %d objects, DecodeJSON %v", len(objs), o)
		}
		return
	}
	want := objs[0]
	// The issues in any order: a document the YAML path leaves to yaml.v3 (flow style) is
	// walked in key order, the JSON in the order written; reports order findings themselves.
	sorted := func(is []inventory.FieldIssue) []inventory.FieldIssue {
		return slices.SortedStableFunc(slices.Values(is), func(a, b inventory.FieldIssue) int {
			return cmp.Or(cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.Path, b.Path))
		})
	}
	if !reflect.DeepEqual(want.Typed, o.Typed) || !reflect.DeepEqual(want.Content, o.Content) || want.GVK != o.GVK ||
		want.Name != o.Name || want.Namespace != o.Namespace || !reflect.DeepEqual(sorted(want.Issues()), sorted(o.Issues())) {
		t.Fatalf("objects differ:\nDecode     %+v\nDecodeJSON %+v", want, o)
	}
}

func FuzzDecodeJSON(f *testing.F) {
	for _, s := range jsonSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if !strings.HasPrefix(string(data), "{") || !json.Valid(data) {
			// YAML reads much that is not JSON; only JSON is compared.
			manifest.NewDecoder("").DecodeJSON("f", data) // must not panic
			return
		}
		sameAsDecode(t, data)
	})
}
