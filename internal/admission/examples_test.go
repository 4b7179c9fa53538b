package admission

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	admissionv1 "k8s.io/api/admission/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/rules"
	"palisade.dev/palisade/internal/scan"
	"palisade.dev/palisade/internal/source/manifest"
	"palisade.dev/palisade/internal/testrules"
	"palisade.dev/palisade/internal/testscan"
)

// documents returns the documents of the example files in dir.
func documents(t *testing.T, dir string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("..", "..", "examples", dir, "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no examples in %s: %v", dir, err)
	}
	var out []string
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		docs, err := manifest.SplitDocuments(data, f)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range docs {
			if strings.Contains(string(d.Data), "kind:") {
				out = append(out, string(d.Data))
			}
		}
	}
	return out
}

// contextOf is the cluster context the examples define: their namespaces, ServiceAccounts and
// LimitRanges, as informers would hold them once applied.
func contextOf(t *testing.T, dir string) *fakeContext {
	t.Helper()
	cc := newFakeContext()
	res := manifest.Load(context.Background(), []string{filepath.Join("..", "..", "examples", dir)}, manifest.Options{})
	for _, o := range res.Inventory.Objects() {
		switch v := o.Typed.(type) {
		case *corev1.Namespace:
			cc.namespaces[v.Name] = v
		case *corev1.ServiceAccount:
			cc.accounts[o.Namespace+"/"+v.Name] = v
		case *corev1.LimitRange:
			cc.limits[o.Namespace] = append(cc.limits[o.Namespace], v)
		}
	}
	return cc
}

// TestHardenedExampleAdmittedWhole pins that every object of examples/hardened, which scans
// clean, is admitted with no hit.
func TestHardenedExampleAdmittedWhole(t *testing.T) {
	e := engine(t, nil, contextOf(t, "hardened"))
	for _, doc := range documents(t, "hardened") {
		req := request(t, admissionv1.Create, doc)
		d := e.Review(context.Background(), req)
		if !d.Response.Allowed || len(d.Hits) > 0 || d.Err != nil || len(d.Response.Warnings) > 0 {
			t.Errorf("%s %s: allowed=%v err=%v hits=%+v warnings=%q", req.Kind.Kind, req.Name, d.Response.Allowed, d.Err, d.Hits, d.Response.Warnings)
		}
	}
}

// TestHitsAreScansFindings pins that the engine judges an object as scan does: for every object
// of examples/insecure, the hits are scan's findings on that object alone (rule, path and
// message), but for what needs other objects (namespace rules, checks of Roles).
func TestHitsAreScansFindings(t *testing.T) {
	cat := testrules.Builtin(t)
	e, err := New(cat, nil, nil) // no cluster context: judged from the object alone, as scan is
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	total := 0
	defer func() {
		if total == 0 {
			t.Error("the insecure example gave no hit; it is built to have many")
		}
	}()
	for i, doc := range documents(t, "insecure") {
		req := request(t, admissionv1.Create, doc)
		file := filepath.Join(dir, "object.yaml")
		if err := os.WriteFile(file, []byte(doc), 0o600); err != nil {
			t.Fatal(err)
		}
		selected := e.objectRules
		if req.Kind.Kind == "Namespace" {
			selected = e.namespaceRules
		}
		res := scan.Manifests(context.Background(), scan.Request{Paths: []string{file}, Catalog: cat, Rules: rules.Options{PSSVersion: "latest"},
			NamespacesComplete: true, Selected: selected})
		var want []string
		for _, f := range testscan.Active(t, res) {
			if unjudgedRule(e, f) {
				continue
			}
			want = append(want, f.RuleID+" "+f.Path+" "+f.Message)
		}
		d := e.Review(context.Background(), req)
		var got []string
		for _, h := range d.Hits {
			got = append(got, h.RuleID+" "+h.Path+" "+h.Message)
		}
		total += len(got)
		slices.Sort(want)
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Errorf("document %d (%s %s):\nadmission %q\nscan      %q", i, req.Kind.Kind, req.Name, got, want)
		}
	}
}

// unjudgedRule reports whether scan's finding comes from a rule that reads what the webhook
// does not watch.
func unjudgedRule(e *Engine, f finding.Finding) bool {
	r, ok := e.cat.Lookup(f.RuleID)
	if !ok {
		return false
	}
	for _, g := range e.gaps {
		if slices.Contains(r.Reads, g.Kind) {
			return true
		}
	}
	return false
}

