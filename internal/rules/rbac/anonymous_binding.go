package rbac

// rbac/anonymous-binding: a binding whose subjects include the anonymous user, the group of
// unauthenticated requests or the group of every authenticated identity. Such a binding
// grants its role to everyone who can reach the API server (system:anonymous,
// system:unauthenticated; when anonymous authentication is on) or to everyone with any
// credential at all (system:authenticated: every user, every service account of every
// namespace, every node).
//
// Restricted fields:
//   ClusterRoleBinding, RoleBinding subjects[*] (kind User name system:anonymous; kind Group
//   name system:unauthenticated or system:authenticated)
//
// Allowed values:
//   no such subject, except in the bootstrap bindings the API server itself creates, each
//   recognised by its name and its ClusterRole of the same name
//   (plugin/pkg/auth/authorizer/rbac/bootstrappolicy):
//     ClusterRoleBinding system:basic-user          -> system:authenticated
//     ClusterRoleBinding system:discovery           -> system:authenticated
//     ClusterRoleBinding system:public-info-viewer  -> system:authenticated, system:unauthenticated
//   Each other subject is one violation at subjects[i]: critical for system:anonymous and
//   system:unauthenticated, high for system:authenticated. kubeadm's RoleBinding
//   kube-public/kubeadm:bootstrap-signer-clusterinfo, which lets system:anonymous read the
//   cluster-info ConfigMap for node discovery, is reported at low severity: kubeadm's docs say
//   to delete it once nodes have joined.
//
// References: CIS Kubernetes Benchmark v1.10.0 1.2.1, 5.1.2 and 5.1.4 (audited as
// system:authenticated); https://kubernetes.io/docs/reference/access-authn-authz/rbac/#default-roles-and-role-bindings;
// https://kubernetes.io/docs/reference/access-authn-authz/authentication/#anonymous-requests

import (
	"fmt"
	"slices"

	rbacv1 "k8s.io/api/rbac/v1"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/rules"
)

// The identities every request may have.
const (
	anonymousUser        = "system:anonymous"
	unauthenticatedGroup = "system:unauthenticated"
	authenticatedGroup   = "system:authenticated"
)

// bootstrapBindings are the API server's own ClusterRoleBindings to everyone, by name (their
// ClusterRole has the same name), with the groups each binds.
var bootstrapBindings = map[string][]string{
	"system:basic-user":         {authenticatedGroup},
	"system:discovery":          {authenticatedGroup},
	"system:public-info-viewer": {authenticatedGroup, unauthenticatedGroup},
}

// kubeadmClusterInfo is the RoleBinding (and Role) kubeadm creates so that joining nodes may
// read kube-public/cluster-info without credentials.
const kubeadmClusterInfo = "kubeadm:bootstrap-signer-clusterinfo"

func anonymousBindingRule() rules.Rule {
	return rules.Rule{
		ID:       "rbac/anonymous-binding",
		Title:    "Role granted to anonymous or to every authenticated user",
		Severity: finding.Critical,
		Area:     rules.AreaRBAC,
		Scope:    rules.ScopeObject,
		Kinds:    bindingKinds,
		Description: "The user system:anonymous and the group system:unauthenticated are every request without " +
			"credentials (when anonymous authentication is on, the default); the group system:authenticated " +
			"is every identity the API server accepts: every user, every service account in every " +
			"namespace, every node, and on some managed clusters any account of the cloud provider. A " +
			"binding to them grants its role to the whole network or to every workload of the cluster. " +
			"The API server's own bootstrap bindings (system:basic-user, system:discovery, " +
			"system:public-info-viewer) are expected.",
		Fields:     []string{"subjects[*].kind", "subjects[*].name"},
		Allowed:    []string{"subjects other than User system:anonymous, Group system:unauthenticated and Group system:authenticated, except in the bootstrap bindings system:basic-user, system:discovery and system:public-info-viewer"},
		References: []rules.Reference{cisAnonymous, cisSecrets, cisCreatePods, docsDefaultRoles, docsAnonymous, docsKubeadmJoin},
		Remedy: "Remove the subject from the binding and bind the users, groups or service accounts that need the " +
			"role by name. To let unauthenticated clients reach health endpoints only, rely on the built-in " +
			"system:public-info-viewer binding; turn anonymous authentication off (--anonymous-auth=false) " +
			"where nothing needs it.",
		Object: checkAnonymousBinding,
	}
}

func checkAnonymousBinding(ctx *rules.ObjectContext) []rules.Violation {
	b, ok := bindingOf(ctx.Object)
	if !ok {
		return nil
	}
	var out []rules.Violation
	for i, s := range b.subjects {
		who, sev, ok := everyone(s)
		if !ok || b.bootstrap(s) {
			continue
		}
		v := rules.Violation{
			Path:     subjectPath(i),
			Message:  fmt.Sprintf("%s grants %s to %s %s: %s gets its permissions", b, b.role(), b.describe(s), b.where(), who),
			Evidence: fmt.Sprintf("%s: roleRef %s; subjects[%d]: %s", b, b.role(), i, b.describe(s)),
			Severity: new(sev),
		}
		if b.kubeadmClusterInfo(s) {
			v.Severity = new(finding.Low)
			v.Message = fmt.Sprintf("%s lets %s read the cluster-info ConfigMap of kube-public: kubeadm creates it so that "+
				"nodes can discover the cluster with a bootstrap token, and its documentation says to delete it once they "+
				"have joined (or to join with --discovery-file)", b, b.describe(s))
		}
		out = append(out, v)
	}
	return out
}

// everyone reports whether a subject stands for everyone, who that is and how bad granting
// to it is.
func everyone(s rbacv1.Subject) (who string, sev finding.Severity, ok bool) {
	switch {
	case s.Kind == rbacv1.UserKind && s.Name == anonymousUser,
		s.Kind == rbacv1.GroupKind && s.Name == unauthenticatedGroup:
		return "every request made without credentials", finding.Critical, true
	case s.Kind == rbacv1.GroupKind && s.Name == authenticatedGroup:
		return "every identity the API server authenticates (every user, service account and node)", finding.High, true
	}
	return "", 0, false
}

// bootstrap reports whether the subject is one the API server's own bootstrap bindings grant.
func (b binding) bootstrap(s rbacv1.Subject) bool {
	groups, ok := bootstrapBindings[b.name]
	return ok && b.kind == "ClusterRoleBinding" && b.roleRef.Kind == "ClusterRole" && b.roleRef.Name == b.name &&
		s.Kind == rbacv1.GroupKind && slices.Contains(groups, s.Name)
}

// kubeadmClusterInfo reports whether the subject is the anonymous user of kubeadm's
// cluster-info binding.
func (b binding) kubeadmClusterInfo(s rbacv1.Subject) bool {
	return b.kind == "RoleBinding" && b.namespace == "kube-public" && b.name == kubeadmClusterInfo &&
		b.roleRef.Kind == "Role" && b.roleRef.Name == kubeadmClusterInfo &&
		s.Kind == rbacv1.UserKind && s.Name == anonymousUser
}
