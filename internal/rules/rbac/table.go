package rbac

import (
	"strings"
	"sync"

	"palisade.dev/palisade/internal/inventory"
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
		f = &roleFacts{rules: rulesOf(t.inv, role, t.aggregate)}
		t.roles[role] = f
	}
	return f
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
