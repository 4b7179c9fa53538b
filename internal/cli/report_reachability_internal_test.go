package cli

import (
	"reflect"
	"testing"

	networkingv1 "k8s.io/api/networking/v1"

	"palisade.dev/palisade/internal/netpol"
	"palisade.dev/palisade/internal/report"
)

// TestReachabilitySummary counts a namespace whose ingress a policy denies and one no
// policy isolates: the first's workload is reachable from nowhere, the second's from the
// first namespace and from outside, and both may reach outside.
func TestReachabilitySummary(t *testing.T) {
	deny := netpol.Policy{Namespace: "locked", Name: "deny-ingress", Spec: networkingv1.NetworkPolicySpec{
		PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeIngress}}}
	in := netpol.Input{
		Namespaces: []netpol.Namespace{{Name: "locked"}, {Name: "open"}},
		Workloads: []netpol.Workload{
			{Namespace: "locked", Kind: "Deployment", Name: "web", Labels: map[string]string{"app": "web"}},
			{Namespace: "open", Kind: "Pod", Name: "client", Labels: map[string]string{"app": "client"}},
		},
		Policies: []netpol.Policy{deny},
	}
	counted := []report.NamespaceReachability{
		{Namespace: "locked", Workloads: 1, Policies: 1, FromOtherNamespaces: 0, FromOutside: 0, ToOutside: 1},
		{Namespace: "open", Workloads: 1, Policies: 0, FromOtherNamespaces: 1, FromOutside: 1, ToOutside: 1},
	}
	uncounted := []report.NamespaceReachability{
		{Namespace: "locked", Workloads: 1, Policies: 1, FromOutside: 0, ToOutside: 1},
		{Namespace: "open", Workloads: 1, FromOutside: 1, ToOutside: 1},
	}
	for _, tt := range []struct {
		name       string
		maxClasses int
		want       []report.NamespaceReachability
		cross      bool
	}{
		{"within the bound every column is counted", maxCrossNamespaceClasses, counted, true},
		{"past the bound the reach across namespaces is left uncounted", 1, uncounted, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			a := netpol.Analyze(in)
			got := reachabilitySummary(a, in.Policies, tt.maxClasses)
			if !reflect.DeepEqual(got.Namespaces, tt.want) || got.CrossNamespace != tt.cross || got.Classes != a.Classes() {
				t.Errorf("got %+v (cross-namespace %t, %d classes), want %+v (%t, %d)", got.Namespaces, got.CrossNamespace, got.Classes, tt.want, tt.cross, a.Classes())
			}
		})
	}
}

// TestMergeReachability names each namespace with its context when several clusters have
// policies, and leaves out the clusters without.
func TestMergeReachability(t *testing.T) {
	one := &report.Reachability{CrossNamespace: true, Classes: 2, Namespaces: []report.NamespaceReachability{{Namespace: "a", Workloads: 2}}, Problems: []string{"p"}}
	two := &report.Reachability{CrossNamespace: false, Classes: 5000, Namespaces: []report.NamespaceReachability{{Namespace: "b", Workloads: 1}}}
	for _, tt := range []struct {
		name     string
		contexts []string
		in       []*report.Reachability
		want     *report.Reachability
	}{
		{"one cluster keeps its namespaces' names", []string{"prod"}, []*report.Reachability{one}, one},
		{"no cluster with policies has no summary", []string{"prod", "dev"}, []*report.Reachability{nil, nil}, nil},
		{"several clusters name each namespace with its context", []string{"prod", "dev", "test"}, []*report.Reachability{one, nil, two},
			&report.Reachability{CrossNamespace: false, Classes: 5002, Problems: []string{"prod: p"},
				Namespaces: []report.NamespaceReachability{{Namespace: "prod: a", Workloads: 2}, {Namespace: "test: b", Workloads: 1}}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := mergeReachability(tt.contexts, tt.in); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}
