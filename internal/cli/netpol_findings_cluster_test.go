package cli_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"palisade.dev/palisade/internal/testcluster"
)

// TestClusterJudgesPolicyAddressesAndPortNames creates, through the API, a Service (the API
// server gives it a cluster IP), a Pod whose status carries an address, and policies whose
// ipBlocks hold those addresses or whose port names no pod declares: `palisade cluster`
// reports them from the live objects alone, and leaves the ipBlock that excepts them.
func TestClusterJudgesPolicyAddressesAndPortNames(t *testing.T) {
	c := testCluster.Require(t)
	ns := c.NewNamespace(t)
	ctx := context.Background()
	admin := c.Client(testcluster.Admin)
	svc, err := admin.CoreV1().Services(ns).Create(ctx, &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: "api"},
		Spec:       corev1.ServiceSpec{Selector: map[string]string{"app": "api"}, Ports: []corev1.ServicePort{{Port: 80}}},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if svc.Spec.ClusterIP == "" || svc.Spec.ClusterIP == corev1.ClusterIPNone {
		t.Fatalf("the Service has no cluster IP: %q", svc.Spec.ClusterIP)
	}
	pod, err := admin.CoreV1().Pods(ns).Create(ctx, &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "api", Labels: map[string]string{"app": "api"}},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "api", Image: "registry.example/api:1",
			Ports: []corev1.ContainerPort{{Name: "http", ContainerPort: 8080}}}}},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	pod.Status.PodIP, pod.Status.PodIPs = "192.0.2.10", []corev1.PodIP{{IP: "192.0.2.10"}}
	if _, err := admin.CoreV1().Pods(ns).UpdateStatus(ctx, pod, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	block := func(cidr string, except ...string) networkingv1.NetworkPolicyPeer {
		return networkingv1.NetworkPolicyPeer{IPBlock: &networkingv1.IPBlock{CIDR: cidr, Except: except}}
	}
	name := intstr.FromString("htpp")
	policies := []*networkingv1.NetworkPolicy{
		{ObjectMeta: metav1.ObjectMeta{Name: "to-the-world"}, Spec: networkingv1.NetworkPolicySpec{
			PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeEgress},
			Egress: []networkingv1.NetworkPolicyEgressRule{
				{To: []networkingv1.NetworkPolicyPeer{block("0.0.0.0/0")}},
				{To: []networkingv1.NetworkPolicyPeer{block("0.0.0.0/0", svc.Spec.ClusterIP+"/32", "192.0.2.0/24")}},
			},
		}},
		{ObjectMeta: metav1.ObjectMeta{Name: "api-ingress"}, Spec: networkingv1.NetworkPolicySpec{
			PodSelector: metav1.LabelSelector{MatchLabels: map[string]string{"app": "api"}},
			Ingress:     []networkingv1.NetworkPolicyIngressRule{{Ports: []networkingv1.NetworkPolicyPort{{Port: &name}}}},
		}},
	}
	for _, p := range policies {
		if _, err := admin.NetworkingV1().NetworkPolicies(ns).Create(ctx, p, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	_, rep, errOut := clusterReport(t, c.Kubeconfig(), "--context", testcluster.Auditor, "-n", ns, "--rule", "network/*")
	var got []string
	for _, f := range rep.Findings {
		if f.Rule == "network/ipblock-covers-cluster" || f.Rule == "network/named-port-unresolved" {
			got = append(got, f.Rule+" "+f.Object.Name+" "+f.Path)
			if f.Rule == "network/ipblock-covers-cluster" && (!strings.Contains(f.Evidence, "Service "+ns+"/api") || !strings.Contains(f.Evidence, "192.0.2.10 pod "+ns+"/api")) {
				t.Errorf("the evidence does not name the Service's and the pod's addresses: %s", f.Evidence)
			}
		}
	}
	want := []string{
		"network/ipblock-covers-cluster to-the-world spec.egress[0].to[0].ipBlock",
		"network/named-port-unresolved api-ingress spec.ingress[0].ports[0].port",
	}
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("findings %v, want %v; stderr: %s", got, want, errOut)
	}
}
