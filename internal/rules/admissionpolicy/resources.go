package admissionpolicy

import (
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"palisade.dev/palisade/internal/inventory"
)

// resourceMapper maps a kind to its resource and scope, as the API server's RESTMapper does:
// built-in kinds by the rule that names their resources (lower case, plural), with the
// exceptions the API has; custom resources by the CustomResourceDefinitions of the input.
type resourceMapper struct {
	custom map[schema.GroupKind]CustomResource
}

func newResourceMapper(crs []CustomResource) *resourceMapper {
	m := &resourceMapper{custom: make(map[schema.GroupKind]CustomResource, len(crs))}
	for _, cr := range crs {
		m.custom[schema.GroupKind{Group: cr.Group, Kind: cr.Kind}] = cr
	}
	return m
}

// irregularResources are the built-in kinds whose resource the plural rule does not give.
var irregularResources = map[schema.GroupKind]string{
	{Group: "", Kind: "Endpoints"}: "endpoints",
}

// resourceFor returns the resource of a kind, and whether its objects live in namespaces.
func (m *resourceMapper) resourceFor(gvk schema.GroupVersionKind) (schema.GroupVersionResource, bool) {
	gk := gvk.GroupKind()
	if cr, ok := m.custom[gk]; ok {
		return gvk.GroupVersion().WithResource(cr.Plural), cr.Namespaced
	}
	namespaced := !inventory.ClusterScoped(gvk)
	if r, ok := irregularResources[gk]; ok {
		return gvk.GroupVersion().WithResource(r), namespaced
	}
	plural, _ := meta.UnsafeGuessKindToResource(gvk)
	return plural, namespaced
}
