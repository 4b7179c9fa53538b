package rbac

// rbac/binding-to-missing-role: a binding whose roleRef names a role that does not exist. The
// binding grants nothing today, but it is a standing grant: whoever later creates a role of
// that name (a namespace admin may create Roles; a chart may ship a ClusterRole) gives its
// rules to the binding's subjects without touching the binding (docs/reference/rbac.md, "Which bindings apply where").
//
// Restricted fields:
//   ClusterRoleBinding, RoleBinding roleRef.kind, roleRef.name
//
// Allowed values:
//   a roleRef to a Role of the binding's namespace or a ClusterRole that the inventory has.
//   From manifests, the built-in ClusterRoles (cluster-admin, admin, edit, view and the
//   system: roles) exist in every cluster and pass; any other role missing from the input is
//   reported at info severity, judged from the input alone. From a live cluster a missing role
//   is reported at low severity, unless the scan could not list roles there (the engine skips
//   the check where the source reports a coverage gap for Role or ClusterRole) or holds no
//   object of the role's kind at all (every cluster has ClusterRoles; none means they were not
//   listed, and absence proves nothing).
//
// References: https://kubernetes.io/docs/reference/access-authn-authz/rbac/#rolebinding-and-clusterrolebinding

import (
	"fmt"
	"strings"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/inventory"
	"palisade.dev/palisade/internal/rules"
)

func missingRoleRule() rules.Rule {
	return rules.Rule{
		ID:       "rbac/binding-to-missing-role",
		Title:    "Binding names a role that does not exist",
		Severity: finding.Low,
		Area:     rules.AreaRBAC,
		Scope:    rules.ScopeObject,
		Kinds:    bindingKinds,
		Description: "A RoleBinding or ClusterRoleBinding whose role does not exist grants nothing, and is easy " +
			"to overlook for that reason. It still stands: whoever creates a role of that name later " +
			"(anyone who may create Roles in the namespace, or a chart that ships the ClusterRole) grants " +
			"its rules to the binding's subjects without any change to the binding.",
		Fields:     []string{"roleRef.kind", "roleRef.name"},
		Allowed:    []string{"a roleRef to an existing Role of the binding's namespace or an existing ClusterRole"},
		References: []rules.Reference{docsRBAC, docsDefaultRoles},
		Remedy:     "Delete the binding if its role is gone for good; otherwise create the role it names, with the rules the subjects need.",
		Reads:      bindingChecksRead,
		Object:     checkMissingRole,
	}
}

func checkMissingRole(ctx *rules.ObjectContext) []rules.Violation {
	b, ok := bindingOf(ctx.Object)
	if !ok {
		return nil
	}
	manifests := fromInput(ctx.Options)
	if manifests && b.roleRef.Kind == "ClusterRole" && builtinClusterRole(b.roleRef.Name) {
		return nil
	}
	o := ctx.Object
	ctx.Defer(func(inv *inventory.Inventory) []rules.Violation {
		b, _ := bindingOf(o)
		if boundRole(inv, b) != nil {
			return nil
		}
		kind := b.roleRef.Kind
		if kind != "Role" && kind != "ClusterRole" {
			kind = "ClusterRole" // the API server rejects other kinds; judge the name
		}
		if !manifests && len(inv.ByKind(kind)) == 0 {
			return nil
		}
		subjects := make([]string, len(b.subjects))
		for i, s := range b.subjects {
			subjects[i] = b.describe(s)
		}
		who := "its subjects"
		if len(subjects) > 0 {
			who = strings.Join(subjects, ", ")
		}
		absent, sev := "does not exist", finding.Low
		if manifests {
			absent, sev = "is not in the input (judged from the input alone: the cluster may have it)", finding.Info
		}
		return []rules.Violation{{
			Path: "roleRef",
			Message: fmt.Sprintf("%s binds %s, which %s: the binding grants nothing now, but whoever creates %s later "+
				"grants its rules to %s", b, b.role(), absent, b.role(), who),
			Evidence: fmt.Sprintf("%s: roleRef %s (%s); subjects: %s", b, b.role(), absent, strings.Join(subjects, ", ")),
			Severity: &sev,
		}}
	})
	return nil
}
