package cli_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"palisade.dev/palisade/internal/testcluster"
)

const rbacManifests = "testdata/rbac/roles.yaml"

func TestRBACCommandsAnswerFromManifests(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		wantCode int
		want     []string // lines or parts of lines of stdout, in order
		wantErr  string   // part of stderr
	}{
		{"who-can lists cluster and namespace bindings across namespaces with -A",
			[]string{"who-can", "get", "secrets", "-A"}, 0, []string{
				"User alice  ClusterRoleBinding alice-reads-secrets  ClusterRole secret-reader",
				"User bob    RoleBinding team/team-secrets           ClusterRole secret-reader",
				"# ClusterRoleBinding not-yet refers to ClusterRole created-later, which does not exist",
			}, ""},
		{"who-can leaves out another namespace's bindings",
			[]string{"who-can", "get", "secrets", "-n", "other"}, 0, []string{"User alice"}, ""},
		{"who-can sees aggregated rules and defaults ServiceAccounts to the binding's namespace",
			[]string{"who-can", "get", "pods/log", "-n", "team"}, 0, []string{
				"Group support           RoleBinding team/support-team  ClusterRole support  rules[0]",
				"ServiceAccount team/ci  RoleBinding team/support-team  ClusterRole support  rules[0]",
			}, ""},
		{"who-can a cluster-scoped resource leaves out RoleBindings, even with -A",
			[]string{"who-can", "get", "nodes", "-A"}, 0, []string{"SUBJECT  BINDING  ROLE  RULE\n# and every member"}, ""},
		{"can says yes with the chain and exits 0",
			[]string{"can", "sa:team/ci", "create", "deployments", "-n", "team"}, 0, []string{
				"yes: ServiceAccount team/ci -> RoleBinding team/ci-deploys -> Role team/deployer -> rules[0]",
			}, ""},
		{"can says no and exits 1",
			[]string{"can", "user:carol", "get", "pods", "-n", "team"}, 1, []string{"no: no binding allows user:carol to get pods in namespace team"}, ""},
		{"can takes extra groups",
			[]string{"can", "user:erin", "get", "pods", "p", "-n", "team", "--as-group", "support"}, 0, []string{
				"yes: Group support -> RoleBinding team/support-team -> ClusterRole support -> rules[0]",
			}, ""},
		{"permissions merges each rule with its bindings",
			[]string{"permissions", "sa:team/ci"}, 0, []string{
				"team       get pods,pods/log (groups \"\")            RoleBinding team/support-team -> ClusterRole support",
				"team       create,update deployments (groups apps)  RoleBinding team/ci-deploys -> Role team/deployer",
			}, ""},
		{"a malformed subject is an error",
			[]string{"can", "alice", "get", "pods"}, 2, nil, "want user:NAME"},
		{"an unknown output is an error",
			[]string{"who-can", "get", "pods", "-o", "yaml"}, 2, nil, "want table, json or dot"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"rbac"}, tt.args...)
			code, out, errOut := runWithStdin(t, "", append(args, "-f", rbacManifests)...)
			if code != tt.wantCode {
				t.Fatalf("exit code %d, want %d; stderr: %s\n%s", code, tt.wantCode, errOut, out)
			}
			wantInOrder(t, out, tt.want)
			if !strings.Contains(errOut, tt.wantErr) {
				t.Errorf("stderr %q lacks %q", errOut, tt.wantErr)
			}
		})
	}
}

func TestRBACWhoCanJSONAndDot(t *testing.T) {
	code, out, errOut := runWithStdin(t, "", "rbac", "who-can", "get", "secrets", "-A", "-f", rbacManifests, "-o", "json")
	if code != 0 {
		t.Fatalf("exit code %d; stderr: %s", code, errOut)
	}
	var answer struct {
		Request struct{ Verb, Resource string }
		Grants  []struct {
			Subject   rbacv1.Subject
			Binding   struct{ Kind, Namespace, Name string }
			Role      struct{ Kind, Name string }
			RuleIndex int
			Rule      rbacv1.PolicyRule
		}
		Dangling []struct{ Binding, Role struct{ Kind, Name string } }
	}
	if err := json.Unmarshal([]byte(out), &answer); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	if answer.Request.Verb != "get" || answer.Request.Resource != "secrets" || len(answer.Grants) != 2 ||
		answer.Grants[1].Binding.Namespace != "team" || answer.Grants[1].Subject.Name != "bob" ||
		len(answer.Dangling) != 1 || answer.Dangling[0].Role.Name != "created-later" {
		t.Errorf("unexpected answer:\n%s", out)
	}
	code, out, _ = runWithStdin(t, "", "rbac", "who-can", "get", "secrets", "-A", "-f", rbacManifests, "-o", "dot")
	if code != 0 || !strings.HasPrefix(out, "digraph rbac {") ||
		!strings.Contains(out, `"User bob" -> "RoleBinding team/team-secrets";`) ||
		!strings.Contains(out, `"RoleBinding team/team-secrets" -> "ClusterRole secret-reader";`) {
		t.Errorf("dot output (exit %d):\n%s", code, out)
	}
}

func TestRBACReadsTheRestPastAnUnreadableDocument(t *testing.T) {
	code, out, errOut := runWithStdin(t, "", "rbac", "who-can", "get", "secrets", "-f", "testdata/rbac")
	if code != 2 {
		t.Errorf("exit code %d, want 2 (an input error)", code)
	}
	if !strings.Contains(errOut, "testdata/rbac/broken/bad.yaml:16:") {
		t.Errorf("stderr does not locate the error by file and line: %s", errOut)
	}
	if !strings.Contains(out, "User dave   ClusterRoleBinding dave-reads-secrets") || !strings.Contains(out, "User alice") {
		t.Errorf("the readable documents were not all read:\n%s", out)
	}
}

func TestRBACReadsALiveCluster(t *testing.T) {
	c := testCluster.Require(t)
	ns := c.NewNamespace(t)
	ctx := context.Background()
	rbac := c.Client(testcluster.Admin).RbacV1()
	role := &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Name: "exec"}, Rules: []rbacv1.PolicyRule{
		{Verbs: []string{"create"}, APIGroups: []string{""}, Resources: []string{"pods/exec"}},
	}}
	binding := &rbacv1.RoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: "ops-exec"},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: "exec"},
		Subjects:   []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: "default"}},
	}
	if _, err := rbac.Roles(ns).Create(ctx, role, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := rbac.RoleBindings(ns).Create(ctx, binding, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	// The Auditor may read RBAC objects and nothing it does changes them.
	code, out, errOut := runWithStdin(t, "", "rbac", "can", "sa:"+ns+"/default", "create", "pods/exec", "-n", ns,
		"--kubeconfig", c.Kubeconfig(), "--context", testcluster.Auditor)
	want := "yes: ServiceAccount " + ns + "/default -> RoleBinding " + ns + "/ops-exec -> Role " + ns + "/exec -> rules[0]"
	if code != 0 || !strings.Contains(out, want) {
		t.Errorf("exit %d, stdout %q, want %q; stderr: %s", code, out, want, errOut)
	}
	code, out, _ = runWithStdin(t, "", "rbac", "who-can", "create", "pods/exec", "-n", ns,
		"--kubeconfig", c.Kubeconfig(), "--context", testcluster.Auditor)
	if code != 0 || !strings.Contains(out, "ServiceAccount "+ns+"/default") {
		t.Errorf("who-can (exit %d) does not name the ServiceAccount:\n%s", code, out)
	}
}
