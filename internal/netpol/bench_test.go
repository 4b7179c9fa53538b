package netpol_test

import (
	"bufio"
	"cmp"
	"fmt"
	"io"
	"os"
	"testing"

	corev1 "k8s.io/api/core/v1"

	"palisade.dev/palisade/internal/netpol"
	"palisade.dev/palisade/internal/netpol/netpolcorpus"
)

// corpusInput turns a generated corpus into the engine's input, as FromInventory would.
func corpusInput(c *netpolcorpus.Corpus) netpol.Input {
	var in netpol.Input
	for _, ns := range c.Namespaces {
		in.Namespaces = append(in.Namespaces, netpol.Namespace{Name: ns.Name, Labels: ns.Labels})
	}
	for _, p := range c.Pods {
		w := netpol.Workload{Namespace: p.Namespace, Kind: "Pod", Name: p.Name, Labels: p.Labels}
		for _, ct := range p.Spec.Containers {
			for _, cp := range ct.Ports {
				proto, _ := netpol.ParseProtocol(cmp.Or(string(cp.Protocol), string(corev1.ProtocolTCP)))
				w.Ports = append(w.Ports, netpol.ContainerPort{Name: cp.Name, Protocol: proto, Port: cp.ContainerPort})
			}
		}
		in.Workloads = append(in.Workloads, w)
	}
	for _, p := range c.Policies {
		in.Policies = append(in.Policies, netpol.Policy{Namespace: p.Namespace, Name: p.Name, Spec: p.Spec})
	}
	for _, p := range c.AdminPolicies {
		in.AdminPolicies = append(in.AdminPolicies, netpol.AdminFromANP(p.Name, &p.Spec))
	}
	if c.Baseline != nil {
		in.AdminPolicies = append(in.AdminPolicies, netpol.AdminFromBANP(c.Baseline.Name, &c.Baseline.Spec))
	}
	return in
}

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
			benchSummary(b, name, corpusInput(c))
		}
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
