package netpol_test

import (
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"palisade.dev/palisade/internal/netpol"
)

func TestClass(t *testing.T) {
	web := map[string]string{"app": "web"}
	db := map[string]string{"app": "db"}
	selectDB := netpol.Policy{Namespace: "x", Name: "db"}
	selectDB.Spec.PodSelector = metav1.LabelSelector{MatchLabels: db}
	tests := []struct {
		name     string
		in       netpol.Input
		a, b     string
		sameWant bool
	}{
		{"workloads with the same labels in one namespace share a class",
			netpol.Input{Workloads: []netpol.Workload{{Namespace: "x", Kind: "Pod", Name: "a", Labels: web}, {Namespace: "x", Kind: "Pod", Name: "b", Labels: web}}},
			"x/Pod/a", "x/Pod/b", true},
		{"the same labels in two namespaces are two classes",
			netpol.Input{Workloads: []netpol.Workload{{Namespace: "x", Kind: "Pod", Name: "a", Labels: web}, {Namespace: "y", Kind: "Pod", Name: "a", Labels: web}}},
			"x/Pod/a", "y/Pod/a", false},
		{"labels a policy tells apart are two classes",
			netpol.Input{Workloads: []netpol.Workload{{Namespace: "x", Kind: "Pod", Name: "a", Labels: web}, {Namespace: "x", Kind: "Pod", Name: "b", Labels: db}}, Policies: []netpol.Policy{selectDB}},
			"x/Pod/a", "x/Pod/b", false},
		{"labels that read alike written out with commas and equals signs are two classes",
			netpol.Input{Workloads: []netpol.Workload{
				{Namespace: "x", Kind: "Pod", Name: "a", Labels: map[string]string{"app": "web,tier=db"}},
				{Namespace: "x", Kind: "Pod", Name: "b", Labels: map[string]string{"app": "web", "tier": "db"}},
			}},
			"x/Pod/a", "x/Pod/b", false},
		{"a namespace and labels that run together are two classes",
			netpol.Input{Workloads: []netpol.Workload{
				{Namespace: "x", Kind: "Pod", Name: "a", Labels: map[string]string{"\x00app": "web"}},
				{Namespace: "x\x00", Kind: "Pod", Name: "b", Labels: map[string]string{"app": "web"}},
			}},
			"x/Pod/a", "x\x00/Pod/b", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			an := netpol.Analyze(tt.in)
			a, b := an.Workload(tt.a), an.Workload(tt.b)
			if ca, cb := an.Class(a), an.Class(b); (ca == cb) != tt.sameWant || ca >= an.Classes() || cb >= an.Classes() {
				t.Errorf("Class(%s) = %d, Class(%s) = %d of %d; same class wanted: %v", tt.a, ca, tt.b, cb, an.Classes(), tt.sameWant)
			}
		})
	}
}
