package rbac

import (
	"strings"

	"palisade.dev/palisade/internal/distro"
	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/inventory"
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
		id: "rbac/pod-exec", title: "Role that runs commands in, attaches to or forwards ports of pods, or proxies to nodes, bound to a subject",
		severity: finding.High, grants: "exec, attach, port-forward or ephemeral containers in pods, or nodes/proxy",
		description: "Exec and attach run commands in any pod in reach, with its ServiceAccount and mounted " +
			"Secrets; an ephemeral container added to a running pod does the same; port-forward reaches the pod's " +
			"ports from outside every NetworkPolicy; nodes/proxy reaches the kubelet API, which runs commands in " +
			"every pod of the node. get is enough for exec, attach and port-forward over WebSocket unless the API " +
			"server has the AuthorizePodWebsocketUpgradeCreatePermission feature gate (beta, on by default, " +
			"from Kubernetes 1.35), so get counts as create.",
		remedy: "Keep exec, attach, port-forward, ephemeral containers and nodes/proxy for break-glass roles; give " +
			"debugging access through namespaced RoleBindings, audited.",
		references: []rules.Reference{cisNodesProxy, docsRBACGoodPract, kepWebsocketCreate},
		anyOf: eachOf(
			verbs(core("pods/exec"), "create", "get"),
			verbs(core("pods/attach"), "create", "get"),
			verbs(core("pods/portforward"), "create", "get"),
			verbs(core("pods/ephemeralcontainers"), "update", "patch"),
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
		id: "rbac/pv-create", title: "Role that creates PersistentVolumes bound to a subject",
		severity: finding.High, grants: "create on PersistentVolumes",
		description: "A PersistentVolume of type hostPath or local points at any path of a node, and a pod that " +
			"claims it mounts that path: the Pod Security Standards judge a pod's own volumes, not the volume " +
			"behind a claim, so a namespace that forbids hostPath still runs it.",
		remedy: "Let a StorageClass's provisioner create PersistentVolumes; keep create on PersistentVolumes for " +
			"storage administrators.",
		references: []rules.Reference{docsRBACGoodPract},
		anyOf:      eachOf(clusterScoped(verbs(core("persistentvolumes"), "create"))),
	},
	{
		id: "rbac/status-write", title: "Role that writes the status of nodes or pods bound to a subject",
		severity: finding.Medium, grants: "update or patch on nodes/status or pods/status",
		description: "The status of a node holds the addresses the API server connects to for exec, logs and " +
			"proxy, and its conditions and capacity steer scheduling; the status of a pod holds the IP that " +
			"Services send traffic to. Writing them redirects that traffic to an address the subject chooses.",
		remedy: "Keep status writes for the kubelet (nodes, through the Node authorizer) and for controllers of " +
			"their own resources.",
		references: []rules.Reference{docsRBACGoodPract},
		anyOf: eachOf(
			clusterScoped(verbs(core("nodes/status"), "update", "patch")),
			verbs(core("pods/status"), "update", "patch"),
		),
	},
	{
		id: "rbac/crd-write", title: "Role that writes CustomResourceDefinitions bound to a subject",
		severity: finding.Medium, grants: "creating, updating or patching CustomResourceDefinitions",
		description: "A CustomResourceDefinition names the conversion webhook that receives every object of its " +
			"kinds, and holds the schema that validates them: writing one can send another team's objects to " +
			"an endpoint of the subject's choice, drop their validation or stop serving a stored version.",
		remedy: "Keep CustomResourceDefinition writes for the operators that install them and for cluster " +
			"administrators.",
		references: []rules.Reference{docsRBACGoodPract},
		anyOf:      eachOf(clusterScoped(verbs(group("apiextensions.k8s.io", "customresourcedefinitions"), "create", "update", "patch"))),
	},
	{
		id: "rbac/aws-auth-write", title: "Role that writes the EKS aws-auth ConfigMap bound to a subject",
		severity: finding.High, grants: "writing the aws-auth ConfigMap of kube-system",
		description: "On Amazon EKS the aws-auth ConfigMap of kube-system maps IAM roles and users to Kubernetes " +
			"users and groups: whoever writes it can map an IAM identity it controls to system:masters. Judged " +
			"on an EKS cluster, and on manifests that hold the ConfigMap.",
		remedy: "Move to EKS access entries, or keep aws-auth writes for cluster administrators; never grant " +
			"update or patch on ConfigMaps of kube-system without resourceNames.",
		references: []rules.Reference{docsRBACGoodPract, docsEKSAwsAuth},
		inUse:      awsAuthInUse,
		anyOf: eachOf(
			verbs(inNamespace(core("configmaps"), "kube-system", "aws-auth"), "update", "patch"),
			verbs(inNamespace(core("configmaps"), "kube-system", ""), "create"),
		),
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

// awsAuthInUse reports whether the input is an EKS cluster, or manifests that hold the
// aws-auth ConfigMap: elsewhere the ConfigMap means nothing.
func awsAuthInUse(inv *inventory.Inventory) bool {
	if inv.Cluster != nil {
		return inv.Cluster.Distribution == distro.EKS
	}
	return inv.Get("ConfigMap", "kube-system", "aws-auth") != nil
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

// inNamespace is a on the object name (none for a collection) of one namespace.
func inNamespace(a engine.Attributes, namespace, name string) engine.Attributes {
	a.Namespace, a.Name = namespace, name
	return a
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
