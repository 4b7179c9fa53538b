package admission

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	admissionv1 "k8s.io/api/admission/v1"
	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/yaml"

	"palisade.dev/palisade/internal/testrules"
)

// fakeContext is a ClusterContext over fixed objects.
type fakeContext struct {
	namespaces map[string]*corev1.Namespace
	accounts   map[string]*corev1.ServiceAccount // namespace/name
	limits     map[string][]*corev1.LimitRange
	unsynced   bool
}

func (f *fakeContext) Namespace(name string) (*corev1.Namespace, bool) {
	ns, ok := f.namespaces[name]
	return ns, ok
}

func (f *fakeContext) ServiceAccount(namespace, name string) (*corev1.ServiceAccount, bool) {
	sa, ok := f.accounts[namespace+"/"+name]
	return sa, ok
}

func (f *fakeContext) LimitRanges(namespace string) []*corev1.LimitRange { return f.limits[namespace] }
func (f *fakeContext) Synced() bool                                      { return !f.unsynced }

func newFakeContext() *fakeContext {
	return &fakeContext{namespaces: map[string]*corev1.Namespace{}, accounts: map[string]*corev1.ServiceAccount{}, limits: map[string][]*corev1.LimitRange{}}
}

// request is an admission request for a YAML or JSON object.
func request(t testing.TB, op admissionv1.Operation, object string) *admissionv1.AdmissionRequest {
	t.Helper()
	raw, err := yaml.YAMLToJSON([]byte(object))
	if err != nil {
		t.Fatal(err)
	}
	var meta struct {
		APIVersion string `json:"apiVersion"`
		Kind       string `json:"kind"`
		Metadata   struct {
			Namespace string `json:"namespace"`
			Name      string `json:"name"`
		} `json:"metadata"`
	}
	if err := json.Unmarshal(raw, &meta); err != nil {
		t.Fatal(err)
	}
	group, version, found := strings.Cut(meta.APIVersion, "/")
	if !found {
		group, version = "", meta.APIVersion
	}
	return &admissionv1.AdmissionRequest{
		UID:       "a1b2c3",
		Kind:      metav1.GroupVersionKind{Group: group, Version: version, Kind: meta.Kind},
		Resource:  metav1.GroupVersionResource{Group: group, Version: version, Resource: strings.ToLower(meta.Kind) + "s"},
		Name:      meta.Metadata.Name,
		Namespace: meta.Metadata.Namespace,
		Operation: op,
		UserInfo:  authenticationv1.UserInfo{Username: "alice", Groups: []string{"devs", "system:authenticated"}},
		Object:    runtime.RawExtension{Raw: raw},
	}
}

const privilegedPod = `
apiVersion: v1
kind: Pod
metadata: {name: p, namespace: apps}
spec:
  containers:
  - name: c
    image: registry.example/app:1.0
    securityContext: {privileged: true}
`

const rootDeployment = `
apiVersion: apps/v1
kind: Deployment
metadata: {name: d, namespace: apps}
spec:
  selector: {matchLabels: {app: d}}
  template:
    metadata: {labels: {app: d}}
    spec:
      containers:
      - name: c
        image: registry.example/app:1.0
        securityContext: {runAsUser: 0}
`

// hardenedPod passes every pod rule.
const hardenedPod = `
apiVersion: v1
kind: Pod
metadata: {name: h, namespace: apps}
spec:
  serviceAccountName: app
  automountServiceAccountToken: false
  securityContext:
    runAsNonRoot: true
    runAsUser: 10001
    runAsGroup: 10001
    seccompProfile: {type: RuntimeDefault}
    appArmorProfile: {type: RuntimeDefault}
  containers:
  - name: c
    image: registry.example/app:1.0@sha256:65e3e85dbaed8ba248841d9d58a899b6197106c23cb0ff1a132b7bfe0547e4c0
    securityContext:
      allowPrivilegeEscalation: false
      readOnlyRootFilesystem: true
      capabilities: {drop: [ALL]}
    resources:
      requests: {cpu: 50m, memory: 64Mi}
      limits: {cpu: 500m, memory: 128Mi}
`

