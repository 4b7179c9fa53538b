package netpol

import (
	"net/netip"
	"reflect"
	"testing"
)

func TestExplainNamesTheAdminRuleThatDecides(t *testing.T) {
	priority := int32(10)
	deny := &AdminRuleRef{Kind: "AdminNetworkPolicy", Policy: "guard", Priority: &priority, Rule: "spec.ingress[1]", Index: 1, Name: "no-y", Action: "Deny", Where: "admin.yaml@spec.ingress[1]"}
	pass := &AdminRuleRef{Kind: "AdminNetworkPolicy", Policy: "guard", Priority: &priority, Rule: "spec.ingress[0]", Index: 0, Name: "z-to-np", Action: "Pass", Where: "admin.yaml@spec.ingress[0]"}
	base := &AdminRuleRef{Kind: "BaselineAdminNetworkPolicy", Policy: "default", Rule: "spec.egress[0]", Index: 0, Action: "Deny", Where: "baseline.yaml@spec.egress[0]"}
	c := truthCase{admin: `{kind: AdminNetworkPolicy, metadata: {name: guard}, spec: {priority: 10,
  subject: {namespaces: {matchLabels: {kubernetes.io/metadata.name: x}}},
  ingress: [{name: z-to-np, action: Pass, from: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: z}}}]},
    {name: no-y, action: Deny, from: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: "y"}}}]}]}}
---
{kind: BaselineAdminNetworkPolicy, metadata: {name: default}, spec: {subject: {namespaces: {matchLabels: {kubernetes.io/metadata.name: z}}},
  egress: [{action: Deny, to: [{networks: [10.0.0.0/24]}]}]}}`}
	in := truthInput(t, c)
	for i := range in.AdminPolicies {
		file := map[AdminKind]string{AdminNetworkPolicy: "admin.yaml", BaselineAdminNetworkPolicy: "baseline.yaml"}[in.AdminPolicies[i].Kind]
		in.AdminPolicies[i].Locate = func(path string) string { return file + "@" + path }
	}
	a := Analyze(in)
	w := func(id string) Endpoint { return Endpoint{Workload: a.Workload(id)} }
	tests := []struct {
		name                string
		src, dst            Endpoint
		allowed             bool
		egressBy, ingressBy [2]*AdminRuleRef // admin, baseline
	}{
		{"a Deny names its policy, priority, rule and origin", w("y/Pod/a"), w("x/Pod/b"), false, [2]*AdminRuleRef{}, [2]*AdminRuleRef{deny, nil}},
		{"a Pass is named beside the baseline that then decides", w("z/Pod/a"), w("x/Pod/b"), false, [2]*AdminRuleRef{nil, base}, [2]*AdminRuleRef{pass, nil}},
		{"a connection no admin rule matches names none", w("x/Pod/a"), w("x/Pod/b"), true, [2]*AdminRuleRef{}, [2]*AdminRuleRef{}},
		{"the baseline judges an address outside the cluster by its networks", w("z/Pod/c"), Endpoint{Workload: -1, Addr: netip.MustParseAddr("10.0.0.200")}, false, [2]*AdminRuleRef{nil, base}, [2]*AdminRuleRef{}},
		{"an address beyond the networks is allowed", w("z/Pod/c"), Endpoint{Workload: -1, Addr: netip.MustParseAddr("10.0.1.200")}, true, [2]*AdminRuleRef{}, [2]*AdminRuleRef{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := a.Explain(tt.src, tt.dst, TCP, 80)
			got := [2][2]*AdminRuleRef{{e.Egress.Admin, e.Egress.Baseline}, {e.Ingress.Admin, e.Ingress.Baseline}}
			if e.Allowed != tt.allowed || !reflect.DeepEqual(got, [2][2]*AdminRuleRef{tt.egressBy, tt.ingressBy}) {
				t.Errorf("Explain = %v, egress %+v %+v, ingress %+v %+v; want %v", e.Allowed, e.Egress.Admin, e.Egress.Baseline, e.Ingress.Admin, e.Ingress.Baseline, tt.allowed)
			}
			if tt.dst.Workload < 0 && a.ToAddress(tt.src.Workload, tt.dst.Addr).Contains(TCP, 80) != tt.allowed {
				t.Errorf("ToAddress disagrees with the explanation")
			}
		})
	}
}
