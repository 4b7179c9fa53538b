package cluster

import (
	"context"
	"fmt"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"palisade.dev/palisade/internal/inventory"
)

var crdResource = resource{
	Kind: "CustomResourceDefinition",
	GVR:  schema.GroupVersionResource{Group: "apiextensions.k8s.io", Version: "v1", Resource: "customresourcedefinitions"},
}

// podTemplateResources finds the custom resources that run pods: the CustomResourceDefinitions
// whose served schema has a pod spec (an object with a "containers" array whose items have an
// "image"), anywhere in it. Their objects are listed like workloads.
func (s *scanner) podTemplateResources(ctx context.Context, facts *inventory.Cluster) []resource {
	if facts.APIGroupVersions != nil && !facts.ServesGroupVersion("apiextensions.k8s.io/v1") {
		return nil
	}
	var out []resource
	err := s.pages(ctx, crdResource, "", func(o runtime.Object) {
		crd, ok := o.(*unstructured.Unstructured)
		if !ok {
			return
		}
		if r, ok := podTemplateResource(crd.Object); ok {
			if s.opts.Namespace != "" && !r.Namespaced {
				return
			}
			out = append(out, r)
		}
	})
	if err != nil {
		s.gap(facts, crdResource, "", fmt.Sprintf("%s; custom resources that run pods were not looked for", listError(err, crdResource, "")))
	}
	return out
}

// podTemplateResource reads a CustomResourceDefinition and returns the resource of its
// storage version (else the first served one) when that version's schema has a pod spec.
func podTemplateResource(crd map[string]any) (resource, bool) {
	group, _, _ := unstructured.NestedString(crd, "spec", "group")
	plural, _, _ := unstructured.NestedString(crd, "spec", "names", "plural")
	kind, _, _ := unstructured.NestedString(crd, "spec", "names", "kind")
	scope, _, _ := unstructured.NestedString(crd, "spec", "scope")
	versions, _, _ := unstructured.NestedSlice(crd, "spec", "versions")
	var chosen map[string]any
	for _, v := range versions {
		vm, ok := v.(map[string]any)
		if !ok || vm["served"] != true {
			continue
		}
		if chosen == nil || vm["storage"] == true {
			chosen = vm
		}
	}
	if chosen == nil || plural == "" || kind == "" {
		return resource{}, false
	}
	name, _ := chosen["name"].(string)
	openAPI, _, _ := unstructured.NestedMap(chosen, "schema", "openAPIV3Schema")
	if !hasPodSpec(openAPI, 0) {
		return resource{}, false
	}
	return resource{
		Kind:       kind,
		GVR:        schema.GroupVersionResource{Group: group, Version: name, Resource: plural},
		Namespaced: scope == "Namespaced",
		Stage:      stageControllers,
	}, true
}

// hasPodSpec reports whether an OpenAPI v3 schema describes, somewhere, an object with a
// "containers" array of objects that have an "image".
func hasPodSpec(node map[string]any, depth int) bool {
	if node == nil || depth > 32 {
		return false
	}
	props, _ := node["properties"].(map[string]any)
	if containers, ok := props["containers"].(map[string]any); ok {
		if items, ok := containers["items"].(map[string]any); ok {
			if itemProps, ok := items["properties"].(map[string]any); ok {
				if _, ok := itemProps["image"]; ok {
					return true
				}
			}
		}
	}
	for _, p := range props {
		if pm, ok := p.(map[string]any); ok && hasPodSpec(pm, depth+1) {
			return true
		}
	}
	for _, key := range []string{"items", "additionalProperties"} {
		if m, ok := node[key].(map[string]any); ok && hasPodSpec(m, depth+1) {
			return true
		}
	}
	return false
}
