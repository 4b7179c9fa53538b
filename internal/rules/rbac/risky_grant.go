package rbac

// Risky grants: one rule per capability (capabilities.go declares them as data), each judging
// ClusterRoleBindings and RoleBindings by asking the RBAC engine's matcher (rbac.RuleAllows,
// the authorizer's own rule matching) whether the bound role's rules allow one of the requests
// that define the capability. A request is asked as the binding scopes it: anywhere for a
// ClusterRoleBinding, in the binding's namespace for a RoleBinding, where a cluster-scoped
// request has no effect. resourceNames count as the authorizer counts them: a request without
// a name (list, create, a signer's wildcard) is not allowed by a rule that lists names.
//
// Restricted fields:
//   ClusterRoleBinding, RoleBinding roleRef, subjects[*]; the bound role's rules[*] and, for a
//   ClusterRole with an aggregationRule, the rules of the ClusterRoles it selects, in place
//   of its own.
//
// Allowed values:
//   roles whose rules allow none of a capability's requests where the binding applies; and
//   bindings not reported here because another rule or the defaults own them:
//   - subjects on the allow-list of the package documentation, which are left out of the
//     finding (a binding whose every subject is on it has none);
//   - bootstrap bindings: a binding labelled kubernetes.io/bootstrapping=rbac-defaults to a
//     system: role carrying that label too, as kube-apiserver creates them at start-up;
//   - bindings to cluster-admin (rbac/cluster-admin-binding) and to a role with a rule that
//     allows everything (rbac/wildcard-binding): such a role holds every capability, and the
//     one finding that says so is enough;
//   - bindings to a role the input does not hold (rbac/binding-to-missing-role, or a built-in
//     role whose rules a manifest scan does not know).
// One finding per binding and capability, at roleRef, naming every subject not allow-listed.
//
// References: https://kubernetes.io/docs/concepts/security/rbac-good-practices/ and the CIS
// Kubernetes Benchmark 5.1.x control of each capability.

import (
	"fmt"
	"slices"
	"strings"

	rbacv1 "k8s.io/api/rbac/v1"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/inventory"
	engine "palisade.dev/palisade/internal/rbac"
	"palisade.dev/palisade/internal/rules"
)

// capability is a risky power a role may grant: the rule that reports it, and the requests
// that define it.
type capability struct {
	id, title, description, remedy string
	severity                       finding.Severity
	references                     []rules.Reference
	// grants says what the capability lets a subject do, completing "... grants X to ...".
	grants string
	// anyOf lists the ways to hold the capability; a way is held when the role allows every
	// one of its requests.
	anyOf [][]request
	// inUse, when set, says whether the capability means anything for the input at all.
	inUse func(*inventory.Inventory) bool
}

// request is one request of a capability. cluster marks a cluster-scoped resource, which a
// RoleBinding never grants; everyNS marks a namespaced request that counts only when allowed
// in every namespace at once (through a ClusterRoleBinding); attrs.Namespace, when set, is the
// one namespace the request is made in (a RoleBinding elsewhere never grants it).
type request struct {
	attrs            engine.Attributes
	cluster, everyNS bool
}

// bootstrapLabel marks the roles and bindings kube-apiserver creates at start-up.
const bootstrapLabel = "kubernetes.io/bootstrapping"

func riskyGrantRule(c *capability) rules.Rule {
	return rules.Rule{
		ID:          c.id,
		Title:       c.title,
		Severity:    c.severity,
		Area:        rules.AreaRBAC,
		Scope:       rules.ScopeObject,
		Kinds:       bindingKinds,
		Description: c.description,
		Fields: []string{"roleRef", "subjects[*]", "Role/ClusterRole: rules[*]",
			"ClusterRole: aggregationRule.clusterRoleSelectors"},
		Allowed: []string{
			"bound roles whose rules do not allow " + c.grants + " where the binding applies",
			"subjects: group system:masters, system: component users (not system:anonymous), kube-system service accounts",
			"bootstrap bindings of system: roles labelled kubernetes.io/bootstrapping=rbac-defaults",
		},
		References: c.references,
		Remedy:     c.remedy,
		Reads:      bindingChecksRead,
		Object:     func(ctx *rules.ObjectContext) []rules.Violation { return checkRiskyGrant(ctx, c) },
	}
}

func checkRiskyGrant(ctx *rules.ObjectContext, c *capability) []rules.Violation {
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
		bootstrapBinding := o.Labels[bootstrapLabel] == "rbac-defaults"
		role := boundRole(inv, b)
		if role == nil || (bootstrapBinding && bootstrapRole(role)) || (c.inUse != nil && !c.inUse(inv)) {
			return nil
		}
		// Held first: most roles hold no capability, and a role that allows everything holds
		// every one, so the wildcard rule's question is asked only of roles that hold it.
		t := tableOf(inv, aggregate)
		grants, ok := t.held(role, c, b)
		if !ok {
			return nil
		}
		if _, all := t.allowsEverything(role); all {
			return nil
		}
		var subjects []string
		for _, s := range b.subjects {
			if !b.systemSubject(s) {
				subjects = append(subjects, b.describe(s))
			}
		}
		v := rules.Violation{
			Path: "roleRef",
			Message: fmt.Sprintf("%s grants %s, which allows %s, to %s %s", b, b.role(), c.grants,
				strings.Join(subjects, ", "), b.where()),
			Evidence: fmt.Sprintf("%s -> %s -> %s", strings.Join(subjects, ", "), b, grants),
		}
		if b.kind == "RoleBinding" && c.severity == finding.High {
			v.Severity = new(finding.Medium)
		}
		return []rules.Violation{v}
	})
	return nil
}

// bootstrapRole reports whether a role is one kube-apiserver creates at start-up: a system:
// ClusterRole labelled kubernetes.io/bootstrapping=rbac-defaults.
func bootstrapRole(role *inventory.Object) bool {
	return role.GVK.Kind == "ClusterRole" && strings.HasPrefix(role.Name, "system:") && role.Labels[bootstrapLabel] == "rbac-defaults"
}

// heldThrough returns the rules by which a role's rules grant the capability where a binding
// applies (k), one per request of the first way it holds, or false when it holds none.
func (c *capability) heldThrough(rs []grant, k heldKey) ([]string, bool) {
	for _, way := range c.anyOf {
		var grants []string
		for _, r := range way {
			a := r.attrs
			switch {
			case k.namespaced && (r.cluster || r.everyNS):
			case k.namespaced && a.Namespace != "" && a.Namespace != k.namespace:
			default:
				if k.namespaced {
					a.Namespace = k.namespace
				}
				if i := slices.IndexFunc(rs, func(g grant) bool { return engine.RuleAllows(&g.rule, &a) }); i >= 0 {
					grants = append(grants, fmt.Sprintf("%s (%s)", rs[i], a))
					continue
				}
			}
			break
		}
		if len(grants) == len(way) {
			return grants, true
		}
	}
	return nil, false
}
