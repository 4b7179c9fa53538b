package rbac_test

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"

	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"palisade.dev/palisade/internal/rbac"
)

// The generator's vocabulary: a few of each, so that generated rules and questions meet
// often, plus values no rule names (a custom verb, an unknown group) so that they also miss.
var (
	genVerbs       = []string{"get", "list", "watch", "create", "update", "patch", "delete", "deletecollection", "escalate", "bind", "impersonate", "approve"}
	genGroups      = []string{"", "apps", "batch", "rbac.authorization.k8s.io", "example.com"}
	genResources   = []string{"pods", "secrets", "configmaps", "deployments", "jobs", "roles", "nodes", "widgets"}
	genSubs        = []string{"exec", "log", "status", "scale"}
	genNames       = []string{"a", "b", "c"}
	genURLs        = []string{"/healthz", "/metrics", "/logs", "/logs/", "/logs/a", "/api", "/apis/x", "/version"}
	genURLRules    = []string{"/healthz", "/metrics", "/logs", "/logs/*", "/api", "/api*", "/apis/*", "*"}
	genUsers       = []string{"alice", "bob", "carol", "dave"}
	genGroupsNamed = []string{"dev", "ops", rbac.Authenticated, rbac.ServiceAccountsGroup}
	genSAs         = []string{"sa1", "sa2"}
)

// generator makes realistic RBAC sets and questions about them from a seeded source.
type generator struct {
	rng        *rand.Rand
	prefix     string   // of cluster-scoped names, so that several sets can share a cluster
	namespaces []string // where Roles and RoleBindings go
	// aggregateOneIn: one ClusterRole in that many (of those that may) is aggregated; 5 when 0.
	aggregateOneIn int
}

func (g *generator) pick(from []string) string { return from[g.rng.IntN(len(from))] }

// some is 1 to n distinct values of from, or "*" with probability star.
func (g *generator) some(from []string, n int, star float64) []string {
	if g.rng.Float64() < star {
		return []string{"*"}
	}
	var out []string
	for range 1 + g.rng.IntN(n) {
		v := g.pick(from)
		if !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}

// resourceRule is a rule on resources: wildcards, subresources (res/sub, */sub, res/*) and
// sometimes resourceNames.
func (g *generator) resourceRule() rbacv1.PolicyRule {
	r := rbacv1.PolicyRule{Verbs: g.some(genVerbs, 3, 0.1), APIGroups: g.some(genGroups, 2, 0.15)}
	for range 1 + g.rng.IntN(3) {
		var res string
		switch x := g.rng.IntN(20); {
		case x < 2:
			res = "*"
		case x < 4:
			res = "*/" + g.pick(genSubs)
		case x < 5:
			res = g.pick(genResources) + "/*"
		case x < 9:
			res = g.pick(genResources) + "/" + g.pick(genSubs)
		default:
			res = g.pick(genResources)
		}
		if !slices.Contains(r.Resources, res) {
			r.Resources = append(r.Resources, res)
		}
	}
	if g.rng.IntN(4) == 0 {
		r.ResourceNames = g.some(genNames, 2, 0)
	}
	return r
}

// urlRule is a rule on non-resource URLs, which only ClusterRoles may hold.
func (g *generator) urlRule() rbacv1.PolicyRule {
	return rbacv1.PolicyRule{Verbs: g.some([]string{"get", "post", "put"}, 2, 0.2), NonResourceURLs: g.some(genURLRules, 2, 0)}
}

func (g *generator) rules(urls bool) []rbacv1.PolicyRule {
	var out []rbacv1.PolicyRule
	for range 1 + g.rng.IntN(3) {
		if urls && g.rng.IntN(5) == 0 {
			out = append(out, g.urlRule())
		} else {
			out = append(out, g.resourceRule())
		}
	}
	return out
}

// subject is a binding subject: users, groups, ServiceAccounts (in a RoleBinding sometimes
// without a namespace), or a user named as a service account is.
func (g *generator) subject(rolebinding bool) rbacv1.Subject {
	switch x := g.rng.IntN(20); {
	case x < 6:
		return rbacv1.Subject{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: g.pick(genUsers)}
	case x < 10:
		name := g.pick(genGroupsNamed)
		if g.rng.IntN(4) == 0 {
			name = "system:serviceaccounts:" + g.pick(g.namespaces)
		}
		return rbacv1.Subject{Kind: rbacv1.GroupKind, APIGroup: rbacv1.GroupName, Name: name}
	case x < 11:
		return rbacv1.Subject{Kind: rbacv1.GroupKind, APIGroup: rbacv1.GroupName, Name: rbac.Unauthenticated}
	case x < 12:
		return rbacv1.Subject{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: rbac.ServiceAccountUser(g.pick(g.namespaces), g.pick(genSAs))}
	default:
		s := rbacv1.Subject{Kind: rbacv1.ServiceAccountKind, Name: g.pick(genSAs), Namespace: g.pick(g.namespaces)}
		if rolebinding && g.rng.IntN(3) == 0 {
			s.Namespace = ""
		}
		return s
	}
}

func (g *generator) subjects(rolebinding bool) []rbacv1.Subject {
	var out []rbacv1.Subject
	for range 1 + g.rng.IntN(3) {
		out = append(out, g.subject(rolebinding))
	}
	return out
}

// set makes roles ClusterRoles (a fifth of them aggregated, in up to three levels of
// aggregation), roles Roles per namespace and bindings bindings, a tenth of them dangling.
func (g *generator) set(clusterRoles, roles, bindings int) *rbac.Objects {
	objs := &rbac.Objects{}
	for i := range clusterRoles {
		cr := &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("%scr-%d", g.prefix, i)}}
		level := g.rng.IntN(3) // aggregated roles of level L select roles labelled with a lower level
		cr.Labels = map[string]string{g.prefix + "level": fmt.Sprint(level), g.prefix + "kind": g.pick([]string{"x", "y"})}
		if level > 0 && g.rng.IntN(cmp.Or(g.aggregateOneIn, 5)) == 0 {
			cr.AggregationRule = &rbacv1.AggregationRule{}
			for range 1 + g.rng.IntN(2) {
				sel := metav1.LabelSelector{MatchLabels: map[string]string{g.prefix + "level": fmt.Sprint(g.rng.IntN(level))}}
				if g.rng.IntN(2) == 0 {
					sel.MatchExpressions = []metav1.LabelSelectorRequirement{{Key: g.prefix + "kind", Operator: metav1.LabelSelectorOpIn, Values: []string{g.pick([]string{"x", "y"})}}}
				}
				cr.AggregationRule.ClusterRoleSelectors = append(cr.AggregationRule.ClusterRoleSelectors, sel)
			}
		} else {
			cr.Rules = g.rules(true)
		}
		objs.ClusterRoles = append(objs.ClusterRoles, cr)
	}
	for i := range roles {
		objs.Roles = append(objs.Roles, &rbacv1.Role{
			ObjectMeta: metav1.ObjectMeta{Namespace: g.pick(g.namespaces), Name: fmt.Sprintf("%srole-%d", g.prefix, i)},
			Rules:      g.rules(false),
		})
	}
	for i := range bindings {
		ref := rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: fmt.Sprintf("%scr-%d", g.prefix, g.rng.IntN(max(clusterRoles, 1)))}
		dangling := g.rng.IntN(10) == 0
		if dangling {
			ref.Name = fmt.Sprintf("%smissing-%d", g.prefix, i)
		}
		if g.rng.IntN(3) == 0 {
			objs.ClusterRoleBindings = append(objs.ClusterRoleBindings, &rbacv1.ClusterRoleBinding{
				ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("%scrb-%d", g.prefix, i)}, RoleRef: ref, Subjects: g.subjects(false),
			})
			continue
		}
		ns := g.pick(g.namespaces)
		if g.rng.IntN(2) == 0 && roles > 0 {
			ref.Kind = "Role"
			r := objs.Roles[g.rng.IntN(roles)]
			ref.Name = r.Name
			if r.Namespace != ns && g.rng.IntN(2) == 0 {
				ns = r.Namespace // mostly a Role of the binding's namespace; else a dangling one
			}
			if dangling {
				ref.Name = fmt.Sprintf("%smissing-role-%d", g.prefix, i)
			}
		}
		objs.RoleBindings = append(objs.RoleBindings, &rbacv1.RoleBinding{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: fmt.Sprintf("%srb-%d", g.prefix, i)}, RoleRef: ref, Subjects: g.subjects(true),
		})
	}
	return objs
}

