package rego

import (
	"fmt"
	"strings"
	"sync"

	"github.com/open-policy-agent/opa/v1/ast"
	"k8s.io/apimachinery/pkg/runtime"

	"palisade.dev/palisade/internal/inventory"
)

// ObjectMap returns an object as the API server would store it, as JSON-compatible data:
// apiVersion, kind, metadata, spec ... (numbers as int64 or float64).
func ObjectMap(o *inventory.Object) (map[string]any, error) {
	if o.Typed == nil {
		if o.Content == nil {
			return nil, fmt.Errorf("the object's content is not available")
		}
		return o.Content, nil
	}
	m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(o.Typed)
	if err != nil {
		return nil, fmt.Errorf("converting the %T to plain data: %w", o.Typed, err)
	}
	apiVersion, kind := o.GVK.ToAPIVersionAndKind()
	m["apiVersion"], m["kind"] = apiVersion, kind
	return m, nil
}

// Input is the input document of a Palisade policy for one object:
//
//	{
//	  "object":    the object as the API server stores it,
//	  "kind":      {"group": "apps", "version": "v1", "kind": "Deployment"},
//	  "namespace": "web", "name": "api",
//	  "pod":       {"metadata": ..., "spec": ..., "metadataPath": "spec.template.metadata",
//	                "specPath": "spec.template.spec"}     (only for objects that run a pod)
//	}
func Input(o *inventory.Object) (ast.Value, error) {
	m, err := ObjectMap(o)
	if err != nil {
		return nil, err
	}
	in := map[string]any{
		"object":    m,
		"kind":      map[string]any{"group": o.GVK.Group, "version": o.GVK.Version, "kind": o.GVK.Kind},
		"namespace": o.Namespace,
		"name":      o.Name,
	}
	if pod, ok := inventory.PodTemplateOf(o); ok {
		meta, _ := at(m, pod.MetaPath)
		spec, _ := at(m, pod.SpecPath)
		in["pod"] = map[string]any{"metadata": meta, "spec": spec, "metadataPath": pod.MetaPath, "specPath": pod.SpecPath}
	}
	v, err := ast.InterfaceToValue(in)
	if err != nil {
		return nil, fmt.Errorf("converting the object for the policy: %w", err)
	}
	return v, nil
}

// at returns the value at a dotted path of plain keys.
func at(m map[string]any, path string) (any, bool) {
	var cur any = m
	for key := range strings.SplitSeq(path, ".") {
		mm, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		if cur, ok = mm[key]; !ok {
			return nil, false
		}
	}
	return cur, true
}

// Cache remembers the input of the last objects evaluated, so that the policies of one set
// judging one object convert it once, not once each. An entry holds its object, so no other
// object can take its address while it is remembered. It is safe for concurrent use.
type Cache struct {
	build func(*inventory.Object) (ast.Value, error)
	mu    sync.Mutex
	ring  [16]struct {
		obj *inventory.Object
		val ast.Value
		err error
	}
	next int
}

// NewCache returns a cache of what build makes of an object.
func NewCache(build func(*inventory.Object) (ast.Value, error)) *Cache { return &Cache{build: build} }

// Of returns what build makes of o, built once while o is among the last objects asked for.
func (c *Cache) Of(o *inventory.Object) (ast.Value, error) {
	c.mu.Lock()
	for i := range c.ring {
		if c.ring[i].obj == o {
			v, err := c.ring[i].val, c.ring[i].err
			c.mu.Unlock()
			return v, err
		}
	}
	c.mu.Unlock()
	v, err := c.build(o)
	c.mu.Lock()
	e := &c.ring[c.next]
	e.obj, e.val, e.err = o, v, err
	c.next = (c.next + 1) % len(c.ring)
	c.mu.Unlock()
	return v, err
}
