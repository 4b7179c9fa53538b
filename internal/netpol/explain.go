package netpol

import (
	"fmt"
	"net/netip"
	"strings"
)

// Endpoint is one end of a connection: a workload (an index into Workloads) or an address
// outside the cluster.
type Endpoint struct {
	Workload int // -1 for an address
	Addr     netip.Addr
}

// ParseEndpoint reads a workload name (namespace/kind/name, kind as written in the output)
// or an IP address.
func (a *Analysis) ParseEndpoint(s string) (Endpoint, error) {
	if ip, err := netip.ParseAddr(s); err == nil {
		return Endpoint{Workload: -1, Addr: ip.Unmap()}, nil
	}
	if strings.Count(s, "/") != 2 {
		return Endpoint{}, fmt.Errorf("an endpoint of %d bytes is neither namespace/kind/name nor an IP address", len(s))
	}
	if i := a.Workload(s); i >= 0 {
		return Endpoint{Workload: i}, nil
	}
	return Endpoint{}, fmt.Errorf("no workload of that name (%d bytes) in the input", len(s))
}

// Name is how the endpoint is named in output.
func (a *Analysis) Name(e Endpoint) string {
	if e.Workload < 0 {
		return e.Addr.String()
	}
	return a.Workloads[e.Workload].ID()
}

// RuleRef names one rule of a policy.
type RuleRef struct {
	Policy    string    `json:"policy"`
	Direction Direction `json:"-"`
	// Rule is the rule's field path, such as spec.ingress[0].
	Rule  string `json:"rule"`
	Where string `json:"where,omitempty"`
}

// PolicyRef names a policy that isolates a pod.
type PolicyRef struct {
	Policy string `json:"policy"`
	Where  string `json:"where,omitempty"`
}

// AdminRuleRef names the rule of an AdminNetworkPolicy or BaselineAdminNetworkPolicy that
// decides a connection (Allow, Deny) or hands it to the NetworkPolicies (Pass).
type AdminRuleRef struct {
	Kind   string `json:"kind"`
	Policy string `json:"policy"`
	// Priority is an AdminNetworkPolicy's; absent for the baseline.
	Priority *int32 `json:"priority,omitempty"`
	// Rule is the rule's field path, such as spec.egress[1]; Index its position and Name
	// its name, when it has one.
	Rule   string `json:"rule"`
	Index  int    `json:"index"`
	Name   string `json:"name,omitempty"`
	Action string `json:"action"`
	Where  string `json:"where,omitempty"`
}

func adminRef(r *rule) *AdminRuleRef {
	if r == nil {
		return nil
	}
	ref := &AdminRuleRef{Kind: r.admin.Kind.String(), Policy: r.admin.Name, Rule: r.path(), Index: r.index, Name: r.name,
		Action: r.action.String(), Where: r.admin.where(r.path())}
	if r.admin.Kind == AdminNetworkPolicy {
		ref.Priority = &r.admin.Priority
	}
	return ref
}

// Side is the verdict of one direction of a connection: the source's egress or the
// destination's ingress.
type Side struct {
	// Outside is true for the side of an address outside the cluster, where no policy
	// applies.
	Outside bool `json:"outside,omitempty"`
	// Isolating are the policies that select the pod for this direction; none means the
	// direction allows everything.
	Isolating []PolicyRef `json:"isolating,omitempty"`
	// Allowing are the rules that allow the connection.
	Allowing []RuleRef `json:"allowing,omitempty"`
	// Admin is the AdminNetworkPolicy rule that matches first: with Allow or Deny it
	// decides and Allowing stays empty (the NetworkPolicies are not consulted); with Pass
	// the NetworkPolicies, or the baseline, decide. Nil when no AdminNetworkPolicy rule
	// matches.
	Admin *AdminRuleRef `json:"admin,omitempty"`
	// Baseline is the BaselineAdminNetworkPolicy rule that decides when no NetworkPolicy
	// isolates the pod and no AdminNetworkPolicy rule decided; nil when none matches.
	Baseline *AdminRuleRef `json:"baseline,omitempty"`
	Allowed  bool          `json:"allowed"`
}

