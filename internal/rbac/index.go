package rbac

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"

	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
)

// Objects are the RBAC objects an Index is built from. Their namespaces must be filled (a
// manifest's implied namespace included).
type Objects struct {
	Roles               []*rbacv1.Role
	ClusterRoles        []*rbacv1.ClusterRole
	RoleBindings        []*rbacv1.RoleBinding
	ClusterRoleBindings []*rbacv1.ClusterRoleBinding
}

// Add keeps o when it is one of the four kinds and reports whether it was.
func (s *Objects) Add(o runtime.Object) bool {
	switch v := o.(type) {
	case *rbacv1.Role:
		s.Roles = append(s.Roles, v)
	case *rbacv1.ClusterRole:
		s.ClusterRoles = append(s.ClusterRoles, v)
	case *rbacv1.RoleBinding:
		s.RoleBindings = append(s.RoleBindings, v)
	case *rbacv1.ClusterRoleBinding:
		s.ClusterRoleBindings = append(s.ClusterRoleBindings, v)
	default:
		return false
	}
	return true
}

// Len is the number of objects.
func (s *Objects) Len() int {
	return len(s.Roles) + len(s.ClusterRoles) + len(s.RoleBindings) + len(s.ClusterRoleBindings)
}

// Source says where the objects come from, which decides who aggregates ClusterRoles.
type Source int

const (
	// FromManifests: the Index computes ClusterRole aggregation.
	FromManifests Source = iota
	// FromCluster: kube-controller-manager has already aggregated the ClusterRoles' rules.
	FromCluster
)

// role is a Role or ClusterRole with its effective rules.
type role struct {
	ref   RoleRef
	id    int32 // position among the index's roles, for per-query tables
	rules []rbacv1.PolicyRule
	// origins, for a ClusterRole whose rules this index aggregated, say where each rule was
	// written; nil when the role's rules are its own.
	origins []Origin
}

// Origin is where a rule was written: a role, and the rule's index in that role's rules.
type Origin struct {
	Role  RoleRef `json:"role"`
	Index int     `json:"index"`
}

// origin returns where rule k of the role was written.
func (r *role) origin(k int) Origin {
	if r.origins != nil {
		return r.origins[k]
	}
	return Origin{Role: r.ref, Index: k}
}

// binding is a RoleBinding or ClusterRoleBinding with its role resolved; role is nil when
// the roleRef names no role of the input (it grants nothing).
type binding struct {
	ref      BindingRef
	roleRef  rbacv1.RoleRef
	subjects []rbacv1.Subject
	role     *role
}

// namespace is the namespace the binding applies in; "" for a ClusterRoleBinding, which
// applies in all of them and to cluster-scoped requests.
func (b *binding) namespace() string { return b.ref.Namespace }

// subjectBinding is one subject of one binding: the binding's position in Index.bindings and
// the subject's in its subjects.
type subjectBinding struct{ binding, subject int32 }

// Index answers RBAC questions over one set of objects. It is immutable once built and
// safe for concurrent use.
type Index struct {
	roles map[RoleRef]*role
	// roleCount numbers the roles made (a role written twice is replaced, not renumbered).
	roleCount int32
	// bindings: ClusterRoleBindings first, then RoleBindings, each by namespace and name,
	// so that answers come in a stable order.
	bindings []binding
	// byUser and byGroup find the bindings naming a user (User and ServiceAccount subjects,
	// by user name) or a group.
	byUser, byGroup map[string][]subjectBinding
	dangling        []Dangling
}

// Dangling is a binding whose roleRef names a role the input does not hold: it grants
// nothing, until someone creates that role.
type Dangling struct {
	Binding BindingRef `json:"binding"`
	Role    RoleRef    `json:"role"`
}

