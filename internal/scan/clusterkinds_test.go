package scan_test

import (
	"slices"
	"testing"

	"palisade.dev/palisade/internal/rules"
	"palisade.dev/palisade/internal/scan"
)

func TestClusterKinds(t *testing.T) {
	pod := &rules.Rule{ID: "pod/x", Scope: rules.ScopePod}
	node := &rules.Rule{ID: "kubelet/x", Scope: rules.ScopeNode}
	binding := &rules.Rule{ID: "rbac/x", Scope: rules.ScopeObject, Kinds: []string{"ClusterRoleBinding", "RoleBinding"}, Reads: []string{"ClusterRole"}}
	schemaRule := &rules.Rule{ID: "manifest/x", Scope: rules.ScopeObject, Kinds: []string{"*"}}
	secretRule := &rules.Rule{ID: "secret/x", Scope: rules.ScopeObject, Kinds: []string{"Secret"}}
	quota := &rules.Rule{ID: "namespace/x", Scope: rules.ScopeNamespace, Reads: []string{"ResourceQuota"}}
	custom := &rules.Rule{ID: "custom/x", Scope: rules.ScopeObject, Kinds: []string{"Widget"}}
	tests := []struct {
		name          string
		rules         []*rules.Rule
		want, unknown []string
	}{
		{name: "namespaces are always read", want: []string{"Namespace"}},
		{name: "a pod rule reads every workload kind", rules: []*rules.Rule{pod},
			want: []string{"CronJob", "DaemonSet", "Deployment", "Job", "Namespace", "Pod", "PodTemplate", "ReplicaSet", "ReplicationController", "StatefulSet"}},
		{name: "a node rule reads the control plane's mirror pods", rules: []*rules.Rule{node}, want: []string{"Namespace", "Pod"}},
		{name: "object rules read their kinds and what they name in Reads", rules: []*rules.Rule{binding},
			want: []string{"ClusterRole", "ClusterRoleBinding", "Namespace", "RoleBinding"}},
		{name: "a rule on every kind asks for none", rules: []*rules.Rule{schemaRule}, want: []string{"Namespace"}},
		{name: "secrets are never read, whatever a rule asks", rules: []*rules.Rule{secretRule}, want: []string{"Namespace"}},
		{name: "namespace rules read what they name", rules: []*rules.Rule{quota}, want: []string{"Namespace", "ResourceQuota"}},
		{name: "kinds with no known resource are returned apart", rules: []*rules.Rule{custom}, want: []string{"Namespace"}, unknown: []string{"Widget"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, unknown := scan.ClusterKinds(tc.rules)
			if !slices.Equal(got, tc.want) || !slices.Equal(unknown, tc.unknown) {
				t.Errorf("ClusterKinds = %v, unknown %v; want %v, unknown %v", got, unknown, tc.want, tc.unknown)
			}
		})
	}
}
