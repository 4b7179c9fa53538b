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

// TestIPBlockNamesTheSameAddressesWhateverTheOrder lists five Services in two orders: the
// finding names the same three of their addresses, the lowest, either way. A cluster's objects
// come in no set order, and a message that changed with it would rewrite an unchanged report.
func TestIPBlockNamesTheSameAddressesWhateverTheOrder(t *testing.T) {
	policy := `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: egress, namespace: shop}
spec:
  podSelector: {}
  policyTypes: [Egress]
  egress:
  - to:
    - ipBlock: {cidr: 10.0.0.0/8}
`
	service := func(name, ip string) string {
		return "---\napiVersion: v1\nkind: Service\nmetadata: {name: " + name + ", namespace: shop}\nspec: {clusterIP: " + ip + ", ports: [{port: 80}]}\n"
	}
	services := []string{service("e", "10.96.0.50"), service("b", "10.96.0.9"), service("d", "10.96.0.30"), service("a", "10.96.0.10"), service("c", "10.96.0.2")}
	catalog := testrules.Builtin(t)
	evidence := func(order []int) string {
		text := policy
		for _, i := range order {
			text += services[i]
		}
		res := manifest.Load(t.Context(), []string{"-"}, manifest.Options{Stdin: strings.NewReader(text)})
		if len(res.Errors) > 0 {
			t.Fatal(res.Errors)
		}
		fs := testrules.Inventory(t, catalog, "network/ipblock-covers-cluster", nil, res.Inventory)
		if len(fs) != 1 {
			t.Fatalf("findings %v, want one", fs)
		}
		return fs[0].Evidence
	}
	forward, backward := evidence([]int{0, 1, 2, 3, 4}), evidence([]int{4, 3, 2, 1, 0})
	if forward != backward {
		t.Errorf("the evidence depends on the order of the Services:\n%s\n%s", forward, backward)
	}
	if want := "5 Service addresses (10.96.0.2 Service shop/c, 10.96.0.9 Service shop/b, 10.96.0.10 Service shop/a and 2 more)"; !strings.Contains(forward, want) {
		t.Errorf("evidence %q does not say %q", forward, want)
	}
}