func TestClusterContextIsRead(t *testing.T) {
	const pod = `
apiVersion: v1
kind: Pod
metadata: {name: p, namespace: apps}
spec:
  serviceAccountName: app
  securityContext: {runAsNonRoot: true, runAsUser: 1000, seccompProfile: {type: RuntimeDefault}}
  containers:
  - name: c
    image: registry.example/app:1.0
    securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}
`
	no := false
	cases := []struct {
		name    string
		cc      func(*fakeContext)
		present []string
		absent  []string
	}{
		{
			name:    "without context the token and limits are missing",
			cc:      func(*fakeContext) {},
			present: []string{"pod/automount-service-account-token", "pod/cpu-limit"},
		},
		{
			name: "ServiceAccount that does not mount the token",
			cc: func(cc *fakeContext) {
				cc.accounts["apps/app"] = &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "app", Namespace: "apps"}, AutomountServiceAccountToken: &no}
			},
			absent:  []string{"pod/automount-service-account-token"},
			present: []string{"pod/cpu-limit"},
		},
		{
			name: "LimitRange that gives defaults",
			cc: func(cc *fakeContext) {
				cc.limits["apps"] = []*corev1.LimitRange{{ObjectMeta: metav1.ObjectMeta{Name: "l", Namespace: "apps"}, Spec: corev1.LimitRangeSpec{Limits: []corev1.LimitRangeItem{{
					Type:           corev1.LimitTypeContainer,
					Default:        corev1.ResourceList{corev1.ResourceCPU: mustQuantity("500m"), corev1.ResourceMemory: mustQuantity("128Mi")},
					DefaultRequest: corev1.ResourceList{corev1.ResourceCPU: mustQuantity("50m"), corev1.ResourceMemory: mustQuantity("64Mi")},
				}}}}}
			},
			absent: []string{"pod/cpu-limit", "pod/memory-limit", "pod/resource-requests"},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cc := newFakeContext()
			c.cc(cc)
			d := engine(t, nil, cc).Review(context.Background(), request(t, admissionv1.Create, pod))
			var ids []string
			for _, h := range d.Hits {
				ids = append(ids, h.RuleID)
				ids = append(ids, h.AlsoBreaks...)
			}
			for _, id := range c.present {
				if !slices.Contains(ids, id) {
					t.Errorf("%s missing from %v", id, ids)
				}
			}
			for _, id := range c.absent {
				if slices.Contains(ids, id) {
					t.Errorf("%s present in %v", id, ids)
				}
			}
		})
	}
}

func TestUnsyncedContextFollowsTheFailurePolicy(t *testing.T) {
	cc := newFakeContext()
	cc.unsynced = true
	d := engine(t, nil, cc).Review(context.Background(), request(t, admissionv1.Create, hardenedPod))
	if d.Err == nil || d.Response.Allowed {
		t.Errorf("err=%v allowed=%v, want refused by failurePolicy Fail", d.Err, d.Response.Allowed)
	}
}

func TestNamespaceReviewJudgesTheNamespaceItself(t *testing.T) {
	e := engine(t, nil, nil)
	d := e.Review(context.Background(), request(t, admissionv1.Create, "apiVersion: v1\nkind: Namespace\nmetadata: {name: shop, labels: {pod-security.kubernetes.io/enforce: restricted}}\n"))
	if !d.Response.Allowed || len(d.Hits) > 0 {
		t.Errorf("a Namespace enforcing restricted: allowed=%v hits=%+v", d.Response.Allowed, d.Hits)
	}
	d = e.Review(context.Background(), request(t, admissionv1.Create, "apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\n"))
	if !slices.ContainsFunc(d.Hits, func(h Hit) bool { return h.RuleID == "namespace/pod-security-enforce" }) {
		t.Errorf("a Namespace without the enforce label: hits %+v", d.Hits)
	}
	for _, h := range d.Hits {
		if h.RuleID == "namespace/resource-quota" || h.RuleID == "namespace/default-deny" || h.RuleID == "namespace/limit-range" {
			t.Errorf("a rule that judges what a namespace lacks ran at admission: %s", h.RuleID)
		}
	}
}

func mustQuantity(s string) resource.Quantity { return resource.MustParse(s) }

// TestReviewsShareNoState pins that one engine's reviews do not leak into each other (the
// engine reuses its findings buffers from review to review): the insecure example's
// documents, reviewed many times by one engine from several goroutines in varying orders,
// get exactly the responses a fresh engine gives each alone.
func TestReviewsShareNoState(t *testing.T) {
	cat := testrules.Builtin(t)
	docs := documents(t, "insecure")
	reqs := make([]*admissionv1.AdmissionRequest, len(docs))
	want := make([]string, len(docs))
	for i, doc := range docs {
		reqs[i] = request(t, admissionv1.Create, doc)
		fresh, err := New(cat, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		want[i] = responseJSON(t, fresh.Review(context.Background(), reqs[i]))
	}
	shared, err := New(cat, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for round := range 5 {
				for k := range reqs {
					i := (k*(g+1) + round) % len(reqs)
					if got := responseJSON(t, shared.Review(context.Background(), reqs[i])); got != want[i] {
						t.Errorf("document %d, goroutine %d, round %d: the response differs from a fresh engine's:\n%s\nwant\n%s", i, g, round, got, want[i])
						return
					}
				}
			}
		})
	}
	wg.Wait()
}

func responseJSON(t *testing.T, d Decision) string {
	b, err := json.Marshal(d.Response)
	if err != nil {
		t.Error(err)
	}
	return string(b)
}
