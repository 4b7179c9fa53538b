package cluster

import (
	"slices"

	"k8s.io/apimachinery/pkg/runtime/schema"
)

// resource is one kind the scan lists.
type resource struct {
	Kind       string
	GVR        schema.GroupVersionResource
	Namespaced bool
	// Typed is true for built-in kinds, which are listed as protobuf into k8s.io/api types;
	// custom resources are listed as JSON into plain content.
	Typed bool
	// Optional is a custom resource a cluster may not define: when the server does not
	// serve it, there is nothing to list and no gap to report.
	Optional bool
	// Stage orders the listing so that controllers are known before what they own: pods
	// owned by a scanned controller are not reported twice.
	Stage int
}

// Stages of the listing.
const (
	stageControllers = iota // Deployments, CronJobs, StatefulSets ... and every non-workload kind
	stageOwned              // ReplicaSets and Jobs (owned by Deployments and CronJobs)
	stagePods               // Pods (owned by any of the above)
	stages
)

// builtin maps the built-in kinds rules may ask for to their resources. Secrets are absent on
// purpose: a scan never lists them.
var builtin = map[string]resource{
	"Pod":                            {GVR: core("pods"), Namespaced: true, Stage: stagePods},
	"PodTemplate":                    {GVR: core("podtemplates"), Namespaced: true},
	"ReplicationController":          {GVR: core("replicationcontrollers"), Namespaced: true},
	"Deployment":                     {GVR: apps("deployments"), Namespaced: true},
	"ReplicaSet":                     {GVR: apps("replicasets"), Namespaced: true, Stage: stageOwned},
	"StatefulSet":                    {GVR: apps("statefulsets"), Namespaced: true},
	"DaemonSet":                      {GVR: apps("daemonsets"), Namespaced: true},
	"Job":                            {GVR: batch("jobs"), Namespaced: true, Stage: stageOwned},
	"CronJob":                        {GVR: batch("cronjobs"), Namespaced: true},
	"Namespace":                      {GVR: core("namespaces")},
	"ServiceAccount":                 {GVR: core("serviceaccounts"), Namespaced: true},
	"ConfigMap":                      {GVR: core("configmaps"), Namespaced: true},
	"Service":                        {GVR: core("services"), Namespaced: true},
	"ResourceQuota":                  {GVR: core("resourcequotas"), Namespaced: true},
	"LimitRange":                     {GVR: core("limitranges"), Namespaced: true},
	"Node":                           {GVR: core("nodes")},
	"NetworkPolicy":                  {GVR: schema.GroupVersionResource{Group: "networking.k8s.io", Version: "v1", Resource: "networkpolicies"}, Namespaced: true},
	"Ingress":                        {GVR: schema.GroupVersionResource{Group: "networking.k8s.io", Version: "v1", Resource: "ingresses"}, Namespaced: true},
	"Role":                           {GVR: rbac("roles"), Namespaced: true},
	"RoleBinding":                    {GVR: rbac("rolebindings"), Namespaced: true},
	"ClusterRole":                    {GVR: rbac("clusterroles")},
	"ClusterRoleBinding":             {GVR: rbac("clusterrolebindings")},
	"PodDisruptionBudget":            {GVR: schema.GroupVersionResource{Group: "policy", Version: "v1", Resource: "poddisruptionbudgets"}, Namespaced: true},
	"ValidatingWebhookConfiguration": {GVR: schema.GroupVersionResource{Group: "admissionregistration.k8s.io", Version: "v1", Resource: "validatingwebhookconfigurations"}},
	"MutatingWebhookConfiguration":   {GVR: schema.GroupVersionResource{Group: "admissionregistration.k8s.io", Version: "v1", Resource: "mutatingwebhookconfigurations"}},
	// The admin network policies of sigs.k8s.io/network-policy-api, whose definitions
	// clusters install when their network plugin implements them.
	"AdminNetworkPolicy":         {GVR: adminPolicy("adminnetworkpolicies"), Optional: true},
	"BaselineAdminNetworkPolicy": {GVR: adminPolicy("baselineadminnetworkpolicies"), Optional: true},
}

func core(r string) schema.GroupVersionResource {
	return schema.GroupVersionResource{Version: "v1", Resource: r}
}
func apps(r string) schema.GroupVersionResource {
	return schema.GroupVersionResource{Group: "apps", Version: "v1", Resource: r}
}
func batch(r string) schema.GroupVersionResource {
	return schema.GroupVersionResource{Group: "batch", Version: "v1", Resource: r}
}
func adminPolicy(r string) schema.GroupVersionResource {
	return schema.GroupVersionResource{Group: "policy.networking.k8s.io", Version: "v1alpha1", Resource: r}
}
func rbac(r string) schema.GroupVersionResource {
	return schema.GroupVersionResource{Group: "rbac.authorization.k8s.io", Version: "v1", Resource: r}
}

// workloadKinds are the kinds that run a pod, whose pod rules apply.
var workloadKinds = []string{"Pod", "PodTemplate", "ReplicationController", "Deployment", "ReplicaSet", "StatefulSet", "DaemonSet", "Job", "CronJob"}

// WorkloadKinds returns the built-in kinds that run a pod: what pod rules judge.
func WorkloadKinds() []string { return slices.Clone(workloadKinds) }

// Forbidden is the kind a scan never lists, whatever a rule asks for.
const Forbidden = "Secret"

// Listable returns, sorted, the built-in kinds a scan lists for the kinds asked: those it
// knows how to list, plus Namespace (which defines the namespaces that namespace rules
// judge), never Forbidden. Kinds it does not know how to list are returned in unknown.
func Listable(asked []string) (kinds, unknown []string) {
	want := map[string]bool{"Namespace": true}
	for _, k := range asked {
		want[k] = true
	}
	delete(want, Forbidden)
	for k := range want {
		if _, ok := builtin[k]; ok {
			kinds = append(kinds, k)
		} else {
			unknown = append(unknown, k)
		}
	}
	slices.Sort(kinds)
	slices.Sort(unknown)
	return kinds, unknown
}

func builtinResource(kind string) resource {
	r := builtin[kind]
	r.Kind, r.Typed = kind, !r.Optional
	return r
}

// Resource returns the resource a built-in kind is listed through.
func Resource(kind string) (schema.GroupVersionResource, bool) {
	r, ok := builtin[kind]
	return r.GVR, ok
}
