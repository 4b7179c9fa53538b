package cli_test

import (
	"context"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"palisade.dev/palisade/internal/testcluster"
)

// TestClusterRanksGrantsByUse gives the same risky grant (exec into pods) to two
// ServiceAccounts, one of which a Pod runs as: the finding about the one in use says which pods
// use it and comes first, and both keep their severity.
func TestClusterRanksGrantsByUse(t *testing.T) {
	c := testCluster.Require(t)
	ns := c.NewNamespace(t)
	ctx := context.Background()
	admin := c.Client(testcluster.Admin)
	role := &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Name: "exec"}, Rules: []rbacv1.PolicyRule{
		{Verbs: []string{"create"}, APIGroups: []string{""}, Resources: []string{"pods/exec"}},
	}}
	if _, err := admin.RbacV1().Roles(ns).Create(ctx, role, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	// "idle-exec" sorts before "runner-exec": only the ranking puts runner's first.
	for _, sa := range []string{"idle", "runner"} {
		if _, err := admin.CoreV1().ServiceAccounts(ns).Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: sa}}, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		binding := &rbacv1.RoleBinding{
			ObjectMeta: metav1.ObjectMeta{Name: sa + "-exec"},
			RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: "exec"},
			Subjects:   []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: sa}},
		}
		if _, err := admin.RbacV1().RoleBindings(ns).Create(ctx, binding, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	// runner may also create pods where boss, bound to cluster-admin, lives: an escalation path
	// that starts at a ServiceAccount in use.
	podCreatorOverAdmin(t, c, ns, "boss", "runner-pods", rbacv1.Subject{Kind: rbacv1.ServiceAccountKind, Name: "runner"})
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "web"}, Spec: corev1.PodSpec{
		ServiceAccountName: "runner",
		Containers:         []corev1.Container{{Name: "web", Image: "registry.example/web:1.0"}},
	}}
	if _, err := admin.CoreV1().Pods(ns).Create(ctx, pod, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	// The whole cluster: a scan of one namespace does not list ClusterRoleBindings, and
	// boss's is one.
	_, rep, errOut := clusterReport(t, c.Kubeconfig(), "--context", testcluster.Auditor)
	var order []string
	severity := map[string]string{}
	for _, f := range rep.Findings {
		if f.Rule != "rbac/pod-exec" || f.Object.Namespace != ns {
			continue
		}
		order = append(order, f.Object.Name)
		severity[f.Object.Name] = f.Severity
		used := strings.Contains(f.Evidence, "; used by running pods: "+ns+"/web (1 in all)")
		if used != (f.Object.Name == "runner-exec") {
			t.Errorf("%s: evidence %q", f.Object.Name, f.Evidence)
		}
	}
	if len(order) != 2 || order[0] != "runner-exec" || order[1] != "idle-exec" {
		t.Errorf("rbac/pod-exec findings in the order %v, want runner-exec first; stderr: %s", order, errOut)
	}
	if severity["runner-exec"] != severity["idle-exec"] {
		t.Errorf("severities changed by use: %v", severity)
	}
	wantPath := "sa:" + ns + "/runner -> create pods in ns " + ns + " (RoleBinding " + ns + "/runner-pods -> Role " + ns + "/pod-creator rules[0]) -> sa:" + ns + "/boss"
	found := false
	for _, f := range rep.Findings {
		if f.Rule == "rbac/escalation-path" && f.Object.Name == "runner-pods" {
			found = true
			if !strings.HasPrefix(f.Evidence, wantPath) || !strings.Contains(f.Evidence, "; used by running pods: "+ns+"/web (1 in all)") || f.Severity != "critical" {
				t.Errorf("escalation path finding: %s %q, want critical, from %q, used by %s/web", f.Severity, f.Evidence, wantPath, ns)
			}
		}
	}
	if !found {
		t.Errorf("no rbac/escalation-path finding on RoleBinding %s/runner-pods in the live cluster", ns)
	}
}
