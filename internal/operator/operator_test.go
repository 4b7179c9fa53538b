package operator_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
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

// privilegedRule is the rule a privileged container breaks, found by its findings rather
// than named here: the first rule that reports the privileged Deployment and not the other.
const privilegedPath = "privileged"

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

var _ = sync.Mutex{}
var _ = strings.Contains
