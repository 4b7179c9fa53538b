package remedytext_test

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/client-go/kubernetes/scheme"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/fix/remedytext"
	"palisade.dev/palisade/internal/testrules"
)

// restrictedPod is a pod of namespace ns that the restricted Pod Security Standard admits.
const restrictedPod = `apiVersion: v1
kind: Pod
metadata:
  name: web
  namespace: %s
spec:
  securityContext:
    runAsNonRoot: true
    seccompProfile:
      type: RuntimeDefault
  containers:
    - name: app
      image: registry.example/app@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
      securityContext:
        allowPrivilegeEscalation: false
        capabilities:
          drop: [ALL]
`

// namespaceWithLabels is namespace ns as the input defines it, with labels.
func namespaceWithLabels(ns string, labels map[string]string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: %s\n", ns)
	if len(labels) > 0 {
		b.WriteString("  labels:\n")
		keys := make([]string, 0, len(labels))
		for k := range labels {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			fmt.Fprintf(&b, "    %s: %q\n", k, labels[k])
		}
	}
	return b.String()
}

// TestNamespaceObjectsClearTheNamespaceFindings scans a folder of manifests, the way palisade
// scan reads one, with the namespace rules: a pod and its namespace in one file, and what
// NamespaceObjects writes in the file NamespaceFile names beside it.
func TestNamespaceObjectsClearTheNamespaceFindings(t *testing.T) {
	labels, err := remedytext.PodSecurityLabels("")
	if err != nil {
		t.Fatal(err)
	}
	all := []string{"namespace/default-deny-network-policy", "namespace/limit-range", "namespace/pod-security-enforce", "namespace/resource-quota"}
	tests := []struct {
		name string
		// input is the manifests beside the remedies.
		input string
		// opts is what NamespaceObjects is asked for; nil writes no remedy file.
		opts *remedytext.NamespaceOptions
		want []string // rule IDs of the namespace findings left
	}{
		{name: "namespace in the input, labelled, beside the objects", input: namespaceWithLabels("shop", labels) + "---\n" + fmt.Sprintf(restrictedPod, "shop"),
			opts: &remedytext.NamespaceOptions{}},
		{name: "namespace only used, the remedy file defines it", input: fmt.Sprintf(restrictedPod, "shop"),
			opts: &remedytext.NamespaceOptions{Namespace: true}},
		{name: "namespace only used, pinned to a version", input: fmt.Sprintf(restrictedPod, "shop"),
			opts: &remedytext.NamespaceOptions{Namespace: true, PodSecurityVersion: "v1.35"}},
		{name: "without the remedies every rule reports", input: namespaceWithLabels("shop", nil) + "---\n" + fmt.Sprintf(restrictedPod, "shop"),
			want: all},
		{name: "the objects without the labels leave the Pod Security finding", input: namespaceWithLabels("shop", nil) + "---\n" + fmt.Sprintf(restrictedPod, "shop"),
			opts: &remedytext.NamespaceOptions{}, want: []string{"namespace/pod-security-enforce"}},
		{name: "what the namespace has is left out, and what it lacks is cleared", input: namespaceWithLabels("shop", labels) + "---\n" + fmt.Sprintf(restrictedPod, "shop"),
			opts: &remedytext.NamespaceOptions{HasLimitRange: true}, want: []string{"namespace/limit-range"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			writeFile(t, filepath.Join(dir, "app.yaml"), tt.input)
			if tt.opts != nil {
				writeFile(t, filepath.Join(dir, remedytext.NamespaceFile("shop")), string(namespaceObjects(t, "shop", *tt.opts)))
			}
			var got []string
			for _, f := range testrules.Manifests(t, testrules.Builtin(t), "namespace/*", nil, dir) {
				if f.Object.Namespace != "shop" && f.Object.Name != "shop" {
					t.Errorf("finding on %s/%s, not on namespace shop: %s", f.Object.Namespace, f.Object.Name, f.Message)
				}
				got = append(got, f.RuleID)
			}
			slices.Sort(got)
			if !slices.Equal(got, tt.want) {
				t.Errorf("namespace findings %v, want %v", got, tt.want)
			}
		})
	}
}

// TestNamespaceObjectsDrawNoOtherFinding scans the objects with every built-in rule: a remedy
// must not be the cause of another finding (a NetworkPolicy rule, say).
func TestNamespaceObjectsDrawNoOtherFinding(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, remedytext.NamespaceFile("shop"))
	writeFile(t, file, string(namespaceObjects(t, "shop", remedytext.NamespaceOptions{Namespace: true})))
	for _, f := range testrules.Manifests(t, testrules.Builtin(t), "*", nil, dir) {
		if f.Status == finding.Fail {
			t.Errorf("%s on %s %s: %s", f.RuleID, f.Object.Kind, f.Object.Name, f.Message)
		}
	}
}

func writeFile(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestResourceQuotaIsTwentyPodsAtTheLimitRangeDefaults pins the derivation the quota's
// comment states: each bound is 20 times the LimitRange's default for one container.
func TestResourceQuotaIsTwentyPodsAtTheLimitRangeDefaults(t *testing.T) {
	var quota *corev1.ResourceQuota
	var limits *corev1.LimitRange
	for _, doc := range documents(t, namespaceObjects(t, "shop", remedytext.NamespaceOptions{})) {
		obj, _, err := scheme.Codecs.UniversalDeserializer().Decode(doc, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		switch o := obj.(type) {
		case *corev1.ResourceQuota:
			quota = o
		case *corev1.LimitRange:
			limits = o
		}
	}
	if quota == nil || limits == nil || len(limits.Spec.Limits) != 1 {
		t.Fatalf("quota %v, limit range %v", quota != nil, limits)
	}
	const pods = 20
	item := limits.Spec.Limits[0]
	tests := []struct {
		bound    corev1.ResourceName
		perPod   resource.Quantity
		resource string
	}{
		{corev1.ResourceRequestsCPU, item.DefaultRequest[corev1.ResourceCPU], "cpu request"},
		{corev1.ResourceRequestsMemory, item.DefaultRequest[corev1.ResourceMemory], "memory request"},
		{corev1.ResourceLimitsCPU, item.Default[corev1.ResourceCPU], "cpu limit"},
		{corev1.ResourceLimitsMemory, item.Default[corev1.ResourceMemory], "memory limit"},
	}
	if got := quota.Spec.Hard[corev1.ResourcePods]; got.Value() != pods {
		t.Errorf("pods %s, want %d", got.String(), pods)
	}
	for _, tt := range tests {
		want := resource.NewMilliQuantity(tt.perPod.MilliValue()*pods, tt.perPod.Format)
		if got := quota.Spec.Hard[tt.bound]; got.Cmp(*want) != 0 {
			t.Errorf("%s %s, want %d x the default %s %s = %s", tt.bound, got.String(), pods, tt.resource, tt.perPod.String(), want.String())
		}
	}
}
