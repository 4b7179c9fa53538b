package cli_test

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/clientcmd"

	"palisade.dev/palisade/internal/testapply"
	"palisade.dev/palisade/internal/testcluster"
)

var testCluster testcluster.Shared

func TestMain(m *testing.M) { os.Exit(testCluster.Main(m)) }

// clusterReport runs `palisade cluster` with the test cluster's kubeconfig and returns the exit
// code and the JSON report.
func clusterReport(t *testing.T, kubeconfig string, args ...string) (int, clusterJSON, string) {
	t.Helper()
	code, out, errOut := runWithStdin(t, "", append([]string{"cluster", "--kubeconfig", kubeconfig, "-o", "json"}, args...)...)
	var rep clusterJSON
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("report is not JSON (%v); stderr: %s\n%s", err, errOut, out)
	}
	return code, rep, errOut
}

type clusterJSON struct {
	jsonReport
	Passed struct {
		Results []struct {
			Rule   string `json:"rule"`
			Status string `json:"status"`
		} `json:"results"`
	} `json:"passed"`
	Clusters []struct {
		Context, Server, Version, User string
		ClusterAdmin                   *bool
		Objects, Gaps                  int
		Reachable                      bool
	} `json:"clusters"`
}

// key identifies a finding independently of where its object was read from.
func findingKeys(rep jsonReport, skip func(rule string) bool) []string {
	var out []string
	for _, f := range rep.Findings {
		if skip(f.Rule) {
			continue
		}
		out = append(out, fmt.Sprintf("%s %s/%s/%s %s %s", f.Rule, f.Object.Kind, f.Object.Namespace, f.Object.Name, f.Container, f.Path))
	}
	slices.Sort(out)
	return out
}

// TestClusterFindsWhatTheManifestsHave creates the insecure example's objects in the test
// cluster and scans them there: every pod and namespace finding of the manifest scan must be
// found, the same, on the live objects (only how manifests are written, and the cluster's own
// facts, differ).
func TestClusterFindsWhatTheManifestsHave(t *testing.T) {
	c := testCluster.Require(t)
	const example = "../../examples/insecure"
	applied, err := testapply.Apply(context.Background(), c.Config(testcluster.Admin), []string{example}, 4)
	if err != nil {
		t.Fatal(err)
	}
	// The API server refuses what it knows to be invalid: those objects exist only as files.
	if want := []string{"Deployment/shop-insecure/api"}; !slices.Equal(slices.Sorted(maps.Keys(applied.Rejected)), want) {
		t.Errorf("objects refused by the API server: %v, want %v", applied.Rejected, want)
	}
	_, fromFiles, _ := scanReport(t, "", example)
	code, live, errOut := clusterReport(t, c.Kubeconfig(), "--context", testcluster.Auditor, "-n", "shop-insecure")
	if code != 1 || len(live.Errors) > 0 {
		t.Fatalf("exit code %d, errors %v (want 1, none); stderr: %s", code, live.Errors, errOut)
	}
	notOnFiles := func(rule string) bool { return strings.HasPrefix(rule, "manifest/") }
	notLive := func(rule string) bool { return strings.HasPrefix(rule, "cluster/") }
	want, got := findingKeys(fromFiles, notOnFiles), findingKeys(live.jsonReport, notLive)
	want = slices.DeleteFunc(want, func(k string) bool {
		_, refused := applied.Rejected[strings.Fields(k)[1]]
		return refused
	})
	// The policy written for the refused Deployment selects nothing in the cluster, and says so.
	want = append(want, "network/policy-selects-nothing NetworkPolicy/shop-insecure/api-from-web  spec.podSelector")
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("live findings differ from the manifest findings\nonly live:  %v\nonly files: %v", minus(got, want), minus(want, got))
	}
	for _, f := range live.Findings {
		if f.Location.File != "" {
			t.Errorf("live finding located in a file: %+v", f)
		}
	}
	if len(live.Clusters) != 1 || live.Clusters[0].Context != testcluster.Auditor || live.Clusters[0].Version != "v1.37.2" || !live.Clusters[0].Reachable {
		t.Errorf("clusters = %+v", live.Clusters)
	}
}

func minus(a, b []string) []string {
	var out []string
	for _, s := range a {
		if !slices.Contains(b, s) {
			out = append(out, s)
		}
	}
	return out
}