// Build indexes objs. With FromManifests it fills every ClusterRole that has an
// aggregationRule with the rules of the ClusterRoles its selectors match, to a fixpoint.
// Objects are read, never changed, and not retained (the Index copies what it needs).
func Build(objs *Objects, src Source) *Index {
	x := &Index{
		roles:   make(map[RoleRef]*role, len(objs.Roles)+len(objs.ClusterRoles)),
		byUser:  map[string][]subjectBinding{},
		byGroup: map[string][]subjectBinding{},
	}
	for _, r := range objs.Roles {
		ref := RoleRef{Kind: "Role", Namespace: r.Namespace, Name: r.Name}
		x.addRole(ref, r.Rules)
	}
	for _, r := range objs.ClusterRoles {
		x.addRole(RoleRef{Kind: "ClusterRole", Name: r.Name}, r.Rules)
	}
	if src == FromManifests {
		x.aggregate(objs.ClusterRoles)
	}
	x.bindings = make([]binding, 0, len(objs.ClusterRoleBindings)+len(objs.RoleBindings))
	for _, b := range objs.ClusterRoleBindings {
		x.bindings = append(x.bindings, binding{
			ref: BindingRef{Kind: "ClusterRoleBinding", Name: b.Name}, roleRef: b.RoleRef, subjects: b.Subjects,
		})
	}
	for _, b := range objs.RoleBindings {
		x.bindings = append(x.bindings, binding{
			ref: BindingRef{Kind: "RoleBinding", Namespace: b.Namespace, Name: b.Name}, roleRef: b.RoleRef, subjects: b.Subjects,
		})
	}
	slices.SortFunc(x.bindings, func(a, b binding) int {
		return cmp.Or(cmp.Compare(a.ref.Kind, b.ref.Kind), // ClusterRoleBinding before RoleBinding
			cmp.Compare(a.ref.Namespace, b.ref.Namespace), cmp.Compare(a.ref.Name, b.ref.Name))
	})
	for i := range x.bindings {
		x.indexBinding(int32(i))
	}
	return x
}

func (x *Index) addRole(ref RoleRef, rules []rbacv1.PolicyRule) {
	x.roles[ref] = &role{ref: ref, id: x.roleCount, rules: rules}
	x.roleCount++
}

// resolve finds the role a binding refers to, as the authorizer's GetRoleReferenceRules
// does: a Role of the binding's namespace or a ClusterRole; any other kind names nothing.
func (x *Index) resolve(b *binding) (RoleRef, *role) {
	ref := RoleRef{Kind: b.roleRef.Kind, Name: b.roleRef.Name}
	if ref.Kind == "Role" {
		ref.Namespace = b.namespace()
	}
	return ref, x.roles[ref]
}

func (x *Index) indexBinding(i int32) {
	b := &x.bindings[i]
	ref, r := x.resolve(b)
	b.role = r
	if r == nil {
		x.dangling = append(x.dangling, Dangling{Binding: b.ref, Role: ref})
		return
	}
	for j := range b.subjects {
		s := &b.subjects[j]
		sb := subjectBinding{binding: i, subject: int32(j)}
		switch s.Kind {
		case rbacv1.UserKind:
			x.byUser[s.Name] = append(x.byUser[s.Name], sb)
		case rbacv1.GroupKind:
			x.byGroup[s.Name] = append(x.byGroup[s.Name], sb)
		case rbacv1.ServiceAccountKind:
			if ns := serviceAccountNamespace(s, b.namespace()); ns != "" {
				user := ServiceAccountUser(ns, s.Name)
				x.byUser[user] = append(x.byUser[user], sb)
			}
		}
	}
}

// Dangling lists the bindings whose roleRef names no role of the input, in binding order.
func (x *Index) Dangling() []Dangling { return x.dangling }

// Rules returns the effective rules of a role (aggregated ones included) and whether the
// input holds it.
func (x *Index) Rules(ref RoleRef) ([]rbacv1.PolicyRule, bool) {
	r, ok := x.roles[ref]
	if !ok {
		return nil, false
	}
	return r.rules, true
}

// RuleOrigin returns where rule i of a role (as Rules lists them) was written: the role
// itself, or for a ClusterRole this index aggregated, the ClusterRole it came from (through
// any number of aggregated roles). ok is false when the input holds no such role or rule.
func (x *Index) RuleOrigin(ref RoleRef, i int) (o Origin, ok bool) {
	r, found := x.roles[ref]
	if !found || i < 0 || i >= len(r.rules) {
		return Origin{}, false
	}
	return r.origin(i), true
}

