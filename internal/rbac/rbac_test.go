package rbac

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

func rule(verbs, groups, resources []string, names ...string) rbacv1.PolicyRule {
	return rbacv1.PolicyRule{Verbs: verbs, APIGroups: groups, Resources: resources, ResourceNames: names}
}

func urlRule(verbs []string, urls ...string) rbacv1.PolicyRule {
	return rbacv1.PolicyRule{Verbs: verbs, NonResourceURLs: urls}
}

func l(s ...string) []string { return s }

func clusterRole(name string, labels map[string]string, rules ...rbacv1.PolicyRule) *rbacv1.ClusterRole {
	return &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels}, Rules: rules}
}

func nsRole(ns, name string, rules ...rbacv1.PolicyRule) *rbacv1.Role {
	return &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}, Rules: rules}
}

func user(name string) rbacv1.Subject {
	return rbacv1.Subject{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: name}
}

func group(name string) rbacv1.Subject {
	return rbacv1.Subject{Kind: rbacv1.GroupKind, APIGroup: rbacv1.GroupName, Name: name}
}

func sa(ns, name string) rbacv1.Subject {
	return rbacv1.Subject{Kind: rbacv1.ServiceAccountKind, Namespace: ns, Name: name}
}

func crb(name, role string, subjects ...rbacv1.Subject) *rbacv1.ClusterRoleBinding {
	return &rbacv1.ClusterRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: role},
		Subjects:   subjects,
	}
}

func rb(ns, name, kind, role string, subjects ...rbacv1.Subject) *rbacv1.RoleBinding {
	return &rbacv1.RoleBinding{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: kind, Name: role},
		Subjects:   subjects,
	}
}

// resource is a resource request; sub may be "", name may be "".
func resource(verb, group, res, sub, name, ns string) Attributes {
	return Attributes{Verb: verb, APIGroup: group, Resource: res, Subresource: sub, Name: name, Namespace: ns}
}

