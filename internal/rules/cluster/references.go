package cluster

import "palisade.dev/palisade/internal/rules"

// The sources the rules of this package cite. CIS IDs are those of the CIS Kubernetes
// Benchmark v1.10.0 (kube-bench cfg/cis-1.10).
var (
	cisAnonymousAuth  = rules.Reference{Kind: "CIS", ID: "1.2.1", Title: "Ensure that the --anonymous-auth argument is set to false (CIS Kubernetes Benchmark v1.10.0)"}
	cisAuthzRBAC      = rules.Reference{Kind: "CIS", ID: "1.2.8", Title: "Ensure that the --authorization-mode argument includes RBAC (CIS Kubernetes Benchmark v1.10.0)"}
	cisClusterAdmin   = rules.Reference{Kind: "CIS", ID: "5.1.1", Title: "Ensure that the cluster-admin role is only used where required (CIS Kubernetes Benchmark v1.10.0)"}
	cisSystemMasters  = rules.Reference{Kind: "CIS", ID: "5.1.7", Title: "Avoid use of system:masters group (CIS Kubernetes Benchmark v1.10.0)"}
	docsReleases      = rules.Reference{Kind: "Docs", Title: "Kubernetes releases: release history and end of life", URL: "https://kubernetes.io/releases/"}
	docsSupportPeriod = rules.Reference{Kind: "Docs", Title: "Patch releases: support period", URL: "https://kubernetes.io/releases/patch-releases/#support-period"}
	docsRBAC          = rules.Reference{Kind: "Docs", Title: "Using RBAC Authorization", URL: "https://kubernetes.io/docs/reference/access-authn-authz/rbac/"}
	docsRBACGoodPract = rules.Reference{Kind: "Docs", Title: "Role Based Access Control good practices", URL: "https://kubernetes.io/docs/concepts/security/rbac-good-practices/"}
	docsAnonymous     = rules.Reference{Kind: "Docs", Title: "Authenticating: anonymous requests", URL: "https://kubernetes.io/docs/reference/access-authn-authz/authentication/#anonymous-requests"}
	docsDiscoveryRole = rules.Reference{Kind: "Docs", Title: "Using RBAC Authorization: API discovery roles", URL: "https://kubernetes.io/docs/reference/access-authn-authz/rbac/#discovery-roles"}
)
