package cluster

import (
	"encoding/json"
	"slices"
	"testing"
)

func TestListable(t *testing.T) {
	tests := []struct {
		name                 string
		asked, want, unknown []string
	}{
		{name: "namespaces are always listed", want: []string{"Namespace"}},
		{name: "the kinds asked are listed, sorted, once each", asked: []string{"RoleBinding", "ClusterRole", "RoleBinding"},
			want: []string{"ClusterRole", "Namespace", "RoleBinding"}},
		{name: "secrets are never listed, whatever is asked", asked: []string{Forbidden, "Pod"}, want: []string{"Namespace", "Pod"}},
		{name: "kinds with no known resource are returned apart", asked: []string{"Widget"}, want: []string{"Namespace"}, unknown: []string{"Widget"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, unknown := Listable(tc.asked)
			if !slices.Equal(got, tc.want) || !slices.Equal(unknown, tc.unknown) {
				t.Errorf("Listable = %v, unknown %v; want %v, unknown %v", got, unknown, tc.want, tc.unknown)
			}
		})
	}
}

func TestEveryBuiltinKindHasAListType(t *testing.T) {
	for kind := range builtin {
		r := builtinResource(kind)
		if r.Optional {
			continue // custom resources are listed as plain content
		}
		if _, err := newList(r); err != nil {
			t.Errorf("%s: %v", kind, err)
		}
	}
	if _, ok := builtin[Forbidden]; ok {
		t.Errorf("%s must never be listable", Forbidden)
	}
}

// crd builds a CustomResourceDefinition as the API serves it.
func crd(scope string, versions ...map[string]any) map[string]any {
	vs := make([]any, len(versions))
	for i, v := range versions {
		vs[i] = v
	}
	return map[string]any{"spec": map[string]any{
		"group": "example.com", "scope": scope, "versions": vs,
		"names": map[string]any{"plural": "widgets", "kind": "Widget"},
	}}
}

func version(name string, served, storage bool, schema string) map[string]any {
	var s map[string]any
	if err := json.Unmarshal([]byte(schema), &s); err != nil {
		panic(err)
	}
	return map[string]any{"name": name, "served": served, "storage": storage, "schema": map[string]any{"openAPIV3Schema": s}}
}

const (
	podSchema = `{"type":"object","properties":{"spec":{"type":"object","properties":{"template":{"type":"object","properties":{"spec":{"type":"object","properties":{"containers":{"type":"array","items":{"type":"object","properties":{"name":{"type":"string"},"image":{"type":"string"}}}}}}}}}}}}`
	mapSchema = `{"type":"object","properties":{"spec":{"type":"object","properties":{"roles":{"type":"object","additionalProperties":{"type":"object","properties":{"containers":{"type":"array","items":{"properties":{"image":{"type":"string"}}}}}}}}}}}`
	noPod     = `{"type":"object","properties":{"spec":{"type":"object","properties":{"containers":{"type":"array","items":{"type":"string"}}}}}}`
)

func TestPodTemplateResource(t *testing.T) {
	tests := []struct {
		name    string
		crd     map[string]any
		ok      bool
		version string
		ns      bool
	}{
		{name: "a pod template in the spec", crd: crd("Namespaced", version("v1", true, true, podSchema)), ok: true, version: "v1", ns: true},
		{name: "a pod spec under additionalProperties", crd: crd("Cluster", version("v1", true, true, mapSchema)), ok: true, version: "v1"},
		{name: "containers that are not objects with an image", crd: crd("Namespaced", version("v1", true, true, noPod))},
		{name: "the storage version is preferred", crd: crd("Namespaced", version("v1beta1", true, false, podSchema), version("v1", true, true, podSchema)), ok: true, version: "v1", ns: true},
		{name: "a version that is not served is never listed", crd: crd("Namespaced", version("v1", false, true, podSchema))},
		{name: "a CRD without names", crd: map[string]any{"spec": map[string]any{"versions": []any{version("v1", true, true, podSchema)}}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, ok := podTemplateResource(tc.crd)
			if ok != tc.ok {
				t.Fatalf("ok = %v, want %v", ok, tc.ok)
			}
			if !ok {
				return
			}
			if r.GVR.Version != tc.version || r.Namespaced != tc.ns || r.Kind != "Widget" || r.GVR.Resource != "widgets" || r.Typed {
				t.Errorf("resource = %+v", r)
			}
		})
	}
}

// FuzzPodTemplateResource feeds arbitrary CustomResourceDefinition content (it comes from the
// server, and a CRD's schema can be anything) to the schema walk: it must never panic.
func FuzzPodTemplateResource(f *testing.F) {
	for _, s := range []string{podSchema, mapSchema, noPod} {
		b, _ := json.Marshal(crd("Namespaced", version("v1", true, true, s)))
		f.Add(b)
	}
	f.Add([]byte(`{"spec":{"versions":[{"served":true,"schema":{"openAPIV3Schema":{"properties":{"containers":{"items":[]}}}}}]}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var m map[string]any
		if json.Unmarshal(data, &m) != nil {
			return
		}
		podTemplateResource(m)
	})
}
