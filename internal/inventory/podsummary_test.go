package inventory_test

import (
	"reflect"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"palisade.dev/palisade/internal/inventory"
)

func TestPodSummary(t *testing.T) {
	yes, no := true, false
	web := corev1.ContainerPort{Name: "http", ContainerPort: 8080}
	migrate := corev1.ContainerPort{ContainerPort: 9000, Protocol: corev1.ProtocolUDP}
	spec := corev1.PodSpec{
		InitContainers: []corev1.Container{{Image: "migrate", Ports: []corev1.ContainerPort{migrate}}},
		Containers:     []corev1.Container{{Image: "postgres:16", Ports: []corev1.ContainerPort{web}}, {Image: "sidecar"}},
	}
	owners := []metav1.OwnerReference{{Kind: "ReplicaSet", Name: "web-1", Controller: &yes}, {Kind: "ConfigMap", Name: "cm", Controller: &no}}
	tests := []struct {
		name   string
		kind   string
		typed  runtime.Object
		want   inventory.PodSummary
		wantOK bool
	}{
		{"a Deployment gives its template's labels and annotations, every port, its containers' images and its controller",
			"Deployment", &appsv1.Deployment{
				ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"of": "deployment"}, Annotations: map[string]string{"of": "deployment"}, OwnerReferences: owners},
				Spec: appsv1.DeploymentSpec{Template: corev1.PodTemplateSpec{
					ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "web"}, Annotations: map[string]string{"palisade.dev/ignore": "pod/privileged why"}},
					Spec:       spec,
				}},
			},
			inventory.PodSummary{Labels: map[string]string{"app": "web"}, Ports: []corev1.ContainerPort{migrate, web}, Images: []string{"postgres:16", "sidecar"}, Controllers: owners[:1], ServiceAccount: "default",
				MetaPath: "spec.template.metadata", Annotations: map[string]string{"palisade.dev/ignore": "pod/privileged why"}}, true},
		{"a Pod gives its address and whether it is on the host network",
			"Pod", &corev1.Pod{Spec: corev1.PodSpec{HostNetwork: true}, Status: corev1.PodStatus{PodIP: "10.0.0.7"}},
			inventory.PodSummary{HostNetwork: true, PodIP: "10.0.0.7", ServiceAccount: "default", MetaPath: "metadata"}, true},
		{"an object that runs no pod has none", "Role", &rbacv1.Role{}, inventory.PodSummary{}, false},
	}
	for _, tt := range tests {
		beforeAndAfterRelease(t, tt.name, tt.kind, tt.typed, func(t *testing.T, o *inventory.Object) {
			got, ok := o.PodSummary()
			if !reflect.DeepEqual(got, tt.want) || ok != tt.wantOK {
				t.Errorf("PodSummary() = %+v, %v; want %+v, %v", got, ok, tt.want, tt.wantOK)
			}
		})
	}
}
