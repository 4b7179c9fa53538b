// Package rbac answers who may do what in a cluster, and through which binding, from its
// Roles, ClusterRoles, RoleBindings and ClusterRoleBindings: an Index is built once, from
// manifests or from a live cluster's objects, and then answers Allowed, WhoCan and
// Permissions as many times as asked.
//
// Its answers are the RBAC authorizer's own (k8s.io/kubernetes, plugin/pkg/auth/authorizer/rbac
// and pkg/apis/rbac/v1/evaluation_helpers.go): deny by default; a ClusterRoleBinding applies
// to every request, a RoleBinding only to requests in its namespace (so a ClusterRole bound by
// a RoleBinding never grants cluster-scoped resources or non-resource URLs); a binding whose
// roleRef names a missing role grants nothing; members of system:masters are allowed
// everything, as kube-apiserver allows them before RBAC is asked. For manifests the Index
// computes ClusterRole aggregation itself, as kube-controller-manager's
// clusterrole-aggregation controller would; a live cluster's aggregated roles are already
// filled by that controller and are taken as they are.
//
// The package only reads RBAC objects; it never changes them, and it judges nothing: which
// grants are risky is for the rules of the catalog to say.
package rbac

import (
	"fmt"
	"slices"
	"strings"

	rbacv1 "k8s.io/api/rbac/v1"
)

// Well-known identities (k8s.io/apiserver/pkg/authentication/user and serviceaccount).
const (
	Masters                = "system:masters"
	Authenticated          = "system:authenticated"
	Unauthenticated        = "system:unauthenticated"
	Anonymous              = "system:anonymous"
	ServiceAccountsGroup   = "system:serviceaccounts"
	serviceAccountUserPfx  = "system:serviceaccount:"
	serviceAccountGroupPfx = "system:serviceaccounts:"
)

// Subject is who makes a request, as the authenticator hands it to the authorizer: a user
// name and the groups the user is in. A Subject is judged with exactly these groups: the
// constructors add the groups an authenticator would (system:authenticated, a service
// account's groups), a literal Subject gets none.
type Subject struct {
	User   string   `json:"user,omitempty"`
	Groups []string `json:"groups,omitempty"`
}

// User is an authenticated user: name in system:authenticated, or system:anonymous in
// system:unauthenticated.
func User(name string) Subject {
	if name == Anonymous {
		return Subject{User: name, Groups: []string{Unauthenticated}}
	}
	return Subject{User: name, Groups: []string{Authenticated}}
}

// Group is an authenticated member of group, with no user name of its own: what every
// member of the group may do at least. Group system:unauthenticated is not authenticated.
func Group(name string) Subject {
	if name == Unauthenticated {
		return Subject{Groups: []string{name}}
	}
	if name == Authenticated {
		return Subject{Groups: []string{name}}
	}
	return Subject{Groups: []string{name, Authenticated}}
}

// ServiceAccount is the service account namespace/name as its token authenticates it: user
// system:serviceaccount:<namespace>:<name> in groups system:serviceaccounts,
// system:serviceaccounts:<namespace> and system:authenticated.
func ServiceAccount(namespace, name string) Subject {
	return Subject{
		User:   ServiceAccountUser(namespace, name),
		Groups: []string{ServiceAccountsGroup, serviceAccountGroupPfx + namespace, Authenticated},
	}
}

// ServiceAccountUser is the user name of a service account.
func ServiceAccountUser(namespace, name string) string {
	return serviceAccountUserPfx + namespace + ":" + name
}

// WithGroups is s in the extra groups too, each once.
func (s Subject) WithGroups(groups ...string) Subject {
	out := Subject{User: s.User, Groups: slices.Clone(s.Groups)}
	for _, g := range groups {
		if !slices.Contains(out.Groups, g) {
			out.Groups = append(out.Groups, g)
		}
	}
	return out
}

// String is the subject in the syntax ParseSubject reads when it is one of the constructors'
// results, else user NAME [groups ...].
func (s Subject) String() string {
	if ns, name, ok := splitServiceAccountUser(s.User); ok && slices.Equal(s.Groups, ServiceAccount(ns, name).Groups) {
		return "sa:" + ns + "/" + name
	}
	if s.User != "" && slices.Equal(s.Groups, User(s.User).Groups) {
		return "user:" + s.User
	}
	if s.User == "" && len(s.Groups) > 0 && slices.Equal(s.Groups, Group(s.Groups[0]).Groups) {
		return "group:" + s.Groups[0]
	}
	return fmt.Sprintf("user %q in groups %q", s.User, s.Groups)
}

