package operator_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"

	"palisade.dev/palisade/internal/operator"
	"palisade.dev/palisade/internal/report"
	"palisade.dev/palisade/internal/rules"
	"palisade.dev/palisade/internal/rules/builtin"
	"palisade.dev/palisade/internal/source/manifest"
	"palisade.dev/palisade/internal/testapply"
	"palisade.dev/palisade/internal/testcluster"
)

var testCluster testcluster.Shared

func TestMain(m *testing.M) { os.Exit(testCluster.Main(m)) }

// operatorUser is the identity the tests run the operator as, holding deploy/operator's roles.
const operatorUser = "palisade-operator-test"

var (
	policyReports        = schema.GroupVersionResource{Group: "wgpolicyk8s.io", Version: "v1alpha2", Resource: "policyreports"}
	clusterPolicyReports = schema.GroupVersionResource{Group: "wgpolicyk8s.io", Version: "v1alpha2", Resource: "clusterpolicyreports"}
	openReports          = schema.GroupVersionResource{Group: "openreports.io", Version: "v1alpha1", Resource: "reports"}
	crds                 = schema.GroupVersionResource{Group: "apiextensions.k8s.io", Version: "v1", Resource: "customresourcedefinitions"}
)

// deployRoles reads the ClusterRole and the Role of deploy/operator/rbac.yaml.
func deployRoles(t *testing.T) (*rbacv1.ClusterRole, *rbacv1.Role) {
	t.Helper()
	loaded := manifest.Load(context.Background(), []string{filepath.Join("..", "..", "deploy", "operator", "rbac.yaml")}, manifest.Options{})
	if len(loaded.Errors) > 0 {
		t.Fatal(loaded.Errors)
	}
	cr := loaded.Inventory.Get("ClusterRole", "", "palisade-operator")
	role := loaded.Inventory.Get("Role", "palisade-operator", "palisade-operator-leader-election")
	if cr == nil || role == nil {
		t.Fatal("deploy/operator/rbac.yaml lacks the ClusterRole palisade-operator or the Role palisade-operator-leader-election")
	}
	return cr.Typed.(*rbacv1.ClusterRole), role.Typed.(*rbacv1.Role)
}

// operatorConfig grants operatorUser deploy/operator's roles (the Lease's in leaseNS) and
// returns a client configuration of that identity.
func operatorConfig(t *testing.T, c *testcluster.Cluster, leaseNS string) *rest.Config {
	t.Helper()
	ctx := context.Background()
	admin := c.Client(testcluster.Admin)
	clusterRole, role := deployRoles(t)
	clusterRole = &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: operatorUser}, Rules: clusterRole.Rules}
	if _, err := admin.RbacV1().ClusterRoles().Create(ctx, clusterRole, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatal(err)
	}
	subjects := []rbacv1.Subject{{APIGroup: rbacv1.GroupName, Kind: rbacv1.UserKind, Name: operatorUser}}
	binding := &rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: operatorUser}, Subjects: subjects,
		RoleRef: rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: operatorUser}}
	if _, err := admin.RbacV1().ClusterRoleBindings().Create(ctx, binding, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatal(err)
	}
	leaseRole := &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Name: "leader-election", Namespace: leaseNS}, Rules: role.Rules}
	if _, err := admin.RbacV1().Roles(leaseNS).Create(ctx, leaseRole, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	leaseBinding := &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "leader-election", Namespace: leaseNS}, Subjects: subjects,
		RoleRef: rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: leaseRole.Name}}
	if _, err := admin.RbacV1().RoleBindings(leaseNS).Create(ctx, leaseBinding, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	cert, key, err := c.ClientCert(operatorUser)
	if err != nil {
		t.Fatal(err)
	}
	cfg := rest.AnonymousClientConfig(c.Config(testcluster.Admin))
	cfg.CertData, cfg.KeyData = cert, key
	cfg.QPS, cfg.Burst = 200, 400
	return cfg
}

