// Package removedapi owns the facts of which Kubernetes API versions the API server stopped
// serving, in which release, and what replaced them. Sources read it to decode a manifest
// written in a removed version as the version that replaced it (so its pod template and
// settings are judged as they would be today); the manifest rules read it to report the
// version. It must not decide anything else.
//
// Source: the Kubernetes "Deprecated API Migration Guide", section "Removed APIs by release"
// (https://kubernetes.io/docs/reference/using-api/deprecation-guide/), which lists, for each
// release, the API versions no longer served from it and the version to migrate to. Alpha
// versions, never served by default, are not listed there and not here.
package removedapi

import (
	"slices"

	"k8s.io/apimachinery/pkg/runtime/schema"
)

// API is one group and version of some kinds that the API server no longer serves.
type API struct {
	Group, Version string
	Kinds          []string
	// RemovedIn is the minor of the Kubernetes 1.N release that stopped serving it.
	RemovedIn int
	// Replacement is the group/version to migrate to ("apps/v1"), the kind staying the same;
	// "" when nothing replaced it (PodSecurityPolicy).
	Replacement string
	// AvailableSince is the minor of the release from which the replacement is served.
	AvailableSince int
	// Changes summarises the guide's notable changes in the replacement, "" when it lists none.
	Changes string
	// SameShape is true when every field of the old version that the replacement also has
	// means the same there, so a document written in the old version decodes as the
	// replacement's Go type: its pod template, RBAC rules or NetworkPolicy spec read exactly
	// as the replacement reads them. Fields only the old version has are dropped by that
	// decoding (they are still checked against the old version's own schema).
	SameShape bool
}

// GroupVersion is the removed version, as written in apiVersion.
func (a *API) GroupVersion() schema.GroupVersion {
	return schema.GroupVersion{Group: a.Group, Version: a.Version}
}

// ReplacementKind is the kind and version that replaced kind in this API, if any.
func (a *API) ReplacementKind(kind string) (schema.GroupVersionKind, bool) {
	if a.Replacement == "" {
		return schema.GroupVersionKind{}, false
	}
	gv, err := schema.ParseGroupVersion(a.Replacement)
	if err != nil {
		return schema.GroupVersionKind{}, false
	}
	return gv.WithKind(kind), true
}

// All returns the removals of the migration guide, newest release first.
func All() []API { return slices.Clone(removed) }

