package vap_test

import (
	"context"
	"maps"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apiserver/pkg/admission/plugin/policy/validating"
	"k8s.io/apiserver/pkg/cel/openapi/resolver"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/restmapper"

	"palisade.dev/palisade/internal/inventory"
	"palisade.dev/palisade/internal/source/manifest"
	"palisade.dev/palisade/internal/testcluster"
	"palisade.dev/palisade/internal/vap"
)

var cluster = testcluster.Shared{}

func TestMain(m *testing.M) { os.Exit(cluster.Main(m)) }

// warnings collects the warnings of the API server's answers (Warning headers).
type warnings struct {
	mu   sync.Mutex
	list []string
}

func (w *warnings) HandleWarningHeader(_ int, _ string, text string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.list = append(w.list, text)
}

func (w *warnings) take() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := w.list
	w.list = nil
	return out
}

// loadPolicies creates the policies and bindings and type-checks every policy against the
// API server's schemas, failing on any warning.
func loadPolicies(ctx context.Context, t *testing.T, client kubernetes.Interface, pairs []vap.Pair) {
	t.Helper()
	api := client.AdmissionregistrationV1()
	for _, p := range pairs {
		if _, err := api.ValidatingAdmissionPolicies().Create(ctx, p.Policy, metav1.CreateOptions{}); err != nil {
			t.Fatalf("the API server refuses the policy of %s: %v", p.Rule.ID, err)
		}
		if _, err := api.ValidatingAdmissionPolicyBindings().Create(ctx, p.Binding, metav1.CreateOptions{}); err != nil {
			t.Fatalf("the API server refuses the binding of %s: %v", p.Rule.ID, err)
		}
	}
	// The API server's type checking is run by kube-controller-manager's
	// ValidatingAdmissionPolicy status controller, which the test cluster does not run: run
	// the same checker here, with the schemas the API server publishes.
	checker := &validating.TypeChecker{
		SchemaResolver: &resolver.ClientDiscoveryResolver{Discovery: client.Discovery()},
		RestMapper:     restmapper.NewDeferredDiscoveryRESTMapper(memory.NewMemCacheClient(client.Discovery())),
	}
	for _, p := range pairs {
		got, err := api.ValidatingAdmissionPolicies().Get(ctx, p.Policy.Name, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range checker.Check(got) {
			t.Errorf("policy of %s: type-checking warning at %s: %s", p.Rule.ID, w.FieldRef, w.Warning)
		}
	}
}

func setAction(ctx context.Context, t *testing.T, client kubernetes.Interface, pairs []vap.Pair, action admissionregistrationv1.ValidationAction) {
	t.Helper()
	api := client.AdmissionregistrationV1().ValidatingAdmissionPolicyBindings()
	for _, p := range pairs {
		b, err := api.Get(ctx, p.Binding.Name, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		b.Spec.ValidationActions = []admissionregistrationv1.ValidationAction{action}
		if _, err := api.Update(ctx, b, metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
}

// apiObject is a fixture object ready to be created in namespace ns.
func apiObject(o *inventory.Object, ns string) (*unstructured.Unstructured, bool) {
	obj, _, ok := admissionObject(o)
	if !ok {
		return nil, false
	}
	obj = obj.DeepCopy()
	obj.SetNamespace(ns)
	obj.SetResourceVersion("")
	obj.SetUID("")
	if obj.GetName() == "" {
		obj.SetGenerateName("fixture-")
	}
	unstructured.RemoveNestedField(obj.Object, "metadata", "creationTimestamp")
	unstructured.RemoveNestedField(obj.Object, "status")
	return obj, true
}

// rulesWarned are the rules whose policies warned, from the API server's warnings
// ("Validation failed for ValidatingAdmissionPolicy 'palisade-pod-privileged' ...").
func rulesWarned(ws []string, ids []string) map[string]bool {
	out := map[string]bool{}
	for _, w := range ws {
		for _, id := range ids {
			if strings.Contains(w, "'"+vap.Name(id)+"'") {
				if !strings.Contains(w, id) {
					continue
				}
				out[id] = true
			}
		}
	}
	return out
}

// TestAPIServerRefusesWhatRulesFind loads the generated policies into a real kube-apiserver
// (v1.37) and creates every workload object of the fixtures through its API with server-side
// dry-run: the policies that warn about an object are exactly the rules that find something
// in it, each warning naming its rule; then, with the bindings set to Deny, an object a rule
// finds something in is refused with the rule ID in the message and the hardened example is
// admitted whole.
func TestAPIServerRefusesWhatRulesFind(t *testing.T) {
	c := cluster.Require(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	catalog, _, pairs := generated(t)
	ids := make([]string, len(pairs))
	for i, p := range pairs {
		ids[i] = p.Rule.ID
	}
	warnedPairs, err := vap.Generate(catalog.All(), vap.Options{Action: vap.Warn})
	if err != nil {
		t.Fatal(err)
	}
	admin := c.Client(testcluster.Admin)
	t.Cleanup(func() {
		for _, p := range pairs {
			_ = admin.AdmissionregistrationV1().ValidatingAdmissionPolicyBindings().Delete(context.Background(), p.Binding.Name, metav1.DeleteOptions{})
			_ = admin.AdmissionregistrationV1().ValidatingAdmissionPolicies().Delete(context.Background(), p.Policy.Name, metav1.DeleteOptions{})
		}
	})
	loadPolicies(ctx, t, admin, warnedPairs)
	ns := c.NewNamespace(t)

	seen := &warnings{}
	cfg := rest.CopyConfig(c.Config(testcluster.Admin))
	cfg.WarningHandler = seen
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	dryRun := metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}}
	create := func(o *inventory.Object) (map[string]bool, error) {
		obj, ok := apiObject(o, ns)
		if !ok {
			return nil, nil
		}
		if sa := serviceAccountOf(o); sa != "" {
			ensureServiceAccount(ctx, t, admin, ns, sa)
		}
		gvr := resources[o.GVK.Kind]
		seen.take()
		_, err := dyn.Resource(gvr).Namespace(ns).Create(ctx, obj, dryRun)
		return rulesWarned(seen.take(), ids), err
	}

	// The policies are in force once the API server's informers have them: wait until a
	// privileged pod draws the privileged rule's warning.
	probe := &inventory.Object{}
	privileged := true
	probe.GVK.Kind = "Pod"
	probe.Typed = &corev1.Pod{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: metav1.ObjectMeta{Name: "probe"},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "busybox:1.36",
			SecurityContext: &corev1.SecurityContext{Privileged: &privileged}}}},
	}
	probeWant := goVerdicts(catalog, nil, probe)
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(250 * time.Millisecond) {
		got, err := create(probe)
		if err != nil {
			t.Fatalf("creating the probe pod: %v", err)
		}
		if maps.Equal(got, probeWant) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the policies did not take effect within 30 s (warned: %v)", got)
		}
	}

	var compared, invalid int
	for _, input := range fixtureFiles(t) {
		res := manifest.Load(ctx, []string{input}, manifest.Options{})
		for _, o := range res.Inventory.Objects() {
			if _, _, ok := admissionObject(o); !ok || !comparable(o) {
				continue
			}
			got, err := create(o)
			if err != nil {
				// The API server's own validation refused it before any policy ran (an
				// ephemeral container on create, a field a fixture sets wrongly on purpose).
				if apierrors.IsInvalid(err) || apierrors.IsForbidden(err) && !strings.Contains(err.Error(), "ValidatingAdmissionPolicy") {
					invalid++
					continue
				}
				t.Errorf("%s %s/%s: %v", input, o.GVK.Kind, o.Name, err)
				continue
			}
			compared++
			want := goVerdicts(catalog, res.Inventory, o)
			for _, id := range ids {
				if got[id] != want[id] {
					t.Errorf("%s %s/%s: rule %s finds something: %v; the API server's policy warned: %v", input, o.GVK.Kind, o.Name, id, want[id], got[id])
				}
			}
		}
	}
	t.Logf("%d fixture objects compared through the API server, %d refused by its own validation first", compared, invalid)
	if compared < 150 {
		t.Fatalf("only %d objects could be compared", compared)
	}

	// Deny: refused with the rule ID in the message; the hardened example admitted whole.
	setAction(ctx, t, admin, pairs, vap.Deny)
	var refusal error
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(250 * time.Millisecond) {
		obj, _ := apiObject(probe, ns)
		if _, refusal = dyn.Resource(resources["Pod"]).Namespace(ns).Create(ctx, obj, dryRun); refusal != nil {
			break
		}
	}
	// The API server answers with the first policy that denies; it must name a rule that
	// finds something in the pod.
	if refusal == nil || !slices.ContainsFunc(slices.Collect(maps.Keys(probeWant)), func(id string) bool {
		return strings.Contains(refusal.Error(), "denied request: "+id+" ")
	}) {
		t.Fatalf("with Deny, a privileged pod: %v; want a refusal naming one of %v", refusal, probeWant)
	}
	res := manifest.Load(ctx, []string{"../../examples/hardened"}, manifest.Options{})
	hardened := 0
	for _, o := range res.Inventory.Objects() {
		if _, _, ok := admissionObject(o); !ok {
			continue
		}
		hardened++
		if _, err := create(o); err != nil {
			t.Errorf("hardened example %s/%s refused: %v", o.GVK.Kind, o.Name, err)
		}
	}
	if hardened == 0 {
		t.Fatal("no workload in examples/hardened")
	}
}

func serviceAccountOf(o *inventory.Object) string {
	if o.GVK.Kind != "Pod" {
		return ""
	}
	pod, ok := inventory.PodTemplateOf(o)
	if !ok || pod.Spec == nil {
		return ""
	}
	if pod.Spec.ServiceAccountName != "" {
		return pod.Spec.ServiceAccountName
	}
	return pod.Spec.DeprecatedServiceAccount
}

func ensureServiceAccount(ctx context.Context, t *testing.T, client kubernetes.Interface, ns, name string) {
	t.Helper()
	sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: name}}
	if _, err := client.CoreV1().ServiceAccounts(ns).Create(ctx, sa, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatalf("creating ServiceAccount %s: %v", name, err)
	}
}