// aggregate computes aggregated ClusterRoles' rules as the clusterrole-aggregation
// controller of kube-controller-manager does (pkg/controller/clusterroleaggregation): the
// rules of a ClusterRole with an aggregationRule are replaced by the rules, each once, of
// every other ClusterRole that any of its selectors matches, taken in selector order and,
// per selector, by role name. The controller repeats this whenever a ClusterRole changes,
// so a role aggregating aggregated roles (admin from edit from view) ends at a fixpoint;
// here the passes repeat until nothing changes. A selector that is not valid leaves the
// role as written, as the controller does when it cannot convert it. Roles aggregating one
// another in a cycle have no fixpoint in general; the passes stop after as many rounds as
// there are aggregated roles, plus one.
func (x *Index) aggregate(clusterRoles []*rbacv1.ClusterRole) {
	type aggregated struct {
		r         *role
		selectors []labels.Selector
	}
	var aggs []aggregated
	for _, cr := range clusterRoles {
		if cr.AggregationRule == nil {
			continue
		}
		a := aggregated{r: x.roles[RoleRef{Kind: "ClusterRole", Name: cr.Name}]}
		valid := true
		for i := range cr.AggregationRule.ClusterRoleSelectors {
			sel, err := metav1.LabelSelectorAsSelector(&cr.AggregationRule.ClusterRoleSelectors[i])
			if err != nil {
				valid = false
				break
			}
			a.selectors = append(a.selectors, sel)
		}
		if valid {
			aggs = append(aggs, a)
		}
	}
	if len(aggs) == 0 {
		return
	}
	byName := slices.Clone(clusterRoles)
	slices.SortFunc(byName, func(a, b *rbacv1.ClusterRole) int { return cmp.Compare(a.Name, b.Name) })
	// Which roles each selector matches never changes; only their rules do.
	matched := make([][]*role, len(aggs))
	for i, a := range aggs {
		for _, sel := range a.selectors {
			for _, cr := range byName {
				if cr.Name != a.r.ref.Name && sel.Matches(labels.Set(cr.Labels)) {
					matched[i] = append(matched[i], x.roles[RoleRef{Kind: "ClusterRole", Name: cr.Name}])
				}
			}
		}
	}
	// Aggregated roles are computed after the aggregated roles they select (depth first),
	// which reaches the fixpoint in one pass unless they select one another in a cycle; then
	// passes over all of them follow, until nothing changes or the bound.
	order := make([]int, 0, len(aggs))
	index := make(map[*role]int, len(aggs))
	for i, a := range aggs {
		index[a.r] = i
	}
	state := make([]int8, len(aggs)) // 0 unvisited, 1 visiting, 2 done
	cyclic := false
	var visit func(i int)
	visit = func(i int) {
		state[i] = 1
		for _, m := range matched[i] {
			if j, ok := index[m]; ok {
				switch state[j] {
				case 0:
					visit(j)
				case 1:
					cyclic = true
				}
			}
		}
		state[i] = 2
		order = append(order, i)
	}
	for i := range aggs {
		if state[i] == 0 {
			visit(i)
		}
	}
	keys := map[*role][]string{} // each rule's exactKey, per role
	seen := map[string]bool{}
	union := func(i int) bool {
		var rules []rbacv1.PolicyRule
		var ruleKeys []string
		origins := []Origin{}
		clear(seen)
		for _, m := range matched[i] {
			mk, ok := keys[m]
			if !ok {
				mk = make([]string, len(m.rules))
				for k := range m.rules {
					mk[k] = exactKey(&m.rules[k])
				}
				keys[m] = mk
			}
			for k, rule := range m.rules {
				if !seen[mk[k]] {
					seen[mk[k]] = true
					rules = append(rules, rule)
					ruleKeys = append(ruleKeys, mk[k])
					origins = append(origins, m.origin(k))
				}
			}
		}
		r := aggs[i].r
		changed := !slices.Equal(ruleKeys, keys[r]) || len(keys[r]) == 0 && len(r.rules) > 0
		r.rules, r.origins = rules, origins
		keys[r] = ruleKeys
		return changed
	}
	for _, i := range order {
		union(i)
	}
	for round := 0; cyclic && round <= len(aggs); round++ {
		changed := false
		for i := range aggs {
			changed = union(i) || changed
		}
		if !changed {
			return
		}
	}
}

// exactKey identifies a rule by its lists as written, in their order: two rules have the same
// key exactly when the controller's equality (equality.Semantic.DeepEqual, for which an empty
// list and none are alike) finds them equal.
func exactKey(r *rbacv1.PolicyRule) string {
	var b strings.Builder
	for _, list := range [][]string{r.Verbs, r.APIGroups, r.Resources, r.ResourceNames, r.NonResourceURLs} {
		for _, v := range list {
			b.WriteString(strconv.Quote(v))
		}
		b.WriteByte('|')
	}
	return b.String()
}

// String summarises the index.
func (x *Index) String() string {
	return fmt.Sprintf("%d roles, %d bindings (%d dangling)", len(x.roles), len(x.bindings), len(x.dangling))
}
