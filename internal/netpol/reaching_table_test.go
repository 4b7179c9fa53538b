package netpol_test

import (
	"slices"
	"testing"

	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"palisade.dev/palisade/internal/netpol"
)

func TestReaching(t *testing.T) {
	label := func(app string) map[string]string { return map[string]string{"app": app} }
	workloads := []netpol.Workload{
		{Namespace: "x", Kind: "Pod", Name: "db", Labels: label("db"), Ports: []netpol.ContainerPort{{Name: "pg", Protocol: netpol.TCP, Port: 5432}}},
		{Namespace: "x", Kind: "Pod", Name: "api", Labels: label("api")},
		{Namespace: "y", Kind: "Pod", Name: "web", Labels: label("web")},
	}
	policy := func(ns, name, app string, types []networkingv1.PolicyType, in []networkingv1.NetworkPolicyIngressRule, eg []networkingv1.NetworkPolicyEgressRule) netpol.Policy {
		p := netpol.Policy{Namespace: ns, Name: name}
		p.Spec = networkingv1.NetworkPolicySpec{PodSelector: metav1.LabelSelector{MatchLabels: label(app)}, PolicyTypes: types, Ingress: in, Egress: eg}
		return p
	}
	ingress, egress := []networkingv1.PolicyType{networkingv1.PolicyTypeIngress}, []networkingv1.PolicyType{networkingv1.PolicyTypeEgress}
	fromAPI := []networkingv1.NetworkPolicyPeer{{PodSelector: &metav1.LabelSelector{MatchLabels: label("api")}}}
	pg := intstr.FromString("pg")
	namedPort := []networkingv1.NetworkPolicyPort{{Port: &pg}}
	tests := []struct {
		name     string
		policies []netpol.Policy
		port     int32
		want     []string
	}{
		{"without policies every workload reaches the database, itself included", nil, 5432, []string{"x/Pod/api", "x/Pod/db", "y/Pod/web"}},
		{"an ingress rule from the api on the named port admits the api only",
			[]netpol.Policy{policy("x", "db", "db", ingress, []networkingv1.NetworkPolicyIngressRule{{From: fromAPI, Ports: namedPort}}, nil)},
			5432, []string{"x/Pod/api"}},
		{"the named port does not open another port",
			[]netpol.Policy{policy("x", "db", "db", ingress, []networkingv1.NetworkPolicyIngressRule{{From: fromAPI, Ports: namedPort}}, nil)},
			5433, nil},
		{"an egress default deny of the web workload takes it out of what the open ingress admits",
			[]netpol.Policy{policy("y", "deny", "web", egress, nil, nil)},
			5432, []string{"x/Pod/api", "x/Pod/db"}},
		{"an egress rule allowing every peer keeps the web workload in",
			[]netpol.Policy{policy("y", "out", "web", egress, nil, []networkingv1.NetworkPolicyEgressRule{{}})},
			5432, []string{"x/Pod/api", "x/Pod/db", "y/Pod/web"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := netpol.Analyze(netpol.Input{Workloads: workloads, Policies: tt.policies})
			var got []string
			for c := range a.Reaching(a.Workload("x/Pod/db"), netpol.TCP, tt.port) {
				for _, w := range a.Members(c) {
					got = append(got, a.Workloads[w].ID())
				}
			}
			slices.Sort(got)
			if !slices.Equal(got, tt.want) {
				t.Errorf("Reaching(x/Pod/db, %d/TCP) = %v, want %v", tt.port, got, tt.want)
			}
		})
	}
}
