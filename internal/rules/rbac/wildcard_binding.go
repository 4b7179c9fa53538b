package rbac

// rbac/wildcard-binding: a binding to a Role or ClusterRole one of whose rules allows every
// verb on every resource of every API group (verbs, apiGroups and resources all "*", no
// resourceNames). Such a role is cluster-admin in all but name, and escapes the reviews that
// look for cluster-admin by name.
//
// Restricted fields:
//   ClusterRoleBinding, RoleBinding roleRef, subjects[*]; the bound role's rules[*].verbs,
//   rules[*].apiGroups, rules[*].resources, rules[*].resourceNames, and for a ClusterRole with
//   an aggregationRule, the rules of every ClusterRole its clusterRoleSelectors select, in
//   place of its own (computed from the input for manifests; filled in by the controller in
//   a live cluster).
//
// Allowed values:
//   roles whose every rule names some verbs, some API groups or some resources, or
//   resourceNames; subjects on the allow-list of the package documentation. Each other subject
//   is one violation at subjects[i]: high through a ClusterRoleBinding, medium through a
//   RoleBinding. Bindings to cluster-admin itself are rbac/cluster-admin-binding's; a bound
//   role that is not in the inventory is rbac/binding-to-missing-role's, except the built-in
//   admin, edit, view and system: ClusterRoles, which grant no such rule.
//
// References: CIS Kubernetes Benchmark v1.10.0 5.1.3 and 5.1.1;
// https://kubernetes.io/docs/reference/access-authn-authz/rbac/#aggregated-clusterroles;
// https://kubernetes.io/docs/concepts/security/rbac-good-practices/

import (
	"fmt"
	"slices"

	rbacv1 "k8s.io/api/rbac/v1"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/inventory"
	"palisade.dev/palisade/internal/rules"
)

func wildcardBindingRule() rules.Rule {
	return rules.Rule{
		ID:       "rbac/wildcard-binding",
		Title:    "Role that allows every verb on every resource bound to a subject",
		Severity: finding.High,
		Area:     rules.AreaRBAC,
		Scope:    rules.ScopeObject,
		Kinds:    bindingKinds,
		Description: "A role rule with verbs, apiGroups and resources all \"*\" allows everything, on every " +
			"resource that exists now and every one a CRD adds later: the role is cluster-admin under " +
			"another name. Bound by a ClusterRoleBinding its subjects own the cluster; by a RoleBinding " +
			"they own the namespace. Aggregated ClusterRoles are judged with the rules they aggregate.",
		Fields: []string{"roleRef", "subjects[*]", "Role/ClusterRole: rules[*].verbs, rules[*].apiGroups, rules[*].resources, rules[*].resourceNames",
			"ClusterRole: aggregationRule.clusterRoleSelectors"},
		Allowed: []string{
			"bound roles whose rules name the verbs, API groups and resources they need",
			"subjects: group system:masters, system: component users (not system:anonymous), kube-system service accounts",
		},
		References: []rules.Reference{cisWildcards, cisClusterAdmin, docsAggregation, docsRBACGoodPract},
		Remedy: "Replace the wildcard rule with rules that list the API groups, resources and verbs the subject " +
			"uses (kubectl auth can-i --list --as shows what it holds; the audit log shows what it uses), or bind " +
			"a narrower built-in role such as edit or view.",
		Reads:  bindingChecksRead,
		Object: checkWildcardBinding,
	}
}

// grantsEverything reports whether a rule allows every verb on every resource of every group.
func grantsEverything(r *rbacv1.PolicyRule) bool {
	return slices.Contains(r.Verbs, rbacv1.VerbAll) &&
		slices.Contains(r.APIGroups, rbacv1.APIGroupAll) &&
		slices.Contains(r.Resources, rbacv1.ResourceAll) &&
		len(r.ResourceNames) == 0
}

func checkWildcardBinding(ctx *rules.ObjectContext) []rules.Violation {
	b, ok := bindingOf(ctx.Object)
	if !ok || (b.roleRef.Kind == "ClusterRole" && b.roleRef.Name == clusterAdmin) {
		return nil
	}
	if !slices.ContainsFunc(b.subjects, func(s rbacv1.Subject) bool { return !b.systemSubject(s) }) {
		return nil
	}
	o, aggregate := ctx.Object, fromInput(ctx.Options)
	ctx.Defer(func(inv *inventory.Inventory) []rules.Violation {
		b, _ := bindingOf(o)
		role := boundRole(inv, b)
		if role == nil {
			return nil
		}
		g, ok := tableOf(inv, aggregate).allowsEverything(role)
		if !ok {
			return nil
		}
		var out []rules.Violation
		for i, s := range b.subjects {
			if b.systemSubject(s) {
				continue
			}
			v := rules.Violation{
				Path: subjectPath(i),
				Message: fmt.Sprintf("%s grants %s, which allows every verb on every resource of every API group, to %s %s: "+
					"the role is cluster-admin in all but name", b, b.role(), b.describe(s), b.where()),
				Evidence: fmt.Sprintf("%s: roleRef %s; subjects[%d]: %s; %s", b, b.role(), i, b.describe(s), g),
			}
			if b.kind == "RoleBinding" {
				v.Severity = new(finding.Medium)
			}
			out = append(out, v)
		}
		return out
	})
	return nil
}
