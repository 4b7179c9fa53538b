package netpol

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"slices"
	"testing"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	anpv1alpha1 "sigs.k8s.io/network-policy-api/apis/v1alpha1"
)

// propertySeed is printed by every property test, so a failure can be replayed.
const propertySeed = 20261207

// generator makes random but valid inputs over a small vocabulary of labels, so that
// selectors often match.
type generator struct{ r *rand.Rand }

func newGenerator(t *testing.T, i int) generator {
	if i == 0 {
		t.Logf("seed %d", propertySeed)
	}
	return generator{rand.New(rand.NewPCG(propertySeed, uint64(i)))}
}

func (g generator) pick(xs ...string) string { return xs[g.r.IntN(len(xs))] }

func (g generator) labels(keys ...string) map[string]string {
	m := map[string]string{}
	for _, k := range keys {
		if g.r.IntN(3) > 0 {
			m[k] = g.pick("a", "b", "c")
		}
	}
	return m
}

func (g generator) selector(keys ...string) *metav1.LabelSelector {
	switch g.r.IntN(4) {
	case 0:
		return &metav1.LabelSelector{}
	case 1:
		k := g.pick(keys...)
		op := []metav1.LabelSelectorOperator{metav1.LabelSelectorOpIn, metav1.LabelSelectorOpNotIn, metav1.LabelSelectorOpExists, metav1.LabelSelectorOpDoesNotExist}[g.r.IntN(4)]
		req := metav1.LabelSelectorRequirement{Key: k, Operator: op}
		if op == metav1.LabelSelectorOpIn || op == metav1.LabelSelectorOpNotIn {
			req.Values = []string{g.pick("a", "b", "c")}
		}
		return &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{req}}
	}
	return &metav1.LabelSelector{MatchLabels: map[string]string{g.pick(keys...): g.pick("a", "b", "c")}}
}

func (g generator) input() Input {
	var in Input
	nns := 2 + g.r.IntN(3)
	for i := range nns {
		ns := fmt.Sprintf("ns%d", i)
		in.Namespaces = append(in.Namespaces, Namespace{Name: ns, Labels: g.labels("team", "env")})
		for j := range 1 + g.r.IntN(4) {
			w := Workload{Namespace: ns, Kind: g.pick("Pod", "Deployment"), Name: fmt.Sprintf("w%d", j), Labels: g.labels("app", "tier")}
			if g.r.IntN(2) == 0 {
				w.Ports = append(w.Ports, ContainerPort{Name: "http", Protocol: TCP, Port: int32(80 + g.r.IntN(2))})
			}
			if g.r.IntN(3) == 0 {
				w.Ports = append(w.Ports, ContainerPort{Name: "dns", Protocol: UDP, Port: 53})
			}
			if g.r.IntN(3) == 0 {
				w.IP = netip.AddrFrom4([4]byte{10, byte(i), 0, byte(j + 1)})
			}
			in.Workloads = append(in.Workloads, w)
		}
	}
	for range g.r.IntN(5) {
		in.Policies = append(in.Policies, g.policy(in.Namespaces[g.r.IntN(nns)].Name, len(in.Policies)))
	}
	for n := range g.r.IntN(4) {
		in.AdminPolicies = append(in.AdminPolicies, g.admin(AdminNetworkPolicy, n))
	}
	if g.r.IntN(2) == 0 {
		in.AdminPolicies = append(in.AdminPolicies, g.admin(BaselineAdminNetworkPolicy, 0))
	}
	return in
}

// admin makes an AdminNetworkPolicy (priorities from a small range, so that some are equal)
// or a BaselineAdminNetworkPolicy.
func (g generator) admin(kind AdminKind, n int) AdminPolicy {
	p := AdminPolicy{Kind: kind, Name: fmt.Sprintf("admin%d", n)}
	actions := []string{"Allow", "Deny"}
	if kind == AdminNetworkPolicy {
		p.Priority = int32(g.r.IntN(4))
		actions = append(actions, "Pass")
	}
	if g.r.IntN(2) == 0 {
		p.Subject.Namespaces = g.selector("team", "env", NamespaceNameLabel)
	} else {
		p.Subject.Pods = &anpv1alpha1.NamespacedPod{NamespaceSelector: *g.selector("team", "env"), PodSelector: *g.selector("app", "tier")}
	}
	for range g.r.IntN(3) {
		p.Ingress = append(p.Ingress, AdminRule{Action: g.pick(actions...), Peers: g.adminPeers(false), Ports: g.adminPorts()})
	}
	for range g.r.IntN(3) {
		p.Egress = append(p.Egress, AdminRule{Action: g.pick(actions...), Peers: g.adminPeers(true), Ports: g.adminPorts()})
	}
	return p
}

