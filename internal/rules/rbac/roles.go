package rbac

import (
	"fmt"
	"slices"
	"strings"

	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	"palisade.dev/palisade/internal/inventory"
)

// roleKinds are the kinds the deferred checks read.
var roleKinds = []string{"ClusterRole", "Role"}

// boundRole finds the role a binding names in the inventory: a Role of the binding's
// namespace, or a ClusterRole. It returns nil when the inventory does not have it (a
// ClusterRoleBinding cannot name a Role; the API server rejects it).
func boundRole(inv *inventory.Inventory, b binding) *inventory.Object {
	switch {
	case b.roleRef.Kind == "Role" && b.kind == "RoleBinding":
		return inv.Get("Role", b.namespace, b.roleRef.Name)
	case b.roleRef.Kind == "ClusterRole":
		return inv.Get("ClusterRole", "", b.roleRef.Name)
	}
	return nil
}

// builtinClusterRole reports whether every cluster has a ClusterRole of that name: the
// user-facing roles and the system: roles the API server creates at start-up
// (https://kubernetes.io/docs/reference/access-authn-authz/rbac/#default-roles-and-role-bindings).
// A manifest binding to one of them is judged as if the role were in the input.
func builtinClusterRole(name string) bool {
	switch name {
	case clusterAdmin, "admin", "edit", "view":
		return true
	}
	return strings.HasPrefix(name, "system:")
}

// grant is one rule of a role, and where it comes from.
type grant struct {
	// role names the role that holds the rule (ClusterRole name, Role ns/name); via names the
	// aggregated ClusterRole it was reached through, or is empty.
	role, via string
	index     int
	rule      rbacv1.PolicyRule
}

func (g grant) String() string {
	s := fmt.Sprintf("%s rules[%d]: verbs %v, apiGroups %v, resources %v", g.role, g.index, g.rule.Verbs, quoted(g.rule.APIGroups), g.rule.Resources)
	if g.via != "" {
		s += " (aggregated into " + g.via + ")"
	}
	return s
}

// quoted shows the core group "" as "".
func quoted(groups []string) []string {
	out := make([]string, len(groups))
	for i, g := range groups {
		if g == "" {
			g = `""`
		}
		out[i] = g
	}
	return out
}

// firstGrant returns the first rule of a role that satisfies match. With aggregate set (a
// manifest scan), for a ClusterRole with an aggregationRule it looks at the rules of every
// ClusterRole of the inventory the aggregation selects too, iterated to a fixpoint, as the
// clusterrole-aggregation controller does (docs/reference/rbac.md, "Aggregation"). In a live
// cluster the controller has already copied them into the role, so its own rules are the
// whole answer.
func firstGrant(inv *inventory.Inventory, role *inventory.Object, aggregate bool, match func(rbacv1.PolicyRule) bool) (grant, bool) {
	switch r := role.Typed.(type) {
	case *rbacv1.Role:
		return firstIn("Role "+r.Namespace+"/"+r.Name, "", r.Rules, match)
	case *rbacv1.ClusterRole:
		if !aggregate {
			return firstIn("ClusterRole "+r.Name, "", r.Rules, match)
		}
		visited := map[string]bool{}
		return firstInClusterRole(inv, r, "", visited, match)
	}
	return grant{}, false
}

func firstIn(role, via string, rs []rbacv1.PolicyRule, match func(rbacv1.PolicyRule) bool) (grant, bool) {
	for i, r := range rs {
		if match(r) {
			return grant{role: role, via: via, index: i, rule: r}, true
		}
	}
	return grant{}, false
}

func firstInClusterRole(inv *inventory.Inventory, cr *rbacv1.ClusterRole, via string, visited map[string]bool, match func(rbacv1.PolicyRule) bool) (grant, bool) {
	visited[cr.Name] = true
	if g, ok := firstIn("ClusterRole "+cr.Name, via, cr.Rules, match); ok {
		return g, true
	}
	if cr.AggregationRule == nil {
		return grant{}, false
	}
	if via == "" {
		via = "ClusterRole " + cr.Name
	}
	selectors := make([]labels.Selector, 0, len(cr.AggregationRule.ClusterRoleSelectors))
	for i := range cr.AggregationRule.ClusterRoleSelectors {
		// An invalid selector selects nothing: the controller fails on it too.
		if s, err := metav1.LabelSelectorAsSelector(&cr.AggregationRule.ClusterRoleSelectors[i]); err == nil {
			selectors = append(selectors, s)
		}
	}
	for _, o := range inv.ByKind("ClusterRole") {
		if visited[o.Name] || !slices.ContainsFunc(selectors, func(s labels.Selector) bool { return s.Matches(labels.Set(o.Labels)) }) {
			continue
		}
		member, ok := o.Typed.(*rbacv1.ClusterRole)
		if !ok {
			continue
		}
		if g, ok := firstInClusterRole(inv, member, via, visited, match); ok {
			return g, true
		}
	}
	return grant{}, false
}
