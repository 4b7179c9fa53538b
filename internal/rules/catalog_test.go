package rules

import (
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"
	"unsafe"

	corev1 "k8s.io/api/core/v1"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/inventory"
)

func podRule(id string, check func(*PodContext) []Violation) Rule {
	return Rule{ID: id, Title: "t", Description: "d", Remedy: "r", Area: AreaWorkload, Scope: ScopePod, Severity: finding.High, Pod: check}
}

func TestNewCatalogRejectsInvalidRules(t *testing.T) {
	ok := podRule("pod/a", func(*PodContext) []Violation { return nil })
	cases := []struct {
		name string
		rule Rule
		want string
	}{
		{"ID without an area", podRule("nope", ok.Pod), "area/slug"},
		{"no evaluation function", Rule{ID: "pod/b", Title: "t", Description: "d", Remedy: "r", Area: AreaWorkload, Scope: ScopePod}, "exactly one"},
		{"scope that does not match the function", Rule{ID: "pod/c", Title: "t", Description: "d", Remedy: "r", Area: AreaWorkload, Scope: ScopeObject, Pod: ok.Pod}, "scope"},
		{"object rule without kinds", Rule{ID: "x/d", Title: "t", Description: "d", Remedy: "r", Area: AreaWorkload, Scope: ScopeObject, Object: func(*ObjectContext) []Violation { return nil }}, "kinds"},
		{"missing remedy", Rule{ID: "pod/e", Title: "t", Description: "d", Area: AreaWorkload, Scope: ScopePod, Pod: ok.Pod}, "required"},
		{"duplicate ID", ok, "defined twice"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := NewCatalog(ok, c.rule)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %v, want one mentioning %q", err, c.want)
			}
		})
	}
}

func TestCheckIDs(t *testing.T) {
	c, err := NewCatalog(
		podRule("pod/run-as-non-root", func(*PodContext) []Violation { return nil }),
		podRule("custom/team-label", func(*PodContext) []Violation { return nil }),
	)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		ids  []string
		// want are the texts the error must hold; none means the IDs are accepted.
		want []string
	}{
		{"a known ID and a pattern of known IDs are accepted", []string{"pod/run-as-non-root", "pod/*"}, nil},
		{"a typo of a built-in ID is named with a suggestion", []string{"pod/run-as-nonroot"}, []string{`did you mean "pod/run-as-non-root"`}},
		{"a pattern that matches no rule is named", []string{"net/*"}, []string{`"net/*"`}},
		{"every unknown ID is named", []string{"pod/run-as-nonroot", "net/*"}, []string{`"pod/run-as-nonroot"`, `"net/*"`}},
		{"the families of loaded rules are accepted before any is loaded", []string{"custom/*", "gatekeeper/*", "vap/*"}, nil},
		{"a ValidatingAdmissionPolicy of the input is accepted by name", []string{"vap/require-team-label"}, nil},
		{"a loaded custom rule is accepted by ID", []string{"custom/team-label"}, nil},
		{"a custom ID that is not loaded is named with a suggestion", []string{"custom/team-labels"}, []string{`did you mean "custom/team-label"`}},
		{"a gatekeeper ID that is not loaded is named", []string{"gatekeeper/owner"}, []string{`"gatekeeper/owner"`}},
		{"the family prefix alone is not an ID", []string{"vap/"}, []string{`"vap/"`}},
		{"a built-in area's pattern is still checked", []string{"pd/*"}, []string{`"pd/*"`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := c.CheckIDs("--rule", tc.ids)
			if len(tc.want) == 0 {
				if err != nil {
					t.Errorf("rejected: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("accepted, want an error holding %q", tc.want)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %v, want %q in it", err, w)
				}
			}
		})
	}
}

func TestMatchID(t *testing.T) {
	cases := []struct {
		pattern, id string
		want        bool
	}{
		{"pod/privileged", "pod/privileged", true},
		{"pod/*", "pod/privileged", true},
		{"pod/host-*", "pod/host-pid", true},
		{"pod/*", "pss/baseline", false},
		{"pod/privileged", "pod/privileged-x", false},
	}
	for _, c := range cases {
		if got := MatchID(c.pattern, c.id); got != c.want {
			t.Errorf("MatchID(%q, %q) = %v, want %v", c.pattern, c.id, got, c.want)
		}
	}
}