func (g generator) adminPeers(egress bool) []anpv1alpha1.AdminNetworkPolicyEgressPeer {
	var out []anpv1alpha1.AdminNetworkPolicyEgressPeer
	for range 1 + g.r.IntN(2) {
		var pe anpv1alpha1.AdminNetworkPolicyEgressPeer
		switch n := g.r.IntN(3); {
		case n == 0:
			pe.Namespaces = g.selector("team", "env", NamespaceNameLabel)
		case n == 1 || !egress:
			pe.Pods = &anpv1alpha1.NamespacedPod{NamespaceSelector: *g.selector("team", "env"), PodSelector: *g.selector("app", "tier")}
		default:
			pe.Networks = []anpv1alpha1.CIDR{anpv1alpha1.CIDR(g.pick("10.0.0.0/8", "10.1.0.0/16", "0.0.0.0/0", "10.0.0.1/32"))}
		}
		out = append(out, pe)
	}
	return out
}

func (g generator) adminPorts() *[]anpv1alpha1.AdminNetworkPolicyPort {
	if g.r.IntN(3) == 0 {
		return nil
	}
	var out []anpv1alpha1.AdminNetworkPolicyPort
	for range 1 + g.r.IntN(2) {
		proto := corev1.Protocol(g.pick("TCP", "UDP", "SCTP", ""))
		switch g.r.IntN(3) {
		case 0:
			out = append(out, anpv1alpha1.AdminNetworkPolicyPort{PortNumber: &anpv1alpha1.Port{Protocol: proto, Port: int32(80 + g.r.IntN(2))}})
		case 1:
			start := int32(53 + g.r.IntN(30))
			out = append(out, anpv1alpha1.AdminNetworkPolicyPort{PortRange: &anpv1alpha1.PortRange{Protocol: proto, Start: start, End: start + int32(1+g.r.IntN(20))}})
		default:
			name := g.pick("http", "dns")
			out = append(out, anpv1alpha1.AdminNetworkPolicyPort{NamedPort: &name})
		}
	}
	return &out
}

func (g generator) policy(ns string, n int) Policy {
	p := Policy{Namespace: ns, Name: fmt.Sprintf("p%d", n)}
	p.Spec.PodSelector = *g.selector("app", "tier")
	switch g.r.IntN(4) {
	case 0:
		p.Spec.PolicyTypes = []networkingv1.PolicyType{networkingv1.PolicyTypeIngress}
	case 1:
		p.Spec.PolicyTypes = []networkingv1.PolicyType{networkingv1.PolicyTypeEgress}
	case 2:
		p.Spec.PolicyTypes = []networkingv1.PolicyType{networkingv1.PolicyTypeIngress, networkingv1.PolicyTypeEgress}
	}
	for range g.r.IntN(3) {
		p.Spec.Ingress = append(p.Spec.Ingress, networkingv1.NetworkPolicyIngressRule{From: g.peers(), Ports: g.ports()})
	}
	for range g.r.IntN(3) {
		p.Spec.Egress = append(p.Spec.Egress, networkingv1.NetworkPolicyEgressRule{To: g.peers(), Ports: g.ports()})
	}
	return p
}

func (g generator) peers() []networkingv1.NetworkPolicyPeer {
	switch g.r.IntN(5) {
	case 0:
		return nil
	case 1:
		return []networkingv1.NetworkPolicyPeer{}
	}
	var out []networkingv1.NetworkPolicyPeer
	for range 1 + g.r.IntN(2) {
		var pe networkingv1.NetworkPolicyPeer
		switch g.r.IntN(4) {
		case 0:
			pe.PodSelector = g.selector("app", "tier")
		case 1:
			pe.NamespaceSelector = g.selector("team", "env", NamespaceNameLabel)
		case 2:
			pe.PodSelector, pe.NamespaceSelector = g.selector("app", "tier"), g.selector("team", "env")
		default:
			pe.IPBlock = &networkingv1.IPBlock{CIDR: g.pick("10.0.0.0/8", "10.1.0.0/16", "0.0.0.0/0", "192.168.0.0/16")}
			if g.r.IntN(2) == 0 {
				pe.IPBlock.Except = []string{g.pick("10.0.0.0/16", "10.1.0.1/32", "10.2.0.0/24")}
			}
		}
		out = append(out, pe)
	}
	return out
}

