package webhook_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/yaml"

	"palisade.dev/palisade/internal/cli"
	"palisade.dev/palisade/internal/testapply"
	"palisade.dev/palisade/internal/testcluster"
	"palisade.dev/palisade/internal/testio"
	"palisade.dev/palisade/internal/webhook"
)

var cluster testcluster.Shared

// TestMain runs the tests, or, started by BenchmarkLoopbackHTTPS with webhook.LoadGeneratorEnv set,
// is that benchmark's load generator.
func TestMain(m *testing.M) {
	if spec := os.Getenv(webhook.LoadGeneratorEnv); spec != "" {
		os.Exit(webhook.GenerateLoad(spec))
	}
	os.Exit(cluster.Main(m))
}

// runningWebhook is `palisade webhook` running in this process on loopback.
type runningWebhook struct {
	addr, config, certDir string
	caBundle              []byte
	stop                  context.CancelFunc
	exited                chan int
	stderr                *testio.Buffer
	stopped               sync.Once
	client                *http.Client
}

// get is the body of one of the webhook's pages.
func (w *runningWebhook) get(t *testing.T, path string) string {
	t.Helper()
	resp, err := w.client.Get("https://" + w.addr + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

// startWebhook makes certificates with `palisade webhook certs`, writes config and runs
// `palisade webhook` until the test ends or stopWebhook.
func startWebhook(t *testing.T, c *testcluster.Cluster, config string) *runningWebhook {
	t.Helper()
	dir := t.TempDir()
	var out, errOut bytes.Buffer
	if code := cli.Execute(context.Background(), []string{"webhook", "certs", "--dir", dir, "--ip", "127.0.0.1", "--print-ca-bundle"},
		cli.Streams{In: strings.NewReader(""), Out: &out, Err: &errOut}); code != 0 {
		t.Fatalf("webhook certs: %s", errOut.String())
	}
	bundle, err := base64.StdEncoding.DecodeString(strings.TrimSpace(out.String()))
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	w := &runningWebhook{addr: addr, config: filepath.Join(dir, "webhook.yaml"), certDir: dir, caBundle: bundle, exited: make(chan int, 1), stderr: &testio.Buffer{}}
	writeConfig(t, w.config, config)
	ctx, cancel := context.WithCancel(context.Background())
	w.stop = cancel
	go func() {
		w.exited <- cli.Execute(ctx, []string{"webhook", "--listen", addr, "--config", w.config,
			// The cluster context through informers, as a user who may list and watch.
			"--kubeconfig", c.Kubeconfig(), "--context", testcluster.Auditor,
			"--tls-cert-file", filepath.Join(dir, "tls.crt"), "--tls-private-key-file", filepath.Join(dir, "tls.key")},
			cli.Streams{In: strings.NewReader(""), Out: &bytes.Buffer{}, Err: w.stderr})
	}()
	t.Cleanup(func() { w.shutdown(t) })
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(bundle)
	w.client = &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots}}, Timeout: 2 * time.Second}
	eventually(t, "the webhook to be ready", func() error {
		resp, err := w.client.Get("https://" + addr + "/readyz")
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			return fmt.Errorf("/readyz %d", resp.StatusCode)
		}
		return nil
	})
	return w
}

// shutdown stops the webhook as SIGTERM does and waits for it to exit.
func (w *runningWebhook) shutdown(t *testing.T) {
	t.Helper()
	w.stopped.Do(func() {
		w.stop()
		select {
		case code := <-w.exited:
			if code != 0 {
				t.Errorf("palisade webhook exited %d: %s", code, w.stderr)
			}
		case <-time.After(40 * time.Second):
			t.Error("palisade webhook did not stop")
		}
	})
}

