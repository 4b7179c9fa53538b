package cluster

import (
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

func TestJudgedTheSame(t *testing.T) {
	pod := func(rv, phase, ip, image string, labels map[string]string) *corev1.Pod {
		return &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Name: "p", ResourceVersion: rv, Labels: labels},
			Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: image}}},
			Status:     corev1.PodStatus{Phase: corev1.PodPhase(phase), PodIP: ip, Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionStatus(rv)}}},
		}
	}
	deployment := func(rv string, generation int64, ready int32) *appsv1.Deployment {
		return &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: "d", ResourceVersion: rv, Generation: generation}, Status: appsv1.DeploymentStatus{ReadyReplicas: ready}}
	}
	custom := func(rv string) *unstructured.Unstructured {
		u := &unstructured.Unstructured{Object: map[string]any{"metadata": map[string]any{"name": "w", "resourceVersion": rv, "generation": int64(1)}}}
		return u
	}
	configMap := func(rv string) *corev1.ConfigMap {
		return &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "c", ResourceVersion: rv}}
	}
	tests := []struct {
		name     string
		old, cur any
		same     bool
	}{
		{"a resync is the same version", pod("1", "Running", "10.0.0.1", "a", nil), pod("1", "Running", "10.0.0.1", "a", nil), true},
		{"a pod's readiness changes nothing the rules read", pod("1", "Running", "10.0.0.1", "a", nil), pod("2", "Running", "10.0.0.1", "a", nil), true},
		{"a pod that finished no longer runs as its ServiceAccount", pod("1", "Running", "10.0.0.1", "a", nil), pod("2", "Succeeded", "10.0.0.1", "a", nil), false},
		{"a pod's new address is what NetworkPolicy ipBlocks match", pod("1", "Pending", "", "a", nil), pod("2", "Pending", "10.0.0.1", "a", nil), false},
		{"a pod's new image", pod("1", "Running", "10.0.0.1", "a", nil), pod("2", "Running", "10.0.0.1", "b", nil), false},
		{"a pod's new label", pod("1", "Running", "10.0.0.1", "a", nil), pod("2", "Running", "10.0.0.1", "a", map[string]string{"x": "y"}), false},
		{"a Deployment's status alone", deployment("1", 3, 1), deployment("2", 3, 2), true},
		{"a Deployment's new spec has a new generation", deployment("1", 3, 1), deployment("2", 4, 1), false},
		{"a custom resource may change its spec without a new generation", custom("1"), custom("2"), false},
		{"a ConfigMap has no generation: every change counts", configMap("1"), configMap("2"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := judgedTheSame(tt.old, tt.cur); got != tt.same {
				t.Errorf("judgedTheSame = %v, want %v", got, tt.same)
			}
		})
	}
}