// TestDeferredChecksSeeTheCompleteInventory pins the streaming contract: a pod rule that needs
// another object defers a check, which runs in Finish, after every object has been read and
// the pod's own content released.
func TestDeferredChecksSeeTheCompleteInventory(t *testing.T) {
	deferring := podRule("pod/uses-missing-sa", func(ctx *PodContext) []Violation {
		ns, sa := ctx.Object.Namespace, ctx.Pod.Spec.ServiceAccountName
		ctx.Defer(func(inv *inventory.Inventory) []Violation {
			if inv.Get("ServiceAccount", ns, sa) != nil {
				return nil
			}
			return []Violation{{Path: "spec.serviceAccountName", Message: "missing " + sa}}
		})
		return nil
	})
	deferring.Reads = []string{"ServiceAccount"}
	c, err := NewCatalog(deferring)
	if err != nil {
		t.Fatal(err)
	}
	pod := func(name, sa string) *inventory.Object {
		o := &inventory.Object{Name: name, Namespace: "ns", Typed: &corev1.Pod{Spec: corev1.PodSpec{ServiceAccountName: sa}}}
		o.GVK.Kind = "Pod"
		return o
	}
	sa := &inventory.Object{Name: "present", Namespace: "ns", Typed: &corev1.ServiceAccount{}}
	sa.GVK.Kind = "ServiceAccount"
	objs := []*inventory.Object{pod("a", "present"), pod("b", "absent"), sa} // the ServiceAccount comes last

	e := c.NewEvaluation(&Options{}, nil)
	e.Release = true
	inv := inventory.New()
	var wg sync.WaitGroup
	for _, o := range objs {
		wg.Go(func() { e.Object(o) })
	}
	wg.Wait()
	for _, o := range objs {
		inv.Add(o)
	}
	fs := e.Finish(inv)
	if len(fs) != 1 || fs[0].Object.Name != "b" || fs[0].Message != "missing absent" {
		t.Fatalf("findings = %+v, want one about pod b", fs)
	}
	if objs[0].Typed != nil || objs[2].Typed == nil {
		t.Error("release should drop the pods' content and keep the ServiceAccount the rule reads")
	}
}

func TestNamespaceFindingsAttachToTheNamespaceOrItsFirstObject(t *testing.T) {
	nsRule := Rule{ID: "namespace/x", Title: "t", Description: "d", Remedy: "r", Area: AreaNamespace, Scope: ScopeNamespace,
		Namespace: func(ctx *NamespaceContext) []Violation { return []Violation{{Message: ctx.Name}} }}
	c, err := NewCatalog(nsRule)
	if err != nil {
		t.Fatal(err)
	}
	inv := inventory.New()
	defined := &inventory.Object{Name: "defined", Origin: inventory.Origin{File: "ns.yaml"}}
	defined.GVK.Kind = "Namespace"
	used := &inventory.Object{Name: "cm", Namespace: "used", Origin: inventory.Origin{File: "cm.yaml"}}
	used.GVK.Kind = "ConfigMap"
	inv.Add(defined)
	inv.Add(used)
	fs := c.Evaluate(inv, &Options{}, nil)
	finding.Sort(fs)
	if len(fs) != 2 {
		t.Fatalf("got %d findings, want one per namespace", len(fs))
	}
	if fs[0].Location.File != "cm.yaml" || fs[0].Object.Kind != "Namespace" || fs[0].Object.Name != "used" {
		t.Errorf("a namespace the input only uses: %+v", fs[0])
	}
	if fs[1].Location.File != "ns.yaml" || fs[1].Object.Name != "defined" {
		t.Errorf("a namespace the input defines: %+v", fs[1])
	}
}

