package netpol

import (
	"fmt"
	"testing"

	corev1 "k8s.io/api/core/v1"

	"k8s.io/apimachinery/pkg/util/intstr"
)

func FuzzParsePortProtocol(f *testing.F) {
	for _, s := range []string{"80", "80/TCP", "53/udp", "9/SCTP", "0", "65536", "/TCP", "80/", "080/tcp", "99999999999", "-1/TCP", "80/ICMP"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		port, p, err := ParsePortProtocol(s)
		if err != nil {
			return
		}
		if port < MinPort || port > MaxPort || p >= numProtocols {
			t.Fatalf("%q read as port %d protocol %d", s, port, p)
		}
		again, q, err := ParsePortProtocol(fmt.Sprintf("%d/%s", port, p))
		if err != nil || again != port || q != p {
			t.Fatalf("%q does not read back: %d/%v, %v", s, again, q, err)
		}
	})
}

func FuzzParseEndpoint(f *testing.F) {
	a := Analyze(Input{Workloads: truthPods()})
	for _, s := range []string{"x/Pod/a", "y/Pod/c", "x/Pod/d", "10.0.0.1", "::1", "::ffff:10.0.0.1", "x/a", "x//a", "/", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		e, err := a.ParseEndpoint(s)
		if err != nil {
			return
		}
		if e.Workload >= 0 && a.Workloads[e.Workload].ID() != s {
			t.Fatalf("%q found workload %s", s, a.Workloads[e.Workload].ID())
		}
		if e.Workload < 0 && (!e.Addr.IsValid() || e.Addr.Is4In6()) {
			t.Fatalf("%q read as address %v", s, e.Addr)
		}
		_ = a.Explain(e, Endpoint{Workload: 0}, TCP, 80)
	})
}

// FuzzServiceTargets holds the Service PORT argument of `netpol explain`: whatever it is
// given, it resolves to a port of the Service or is an error, and the targets it returns are
// workloads the Service selects.
func FuzzServiceTargets(f *testing.F) {
	svc := serviceFrom("x", "web", &corev1.ServiceSpec{Selector: map[string]string{"pod": "a"}, Ports: []corev1.ServicePort{
		{Name: "http", Port: 80, TargetPort: intstr.FromString("serve-80-tcp")},
		{Name: "dns", Port: 53, Protocol: corev1.ProtocolUDP, TargetPort: intstr.FromInt32(81)},
	}})
	a := Analyze(Input{Workloads: truthPods(), Services: []Service{svc}})
	for _, s := range []string{"80", "http", "http/TCP", "53/UDP", "dns/udp", "53/TCP", "/", "", "80/", "8O"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, port string) {
		targets, unresolved, err := a.ServiceTargets(svc.ID(), port)
		if err != nil {
			return
		}
		for _, tg := range targets {
			if w := a.Workloads[tg.Workload]; w.Namespace != "x" || w.Labels["pod"] != "a" || tg.Port == 0 {
				t.Fatalf("%q targets %s port %d", port, w.ID(), tg.Port)
			}
		}
		if len(targets)+len(unresolved) != 1 {
			t.Fatalf("%q: %d targets, %d unresolved; the Service selects one workload", port, len(targets), len(unresolved))
		}
	})
}
