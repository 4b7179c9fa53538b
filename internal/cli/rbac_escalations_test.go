package cli_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"palisade.dev/palisade/internal/testcluster"
)

const escalationManifests = "testdata/escalations"

func TestRBACEscalationsFromManifests(t *testing.T) {
	for _, c := range []struct {
		name     string
		args     []string
		wantCode int
		want     []string // parts of stdout, in order
	}{
		{"every path, shortest first within each subject, exits 1", nil, 1, []string{
			"user:alice  1      create pods in ns ci (RoleBinding ci/deploy -> Role ci/deployer rules[0]) -> sa:ci/builder -> ClusterRoleBinding builder-admin -> ClusterRole cluster-admin rules[0]",
			"user:bob    2      impersonate users alice (ClusterRoleBinding bob-as-alice -> ClusterRole impersonate-alice rules[0]) -> user:alice -> create pods in ns ci",
		}},
		{"one subject's path", []string{"user:bob"}, 1, []string{"# paths to cluster-admin-equivalent rights of user:bob", "user:bob  2"}},
		{"a subject without a path exits 0", []string{"user:carol"}, 0, []string{"SUBJECT  STEPS  PATH\n"}},
		{"a subject that is cluster-admin already has no path", []string{"sa:ci/builder"}, 0, []string{"SUBJECT  STEPS  PATH\n"}},
		{"a malformed subject is an error", []string{"bob"}, 2, nil},
		{"no path is an empty list in JSON", []string{"user:carol", "-o", "json"}, 0, []string{`"paths": []`}},
	} {
		t.Run(c.name, func(t *testing.T) {
			args := append([]string{"rbac", "escalations"}, c.args...)
			code, out, errOut := runWithStdin(t, "", append(args, "-f", escalationManifests)...)
			if code != c.wantCode {
				t.Fatalf("exit code %d, want %d; stderr: %s\n%s", code, c.wantCode, errOut, out)
			}
			requireInOrder(t, out, c.want)
		})
	}
}

func TestRBACEscalationsJSON(t *testing.T) {
	code, out, errOut := runWithStdin(t, "", "rbac", "escalations", "user:bob", "-f", escalationManifests, "-o", "json")
	if code != 1 {
		t.Fatalf("exit code %d, want 1; stderr: %s", code, errOut)
	}
	var answer struct {
		Subject string
		Paths   []struct {
			Subject string
			Steps   []struct {
				Action string
				Grant  struct {
					Binding   struct{ Kind, Namespace, Name string }
					Role      struct{ Kind, Namespace, Name string }
					RuleIndex int
				}
				To string
			}
			Admin struct{ Binding, Role struct{ Kind, Name string } }
		}
	}
	if err := json.Unmarshal([]byte(out), &answer); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	if answer.Subject != "user:bob" || len(answer.Paths) != 1 || len(answer.Paths[0].Steps) != 2 {
		t.Fatalf("unexpected answer:\n%s", out)
	}
	p := answer.Paths[0]
	if p.Steps[0].Action != "impersonate users alice" || p.Steps[0].Grant.Binding.Name != "bob-as-alice" || p.Steps[0].To != "user:alice" ||
		p.Steps[1].Grant.Role.Name != "deployer" || p.Steps[1].To != "sa:ci/builder" ||
		p.Admin.Binding.Name != "builder-admin" || p.Admin.Role.Name != "cluster-admin" {
		t.Errorf("unexpected path:\n%s", out)
	}
}

// TestRBACEscalationsInALiveCluster gives a user pod creation in a namespace whose
// ServiceAccount is bound to cluster-admin, and reads the path back from the API server.
func TestRBACEscalationsInALiveCluster(t *testing.T) {
	c := testCluster.Require(t)
	ns := c.NewNamespace(t)
	user := "deployer-" + ns
	podCreatorOverAdmin(t, c, ns, "builder", "deploy", rbacv1.Subject{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: user})
	code, out, errOut := runWithStdin(t, "", "rbac", "escalations", "user:"+user,
		"--kubeconfig", c.Kubeconfig(), "--context", testcluster.Auditor)
	want := "user:" + user + "  1      create pods in ns " + ns + " (RoleBinding " + ns + "/deploy -> Role " + ns + "/pod-creator rules[0]) -> sa:" + ns +
		"/builder -> ClusterRoleBinding " + ns + "-builder -> ClusterRole cluster-admin rules[0]"
	if code != 1 || !strings.Contains(out, want) {
		t.Errorf("exit %d, stdout:\n%s\nwant %q; stderr: %s", code, out, want, errOut)
	}
}

// podCreatorOverAdmin makes, in namespace ns of the test cluster, the ServiceAccount strong,
// bound to cluster-admin by the ClusterRoleBinding ns-strong, and the Role pod-creator (create
// pods), bound to subject by the RoleBinding binding: subject's path to cluster-admin is one
// step.
func podCreatorOverAdmin(t *testing.T, c *testcluster.Cluster, ns, strong, binding string, subject rbacv1.Subject) {
	t.Helper()
	ctx := context.Background()
	admin := c.Client(testcluster.Admin)
	if _, err := admin.CoreV1().ServiceAccounts(ns).Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: strong}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	crb := &rbacv1.ClusterRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: ns + "-" + strong},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "cluster-admin"},
		Subjects:   []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Namespace: ns, Name: strong}},
	}
	if _, err := admin.RbacV1().ClusterRoleBindings().Create(ctx, crb, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = admin.RbacV1().ClusterRoleBindings().Delete(context.Background(), crb.Name, metav1.DeleteOptions{})
	})
	role := &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Name: "pod-creator"}, Rules: []rbacv1.PolicyRule{
		{Verbs: []string{"create"}, APIGroups: []string{""}, Resources: []string{"pods"}},
	}}
	if _, err := admin.RbacV1().Roles(ns).Create(ctx, role, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	rb := &rbacv1.RoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: binding},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: "pod-creator"},
		Subjects:   []rbacv1.Subject{subject},
	}
	if _, err := admin.RbacV1().RoleBindings(ns).Create(ctx, rb, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
}
