package pkirules_test

import (
	"testing"

	"palisade.dev/palisade/internal/inventory"
	"palisade.dev/palisade/internal/rules"
	"palisade.dev/palisade/internal/rules/pkirules"
)

// BenchmarkRulesOnAKubeadmNode evaluates every rule of the package on one kubeadm control-plane
// node: five components, 17 certificate and key files, five kubeconfigs.
func BenchmarkRulesOnAKubeadmNode(b *testing.B) {
	k := newKubeadmNode(b)
	c, err := rules.NewCatalog(pkirules.Rules()...)
	if err != nil {
		b.Fatal(err)
	}
	inv := inventory.New()
	inv.Nodes = []*inventory.Node{k.node}
	b.ReportAllocs()
	for b.Loop() {
		e := c.NewEvaluation(&rules.Options{}, nil)
		if fails := e.Finish(inv); len(fails) != 0 {
			b.Fatalf("%d failures", len(fails))
		}
	}
}
