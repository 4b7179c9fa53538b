package rbac

import (
	"strings"
	"sync"

	rbacv1 "k8s.io/api/rbac/v1"

	"palisade.dev/palisade/internal/inventory"
	engine "palisade.dev/palisade/internal/rbac"
)

// table holds what the package's deferred checks ask of the bound roles, answered once per
// role (and, for a capability, once per role and place) for a whole scan, not once per
// binding: a cluster binds the same few roles thousands of times. The inventory keeps it
// (Inventory.Memo) once the input is complete.
type table struct {
	inv       *inventory.Inventory
	aggregate bool

	mu    sync.Mutex
	roles map[*inventory.Object]*roleFacts
	// aggregated holds the ClusterRoles' aggregated rules, computed the first time a
	// manifest scan's table needs them.
	aggregated *engine.Index
}

// tableKey is the inventory memo key of the table; a manifest scan's table aggregates
// ClusterRoles, a live cluster's does not.
type tableKey struct{ aggregate bool }

// roleFacts is what the table knows of one role.
type roleFacts struct {
	// rules are the role's rules, aggregated ones included (rulesOf).
	rules []grant
	// everything is the first rule that allows everything, when one does.
	everything    grant
	allowsAll     bool
	everythingSet bool
	// held caches heldThrough by capability and place.
	held map[heldKey]heldAnswer
}

// heldKey is a capability asked where a binding applies: every namespace for a
// ClusterRoleBinding (namespace ""), or the namespace of a RoleBinding.
type heldKey struct {
	c          *capability
	namespaced bool
	namespace  string
}

// heldAnswer is how a role holds a capability: its rules, as evidence text, or not at all.
type heldAnswer struct {
	grants string
	ok     bool
}

func tableOf(inv *inventory.Inventory, aggregate bool) *table {
	return inv.Memo(tableKey{aggregate}, func() any {
		return &table{inv: inv, aggregate: aggregate, roles: map[*inventory.Object]*roleFacts{}}
	}).(*table)
}

// facts returns the role's facts, listing its rules the first time.
func (t *table) facts(role *inventory.Object) *roleFacts {
	t.mu.Lock()
	defer t.mu.Unlock()
	f := t.roles[role]
	if f == nil {
		f = &roleFacts{rules: t.rulesOf(role)}
		t.roles[role] = f
	}
	return f
}

// rulesOf lists every rule a role holds, each with where it was written. In a manifest scan
// a ClusterRole with an aggregationRule holds what the clusterrole-aggregation controller
// would give it, computed by the RBAC engine (rbac.Build): the rules of the ClusterRoles its
// selectors match, to a fixpoint, in place of its own. In a live cluster the controller has
// already written them into the role. The caller holds t.mu.
func (t *table) rulesOf(role *inventory.Object) []grant {
	switch r := role.Typed.(type) {
	case *rbacv1.Role:
		return ownRules("Role "+r.Namespace+"/"+r.Name, r.Rules)
	case *rbacv1.ClusterRole:
		if !t.aggregate || r.AggregationRule == nil {
			return ownRules("ClusterRole "+r.Name, r.Rules)
		}
		if t.aggregated == nil {
			objs := &engine.Objects{}
			for _, o := range t.inv.ByKind("ClusterRole") {
				objs.AddInventory(o)
			}
			t.aggregated = engine.Build(objs, engine.FromManifests)
		}
		ref := engine.RoleRef{Kind: "ClusterRole", Name: r.Name}
		rs, _ := t.aggregated.Rules(ref)
		out := make([]grant, len(rs))
		for i, rule := range rs {
			o, _ := t.aggregated.RuleOrigin(ref, i)
			out[i] = grant{role: o.Role.String(), index: o.Index, rule: rule}
			if o.Role != ref {
				out[i].via = ref.String()
			}
		}
		return out
	}
	return nil
}

func ownRules(role string, rs []rbacv1.PolicyRule) []grant {
	out := make([]grant, len(rs))
	for i, r := range rs {
		out[i] = grant{role: role, index: i, rule: r}
	}
	return out
}

// allowsEverything returns the role's first rule that allows every verb on every resource of
// every group, or false.
func (t *table) allowsEverything(role *inventory.Object) (grant, bool) {
	f := t.facts(role)
	t.mu.Lock()
	defer t.mu.Unlock()
	if !f.everythingSet {
		for _, g := range f.rules {
			if grantsEverything(&g.rule) {
				f.everything, f.allowsAll = g, true
				break
			}
		}
		f.everythingSet = true
	}
	return f.everything, f.allowsAll
}

// held returns how the role bound by b holds the capability, as the evidence text of the
// rules that grant it, or false.
func (t *table) held(role *inventory.Object, c *capability, b binding) (string, bool) {
	f := t.facts(role)
	k := heldKey{c: c, namespaced: b.kind == "RoleBinding"}
	if k.namespaced {
		k.namespace = b.namespace
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	a, ok := f.held[k]
	if !ok {
		grants, held := c.heldThrough(f.rules, k)
		a = heldAnswer{grants: strings.Join(grants, "; "), ok: held}
		if f.held == nil {
			f.held = map[heldKey]heldAnswer{}
		}
		f.held[k] = a
	}
	return a.grants, a.ok
}
