package rbac

import (
	"fmt"
	"strings"

	rbacv1 "k8s.io/api/rbac/v1"

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