// splitServiceAccountUser splits system:serviceaccount:<namespace>:<name>.
func splitServiceAccountUser(user string) (namespace, name string, ok bool) {
	rest, found := strings.CutPrefix(user, serviceAccountUserPfx)
	if !found {
		return "", "", false
	}
	namespace, name, ok = strings.Cut(rest, ":")
	return namespace, name, ok && namespace != "" && name != "" && !strings.Contains(name, ":")
}

// Attributes are what a request asks, as the authorizer sees it: a resource request (verb,
// API group, resource, subresource, name, namespace) or, when NonResourceURL is set, a
// request for a non-resource URL (verb and path only). Namespace "" is a cluster-scoped
// request (or one across all namespaces, as list -A is).
type Attributes struct {
	Verb           string `json:"verb"`
	APIGroup       string `json:"apiGroup,omitempty"`
	Resource       string `json:"resource,omitempty"`
	Subresource    string `json:"subresource,omitempty"`
	Name           string `json:"name,omitempty"`
	Namespace      string `json:"namespace,omitempty"`
	NonResourceURL string `json:"nonResourceURL,omitempty"`
}

// IsResourceRequest reports whether a asks for a resource rather than a non-resource URL.
func (a Attributes) IsResourceRequest() bool { return a.NonResourceURL == "" }

// String is the request in the form the CLI reads it: verb resource[.group][/sub] [name]
// [in namespace], or verb /url.
func (a Attributes) String() string {
	if !a.IsResourceRequest() {
		return a.Verb + " " + a.NonResourceURL
	}
	s := a.Verb + " " + a.Resource
	if a.APIGroup != "" {
		s += "." + a.APIGroup
	}
	if a.Subresource != "" {
		s += "/" + a.Subresource
	}
	if a.Name != "" {
		s += " " + a.Name
	}
	if a.Namespace != "" {
		s += " in namespace " + a.Namespace
	}
	return s
}

// RoleRef names a role: a Role in Namespace, or a ClusterRole (Namespace "").
type RoleRef struct {
	Kind      string `json:"kind"`
	Namespace string `json:"namespace,omitempty"`
	Name      string `json:"name"`
}

func (r RoleRef) String() string { return qualified(r.Kind, r.Namespace, r.Name) }

// BindingRef names a binding: a RoleBinding in Namespace, or a ClusterRoleBinding.
type BindingRef struct {
	Kind      string `json:"kind"`
	Namespace string `json:"namespace,omitempty"`
	Name      string `json:"name"`
}

func (b BindingRef) String() string { return qualified(b.Kind, b.Namespace, b.Name) }

// qualified names an object as kubectl describe does: Kind name, or Kind namespace/name.
func qualified(kind, namespace, name string) string {
	if namespace == "" {
		return kind + " " + name
	}
	return kind + " " + namespace + "/" + name
}

// Grant is the chain by which a request is allowed: the subject of a binding, the binding,
// the role it refers to, and the rule of that role (by index in the role's rules, aggregated
// rules included) that matches.
type Grant struct {
	// Subject is the binding's subject that names the requester; a ServiceAccount subject's
	// namespace is filled in from the binding's when it had none.
	Subject rbacv1.Subject `json:"subject"`
	Binding BindingRef     `json:"binding"`
	Role    RoleRef        `json:"role"`
	// RuleIndex is the index of Rule in the role's rules.
	RuleIndex int               `json:"ruleIndex"`
	Rule      rbacv1.PolicyRule `json:"rule"`
}

func (g Grant) String() string {
	return fmt.Sprintf("%s -> %s -> %s -> rules[%d]", SubjectName(g.Subject), g.Binding, g.Role, g.RuleIndex)
}

// SubjectName names a binding subject as kubectl describe does: User alice, Group dev,
// ServiceAccount ns/name.
func SubjectName(s rbacv1.Subject) string {
	if s.Kind == rbacv1.ServiceAccountKind {
		return qualified(s.Kind, s.Namespace, s.Name)
	}
	return s.Kind + " " + s.Name
}
