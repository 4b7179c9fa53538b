package cluster_test

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"net"
	"os"
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
	"k8s.io/utils/ptr"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/inventory"
	"palisade.dev/palisade/internal/rules/builtin"
	"palisade.dev/palisade/internal/scan"
	"palisade.dev/palisade/internal/source/cluster"
	"palisade.dev/palisade/internal/testcluster"
)

// auditEverything logs every request at Metadata level: the proof that a scan only reads.
const auditEverything = `apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [RequestReceived]
rules:
- level: Metadata
`

var testCluster = testcluster.Shared{Options: testcluster.Options{AuditPolicy: auditEverything}}

func TestMain(m *testing.M) { os.Exit(testCluster.Main(m)) }

// listed lists what the built-in rules read, as palisade cluster does.
func listed(t testing.TB, o cluster.Options) cluster.Options {
	t.Helper()
	c, err := builtin.Catalog()
	if err != nil {
		t.Fatal(err)
	}
	o.Kinds, _ = scan.ClusterKinds(c.All())
	o.PodTemplates, o.ControlPlane = true, true
	return o
}

// created returns obj, failing t when creating it failed.
func created[T any](t *testing.T) func(obj T, err error) T {
	return func(obj T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatalf("creating %T: %v", obj, err)
		}
		return obj
	}
}

// podSpec is a small pod spec the API server accepts.
func podSpec() corev1.PodSpec {
	return corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "registry.example/app:1.0"}}}
}

func TestScanListsWhatTheRulesReadOnceEach(t *testing.T) {
	c := testCluster.Require(t)
	ctx := context.Background()
	ns := c.NewNamespace(t)
	admin := c.Client(testcluster.Admin)
	labels := map[string]string{"app": "web"}
	dep := created[*appsv1.Deployment](t)(admin.AppsV1().Deployments(ns).Create(ctx, &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "web"},
		Spec: appsv1.DeploymentSpec{
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels}, Spec: podSpec()},
		},
	}, metav1.CreateOptions{}))
	// What the Deployment controller would create: a ReplicaSet it controls, and a Pod the
	// ReplicaSet controls.
	rs := created[*appsv1.ReplicaSet](t)(admin.AppsV1().ReplicaSets(ns).Create(ctx, &appsv1.ReplicaSet{
		ObjectMeta: metav1.ObjectMeta{Name: "web-1", OwnerReferences: []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "Deployment", Name: dep.Name, UID: dep.UID, Controller: ptr.To(true)}}},
		Spec: appsv1.ReplicaSetSpec{
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels}, Spec: podSpec()},
		},
	}, metav1.CreateOptions{}))
	created[*corev1.Pod](t)(admin.CoreV1().Pods(ns).Create(ctx, &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "web-1-abcde", OwnerReferences: []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: rs.Name, UID: rs.UID, Controller: ptr.To(true)}}},
		Spec:       podSpec(),
	}, metav1.CreateOptions{}))
	created[*corev1.Pod](t)(admin.CoreV1().Pods(ns).Create(ctx, &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "debug"}, Spec: podSpec()}, metav1.CreateOptions{}))
	created[*corev1.Secret](t)(admin.CoreV1().Secrets(ns).Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "db"}, StringData: map[string]string{"password": "hunter2"}}, metav1.CreateOptions{}))
	createPodTemplateCR(t, c, ns)

	res := cluster.Scan(ctx, c.Config(testcluster.Auditor), listed(t, cluster.Options{Context: "test", Namespace: ns}))
	if len(res.Errors) > 0 {
		t.Fatalf("scan errors: %v", res.Errors)
	}
	var got []string
	for _, o := range res.Inventory.Objects() {
		got = append(got, o.GVK.Kind+"/"+o.Name)
		if o.Origin.Cluster != "test" {
			t.Errorf("%s/%s: origin cluster %q, want test", o.GVK.Kind, o.Name, o.Origin.Cluster)
		}
	}
	slices.Sort(got)
	want := []string{"ConfigMap/kube-root-ca.crt", "Deployment/web", "Namespace/" + ns, "Pod/debug", "ServiceAccount/default", "Widget/batch-1"}
	if !slices.Equal(got, want) {
		t.Errorf("objects read:\n got %v\nwant %v", got, want)
	}
	if res.Skipped != 2 {
		t.Errorf("skipped %d objects owned by scanned controllers, want 2 (the ReplicaSet and its Pod)", res.Skipped)
	}
	cr := res.Inventory.Get("Widget", ns, "batch-1")
	if cr == nil {
		t.Fatal("the custom resource with a pod template was not read")
	}
	if pod, ok := inventory.PodTemplateOf(cr); !ok || pod.SpecPath != "spec.template.spec" || pod.Spec.Containers[0].Image != "registry.example/batch:2" {
		t.Errorf("custom resource's pod template = %+v, %v", pod, ok)
	}
}