func TestRuleAllows(t *testing.T) {
	tests := []struct {
		name string
		rule rbacv1.PolicyRule
		req  Attributes
		want bool
	}{
		{"listed verb, group and resource", rule(l("get"), l(""), l("pods")), resource("get", "", "pods", "", "", "ns"), true},
		{"unlisted verb", rule(l("get"), l(""), l("pods")), resource("list", "", "pods", "", "", "ns"), false},
		{"verb wildcard", rule(l("*"), l(""), l("pods")), resource("delete", "", "pods", "", "", "ns"), true},
		{"other group", rule(l("get"), l(""), l("deployments")), resource("get", "apps", "deployments", "", "", "ns"), false},
		{"group wildcard", rule(l("get"), l("*"), l("deployments")), resource("get", "apps", "deployments", "", "", "ns"), true},
		{"resource wildcard matches a subresource", rule(l("create"), l(""), l("*")), resource("create", "", "pods", "exec", "", "ns"), true},
		{"resource does not match its subresource", rule(l("create"), l(""), l("pods")), resource("create", "", "pods", "exec", "", "ns"), false},
		{"exact subresource", rule(l("create"), l(""), l("pods/exec")), resource("create", "", "pods", "exec", "", "ns"), true},
		{"subresource does not match its resource", rule(l("get"), l(""), l("pods/log")), resource("get", "", "pods", "", "", "ns"), false},
		{"star-slash matches that subresource of any resource", rule(l("update"), l("*"), l("*/scale")), resource("update", "apps", "deployments", "scale", "", "ns"), true},
		{"star-slash does not match another subresource", rule(l("update"), l("*"), l("*/scale")), resource("update", "", "pods", "status", "", "ns"), false},
		{"star-slash does not match the resource", rule(l("get"), l("*"), l("*/scale")), resource("get", "apps", "deployments", "", "", "ns"), false},
		{"slash-star is no wildcard", rule(l("create"), l(""), l("pods/*")), resource("create", "", "pods", "exec", "", "ns"), false},
		{"slash-star matches a subresource named star", rule(l("create"), l(""), l("pods/*")), resource("create", "", "pods", "*", "", "ns"), true},
		{"listed name", rule(l("get"), l(""), l("secrets"), "a", "b"), resource("get", "", "secrets", "", "b", "ns"), true},
		{"unlisted name", rule(l("get"), l(""), l("secrets"), "a"), resource("get", "", "secrets", "", "c", "ns"), false},
		{"names never match a list", rule(l("list"), l(""), l("secrets"), "a"), resource("list", "", "secrets", "", "", "ns"), false},
		{"names never match a create without a name", rule(l("create"), l(""), l("secrets"), "a"), resource("create", "", "secrets", "", "", "ns"), false},
		{"no names match every name", rule(l("get"), l(""), l("secrets")), resource("get", "", "secrets", "", "x", "ns"), true},
		{"resource rule does not match a URL", rule(l("*"), l("*"), l("*")), Attributes{Verb: "get", NonResourceURL: "/healthz"}, false},
		{"exact URL", urlRule(l("get"), "/healthz"), Attributes{Verb: "get", NonResourceURL: "/healthz"}, true},
		{"URL prefix with star", urlRule(l("get"), "/logs/*"), Attributes{Verb: "get", NonResourceURL: "/logs/a/b"}, true},
		{"URL prefix with star matches its slash", urlRule(l("get"), "/logs/*"), Attributes{Verb: "get", NonResourceURL: "/logs/"}, true},
		{"URL prefix with star does not match the bare path", urlRule(l("get"), "/logs/*"), Attributes{Verb: "get", NonResourceURL: "/logs"}, false},
		{"URL star matches every path", urlRule(l("get"), "*"), Attributes{Verb: "get", NonResourceURL: "/metrics"}, true},
		{"URL without star is exact", urlRule(l("get"), "/api"), Attributes{Verb: "get", NonResourceURL: "/api/v1"}, false},
		{"URL rule checks the verb", urlRule(l("get"), "/healthz"), Attributes{Verb: "post", NonResourceURL: "/healthz"}, false},
		{"URL rule does not match a resource", urlRule(l("*"), "*"), resource("get", "", "pods", "", "", "ns"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ruleAllows(&tt.rule, &tt.req); got != tt.want {
				t.Errorf("ruleAllows(%v, %s) = %t, want %t", tt.rule, tt.req, got, tt.want)
			}
		})
	}
}

// fixture is one cluster's worth of objects for the index tests.
func fixture() *Objects {
	objs := &Objects{}
	for _, o := range []runtime.Object{
		clusterRole("secret-reader", nil, rule(l("get", "list"), l(""), l("secrets"))),
		clusterRole("node-reader", nil, rule(l("get"), l(""), l("nodes")), urlRule(l("get"), "/metrics")),
		clusterRole("view", map[string]string{"level": "view"}, rule(l("get"), l(""), l("pods"))),
		clusterRole("edit-extra", map[string]string{"aggregate-to-edit": "true"}, rule(l("create"), l(""), l("pods"))),
		&rbacv1.ClusterRole{
			ObjectMeta: metav1.ObjectMeta{Name: "edit", Labels: map[string]string{"aggregate-to-admin": "true"}},
			AggregationRule: &rbacv1.AggregationRule{ClusterRoleSelectors: []metav1.LabelSelector{
				{MatchLabels: map[string]string{"aggregate-to-edit": "true"}},
				{MatchLabels: map[string]string{"level": "view"}},
			}},
			Rules: []rbacv1.PolicyRule{rule(l("delete"), l(""), l("nodes"))}, // replaced by aggregation
		},
		&rbacv1.ClusterRole{
			ObjectMeta: metav1.ObjectMeta{Name: "admin"},
			AggregationRule: &rbacv1.AggregationRule{ClusterRoleSelectors: []metav1.LabelSelector{
				{MatchLabels: map[string]string{"aggregate-to-admin": "true"}},
			}},
		},
		nsRole("team", "deployer", rule(l("create"), l("apps"), l("deployments"))),
		crb("alice-secrets", "secret-reader", user("alice")),
		crb("ops-nodes", "node-reader", group("ops")),
		crb("sa-without-namespace", "secret-reader", rbacv1.Subject{Kind: rbacv1.ServiceAccountKind, Name: "nobody"}),
		crb("admins", "admin", user("carol")),
		crb("missing", "no-such-role", user("alice")),
		rb("team", "bob-view", "ClusterRole", "node-reader", user("bob")),
		rb("team", "bob-secrets", "ClusterRole", "secret-reader", user("bob")),
		rb("team", "deployers", "Role", "deployer", sa("", "ci"), sa("other", "builder")),
		rb("team", "missing-role", "Role", "no-such-role", user("bob")),
		rb("team", "everyone", "ClusterRole", "view", group(Authenticated)),
		rb("team", "by-user-name", "ClusterRole", "view", user("system:serviceaccount:third:robot")),
	} {
		objs.Add(o)
	}
	return objs
}

