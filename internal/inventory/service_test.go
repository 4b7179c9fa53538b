package inventory_test

import (
	"slices"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"palisade.dev/palisade/internal/inventory"
)

func TestServiceAddresses(t *testing.T) {
	tests := []struct {
		name  string
		kind  string
		typed runtime.Object
		want  []string
	}{
		{"every address of a dual-stack Service", "Service", &corev1.Service{Spec: corev1.ServiceSpec{ClusterIP: "10.96.0.10", ClusterIPs: []string{"10.96.0.10", "fd00::a"}}}, []string{"10.96.0.10", "fd00::a"}},
		{"clusterIP alone, as older manifests write it", "Service", &corev1.Service{Spec: corev1.ServiceSpec{ClusterIP: "10.96.0.1"}}, []string{"10.96.0.1"}},
		{"a headless Service has none", "Service", &corev1.Service{Spec: corev1.ServiceSpec{ClusterIP: corev1.ClusterIPNone}}, nil},
		{"a Service not yet given one has none", "Service", &corev1.Service{}, nil},
		{"other kinds have none", "Pod", &corev1.Pod{}, nil},
	}
	for _, tt := range tests {
		beforeAndAfterRelease(t, tt.name, tt.kind, tt.typed, func(t *testing.T, o *inventory.Object) {
			if got := o.ServiceAddresses(); !slices.Equal(got, tt.want) {
				t.Errorf("ServiceAddresses() = %v, want %v", got, tt.want)
			}
		})
	}
}