func writeConfig(t *testing.T, path, config string) {
	t.Helper()
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte("apiVersion: palisade.dev/v1alpha1\nkind: WebhookConfiguration\n"+config), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

// register creates deploy/webhook's ValidatingWebhookConfiguration, as shipped, except that
// it calls the webhook by URL on loopback with the CA of `palisade webhook certs`.
func register(t *testing.T, c *testcluster.Cluster, w *runningWebhook) *admissionregistrationv1.ValidatingWebhookConfiguration {
	t.Helper()
	data, err := os.ReadFile("../../deploy/webhook/base/webhook-configuration.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var vwc admissionregistrationv1.ValidatingWebhookConfiguration
	if err := yaml.UnmarshalStrict(data, &vwc); err != nil {
		t.Fatal(err)
	}
	// A name of its own: the cluster is shared, and an earlier run may not have removed its
	// configuration yet.
	vwc.Name = uniqueName(vwc.Name)
	for i := range vwc.Webhooks {
		h := &vwc.Webhooks[i]
		url := "https://" + w.addr + *h.ClientConfig.Service.Path
		h.ClientConfig = admissionregistrationv1.WebhookClientConfig{URL: &url, CABundle: w.caBundle}
	}
	created, err := c.Client(testcluster.Admin).AdmissionregistrationV1().ValidatingWebhookConfigurations().Create(context.Background(), &vwc, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("registering the webhook: %v", err)
	}
	t.Cleanup(func() {
		_ = c.Client(testcluster.Admin).AdmissionregistrationV1().ValidatingWebhookConfigurations().Delete(context.Background(), vwc.Name, metav1.DeleteOptions{})
	})
	return created
}

// hardenedExampleIn writes examples/hardened with its namespace, shop, renamed ns, and returns
// its folder: every run applies it afresh, beside the other tests' objects in the shared
// cluster, and never finds the objects of an earlier run (a Namespace is never finalized
// there: the cluster runs no namespace controller).
func hardenedExampleIn(t *testing.T, ns string) string {
	t.Helper()
	dir := t.TempDir()
	paths, err := filepath.Glob("../../examples/hardened/*.yaml")
	if err != nil || len(paths) == 0 {
		t.Fatalf("examples/hardened: %d files (%v)", len(paths), err)
	}
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		text := strings.ReplaceAll(string(data), "namespace: shop\n", "namespace: "+ns+"\n")
		if filepath.Base(p) == "namespace.yaml" {
			text = strings.Replace(text, "  name: shop\n", "  name: "+ns+"\n", 1)
		}
		writeFile(t, filepath.Join(dir, filepath.Base(p)), text)
	}
	return dir
}

// uniqueName is name with a suffix no other run of a test has used.
func uniqueName(name string) string {
	return name + "-" + strconv.FormatInt(time.Now().UnixNano(), 36)
}

// eventually retries f for up to 30 s: the API server and the webhook each take a moment to
// see a new configuration.
func eventually(t *testing.T, what string, f func() error) {
	t.Helper()
	var err error
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if err = f(); err == nil {
			return
		}
	}
	t.Fatalf("timed out waiting for %s: %v", what, err)
}

// warnings collects the warnings the API server sends a client.
type warnings struct {
	mu  sync.Mutex
	got []string
}

func (w *warnings) HandleWarningHeaderWithContext(_ context.Context, code int, agent, text string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.got = append(w.got, text)
}

func (w *warnings) all() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return strings.Join(w.got, "\n")
}

func clientWithWarnings(c *testcluster.Cluster) (kubernetes.Interface, *warnings) {
	cfg := rest.CopyConfig(c.Config(testcluster.Admin))
	w := &warnings{}
	cfg.WarningHandlerWithContext = w
	return kubernetes.NewForConfigOrDie(cfg), w
}

func privilegedPod(name string) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{
			Name: "app", Image: "registry.example/app:1.0",
			SecurityContext: &corev1.SecurityContext{Privileged: new(true)},
		}}},
	}
}

func rootDeployment(name string) *appsv1.Deployment {
	labels := map[string]string{"app": name}
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: appsv1.DeploymentSpec{
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{
					Name: "app", Image: "registry.example/app:1.0",
					SecurityContext: &corev1.SecurityContext{RunAsUser: new(int64(0))},
				}}},
			},
		},
	}
}