func TestAllowed(t *testing.T) {
	x := Build(fixture(), FromManifests)
	tests := []struct {
		name    string
		subject Subject
		req     Attributes
		want    bool
		chain   string // the Grant, when allowed through RBAC
	}{
		{"a ClusterRoleBinding grants in every namespace", User("alice"), resource("get", "", "secrets", "", "", "any"),
			true, "User alice -> ClusterRoleBinding alice-secrets -> ClusterRole secret-reader -> rules[0]"},
		{"a ClusterRoleBinding grants cluster-wide", User("alice"), resource("list", "", "secrets", "", "", ""),
			true, "User alice -> ClusterRoleBinding alice-secrets -> ClusterRole secret-reader -> rules[0]"},
		{"a user is not granted another user's rights", User("mallory"), resource("get", "", "secrets", "", "", "any"), false, ""},
		{"a group binding grants its members", Subject{User: "dave", Groups: []string{"ops"}}, resource("get", "", "nodes", "", "", ""),
			true, "Group ops -> ClusterRoleBinding ops-nodes -> ClusterRole node-reader -> rules[0]"},
		{"a ClusterRoleBinding grants non-resource URLs", Group("ops"), Attributes{Verb: "get", NonResourceURL: "/metrics"},
			true, "Group ops -> ClusterRoleBinding ops-nodes -> ClusterRole node-reader -> rules[1]"},
		{"a RoleBinding to a ClusterRole grants in its namespace", User("bob"), resource("get", "", "secrets", "", "x", "team"),
			true, "User bob -> RoleBinding team/bob-secrets -> ClusterRole secret-reader -> rules[0]"},
		{"a RoleBinding does not grant in another namespace", User("bob"), resource("get", "", "secrets", "", "x", "other"), false, ""},
		{"a RoleBinding does not grant cluster-scoped resources", User("bob"), resource("get", "", "nodes", "", "", ""), false, ""},
		{"a RoleBinding does not grant non-resource URLs", User("bob"), Attributes{Verb: "get", NonResourceURL: "/metrics"}, false, ""},
		{"a RoleBinding's ServiceAccount defaults to its namespace", ServiceAccount("team", "ci"), resource("create", "apps", "deployments", "", "", "team"),
			true, "ServiceAccount team/ci -> RoleBinding team/deployers -> Role team/deployer -> rules[0]"},
		{"a ServiceAccount of another namespace is named by its own", ServiceAccount("other", "builder"), resource("create", "apps", "deployments", "", "", "team"),
			true, "ServiceAccount other/builder -> RoleBinding team/deployers -> Role team/deployer -> rules[0]"},
		{"a ServiceAccount of the same name elsewhere is not named", ServiceAccount("other", "ci"), resource("create", "apps", "deployments", "", "", "team"), false, ""},
		{"a ClusterRoleBinding's ServiceAccount without namespace names no one", ServiceAccount("", "nobody"), resource("get", "", "secrets", "", "", "x"), false, ""},
		{"a User subject with a service account's name names that account", ServiceAccount("third", "robot"), resource("get", "", "pods", "", "", "team"),
			true, "User system:serviceaccount:third:robot -> RoleBinding team/by-user-name -> ClusterRole view -> rules[0]"},
		{"system:authenticated reaches every authenticated user", User("zed"), resource("get", "", "pods", "", "p", "team"),
			true, "Group system:authenticated -> RoleBinding team/everyone -> ClusterRole view -> rules[0]"},
		{"system:authenticated does not reach anonymous", User(Anonymous), resource("get", "", "pods", "", "p", "team"), false, ""},
		{"system:masters is allowed everything", Subject{User: "root", Groups: []string{Masters}}, resource("delete", "", "nodes", "", "", ""), true, ""},
		{"aggregation reaches through an aggregated role", User("carol"), resource("create", "", "pods", "", "", "a"),
			true, "User carol -> ClusterRoleBinding admins -> ClusterRole admin -> rules[0]"},
		{"aggregation replaces an aggregated role's own rules", User("carol"), resource("delete", "", "nodes", "", "", ""), false, ""},
		{"a dangling roleRef grants nothing", User("bob"), resource("get", "", "anything", "", "", "team"), false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := x.Allowed(tt.subject, tt.req)
			if d.Allowed != tt.want {
				t.Fatalf("Allowed(%s, %s) = %t, want %t", tt.subject, tt.req, d.Allowed, tt.want)
			}
			chain := ""
			if d.Grant != nil {
				chain = d.Grant.String()
			}
			if chain != tt.chain {
				t.Errorf("chain = %q, want %q", chain, tt.chain)
			}
		})
	}
}