// Explanation is the verdict on one connection and the policies and rules that decide it.
type Explanation struct {
	Src, Dst string
	Protocol Protocol
	Port     int32
	Allowed  bool
	Egress   Side
	Ingress  Side
}

// Explain decides one connection by evaluating the policies on the two endpoints
// themselves, pod by pod, independently of the class matrix.
func (a *Analysis) Explain(src, dst Endpoint, p Protocol, port int32) Explanation {
	e := Explanation{Src: a.Name(src), Dst: a.Name(dst), Protocol: p, Port: port}
	sv, dv := a.endpointView(src), a.endpointView(dst)
	var dstPorts []ContainerPort
	if dst.Workload >= 0 {
		dstPorts = a.Workloads[dst.Workload].Ports
	}
	e.Egress = a.side(&sv, Egress, &dv, dstPorts, p, port)
	e.Ingress = a.side(&dv, Ingress, &sv, dstPorts, p, port)
	e.Allowed = e.Egress.Allowed && e.Ingress.Allowed
	return e
}

func (a *Analysis) endpointView(e Endpoint) endpointView {
	if e.Workload < 0 {
		return endpointView{ip: e.Addr}
	}
	return a.view(&a.Workloads[e.Workload])
}

// side evaluates direction dir of the pod self against the peer.
func (a *Analysis) side(self *endpointView, dir Direction, peer *endpointView, dstPorts []ContainerPort, p Protocol, port int32) Side {
	if !self.pod {
		return Side{Outside: true, Allowed: true}
	}
	var s Side
	var t tiers
	for _, cp := range a.admins {
		if cp.selects(self) {
			t.admin = append(t.admin, cp.rules[dir]...)
		}
	}
	for _, cp := range a.byNS[self.namespace] {
		if !cp.isolates[dir] || !cp.selects(self) {
			continue
		}
		t.isolated = true
		t.np = append(t.np, cp.rules[dir]...)
		s.Isolating = append(s.Isolating, PolicyRef{Policy: cp.ID(), Where: cp.where("")})
	}
	for _, cp := range a.baselines {
		if !t.isolated && cp.selects(self) {
			t.baseline = append(t.baseline, cp.rules[dir]...)
		}
	}
	match := func(r *rule) bool { return r.matchesPeer(peer) }
	allowed, admin, baseline := t.decide(dstPorts, p, port, match)
	s.Allowed, s.Admin, s.Baseline = allowed, adminRef(admin), adminRef(baseline)
	if admin != nil && admin.action != actPass {
		return s // decided before the NetworkPolicies
	}
	for _, r := range t.np {
		if match(r) && r.allows(dstPorts, p, port) {
			s.Allowing = append(s.Allowing, RuleRef{Policy: r.policy.ID(), Direction: dir, Rule: r.path(), Where: r.policy.where(r.path())})
		}
	}
	return s
}

// ParsePortProtocol reads PORT/PROTOCOL (80/TCP, 53/udp); the protocol defaults to TCP.
func ParsePortProtocol(s string) (int32, Protocol, error) {
	num, proto, hasProto := strings.Cut(s, "/")
	p := TCP
	if hasProto {
		var ok bool
		if p, ok = ParseProtocol(proto); !ok {
			return 0, 0, fmt.Errorf("a protocol of %d bytes is none of TCP, UDP and SCTP", len(proto))
		}
	}
	if len(num) == 0 || len(num) > 5 {
		return 0, 0, fmt.Errorf("a port of %d bytes is not a number from 1 to 65535", len(num))
	}
	n := int32(0)
	for _, c := range []byte(num) {
		if c < '0' || c > '9' {
			return 0, 0, fmt.Errorf("a port of %d bytes is not a number from 1 to 65535", len(num))
		}
		n = n*10 + int32(c-'0')
	}
	if n < MinPort || n > MaxPort {
		return 0, 0, fmt.Errorf("port %d is not within 1-65535", n)
	}
	return n, p, nil
}
