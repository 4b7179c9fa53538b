// Package rbac holds the rules judged on RBAC bindings: ClusterRoleBindings and RoleBindings
// that grant cluster-admin, grant a role that may do everything, reach anonymous or every
// authenticated user, name a role that does not exist, or grant a risky capability (reading
// Secrets everywhere; exec, attach, port-forward and ephemeral containers; creating pods,
// PersistentVolumes or ServiceAccount tokens; escalate and bind; impersonation; CSR approval;
// writing webhook configurations, CustomResourceDefinitions, node or pod status, or EKS's
// aws-auth ConfigMap; capabilities.go declares them, and the RBAC engine's matcher judges the
// bound role's rules against them). They are object rules, so they judge manifests as well as
// a live cluster's bindings; a rule that needs the bound role reads it from the inventory once
// the whole input is known (Rule.Reads), and what a role holds is answered once per scan
// (table.go). The package only reads bindings and roles; it never changes them.
//
// Subjects that are expected to hold powerful grants (the allow-list of systemSubject):
//   - the group system:masters, which the bootstrap cluster-admin binding names (it bypasses
//     RBAC anyway; CIS 5.1.7 asks that no one be put in it after bootstrapping);
//   - users named system:<component> (system:kube-controller-manager, system:kube-scheduler
//     ...), the control plane's own identities, but not system:anonymous;
//   - service accounts of kube-system, whether named as a ServiceAccount subject or as the
//     user system:serviceaccount:kube-system:<name>: the control plane's controllers and the
//     cluster's add-ons run there, and whoever may create pods in kube-system holds every
//     grant of its service accounts anyway.
//
// The risky-capability rules also pass bootstrap bindings (labelled
// kubernetes.io/bootstrapping=rbac-defaults) to bootstrap roles (system: ClusterRoles with that
// label), so that a real cluster's defaults do not drown the report; and they leave bindings to
// cluster-admin or to a role with a rule allowing everything to the two rules that report those.
//
// Groups other than system:masters are never expected: system:authenticated,
// system:serviceaccounts or system:nodes bound to cluster-admin give it to everyone of them.
package rbac

import (
	"fmt"
	"slices"
	"strings"

	rbacv1 "k8s.io/api/rbac/v1"

	"palisade.dev/palisade/internal/inventory"
	"palisade.dev/palisade/internal/rules"
)

// Rules returns the package's rules.
func Rules() []rules.Rule {
	out := []rules.Rule{
		clusterAdminBindingRule(),
		wildcardBindingRule(),
		anonymousBindingRule(),
		missingRoleRule(),
		escalationPathRule(),
	}
	for i := range capabilities {
		out = append(out, riskyGrantRule(&capabilities[i]))
	}
	return out
}

// bindingKinds are the kinds every rule of the package applies to.
var bindingKinds = []string{"ClusterRoleBinding", "RoleBinding"}

// bindingChecksRead are the kinds a binding's deferred check reads: the roles, and the
// binding itself. A deferred check takes the binding from the object's typed value when it
// runs rather than carrying a copy of it: fifteen rules judge each binding, and fifteen copies
// weigh more than the binding.
var bindingChecksRead = append(slices.Clone(roleKinds), bindingKinds...)

// binding is what the rules need of a ClusterRoleBinding or RoleBinding, read from its typed
// value (bindingOf) when a check runs.
type binding struct {
	kind, namespace, name string
	roleRef               rbacv1.RoleRef
	subjects              []rbacv1.Subject
}

// bindingOf returns the binding an object is, or false when it is not a typed
// rbac.authorization.k8s.io binding.
func bindingOf(o *inventory.Object) (binding, bool) {
	switch b := o.Typed.(type) {
	case *rbacv1.ClusterRoleBinding:
		return binding{kind: "ClusterRoleBinding", name: b.Name, roleRef: b.RoleRef, subjects: b.Subjects}, true
	case *rbacv1.RoleBinding:
		return binding{kind: "RoleBinding", namespace: o.Namespace, name: b.Name, roleRef: b.RoleRef, subjects: b.Subjects}, true
	}
	return binding{}, false
}

// String names the binding as kubectl does: ClusterRoleBinding/name, RoleBinding ns/name.
func (b binding) String() string {
	if b.namespace == "" {
		return b.kind + " " + b.name
	}
	return b.kind + " " + b.namespace + "/" + b.name
}

// role names the bound role: ClusterRole name, Role ns/name.
func (b binding) role() string {
	if b.roleRef.Kind == "Role" {
		return "Role " + b.namespace + "/" + b.roleRef.Name
	}
	return b.roleRef.Kind + " " + b.roleRef.Name
}

// where says where the binding's grant applies.
func (b binding) where() string {
	if b.kind == "ClusterRoleBinding" {
		return "cluster-wide"
	}
	return fmt.Sprintf("in namespace %q", b.namespace)
}

// subjectPath is the field path of subjects[i].
func subjectPath(i int) string { return fmt.Sprintf("subjects[%d]", i) }

// describe names a subject as the API server sees it: User alice, Group system:authenticated,
// ServiceAccount ns/name (its namespace defaulted to the binding's, as the authorizer does).
func (b binding) describe(s rbacv1.Subject) string {
	if s.Kind == rbacv1.ServiceAccountKind {
		return "ServiceAccount " + b.serviceAccountNamespace(s) + "/" + s.Name
	}
	return s.Kind + " " + s.Name
}

// serviceAccountNamespace is the namespace of a ServiceAccount subject: its own, or for a
// RoleBinding that names none, the binding's (docs/reference/rbac.md, "Subjects").
func (b binding) serviceAccountNamespace(s rbacv1.Subject) string {
	if s.Namespace == "" {
		return b.namespace
	}
	return s.Namespace
}

// systemSubject reports whether a subject is a control-plane identity that is expected to
// hold powerful grants (the package documentation lists them).
func (b binding) systemSubject(s rbacv1.Subject) bool {
	switch s.Kind {
	case rbacv1.GroupKind:
		return s.Name == "system:masters"
	case rbacv1.UserKind:
		if ns, _, ok := serviceAccountUser(s.Name); ok {
			return ns == "kube-system"
		}
		return strings.HasPrefix(s.Name, "system:") && s.Name != anonymousUser
	case rbacv1.ServiceAccountKind:
		return b.serviceAccountNamespace(s) == "kube-system"
	}
	return false
}

// serviceAccountUser splits the user name of a service account,
// system:serviceaccount:<namespace>:<name>.
func serviceAccountUser(user string) (namespace, name string, ok bool) {
	rest, found := strings.CutPrefix(user, "system:serviceaccount:")
	if !found {
		return "", "", false
	}
	namespace, name, ok = strings.Cut(rest, ":")
	return namespace, name, ok && namespace != "" && name != ""
}

// fromInput says, for a manifest scan, that a role was looked for in the input only.
func fromInput(opts *rules.Options) bool { return opts == nil || opts.FromManifests }