// removed lists the removals of the migration guide, newest release first.
var removed = []API{
	// v1.32
	{Group: "flowcontrol.apiserver.k8s.io", Version: "v1beta3", Kinds: []string{"FlowSchema", "PriorityLevelConfiguration"},
		RemovedIn: 32, Replacement: "flowcontrol.apiserver.k8s.io/v1", AvailableSince: 29,
		Changes: "spec.limited.nominalConcurrencyShares defaults to 30 only when unset; an explicit 0 stays 0"},
	// v1.29
	{Group: "flowcontrol.apiserver.k8s.io", Version: "v1beta2", Kinds: []string{"FlowSchema", "PriorityLevelConfiguration"},
		RemovedIn: 29, Replacement: "flowcontrol.apiserver.k8s.io/v1", AvailableSince: 29,
		Changes: "spec.limited.assuredConcurrencyShares is renamed to spec.limited.nominalConcurrencyShares (v1beta3, served from v1.26, has the same change)"},
	// v1.27
	{Group: "storage.k8s.io", Version: "v1beta1", Kinds: []string{"CSIStorageCapacity"},
		RemovedIn: 27, Replacement: "storage.k8s.io/v1", AvailableSince: 24, SameShape: true},
	// v1.26
	{Group: "flowcontrol.apiserver.k8s.io", Version: "v1beta1", Kinds: []string{"FlowSchema", "PriorityLevelConfiguration"},
		RemovedIn: 26, Replacement: "flowcontrol.apiserver.k8s.io/v1beta3", AvailableSince: 26},
	{Group: "autoscaling", Version: "v2beta2", Kinds: []string{"HorizontalPodAutoscaler"},
		RemovedIn: 26, Replacement: "autoscaling/v2", AvailableSince: 23,
		Changes: "targetAverageUtilization is replaced with target.averageUtilization and target.type: Utilization"},
	// v1.25
	{Group: "batch", Version: "v1beta1", Kinds: []string{"CronJob"},
		RemovedIn: 25, Replacement: "batch/v1", AvailableSince: 21, SameShape: true},
	{Group: "discovery.k8s.io", Version: "v1beta1", Kinds: []string{"EndpointSlice"},
		RemovedIn: 25, Replacement: "discovery.k8s.io/v1", AvailableSince: 21,
		Changes: "per-endpoint nodeName and zone replace the topology field"},
	{Group: "events.k8s.io", Version: "v1beta1", Kinds: []string{"Event"},
		RemovedIn: 25, Replacement: "events.k8s.io/v1", AvailableSince: 19,
		Changes: "involvedObject is renamed to regarding; type is Normal or Warning"},
	{Group: "autoscaling", Version: "v2beta1", Kinds: []string{"HorizontalPodAutoscaler"},
		RemovedIn: 25, Replacement: "autoscaling/v2", AvailableSince: 23,
		Changes: "targetAverageUtilization is replaced with target.averageUtilization and target.type: Utilization"},
	{Group: "policy", Version: "v1beta1", Kinds: []string{"PodDisruptionBudget"},
		RemovedIn: 25, Replacement: "policy/v1", AvailableSince: 21,
		Changes: "an empty spec.selector selects every pod of the namespace (in v1beta1 it selected none)"},
	{Group: "policy", Version: "v1beta1", Kinds: []string{"PodSecurityPolicy"},
		RemovedIn: 25, Changes: "PodSecurityPolicy was removed; use Pod Security Admission or a third-party admission webhook"},
	{Group: "node.k8s.io", Version: "v1beta1", Kinds: []string{"RuntimeClass"},
		RemovedIn: 25, Replacement: "node.k8s.io/v1", AvailableSince: 20, SameShape: true},
	// v1.22
	{Group: "admissionregistration.k8s.io", Version: "v1beta1", Kinds: []string{"MutatingWebhookConfiguration", "ValidatingWebhookConfiguration"},
		RemovedIn: 22, Replacement: "admissionregistration.k8s.io/v1", AvailableSince: 16,
		Changes: "failurePolicy defaults to Fail, sideEffects and admissionReviewVersions are required"},
	{Group: "apiextensions.k8s.io", Version: "v1beta1", Kinds: []string{"CustomResourceDefinition"},
		RemovedIn: 22, Replacement: "apiextensions.k8s.io/v1", AvailableSince: 16,
		Changes: "spec.version, validation, subresources and additionalPrinterColumns move under spec.versions[*]; a structural schema is required"},
	{Group: "apiregistration.k8s.io", Version: "v1beta1", Kinds: []string{"APIService"},
		RemovedIn: 22, Replacement: "apiregistration.k8s.io/v1", AvailableSince: 10, SameShape: true},
	{Group: "authentication.k8s.io", Version: "v1beta1", Kinds: []string{"TokenReview"},
		RemovedIn: 22, Replacement: "authentication.k8s.io/v1", AvailableSince: 6, SameShape: true},
	{Group: "authorization.k8s.io", Version: "v1beta1", Kinds: []string{"LocalSubjectAccessReview", "SelfSubjectAccessReview", "SubjectAccessReview"},
		RemovedIn: 22, Replacement: "authorization.k8s.io/v1", AvailableSince: 6,
		Changes: "spec.group is renamed to spec.groups"},
	{Group: "certificates.k8s.io", Version: "v1beta1", Kinds: []string{"CertificateSigningRequest"},
		RemovedIn: 22, Replacement: "certificates.k8s.io/v1", AvailableSince: 19,
		Changes: "spec.signerName and spec.usages are required"},
	{Group: "coordination.k8s.io", Version: "v1beta1", Kinds: []string{"Lease"},
		RemovedIn: 22, Replacement: "coordination.k8s.io/v1", AvailableSince: 14, SameShape: true},
	{Group: "extensions", Version: "v1beta1", Kinds: []string{"Ingress"},
		RemovedIn: 22, Replacement: "networking.k8s.io/v1", AvailableSince: 19,
		Changes: "spec.backend is renamed to spec.defaultBackend, serviceName and servicePort to service.name and service.port, and pathType is required"},
	{Group: "networking.k8s.io", Version: "v1beta1", Kinds: []string{"Ingress"},
		RemovedIn: 22, Replacement: "networking.k8s.io/v1", AvailableSince: 19,
		Changes: "spec.backend is renamed to spec.defaultBackend, serviceName and servicePort to service.name and service.port, and pathType is required"},
	{Group: "networking.k8s.io", Version: "v1beta1", Kinds: []string{"IngressClass"},
		RemovedIn: 22, Replacement: "networking.k8s.io/v1", AvailableSince: 19, SameShape: true},
	{Group: "rbac.authorization.k8s.io", Version: "v1beta1", Kinds: []string{"ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding"},
		RemovedIn: 22, Replacement: "rbac.authorization.k8s.io/v1", AvailableSince: 8, SameShape: true},
	{Group: "scheduling.k8s.io", Version: "v1beta1", Kinds: []string{"PriorityClass"},
		RemovedIn: 22, Replacement: "scheduling.k8s.io/v1", AvailableSince: 14, SameShape: true},
	{Group: "storage.k8s.io", Version: "v1beta1", Kinds: []string{"CSIDriver", "CSINode", "StorageClass", "VolumeAttachment"},
		RemovedIn: 22, Replacement: "storage.k8s.io/v1", AvailableSince: 19, SameShape: true},
	// v1.16
	{Group: "extensions", Version: "v1beta1", Kinds: []string{"NetworkPolicy"},
		RemovedIn: 16, Replacement: "networking.k8s.io/v1", AvailableSince: 8, SameShape: true},
	{Group: "extensions", Version: "v1beta1", Kinds: []string{"PodSecurityPolicy"},
		RemovedIn: 16, Replacement: "policy/v1beta1", AvailableSince: 10, SameShape: true},
	{Group: "extensions", Version: "v1beta1", Kinds: []string{"DaemonSet", "Deployment", "ReplicaSet"},
		RemovedIn: 16, Replacement: "apps/v1", AvailableSince: 9, SameShape: true,
		Changes: "spec.selector is required; spec.rollbackTo and spec.templateGeneration are removed; update strategies and history limits default differently"},
	{Group: "apps", Version: "v1beta2", Kinds: []string{"DaemonSet", "Deployment", "ReplicaSet", "StatefulSet"},
		RemovedIn: 16, Replacement: "apps/v1", AvailableSince: 9, SameShape: true,
		Changes: "spec.selector is required and immutable"},
	{Group: "apps", Version: "v1beta1", Kinds: []string{"Deployment", "ReplicaSet", "StatefulSet"},
		RemovedIn: 16, Replacement: "apps/v1", AvailableSince: 9, SameShape: true,
		Changes: "spec.selector is required; spec.rollbackTo is removed; update strategies and history limits default differently"},
}

// index finds an entry of Removed by group, version and kind.
var index = func() map[schema.GroupVersionKind]*API {
	m := map[schema.GroupVersionKind]*API{}
	for i := range removed {
		a := &removed[i]
		for _, k := range a.Kinds {
			m[a.GroupVersion().WithKind(k)] = a
		}
	}
	return m
}()

// Lookup returns the removal of gvk's version of its kind, if it was removed.
func Lookup(gvk schema.GroupVersionKind) (API, bool) {
	a, ok := index[gvk]
	if !ok {
		return API{}, false
	}
	return *a, true
}
