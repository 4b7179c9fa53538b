package cluster

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"palisade.dev/palisade/internal/inventory"
)

func mirrorPod(ns string, annotated bool, command ...string) *corev1.Pod {
	p := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: ns},
		Spec:       corev1.PodSpec{NodeName: "cp-1", Containers: []corev1.Container{{Name: "c", Command: command, Env: []corev1.EnvVar{{Name: "ETCD_X", Value: "1"}, {Name: "FROM", ValueFrom: &corev1.EnvVarSource{}}}}}},
	}
	if annotated {
		p.Annotations = map[string]string{mirrorAnnotation: "hash"}
	}
	return p
}

func TestMirrorComponent(t *testing.T) {
	tests := []struct {
		name string
		pod  *corev1.Pod
		kind inventory.ComponentKind
	}{
		{name: "a kubeadm API server", pod: mirrorPod("kube-system", true, "kube-apiserver", "--authorization-mode=Node,RBAC"), kind: inventory.KubeAPIServer},
		{name: "etcd by its path", pod: mirrorPod("kube-system", true, "/usr/local/bin/etcd"), kind: inventory.Etcd},
		{name: "not a mirror pod", pod: mirrorPod("kube-system", false, "kube-apiserver")},
		{name: "a mirror pod outside kube-system", pod: mirrorPod("default", true, "kube-apiserver")},
		{name: "not a control-plane program", pod: mirrorPod("kube-system", true, "nginx")},
		{name: "no command", pod: mirrorPod("kube-system", true)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, node, ok := mirrorComponent(tc.pod)
			if ok != (tc.kind != "") {
				t.Fatalf("ok = %v", ok)
			}
			if !ok {
				return
			}
			if c.Kind != tc.kind || node != "cp-1" || c.Source != inventory.FromMirrorPod || c.Path != tc.pod.Namespace+"/p" {
				t.Errorf("component %+v on %q", c, node)
			}
			if c.Env["ETCD_X"] != "1" || len(c.Env) != 1 {
				t.Errorf("env %v: values only, never from references", c.Env)
			}
		})
	}
}

func TestControlPlaneNodes(t *testing.T) {
	api := &inventory.Component{Kind: inventory.KubeAPIServer, Path: "kube-system/a"}
	etcd := &inventory.Component{Kind: inventory.Etcd, Path: "kube-system/e"}
	nodes := controlPlaneNodes(map[string][]*inventory.Component{"cp-2": {api}, "cp-1": {api, etcd}}, "")
	if len(nodes) != 2 || nodes[0].Host != "cp-1" || !nodes[0].Remote || nodes[0].Components[0].Kind != inventory.Etcd {
		t.Errorf("nodes = %+v", nodes)
	}
	for _, d := range []string{"EKS", "GKE", "AKS"} {
		managed := controlPlaneNodes(nil, d)
		if len(managed) != 1 || managed[0].Managed == "" || !managed[0].Remote {
			t.Errorf("%s: %+v, want one node whose checks are the provider's", d, managed)
		}
	}
	if got := controlPlaneNodes(nil, "k3s"); len(got) != 0 {
		t.Errorf("k3s without mirror pods: %+v, want none", got)
	}
}
