package scan_test

import (
	"context"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/restmapper"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/inventory"
	"palisade.dev/palisade/internal/rules"
	"palisade.dev/palisade/internal/scan"
	"palisade.dev/palisade/internal/source/manifest"
	"palisade.dev/palisade/internal/testapply"
	"palisade.dev/palisade/internal/testcluster"
	"palisade.dev/palisade/internal/testfiles"
	"palisade.dev/palisade/internal/testscan"
)

// TestAdmissionPoliciesRefuseWhatTheAPIServerRefuses loads the policies of the scan tests into
// a real API server, asks it to create each object of a fixture (server-side dry run), and
// checks that the objects it refuses are exactly those scan flags at a Deny. It needs the test
// cluster's binaries (hack/testbin/build.sh); with CI=true their absence fails it.
func TestAdmissionPoliciesRefuseWhatTheAPIServerRefuses(t *testing.T) {
	const ns = "vap-real"
	inNS := func(doc string) string { return strings.ReplaceAll(doc, "namespace: default", "namespace: "+ns) }
	policies := []string{
		namespace(ns, "env: prod"),
		noPrivilegedPolicy,
		requireTeamLabel("Deny", prodOnly),
		trustedRegistryPolicy,
		replicaLimitPolicy,
		inNS(replicaLimitBinding("Deny", "Deny")),
		inNS(replicaLimitParam),
		// Defaults: replicas and imagePullPolicy are set by the API server before admission.
		failurePolicy("Fail", "object.spec.replicas <= 5 && object.spec.template.spec.containers.all(c, c.imagePullPolicy == 'IfNotPresent')"),
		// Warn: the API server admits, with a warning the client sees.
		strings.NewReplacer("require-team", "warn-team", `apiGroups: ["apps"]`, `apiGroups: [""]`,
			`resources: ["deployments"]`, `resources: ["pods"]`, "the Deployment ", "the Pod ").Replace(requireTeamLabel("Warn", "")),
	}
	objects := []string{
		inNS(pod("root", true)),
		inNS(pod("plain", false)),
		deployment("big", ns, 5, "team: a"),
		deployment("small", ns, 2, "team: a"),
		deployment("anon", ns, 1, ""),
		inNS(deploymentImage("docker", "docker.io/app:1", "team: a")),
		inNS(deploymentImage("exempt", "docker.io/app:1", "team: a, exempt: 'yes'")),
		inNS(deploymentImage("ours", "registry.example.com/app:1", "team: a")),
		inNS(deploymentImage("untagged", "registry.example.com/app", "team: a")),
	}
	dir := t.TempDir()
	testfiles.Write(t, dir, map[string]string{
		"policies/p.yaml": strings.Join(policies, "---\n"),
		"objects/o.yaml":  strings.Join(objects, "---\n"),
	})

	// What scan says.
	catalog, err := rules.NewCatalog()
	if err != nil {
		t.Fatal(err)
	}
	res := scan.Manifests(context.Background(), scan.Request{Paths: []string{dir}, Catalog: catalog})
	if len(res.Errors) > 0 || len(res.NotApplied) > 0 {
		t.Fatalf("scan errors %v, notes %v", res.Errors, res.NotApplied)
	}
	flagged, warnedByScan := map[string]bool{}, map[string]bool{}
	for _, f := range testscan.Active(t, res) {
		switch {
		case strings.HasPrefix(f.RuleID, "vap/") && f.Severity >= finding.High:
			flagged[f.Object.Kind+"/"+f.Object.Name] = true
		case f.RuleID == "vap/warn-team" && f.Severity == finding.Medium:
			warnedByScan[f.Object.Kind+"/"+f.Object.Name] = true
		}
	}
	if len(flagged) == 0 {
		t.Fatal("scan flagged nothing; the fixture is built to have refusals")
	}

	// What the API server says.
	c := testcluster.New(t, testcluster.Options{})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cfg := c.Config(testcluster.Admin)
	applied, err := testapply.Apply(ctx, cfg, []string{filepath.Join(dir, "policies")}, 4)
	if err != nil || len(applied.Rejected) > 0 {
		t.Fatalf("applying the policies: %v %v", err, applied.Rejected)
	}
	objs := manifest.Load(ctx, []string{filepath.Join(dir, "objects")}, manifest.Options{}).Inventory.Objects()
	dryRun := dryRunner(t, cfg)
	// The API server compiles policies and syncs their params in the background: wait until
	// every policy refuses something, then compare.
	var refused, warned map[string]string
	for {
		refused, warned = map[string]string{}, map[string]string{}
		for _, o := range objs {
			key := o.GVK.Kind + "/" + o.Name
			warnings, err := dryRun(ctx, o)
			if len(warnings) > 0 && err == nil {
				warned[key] = strings.Join(warnings, "; ")
			}
			if err != nil {
				if !apierrors.IsForbidden(err) && !apierrors.IsInvalid(err) {
					t.Fatalf("dry run of %s/%s: %v", o.GVK.Kind, o.Name, err)
				}
				refused[key] = err.Error()
			}
		}
		all := strings.Join(slices.Collect(maps.Values(refused)), "\n")
		ready := true
		for _, p := range []string{"no-privileged", "require-team", "trusted-registry", "replica-limit.example.com", "max-replicas"} {
			ready = ready && strings.Contains(all, "ValidatingAdmissionPolicy '"+p+"'")
		}
		if ready && len(warned) > 0 {
			break
		}
		if ctx.Err() != nil {
			t.Fatalf("the policies did not all take effect; refused so far: %v", refused)
		}
		time.Sleep(500 * time.Millisecond)
	}
	for key := range flagged {
		if _, ok := refused[key]; !ok {
			t.Errorf("scan flags %s, the API server admits it", key)
		}
	}
	for key, why := range refused {
		if !flagged[key] {
			t.Errorf("the API server refuses %s (%s), scan does not flag it", key, why)
		}
	}
	// Warnings are compared on the objects the API server admits: a refusal may come first.
	for key := range warnedByScan {
		if _, ok := warned[key]; !ok && refused[key] == "" {
			t.Errorf("scan warns about %s, the API server admits it without a warning", key)
		}
	}
	for key, why := range warned {
		if !warnedByScan[key] {
			t.Errorf("the API server warns about %s (%s), scan does not", key, why)
		}
	}
	if testing.Verbose() {
		t.Logf("warned by both: %v", slices.Sorted(maps.Keys(warned)))
		t.Logf("refused by both: %v", slices.Sorted(maps.Keys(flagged)))
	}
}