// hardenedPod is a Pod that breaks none of the built-in rules whose action is deny, with
// labels: what custom policies judge.
func hardenedPod(name string, labels map[string]string) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels},
		Spec: corev1.PodSpec{
			AutomountServiceAccountToken: new(false),
			SecurityContext: &corev1.PodSecurityContext{
				RunAsNonRoot: new(true), RunAsUser: new(int64(10001)),
				SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
			},
			Containers: []corev1.Container{{
				Name: "app", Image: "registry.example/app:1.0",
				SecurityContext: &corev1.SecurityContext{
					AllowPrivilegeEscalation: new(false), ReadOnlyRootFilesystem: new(true),
					Capabilities: &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
				},
				Resources: corev1.ResourceRequirements{
					Limits:   corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("100m"), corev1.ResourceMemory: resource.MustParse("64Mi")},
					Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("100m"), corev1.ResourceMemory: resource.MustParse("64Mi")},
				},
			}},
		},
	}
}

// teamLabelPolicy is a Rego policy of severity high, so denied by the default actions.
const teamLabelPolicy = `# METADATA
# title: Pods name their team
# description: Every pod carries a team label, so that its owner can be found.
# custom:
#   id: custom/team-label
#   severity: high
#   remedy: Label the pod with its team.
#   scope: pod
package e2e.team_label

violation contains {"msg": "the pod has no team label", "path": "metadata.labels"} if {
	not input.pod.metadata.labels.team
}
`

// requiredLabelsPolicy is the gatekeeper-library's required-labels template, as Gatekeeper
// reads it (Rego v0), and a Constraint of it that denies Pods without an owner label.
const requiredLabelsPolicy = `apiVersion: templates.gatekeeper.sh/v1
kind: ConstraintTemplate
metadata:
  name: k8srequiredlabels
spec:
  crd:
    spec:
      names:
        kind: K8sRequiredLabels
      validation:
        openAPIV3Schema:
          type: object
          properties:
            labels:
              type: array
              items: {type: string}
  targets:
  - target: admission.k8s.io
    rego: |
      package k8srequiredlabels

      violation[{"msg": msg}] {
        provided := {label | input.review.object.metadata.labels[label]}
        required := {label | label := input.parameters.labels[_]}
        missing := required - provided
        count(missing) > 0
        msg := sprintf("the %v %v lacks the labels %v", [input.review.kind.kind, input.review.name, missing])
      }
---
apiVersion: constraints.gatekeeper.sh/v1beta1
kind: K8sRequiredLabels
metadata:
  name: pods-must-have-owner
spec:
  enforcementAction: deny
  match:
    kinds:
    - apiGroups: [""]
      kinds: ["Pod"]
  parameters:
    labels: ["owner"]
`

