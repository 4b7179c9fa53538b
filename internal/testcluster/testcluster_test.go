package testcluster_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	"palisade.dev/palisade/internal/testcluster"
)

// cluster is this package's shared cluster, with a hollow node so that Pods can run.
var cluster = testcluster.Shared{Options: testcluster.Options{
	Kubelet: true,
	Logf: func(format string, args ...any) {
		if testing.Verbose() {
			fmt.Fprintf(os.Stderr, format+"\n", args...)
		}
	},
}}

func TestMain(m *testing.M) { os.Exit(cluster.Main(m)) }

func TestServerReportsKubernetesV1_37_2(t *testing.T) {
	c := cluster.Require(t)
	v, err := c.Client(testcluster.Admin).Discovery().ServerVersion()
	if err != nil {
		t.Fatal(err)
	}
	if v.GitVersion != "v1.37.2" {
		t.Errorf("/version gitVersion = %q, want v1.37.2", v.GitVersion)
	}
}

func TestAdminCreatesNamespaces(t *testing.T) {
	c := cluster.Require(t)
	ns := c.NewNamespace(t)
	got, err := c.Client(testcluster.Admin).CoreV1().Namespaces().Get(context.Background(), ns, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got.Name != ns {
		t.Errorf("got namespace %q, want %q", got.Name, ns)
	}
}

// TestUsersHaveTheirPermissions pins what each test user may do, by verb and resource.
func TestUsersHaveTheirPermissions(t *testing.T) {
	c := cluster.Require(t)
	ctx := context.Background()
	ns := c.NewNamespace(t)
	secret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "s"}, StringData: map[string]string{"k": "v"}}
	if _, err := c.Client(testcluster.Admin).CoreV1().Secrets(ns).Create(ctx, secret, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	listPods := func(cs kubernetes.Interface) error {
		_, err := cs.CoreV1().Pods("").List(ctx, metav1.ListOptions{})
		return err
	}
	getSecret := func(cs kubernetes.Interface) error {
		_, err := cs.CoreV1().Secrets(ns).Get(ctx, "s", metav1.GetOptions{})
		return err
	}
	listSecrets := func(cs kubernetes.Interface) error {
		_, err := cs.CoreV1().Secrets("").List(ctx, metav1.ListOptions{})
		return err
	}
	listDeployments := func(cs kubernetes.Interface) error {
		_, err := cs.AppsV1().Deployments("").List(ctx, metav1.ListOptions{})
		return err
	}
	listClusterRoles := func(cs kubernetes.Interface) error {
		_, err := cs.RbacV1().ClusterRoles().List(ctx, metav1.ListOptions{})
		return err
	}
	createConfigMap := func(cs kubernetes.Interface) error {
		cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{GenerateName: "cm-"}}
		_, err := cs.CoreV1().ConfigMaps(ns).Create(ctx, cm, metav1.CreateOptions{})
		return err
	}
	for _, tc := range []struct {
		user    string
		action  string
		do      func(kubernetes.Interface) error
		allowed bool
	}{
		{testcluster.Admin, "list pods in all namespaces", listPods, true},
		{testcluster.Admin, "get a secret", getSecret, true},
		{testcluster.User, "list pods in all namespaces", listPods, false},
		{testcluster.User, "get a secret", getSecret, false},
		{testcluster.User, "list deployments", listDeployments, false},
		{testcluster.Auditor, "list pods in all namespaces", listPods, true},
		{testcluster.Auditor, "list deployments", listDeployments, true},
		{testcluster.Auditor, "list clusterroles", listClusterRoles, true},
		{testcluster.Auditor, "get a secret", getSecret, false},
		{testcluster.Auditor, "list secrets", listSecrets, false},
		{testcluster.Auditor, "create a configmap", createConfigMap, false},
	} {
		t.Run(tc.user+" may "+map[bool]string{true: "", false: "not "}[tc.allowed]+tc.action, func(t *testing.T) {
			err := tc.do(c.Client(tc.user))
			switch {
			case tc.allowed && err != nil:
				t.Errorf("want allowed, got %v", err)
			case !tc.allowed && !apierrors.IsForbidden(err):
				t.Errorf("want Forbidden, got %v", err)
			}
		})
	}
}

