package cluster

// cluster/identity-cluster-admin: the identity the scan ran as may do everything. A scan only
// reads; an identity that may do everything, used for daily work, turns every leaked
// kubeconfig, every mistyped command and every compromised laptop into control of the
// cluster (least privilege, as the Kubernetes documentation's RBAC good practices ask:
// https://kubernetes.io/docs/concepts/security/rbac-good-practices/).
//
// Restricted fields:
//   the scan's identity: a SelfSubjectReview (user, groups) and a SelfSubjectAccessReview of
//   verb *, group *, resource *, cluster-wide (inventory.Cluster.Identity)
//
// Allowed values:
//   an identity the access review does not allow everything. Graded: medium; high when the
//   identity is in the group system:masters, which bypasses RBAC altogether and cannot be
//   revoked short of rotating the cluster's CA or the credential (CIS 5.1.7). No finding when
//   the access review could not be made (Identity.Checked false).
//
// References: CIS Kubernetes Benchmark v1.10.0 5.1.1 and 5.1.7;
// https://kubernetes.io/docs/concepts/security/rbac-good-practices/

import (
	"fmt"
	"slices"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/rules"
)

// systemMasters is the group the API server's authorizer allows everything, before RBAC.
const systemMasters = "system:masters"

func identityClusterAdminRule() rules.Rule {
	return rules.Rule{
		ID:       "cluster/identity-cluster-admin",
		Title:    "Scan ran as an identity that may do everything",
		Severity: finding.Medium,
		Area:     rules.AreaGeneral,
		Scope:    rules.ScopeCluster,
		Description: "The identity the scan used may do every verb on every resource of every API group, " +
			"cluster-wide: it is the cluster's admin. A credential like that, kept in a kubeconfig for daily " +
			"work, makes every leak or mistake a cluster compromise. A read-only scan needs get, list and " +
			"watch, not more. An identity in system:masters is worse: that group bypasses RBAC, so no " +
			"binding can take its power away.",
		Fields:     []string{"SelfSubjectReview user and groups", "SelfSubjectAccessReview verb=* group=* resource=*"},
		Allowed:    []string{"an identity that is not allowed every verb on every resource"},
		References: []rules.Reference{cisClusterAdmin, cisSystemMasters, docsRBACGoodPract},
		Remedy: "Scan, and work day to day, as an identity bound to a read-only role (the built-in view role plus " +
			"get/list on the cluster-scoped kinds Palisade reads). Keep the admin credential for break-glass " +
			"use, out of everyday kubeconfigs; issue admins credentials that are not in system:masters.",
		Cluster: checkIdentityClusterAdmin,
	}
}

func checkIdentityClusterAdmin(ctx *rules.ClusterContext) []rules.Violation {
	c := ctx.Cluster
	if c == nil || !c.Identity.Checked || !c.Identity.ClusterAdmin {
		return nil
	}
	id := c.Identity
	who := fmt.Sprintf("user %q", id.User)
	if id.User == "" {
		who = "an identity the API server did not name (no SelfSubjectReview answer)"
	}
	evidence := fmt.Sprintf("user: %s; groups: %s; SelfSubjectAccessReview verb=* group=* resource=* cluster-wide: allowed",
		orUnknown(id.User), list(id.Groups))
	v := rules.Violation{
		Message: fmt.Sprintf("the scan ran as %s, which may do every verb on every resource, cluster-wide: "+
			"a cluster admin credential used for daily work; a read-only identity is enough", who),
		Evidence: evidence,
	}
	if slices.Contains(id.Groups, systemMasters) {
		v.Severity = new(finding.High)
		v.Message = fmt.Sprintf("the scan ran as %s, in the group system:masters, which bypasses RBAC: no binding "+
			"grants this power and none can take it away; a credential for break-glass use, not daily work", who)
	}
	return []rules.Violation{v}
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}
