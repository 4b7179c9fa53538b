package cli_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"palisade.dev/palisade/internal/testcluster"
)

// TestMarkdownReport runs -o markdown on the examples from the repository's examples folder,
// as a CI job would from its checkout: the verdict, the failing findings as rows, and links
// into the tree with --link-base.
func TestMarkdownReport(t *testing.T) {
	t.Chdir("../../examples")
	const base = "https://github.com/example/deploy/blob/0123abc"
	runReportCases(t, []reportCase{
		{"a failing scan says so and lists its findings", []string{"scan", "insecure", "-o", "markdown"}, 1,
			[]string{"## Palisade: failed\n", "| critical | [pod/privileged](", "| insecure/"}, []string{"](" + base}},
		{"a link base turns locations into links", []string{"scan", "insecure", "-o", "markdown", "--link-base", base}, 1,
			[]string{"| [insecure/", "](" + base + "/insecure/"}, nil},
		{"a clean scan passes", []string{"scan", "hardened", "-o", "markdown"}, 0,
			[]string{"## Palisade: passed\n"}, []string{"| Severity | Rule |"}},
	})
}

// reportCase is one run of a command and what its report holds and does not.
type reportCase struct {
	name     string
	args     []string
	wantCode int
	want     []string
	wantNot  []string
}

// runReportCases runs each case and checks its exit code and its report.
func runReportCases(t *testing.T, tests []reportCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := run(t, tt.args...)
			if code != tt.wantCode {
				t.Fatalf("exit %d, want %d; stderr: %s", code, tt.wantCode, errOut)
			}
			shown := out
			if len(shown) > 4096 {
				shown = fmt.Sprintf("(a report of %d bytes)", len(out))
			}
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("the report lacks %q:\n%s", w, shown)
				}
			}
			for _, w := range tt.wantNot {
				if strings.Contains(out, w) {
					t.Errorf("the report holds %q:\n%s", w, shown)
				}
			}
		})
	}
}

// policyReportDoc is the part of a policy report these tests read.
type policyReportDoc struct {
	APIVersion string `yaml:"apiVersion"`
	Kind       string `yaml:"kind"`
	Metadata   struct {
		Name      string            `yaml:"name"`
		Namespace string            `yaml:"namespace"`
		Labels    map[string]string `yaml:"labels"`
	} `yaml:"metadata"`
	Summary struct{ Fail, Error int } `yaml:"summary"`
	Results []struct {
		Result    string `yaml:"result"`
		Timestamp struct {
			Seconds int64 `yaml:"seconds"`
		} `yaml:"timestamp"`
		Resources []struct {
			Kind string `yaml:"kind"`
			Name string `yaml:"name"`
			UID  string `yaml:"uid"`
		} `yaml:"resources"`
	} `yaml:"results"`
}

func readPolicyReports(t *testing.T, path string) []policyReportDoc {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var docs []policyReportDoc
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for {
		var d policyReportDoc
		if err := dec.Decode(&d); errors.Is(err, io.EOF) {
			return docs
		} else if err != nil {
			t.Fatalf("document %d of the policy report: %v", len(docs)+1, err)
		}
		docs = append(docs, d)
	}
}