// installCRDs creates the CRDs of deploy/operator/crds named by files and waits until the
// API server serves them.
func installCRDs(t *testing.T, c *testcluster.Cluster, gv string, files ...string) {
	t.Helper()
	var paths []string
	for _, f := range files {
		paths = append(paths, filepath.Join("..", "..", "deploy", "operator", "crds", f))
	}
	applied, err := testapply.Apply(context.Background(), c.Config(testcluster.Admin), paths, 2)
	if err != nil || len(applied.Rejected) > 0 {
		t.Fatalf("installing %v: %v %v", files, err, applied.Rejected)
	}
	disc := c.Client(testcluster.Admin).Discovery()
	eventually(t, 30*time.Second, "the API server serves "+gv, func() error {
		_, err := disc.ServerResourcesForGroupVersion(gv)
		return err
	})
}

// eventually calls check until it returns nil, failing t with its last error after timeout.
func eventually(t *testing.T, timeout time.Duration, what string, check func() error) time.Duration {
	t.Helper()
	start := time.Now()
	for {
		err := check()
		if err == nil {
			return time.Since(start)
		}
		if time.Since(start) > timeout {
			t.Fatalf("%s: not within %s: %v", what, timeout, err)
		}
		time.Sleep(25 * time.Millisecond)
	}
}

// running is an operator started by a test.
type running struct {
	*operator.Operator
	cancel context.CancelFunc
	done   chan struct{}
}

// stop ends the operator and waits for Run to return.
func (r *running) stop() {
	r.cancel()
	<-r.done
}

// start runs an operator as operatorUser, with short timings, until the test ends.
func start(t *testing.T, cfg *rest.Config, identity, leaseNS string, api report.ReportAPI, keepLease bool) *running {
	t.Helper()
	catalog, err := builtin.Catalog()
	if err != nil {
		t.Fatal(err)
	}
	op, err := operator.New(operator.Config{
		Rest: cfg, Context: "test", Catalog: catalog, Rules: rules.Options{PSSVersion: "latest", Patches: rules.NoPatches},
		ReportAPI: api, Settle: 20 * time.Millisecond, Retry: 200 * time.Millisecond,
		Lease: operator.Lease{Namespace: leaseNS, Name: "palisade-operator", Identity: identity,
			Duration: 2 * time.Second, RenewDeadline: 1500 * time.Millisecond, RetryPeriod: 200 * time.Millisecond, KeepOnExit: keepLease},
		Log:     slog.New(slog.NewJSONHandler(io.Discard, nil)),
		Metrics: operator.NewMetrics(),
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{Operator: op, cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(r.done)
		if err := op.Run(ctx); err != nil {
			t.Errorf("operator %s: %v", identity, err)
		}
	}()
	t.Cleanup(r.stop)
	return r
}

// result is one result of a report: the rule and the object it is about.
type result struct{ rule, kind, name, outcome string }

// reportResults reads the namespace report of ns and returns its results; nil when there is
// no report.
func reportResults(ctx context.Context, dyn dynamic.Interface, gvr schema.GroupVersionResource, ns string) ([]result, error) {
	u, err := dyn.Resource(gvr).Namespace(ns).Get(ctx, "palisade-"+ns, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	items, _, _ := unstructured.NestedSlice(u.Object, "results")
	var out []result
	for _, it := range items {
		m, _ := it.(map[string]any)
		r := result{outcome: fmt.Sprint(m["result"])}
		r.rule, _ = m["policy"].(string)
		if refs, _ := m["resources"].([]any); len(refs) > 0 {
			ref, _ := refs[0].(map[string]any)
			r.kind, _ = ref["kind"].(string)
			r.name, _ = ref["name"].(string)
		}
		out = append(out, r)
	}
	return out, nil
}

// about returns the results about the object kind/name.
func about(rs []result, kind, name string) []result {
	var out []result
	for _, r := range rs {
		if r.kind == kind && r.name == name {
			out = append(out, r)
		}
	}
	return out
}

func hasRule(rs []result, rule string) bool {
	return slices.ContainsFunc(rs, func(r result) bool { return r.rule == rule })
}

// deployment is a Deployment of one container, privileged or not.
func deployment(name string, privileged bool) *appsv1.Deployment {
	labels := map[string]string{"app": name}
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: appsv1.DeploymentSpec{
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{
					Name: "app", Image: "registry.example/app:1.0",
					SecurityContext: &corev1.SecurityContext{Privileged: &privileged},
				}}},
			},
		},
	}
}

