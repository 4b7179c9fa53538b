package netpol

import (
	"slices"
	"testing"
)

// TestReachingEqualsTheMatrix checks, on generated inputs, that the classes Reaching yields
// for a destination and port are exactly those whose workloads the matrix connects to it,
// and that Between, which reads the two classes' rules only, equals the matrix Connections
// lists.
func TestReachingEqualsTheMatrix(t *testing.T) {
	ports := []int32{53, 80, 81, 443, 8080}
	for i := range propertyInputs {
		a := Analyze(newGenerator(t, i).input())
		matrix := map[[2]string]ConnSet{}
		for c := range a.Connections {
			matrix[[2]string{c.Src, c.Dst}] = c.Conns
		}
		for s := range a.Workloads {
			for d := range a.Workloads {
				want, ok := matrix[[2]string{a.ids[s], a.ids[d]}]
				if s == d || !ok {
					want = NoConns()
				}
				if got := a.Between(s, d); s != d && !got.Equal(want) {
					t.Fatalf("input %d: %s -> %s: Between %v, matrix %v", i, a.ids[s], a.ids[d], got, want)
				}
			}
		}
		for d := range a.Workloads {
			for _, p := range []Protocol{TCP, UDP, SCTP} {
				for _, port := range ports {
					var got, want []int
					for c := range a.Reaching(d, p, port) {
						got = append(got, c)
					}
					for c := range a.Classes() {
						if a.Between(int(a.Members(c)[0]), d).Contains(p, port) {
							want = append(want, c)
						}
					}
					slices.Sort(got)
					if !slices.Equal(got, want) {
						t.Fatalf("input %d: to %s on %d/%v: Reaching %v, matrix %v", i, a.ids[d], port, p, got, want)
					}
				}
			}
		}
	}
}
