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

// rulesOf lists every rule a role holds. With aggregate set (a manifest scan), a ClusterRole
// with an aggregationRule holds the rules of every ClusterRole of the inventory the
// aggregation selects too, iterated to a fixpoint, as the clusterrole-aggregation controller
// does (docs/reference/rbac.md, "Aggregation"): its own rules first, then each selected
// role's, depth first, each role once. In a live cluster the controller has already copied
// them into the role, so its own rules are the whole answer.
func rulesOf(inv *inventory.Inventory, role *inventory.Object, aggregate bool) []grant {
	switch r := role.Typed.(type) {
	case *rbacv1.Role:
		return appendRules(nil, "Role "+r.Namespace+"/"+r.Name, "", r.Rules)
	case *rbacv1.ClusterRole:
		if !aggregate {
			return appendRules(nil, "ClusterRole "+r.Name, "", r.Rules)
		}
		return appendClusterRole(nil, inv, r, "", map[string]bool{})
	}
	return nil
}

func appendRules(out []grant, role, via string, rs []rbacv1.PolicyRule) []grant {
	for i, r := range rs {
		out = append(out, grant{role: role, via: via, index: i, rule: r})
	}
	return out
}

func appendClusterRole(out []grant, inv *inventory.Inventory, cr *rbacv1.ClusterRole, via string, visited map[string]bool) []grant {
	visited[cr.Name] = true
	out = appendRules(out, "ClusterRole "+cr.Name, via, cr.Rules)
	if cr.AggregationRule == nil {
		return out
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
		if member, ok := o.Typed.(*rbacv1.ClusterRole); ok {
			out = appendClusterRole(out, inv, member, via, visited)
		}
	}
	return out
}