// TestOperatorKeepsTheReportsEqualToTheCluster creates, changes and deletes a workload
// through the API, with the operator running as deploy/operator's identity: each change is
// in the namespace's PolicyReport within seconds, and a deleted object's results vanish.
func TestOperatorKeepsTheReportsEqualToTheCluster(t *testing.T) {
	c := testCluster.Require(t)
	ctx := context.Background()
	installCRDs(t, c, "wgpolicyk8s.io/v1alpha2", "wgpolicyk8s.io_policyreports.yaml", "wgpolicyk8s.io_clusterpolicyreports.yaml")
	leaseNS, ns := c.NewNamespace(t), c.NewNamespace(t)
	op := start(t, operatorConfig(t, c, leaseNS), "replica-a", leaseNS, report.PolicyReportAPI, false)
	eventually(t, 30*time.Second, "the operator is ready and leads", func() error {
		if !op.Leading() {
			return fmt.Errorf("not leading")
		}
		return op.Ready()
	})
	dyn := dynamic.NewForConfigOrDie(c.Config(testcluster.Admin))
	apps := c.Client(testcluster.Admin).AppsV1().Deployments(ns)
	if _, err := dyn.Resource(clusterPolicyReports).Get(ctx, "palisade-cluster", metav1.GetOptions{}); err != nil {
		t.Fatalf("the cluster report: %v", err)
	}

	tests := []struct {
		name   string
		change func() error
		check  func(rs []result) error
	}{
		{"a created privileged Deployment fails in its namespace's report", func() error {
			_, err := apps.Create(ctx, deployment("web", true), metav1.CreateOptions{})
			return err
		}, func(rs []result) error {
			if !hasRule(about(rs, "Deployment", "web"), "pod/privileged") {
				return fmt.Errorf("no pod/privileged result about Deployment web in %v", rs)
			}
			return nil
		}},
		{"a Deployment changed to drop privileged no longer fails that rule", func() error {
			d, err := apps.Get(ctx, "web", metav1.GetOptions{})
			if err != nil {
				return err
			}
			d.Spec.Template.Spec.Containers[0].SecurityContext.Privileged = new(false)
			_, err = apps.Update(ctx, d, metav1.UpdateOptions{})
			return err
		}, func(rs []result) error {
			mine := about(rs, "Deployment", "web")
			if len(mine) == 0 || hasRule(mine, "pod/privileged") {
				return fmt.Errorf("want results about Deployment web, none of pod/privileged: %v", mine)
			}
			return nil
		}},
		{"a deleted Deployment's results vanish", func() error {
			return apps.Delete(ctx, "web", metav1.DeleteOptions{})
		}, func(rs []result) error {
			if mine := about(rs, "Deployment", "web"); len(mine) > 0 {
				return fmt.Errorf("results about the deleted Deployment remain: %v", mine)
			}
			return nil
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.change(); err != nil {
				t.Fatal(err)
			}
			took := eventually(t, 10*time.Second, "the report follows", func() error {
				rs, err := reportResults(ctx, dyn, policyReports, ns)
				if err != nil {
					return err
				}
				return tt.check(rs)
			})
			t.Logf("in the report after %s", took.Round(time.Millisecond))
		})
	}
}

// get serves one GET of the operator's handler.
func get(op *running, path string) (int, string) {
	rec := httptest.NewRecorder()
	op.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
	return rec.Code, rec.Body.String()
}

// metric returns the value of the first sample of the series that starts with prefix.
func metric(text, prefix string) (float64, bool) {
	for _, line := range strings.Split(text, "\n") {
		if strings.HasPrefix(line, prefix) {
			var v float64
			if _, err := fmt.Sscan(line[strings.LastIndexByte(line, ' ')+1:], &v); err == nil {
				return v, true
			}
		}
	}
	return 0, false
}