// TestPolicyReportToAFile writes -o policyreport=FILE beside the text report: every finding of
// the scan is a fail result in the report of its namespace or the cluster's, stamped with the
// time of the run, in the API --report-api names.
func TestPolicyReportToAFile(t *testing.T) {
	const example = "../../examples/insecure"
	_, rep, _ := scanReport(t, "", example)
	tests := []struct {
		name                            string
		flags                           []string
		apiVersion, namespaced, cluster string
	}{
		{"the Policy WG's API by default", nil, "wgpolicyk8s.io/v1alpha2", "PolicyReport", "ClusterPolicyReport"},
		{"OpenReports when asked", []string{"--report-api", "openreports"}, "openreports.io/v1alpha1", "Report", "ClusterReport"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			file := filepath.Join(t.TempDir(), "reports.yaml")
			before := time.Now().Unix()
			code, out, errOut := run(t, append([]string{"scan", example, "-o", "text", "-o", "policyreport=" + file}, tt.flags...)...)
			if code != 1 || !strings.Contains(out, "Summary:") {
				t.Fatalf("exit %d, want 1 with the text report on stdout; stderr: %s", code, errOut)
			}
			docs := readPolicyReports(t, file)
			fails, clusterReports := 0, 0
			for _, d := range docs {
				if d.APIVersion != tt.apiVersion || (d.Kind != tt.namespaced && d.Kind != tt.cluster) {
					t.Errorf("report %s is a %s %s, want %s %s or %s", d.Metadata.Name, d.APIVersion, d.Kind, tt.apiVersion, tt.namespaced, tt.cluster)
				}
				wantName := "palisade-cluster"
				if d.Kind == tt.namespaced {
					wantName = "palisade-" + d.Metadata.Namespace
				}
				if (d.Kind == tt.namespaced) != (d.Metadata.Namespace != "") || d.Metadata.Name != wantName {
					t.Errorf("%s named %s in namespace %q", d.Kind, d.Metadata.Name, d.Metadata.Namespace)
				}
				if d.Metadata.Labels["app.kubernetes.io/managed-by"] != "palisade" {
					t.Errorf("%s %s is not labelled as managed by palisade: %v", d.Kind, d.Metadata.Name, d.Metadata.Labels)
				}
				if d.Kind == tt.cluster {
					clusterReports++
				}
				for _, r := range d.Results {
					if r.Result == "fail" {
						fails++
					}
					if r.Timestamp.Seconds < before || r.Timestamp.Seconds > time.Now().Unix() {
						t.Errorf("a result of %s is stamped %d, not the time of the run", d.Metadata.Name, r.Timestamp.Seconds)
					}
				}
			}
			if clusterReports != 1 || len(docs) < 2 {
				t.Errorf("%d reports, %d of them cluster reports; want one cluster report and the namespaces'", len(docs), clusterReports)
			}
			if fails != len(rep.Findings) {
				t.Errorf("%d fail results, want one per finding: %d", fails, len(rep.Findings))
			}
		})
	}
}

// TestClusterPolicyReportNamesLiveObjectsByUID scans a pod of the test cluster with
// -o policyreport: its result is in its namespace's report and names the pod by its UID too,
// which tells it from a later pod of the same name.
func TestClusterPolicyReportNamesLiveObjectsByUID(t *testing.T) {
	c := testCluster.Require(t)
	ns := c.NewNamespace(t)
	privileged := true
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "root", Namespace: ns}, Spec: corev1.PodSpec{Containers: []corev1.Container{{
		Name: "app", Image: "registry.example/app:1", SecurityContext: &corev1.SecurityContext{Privileged: &privileged}}}}}
	created, err := c.Client(testcluster.Admin).CoreV1().Pods(ns).Create(context.Background(), pod, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "reports.yaml")
	code, _, errOut := run(t, "cluster", "--kubeconfig", c.Kubeconfig(), "--context", testcluster.Auditor, "-n", ns, "--rule", "pod/privileged", "-o", "policyreport="+file)
	if code != 1 {
		t.Fatalf("exit %d, want 1; stderr: %s", code, errOut)
	}
	var uids []string
	for _, d := range readPolicyReports(t, file) {
		for _, r := range d.Results {
			for _, o := range r.Resources {
				if o.Kind == "Pod" && o.Name == "root" {
					if d.Metadata.Namespace != ns {
						t.Errorf("the pod's result is in %s %s, not in its namespace's report", d.Kind, d.Metadata.Name)
					}
					uids = append(uids, o.UID)
				}
			}
		}
	}
	if len(uids) != 1 || uids[0] != string(created.UID) {
		t.Errorf("the pod's results name UIDs %q, want the one result to name %s", uids, created.UID)
	}
}
