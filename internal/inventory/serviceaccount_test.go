package inventory_test

import (
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"palisade.dev/palisade/internal/inventory"
)

func TestServiceAccountName(t *testing.T) {
	deployment := func(spec corev1.PodSpec) runtime.Object {
		return &appsv1.Deployment{Spec: appsv1.DeploymentSpec{Template: corev1.PodTemplateSpec{Spec: spec}}}
	}
	tests := []struct {
		name   string
		kind   string
		typed  runtime.Object
		want   string
		wantOK bool
	}{
		{"serviceAccountName is the answer", "Deployment", deployment(corev1.PodSpec{ServiceAccountName: "builder", DeprecatedServiceAccount: "old"}), "builder", true},
		{"the deprecated serviceAccount stands in when it is the only one", "Deployment", deployment(corev1.PodSpec{DeprecatedServiceAccount: "old"}), "old", true},
		{"a pod that names none runs as default", "Pod", &corev1.Pod{}, "default", true},
		{"an object that runs no pod has none", "Role", &rbacv1.Role{}, "", false},
	}
	for _, tt := range tests {
		beforeAndAfterRelease(t, tt.name, tt.kind, tt.typed, func(t *testing.T, o *inventory.Object) {
			got, ok := o.ServiceAccountName()
			if got != tt.want || ok != tt.wantOK {
				t.Errorf("ServiceAccountName() = %q, %v; want %q, %v", got, ok, tt.want, tt.wantOK)
			}
		})
	}
}

func TestAutomountServiceAccountToken(t *testing.T) {
	yes, no := true, false
	tests := []struct {
		name   string
		kind   string
		typed  runtime.Object
		want   *bool
		wantOK bool
	}{
		{"a ServiceAccount that leaves it unset", "ServiceAccount", &corev1.ServiceAccount{}, nil, true},
		{"a ServiceAccount that sets false", "ServiceAccount", &corev1.ServiceAccount{AutomountServiceAccountToken: &no}, &no, true},
		{"a ServiceAccount that sets true", "ServiceAccount", &corev1.ServiceAccount{AutomountServiceAccountToken: &yes}, &yes, true},
		{"another kind has no answer", "Pod", &corev1.Pod{}, nil, false},
	}
	for _, tt := range tests {
		beforeAndAfterRelease(t, tt.name, tt.kind, tt.typed, func(t *testing.T, o *inventory.Object) {
			got, ok := o.AutomountServiceAccountToken()
			if ok != tt.wantOK || (got == nil) != (tt.want == nil) || got != nil && *got != *tt.want {
				t.Errorf("AutomountServiceAccountToken() = %v, %v; want %v, %v", got, ok, tt.want, tt.wantOK)
			}
		})
	}
}

// beforeAndAfterRelease runs check on an object of kind holding typed, as read and then
// released, for what a released object must still answer.
func beforeAndAfterRelease(t *testing.T, name, kind string, typed runtime.Object, check func(*testing.T, *inventory.Object)) {
	for _, release := range []bool{false, true} {
		if release {
			name += ", and still after the object is released"
		}
		t.Run(name, func(t *testing.T) {
			o := &inventory.Object{GVK: schema.GroupVersionKind{Kind: kind}, Name: "x", Typed: typed}
			if release {
				o.Release(false, inventory.Keep{})
			}
			check(t, o)
		})
	}
}
