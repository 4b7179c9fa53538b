package rbac

import (
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"
)

// escalationBase is a cluster-admin ClusterRole and the ServiceAccount ci/builder bound to it.
func escalationBase() *Objects {
	return &Objects{
		ClusterRoles: []*rbacv1.ClusterRole{clusterRole("cluster-admin", nil, rule(l("*"), l("*"), l("*")))},
		ClusterRoleBindings: []*rbacv1.ClusterRoleBinding{
			crb("builder-admin", "cluster-admin", sa("ci", "builder")),
		},
	}
}

// grantTo adds a Role ns/name with rules and a RoleBinding of it to subject, or a ClusterRole
// and ClusterRoleBinding when ns is "".
func grantTo(objs *Objects, ns, name string, subject rbacv1.Subject, rules ...rbacv1.PolicyRule) {
	if ns == "" {
		objs.ClusterRoles = append(objs.ClusterRoles, clusterRole(name, nil, rules...))
		objs.ClusterRoleBindings = append(objs.ClusterRoleBindings, crb(name, name, subject))
		return
	}
	objs.Roles = append(objs.Roles, nsRole(ns, name, rules...))
	objs.RoleBindings = append(objs.RoleBindings, rb(ns, name, "Role", name, subject))
}

func TestEscalations(t *testing.T) {
	createPods := rule(l("create"), l(""), l("pods"))
	for _, c := range []struct {
		name  string
		setup func(*Objects, *Surroundings)
		who   string
		want  string // the path's line; "" for none
	}{
		{"creating pods in a namespace reaches its ServiceAccounts", func(o *Objects, _ *Surroundings) {
			grantTo(o, "ci", "deployer", user("alice"), createPods)
		}, "user:alice", "user:alice -> create pods in ns ci (RoleBinding ci/deployer -> Role ci/deployer rules[0]) -> sa:ci/builder -> ClusterRoleBinding builder-admin -> ClusterRole cluster-admin rules[0]"},
		{"creating a workload counts as creating pods", func(o *Objects, _ *Surroundings) {
			grantTo(o, "ci", "deployer", user("alice"), rule(l("create"), l("batch"), l("cronjobs")))
		}, "user:alice", "user:alice -> create cronjobs.batch in ns ci (RoleBinding ci/deployer -> Role ci/deployer rules[0]) -> sa:ci/builder -> ClusterRoleBinding builder-admin -> ClusterRole cluster-admin rules[0]"},
		{"creating pods in another namespace reaches nothing", func(o *Objects, _ *Surroundings) {
			grantTo(o, "web", "deployer", user("alice"), createPods)
		}, "user:alice", ""},
		{"a token of a ServiceAccount acts as it", func(o *Objects, _ *Surroundings) {
			grantTo(o, "ci", "tokens", user("alice"), rule(l("create"), l(""), l("serviceaccounts/token")))
		}, "user:alice", "user:alice -> create serviceaccounts/token builder in ns ci (RoleBinding ci/tokens -> Role ci/tokens rules[0]) -> sa:ci/builder -> ClusterRoleBinding builder-admin -> ClusterRole cluster-admin rules[0]"},
		{"a token restricted to another ServiceAccount by resourceNames reaches nothing", func(o *Objects, s *Surroundings) {
			s.ServiceAccounts = append(s.ServiceAccounts, NamespacedName{"ci", "lint"})
			grantTo(o, "ci", "tokens", user("alice"), rule(l("create"), l(""), l("serviceaccounts/token"), "lint"))
		}, "user:alice", ""},
		{"impersonating a user acts as that user", func(o *Objects, _ *Surroundings) {
			o.ClusterRoleBindings = append(o.ClusterRoleBindings, crb("bob-admin", "cluster-admin", user("bob")))
			grantTo(o, "", "imp", user("alice"), rule(l("impersonate"), l(""), l("users"), "bob"))
		}, "user:alice", "user:alice -> impersonate users bob (ClusterRoleBinding imp -> ClusterRole imp rules[0]) -> user:bob -> ClusterRoleBinding bob-admin -> ClusterRole cluster-admin rules[0]"},
		{"impersonating a user other than the resourceNames reaches nothing", func(o *Objects, _ *Surroundings) {
			o.ClusterRoleBindings = append(o.ClusterRoleBindings, crb("bob-admin", "cluster-admin", user("bob")))
			grantTo(o, "", "imp", user("alice"), rule(l("impersonate"), l(""), l("users"), "carol"))
		}, "user:alice", ""},
		{"impersonating system:masters with a user is cluster-admin", func(o *Objects, _ *Surroundings) {
			grantTo(o, "", "imp", user("alice"), rule(l("impersonate"), l(""), l("users", "groups")))
		}, "user:alice", "user:alice -> impersonate groups system:masters (ClusterRoleBinding imp -> ClusterRole imp rules[0]) -> group:system:masters -> member of system:masters: cluster-admin"},
		{"impersonating groups without any user is refused by the API server", func(o *Objects, _ *Surroundings) {
			grantTo(o, "", "imp", user("alice"), rule(l("impersonate"), l(""), l("groups")))
		}, "user:alice", ""},
		{"impersonating a ServiceAccount through a RoleBinding of its namespace", func(o *Objects, _ *Surroundings) {
			grantTo(o, "ci", "imp", user("alice"), rule(l("impersonate"), l(""), l("serviceaccounts"), "builder"))
		}, "user:alice", "user:alice -> impersonate serviceaccounts builder in ns ci (RoleBinding ci/imp -> Role ci/imp rules[0]) -> sa:ci/builder -> ClusterRoleBinding builder-admin -> ClusterRole cluster-admin rules[0]"},
		{"bind on cluster-admin with ClusterRoleBinding creation is cluster-admin", func(o *Objects, _ *Surroundings) {
			grantTo(o, "", "binder", user("alice"), rule(l("bind"), l("rbac.authorization.k8s.io"), l("clusterroles"), "cluster-admin"),
				rule(l("create"), l("rbac.authorization.k8s.io"), l("clusterrolebindings")))
		}, "user:alice", "user:alice -> bind clusterroles.rbac.authorization.k8s.io cluster-admin and create clusterrolebindings (ClusterRoleBinding binder -> ClusterRole binder rules[0]) -> ClusterRole cluster-admin cluster-wide: cluster-admin"},
		{"bind restricted by resourceNames to a weak role reaches nothing", func(o *Objects, _ *Surroundings) {
			o.ClusterRoles = append(o.ClusterRoles, clusterRole("view", nil, rule(l("get"), l(""), l("pods"))))
			grantTo(o, "", "binder", user("alice"), rule(l("bind"), l("rbac.authorization.k8s.io"), l("clusterroles"), "view"),
				rule(l("create"), l("rbac.authorization.k8s.io"), l("clusterrolebindings")))
		}, "user:alice", ""},
		{"bind without the right to create bindings reaches nothing", func(o *Objects, _ *Surroundings) {
			grantTo(o, "", "binder", user("alice"), rule(l("bind"), l("rbac.authorization.k8s.io"), l("clusterroles")))
		}, "user:alice", ""},
		{"bind in a namespace gives the bound role's pod creation there", func(o *Objects, _ *Surroundings) {
			o.ClusterRoles = append(o.ClusterRoles, clusterRole("edit", nil, createPods))
			grantTo(o, "ci", "binder", user("alice"), rule(l("bind"), l("rbac.authorization.k8s.io"), l("clusterroles"), "edit"),
				rule(l("create"), l("rbac.authorization.k8s.io"), l("rolebindings")))
		}, "user:alice", "user:alice -> bind clusterroles.rbac.authorization.k8s.io edit and create rolebindings in ns ci (RoleBinding ci/binder -> Role ci/binder rules[0]) -> ClusterRole edit in namespace ci -> create pods in ns ci (ClusterRole edit rules[0]) -> sa:ci/builder -> ClusterRoleBinding builder-admin -> ClusterRole cluster-admin rules[0]"},
		{"escalate with update on ClusterRoles is cluster-admin", func(o *Objects, _ *Surroundings) {
			grantTo(o, "", "escalator", user("alice"), rule(l("escalate", "update"), l("rbac.authorization.k8s.io"), l("clusterroles")))
		}, "user:alice", "user:alice -> escalate and update clusterroles (ClusterRoleBinding escalator -> ClusterRole escalator rules[0]) -> cluster-admin"},
		{"escalate without update reaches nothing", func(o *Objects, _ *Surroundings) {
			grantTo(o, "", "escalator", user("alice"), rule(l("escalate"), l("rbac.authorization.k8s.io"), l("clusterroles")))
		}, "user:alice", ""},
		{"a privileged pod takes the node's credentials and the tokens of pods on it", func(o *Objects, s *Surroundings) {
			s.Mounted = append(s.Mounted, NamespacedName{"ci", "builder"})
			grantTo(o, "dev", "deployer", user("alice"), createPods)
		}, "user:alice", "user:alice -> create pods in ns dev (RoleBinding dev/deployer -> Role dev/deployer rules[0]) -> node credentials (system:node:*) -> read the token of a pod scheduled on the node -> sa:ci/builder -> ClusterRoleBinding builder-admin -> ClusterRole cluster-admin rules[0]"},
		{"a namespace enforcing baseline keeps the node's credentials out of reach", func(o *Objects, s *Surroundings) {
			s.Mounted = append(s.Mounted, NamespacedName{"ci", "builder"})
			s.NamespaceLabels = map[string]map[string]string{"dev": {podSecurityEnforceLabel: "baseline"}}
			grantTo(o, "dev", "deployer", user("alice"), createPods)
		}, "user:alice", ""},
		{"a subject that is cluster-admin already has no path", func(o *Objects, _ *Surroundings) {
			grantTo(o, "ci", "deployer", sa("ci", "builder"), createPods)
		}, "sa:ci/builder", ""},
		{"a member of system:masters has no path", func(o *Objects, _ *Surroundings) {
			grantTo(o, "", "imp", group(Masters), rule(l("impersonate"), l(""), l("users")))
		}, "group:system:masters", ""},
		{"a cycle of impersonation without admin ends", func(o *Objects, _ *Surroundings) {
			grantTo(o, "", "a", user("alice"), rule(l("impersonate"), l(""), l("users"), "bob"))
			grantTo(o, "", "b", user("bob"), rule(l("impersonate"), l(""), l("users"), "alice"))
		}, "user:alice", ""},
		{"a path of three moves", func(o *Objects, _ *Surroundings) {
			grantTo(o, "", "a", user("alice"), rule(l("impersonate"), l(""), l("users"), "bob"))
			grantTo(o, "tools", "b", user("bob"), rule(l("create"), l(""), l("serviceaccounts/token"), "runner"))
			o.RoleBindings = append(o.RoleBindings, rb("ci", "runner", "ClusterRole", "pod-creator", sa("tools", "runner")))
			o.ClusterRoles = append(o.ClusterRoles, clusterRole("pod-creator", nil, createPods))
		}, "user:alice", "user:alice -> impersonate users bob (ClusterRoleBinding a -> ClusterRole a rules[0]) -> user:bob -> create serviceaccounts/token runner in ns tools (RoleBinding tools/b -> Role tools/b rules[0]) -> sa:tools/runner -> create pods in ns ci (RoleBinding ci/runner -> ClusterRole pod-creator rules[0]) -> sa:ci/builder -> ClusterRoleBinding builder-admin -> ClusterRole cluster-admin rules[0]"},
		{"the shortest of two paths is taken", func(o *Objects, _ *Surroundings) {
			grantTo(o, "", "a", user("alice"), rule(l("impersonate"), l(""), l("users"), "bob"))
			grantTo(o, "ci", "b", user("bob"), createPods)
			grantTo(o, "ci", "tokens", user("alice"), rule(l("create"), l(""), l("serviceaccounts/token"), "builder"))
		}, "user:alice", "user:alice -> create serviceaccounts/token builder in ns ci (RoleBinding ci/tokens -> Role ci/tokens rules[0]) -> sa:ci/builder -> ClusterRoleBinding builder-admin -> ClusterRole cluster-admin rules[0]"},
		{"a group's grant is every member's", func(o *Objects, _ *Surroundings) {
			o.ClusterRoleBindings = append(o.ClusterRoleBindings, crb("alice-is-dev", "nothing", user("alice")))
			grantTo(o, "ci", "deployer", group(Authenticated), createPods)
		}, "user:alice", "user:alice -> create pods in ns ci (as Group system:authenticated: RoleBinding ci/deployer -> Role ci/deployer rules[0]) -> sa:ci/builder -> ClusterRoleBinding builder-admin -> ClusterRole cluster-admin rules[0]"},
	} {
		t.Run(c.name, func(t *testing.T) {
			objs, sur := escalationBase(), &Surroundings{}
			c.setup(objs, sur)
			got := ""
			for _, p := range Build(objs, FromManifests).Escalations(sur) {
				if p.Subject == c.who {
					got = p.String()
				}
			}
			if got != c.want {
				t.Errorf("path of %s:\n got %s\nwant %s", c.who, got, c.want)
			}
		})
	}
}