// dryRunner asks the API server to create an object without storing it.
func dryRunner(t *testing.T, cfg *rest.Config) func(context.Context, *inventory.Object) ([]string, error) {
	t.Helper()
	cfg = rest.CopyConfig(cfg)
	warnings := &warningLog{}
	cfg.WarningHandler = warnings
	disc, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	mapper := restmapper.NewDeferredDiscoveryRESTMapper(memory.NewMemCacheClient(disc))
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return func(ctx context.Context, o *inventory.Object) ([]string, error) {
		content, err := runtime.DefaultUnstructuredConverter.ToUnstructured(o.Typed)
		if err != nil {
			return nil, err
		}
		u := &unstructured.Unstructured{Object: content}
		u.SetGroupVersionKind(o.GVK)
		mapping, err := mapper.RESTMapping(o.GVK.GroupKind(), o.GVK.Version)
		if err != nil {
			return nil, err
		}
		warnings.take()
		opts := metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}}
		r := dyn.Resource(mapping.Resource)
		if o.Namespace == "" {
			_, err = r.Create(ctx, u, opts)
		} else {
			_, err = r.Namespace(o.Namespace).Create(ctx, u, opts)
		}
		return warnings.take(), err
	}
}

// warningLog keeps the warnings the API server sends, for one request at a time.
type warningLog struct {
	mu   sync.Mutex
	seen []string
}

func (w *warningLog) HandleWarningHeader(_ int, _ string, text string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.seen = append(w.seen, text)
}

// take returns the warnings seen since the last call.
func (w *warningLog) take() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := w.seen
	w.seen = nil
	return out
}
