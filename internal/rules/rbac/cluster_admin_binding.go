package rbac

// rbac/cluster-admin-binding: a binding that grants the cluster-admin ClusterRole to someone
// other than the control plane. cluster-admin may do every verb on every resource and every
// non-resource URL; bound by a ClusterRoleBinding it is the cluster's root, bound by a
// RoleBinding it is full control of one namespace (its Secrets, its pods, its RBAC).
//
// Restricted fields:
//   ClusterRoleBinding, RoleBinding roleRef (kind ClusterRole, name cluster-admin), subjects[*]
//
// Allowed values:
//   subjects that are control-plane identities (the package documentation's allow-list:
//   group system:masters, system:<component> users other than system:anonymous, service
//   accounts of kube-system). Every other subject is one violation, at subjects[i]: high
//   through a ClusterRoleBinding, medium through a RoleBinding (one namespace only).
//
// References: CIS Kubernetes Benchmark v1.10.0 5.1.1; https://kubernetes.io/docs/reference/access-authn-authz/rbac/#user-facing-roles;
// https://kubernetes.io/docs/concepts/security/rbac-good-practices/

import (
	"fmt"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/rules"
)

// clusterAdmin is the built-in superuser ClusterRole.
const clusterAdmin = "cluster-admin"

func clusterAdminBindingRule() rules.Rule {
	return rules.Rule{
		ID:       "rbac/cluster-admin-binding",
		Title:    "cluster-admin granted to a subject that is not part of the control plane",
		Severity: finding.High,
		Area:     rules.AreaRBAC,
		Scope:    rules.ScopeObject,
		Kinds:    bindingKinds,
		Description: "The cluster-admin ClusterRole allows every verb on every resource and every non-resource " +
			"URL. A ClusterRoleBinding to it makes its subjects root of the cluster: they read every " +
			"Secret, run any pod on any node and grant themselves anything; a RoleBinding to it gives " +
			"the same power over one namespace. People and workloads should hold roles that grant " +
			"what they use; cluster-admin belongs to the control plane (system:masters, the system: " +
			"component users, kube-system service accounts) and to break-glass access.",
		Fields:     []string{"roleRef", "subjects[*]"},
		Allowed:    []string{"roleRef other than ClusterRole cluster-admin", "subjects: group system:masters, system: component users (not system:anonymous), kube-system service accounts"},
		References: []rules.Reference{cisClusterAdmin, docsUserFacingRoles, docsRBACGoodPract},
		Remedy: "Bind the subject to a role that grants what it uses (the built-in admin, edit or view, or a " +
			"Role of its own), then delete this binding or remove the subject from it. Keep cluster-admin " +
			"for break-glass access, with its use audited.",
		Object: checkClusterAdminBinding,
	}
}

func checkClusterAdminBinding(ctx *rules.ObjectContext) []rules.Violation {
	b, ok := bindingOf(ctx.Object)
	if !ok || b.roleRef.Kind != "ClusterRole" || b.roleRef.Name != clusterAdmin {
		return nil
	}
	var out []rules.Violation
	for i, s := range b.subjects {
		if b.systemSubject(s) {
			continue
		}
		v := rules.Violation{
			Path: subjectPath(i),
			Message: fmt.Sprintf("%s grants cluster-admin to %s %s: it may do anything%s", b, b.describe(s), b.where(),
				clusterAdminReach(b)),
			Evidence: fmt.Sprintf("%s: roleRef ClusterRole %s; subjects[%d]: %s", b, clusterAdmin, i, b.describe(s)),
		}
		if b.kind == "RoleBinding" {
			v.Severity = new(finding.Medium)
		}
		out = append(out, v)
	}
	return out
}

// clusterAdminReach says what cluster-admin reaches through the binding.
func clusterAdminReach(b binding) string {
	if b.kind == "ClusterRoleBinding" {
		return ", on every resource of every namespace and node (read every Secret, run privileged pods, grant itself anything)"
	}
	return " there (read its Secrets, run pods as any of its service accounts, change its RBAC)"
}
