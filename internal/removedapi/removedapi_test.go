package removedapi

import (
	"reflect"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/kubernetes/scheme"
)

// TestTableIsConsistent pins the shape of every entry: a removal after 1.15, a replacement
// served before the removal (or none, with the guide's advice), each kind listed once.
func TestTableIsConsistent(t *testing.T) {
	seen := map[schema.GroupVersionKind]bool{}
	for _, a := range All() {
		if a.Group == "" || a.Version == "" || len(a.Kinds) == 0 || a.RemovedIn < 16 {
			t.Errorf("%+v: group, version, kinds and a removal release are required", a)
		}
		if a.Replacement == "" && (a.Changes == "" || a.SameShape) {
			t.Errorf("%s: without a replacement, Changes must say what to do instead", a.GroupVersion())
		}
		if a.Replacement != "" && (a.AvailableSince <= 0 || a.AvailableSince > a.RemovedIn) {
			t.Errorf("%s: replacement %s served from 1.%d, not before the removal in 1.%d", a.GroupVersion(), a.Replacement, a.AvailableSince, a.RemovedIn)
		}
		for _, k := range a.Kinds {
			gvk := a.GroupVersion().WithKind(k)
			if seen[gvk] {
				t.Errorf("%s listed twice", gvk)
			}
			seen[gvk] = true
			if got, ok := Lookup(gvk); !ok || got.RemovedIn != a.RemovedIn {
				t.Errorf("Lookup(%s) = %+v, %v", gvk, got, ok)
			}
		}
	}
	if _, ok := Lookup(schema.GroupVersionKind{Group: "apps", Version: "v1", Kind: "Deployment"}); ok {
		t.Error("apps/v1 Deployment is served")
	}
}

// TestSameShapeVersionsReadTheSame checks every SameShape claim whose two Go types client-go's
// scheme knows: each JSON field of the old type that the replacement also has holds a value of
// the same shape there (the same kind of value, and for objects the same rule recursively), so
// that decoding a document of the old version as the replacement gives each shared field the
// same value.
func TestSameShapeVersionsReadTheSame(t *testing.T) {
	checked := 0
	for _, a := range All() {
		if !a.SameShape {
			continue
		}
		for _, k := range a.Kinds {
			old := a.GroupVersion().WithKind(k)
			to, _ := a.ReplacementKind(k)
			ot, ok1 := scheme.Scheme.AllKnownTypes()[old]
			nt, ok2 := scheme.Scheme.AllKnownTypes()[to]
			if !ok1 || !ok2 {
				continue
			}
			checked++
			if diff := shapeDiff(ot, nt, "", map[[2]reflect.Type]bool{}); diff != "" {
				t.Errorf("%s does not read the same as %s: %s", old, to, diff)
			}
		}
	}
	if checked < 15 {
		t.Errorf("checked %d kinds, want at least 15 (the workloads, CronJob, RBAC, NetworkPolicy ...)", checked)
	}
}

// shapeDiff describes the first field where a and b differ in shape, or "".
func shapeDiff(a, b reflect.Type, path string, seen map[[2]reflect.Type]bool) string {
	for a.Kind() == reflect.Pointer {
		a = a.Elem()
	}
	for b.Kind() == reflect.Pointer {
		b = b.Elem()
	}
	if a == b || seen[[2]reflect.Type{a, b}] {
		return ""
	}
	seen[[2]reflect.Type{a, b}] = true
	if a.Kind() != b.Kind() {
		return path + ": " + a.String() + " is not " + b.String()
	}
	switch a.Kind() {
	case reflect.Slice, reflect.Map:
		return shapeDiff(a.Elem(), b.Elem(), path+"[]", seen)
	case reflect.Struct:
		if a.PkgPath() != "" && strings.HasPrefix(a.PkgPath(), "k8s.io/apimachinery") {
			return path + ": " + a.String() + " is not " + b.String() // distinct apimachinery types
		}
		bf := jsonFields(b)
		for name, f := range jsonFields(a) {
			g, ok := bf[name]
			if !ok {
				continue // only the old version has it: dropped, and checked against the old schema
			}
			if d := shapeDiff(f, g, path+"."+name, seen); d != "" {
				return d
			}
		}
	}
	return ""
}

// jsonFields maps the JSON names of a struct's fields, inline ones included, to their types.
func jsonFields(t reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	for i := range t.NumField() {
		f := t.Field(i)
		name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		if (f.Anonymous && name == "") || strings.Contains(","+opts+",", ",inline,") {
			for n, ft := range jsonFields(f.Type) {
				out[n] = ft
			}
			continue
		}
		if name == "" {
			name = f.Name
		}
		out[name] = f.Type
	}
	return out
}

// TestShapeDiffFindsFieldsThatReadDifferently pins the comparison the SameShape check rests on.
func TestShapeDiffFindsFieldsThatReadDifferently(t *testing.T) {
	type inner struct {
		N int `json:"n"`
	}
	type innerString struct {
		N string `json:"n"`
	}
	tests := []struct {
		name string
		a, b any
		want string
	}{
		{"a field only the old type has is dropped", struct {
			A int `json:"a"`
			B int `json:"b"`
		}{}, struct {
			A int `json:"a"`
		}{}, ""},
		{"a number read as a string differs", struct {
			A int `json:"a"`
		}{}, struct {
			A string `json:"a"`
		}{}, ".a: int is not string"},
		{"nested objects are compared field by field", struct {
			A []inner `json:"a"`
		}{}, struct {
			A []*innerString `json:"a"`
		}{}, ".a[].n: int is not string"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := shapeDiff(reflect.TypeOf(tt.a), reflect.TypeOf(tt.b), "", map[[2]reflect.Type]bool{}); got != tt.want {
				t.Errorf("shapeDiff = %q, want %q", got, tt.want)
			}
		})
	}
}