// writeFile writes a file beside the webhook's configuration, by renaming as an editor does.
func writeFile(t *testing.T, path, data string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

func TestWebhookInTheAPIServer(t *testing.T) {
	c := cluster.Require(t)
	ctx := context.Background()
	// Namespaces first: the webhook judges the ServiceAccounts NewNamespace makes too.
	judged, exempt := c.NewNamespace(t), c.NewNamespace(t)
	w := startWebhook(t, c, fmt.Sprintf("exemptions:\n- namespace: %s\n  reason: the test's exempt namespace\n", exempt))
	vwc := register(t, c, w)
	client, warned := clientWithWarnings(c)
	pods := client.CoreV1().Pods(judged)

	// The API server sees a new webhook configuration after a moment; then it calls both
	// entries, over loopback, trusting the CA of `palisade webhook certs`.
	eventually(t, "the API server to call the webhook", func() error {
		_, _ = pods.Create(ctx, privilegedPod("probe"), metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}})
		metrics := w.get(t, "/metrics")
		for _, path := range []string{"/validate/deny", "/validate/warn"} {
			if !strings.Contains(metrics, `palisade_webhook_requests_total{code="200",path="`+path+`"}`) {
				return fmt.Errorf("no review answered on %s", path)
			}
		}
		return nil
	})

	t.Run("a privileged Pod is refused with the rule ID in the message", func(t *testing.T) {
		_, err := pods.Create(ctx, privilegedPod("privileged"), metav1.CreateOptions{})
		if err == nil || !strings.Contains(err.Error(), "pod/privileged") {
			t.Errorf("error %v, want a denial naming pod/privileged", err)
		}
	})
	t.Run("a Deployment with a root container is refused at its own admission", func(t *testing.T) {
		_, err := client.AppsV1().Deployments(judged).Create(ctx, rootDeployment("root"), metav1.CreateOptions{})
		if err == nil || !strings.Contains(err.Error(), "pod/run-as-non-root") {
			t.Errorf("error %v, want a denial naming pod/run-as-non-root", err)
		}
	})
	t.Run("an exempt namespace is admitted", func(t *testing.T) {
		if _, err := client.CoreV1().Pods(exempt).Create(ctx, privilegedPod("privileged"), metav1.CreateOptions{}); err != nil {
			t.Errorf("a privileged pod in the exempt namespace: %v", err)
		}
	})
	t.Run("the hardened example is admitted whole", func(t *testing.T) {
		res, err := testapply.Apply(ctx, c.Config(testcluster.Admin), []string{hardenedExampleIn(t, "shop-"+judged)}, 4)
		if err != nil {
			t.Fatalf("applying examples/hardened: %v", err)
		}
		if len(res.Rejected) > 0 || res.Created == 0 {
			t.Errorf("created %d, rejected %v", res.Created, res.Rejected)
		}
	})
	t.Run("a configuration changed at run time takes effect without a restart, and warn mode warns", func(t *testing.T) {
		writeConfig(t, w.config, "defaultActions: {critical: warn, high: warn, medium: warn, low: warn, info: warn}\n")
		eventually(t, "warn mode", func() error {
			_, err := pods.Create(ctx, privilegedPod("warned"), metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}})
			return err
		})
		if _, err := pods.Create(ctx, privilegedPod("warned"), metav1.CreateOptions{}); err != nil {
			t.Fatalf("in warn mode: %v", err)
		}
		if !strings.Contains(warned.all(), "pod/privileged") {
			t.Errorf("the client saw warnings %q, want pod/privileged among them", warned.all())
		}
	})
	t.Run("a bad configuration is refused and the one in force stays", func(t *testing.T) {
		writeConfig(t, w.config, "defaultActions: {critical: refuse}\n")
		time.Sleep(time.Second)
		if _, err := pods.Create(ctx, privilegedPod("still-warned"), metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}}); err != nil {
			t.Errorf("after a bad configuration: %v, want warn mode still in force", err)
		}
		if !strings.Contains(w.stderr.String(), "configuration not reloaded") {
			t.Errorf("the refusal is not logged: %s", w.stderr)
		}
		writeConfig(t, w.config, fmt.Sprintf("exemptions:\n- namespace: %s\n  reason: the test's exempt namespace\n", exempt))
		eventually(t, "deny mode again", func() error {
			if _, err := pods.Create(ctx, privilegedPod("denied-again"), metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}}); err == nil {
				return fmt.Errorf("admitted")
			}
			return nil
		})
	})
	// The policies live beside the configuration, which names them relative to its folder.
	exemption := fmt.Sprintf("exemptions:\n- namespace: %s\n  reason: the test's exempt namespace\n", exempt)
	configDir := filepath.Dir(w.config)
	// refusedWith is nil when creating pod (a dry run) is refused naming every one of want.
	refusedWith := func(pod *corev1.Pod, want ...string) error {
		_, err := pods.Create(ctx, pod, metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}})
		if err == nil {
			return fmt.Errorf("pod %s admitted, want a denial naming %q", pod.Name, want)
		}
		for _, s := range want {
			if !strings.Contains(err.Error(), s) {
				return fmt.Errorf("pod %s refused with %v, want %q in the message", pod.Name, err, s)
			}
		}
		return nil
	}
	t.Run("a Rego policy added to the configuration at run time takes effect without a restart", func(t *testing.T) {
		if _, err := pods.Create(ctx, hardenedPod("before-policy", nil), metav1.CreateOptions{}); err != nil {
			t.Fatalf("a hardened pod without a team label before the policy: %v", err)
		}
		writeFile(t, filepath.Join(configDir, "policies", "team-label.rego"), teamLabelPolicy)
		writeConfig(t, w.config, "policies: [policies/team-label.rego]\n"+exemption)
		eventually(t, "the Rego policy to be in force", func() error {
			return refusedWith(hardenedPod("no-team", nil), "custom/team-label")
		})
		_, err := pods.Create(ctx, hardenedPod("no-team", nil), metav1.CreateOptions{})
		if err == nil || !strings.Contains(err.Error(), "custom/team-label") || !strings.Contains(err.Error(), "the pod has no team label") {
			t.Errorf("error %v, want a denial naming custom/team-label with the policy's message", err)
		}
		if _, err := pods.Create(ctx, hardenedPod("with-team", map[string]string{"team": "shop"}), metav1.CreateOptions{}); err != nil {
			t.Errorf("a pod with a team label: %v", err)
		}
		if _, err := client.CoreV1().Pods(exempt).Create(ctx, hardenedPod("no-team", nil), metav1.CreateOptions{}); err != nil {
			t.Errorf("a pod without a team label in the exempt namespace: %v", err)
		}
	})
	t.Run("a ConstraintTemplate in Gatekeeper's format with its Constraint refuses what it should", func(t *testing.T) {
		writeFile(t, filepath.Join(configDir, "gatekeeper", "required-labels.yaml"), requiredLabelsPolicy)
		writeConfig(t, w.config, "policies: [policies/team-label.rego, gatekeeper/required-labels.yaml]\n"+exemption)
		teamOnly := hardenedPod("no-owner", map[string]string{"team": "shop"})
		eventually(t, "the Constraint to be in force", func() error {
			return refusedWith(teamOnly, "gatekeeper/pods-must-have-owner")
		})
		_, err := pods.Create(ctx, teamOnly, metav1.CreateOptions{})
		if err == nil || !strings.Contains(err.Error(), "gatekeeper/pods-must-have-owner") || !strings.Contains(err.Error(), "the Pod no-owner lacks the labels") {
			t.Errorf("error %v, want a denial naming gatekeeper/pods-must-have-owner with the constraint's message", err)
		}
		if err := refusedWith(hardenedPod("no-labels", nil), "gatekeeper/pods-must-have-owner", "custom/team-label"); err != nil {
			t.Error(err)
		}
		if _, err := pods.Create(ctx, hardenedPod("owned", map[string]string{"team": "shop", "owner": "alice"}), metav1.CreateOptions{}); err != nil {
			t.Errorf("a pod with team and owner labels: %v", err)
		}
	})
	t.Run("a policy file edited in place takes effect without a restart", func(t *testing.T) {
		// Only the policy changes, as when its ConfigMap is updated: the configuration stays.
		writeFile(t, filepath.Join(configDir, "gatekeeper", "required-labels.yaml"),
			strings.Replace(requiredLabelsPolicy, `labels: ["owner"]`, `labels: ["owner", "tier"]`, 1))
		eventually(t, "the edited Constraint to be in force", func() error {
			return refusedWith(hardenedPod("no-tier", map[string]string{"team": "shop", "owner": "alice"}), "gatekeeper/pods-must-have-owner", "tier")
		})
		if _, err := pods.Create(ctx, hardenedPod("tiered", map[string]string{"team": "shop", "owner": "alice", "tier": "web"}), metav1.CreateOptions{}); err != nil {
			t.Errorf("a pod with the labels the edited Constraint requires: %v", err)
		}
	})
	t.Run("a policy that fails to load is refused and the one in force stays", func(t *testing.T) {
		refusals := strings.Count(w.stderr.String(), "configuration not reloaded")
		writeFile(t, filepath.Join(configDir, "policies", "broken.rego"), "package e2e.broken\n\nviolation contains msg if {\n")
		writeConfig(t, w.config, "policies: [policies/broken.rego]\n"+exemption)
		eventually(t, "the configuration to be refused", func() error {
			if strings.Count(w.stderr.String(), "configuration not reloaded") == refusals {
				return fmt.Errorf("no refusal logged")
			}
			return nil
		})
		if logs := w.stderr.String(); !strings.Contains(logs, "broken.rego") {
			t.Errorf("the refusal does not name the policy's file: %s", logs)
		}
		if err := refusedWith(hardenedPod("still-no-owner", map[string]string{"team": "shop"}), "gatekeeper/pods-must-have-owner"); err != nil {
			t.Errorf("after a policy that does not load: %v, want the Constraint still in force", err)
		}
	})
	t.Run("secure defaults turned on are set by /mutate through the API server", func(t *testing.T) {
		writeConfig(t, w.config, fmt.Sprintf("secureDefaults: [allowPrivilegeEscalation, seccompRuntimeDefault, runAsNonRoot]\nexemptions:\n- namespace: %s\n  reason: the test's exempt namespace\n", exempt))
		url := "https://" + w.addr + "/mutate"
		mwc := &admissionregistrationv1.MutatingWebhookConfiguration{
			ObjectMeta: metav1.ObjectMeta{Name: uniqueName("palisade-webhook-defaults")},
			Webhooks: []admissionregistrationv1.MutatingWebhook{{
				Name:                    "defaults.palisade.dev",
				ClientConfig:            admissionregistrationv1.WebhookClientConfig{URL: &url, CABundle: w.caBundle},
				AdmissionReviewVersions: []string{"v1"},
				SideEffects:             new(admissionregistrationv1.SideEffectClassNone),
				FailurePolicy:           new(admissionregistrationv1.Ignore),
				TimeoutSeconds:          new(int32(2)),
				Rules: []admissionregistrationv1.RuleWithOperations{{
					Operations: []admissionregistrationv1.OperationType{admissionregistrationv1.Create},
					Rule:       admissionregistrationv1.Rule{APIGroups: []string{""}, APIVersions: []string{"v1"}, Resources: []string{"pods"}},
				}},
			}},
		}
		mutating := c.Client(testcluster.Admin).AdmissionregistrationV1().MutatingWebhookConfigurations()
		if _, err := mutating.Create(ctx, mwc, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		defer func() { _ = mutating.Delete(ctx, mwc.Name, metav1.DeleteOptions{}) }()
		bare := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "bare"}, Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "registry.example/app:1.0"}}}}
		eventually(t, "the defaults to be set", func() error {
			got, err := client.CoreV1().Pods(exempt).Create(ctx, bare, metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}})
			if err != nil {
				return err
			}
			sc, csc := got.Spec.SecurityContext, got.Spec.Containers[0].SecurityContext
			if sc == nil || sc.RunAsNonRoot == nil || !*sc.RunAsNonRoot || sc.SeccompProfile == nil || sc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault ||
				csc == nil || csc.AllowPrivilegeEscalation == nil || *csc.AllowPrivilegeEscalation {
				return fmt.Errorf("pod security context %+v, container's %+v", sc, csc)
			}
			return nil
		})
	})
	t.Run("with the webhook stopped the failure policy decides", func(t *testing.T) {
		w.shutdown(t)
		hardened := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "harmless"}, Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "registry.example/app:1.0"}}}}
		_, err := pods.Create(ctx, hardened, metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}})
		if err == nil || !strings.Contains(err.Error(), "failed calling webhook") || !strings.Contains(err.Error(), "deny.palisade.dev") {
			t.Errorf("error %v, want the API server's refusal under failurePolicy Fail naming deny.palisade.dev", err)
		}
		// With the deny entry set to Ignore too, the API server admits unjudged.
		admin := c.Client(testcluster.Admin).AdmissionregistrationV1().ValidatingWebhookConfigurations()
		current, err := admin.Get(ctx, vwc.Name, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		ignore := admissionregistrationv1.Ignore
		current.Webhooks[0].FailurePolicy = &ignore
		if _, err := admin.Update(ctx, current, metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
		eventually(t, "failure policy Ignore", func() error {
			_, err := pods.Create(ctx, hardened, metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}})
			return err
		})
	})
}
