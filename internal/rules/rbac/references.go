package rbac

import "palisade.dev/palisade/internal/rules"

// The sources the rules of this package cite. CIS IDs are those of the CIS Kubernetes
// Benchmark v1.10.0 (kube-bench cfg/cis-1.10).
var (
	cisClusterAdmin = rules.Reference{Kind: "CIS", ID: "5.1.1", Title: "Ensure that the cluster-admin role is only used where required (CIS Kubernetes Benchmark v1.10.0)"}
	cisSecrets      = rules.Reference{Kind: "CIS", ID: "5.1.2", Title: "Minimize access to secrets (CIS Kubernetes Benchmark v1.10.0)"}
	cisWildcards    = rules.Reference{Kind: "CIS", ID: "5.1.3", Title: "Minimize wildcard use in Roles and ClusterRoles (CIS Kubernetes Benchmark v1.10.0)"}
	cisCreatePods   = rules.Reference{Kind: "CIS", ID: "5.1.4", Title: "Minimize access to create pods (CIS Kubernetes Benchmark v1.10.0)"}
	cisAnonymous    = rules.Reference{Kind: "CIS", ID: "1.2.1", Title: "Ensure that the --anonymous-auth argument is set to false (CIS Kubernetes Benchmark v1.10.0)"}

	docsRBAC            = rules.Reference{Kind: "Docs", Title: "Using RBAC Authorization", URL: "https://kubernetes.io/docs/reference/access-authn-authz/rbac/"}
	docsUserFacingRoles = rules.Reference{Kind: "Docs", Title: "Using RBAC Authorization: user-facing roles", URL: "https://kubernetes.io/docs/reference/access-authn-authz/rbac/#user-facing-roles"}
	docsDefaultRoles    = rules.Reference{Kind: "Docs", Title: "Using RBAC Authorization: default roles and role bindings", URL: "https://kubernetes.io/docs/reference/access-authn-authz/rbac/#default-roles-and-role-bindings"}
	docsAggregation     = rules.Reference{Kind: "Docs", Title: "Using RBAC Authorization: aggregated ClusterRoles", URL: "https://kubernetes.io/docs/reference/access-authn-authz/rbac/#aggregated-clusterroles"}
	docsRBACGoodPract   = rules.Reference{Kind: "Docs", Title: "Role Based Access Control good practices", URL: "https://kubernetes.io/docs/concepts/security/rbac-good-practices/"}
	docsAnonymous       = rules.Reference{Kind: "Docs", Title: "Authenticating: anonymous requests", URL: "https://kubernetes.io/docs/reference/access-authn-authz/authentication/#anonymous-requests"}
	docsKubeadmJoin     = rules.Reference{Kind: "Docs", Title: "kubeadm join: turn off public access to the cluster-info ConfigMap", URL: "https://kubernetes.io/docs/reference/setup-tools/kubeadm/kubeadm-join/#turning-off-public-access-to-the-cluster-info-configmap"}
)