// whoAmI is the user name and groups the API server sees for cfg.
func whoAmI(t *testing.T, cfg *rest.Config) (string, []string) {
	t.Helper()
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	r, err := cs.AuthenticationV1().SelfSubjectReviews().Create(context.Background(), &authenticationv1.SelfSubjectReview{}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return r.Status.UserInfo.Username, r.Status.UserInfo.Groups
}

func TestKubeconfigHasAContextPerUser(t *testing.T) {
	c := cluster.Require(t)
	for _, context := range []string{"", testcluster.Admin, testcluster.User, testcluster.Auditor} {
		t.Run("context "+context, func(t *testing.T) {
			cfg, err := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(
				&clientcmd.ClientConfigLoadingRules{ExplicitPath: c.Kubeconfig()},
				&clientcmd.ConfigOverrides{CurrentContext: context},
			).ClientConfig()
			if err != nil {
				t.Fatal(err)
			}
			want := context
			if want == "" {
				want = testcluster.Auditor // the current context
			}
			if user, _ := whoAmI(t, cfg); user != want {
				t.Errorf("context %q authenticates as %q, want %q", context, user, want)
			}
		})
	}
}

func TestClientCertificatesAuthenticate(t *testing.T) {
	c := cluster.Require(t)
	certPEM, keyPEM, err := c.ClientCert("cert-user", "cert-group")
	if err != nil {
		t.Fatal(err)
	}
	cfg := c.Config("")
	cfg.CertData, cfg.KeyData = certPEM, keyPEM
	user, groups := whoAmI(t, cfg)
	if user != "cert-user" || !strings.Contains(strings.Join(groups, ","), "cert-group") {
		t.Errorf("client certificate authenticates as %q in %q, want cert-user in cert-group", user, groups)
	}
}

// get answers a GET of path on the API server, anonymous when token is "".
func get(t *testing.T, c *testcluster.Cluster, path, token string) int {
	t.Helper()
	pem, err := os.ReadFile(c.CAFile)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pem)
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	defer client.CloseIdleConnections()
	req, err := http.NewRequest(http.MethodGet, c.Server+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func TestAnonymousRequestsAreRejectedByDefault(t *testing.T) {
	c := cluster.Require(t)
	if code := get(t, c, "/version", ""); code != http.StatusUnauthorized {
		t.Errorf("anonymous GET /version answered %d, want 401", code)
	}
	if c.AuditLog != "" {
		t.Errorf("AuditLog = %q without an audit policy, want empty", c.AuditLog)
	}
}

// TestOwnClusterHonoursOptionsAndStops starts a second cluster with anonymous requests and
// an audit log, and checks that Stop leaves nothing behind, the hollow kubelet's files
// outside Dir included.
func TestOwnClusterHonoursOptionsAndStops(t *testing.T) {
	began := time.Now()
	c := testcluster.New(t, testcluster.Options{
		AnonymousAuth: true,
		AuditPolicy:   "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: Metadata\n",
		Kubelet:       true,
	})
	t.Logf("cluster with a hollow node started in %s", time.Since(began).Round(time.Millisecond))

	if code := get(t, c, "/version", ""); code != http.StatusOK {
		t.Errorf("anonymous GET /version answered %d, want 200", code)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		data, _ := os.ReadFile(c.AuditLog)
		if strings.Contains(string(data), `"requestURI":"/version"`) && strings.Contains(string(data), `"system:anonymous"`) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("audit log %s has no anonymous /version request; it holds %d bytes", c.AuditLog, len(data))
		}
		time.Sleep(100 * time.Millisecond)
	}

	pids := c.PIDs()
	files := append(c.HollowKubeletFiles(), c.Dir)
	if len(files) != 3 {
		t.Errorf("want the hollow kubelet's root folder and runtime socket besides Dir, got %q", files)
	}
	for _, f := range files {
		if _, err := os.Stat(f); err != nil {
			t.Errorf("before Stop: %v", err)
		}
	}
	if err := c.Stop(); err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if _, err := os.Stat(f); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("after Stop, %s: %v, want it gone", f, err)
		}
	}
	for _, pid := range pids {
		if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
			t.Errorf("after Stop, process %d: %v, want it gone", pid, err)
		}
	}
	for _, u := range []string{c.Server, c.EtcdURL} {
		host := must(url.Parse(u)).Host
		if conn, err := net.DialTimeout("tcp", host, time.Second); err == nil {
			conn.Close()
			t.Errorf("after Stop, %s still accepts connections", host)
		}
	}
	if err := c.Stop(); err != nil {
		t.Errorf("second Stop: %v", err)
	}
}