// createPodTemplateCR creates a CustomResourceDefinition whose objects run pods, and one such
// object in ns.
func createPodTemplateCR(t *testing.T, c *testcluster.Cluster, ns string) {
	t.Helper()
	ctx := context.Background()
	crdJSON := `{"apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition",
	"metadata":{"name":"widgets.example.com"},
	"spec":{"group":"example.com","scope":"Namespaced","names":{"plural":"widgets","singular":"widget","kind":"Widget","listKind":"WidgetList"},
	"versions":[{"name":"v1","served":true,"storage":true,"schema":{"openAPIV3Schema":{"type":"object","properties":{"spec":{"type":"object","properties":{"template":{"type":"object","properties":{"spec":{"type":"object","properties":{"containers":{"type":"array","items":{"type":"object","properties":{"name":{"type":"string"},"image":{"type":"string"}}}}}}}}}}}}}}]}}`
	var crd unstructured.Unstructured
	if err := json.Unmarshal([]byte(crdJSON), &crd.Object); err != nil {
		t.Fatal(err)
	}
	dyn := dynamic.NewForConfigOrDie(c.Config(testcluster.Admin))
	crdGVR := schema.GroupVersionResource{Group: "apiextensions.k8s.io", Version: "v1", Resource: "customresourcedefinitions"}
	if _, err := dyn.Resource(crdGVR).Create(ctx, &crd, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatalf("creating the CRD: %v", err)
	}
	// The auditor may read Widgets, as an operator would grant a scanner for the custom
	// resources it should check.
	admin := c.Client(testcluster.Admin)
	role := &rbacv1.ClusterRole{
		ObjectMeta: metav1.ObjectMeta{Name: "read-widgets"},
		Rules:      []rbacv1.PolicyRule{{Verbs: []string{"get", "list", "watch"}, APIGroups: []string{"example.com"}, Resources: []string{"widgets"}}},
	}
	if _, err := admin.RbacV1().ClusterRoles().Create(ctx, role, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatal(err)
	}
	binding := &rbacv1.ClusterRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: "read-widgets"},
		RoleRef:    rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "ClusterRole", Name: "read-widgets"},
		Subjects:   []rbacv1.Subject{{Kind: "User", Name: testcluster.Auditor}},
	}
	if _, err := admin.RbacV1().ClusterRoleBindings().Create(ctx, binding, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatal(err)
	}
	gvr := schema.GroupVersionResource{Group: "example.com", Version: "v1", Resource: "widgets"}
	cr := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "example.com/v1", "kind": "Widget",
		"metadata": map[string]any{"name": "batch-1"},
		"spec": map[string]any{"template": map[string]any{"spec": map[string]any{
			"containers": []any{map[string]any{"name": "batch", "image": "registry.example/batch:2"}},
		}}},
	}}
	// The CRD is served once it is established, within a second or two.
	deadline := time.Now().Add(30 * time.Second)
	for {
		_, err := dyn.Resource(gvr).Namespace(ns).Create(ctx, cr, metav1.CreateOptions{})
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("creating a Widget: %v", err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func TestScanObservesTheCluster(t *testing.T) {
	c := testCluster.Require(t)
	tests := []struct {
		name  string
		user  string
		admin bool
	}{
		{name: "the auditor is not cluster-admin", user: testcluster.Auditor},
		{name: "a system:masters user is cluster-admin", user: testcluster.Admin, admin: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ns := c.NewNamespace(t)
			res := cluster.Scan(context.Background(), c.Config(tc.user), listed(t, cluster.Options{Context: "test", Namespace: ns}))
			facts := res.Inventory.Cluster
			if facts.Version != "v1.37.2" {
				t.Errorf("Version = %q, want v1.37.2", facts.Version)
			}
			if facts.Server != c.Server || facts.Context != "test" {
				t.Errorf("Server, Context = %q, %q", facts.Server, facts.Context)
			}
			if !facts.ServesGroupVersion("rbac.authorization.k8s.io/v1") {
				t.Errorf("discovery does not list rbac.authorization.k8s.io/v1: %v", facts.APIGroupVersions)
			}
			id := facts.Identity
			if id.User != tc.user || !id.Checked || id.ClusterAdmin != tc.admin {
				t.Errorf("Identity = %+v, want user %s, checked, cluster-admin %v", id, tc.user, tc.admin)
			}
			if len(facts.Anonymous) != len(cluster.AnonymousPaths) {
				t.Fatalf("anonymous probes = %+v", facts.Anonymous)
			}
			for _, p := range facts.Anonymous {
				if p.Status != 401 {
					t.Errorf("anonymous GET %s = %d %s, want 401 (anonymous auth is off)", p.Path, p.Status, p.Error)
				}
			}
		})
	}
}

func TestScanReportsCoverageGaps(t *testing.T) {
	c := testCluster.Require(t)
	ctx := context.Background()
	open, closed := c.NewNamespace(t), c.NewNamespace(t)
	admin := c.Client(testcluster.Admin)
	// A team member who may read workloads in one namespace only, and NetworkPolicies nowhere.
	cert, key, err := c.ClientCert("team-member")
	if err != nil {
		t.Fatal(err)
	}
	created[*rbacv1.Role](t)(admin.RbacV1().Roles(open).Create(ctx, &rbacv1.Role{
		ObjectMeta: metav1.ObjectMeta{Name: "reader"},
		Rules: []rbacv1.PolicyRule{
			{Verbs: []string{"get", "list"}, APIGroups: []string{""}, Resources: []string{"pods", "serviceaccounts", "resourcequotas", "limitranges", "configmaps", "podtemplates", "replicationcontrollers"}},
			{Verbs: []string{"get", "list"}, APIGroups: []string{"apps", "batch"}, Resources: []string{"*"}},
		},
	}, metav1.CreateOptions{}))
	created[*rbacv1.RoleBinding](t)(admin.RbacV1().RoleBindings(open).Create(ctx, &rbacv1.RoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: "reader"},
		RoleRef:    rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "Role", Name: "reader"},
		Subjects:   []rbacv1.Subject{{Kind: "User", Name: "team-member"}},
	}, metav1.CreateOptions{}))
	created[*corev1.Pod](t)(admin.CoreV1().Pods(open).Create(ctx, &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "visible"}, Spec: podSpec()}, metav1.CreateOptions{}))
	created[*corev1.Pod](t)(admin.CoreV1().Pods(closed).Create(ctx, &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "hidden"}, Spec: podSpec()}, metav1.CreateOptions{}))

	cfg := rest.AnonymousClientConfig(c.Config(testcluster.Admin))
	cfg.CertData, cfg.KeyData = cert, key
	res := cluster.Scan(ctx, cfg, listed(t, cluster.Options{Context: "test", Namespace: open}))
	if res.Inventory.Get("Pod", open, "visible") == nil {
		t.Errorf("the pod the identity may read was not read")
	}
	facts := res.Inventory.Cluster
	if facts.Listed("NetworkPolicy", open) {
		t.Errorf("NetworkPolicy is not reported as a gap in %s: %+v", open, facts.Gaps)
	}
	if !facts.Listed("Pod", open) {
		t.Errorf("Pod is reported as a gap in %s, where it may be listed", open)
	}
	wantError := "forbidden: cannot list networkpolicies.networking.k8s.io in namespace " + open
	if !slices.ContainsFunc(res.Errors, func(e finding.ScanError) bool { return strings.Contains(e.Message, wantError) }) {
		t.Errorf("no error %q among %v", wantError, res.Errors)
	}

	// Across every namespace: the identity may list nothing cluster-wide, so the scan lists
	// namespace by namespace where it can, but it may not list namespaces either.
	all := cluster.Scan(ctx, cfg, listed(t, cluster.Options{Context: "test"}))
	if all.Inventory.Cluster.Listed("Pod", closed) {
		t.Errorf("pods of %s are not reported as a gap", closed)
	}
	if all.Inventory.Get("Pod", closed, "hidden") != nil {
		t.Errorf("read a pod the identity may not read")
	}
}