// TestOperatorServesMetricsAndHealth reads /metrics, /healthz and /readyz of a leading
// operator: the findings of a namespace by rule and severity, the objects watched, the scan
// durations, the leader gauge.
func TestOperatorServesMetricsAndHealth(t *testing.T) {
	c := testCluster.Require(t)
	ctx := context.Background()
	installCRDs(t, c, "wgpolicyk8s.io/v1alpha2", "wgpolicyk8s.io_policyreports.yaml", "wgpolicyk8s.io_clusterpolicyreports.yaml")
	leaseNS, ns := c.NewNamespace(t), c.NewNamespace(t)
	if _, err := c.Client(testcluster.Admin).AppsV1().Deployments(ns).Create(ctx, deployment("web", true), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	op := start(t, operatorConfig(t, c, leaseNS), "replica-m", leaseNS, report.PolicyReportAPI, false)
	if code, body := get(op, "/healthz"); code != http.StatusOK {
		t.Errorf("/healthz: %d %s", code, body)
	}
	eventually(t, 30*time.Second, "the operator is ready and leads", func() error {
		if !op.Leading() {
			return fmt.Errorf("not leading")
		}
		return op.Ready()
	})
	if code, body := get(op, "/readyz"); code != http.StatusOK {
		t.Errorf("/readyz of a ready operator: %d %s", code, body)
	}
	_, text := get(op, "/metrics")
	tests := []struct {
		name   string
		series string
		min    float64
	}{
		{"the privileged Deployment's finding, by rule, severity and namespace", `palisade_findings{namespace="` + ns + `",rule="pod/privileged",severity="critical"}`, 1},
		{"the objects the informers hold", "palisade_objects_watched ", 10},
		{"the evaluations timed", `palisade_scan_duration_seconds_count{trigger="start"}`, 1},
		{"this replica leads", "palisade_leader ", 1},
		{"reports were applied", `palisade_report_writes_total{operation="apply"}`, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, ok := metric(text, tt.series)
			if !ok || v < tt.min {
				t.Errorf("%s = %v (present %v), want at least %v", tt.series, v, ok, tt.min)
			}
		})
	}
	if v, ok := metric(text, `palisade_report_write_errors_total{operation="apply"}`); !ok || v != 0 {
		t.Errorf("write errors: %v (present %v), want a series at 0", v, ok)
	}
}