func TestParseKubernetesVersion(t *testing.T) {
	cases := []struct {
		in, want string
		ok       bool
	}{
		{"", "", true},
		{"latest", "", true},
		{"v1.26", "v1.26", true},
		{"1.30", "v1.30", true},
		{"v1.026", "", false},
		{"v2.1", "", false},
		{"v1.30.2", "", false},
		{"one", "", false},
	}
	for _, c := range cases {
		got, err := ParseKubernetesVersion(c.in)
		if got != c.want || (err == nil) != c.ok {
			t.Errorf("ParseKubernetesVersion(%q) = %q, %v; want %q, ok %v", c.in, got, err, c.want, c.ok)
		}
	}
	if m, ok := (&Options{KubernetesVersion: "v1.26"}).KubernetesMinor(); !ok || m != 26 {
		t.Errorf("KubernetesMinor = %d, %v; want 26", m, ok)
	}
	if _, ok := (&Options{}).KubernetesMinor(); ok {
		t.Error("an empty version should mean the newest known, not a minor")
	}
}

func TestViolationsThatAreErrorsAreScanErrorsNotFindings(t *testing.T) {
	failing := func(*PodContext) []Violation {
		return []Violation{{Path: "spec.containers[0]", Err: errors.New("the policy failed")}, {Message: "judged"}}
	}
	deferredFailing := func(c *PodContext) []Violation {
		c.Defer(func(*inventory.Inventory) []Violation { return []Violation{{Err: errors.New("later")}} })
		return nil
	}
	c, err := NewCatalog(podRule("pod/failing", failing), podRule("pod/deferred", deferredFailing))
	if err != nil {
		t.Fatal(err)
	}
	o := &inventory.Object{Name: "p", Namespace: "ns", Typed: &corev1.Pod{Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "a"}}}}}
	o.GVK.Version, o.GVK.Kind = "v1", "Pod"
	o.Origin.File = "p.yaml"
	inv := inventory.New()
	inv.Add(o)
	e := c.NewEvaluation(&Options{}, nil)
	e.Object(o)
	fs := e.Finish(inv)
	if len(fs) != 1 || fs[0].Message != "judged" {
		t.Errorf("findings %+v, want only the judged one", fs)
	}
	var got []string
	for _, se := range e.Errors() {
		got = append(got, se.Error()+" "+se.Object.String())
	}
	want := []string{"p.yaml: rule pod/failing: the policy failed Pod/ns/p", "p.yaml: rule pod/deferred: later Pod/ns/p"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("errors %q, want %q", got, want)
	}
}

// TestDeferredChecksThatFindNothingCostNoRoom pins that Finish keeps the findings of deferred
// checks in room the size of what they found, not of how many checks there were: a large
// scan defers tens of thousands of checks, and most find nothing.
func TestDeferredChecksThatFindNothingCostNoRoom(t *testing.T) {
	deferring := podRule("pod/rarely-wrong", func(ctx *PodContext) []Violation {
		name := ctx.Object.Name
		ctx.Defer(func(*inventory.Inventory) []Violation {
			if name != "pod-0" {
				return nil
			}
			return []Violation{{Path: "spec", Message: "wrong"}}
		})
		return nil
	})
	c, err := NewCatalog(deferring)
	if err != nil {
		t.Fatal(err)
	}
	const pods = 20000
	e := c.NewEvaluation(&Options{}, nil)
	e.Release = true
	e.Sink = func(*inventory.Object, []finding.Finding) {}
	inv := inventory.New()
	for i := range pods {
		o := &inventory.Object{Name: fmt.Sprintf("pod-%d", i), Namespace: "ns", Typed: &corev1.Pod{}}
		o.GVK.Kind = "Pod"
		e.Object(o)
		inv.Add(o)
	}
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	fs := e.Finish(inv)
	runtime.ReadMemStats(&after)
	if len(fs) != 1 {
		t.Fatalf("%d findings, want the one", len(fs))
	}
	// Room for every check to report once would be pods findings of 360 bytes: 7 MB.
	if grew := after.TotalAlloc - before.TotalAlloc; grew > uint64(pods*unsafe.Sizeof(finding.Finding{})/4) {
		t.Errorf("Finish allocated %d bytes for one finding of %d deferred checks", grew, pods)
	}
}