func (g generator) ports() []networkingv1.NetworkPolicyPort {
	if g.r.IntN(3) == 0 {
		return nil
	}
	var out []networkingv1.NetworkPolicyPort
	for range g.r.IntN(3) {
		var p networkingv1.NetworkPolicyPort
		if g.r.IntN(2) == 0 {
			proto := corev1.Protocol(g.pick("TCP", "UDP", "SCTP"))
			p.Protocol = &proto
		}
		switch g.r.IntN(4) {
		case 0:
		case 1:
			p.Port = &intstr.IntOrString{Type: intstr.String, StrVal: g.pick("http", "dns")}
		case 2:
			p.Port = &intstr.IntOrString{IntVal: int32(53 + g.r.IntN(30))}
			end := p.Port.IntVal + int32(g.r.IntN(20))
			p.EndPort = &end
		default:
			p.Port = &intstr.IntOrString{IntVal: int32(80 + g.r.IntN(2))}
		}
		out = append(out, p)
	}
	return out
}

// naiveAllows evaluates the policies on two pods directly, without classes, one protocol
// and port at a time, in the order the API documents.
func naiveAllows(a *Analysis, i, j int, p Protocol, port int32) bool {
	src, dst := a.view(&a.Workloads[i]), a.view(&a.Workloads[j])
	side := func(self, peer *endpointView, dir Direction) bool {
		hit := func(r *rule) bool { return r.matchesPeer(peer) && r.connsTo(a.Workloads[j].Ports).Contains(p, port) }
	admin:
		for _, cp := range a.admins {
			if !cp.selects(self) {
				continue
			}
			for _, r := range cp.rules[dir] {
				if !hit(r) {
					continue
				}
				if r.action == actPass {
					break admin
				}
				return r.action == actAllow
			}
		}
		isolated, allowed := false, false
		for _, cp := range a.policies {
			if cp.Namespace != self.namespace || !cp.isolates[dir] || !cp.selects(self) {
				continue
			}
			isolated = true
			allowed = allowed || slices.ContainsFunc(cp.rules[dir], hit)
		}
		if isolated {
			return allowed
		}
		for _, cp := range a.baselines {
			if !cp.selects(self) {
				continue
			}
			for _, r := range cp.rules[dir] {
				if hit(r) {
					return r.action == actAllow
				}
			}
		}
		return true
	}
	return side(&src, &dst, Egress) && side(&dst, &src, Ingress)
}

const propertyInputs = 300

func TestWithoutPoliciesEverythingIsAllowed(t *testing.T) {
	for i := range propertyInputs {
		in := newGenerator(t, i).input()
		in.Policies, in.AdminPolicies = nil, nil
		a := Analyze(in)
		for s := range a.Workloads {
			for d := range a.Workloads {
				if got := a.Between(s, d); !got.IsAll() {
					t.Fatalf("input %d: %s -> %s: %v", i, a.Workloads[s].ID(), a.Workloads[d].ID(), got)
				}
			}
			for _, ip := range []string{"1.2.3.4", "10.0.0.1"} {
				addr := netip.MustParseAddr(ip)
				if !a.ToAddress(s, addr).IsAll() || !a.FromAddress(addr, s).IsAll() {
					t.Fatalf("input %d: %s and %s are not open both ways", i, a.Workloads[s].ID(), ip)
				}
			}
		}
	}
}