// auditEvent is the part of an audit.k8s.io/v1 Event the read-only proof reads.
type auditEvent struct {
	Verb       string `json:"verb"`
	RequestURI string `json:"requestURI"`
	User       struct {
		Username string `json:"username"`
	} `json:"user"`
	ObjectRef *struct {
		Resource    string `json:"resource"`
		Subresource string `json:"subresource"`
	} `json:"objectRef"`
}

// TestScanOnlyReads scans the whole cluster as the auditor and proves from the API server's
// audit log that the scan used only get, list and watch (and the reviews that ask who it is
// and what it may do), and never touched a Secret.
func TestScanOnlyReads(t *testing.T) {
	c := testCluster.Require(t)
	ctx := context.Background()
	ns := c.NewNamespace(t)
	admin := c.Client(testcluster.Admin)
	created[*corev1.Secret](t)(admin.CoreV1().Secrets(ns).Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "db"}, StringData: map[string]string{"password": "hunter2"}}, metav1.CreateOptions{}))
	created[*corev1.Pod](t)(admin.CoreV1().Pods(ns).Create(ctx, &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "app"}, Spec: podSpec()}, metav1.CreateOptions{}))
	before, err := os.Stat(c.AuditLog)
	if err != nil {
		t.Fatal(err)
	}
	res := cluster.Scan(ctx, c.Config(testcluster.Auditor), listed(t, cluster.Options{Context: "test"}))
	if len(res.Errors) > 0 {
		t.Fatalf("scan errors: %v", res.Errors)
	}
	if res.Inventory.Get("Pod", ns, "app") == nil {
		t.Fatal("the scan did not read the pod")
	}
	f, err := os.Open(c.AuditLog)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.Seek(before.Size(), 0); err != nil {
		t.Fatal(err)
	}
	reviews := map[string]bool{"selfsubjectaccessreviews": true, "selfsubjectreviews": true}
	verbs := map[string]int{}
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var e auditEvent
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatalf("reading the audit log: %v", err)
		}
		if e.User.Username != testcluster.Auditor && e.User.Username != "system:anonymous" {
			continue
		}
		verbs[e.Verb]++
		resource := ""
		if e.ObjectRef != nil {
			resource = e.ObjectRef.Resource
		}
		if resource == "secrets" {
			t.Errorf("the scan touched secrets: %s %s", e.Verb, e.RequestURI)
		}
		switch {
		case e.Verb == "get", e.Verb == "list", e.Verb == "watch":
		case e.Verb == "create" && reviews[resource]:
		default:
			t.Errorf("the scan did not only read: %s %s as %s", e.Verb, e.RequestURI, e.User.Username)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if verbs["list"] == 0 {
		t.Fatalf("no list request of the scan in the audit log (verbs %v): is the audit policy in effect?", verbs)
	}
	t.Logf("requests of the scan by verb: %v", verbs)
}