// question is a subject and a request to decide.
type question struct {
	subject rbac.Subject
	attrs   rbac.Attributes
}

func (q question) String() string { return fmt.Sprintf("%s: %s", q.subject, q.attrs) }

// question asks about a known identity, sometimes with extra groups, for a request on the
// generator's vocabulary, in one of its namespaces, another one, or cluster-wide.
func (g *generator) question() question {
	var s rbac.Subject
	switch x := g.rng.IntN(20); {
	case x < 7:
		s = rbac.User(g.pick(genUsers))
	case x < 12:
		s = rbac.ServiceAccount(g.pick(slices.Concat(g.namespaces, []string{"elsewhere"})), g.pick(genSAs))
	case x < 15:
		s = rbac.Group(g.pick(genGroupsNamed))
	case x < 16:
		s = rbac.User(rbac.Anonymous)
	case x < 17:
		s = rbac.User(g.pick(genUsers)).WithGroups(rbac.Masters)
	default:
		s = rbac.User(g.pick(genUsers)).WithGroups(g.pick(genGroupsNamed[:2]))
	}
	if g.rng.IntN(7) == 0 {
		return question{s, rbac.Attributes{Verb: g.pick([]string{"get", "post", "put", "delete"}), NonResourceURL: g.pick(genURLs)}}
	}
	a := rbac.Attributes{Verb: g.pick(genVerbs), APIGroup: g.pick(genGroups), Resource: g.pick(genResources)}
	if g.rng.IntN(3) == 0 {
		a.Subresource = g.pick(genSubs)
	}
	if g.rng.IntN(2) == 0 {
		a.Name = g.pick(genNames)
	}
	switch x := g.rng.IntN(10); {
	case x < 7:
		a.Namespace = g.pick(g.namespaces)
	case x < 8:
		a.Namespace = "elsewhere"
	}
	return question{s, a}
}
