package inventory_test

import (
	"slices"
	"testing"
	"unsafe"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"palisade.dev/palisade/internal/inventory"
)

// TestObjectStaysInItsSizeClass holds an object to the 240-byte class of Go's allocator: a
// scan keeps one per object it reads, so each field added to every object costs 10 MB at a
// million objects, and what few objects have belongs behind their shared pointer.
func TestObjectStaysInItsSizeClass(t *testing.T) {
	if size := unsafe.Sizeof(inventory.Object{}); size > 240 {
		t.Errorf("an Object takes %d bytes, more than the 240 of its size class", size)
	}
}

// TestRarePartsOfACopyOutliveTheOriginalsRelease pins that what few objects have (issues, the
// object as meant, a pod template found by shape, a Service's addresses) is replaced, never
// changed: a copy made to keep an object's content past Release keeps all of it.
func TestRarePartsOfACopyOutliveTheOriginalsRelease(t *testing.T) {
	issue := inventory.FieldIssue{Kind: inventory.UnknownField, Path: "spec.hostnetwork", Field: "hostnetwork"}
	meant := &inventory.AsMeant{Object: &inventory.Object{Name: "meant"}, Renames: []inventory.Rename{{Written: "spec.hostnetwork", Meant: "spec.hostNetwork"}}}
	shape := inventory.PodTemplate{Meta: &metav1.ObjectMeta{}, Spec: &corev1.PodSpec{Containers: []corev1.Container{{Name: "app"}}}, SpecPath: "spec.template.spec", MetaPath: "spec.template.metadata"}

	o := &inventory.Object{Name: "custom", Content: map[string]any{"spec": map[string]any{}}}
	o.GVK.Group, o.GVK.Version, o.GVK.Kind = "example.com", "v1", "Runner"
	o.AddIssues(issue)
	o.SetAsMeant(meant)
	if err := o.SetShapePod(shape); err != nil {
		t.Fatal(err)
	}
	kept := *o
	o.Release(false, inventory.Keep{})

	if got := o.AsMeant(); got != nil {
		t.Errorf("released: AsMeant() = %v, want nil", got)
	}
	if _, ok := inventory.PodTemplateOf(o); ok {
		t.Error("released: PodTemplateOf still finds the pod template found by shape")
	}
	if got := o.Issues(); !slices.Equal(got, []inventory.FieldIssue{issue}) {
		t.Errorf("released: Issues() = %v, want the one issue", got)
	}
	if kept.AsMeant() != meant {
		t.Error("the copy lost the object as meant when the original was released")
	}
	if pod, ok := inventory.PodTemplateOf(&kept); !ok || pod.Spec != shape.Spec {
		t.Error("the copy lost its pod template found by shape when the original was released")
	}
	if got := kept.Issues(); !slices.Equal(got, []inventory.FieldIssue{issue}) {
		t.Errorf("the copy's Issues() = %v, want the one issue", got)
	}

	// Issues added to one of them are that one's.
	more := inventory.FieldIssue{Kind: inventory.DuplicateKey, Path: "metadata.name", Field: "name"}
	o.AddIssues(more)
	if got := kept.Issues(); len(got) != 1 {
		t.Errorf("an issue added to the original reached the copy: %v", got)
	}
	if got := o.Issues(); !slices.Equal(got, []inventory.FieldIssue{issue, more}) {
		t.Errorf("Issues() = %v, want both, in the order added", got)
	}
}