// TestClusterExitCodes pins what a cluster scan's exit code says.
func TestClusterExitCodes(t *testing.T) {
	c := testCluster.Require(t)
	ns := c.NewNamespace(t)
	tests := []struct {
		name    string
		args    []string
		code    int
		finding string // a rule that must be among the findings
		err     string // text that must be among the errors
	}{
		{name: "an identity that may list nothing has coverage gaps", args: []string{"--context", testcluster.User, "-n", ns}, code: 2, err: "forbidden: cannot list"},
		{name: "the admin identity is cluster-admin", args: []string{"--context", testcluster.Admin, "-n", ns, "--rule", "cluster/*"}, code: 1, finding: "cluster/identity-cluster-admin"},
		{name: "an unsupported version given by flag", args: []string{"--context", testcluster.Auditor, "-n", ns, "--kubernetes-version", "v1.29", "--rule", "cluster/*"}, code: 1, finding: "cluster/version-supported"},
		{name: "a supported version and a read-only identity pass", args: []string{"--context", testcluster.Auditor, "-n", ns, "--rule", "cluster/*"}, code: 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, rep, errOut := clusterReport(t, c.Kubeconfig(), tc.args...)
			if code != tc.code {
				t.Errorf("exit code %d, want %d; findings %v, errors %v, stderr %s", code, tc.code, findingKeys(rep.jsonReport, func(string) bool { return false }), rep.Errors, errOut)
			}
			if tc.finding != "" && !slices.ContainsFunc(rep.Findings, func(f jsonFinding) bool { return f.Rule == tc.finding }) {
				t.Errorf("no %s finding among %v", tc.finding, findingKeys(rep.jsonReport, func(string) bool { return false }))
			}
			if tc.err != "" && !slices.ContainsFunc(rep.Errors, func(e jsonErrorEntry) bool { return strings.Contains(e.Message, tc.err) }) {
				t.Errorf("no error %q among %v", tc.err, rep.Errors)
			}
		})
	}
}

// TestClusterAllContexts scans every context of a kubeconfig, one of which reaches nothing:
// the others are scanned all the same, each in its own section, and the exit code says that
// the scan had errors.
func TestClusterAllContexts(t *testing.T) {
	c := testCluster.Require(t)
	cfg, err := clientcmd.LoadFromFile(c.Kubeconfig())
	if err != nil {
		t.Fatal(err)
	}
	broken := cfg.Clusters[cfg.Contexts[testcluster.Auditor].Cluster].DeepCopy()
	broken.Server = "https://127.0.0.1:1"
	cfg.Clusters["gone"] = broken
	ctx := cfg.Contexts[testcluster.Auditor].DeepCopy()
	ctx.Cluster = "gone"
	cfg.Contexts["gone"] = ctx
	path := filepath.Join(t.TempDir(), "kubeconfig")
	if err := clientcmd.WriteToFile(*cfg, path); err != nil {
		t.Fatal(err)
	}
	code, rep, _ := clusterReport(t, path, "--all-contexts", "--rule", "cluster/*")
	if code != 2 {
		t.Errorf("exit code %d, want 2", code)
	}
	var contexts []string
	for _, cl := range rep.Clusters {
		contexts = append(contexts, cl.Context)
		if reachable := cl.Context != "gone"; cl.Reachable != reachable {
			t.Errorf("context %s: reachable %v, want %v", cl.Context, cl.Reachable, reachable)
		}
	}
	if want := []string{testcluster.Admin, testcluster.Auditor, "gone", testcluster.User}; !slices.Equal(contexts, want) {
		t.Errorf("contexts %v, want %v", contexts, want)
	}
	var gone []string
	for _, e := range rep.Errors {
		if e.Location.Cluster == "gone" {
			gone = append(gone, e.Message)
		}
	}
	if len(gone) != 1 || !strings.Contains(gone[0], "cannot reach the server") {
		t.Errorf("errors of context gone: %v, want one that says its server cannot be reached", gone)
	}
	if !slices.ContainsFunc(rep.Findings, func(f jsonFinding) bool {
		return f.Rule == "cluster/identity-cluster-admin" && f.Object.Name == testcluster.Admin
	}) {
		t.Errorf("the admin context's finding is missing: %v", findingKeys(rep.jsonReport, func(string) bool { return false }))
	}
}

