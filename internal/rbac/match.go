package rbac

import (
	"strings"

	rbacv1 "k8s.io/api/rbac/v1"
)

// The matching functions below restate RuleAllows and its helpers of the RBAC authorizer
// (k8s.io/kubernetes plugin/pkg/auth/authorizer/rbac/rbac.go and
// pkg/apis/rbac/v1/evaluation_helpers.go). They are written here rather than imported
// because they live in k8s.io/kubernetes, which is not meant to be a library (importing it
// needs every staging module replaced), and the published k8s.io/component-helpers
// auth/rbac/validation only compares rules with rules (Covers), not rules with requests.
// The differential test of this package holds them to the API server's answers.

// RuleAllows reports whether rule allows the request a, as the RBAC authorizer judges one rule:
// what a binding's namespace or subjects add is not its concern. The catalog's rules ask it of
// a bound role's rules to learn whether they grant a capability.
func RuleAllows(rule *rbacv1.PolicyRule, a *Attributes) bool { return ruleAllows(rule, a) }

// ruleAllows reports whether rule allows the request a.
func ruleAllows(rule *rbacv1.PolicyRule, a *Attributes) bool {
	if !a.IsResourceRequest() {
		return verbMatches(rule, a.Verb) && nonResourceURLMatches(rule, a.NonResourceURL)
	}
	combined := a.Resource
	if a.Subresource != "" {
		combined = a.Resource + "/" + a.Subresource
	}
	return verbMatches(rule, a.Verb) &&
		apiGroupMatches(rule, a.APIGroup) &&
		resourceMatches(rule, combined, a.Subresource) &&
		resourceNameMatches(rule, a.Name)
}

// verbMatches: a verb listed, or "*".
func verbMatches(rule *rbacv1.PolicyRule, verb string) bool {
	for _, v := range rule.Verbs {
		if v == rbacv1.VerbAll || v == verb {
			return true
		}
	}
	return false
}

// apiGroupMatches: the group listed ("" is the core group), or "*".
func apiGroupMatches(rule *rbacv1.PolicyRule, group string) bool {
	for _, g := range rule.APIGroups {
		if g == rbacv1.APIGroupAll || g == group {
			return true
		}
	}
	return false
}

// resourceMatches: "*" (every resource and subresource), the exact resource or
// resource/subresource, or "*/sub" for the subresource sub of any resource. "pods" does not
// match pods/exec, and "pods/*" is no wildcard: it matches only a subresource named "*".
func resourceMatches(rule *rbacv1.PolicyRule, combined, subresource string) bool {
	for _, r := range rule.Resources {
		if r == rbacv1.ResourceAll || r == combined {
			return true
		}
		if subresource != "" && len(r) == len(subresource)+2 && strings.HasPrefix(r, "*/") && strings.HasSuffix(r, subresource) {
			return true
		}
	}
	return false
}

// resourceNameMatches: no resourceNames means every name; otherwise the request must name a
// listed object, so a request without a name (list, watch, create, deletecollection) never
// matches a rule with resourceNames.
func resourceNameMatches(rule *rbacv1.PolicyRule, name string) bool {
	if len(rule.ResourceNames) == 0 {
		return true
	}
	for _, n := range rule.ResourceNames {
		if n == name {
			return true
		}
	}
	return false
}

// nonResourceURLMatches: "*", the exact path, or a path ending in "*" as a prefix ("/foo/*"
// matches /foo/bar and /foo/, not /foo).
func nonResourceURLMatches(rule *rbacv1.PolicyRule, path string) bool {
	for _, u := range rule.NonResourceURLs {
		if u == rbacv1.NonResourceAll || u == path {
			return true
		}
		if strings.HasSuffix(u, "*") && strings.HasPrefix(path, strings.TrimRight(u, "*")) {
			return true
		}
	}
	return false
}

// subjectMatches reports whether a binding subject names the requester, as the authorizer's
// appliesToUser does: a User by name, a Group by membership, a ServiceAccount by its user
// name, its namespace defaulting to the binding's (bindingNamespace, "" for a
// ClusterRoleBinding, in which case a ServiceAccount without a namespace names no one).
// Other kinds name no one.
func subjectMatches(s *rbacv1.Subject, bindingNamespace string, who *Subject) bool {
	switch s.Kind {
	case rbacv1.UserKind:
		return who.User == s.Name
	case rbacv1.GroupKind:
		for _, g := range who.Groups {
			if g == s.Name {
				return true
			}
		}
		return false
	case rbacv1.ServiceAccountKind:
		ns := serviceAccountNamespace(s, bindingNamespace)
		return ns != "" && who.User == ServiceAccountUser(ns, s.Name)
	}
	return false
}

// serviceAccountNamespace is a ServiceAccount subject's namespace, defaulted to the
// binding's.
func serviceAccountNamespace(s *rbacv1.Subject, bindingNamespace string) string {
	if s.Namespace != "" {
		return s.Namespace
	}
	return bindingNamespace
}