func engine(t testing.TB, cfg *Config, cc ClusterContext) *Engine {
	t.Helper()
	if cc == nil {
		cc = newFakeContext()
	}
	e, err := New(testrules.Builtin(t), cfg, cc)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func config(t testing.TB, text string) *Config {
	t.Helper()
	cfg, err := ParseConfig([]byte("apiVersion: palisade.dev/v1alpha1\nkind: WebhookConfiguration\n"+text), "webhook.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func hitIDs(d Decision, action Action) []string {
	var ids []string
	for _, h := range d.Hits {
		if h.Action == action && h.Exempt == "" {
			ids = append(ids, h.RuleID)
		}
	}
	return ids
}

func TestReview(t *testing.T) {
	cases := []struct {
		name   string
		cfg    string // configuration after apiVersion and kind; "" for none
		req    func(t *testing.T) *admissionv1.AdmissionRequest
		check  func(t *testing.T, d Decision)
		noConf bool
	}{
		{
			name: "privileged Pod denied with its rule IDs, paths and remedies",
			req:  func(t *testing.T) *admissionv1.AdmissionRequest { return request(t, admissionv1.Create, privilegedPod) },
			check: func(t *testing.T, d Decision) {
				if d.Response.Allowed || d.Err != nil {
					t.Fatalf("allowed=%v err=%v, want denied", d.Response.Allowed, d.Err)
				}
				msg := d.Response.Result.Message
				if !strings.Contains(msg, "\npod/privileged (also pod/allow-privilege-escalation, pss/baseline:privileged)  spec.containers[0].securityContext.privileged: ") || !strings.Contains(msg, "Fix: ") {
					t.Errorf("message %q: want a line for pod/privileged with its path and fix", msg)
				}
				if d.Response.Result.Code != 403 || d.Kind != "Pod" {
					t.Errorf("code %d kind %q", d.Response.Result.Code, d.Kind)
				}
			},
		},
		{
			name: "Deployment with a root container denied at its own admission",
			req: func(t *testing.T) *admissionv1.AdmissionRequest {
				return request(t, admissionv1.Create, rootDeployment)
			},
			check: func(t *testing.T, d Decision) {
				if d.Response.Allowed {
					t.Fatal("a Deployment with a root container was admitted")
				}
				if !strings.Contains(d.Response.Result.Message, "spec.template.spec.containers[0].securityContext.runAsUser") {
					t.Errorf("message %q: want the runAsUser path in the template", d.Response.Result.Message)
				}
			},
		},
		{
			name: "hardened Pod allowed with no hit",
			req:  func(t *testing.T) *admissionv1.AdmissionRequest { return request(t, admissionv1.Create, hardenedPod) },
			check: func(t *testing.T, d Decision) {
				if !d.Response.Allowed || len(d.Hits) > 0 || len(d.Response.Warnings) > 0 {
					t.Errorf("allowed=%v hits=%+v warnings=%q, want a clean admission", d.Response.Allowed, d.Hits, d.Response.Warnings)
				}
			},
		},
		{
			name: "warn mode turns denials into one warning per hit",
			cfg:  "defaultActions: {critical: warn, high: warn}\n",
			req:  func(t *testing.T) *admissionv1.AdmissionRequest { return request(t, admissionv1.Create, privilegedPod) },
			check: func(t *testing.T, d Decision) {
				if !d.Response.Allowed || len(d.Response.Warnings) == 0 {
					t.Fatalf("allowed=%v warnings=%q", d.Response.Allowed, d.Response.Warnings)
				}
				if !slices.ContainsFunc(d.Response.Warnings, func(w string) bool { return strings.HasPrefix(w, "pod/privileged ") && !strings.Contains(w, "\n") }) {
					t.Errorf("warnings %q: want one line for pod/privileged", d.Response.Warnings)
				}
			},
		},
		{
			name: "per-rule action overrides the severity's",
			cfg:  "rules: [{id: \"pod/*\", action: audit}, {id: \"pss/*\", action: audit}]\n",
			req:  func(t *testing.T) *admissionv1.AdmissionRequest { return request(t, admissionv1.Create, privilegedPod) },
			check: func(t *testing.T, d Decision) {
				if !d.Response.Allowed || len(hitIDs(d, Deny)) > 0 {
					t.Errorf("allowed=%v deny hits %v, want only audit and warn hits", d.Response.Allowed, hitIDs(d, Deny))
				}
				if !slices.Contains(hitIDs(d, Audit), "pod/privileged") {
					t.Errorf("audit hits %v, want pod/privileged recorded", hitIDs(d, Audit))
				}
			},
		},
		{
			name: "a rule folded under another still denies",
			cfg:  "rules: [{id: pod/privileged, action: audit}]\n",
			req:  func(t *testing.T) *admissionv1.AdmissionRequest { return request(t, admissionv1.Create, privilegedPod) },
			check: func(t *testing.T, d Decision) {
				if d.Response.Allowed {
					t.Error("auditing pod/privileged admitted the pod although pss/baseline, which the same field breaks, denies")
				}
			},
		},
		{
			name: "namespace exemption admits with its reason on every hit",
			cfg:  "exemptions: [{namespace: apps, reason: legacy apps move in Q3}]\n",
			req:  func(t *testing.T) *admissionv1.AdmissionRequest { return request(t, admissionv1.Create, privilegedPod) },
			check: func(t *testing.T, d Decision) {
				if !d.Response.Allowed || len(d.Hits) == 0 {
					t.Fatalf("allowed=%v hits=%d", d.Response.Allowed, len(d.Hits))
				}
				for _, h := range d.Hits {
					if h.Exempt != "legacy apps move in Q3" {
						t.Errorf("hit %s exempt %q", h.RuleID, h.Exempt)
					}
				}
			},
		},
		{
			name: "object exemption limited to rules leaves the others",
			cfg:  "exemptions: [{object: {kind: Pod, namespace: apps, name: p}, rules: [pod/privileged, pod/allow-privilege-escalation, \"pss/*\"], reason: debug pod}]\n",
			req:  func(t *testing.T) *admissionv1.AdmissionRequest { return request(t, admissionv1.Create, privilegedPod) },
			check: func(t *testing.T, d Decision) {
				if d.Response.Allowed || strings.Contains(d.Response.Result.Message, "pod/privileged") {
					t.Errorf("allowed=%v: want pod/run-as-non-root alone to deny", d.Response.Allowed)
				}
				if !slices.ContainsFunc(d.Hits, func(h Hit) bool { return h.RuleID == "pod/privileged" && h.Exempt == "debug pod" }) {
					t.Error("the pod/privileged hit does not carry the exemption's reason")
				}
			},
		},
		{
			name: "object exemption of a privileged pod that is otherwise hardened",
			cfg:  "exemptions: [{object: {kind: Pod, namespace: apps, name: h}, rules: [pod/privileged, pod/allow-privilege-escalation, \"pss/*\"], reason: debug pod}]\n",
			req: func(t *testing.T) *admissionv1.AdmissionRequest {
				return request(t, admissionv1.Create, strings.Replace(hardenedPod, "allowPrivilegeEscalation: false", "allowPrivilegeEscalation: true\n      privileged: true", 1))
			},
			check: func(t *testing.T, d Decision) {
				if !d.Response.Allowed {
					t.Errorf("denied: %s", d.Response.Result.Message)
				}
			},
		},
		{
			name: "user exemption",
			cfg:  "exemptions: [{user: alice, reason: break-glass}]\n",
			req:  func(t *testing.T) *admissionv1.AdmissionRequest { return request(t, admissionv1.Create, privilegedPod) },
			check: func(t *testing.T, d Decision) {
				if !d.Response.Allowed || len(d.Response.Warnings) > 0 {
					t.Errorf("allowed=%v warnings=%q", d.Response.Allowed, d.Response.Warnings)
				}
			},
		},
		{
			name: "group exemption",
			cfg:  "exemptions: [{group: devs, reason: sandbox}]\n",
			req:  func(t *testing.T) *admissionv1.AdmissionRequest { return request(t, admissionv1.Create, privilegedPod) },
			check: func(t *testing.T, d Decision) {
				if !d.Response.Allowed {
					t.Error("denied")
				}
			},
		},
		{
			name: "exemption of another user does not apply",
			cfg:  "exemptions: [{user: bob, reason: break-glass}]\n",
			req:  func(t *testing.T) *admissionv1.AdmissionRequest { return request(t, admissionv1.Create, privilegedPod) },
			check: func(t *testing.T, d Decision) {
				if d.Response.Allowed {
					t.Error("admitted")
				}
			},
		},
		{
			name: "ignore annotation not honoured by default",
			req: func(t *testing.T) *admissionv1.AdmissionRequest {
				return request(t, admissionv1.Create, strings.Replace(privilegedPod, "metadata: {name: p, namespace: apps}",
					"metadata: {name: p, namespace: apps, annotations: {palisade.dev/ignore: \"pod/*,pss/* trust me\"}}", 1))
			},
			check: func(t *testing.T, d Decision) {
				if d.Response.Allowed {
					t.Error("the object's own annotation exempted it")
				}
			},
		},
		{
			name: "ignore annotation honoured when allowObjectExemptions",
			cfg:  "allowObjectExemptions: true\n",
			req: func(t *testing.T) *admissionv1.AdmissionRequest {
				return request(t, admissionv1.Create, strings.Replace(privilegedPod, "metadata: {name: p, namespace: apps}",
					"metadata: {name: p, namespace: apps, annotations: {palisade.dev/ignore: \"pod/*,pss/* node debugger\"}}", 1))
			},
			check: func(t *testing.T, d Decision) {
				if !d.Response.Allowed {
					t.Fatalf("denied: %s", d.Response.Result.Message)
				}
				if !slices.ContainsFunc(d.Hits, func(h Hit) bool { return strings.Contains(h.Exempt, "node debugger") }) {
					t.Error("no hit carries the annotation's reason")
				}
			},
		},
		{
			name: "kube-system exempt by default",
			req: func(t *testing.T) *admissionv1.AdmissionRequest {
				r := request(t, admissionv1.Create, privilegedPod)
				r.Namespace = "kube-system"
				return r
			},
			check: func(t *testing.T, d Decision) {
				if !d.Response.Allowed || !strings.Contains(d.Skipped, "kube-system") {
					t.Errorf("allowed=%v skipped=%q", d.Response.Allowed, d.Skipped)
				}
			},
		},
		{
			name: "Palisade's own namespace exempt by default",
			cfg:  "namespace: apps\n",
			req:  func(t *testing.T) *admissionv1.AdmissionRequest { return request(t, admissionv1.Create, privilegedPod) },
			check: func(t *testing.T, d Decision) {
				if !d.Response.Allowed || d.Skipped == "" {
					t.Errorf("allowed=%v skipped=%q", d.Response.Allowed, d.Skipped)
				}
			},
		},
		{
			name: "own namespace not exempt when configured so",
			cfg:  "namespace: apps\nexemptOwnNamespace: false\n",
			req:  func(t *testing.T) *admissionv1.AdmissionRequest { return request(t, admissionv1.Create, privilegedPod) },
			check: func(t *testing.T, d Decision) {
				if d.Response.Allowed {
					t.Error("admitted")
				}
			},
		},
		{
			name: "dry run judged the same and marked",
			req: func(t *testing.T) *admissionv1.AdmissionRequest {
				r := request(t, admissionv1.Create, privilegedPod)
				dry := true
				r.DryRun = &dry
				return r
			},
			check: func(t *testing.T, d Decision) {
				if d.Response.Allowed || !d.DryRun {
					t.Errorf("allowed=%v dryRun=%v, want denied and marked dry run", d.Response.Allowed, d.DryRun)
				}
			},
		},
		{
			name: "UID echoed",
			req:  func(t *testing.T) *admissionv1.AdmissionRequest { return request(t, admissionv1.Create, hardenedPod) },
			check: func(t *testing.T, d Decision) {
				if d.Response.UID != "a1b2c3" {
					t.Errorf("uid %q", d.Response.UID)
				}
			},
		},
		{
			name: "UPDATE judged on the new object",
			req: func(t *testing.T) *admissionv1.AdmissionRequest {
				r := request(t, admissionv1.Update, privilegedPod)
				r.OldObject = request(t, admissionv1.Create, hardenedPod).Object
				return r
			},
			check: func(t *testing.T, d Decision) {
				if d.Response.Allowed {
					t.Error("an update that makes the pod privileged was admitted")
				}
			},
		},
		{
			name: "UPDATE onlyWorse admits what the old object already had, with warnings",
			cfg:  "updates: onlyWorse\n",
			req: func(t *testing.T) *admissionv1.AdmissionRequest {
				r := request(t, admissionv1.Update, strings.Replace(privilegedPod, "{name: p, namespace: apps}", "{name: p, namespace: apps, labels: {team: shop}}", 1))
				r.OldObject = request(t, admissionv1.Create, privilegedPod).Object
				return r
			},
			check: func(t *testing.T, d Decision) {
				if !d.Response.Allowed || !slices.ContainsFunc(d.Hits, func(h Hit) bool { return h.Existing }) || len(d.Response.Warnings) == 0 {
					t.Errorf("allowed=%v warnings=%d, want admitted with the existing hits as warnings", d.Response.Allowed, len(d.Response.Warnings))
				}
			},
		},
		{
			name: "UPDATE onlyWorse denies what the update made worse",
			cfg:  "updates: onlyWorse\n",
			req: func(t *testing.T) *admissionv1.AdmissionRequest {
				r := request(t, admissionv1.Update, privilegedPod)
				r.OldObject = request(t, admissionv1.Create, strings.Replace(privilegedPod, "privileged: true", "privileged: false", 1)).Object
				return r
			},
			check: func(t *testing.T, d Decision) {
				if d.Response.Allowed {
					t.Error("an update that adds privileged was admitted")
				}
			},
		},
		{
			name: "DELETE allowed unjudged",
			req: func(t *testing.T) *admissionv1.AdmissionRequest {
				r := request(t, admissionv1.Delete, privilegedPod)
				r.OldObject, r.Object = r.Object, runtime.RawExtension{}
				return r
			},
			check: func(t *testing.T, d Decision) {
				if !d.Response.Allowed || d.Skipped == "" || len(d.Hits) > 0 {
					t.Errorf("allowed=%v skipped=%q", d.Response.Allowed, d.Skipped)
				}
			},
		},
		{
			name: "pods/exec not judged",
			req: func(t *testing.T) *admissionv1.AdmissionRequest {
				r := request(t, admissionv1.Connect, privilegedPod)
				r.SubResource = "exec"
				return r
			},
			check: func(t *testing.T, d Decision) {
				if !d.Response.Allowed || d.Skipped == "" {
					t.Errorf("allowed=%v skipped=%q", d.Response.Allowed, d.Skipped)
				}
			},
		},
		{
			name: "pods/ephemeralcontainers judges the new pod",
			req: func(t *testing.T) *admissionv1.AdmissionRequest {
				r := request(t, admissionv1.Update, hardenedPod+"  ephemeralContainers:\n  - {name: debug, image: busybox:1.36, securityContext: {privileged: true}}\n")
				r.SubResource = "ephemeralcontainers"
				return r
			},
			check: func(t *testing.T, d Decision) {
				if d.Response.Allowed {
					t.Error("a privileged ephemeral container was admitted")
				}
			},
		},
		{
			name: "unknown kind admitted and said so",
			req: func(t *testing.T) *admissionv1.AdmissionRequest {
				return request(t, admissionv1.Create, "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w, namespace: apps}\nspec: {size: 3}\n")
			},
			check: func(t *testing.T, d Decision) {
				if !d.Response.Allowed || !strings.Contains(d.Skipped, "Widget") || d.Kind != "Widget" {
					t.Errorf("allowed=%v skipped=%q kind=%q", d.Response.Allowed, d.Skipped, d.Kind)
				}
			},
		},
		{
			name: "custom resource with a pod template judged",
			req: func(t *testing.T) *admissionv1.AdmissionRequest {
				return request(t, admissionv1.Create, "apiVersion: example.com/v1\nkind: Runner\nmetadata: {name: w, namespace: apps}\n"+
					"spec: {template: {spec: {containers: [{name: c, image: registry.example/app:1.0, securityContext: {privileged: true}}]}}}\n")
			},
			check: func(t *testing.T, d Decision) {
				if d.Response.Allowed {
					t.Errorf("a custom resource running a privileged pod was admitted (skipped %q)", d.Skipped)
				}
			},
		},
		{
			name: "misspelt field judged on the raw object",
			req: func(t *testing.T) *admissionv1.AdmissionRequest {
				r := request(t, admissionv1.Create, hardenedPod)
				r.Object.Raw = []byte(strings.Replace(string(r.Object.Raw), `"readOnlyRootFilesystem"`, `"readOnlyRootFileSystem"`, 1))
				return r
			},
			check: func(t *testing.T, d Decision) {
				if !slices.ContainsFunc(d.Hits, func(h Hit) bool { return strings.HasPrefix(h.RuleID, "manifest/") }) {
					t.Errorf("hits %+v: want a manifest rule on the misspelt field", d.Hits)
				}
			},
		},
		{
			name: "object that cannot be decoded answered by failure policy Fail",
			req: func(t *testing.T) *admissionv1.AdmissionRequest {
				r := request(t, admissionv1.Create, privilegedPod)
				r.Object.Raw = []byte(`{"apiVersion":"v1","kind":"Pod","spec":{"containers":"oops"}}`)
				return r
			},
			check: func(t *testing.T, d Decision) {
				if d.Err == nil || d.Response.Allowed || d.Response.Result.Code != 500 {
					t.Errorf("err=%v allowed=%v", d.Err, d.Response.Allowed)
				}
				if strings.Contains(d.Err.Error(), "oops") {
					t.Errorf("error quotes the object: %v", d.Err)
				}
			},
		},
		{
			name: "object that cannot be decoded answered by failure policy Ignore",
			cfg:  "failurePolicy: Ignore\n",
			req: func(t *testing.T) *admissionv1.AdmissionRequest {
				r := request(t, admissionv1.Create, privilegedPod)
				r.Object.Raw = []byte(`{"apiVersion":"v1","kind":"Pod","spec":{"containers":"oops"}}`)
				return r
			},
			check: func(t *testing.T, d Decision) {
				if d.Err == nil || !d.Response.Allowed || len(d.Response.Warnings) != 1 {
					t.Errorf("err=%v allowed=%v warnings=%q", d.Err, d.Response.Allowed, d.Response.Warnings)
				}
			},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var cfg *Config
			if c.cfg != "" {
				cfg = config(t, c.cfg)
			}
			cc := newFakeContext()
			cc.accounts["apps/app"] = &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "app", Namespace: "apps"}}
			d := engine(t, cfg, cc).Review(context.Background(), c.req(t))
			if d.Response == nil {
				t.Fatal("no response")
			}
			c.check(t, d)
		})
	}
}
