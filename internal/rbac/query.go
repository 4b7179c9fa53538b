package rbac

import (
	"cmp"
	"slices"
	"strings"

	rbacv1 "k8s.io/api/rbac/v1"
)

// Decision is the answer to Allowed.
type Decision struct {
	Allowed bool `json:"allowed"`
	// Masters is set when the subject is in system:masters, which kube-apiserver allows
	// everything before RBAC is asked; there is no Grant then.
	Masters bool `json:"masters,omitempty"`
	// Grant is the first chain, in binding order (ClusterRoleBindings, then RoleBindings),
	// that allows the request; nil when Allowed is false or Masters is set.
	Grant *Grant `json:"grant,omitempty"`
}

// Allowed decides the request a of subject s as kube-apiserver's authorizers would with
// only RBAC (and the system:masters bypass) configured.
func (x *Index) Allowed(s Subject, a Attributes) Decision {
	if slices.Contains(s.Groups, Masters) {
		return Decision{Allowed: true, Masters: true}
	}
	best := int32(-1)
	var grant Grant
	consider := func(candidates []subjectBinding) {
		for _, sb := range candidates {
			if best >= 0 && sb.binding >= best {
				return // candidates are in binding order
			}
			b := &x.bindings[sb.binding]
			if !b.appliesIn(a.Namespace) {
				continue
			}
			subj := &b.subjects[sb.subject]
			if !subjectMatches(subj, b.namespace(), &s) {
				continue
			}
			if i := firstAllowing(b.role, &a); i >= 0 {
				best = sb.binding
				grant = x.grant(b, sb.subject, i)
			}
		}
	}
	if s.User != "" {
		consider(x.byUser[s.User])
	}
	for _, g := range s.Groups {
		consider(x.byGroup[g])
	}
	if best < 0 {
		return Decision{}
	}
	return Decision{Allowed: true, Grant: &grant}
}

// appliesIn reports whether the binding takes part in a request in namespace ns: a
// ClusterRoleBinding always, a RoleBinding only in its own namespace (never for
// cluster-scoped requests, whose namespace is "").
func (b *binding) appliesIn(ns string) bool {
	return b.ref.Kind == "ClusterRoleBinding" || (ns != "" && b.ref.Namespace == ns)
}

// firstAllowing is the index of the role's first rule allowing a, or -1.
func firstAllowing(r *role, a *Attributes) int {
	for i := range r.rules {
		if ruleAllows(&r.rules[i], a) {
			return i
		}
	}
	return -1
}

// grant is the chain through subject j of binding b and rule i of its role.
func (x *Index) grant(b *binding, j int32, i int) Grant {
	subj := b.subjects[j]
	if subj.Kind == rbacv1.ServiceAccountKind {
		subj.Namespace = serviceAccountNamespace(&subj, b.namespace())
	}
	return Grant{Subject: subj, Binding: b.ref, Role: b.role.ref, RuleIndex: i, Rule: b.role.rules[i]}
}

// Scope chooses the bindings WhoCan considers.
type Scope int

const (
	// InNamespace: the bindings that apply to a request in the request's namespace
	// (ClusterRoleBindings only, when it is "").
	InNamespace Scope = iota
	// AllNamespaces: ClusterRoleBindings and the RoleBindings of every namespace, each of
	// which grants the request in its own namespace only (as its Grant says).
	AllNamespaces
)

// WhoCan lists every chain that allows the request a, in binding order: one Grant per
// subject of each binding whose role allows a (through its first allowing rule). Members of
// system:masters, which may do everything, are not listed. Subjects of kinds the authorizer
// does not know, and ServiceAccount subjects of a ClusterRoleBinding without a namespace,
// name no one and are left out.
func (x *Index) WhoCan(a Attributes, scope Scope) []Grant {
	// Many bindings share a role: decide each role once. verdict[id] is the first allowing
	// rule's index plus one, 0 while undecided, -1 when none allows.
	verdict := make([]int32, x.roleCount)
	var out []Grant
	for bi := range x.bindings {
		b := &x.bindings[bi]
		if b.role == nil {
			continue
		}
		if !b.appliesIn(a.Namespace) && (scope != AllNamespaces || !a.IsResourceRequest()) {
			continue
		}
		v := verdict[b.role.id]
		if v == 0 {
			v = int32(firstAllowing(b.role, &a)) + 1
			if v == 0 {
				v = -1
			}
			verdict[b.role.id] = v
		}
		if v < 0 {
			continue
		}
		i := int(v - 1)
		for j := range b.subjects {
			s := &b.subjects[j]
			switch s.Kind {
			case rbacv1.UserKind, rbacv1.GroupKind:
			case rbacv1.ServiceAccountKind:
				if serviceAccountNamespace(s, b.namespace()) == "" {
					continue
				}
			default:
				continue
			}
			out = append(out, x.grant(b, int32(j), i))
		}
	}
	return out
}

