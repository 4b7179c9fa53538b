package inventory

import (
	"slices"
	"testing"
)

// TestResetAnswersLikeNew pins that an emptied inventory, refilled, answers exactly what a new
// one given the same objects answers: nothing of the objects it held before is left in its
// indexes, its namespaces or what it derived.
func TestResetAnswersLikeNew(t *testing.T) {
	obj := func(kind, ns, name string) *Object {
		o := &Object{Namespace: ns, Name: name}
		o.GVK.Version, o.GVK.Kind = "v1", kind
		return o
	}
	before := []*Object{obj("Pod", "a", "p"), obj("Namespace", "", "a"), obj("ServiceAccount", "a", "default")}
	cases := []struct {
		name  string
		after []*Object
	}{
		{"nothing refilled", nil},
		{"another namespace's objects", []*Object{obj("Pod", "b", "q")}},
		{"the same kinds again", []*Object{obj("Pod", "a", "p2"), obj("Namespace", "", "a")}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			reused := New()
			for _, o := range before {
				reused.Add(o)
			}
			reused.Cluster = &Cluster{Context: "old"}
			reused.Memo(resetKey{}, func() any { return "derived from before" })
			reused.Reset()
			fresh := New()
			for _, o := range c.after {
				reused.Add(o)
				fresh.Add(o)
			}
			if reused.Cluster != nil {
				t.Error("Reset kept the cluster")
			}
			if !slices.Equal(reused.Objects(), fresh.Objects()) {
				t.Errorf("Objects: %d objects, want %d", reused.Len(), fresh.Len())
			}
			if got, want := reused.Namespaces(), fresh.Namespaces(); !slices.Equal(got, want) {
				t.Errorf("Namespaces: %q, want %q", got, want)
			}
			for _, o := range before {
				if got, want := reused.Get(o.GVK.Kind, o.Namespace, o.Name), fresh.Get(o.GVK.Kind, o.Namespace, o.Name); got != want {
					t.Errorf("Get %s %s/%s answers an object of before the reset", o.GVK.Kind, o.Namespace, o.Name)
				}
				if got, want := len(reused.ByKind(o.GVK.Kind)), len(fresh.ByKind(o.GVK.Kind)); got != want {
					t.Errorf("ByKind %s: %d objects, want %d", o.GVK.Kind, got, want)
				}
				if got, want := len(reused.InNamespace(o.Namespace)), len(fresh.InNamespace(o.Namespace)); got != want {
					t.Errorf("InNamespace %q: %d objects, want %d", o.Namespace, got, want)
				}
			}
			if v := reused.Memo(resetKey{}, func() any { return "derived after" }); v != "derived after" {
				t.Errorf("Memo answered %v, derived before the reset", v)
			}
		})
	}
}

type resetKey struct{}