func TestAddingAPolicyOpensConnectionsOnlyWherePodsWereAlreadyIsolated(t *testing.T) {
	for i := range propertyInputs {
		g := newGenerator(t, i)
		in := g.input()
		// A baseline stands only where no NetworkPolicy isolates: a policy that isolates a
		// pod replaces it, and may so open what the baseline denied.
		in.AdminPolicies = slices.DeleteFunc(in.AdminPolicies, func(p AdminPolicy) bool { return p.Kind == BaselineAdminNetworkPolicy })
		before := Analyze(in)
		in.Policies = append(in.Policies, g.policy(in.Namespaces[0].Name, len(in.Policies)))
		after := Analyze(in)
		added := after.policies[len(after.policies)-1]
		isolated := func(a *Analysis, w int, dir Direction) bool {
			return a.classes[a.classOf[w]].isolated[dir]
		}
		for s := range after.Workloads {
			for d := range after.Workloads {
				b, c := before.Between(s, d), after.Between(s, d)
				sv, dv := after.view(&after.Workloads[s]), after.view(&after.Workloads[d])
				touches := (added.isolates[Egress] && added.selects(&sv)) || (added.isolates[Ingress] && added.selects(&dv))
				// A side the policy extends is one another policy already isolated: only
				// there can its rules add connections.
				extends := (added.isolates[Ingress] && added.selects(&dv) && isolated(before, d, Ingress)) ||
					(added.isolates[Egress] && added.selects(&sv) && isolated(before, s, Egress))
				switch {
				case !touches && !b.Equal(c):
					t.Fatalf("input %d: a policy selecting neither end changed %s -> %s from %v to %v", i, after.Workloads[s].ID(), after.Workloads[d].ID(), b, c)
				case !extends && !c.Subtract(b).IsEmpty():
					t.Fatalf("input %d: a policy that extends no isolated side opened %s -> %s: %v", i, after.Workloads[s].ID(), after.Workloads[d].ID(), c.Subtract(b))
				}
			}
		}
	}
}

func TestExplanationAgreesWithTheMatrix(t *testing.T) {
	ports := []int32{53, 80, 81, 443}
	for i := range propertyInputs {
		a := Analyze(newGenerator(t, i).input())
		for s := range a.Workloads {
			for d := range a.Workloads {
				if s == d {
					continue
				}
				c := a.Between(s, d)
				for _, p := range []Protocol{TCP, UDP, SCTP} {
					for _, port := range ports {
						ex := a.Explain(Endpoint{Workload: s}, Endpoint{Workload: d}, p, port)
						if ex.Allowed != c.Contains(p, port) {
							t.Fatalf("input %d: %s -> %s %d/%v: explanation %v, matrix %v", i, ex.Src, ex.Dst, port, p, ex.Allowed, c)
						}
						byNP := func(s *Side) bool { return s.Admin == nil || s.Admin.Action == "Pass" }
						if ex.Allowed && ((byNP(&ex.Egress) && len(ex.Egress.Isolating) > 0 && len(ex.Egress.Allowing) == 0) || (byNP(&ex.Ingress) && len(ex.Ingress.Isolating) > 0 && len(ex.Ingress.Allowing) == 0)) {
							t.Fatalf("input %d: %s -> %s allowed without a rule on an isolated side", i, ex.Src, ex.Dst)
						}
					}
				}
			}
			for _, ip := range []string{"10.0.0.1", "10.1.0.1", "10.2.0.9", "192.168.3.4", "8.8.8.8"} {
				addr := netip.MustParseAddr(ip)
				for _, port := range ports {
					out := a.Explain(Endpoint{Workload: s}, Endpoint{Workload: -1, Addr: addr}, TCP, port)
					in := a.Explain(Endpoint{Workload: -1, Addr: addr}, Endpoint{Workload: s}, TCP, port)
					if out.Allowed != a.ToAddress(s, addr).Contains(TCP, port) || in.Allowed != a.FromAddress(addr, s).Contains(TCP, port) {
						t.Fatalf("input %d: %s and %s port %d: explanations %v/%v, matrix %v/%v", i, a.Workloads[s].ID(), ip, port, out.Allowed, in.Allowed, a.ToAddress(s, addr), a.FromAddress(addr, s))
					}
				}
			}
		}
	}
}

func TestClassesGiveThePerPodResult(t *testing.T) {
	// Every port the generator names, the ends of its ranges and their neighbours.
	var ports []int32
	for port := int32(50); port <= 105; port++ {
		ports = append(ports, port)
	}
	ports = append(ports, 1, 443, 65535)
	for i := range propertyInputs {
		a := Analyze(newGenerator(t, i).input())
		for s := range a.Workloads {
			for d := range a.Workloads {
				got := a.Between(s, d)
				for _, p := range []Protocol{TCP, UDP, SCTP} {
					for _, port := range ports {
						if want := naiveAllows(a, s, d, p, port); got.Contains(p, port) != want {
							t.Fatalf("input %d: %s -> %s %d/%v: classes %v, per pod %v", i, a.Workloads[s].ID(), a.Workloads[d].ID(), port, p, got, want)
						}
					}
				}
			}
		}
	}
}
