package netpol_test

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"testing"

	"palisade.dev/palisade/internal/netpol"
	"palisade.dev/palisade/internal/netpol/netpolcorpus"
)

// benchAdminPolicies is how many AdminNetworkPolicies the admin variant of a size adds,
// beside the baseline.
const benchAdminPolicies = 50

// BenchmarkSummary times the full summary: the analysis and every connection written as a
// line, as `palisade netpol` prints them.
func BenchmarkSummary(b *testing.B) {
	for _, n := range benchSizes() {
		for _, admin := range []int{0, benchAdminPolicies} {
			c := netpolcorpus.Generate(n)
			name := fmt.Sprintf("pods=%d", n)
			if admin > 0 {
				netpolcorpus.AddAdminPolicies(c, admin)
				name += fmt.Sprintf(",admin=%d", admin)
			}
			benchSummary(b, name, c.Input())
		}
	}
}

// BenchmarkAnalyze times the analysis alone, which a scan's network rules wait for.
func BenchmarkAnalyze(b *testing.B) {
	for _, n := range benchSizes() {
		in := netpolcorpus.Generate(n).Input()
		b.Run(fmt.Sprintf("pods=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				netpol.Analyze(in)
			}
		})
	}
}

// benchSummary times the analysis of in and every connection written as a line.
func benchSummary(b *testing.B, name string, in netpol.Input) {
	b.Run(name, func(b *testing.B) {
		b.ReportAllocs()
		lines := 0
		for b.Loop() {
			a := netpol.Analyze(in)
			w := bufio.NewWriter(io.Discard)
			lines = 0
			for c := range a.Connections {
				fmt.Fprintf(w, "%s => %s : %s\n", c.Src, c.Dst, c.Conns)
				lines++
			}
			w.Flush()
		}
		b.ReportMetric(float64(lines), "lines")
	})
}

// benchSizes are the pod counts of the benchmarks; PALISADE_NETPOL_BENCH_100K=1 adds 100,000.
func benchSizes() []int {
	if os.Getenv("PALISADE_NETPOL_BENCH_100K") == "1" {
		return []int{1000, 10000, 100000}
	}
	return []int{1000, 10000}
}
