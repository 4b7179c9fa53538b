package cli_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"

	"palisade.dev/palisade/internal/cli"
	"palisade.dev/palisade/internal/testapply"
	"palisade.dev/palisade/internal/testcluster"
)

func TestOperatorRefusesBadFlags(t *testing.T) {
	t.Setenv("POD_NAMESPACE", "")
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"an unknown report API", []string{"--report-api", "kyverno", "--lease-namespace", "x"}, "--report-api"},
		{"an unknown log level", []string{"--log-level", "loud", "--lease-namespace", "x"}, "--log-level"},
		{"no lease namespace outside a pod", []string{"--kubeconfig", filepath.Join(t.TempDir(), "none")}, "--lease-namespace is required"},
		{"an unknown rule", []string{"--rule", "pod/nope", "--lease-namespace", "x"}, "pod/nope"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, errOut := run(t, append([]string{"operator"}, tt.args...)...)
			if code == 0 || !strings.Contains(errOut, tt.want) {
				t.Errorf("exit %d, stderr %q; want an error naming %q", code, errOut, tt.want)
			}
		})
	}
}

// TestOperatorCommandKeepsTheReports runs palisade operator as a user would, from outside
// the cluster with a kubeconfig and --rule: once /readyz answers, the namespace's
// PolicyReport holds the selected rule's results and no other rule's; SIGTERM stops it with
// exit code 0.
func TestOperatorCommandKeepsTheReports(t *testing.T) {
	c := testCluster.Require(t)
	ctx := context.Background()
	crds := []string{
		filepath.Join("..", "..", "deploy", "operator", "crds", "wgpolicyk8s.io_policyreports.yaml"),
		filepath.Join("..", "..", "deploy", "operator", "crds", "wgpolicyk8s.io_clusterpolicyreports.yaml"),
	}
	if applied, err := testapply.Apply(ctx, c.Config(testcluster.Admin), crds, 2); err != nil || len(applied.Rejected) > 0 {
		t.Fatalf("installing the CRDs: %v %v", err, applied.Rejected)
	}
	ns := c.NewNamespace(t)
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "root"}, Spec: corev1.PodSpec{Containers: []corev1.Container{{
		Name: "app", Image: "registry.example/app:1.0", SecurityContext: &corev1.SecurityContext{Privileged: new(true)},
	}}}}
	if _, err := c.Client(testcluster.Admin).CoreV1().Pods(ns).Create(ctx, pod, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	addr := freeAddr(t)
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	var errOut bytes.Buffer
	exited := make(chan int, 1)
	go func() {
		exited <- cli.Execute(runCtx, []string{"operator", "--kubeconfig", c.Kubeconfig(), "--context", testcluster.Admin,
			"--lease-namespace", ns, "--identity", "cli-test", "--listen", addr, "--rule", "pod/privileged"},
			cli.Streams{In: strings.NewReader(""), Out: &bytes.Buffer{}, Err: &errOut})
	}()
	ready := false
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline) && !ready; time.Sleep(50 * time.Millisecond) {
		resp, err := http.Get(fmt.Sprintf("http://%s/readyz", addr))
		if err == nil {
			resp.Body.Close()
			ready = resp.StatusCode == http.StatusOK
		}
	}
	if !ready {
		stop()
		<-exited
		t.Fatalf("the operator never became ready: %s", errOut.String())
	}
	gvr := schema.GroupVersionResource{Group: "wgpolicyk8s.io", Version: "v1alpha2", Resource: "policyreports"}
	u, err := dynamic.NewForConfigOrDie(c.Config(testcluster.Admin)).Resource(gvr).Namespace(ns).Get(ctx, "palisade-"+ns, metav1.GetOptions{})
	if err != nil {
		t.Fatalf("the namespace's report: %v", err)
	}
	results, _, _ := unstructured.NestedSlice(u.Object, "results")
	var policies []string
	for _, r := range results {
		policies = append(policies, fmt.Sprint(r.(map[string]any)["policy"]))
	}
	if policies = slices.Compact(policies); len(policies) == 0 || slices.ContainsFunc(policies, func(p string) bool { return p != "pod/privileged" }) {
		t.Errorf("the report's results are of %v, want pod/privileged only", policies)
	}
	stop()
	select {
	case code := <-exited:
		if code != 0 {
			t.Errorf("exit code %d after SIGTERM, want 0: %s", code, errOut.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the operator did not stop")
	}
}
