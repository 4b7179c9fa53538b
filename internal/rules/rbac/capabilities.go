package rbac

import (
	"strings"

	"palisade.dev/palisade/internal/finding"
	engine "palisade.dev/palisade/internal/rbac"
	"palisade.dev/palisade/internal/rules"
)

// capabilities are the risky grants the package reports, one rule each (risky_grant.go
// judges them). The powers and why they matter are those of Kubernetes' RBAC good practices
// (https://kubernetes.io/docs/concepts/security/rbac-good-practices/), with the CIS
// Kubernetes Benchmark's 5.1.x control where there is one.
var capabilities = []capability{
	{
		id: "rbac/secrets-read", title: "Role that reads Secrets in every namespace bound to a subject",
		severity: finding.High, grants: "get, list or watch on Secrets in every namespace",
		description: "Reading Secrets cluster-wide gives every ServiceAccount token, TLS key and password " +
			"of the cluster; list and watch return the values as get does.",
		remedy: "Grant Secret access through RoleBindings in the namespaces that need it, on named " +
			"Secrets (resourceNames) where the workload reads known ones.",
		references: []rules.Reference{cisSecrets, docsRBACGoodPract},
		anyOf:      eachOf(everyNamespace(verbs(core("secrets"), "get", "list", "watch"))),
	},
	{
		id: "rbac/pod-exec", title: "Role that runs commands in or attaches to pods, or proxies to nodes, bound to a subject",
		severity: finding.High, grants: "create on pods/exec or pods/attach, or get on nodes/proxy",
		description: "Exec and attach run commands in any pod in reach, with its ServiceAccount and mounted " +
			"Secrets; nodes/proxy reaches the kubelet API, which runs commands in every pod of the node.",
		remedy: "Keep exec, attach and nodes/proxy for break-glass roles; give debugging access through " +
			"namespaced RoleBindings, audited.",
		references: []rules.Reference{cisNodesProxy, docsRBACGoodPract},
		anyOf: eachOf(
			verbs(core("pods/exec"), "create"),
			verbs(core("pods/attach"), "create"),
			clusterScoped(verbs(core("nodes/proxy"), "get", "create")),
		),
	},
	{
		id: "rbac/pod-create", title: "Role that creates pods or workloads bound to a subject",
		severity: finding.Medium, grants: "creating pods or workload controllers",
		description: "Whoever creates a pod, directly or through a Deployment, DaemonSet, StatefulSet, Job, " +
			"CronJob, ReplicaSet or ReplicationController, can run it as any ServiceAccount of the namespace " +
			"and mount any of its Secrets.",
		remedy: "Grant pod and workload creation to deployment pipelines, in the namespaces they deploy to; " +
			"keep namespaces that hold powerful ServiceAccounts apart.",
		references: []rules.Reference{cisCreatePods, docsRBACGoodPract},
		anyOf: eachOf(
			verbs(core("pods"), "create"),
			verbs(core("replicationcontrollers"), "create"),
			verbs(group("apps", "deployments"), "create"),
			verbs(group("apps", "daemonsets"), "create"),
			verbs(group("apps", "statefulsets"), "create"),
			verbs(group("apps", "replicasets"), "create"),
			verbs(group("batch", "jobs"), "create"),
			verbs(group("batch", "cronjobs"), "create"),
		),
	},
	{
		id: "rbac/escalate-bind", title: "Role that escalates or binds roles bound to a subject",
		severity: finding.High, grants: "escalate or bind on Roles or ClusterRoles",
		description: "escalate lets a subject write a role granting more than it holds, and bind lets it bind " +
			"a role it does not hold: either is a way to any permission, cluster-admin included.",
		remedy:     "Remove escalate and bind, or limit bind with resourceNames to the roles the subject may hand out.",
		references: []rules.Reference{cisBindEscalate, docsRBACGoodPract},
		anyOf: eachOf(
			verbs(group("rbac.authorization.k8s.io", "clusterroles"), "escalate", "bind"),
			verbs(group("rbac.authorization.k8s.io", "roles"), "escalate", "bind"),
		),
	},
	{
		id: "rbac/impersonate", title: "Role that impersonates users, groups or ServiceAccounts bound to a subject",
		severity: finding.High, grants: "impersonate on users, groups or ServiceAccounts",
		description: "Impersonation makes requests as another user, group or ServiceAccount, with all of its " +
			"rights: impersonating the group system:masters is cluster-admin.",
		remedy:     "Remove impersonate, or limit it with resourceNames to the identities the subject must act as.",
		references: []rules.Reference{cisBindEscalate, docsRBACGoodPract},
		anyOf: eachOf(
			clusterScoped(verbs(core("users"), "impersonate")),
			clusterScoped(verbs(core("groups"), "impersonate")),
			verbs(core("serviceaccounts"), "impersonate"),
		),
	},
	{
		id: "rbac/token-create", title: "Role that creates ServiceAccount tokens bound to a subject",
		severity: finding.High, grants: "create on serviceaccounts/token",
		description: "Creating a token for a ServiceAccount is acting as it, with every right bound to it, for " +
			"as long as the token lives.",
		remedy: "Remove create on serviceaccounts/token, or limit it with resourceNames to the ServiceAccounts " +
			"the subject must act as.",
		references: []rules.Reference{cisTokenCreate, docsRBACGoodPract},
		anyOf:      eachOf(verbs(core("serviceaccounts/token"), "create")),
	},
	{
		id: "rbac/csr-approve", title: "Role that approves certificate signing requests for client certificates bound to a subject",
		severity: finding.High, grants: "approving certificate signing requests for the kube-apiserver-client signer",
		description: "Updating certificatesigningrequests/approval together with approve on the " +
			"kubernetes.io/kube-apiserver-client signer issues client certificates for any user and group, " +
			"system:masters included.",
		remedy:     "Keep CSR approval for the controllers that need it, with approve limited to the signers they serve.",
		references: []rules.Reference{cisCSRApproval, docsRBACGoodPract},
		anyOf: [][]request{
			{csrApproval, clusterScoped(named(group("certificates.k8s.io", "signers"), "approve", "kubernetes.io/kube-apiserver-client"))[0]},
			{csrApproval, clusterScoped(named(group("certificates.k8s.io", "signers"), "approve", "kubernetes.io/*"))[0]},
		},
	},
	{
		id: "rbac/webhook-config-write", title: "Role that writes admission webhook configurations bound to a subject",
		severity: finding.High, grants: "creating, updating or patching validating or mutating webhook configurations",
		description: "An admission webhook sees, and a mutating one rewrites, every object it selects: writing " +
			"their configuration can disable policy or read and change Secrets and pods as they are created.",
		remedy:     "Keep webhook configuration writes for the operators that install webhooks.",
		references: []rules.Reference{cisWebhookConfig, docsRBACGoodPract},
		anyOf: eachOf(
			clusterScoped(verbs(group("admissionregistration.k8s.io", "validatingwebhookconfigurations"), "create", "update", "patch")),
			clusterScoped(verbs(group("admissionregistration.k8s.io", "mutatingwebhookconfigurations"), "create", "update", "patch")),
		),
	},
}

