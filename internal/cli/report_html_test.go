package cli_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"palisade.dev/palisade/internal/testcluster"
	"palisade.dev/palisade/internal/testfiles"
)

// TestHTMLReport runs -o html on manifests and on a node's files: the verdict, the
// reachability of the input's NetworkPolicies when it has some, the errors when the scan had
// some, and the node benchmark by CIS ID.
func TestHTMLReport(t *testing.T) {
	broken := filepath.Join(t.TempDir(), "broken.yaml")
	if err := os.WriteFile(broken, []byte("apiVersion: v1\nkind: Pod\nmetadata: {name: a\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	pod := filepath.Join(t.TempDir(), "pod.yaml")
	if err := os.WriteFile(pod, []byte("apiVersion: v1\nkind: Pod\nmetadata: {name: a, namespace: team}\nspec:\n  containers: [{name: app, image: nginx}]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	testfiles.CopyKubeadmTree(t, filepath.Join("..", "source", "node", "testdata", "kubeadm"), root)
	proc := filepath.Join(root, "proc")
	if err := os.MkdirAll(proc, 0o555); err != nil {
		t.Fatal(err)
	}
	runReportCases(t, []reportCase{
		{"the reachability tab counts each namespace's workloads that others and the outside may reach",
			[]string{"scan", netpolManifests, "-o", "html"}, 1,
			[]string{"<!DOCTYPE html>", `verdict failed`, `data-tab="reachability"`,
				"<tr><td>ops</td><td>1</td><td>0</td><td>0</td><td>1</td><td>1</td></tr>",
				"<tr><td>shop</td><td>2</td><td>3</td><td>1</td><td>1</td><td>1</td></tr>"},
			nil},
		{"a clean scan passes and has reachability, since it has policies",
			[]string{"scan", "../../examples/hardened", "-o", "html"}, 0,
			[]string{`verdict passed`, `data-tab="reachability"`},
			[]string{`id="errors-banner"`}},
		{"a scan without NetworkPolicies has no reachability tab",
			[]string{"scan", pod, "-o", "html"}, 1,
			[]string{`verdict failed`, "Pod/team/"},
			[]string{`data-tab="reachability"`}},
		{"a scan that could not read a document shows the error on top",
			[]string{"scan", broken, "-o", "html"}, 2,
			[]string{`verdict incomplete`, `id="errors-banner"`, "broken.yaml"},
			nil},
		{"the node audit's benchmark lists its verdicts by CIS ID",
			[]string{"node", "--root", root, "--proc", proc, "--hostname", "cp-1", "-o", "html"}, 1,
			[]string{`data-tab="benchmark"`, `class="status-pass">pass`, `class="status-fail">fail`, "<tr><td>1.1.1</td>"},
			nil},
	})
}

// TestHTMLReportToAFile writes the page beside a text report, as -o html=FILE.
func TestHTMLReportToAFile(t *testing.T) {
	file := filepath.Join(t.TempDir(), "report.html")
	code, out, errOut := run(t, "scan", "../../examples/insecure", "-o", "html="+file, "-o", "text")
	if code != 1 {
		t.Fatalf("exit %d, want 1; stderr: %s", code, errOut)
	}
	page, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(page), `id="report-data"`) || strings.Contains(out, "<!DOCTYPE") {
		t.Errorf("the page is not in its file (%d bytes) alone", len(page))
	}
}

// TestClusterHTMLReport scans a namespace of the test cluster with -o html: the page names the
// cluster, lists the privileged pod's finding and counts the reachability its NetworkPolicy
// leaves: the pod is reachable from nowhere and may reach outside.
func TestClusterHTMLReport(t *testing.T) {
	c := testCluster.Require(t)
	ns := c.NewNamespace(t)
	admin := c.Client(testcluster.Admin)
	privileged := true
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "root", Namespace: ns, Labels: map[string]string{"app": "root"}},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{
			Name: "app", Image: "registry.example/app:1", SecurityContext: &corev1.SecurityContext{Privileged: &privileged}}}}}
	if _, err := admin.CoreV1().Pods(ns).Create(context.Background(), pod, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	deny := &networkingv1.NetworkPolicy{ObjectMeta: metav1.ObjectMeta{Name: "deny-ingress", Namespace: ns},
		Spec: networkingv1.NetworkPolicySpec{PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeIngress}}}
	if _, err := admin.NetworkingV1().NetworkPolicies(ns).Create(context.Background(), deny, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := run(t, "cluster", "--kubeconfig", c.Kubeconfig(), "--context", testcluster.Auditor, "-n", ns, "-o", "html")
	if code != 1 {
		t.Fatalf("exit %d, want 1; stderr: %s", code, errOut)
	}
	for _, want := range []string{
		`<table id="clusters">`, "<td>" + testcluster.Auditor + "</td>", `"root"`, `data-tab="reachability"`,
		"<tr><td>" + ns + "</td><td>1</td><td>1</td><td>0</td><td>0</td><td>1</td></tr>",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
}
