package netpol

import (
	"fmt"
	"net/netip"
	"strings"
	"testing"
)

// changed returns a variant of in: a policy dropped, one added, a workload relabelled,
// one removed and one added, each by chance.
func (g generator) changed(in Input) Input {
	out := Input{Namespaces: in.Namespaces}
	for i, p := range in.Policies {
		if g.r.IntN(3) != 0 || i == 0 {
			out.Policies = append(out.Policies, p)
		}
	}
	for range g.r.IntN(3) {
		out.Policies = append(out.Policies, g.policy(in.Namespaces[g.r.IntN(len(in.Namespaces))].Name, 100+len(out.Policies)))
	}
	for _, w := range in.Workloads {
		switch g.r.IntN(6) {
		case 0:
			continue
		case 1:
			w.Labels = g.labels("app", "tier")
		}
		out.Workloads = append(out.Workloads, w)
	}
	out.Workloads = append(out.Workloads, Workload{Namespace: in.Namespaces[0].Name, Kind: "Pod", Name: "added", Labels: g.labels("app", "tier")})
	return out
}

// connIndex maps "src => dst" to the connections of a list.
func connIndex(conns []Connection) map[string]ConnSet {
	m := map[string]ConnSet{}
	for _, c := range conns {
		m[c.Src+" => "+c.Dst] = c.Conns
	}
	return m
}

// rangeConns is what a list says between a workload and the range holding ip.
func rangeConns(conns []Connection, w string, ip netip.Addr, out bool) ConnSet {
	for _, c := range conns {
		name, other := c.Src, c.Dst
		if !out {
			name, other = c.Dst, c.Src
		}
		lo, hi, ok := strings.Cut(other, "-")
		if name != w || !ok {
			continue
		}
		if (AddressRange{netip.MustParseAddr(lo), netip.MustParseAddr(hi)}).Contains(ip) {
			return c.Conns
		}
	}
	return NoConns()
}

func TestDiffTurnsTheOldConnectionsIntoTheNewOnes(t *testing.T) {
	for i := range propertyInputs {
		g := newGenerator(t, i)
		in := g.input()
		before, after := Analyze(in), Analyze(g.changed(in))
		ch := Diff(before, after)
		opened, closed := connIndex(ch.Opened), connIndex(ch.Closed)
		for s := range after.Workloads {
			bs := before.Workload(after.ids[s])
			if bs < 0 {
				continue
			}
			for d := range after.Workloads {
				bd := before.Workload(after.ids[d])
				if bd < 0 || s == d {
					continue
				}
				key := after.ids[s] + " => " + after.ids[d]
				got := before.Between(bs, bd).Union(opened[key]).Subtract(closed[key])
				if want := after.Between(s, d); !got.Equal(want) {
					t.Fatalf("input %d: %s: old %v + %v - %v = %v, want %v", i, key, before.Between(bs, bd), opened[key], closed[key], got, want)
				}
			}
			for _, r := range refine(before.Ranges, after.Ranges) {
				for _, out := range []bool{true, false} {
					b, a := before.ToAddress(bs, r.Lo), after.ToAddress(s, r.Lo)
					if !out {
						b, a = before.FromAddress(r.Lo, bs), after.FromAddress(r.Lo, s)
					}
					got := b.Union(rangeConns(ch.Opened, after.ids[s], r.Hi, out)).Subtract(rangeConns(ch.Closed, after.ids[s], r.Hi, out))
					if !got.Equal(a) {
						t.Fatalf("input %d: %s and %v (outgoing %v): got %v, want %v", i, after.ids[s], r, out, got, a)
					}
				}
			}
		}
		for _, w := range ch.Added {
			var want []string
			for c := range after.Connections {
				if c.Src == w.ID || c.Dst == w.ID {
					want = append(want, fmt.Sprint(c))
				}
			}
			var got []string
			for _, c := range w.Connections {
				got = append(got, fmt.Sprint(c))
			}
			if strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Fatalf("input %d: the connections of added %s:\n%s\nwant:\n%s", i, w.ID, strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
		}
	}
}

func TestDiffOfAnInputWithItselfIsEmpty(t *testing.T) {
	for i := range propertyInputs {
		in := newGenerator(t, i).input()
		ch := Diff(Analyze(in), Analyze(in))
		if len(ch.Opened)+len(ch.Closed)+len(ch.Added)+len(ch.Removed) != 0 {
			t.Fatalf("input %d: a change of nothing: %+v", i, ch)
		}
	}
}
