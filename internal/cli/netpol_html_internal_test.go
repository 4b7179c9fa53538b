package cli

import (
	"testing"

	"palisade.dev/palisade/internal/netpol"
	"palisade.dev/palisade/internal/netpol/netpolcorpus"
)

// TestNetpolHTMLExplanationsAreTheEnginesPairByPair pins the memo of explanations by class:
// every explained port of the page equals what Explain answers for that very pair.
func TestNetpolHTMLExplanationsAreTheEnginesPairByPair(t *testing.T) {
	tests := []struct {
		name string
		pods int
	}{
		{"a corpus of 40 pods in 4 namespaces", 40},
		{"a corpus of 300 pods in 30 namespaces and 3 teams", 300},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := netpol.Analyze(netpolcorpus.Generate(tt.pods).Input())
			var conns []netpol.Connection
			for c := range a.Connections {
				conns = append(conns, c)
			}
			in := &netpolInput{analysis: a}
			g := buildNetpolGraph(conns, in)
			b := &netpolGraph{a: a}
			checked := 0
			for _, e := range g.Edges {
				src, _ := b.endpoint(g.Nodes[e.Src].ID)
				dst, _ := b.endpoint(g.Nodes[e.Dst].ID)
				for _, w := range e.Why {
					p, _ := netpol.ParseProtocol(w.Protocol)
					want := a.Explain(src, dst, p, w.Port)
					eg, ig := g.Sides[w.Egress], g.Sides[w.Ingress]
					if w.Allowed != want.Allowed || !sameSide(eg.Side, want.Egress) || !sameSide(ig.Side, want.Ingress) ||
						eg.Direction != "Egress" || ig.Direction != "Ingress" {
						t.Fatalf("%s => %s %s %d: page %+v / %+v, Explain %+v", g.Nodes[e.Src].ID, g.Nodes[e.Dst].ID, w.Protocol, w.Port, eg, ig, want)
					}
					checked++
				}
			}
			if checked == 0 || len(g.Edges) != len(conns) {
				t.Errorf("checked %d ports of %d edges for %d connections", checked, len(g.Edges), len(conns))
			}
		})
	}
}

func sameSide(x, y netpol.Side) bool {
	if x.Outside != y.Outside || x.Allowed != y.Allowed || len(x.Isolating) != len(y.Isolating) || len(x.Allowing) != len(y.Allowing) {
		return false
	}
	for i := range x.Isolating {
		if x.Isolating[i] != y.Isolating[i] {
			return false
		}
	}
	for i := range x.Allowing {
		if x.Allowing[i] != y.Allowing[i] {
			return false
		}
	}
	return true
}