func TestScanOfAnUnreachableOrRefusingServer(t *testing.T) {
	c := testCluster.Require(t)
	bad := c.Config(testcluster.Auditor)
	bad.BearerToken = "not-a-token"
	closed := c.Config(testcluster.Auditor)
	closed.Host = "https://127.0.0.1:1"
	// A server that accepts connections and never answers.
	silent, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	go func() {
		for {
			conn, err := silent.Accept()
			if err != nil {
				return
			}
			defer conn.Close()
		}
	}()
	hanging := c.Config(testcluster.Auditor)
	hanging.Host, hanging.Timeout = "https://"+silent.Addr().String(), 300*time.Millisecond
	untrusted := c.Config(testcluster.Auditor)
	untrusted.CAFile, untrusted.CAData = "", otherCA(t)
	tests := []struct {
		name string
		cfg  *rest.Config
		want string
	}{
		{name: "bad credentials", cfg: bad, want: "the server rejected the credentials (401 Unauthorized)"},
		{name: "nothing listens", cfg: closed, want: "cannot reach the server"},
		{name: "the server never answers", cfg: hanging, want: "timed out (raise --request-timeout"},
		{name: "the server's certificate is not trusted", cfg: untrusted, want: "signed by an authority the kubeconfig does not trust"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := cluster.Scan(context.Background(), tc.cfg, listed(t, cluster.Options{Context: "test"}))
			if len(res.Errors) != 1 || !strings.Contains(res.Errors[0].Message, tc.want) {
				t.Fatalf("errors = %v, want exactly one that says %q", res.Errors, tc.want)
			}
			if res.Inventory.Len() != 0 || res.Inventory.Cluster.Listed("Pod", "default") {
				t.Errorf("an unreadable cluster must read nothing and cover nothing")
			}
		})
	}
}

// otherCA is a CA certificate that signed nothing the test cluster serves.
func otherCA(t *testing.T) []byte {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "someone else's CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}
