package netpol_test

import (
	"fmt"
	"testing"

	networkingv1 "k8s.io/api/networking/v1"

	"palisade.dev/palisade/internal/netpol"
	"palisade.dev/palisade/internal/netpol/netpolcorpus"
)

// changedCorpus is c after a few policy changes, as a pull request makes them: the team
// api range of ns-00001 widened, the allow policy of ns-00002 removed (its pods keep the
// default deny), and ns-00003 opened to every ingress.
func changedCorpus(c *netpolcorpus.Corpus) *netpolcorpus.Corpus {
	out := &netpolcorpus.Corpus{Namespaces: c.Namespaces, Pods: c.Pods}
	for _, p := range c.Policies {
		p := *p.DeepCopy()
		switch {
		case p.Namespace == "ns-00001" && p.Name == "allow":
			end := int32(8095)
			p.Spec.Ingress[1].Ports[0].EndPort = &end
		case p.Namespace == "ns-00002" && p.Name == "allow":
			continue
		}
		out.Policies = append(out.Policies, p)
	}
	open := out.Policies[0].DeepCopy()
	open.Namespace, open.Name = "ns-00003", "allow-all-ingress"
	open.Spec = networkingv1.NetworkPolicySpec{Ingress: []networkingv1.NetworkPolicyIngressRule{{}}}
	out.Policies = append(out.Policies, *open)
	return out
}

// BenchmarkDiff times netpol diff's work after reading: both analyses and their diff.
func BenchmarkDiff(b *testing.B) {
	for _, n := range benchSizes() {
		c := netpolcorpus.Generate(n)
		old, cur := c.Input(), changedCorpus(c).Input()
		b.Run(fmt.Sprintf("pods=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			var ch *netpol.Change
			for b.Loop() {
				ch = netpol.Diff(netpol.Analyze(old), netpol.Analyze(cur))
			}
			b.ReportMetric(float64(len(ch.Opened)), "opened")
			b.ReportMetric(float64(len(ch.Closed)), "closed")
		})
	}
}