func TestStartSaysWhichProgramDiedAndWhy(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c, err := testcluster.Start(ctx, testcluster.Options{ExtraAPIServerFlags: []string{"--no-such-flag"}})
	if err == nil {
		c.Stop()
		t.Fatal("Start with an unknown kube-apiserver flag succeeded")
	}
	if msg := err.Error(); !strings.Contains(msg, "kube-apiserver exited") || !strings.Contains(msg, "no-such-flag") {
		t.Errorf("error does not name kube-apiserver and quote its log:\n%v", err)
	}
}

func TestHollowNodeRunsPodsAndLeaksThemOnItsReadOnlyPort(t *testing.T) {
	c := cluster.Require(t)
	ctx := context.Background()
	ns := c.NewNamespace(t)
	pods := c.Client(testcluster.Admin).CoreV1().Pods(ns)
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "web"},
		Spec: corev1.PodSpec{
			NodeName: c.NodeName,
			Containers: []corev1.Container{{
				Name:  "web",
				Image: "registry.example/web:1",
				Env:   []corev1.EnvVar{{Name: "DB_PASSWORD", Value: "hunter2-in-env"}},
			}},
		},
	}
	if _, err := pods.Create(ctx, pod, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		got, err := pods.Get(ctx, "web", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if got.Status.Phase == corev1.PodRunning {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("pod not Running within 60s: phase %s, conditions %+v", got.Status.Phase, got.Status.Conditions)
		}
		time.Sleep(200 * time.Millisecond)
	}

	resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/pods", c.KubeletReadOnlyPort))
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "hunter2-in-env") {
		t.Errorf("read-only port /pods answered %s without the pod's env value:\n%.500s", resp.Status, body)
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func TestControllerManagerAggregatesClusterRoles(t *testing.T) {
	c := testcluster.New(t, testcluster.Options{ControllerManager: true})
	if _, ok := c.PIDs()["kube-controller-manager"]; !ok {
		t.Errorf("PIDs() = %v, want kube-controller-manager among them", c.PIDs())
	}
	ctx := context.Background()
	roles := c.Client(testcluster.Admin).RbacV1().ClusterRoles()
	aggregated := &rbacv1.ClusterRole{
		ObjectMeta: metav1.ObjectMeta{Name: "aggregated"},
		AggregationRule: &rbacv1.AggregationRule{ClusterRoleSelectors: []metav1.LabelSelector{
			{MatchLabels: map[string]string{"to-aggregated": "true"}},
		}},
	}
	part := &rbacv1.ClusterRole{
		ObjectMeta: metav1.ObjectMeta{Name: "part", Labels: map[string]string{"to-aggregated": "true"}},
		Rules:      []rbacv1.PolicyRule{{Verbs: []string{"get"}, APIGroups: []string{""}, Resources: []string{"pods"}}},
	}
	for _, r := range []*rbacv1.ClusterRole{aggregated, part} {
		if _, err := roles.Create(ctx, r, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		got, err := roles.Get(ctx, "aggregated", metav1.GetOptions{})
		if err == nil && len(got.Rules) == 1 && got.Rules[0].Resources[0] == "pods" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("ClusterRole aggregated has not got the rules of ClusterRole part within 30s: %v, %v", got, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