// csrApproval is the first half of approving a CSR: updating its approval subresource.
var csrApproval = clusterScoped(verbs(group("certificates.k8s.io", "certificatesigningrequests/approval"), "update"))[0]

// core is a resource[/subresource] of the core group; group one of another API group.
func core(resource string) engine.Attributes { return group("", resource) }

func group(apiGroup, resource string) engine.Attributes {
	a := engine.Attributes{APIGroup: apiGroup, Resource: resource}
	a.Resource, a.Subresource, _ = strings.Cut(resource, "/")
	return a
}

// verbs is one request per verb on a.
func verbs(a engine.Attributes, vs ...string) []request {
	out := make([]request, len(vs))
	for i, v := range vs {
		out[i] = request{attrs: a}
		out[i].attrs.Verb = v
	}
	return out
}

// named is the request verb on the object name of a.
func named(a engine.Attributes, verb, name string) []request {
	a.Verb, a.Name = verb, name
	return []request{{attrs: a}}
}

// clusterScoped marks requests on a cluster-scoped resource; everyNamespace marks requests
// that count only when allowed in every namespace.
func clusterScoped(rs []request) []request {
	for i := range rs {
		rs[i].cluster = true
	}
	return rs
}

func everyNamespace(rs []request) []request {
	for i := range rs {
		rs[i].everyNS = true
	}
	return rs
}

// eachOf makes each request a way of its own to hold a capability.
func eachOf(groups ...[]request) [][]request {
	var out [][]request
	for _, g := range groups {
		for _, r := range g {
			out = append(out, []request{r})
		}
	}
	return out
}
