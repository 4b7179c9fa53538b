package netpolrules_test

import (
	"strings"
	"testing"

	"palisade.dev/palisade/internal/flags"
	"palisade.dev/palisade/internal/inventory"
	"palisade.dev/palisade/internal/source/manifest"
	"palisade.dev/palisade/internal/testrules"
)

// TestIPBlockRangesFromTheControlPlane gives the scan a control plane, as a cluster scan
// reads it from the mirror pods, whose flags name the pod and Service ranges: an ipBlock that
// holds them is reported with the flag that named them, one that excepts them is not, and
// without the control plane nothing is known and nothing reported.
func TestIPBlockRangesFromTheControlPlane(t *testing.T) {
	const policies = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: egress, namespace: shop}
spec:
  podSelector: {}
  policyTypes: [Egress]
  egress:
  - to:
    - ipBlock: {cidr: 10.0.0.0/8}
  - to:
    - ipBlock: {cidr: 10.0.0.0/8, except: [10.244.0.0/16, 10.96.0.0/12, 10.42.0.0/15]}
---
apiVersion: v1
kind: Namespace
metadata: {name: shop}
`
	component := func(kind inventory.ComponentKind, args ...string) *inventory.Component {
		return &inventory.Component{Kind: kind, Source: inventory.FromMirrorPod, Path: "kube-system/" + string(kind) + "-cp-1",
			Args: args, Flags: flags.Parse(args, flags.ComponentSpec(string(kind)))}
	}
	tests := []struct {
		name       string
		components []*inventory.Component
		want       []string // what the finding's evidence says, one finding in all; none when empty
	}{
		{"kubeadm's controller manager and API server", []*inventory.Component{
			component(inventory.KubeControllerManager, "--cluster-cidr=10.244.0.0/16,fd00:10:244::/56"),
			component(inventory.KubeAPIServer, "--service-cluster-ip-range=10.96.0.0/12"),
		}, []string{"1 pod range (10.244.0.0/16 from kube-controller-manager (mirror-pod kube-system/kube-controller-manager-cp-1) flag --cluster-cidr)",
			"1 Service range (10.96.0.0/12 from kube-apiserver (mirror-pod kube-system/kube-apiserver-cp-1) flag --service-cluster-ip-range)"}},
		{"a k3s server names both", []*inventory.Component{
			component(inventory.K3sServer, "server", "--cluster-cidr=10.42.0.0/16", "--service-cidr=10.43.0.0/16"),
		}, []string{"1 pod range (10.42.0.0/16", "1 Service range (10.43.0.0/16"}},
		{"no control plane, no range known", nil, nil},
	}
	catalog := testrules.Builtin(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := manifest.Load(t.Context(), []string{"-"}, manifest.Options{Stdin: strings.NewReader(policies)})
			if len(res.Errors) > 0 {
				t.Fatal(res.Errors)
			}
			inv := res.Inventory
			if tt.components != nil {
				inv.Nodes = []*inventory.Node{{Host: "cp-1", Remote: true, Components: tt.components}}
			}
			fs := testrules.Inventory(t, catalog, "network/ipblock-covers-cluster", nil, inv)
			if len(tt.want) == 0 {
				if len(fs) != 0 {
					t.Fatalf("findings %v, want none", fs)
				}
				return
			}
			if len(fs) != 1 || fs[0].Path != "spec.egress[0].to[0].ipBlock" {
				t.Fatalf("findings %v, want one at spec.egress[0].to[0].ipBlock", fs)
			}
			for _, w := range tt.want {
				if !strings.Contains(fs[0].Evidence, w) {
					t.Errorf("evidence %q does not say %q", fs[0].Evidence, w)
				}
			}
		})
	}
}