func TestWhoCan(t *testing.T) {
	x := Build(fixture(), FromManifests)
	tests := []struct {
		name  string
		req   Attributes
		scope Scope
		want  []string
	}{
		{"a namespaced request: cluster bindings and the namespace's", resource("get", "", "secrets", "", "s", "team"), InNamespace, []string{
			"User alice -> ClusterRoleBinding alice-secrets -> ClusterRole secret-reader -> rules[0]",
			"User bob -> RoleBinding team/bob-secrets -> ClusterRole secret-reader -> rules[0]",
		}},
		{"another namespace: cluster bindings only", resource("get", "", "secrets", "", "s", "other"), InNamespace, []string{
			"User alice -> ClusterRoleBinding alice-secrets -> ClusterRole secret-reader -> rules[0]",
		}},
		{"all namespaces: every namespace's bindings", resource("get", "", "secrets", "", "", ""), AllNamespaces, []string{
			"User alice -> ClusterRoleBinding alice-secrets -> ClusterRole secret-reader -> rules[0]",
			"User bob -> RoleBinding team/bob-secrets -> ClusterRole secret-reader -> rules[0]",
		}},
		{"a cluster-scoped request: cluster bindings only", resource("get", "", "nodes", "", "", ""), InNamespace, []string{
			"Group ops -> ClusterRoleBinding ops-nodes -> ClusterRole node-reader -> rules[0]",
		}},
		{"a URL: cluster bindings only, in all namespaces too", Attributes{Verb: "get", NonResourceURL: "/metrics"}, AllNamespaces, []string{
			"Group ops -> ClusterRoleBinding ops-nodes -> ClusterRole node-reader -> rules[1]",
		}},
		{"every subject of a binding, ServiceAccounts with their namespace", resource("create", "apps", "deployments", "", "", "team"), InNamespace, []string{
			"ServiceAccount team/ci -> RoleBinding team/deployers -> Role team/deployer -> rules[0]",
			"ServiceAccount other/builder -> RoleBinding team/deployers -> Role team/deployer -> rules[0]",
		}},
		{"aggregated rules", resource("create", "", "pods", "", "", "a"), InNamespace, []string{
			"User carol -> ClusterRoleBinding admins -> ClusterRole admin -> rules[0]",
		}},
		{"no one", resource("escalate", "", "roles", "", "", "a"), AllNamespaces, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, g := range x.WhoCan(tt.req, tt.scope) {
				got = append(got, g.String())
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("WhoCan(%s) =\n%s\nwant\n%s", tt.req, strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}

func TestPermissions(t *testing.T) {
	objs := &Objects{}
	objs.Add(clusterRole("a", nil, rule(l("get"), l(""), l("pods", "secrets")), rule(l("list"), l(""), l("secrets", "pods"))))
	objs.Add(clusterRole("b", nil, rule(l("get"), l(""), l("pods", "secrets")), urlRule(l("get"), "/healthz")))
	objs.Add(crb("one", "a", user("u")))
	objs.Add(crb("two", "b", group("g")))
	objs.Add(rb("ns", "three", "ClusterRole", "a", user("u")))
	objs.Add(crb("other", "b", user("someone-else")))
	x := Build(objs, FromManifests)
	type perm struct {
		ns, rule string
		grants   int
	}
	tests := []struct {
		name    string
		subject Subject
		want    []perm
	}{
		{"rules differing in order and verbs merge, each with its grants", Subject{User: "u", Groups: []string{"g"}}, []perm{
			{"", "[get] /healthz", 1},
			{"", "[get list] pods,secrets", 3},
			{"ns", "[get list] pods,secrets", 2},
		}},
		{"a subject without bindings has none", User("nobody"), nil},
		{"system:masters has everything", Subject{Groups: []string{Masters}}, []perm{{"", "[*] *", 0}, {"", "[*] *", 0}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []perm
			for _, p := range x.Permissions(tt.subject) {
				what := strings.Join(p.Rule.Resources, ",") + strings.Join(p.Rule.NonResourceURLs, ",")
				got = append(got, perm{p.Namespace, fmt.Sprintf("%v %s", p.Rule.Verbs, what), len(p.Grants)})
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("Permissions(%s) = %v, want %v", tt.subject, got, tt.want)
			}
		})
	}
}

func TestDangling(t *testing.T) {
	x := Build(fixture(), FromManifests)
	var got []string
	for _, d := range x.Dangling() {
		got = append(got, d.Binding.String()+" -> "+d.Role.String())
	}
	want := []string{
		"ClusterRoleBinding missing -> ClusterRole no-such-role",
		"RoleBinding team/missing-role -> Role team/no-such-role",
	}
	if !slices.Equal(got, want) {
		t.Errorf("Dangling() = %q, want %q", got, want)
	}
}

func TestAggregation(t *testing.T) {
	selecting := func(name string, labels map[string]string, selects ...string) *rbacv1.ClusterRole {
		r := clusterRole(name, labels)
		r.AggregationRule = &rbacv1.AggregationRule{}
		for _, s := range selects {
			r.AggregationRule.ClusterRoleSelectors = append(r.AggregationRule.ClusterRoleSelectors,
				metav1.LabelSelector{MatchLabels: map[string]string{s: "true"}})
		}
		return r
	}
	get := func(res string) rbacv1.PolicyRule { return rule(l("get"), l(""), l(res)) }
	tests := []struct {
		name  string
		roles []*rbacv1.ClusterRole
		src   Source
		role  string
		want  []rbacv1.PolicyRule
	}{
		{"a chain of aggregations reaches its fixpoint whatever the input order", []*rbacv1.ClusterRole{
			selecting("top", nil, "to-top"),
			selecting("middle", map[string]string{"to-top": "true"}, "to-middle"),
			clusterRole("leaf", map[string]string{"to-middle": "true"}, get("pods")),
		}, FromManifests, "top", []rbacv1.PolicyRule{get("pods")}},
		{"the same rule from two roles is kept once", []*rbacv1.ClusterRole{
			selecting("agg", nil, "x"),
			clusterRole("a", map[string]string{"x": "true"}, get("pods"), get("secrets")),
			clusterRole("b", map[string]string{"x": "true"}, get("pods")),
		}, FromManifests, "agg", []rbacv1.PolicyRule{get("pods"), get("secrets")}},
		{"roles are taken by name per selector", []*rbacv1.ClusterRole{
			selecting("agg", nil, "y", "x"),
			clusterRole("b", map[string]string{"x": "true"}, get("b")),
			clusterRole("a", map[string]string{"x": "true"}, get("a")),
			clusterRole("c", map[string]string{"y": "true"}, get("c")),
		}, FromManifests, "agg", []rbacv1.PolicyRule{get("c"), get("a"), get("b")}},
		{"roles aggregating one another in a cycle share their rules", []*rbacv1.ClusterRole{
			selecting("a", map[string]string{"y": "true"}, "x"),
			selecting("b", map[string]string{"x": "true"}, "y"),
			clusterRole("c", map[string]string{"x": "true"}, get("c")),
		}, FromManifests, "b", []rbacv1.PolicyRule{get("c")}},
		{"a role does not aggregate itself", []*rbacv1.ClusterRole{
			selecting("self", map[string]string{"x": "true"}, "x"),
		}, FromManifests, "self", nil},
		{"a live cluster's roles are taken as they are", []*rbacv1.ClusterRole{
			func() *rbacv1.ClusterRole {
				r := selecting("agg", nil, "x")
				r.Rules = []rbacv1.PolicyRule{get("filled")}
				return r
			}(),
			clusterRole("a", map[string]string{"x": "true"}, get("a")),
		}, FromCluster, "agg", []rbacv1.PolicyRule{get("filled")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			objs := &Objects{ClusterRoles: tt.roles}
			got, ok := Build(objs, tt.src).Rules(RoleRef{Kind: "ClusterRole", Name: tt.role})
			if !ok || !reflect.DeepEqual(got, tt.want) {
				t.Errorf("rules of %s = %v, want %v", tt.role, got, tt.want)
			}
		})
	}
}

func TestAggregatedRuleOrigins(t *testing.T) {
	get := func(res string) rbacv1.PolicyRule { return rule(l("get"), l(""), l(res)) }
	selecting := func(name string, labels map[string]string, selects string) *rbacv1.ClusterRole {
		r := clusterRole(name, labels, get("ignored"))
		r.AggregationRule = &rbacv1.AggregationRule{ClusterRoleSelectors: []metav1.LabelSelector{{MatchLabels: map[string]string{selects: "true"}}}}
		return r
	}
	objs := &Objects{ClusterRoles: []*rbacv1.ClusterRole{
		selecting("top", nil, "to-top"),
		selecting("middle", map[string]string{"to-top": "true"}, "to-middle"),
		clusterRole("leaf", map[string]string{"to-middle": "true"}, get("pods"), get("secrets")),
		clusterRole("other", map[string]string{"to-top": "true"}, get("pods"), get("nodes")),
		clusterRole("plain", nil, get("services")),
	}}
	x := Build(objs, FromManifests)
	tests := []struct {
		name string
		role string
		i    int
		want string
		ok   bool
	}{
		{"a rule aggregated through an aggregated role names the role that wrote it", "top", 0, "ClusterRole leaf rules[0]", true},
		{"a second selected role's rules follow, without the rules already held", "top", 2, "ClusterRole other rules[1]", true},
		{"a role's own rules name the role", "plain", 0, "ClusterRole plain rules[0]", true},
		{"an index past the role's rules is not found", "top", 3, "", false},
		{"a role the input does not hold is not found", "absent", 0, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, ok := x.RuleOrigin(RoleRef{Kind: "ClusterRole", Name: tt.role}, tt.i)
			got := ""
			if ok {
				got = fmt.Sprintf("%s rules[%d]", o.Role, o.Index)
			}
			if ok != tt.ok || got != tt.want {
				t.Errorf("RuleOrigin(%s, %d) = %q, %v; want %q, %v", tt.role, tt.i, got, ok, tt.want, tt.ok)
			}
		})
	}
}
