package cluster

// cluster/rbac-api-served: the API server serves rbac.authorization.k8s.io/v1. RBAC is how
// Kubernetes says who may do what; when its API is not served, no Role or binding can be
// created or read, so access is decided by something else (ABAC files, a webhook, or
// AlwaysAllow) that Palisade's RBAC rules cannot judge. It is what `kubectl api-versions`
// shows (https://kubernetes.io/docs/reference/access-authn-authz/rbac/).
//
// Restricted fields:
//   the group/versions discovery lists (inventory.Cluster.APIGroupVersions)
//
// Allowed values:
//   rbac.authorization.k8s.io/v1 among them. No finding when discovery failed
//   (APIGroupVersions nil).
//
// References: CIS Kubernetes Benchmark v1.10.0 1.2.8;
// https://kubernetes.io/docs/reference/access-authn-authz/rbac/

import (
	"fmt"
	"strings"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/rules"
)

// rbacGroupVersion is the RBAC API every supported Kubernetes serves.
const rbacGroupVersion = "rbac.authorization.k8s.io/v1"

func rbacAPIServedRule() rules.Rule {
	return rules.Rule{
		ID:       "cluster/rbac-api-served",
		Title:    "RBAC API not served",
		Severity: finding.High,
		Area:     rules.AreaGeneral,
		Scope:    rules.ScopeCluster,
		Description: "Role-based access control is the standard way to grant each user and workload only what it " +
			"needs. An API server that does not serve rbac.authorization.k8s.io/v1 has RBAC turned off " +
			"(--runtime-config), so its authorization comes from elsewhere: ABAC policy files, a webhook, " +
			"or no check at all (AlwaysAllow). None of them can be reviewed with Kubernetes' own tools.",
		Fields:     []string{"discovery: served group/versions"},
		Allowed:    []string{rbacGroupVersion + " served"},
		References: []rules.Reference{cisAuthzRBAC, docsRBAC},
		Remedy: "Serve the RBAC API (remove rbac.authorization.k8s.io/v1=false from --runtime-config) and include " +
			"RBAC in --authorization-mode (Node,RBAC), then grant each user and workload a role.",
		Cluster: checkRBACAPIServed,
	}
}

func checkRBACAPIServed(ctx *rules.ClusterContext) []rules.Violation {
	c := ctx.Cluster
	if c == nil || c.APIGroupVersions == nil || c.ServesGroupVersion(rbacGroupVersion) {
		return nil
	}
	var others []string
	for _, gv := range c.APIGroupVersions {
		if strings.HasPrefix(gv, "rbac.authorization.k8s.io/") {
			others = append(others, gv)
		}
	}
	msg := fmt.Sprintf("the API server does not serve %s: RBAC roles and bindings cannot be managed, so who may do "+
		"what is decided by something else (ABAC, a webhook, or AlwaysAllow)", rbacGroupVersion)
	if len(others) > 0 {
		msg = fmt.Sprintf("the API server does not serve %s, only %s, removed from every supported Kubernetes: "+
			"it is far past its end of life", rbacGroupVersion, strings.Join(others, ", "))
	}
	return []rules.Violation{{
		Message:  msg,
		Evidence: fmt.Sprintf("%d group/versions served; rbac.authorization.k8s.io: %s", len(c.APIGroupVersions), list(others)),
	}}
}
