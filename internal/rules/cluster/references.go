package cluster

import "palisade.dev/palisade/internal/rules"

// The sources the rules of this package cite. CIS IDs are those of the CIS Kubernetes
// Benchmark v1.10.0 (kube-bench cfg/cis-1.10).
var (
	cisAnonymousAuth  = rules.CIS("1.2.1", "Ensure that the --anonymous-auth argument is set to false")
	cisAuthzRBAC      = rules.CIS("1.2.8", "Ensure that the --authorization-mode argument includes RBAC")
	cisClusterAdmin   = rules.CIS("5.1.1", "Ensure that the cluster-admin role is only used where required")
	cisSystemMasters  = rules.CIS("5.1.7", "Avoid use of system:masters group")
	docsReleases      = rules.Docs("Kubernetes releases: release history and end of life", "https://kubernetes.io/releases/")
	docsSupportPeriod = rules.Docs("Patch releases: support period", "https://kubernetes.io/releases/patch-releases/#support-period")
	docsRBAC          = rules.Docs("Using RBAC Authorization", "https://kubernetes.io/docs/reference/access-authn-authz/rbac/")
	docsRBACGoodPract = rules.Docs("Role Based Access Control good practices", "https://kubernetes.io/docs/concepts/security/rbac-good-practices/")
	docsAnonymous     = rules.Docs("Authenticating: anonymous requests", "https://kubernetes.io/docs/reference/access-authn-authz/authentication/#anonymous-requests")
	docsDiscoveryRole = rules.Docs("Using RBAC Authorization: API discovery roles", "https://kubernetes.io/docs/reference/access-authn-authz/rbac/#discovery-roles")
)