// TestOperatorLeaderHandsOver runs two replicas; the leader dies without releasing its Lease,
// as a crashed pod does. The other takes over once the Lease expires, a change made meanwhile
// reaches the report, and the namespace still has one report, each result once.
func TestOperatorLeaderHandsOver(t *testing.T) {
	c := testCluster.Require(t)
	ctx := context.Background()
	installCRDs(t, c, "wgpolicyk8s.io/v1alpha2", "wgpolicyk8s.io_policyreports.yaml", "wgpolicyk8s.io_clusterpolicyreports.yaml")
	leaseNS, ns := c.NewNamespace(t), c.NewNamespace(t)
	// Reports the new leader finds written, unchanged, and need not write again.
	for range 3 {
		if _, err := c.Client(testcluster.Admin).AppsV1().Deployments(c.NewNamespace(t)).Create(ctx, deployment("web", true), metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	cfg := operatorConfig(t, c, leaseNS)
	replicas := []*running{
		start(t, cfg, "replica-1", leaseNS, report.PolicyReportAPI, true),
		start(t, cfg, "replica-2", leaseNS, report.PolicyReportAPI, true),
	}
	var leader, follower *running
	eventually(t, 30*time.Second, "one replica leads and is ready", func() error {
		for i, r := range replicas {
			if r.Leading() && r.Ready() == nil {
				leader, follower = r, replicas[1-i]
				return nil
			}
		}
		return fmt.Errorf("no ready leader")
	})
	if follower.Leading() {
		t.Fatal("both replicas lead")
	}
	eventually(t, 30*time.Second, "the follower is ready to take over", follower.Ready)

	leader.stop()
	killed := time.Now()
	apps := c.Client(testcluster.Admin).AppsV1().Deployments(ns)
	if _, err := apps.Create(ctx, deployment("during-handover", true), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	dyn := dynamic.NewForConfigOrDie(c.Config(testcluster.Admin))
	eventually(t, 20*time.Second, "the new leader reports the change", func() error {
		rs, err := reportResults(ctx, dyn, policyReports, ns)
		if err != nil {
			return err
		}
		if !hasRule(about(rs, "Deployment", "during-handover"), "pod/privileged") {
			return fmt.Errorf("no pod/privileged result about the Deployment")
		}
		return nil
	})
	t.Logf("handed over and reported %s after the leader died (lease of 2 s)", time.Since(killed).Round(time.Millisecond))
	if !follower.Leading() {
		t.Error("the follower does not lead")
	}
	list, err := dyn.Resource(policyReports).Namespace(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Items) != 1 {
		t.Errorf("%d policy reports in the namespace, want 1", len(list.Items))
	}
	rs, err := reportResults(ctx, dyn, policyReports, ns)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[result]int{}
	for _, r := range rs {
		seen[r]++
	}
	for r, n := range seen {
		if n > 1 {
			t.Errorf("result %+v appears %d times", r, n)
		}
	}
	if got := follower.Leading(); !got {
		t.Error("the new leader stopped leading")
	}
	// The new leader read the digests of the reports there and wrote only what changed.
	all, err := dyn.Resource(policyReports).List(ctx, metav1.ListOptions{LabelSelector: "app.kubernetes.io/managed-by=palisade"})
	if err != nil {
		t.Fatal(err)
	}
	_, text := get(follower, "/metrics")
	applied, _ := metric(text, `palisade_report_writes_total{operation="apply"}`)
	if len(all.Items) < 4 || applied >= float64(len(all.Items)) {
		t.Errorf("the new leader applied %v reports of the %d there; want fewer: only those that changed", applied, len(all.Items))
	}
}

// TestOperatorWaitsForTheReportAPI starts an operator that writes OpenReports before their
// definitions are installed: /readyz says which to install, and once they are, the reports
// appear without a restart.
func TestOperatorWaitsForTheReportAPI(t *testing.T) {
	c := testCluster.Require(t)
	ctx := context.Background()
	dyn := dynamic.NewForConfigOrDie(c.Config(testcluster.Admin))
	t.Cleanup(func() {
		for _, name := range []string{"reports.openreports.io", "clusterreports.openreports.io"} {
			if err := dyn.Resource(crds).Delete(ctx, name, metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) {
				t.Errorf("deleting %s: %v", name, err)
			}
		}
	})
	if _, err := c.Client(testcluster.Admin).Discovery().ServerResourcesForGroupVersion("openreports.io/v1alpha1"); err == nil {
		t.Fatal("the cluster serves openreports.io before the test installs it")
	}
	leaseNS, ns := c.NewNamespace(t), c.NewNamespace(t)
	if _, err := c.Client(testcluster.Admin).AppsV1().Deployments(ns).Create(ctx, deployment("web", true), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	op := start(t, operatorConfig(t, c, leaseNS), "replica-r", leaseNS, report.OpenReportsAPI, false)
	eventually(t, 30*time.Second, "the operator says the API is missing", func() error {
		code, body := get(op, "/readyz")
		if code != http.StatusServiceUnavailable || !strings.Contains(body, "install the CustomResourceDefinition reports.openreports.io") {
			return fmt.Errorf("/readyz: %d %q", code, body)
		}
		return nil
	})
	installCRDs(t, c, "openreports.io/v1alpha1", "openreports.io_reports.yaml", "openreports.io_clusterreports.yaml")
	eventually(t, 30*time.Second, "the operator writes the reports once the API is served", func() error {
		if err := op.Ready(); err != nil {
			return err
		}
		rs, err := reportResults(ctx, dyn, openReports, ns)
		if err != nil {
			return err
		}
		if !hasRule(about(rs, "Deployment", "web"), "pod/privileged") {
			return fmt.Errorf("no pod/privileged result about the Deployment in %v", rs)
		}
		return nil
	})
}