// Permission is one effective rule of a subject: the rule, where it applies (Namespace, ""
// for everywhere) and every chain that grants it. Rules that differ only in their verbs are
// merged into one with the union of the verbs.
type Permission struct {
	Namespace string            `json:"namespace,omitempty"`
	Rule      rbacv1.PolicyRule `json:"rule"`
	Grants    []Grant           `json:"grants"`
}

// Permissions lists what subject s may do: the rules of every binding naming s, merged and
// de-duplicated, cluster-wide ones first, then by namespace and rule. A rule granted through
// a RoleBinding applies in that binding's namespace only; a ClusterRole's rules for
// cluster-scoped resources or non-resource URLs bound that way have no effect, and are
// listed under the namespace all the same, as the role states them.
func (x *Index) Permissions(s Subject) []Permission {
	if slices.Contains(s.Groups, Masters) {
		return []Permission{{Rule: rbacv1.PolicyRule{Verbs: []string{"*"}, APIGroups: []string{"*"}, Resources: []string{"*"}}},
			{Rule: rbacv1.PolicyRule{Verbs: []string{"*"}, NonResourceURLs: []string{"*"}}}}
	}
	var seen []subjectBinding
	if s.User != "" {
		seen = append(seen, x.byUser[s.User]...)
	}
	for _, g := range s.Groups {
		seen = append(seen, x.byGroup[g]...)
	}
	slices.SortFunc(seen, func(a, b subjectBinding) int {
		return cmp.Or(cmp.Compare(a.binding, b.binding), cmp.Compare(a.subject, b.subject))
	})
	merged := map[string]*Permission{}
	var order []string
	lastBinding := int32(-1)
	for _, sb := range seen {
		b := &x.bindings[sb.binding]
		if sb.binding == lastBinding || !subjectMatches(&b.subjects[sb.subject], b.namespace(), &s) {
			continue // a binding naming s twice grants once
		}
		lastBinding = sb.binding
		for i, rule := range b.role.rules {
			key := b.namespace() + "\x00" + ruleKey(rule)
			p, ok := merged[key]
			if !ok {
				p = &Permission{Namespace: b.namespace(), Rule: normalRule(rule)}
				p.Rule.Verbs = nil
				merged[key] = p
				order = append(order, key)
			}
			for _, v := range rule.Verbs {
				if !slices.Contains(p.Rule.Verbs, v) {
					p.Rule.Verbs = append(p.Rule.Verbs, v)
				}
			}
			p.Grants = append(p.Grants, x.grant(b, sb.subject, i))
		}
	}
	out := make([]Permission, 0, len(order))
	for _, k := range order {
		p := merged[k]
		slices.Sort(p.Rule.Verbs)
		if slices.Contains(p.Rule.Verbs, rbacv1.VerbAll) {
			p.Rule.Verbs = []string{rbacv1.VerbAll}
		}
		out = append(out, *p)
	}
	slices.SortStableFunc(out, func(a, b Permission) int {
		return cmp.Or(cmp.Compare(a.Namespace, b.Namespace), cmp.Compare(ruleKey(a.Rule), ruleKey(b.Rule)))
	})
	return out
}

// normalRule is rule with each list sorted and without repeats, so that rules written in a
// different order compare equal.
func normalRule(rule rbacv1.PolicyRule) rbacv1.PolicyRule {
	norm := func(s []string) []string {
		if len(s) == 0 {
			return nil
		}
		s = slices.Clone(s)
		slices.Sort(s)
		return slices.Compact(s)
	}
	return rbacv1.PolicyRule{
		Verbs: norm(rule.Verbs), APIGroups: norm(rule.APIGroups), Resources: norm(rule.Resources),
		ResourceNames: norm(rule.ResourceNames), NonResourceURLs: norm(rule.NonResourceURLs),
	}
}

// ruleKey identifies a rule by what it applies to, its verbs aside.
func ruleKey(rule rbacv1.PolicyRule) string {
	n := normalRule(rule)
	join := func(s []string) string { return strings.Join(s, "\x01") }
	return join(n.APIGroups) + "\x00" + join(n.Resources) + "\x00" + join(n.ResourceNames) + "\x00" + join(n.NonResourceURLs)
}
