package netpol_test

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"testing"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

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

// BenchmarkReaching asks who reaches each database of an input where every namespace isolates
// its pods for egress and lets them out to any peer on the database's port, as a scan's
// database rule does: the egress rules that match every peer grow with the namespaces, and
// so does what each question would read if it read every one of them.
func BenchmarkReaching(b *testing.B) {
	for _, namespaces := range []int{100, 1000} {
		var in netpol.Input
		tcp := corev1.ProtocolTCP
		port := intstr.FromInt32(5432)
		for n := range namespaces {
			ns := fmt.Sprintf("ns-%d", n)
			for _, app := range []string{"web", "api", "db"} {
				in.Workloads = append(in.Workloads, netpol.Workload{Namespace: ns, Kind: "Deployment", Name: app, Labels: map[string]string{"app": app}})
			}
			in.Policies = append(in.Policies, netpol.Policy{Namespace: ns, Name: "egress-db", Spec: networkingv1.NetworkPolicySpec{
				PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeEgress},
				Egress:      []networkingv1.NetworkPolicyEgressRule{{Ports: []networkingv1.NetworkPolicyPort{{Protocol: &tcp, Port: &port}}}},
			}})
		}
		a := netpol.Analyze(in)
		var dbs []int
		for i, w := range a.Workloads {
			if w.Name == "db" {
				dbs = append(dbs, i)
			}
		}
		b.Run(fmt.Sprintf("namespaces=%d", namespaces), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				for _, d := range dbs {
					for range a.Reaching(d, netpol.TCP, 5432) {
					}
				}
			}
		})
	}
}