// TestClusterAnonymousAccess scans a cluster whose API server lets anonymous requests in.
func TestClusterAnonymousAccess(t *testing.T) {
	c := testcluster.New(t, testcluster.Options{AnonymousAuth: true})
	// Anonymous authentication on, with the default RBAC: anonymous callers read the version,
	// and are refused the rest.
	code, rep, _ := clusterReport(t, c.Kubeconfig(), "--context", testcluster.Auditor, "-n", "default", "--rule", "cluster/anonymous-access", "--fail-on", "low")
	if code != 1 || len(rep.Findings) != 1 || rep.Findings[0].Rule != "cluster/anonymous-access" || rep.Findings[0].Severity != "low" {
		t.Fatalf("exit code %d, findings %+v; want 1 and a low cluster/anonymous-access finding", code, rep.Findings)
	}
	for _, want := range []string{"/version: 200", "/api: 403"} {
		if !strings.Contains(rep.Findings[0].Evidence, want) {
			t.Errorf("evidence %q does not say %q", rep.Findings[0].Evidence, want)
		}
	}
	// Anonymous requests that reach objects are critical.
	admin := c.Client(testcluster.Admin)
	grant := &rbacv1.ClusterRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: "anonymous-view"},
		RoleRef:    rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "ClusterRole", Name: testcluster.AuditorRole},
		Subjects:   []rbacv1.Subject{{Kind: "Group", Name: "system:unauthenticated"}},
	}
	if _, err := admin.RbacV1().ClusterRoleBindings().Create(context.Background(), grant, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	code, rep, _ = clusterReport(t, c.Kubeconfig(), "--context", testcluster.Auditor, "-n", "default", "--rule", "cluster/anonymous-access,rbac/anonymous-binding")
	var rules []string
	for _, f := range rep.Findings {
		rules = append(rules, f.Rule+" "+f.Severity)
	}
	if want := []string{"cluster/anonymous-access critical"}; code != 1 || !slices.Equal(rules, want) {
		t.Errorf("anonymous callers reading pods: exit code %d, findings %v; want 1 and %v", code, rules, want)
	}
	// The shared cluster refuses anonymous requests: no finding there.
	shared := testCluster.Require(t)
	code, rep, _ = clusterReport(t, shared.Kubeconfig(), "--context", testcluster.Auditor, "-n", "default", "--rule", "cluster/anonymous-access")
	if code != 0 || len(rep.Findings) != 0 {
		t.Errorf("anonymous auth off: exit code %d, findings %v; want 0 and none", code, rep.Findings)
	}
}

// TestClusterJudgesTheControlPlaneOnItsMirrorPods creates the mirror pod a kubeadm node's
// kubelet would publish for its kube-apiserver, and pins that the API server's flag rules
// judge its command line, located at the pod, while the rules on its files do not apply.
func TestClusterJudgesTheControlPlaneOnItsMirrorPods(t *testing.T) {
	c := testCluster.Require(t)
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			Name: "kube-apiserver-cp-1", Namespace: "kube-system",
			Annotations: map[string]string{"kubernetes.io/config.mirror": "0123456789abcdef"},
			Labels:      map[string]string{"component": "kube-apiserver", "tier": "control-plane"},
		},
		Spec: corev1.PodSpec{
			NodeName: "cp-1",
			Containers: []corev1.Container{{
				Name: "kube-apiserver", Image: "registry.k8s.io/kube-apiserver:v1.37.2",
				Command: []string{"kube-apiserver", "--authorization-mode=AlwaysAllow", "--profiling=false",
					"--encryption-provider-config=/etc/kubernetes/enc/config.yaml"},
			}},
		},
	}
	if _, err := c.Client(testcluster.Admin).CoreV1().Pods("kube-system").Create(context.Background(), pod, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	code, rep, errOut := clusterReport(t, c.Kubeconfig(), "--context", testcluster.Auditor,
		"--rule", "apiserver/authorization-always-allow,apiserver/profiling,apiserver/encryption-secrets-provider", "--show-passed")
	if code != 1 {
		t.Errorf("exit code %d, want 1; errors %v; stderr %s", code, rep.Errors, errOut)
	}
	got := findingKeys(rep.jsonReport, func(string) bool { return false })
	if want := []string{"apiserver/authorization-always-allow kube-apiserver//cp-1  --authorization-mode"}; !slices.Equal(got, want) {
		t.Errorf("findings %v, want %v", got, want)
	}
	for _, f := range rep.Findings {
		if f.Location.File != "kube-system/kube-apiserver-cp-1" {
			t.Errorf("finding located at %+v, want the mirror pod", f.Location)
		}
	}
	verdicts := map[string]string{}
	for _, p := range rep.Passed.Results {
		verdicts[p.Rule] = p.Status
	}
	if verdicts["apiserver/profiling"] != "pass" || verdicts["apiserver/encryption-secrets-provider"] != "not-applicable" {
		t.Errorf("passed and not applicable: %v", verdicts)
	}
}
