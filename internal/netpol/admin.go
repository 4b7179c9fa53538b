package netpol

import (
	"cmp"
	"fmt"
	"net/netip"
	"slices"

	"k8s.io/apimachinery/pkg/labels"
	anpv1alpha1 "sigs.k8s.io/network-policy-api/apis/v1alpha1"
)

// AdminKind tells an AdminNetworkPolicy from a BaselineAdminNetworkPolicy.
type AdminKind uint8

// The two cluster-scoped kinds of policy.networking.k8s.io/v1alpha1.
const (
	AdminNetworkPolicy AdminKind = iota
	BaselineAdminNetworkPolicy
)

func (k AdminKind) String() string {
	if k == BaselineAdminNetworkPolicy {
		return "BaselineAdminNetworkPolicy"
	}
	return "AdminNetworkPolicy"
}

// AdminPolicy is one AdminNetworkPolicy or BaselineAdminNetworkPolicy. Both kinds share
// their subject, peers and ports (v1alpha1 shared_types.go); they differ in where they stand:
// AdminNetworkPolicies before NetworkPolicies, in priority order, the baseline after them.
type AdminPolicy struct {
	Kind AdminKind
	Name string
	// Priority orders AdminNetworkPolicies, lower first; 0 for the baseline.
	Priority int32
	Subject  anpv1alpha1.AdminNetworkPolicySubject
	Ingress  []AdminRule
	Egress   []AdminRule
	// Locate returns the origin (file:line) of a field, as Policy.Locate does.
	Locate func(path string) string
}

// AdminRule is one ingress or egress rule of an AdminPolicy.
type AdminRule struct {
	Name string
	// Action is Allow, Deny or Pass (Pass only in an AdminNetworkPolicy).
	Action string
	// Peers are the rule's from or to; ingress peers set only Namespaces and Pods.
	Peers []anpv1alpha1.AdminNetworkPolicyEgressPeer
	// Ports nil means every port of every protocol.
	Ports *[]anpv1alpha1.AdminNetworkPolicyPort
}

// ID is the policy's name in explanations: kind/name (both kinds are cluster-scoped).
func (p *AdminPolicy) ID() string { return p.Kind.String() + "/" + p.Name }

func (p *AdminPolicy) label() string { return p.ID() }

func (p *AdminPolicy) where(path string) string {
	if p.Locate == nil {
		return ""
	}
	return p.Locate(path)
}

// AdminFromANP reads an AdminNetworkPolicy.
func AdminFromANP(name string, spec *anpv1alpha1.AdminNetworkPolicySpec) AdminPolicy {
	p := AdminPolicy{Kind: AdminNetworkPolicy, Name: name, Priority: spec.Priority, Subject: spec.Subject}
	for _, r := range spec.Ingress {
		p.Ingress = append(p.Ingress, AdminRule{Name: r.Name, Action: string(r.Action), Peers: ingressPeers(r.From), Ports: r.Ports})
	}
	for _, r := range spec.Egress {
		p.Egress = append(p.Egress, AdminRule{Name: r.Name, Action: string(r.Action), Peers: r.To, Ports: r.Ports})
	}
	return p
}

// AdminFromBANP reads a BaselineAdminNetworkPolicy.
func AdminFromBANP(name string, spec *anpv1alpha1.BaselineAdminNetworkPolicySpec) AdminPolicy {
	p := AdminPolicy{Kind: BaselineAdminNetworkPolicy, Name: name, Subject: spec.Subject}
	for _, r := range spec.Ingress {
		p.Ingress = append(p.Ingress, AdminRule{Name: r.Name, Action: string(r.Action), Peers: ingressPeers(r.From), Ports: r.Ports})
	}
	for _, r := range spec.Egress {
		var peers []anpv1alpha1.AdminNetworkPolicyEgressPeer
		for _, pe := range r.To {
			peers = append(peers, anpv1alpha1.AdminNetworkPolicyEgressPeer{Namespaces: pe.Namespaces, Pods: pe.Pods, Nodes: pe.Nodes, Networks: pe.Networks})
		}
		p.Egress = append(p.Egress, AdminRule{Name: r.Name, Action: string(r.Action), Peers: peers, Ports: r.Ports})
	}
	return p
}

func ingressPeers(from []anpv1alpha1.AdminNetworkPolicyIngressPeer) []anpv1alpha1.AdminNetworkPolicyEgressPeer {
	out := make([]anpv1alpha1.AdminNetworkPolicyEgressPeer, len(from))
	for i, pe := range from {
		out[i] = anpv1alpha1.AdminNetworkPolicyEgressPeer{Namespaces: pe.Namespaces, Pods: pe.Pods}
	}
	return out
}

// action is what a rule does with the connections it matches.
type action uint8

const (
	// actAllowNP is a NetworkPolicy rule: it allows, and what the rules allow adds up.
	actAllowNP action = iota
	actAllow
	actDeny
	actPass
)

func (x action) String() string {
	return [...]string{"Allow", "Allow", "Deny", "Pass"}[x]
}

// compiledAdmin is an AdminPolicy with its subject parsed and its rules compiled.
type compiledAdmin struct {
	*AdminPolicy
	// namespaces selects the subject's namespaces, pods its pods in them (nil: every pod);
	// namespaces is nil when the subject cannot be read (the policy then selects nothing).
	namespaces, pods labels.Selector
	rules            [2][]*rule
	// selected are the classes the policy selects, ascending.
	selected []int32
}

func (cp *compiledAdmin) selects(e *endpointView) bool {
	return e.pod && cp.namespaces != nil && cp.namespaces.Matches(e.nsLabels) && (cp.pods == nil || cp.pods.Matches(e.labels))
}

// sortAdmin puts AdminNetworkPolicies in evaluation order: lower priority first, then, where
// the API leaves the order undefined (equal priorities), by name so the answer is stable.
func sortAdmin(ps []*compiledAdmin) {
	slices.SortStableFunc(ps, func(x, y *compiledAdmin) int {
		return cmp.Or(cmp.Compare(x.Priority, y.Priority), cmp.Compare(x.Name, y.Name))
	})
}

func (c *compiler) compileAdmin(p *AdminPolicy) *compiledAdmin {
	cp := &compiledAdmin{AdminPolicy: p}
	switch s := &p.Subject; {
	case s.Namespaces != nil:
		cp.namespaces = c.selector(p, "spec.subject.namespaces", s.Namespaces)
	case s.Pods != nil:
		cp.namespaces = c.selector(p, "spec.subject.pods.namespaceSelector", &s.Pods.NamespaceSelector)
		cp.pods = c.selector(p, "spec.subject.pods.podSelector", &s.Pods.PodSelector)
		if cp.pods == nil {
			cp.namespaces = nil
		}
	default:
		c.problem(p, "spec.subject", "the subject sets neither namespaces nor pods: the policy selects nothing")
	}
	for d, rs := range [2][]AdminRule{p.Ingress, p.Egress} {
		for i := range rs {
			cp.rules[d] = append(cp.rules[d], c.adminRule(cp, Direction(d), i, &rs[i]))
		}
	}
	return cp
}

func (c *compiler) adminRule(cp *compiledAdmin, d Direction, i int, ar *AdminRule) *rule {
	r := &rule{admin: cp, dir: d, index: i, name: ar.Name, anyPort: ar.Ports == nil, id: c.nextID}
	c.nextID++
	base := r.path()
	switch ar.Action {
	case "Allow":
		r.action = actAllow
	case "Deny":
		r.action = actDeny
	case "Pass":
		if cp.Kind == AdminNetworkPolicy {
			r.action = actPass
			break
		}
		fallthrough
	default:
		// The API server rejects any other action; read it as Deny, the failure the
		// API asks implementations to fall back to for a rule they cannot read.
		c.problem(cp.AdminPolicy, base+".action", "an action of %d bytes is none the kind allows: read as Deny", len(ar.Action))
		r.action = actDeny
	}
	for j := range ar.Peers {
		path := fmt.Sprintf("%s.%s[%d]", base, peerField(d), j)
		if !c.adminPeer(cp.AdminPolicy, path, &ar.Peers[j], r) {
			// A peer with no field the engine knows: the API asks to fail closed, an Allow
			// rule matching nothing and a Deny or Pass rule denying everything.
			if r.action == actAllow {
				continue
			}
			c.problem(cp.AdminPolicy, path, "the peer sets no field the engine reads: the rule denies every connection")
			r.action, r.anyPeer, r.anyPort, r.peers = actDeny, true, true, nil
			return r
		}
	}
	if ar.Ports != nil {
		for j, pt := range *ar.Ports {
			c.adminPort(cp.AdminPolicy, fmt.Sprintf("%s.ports[%d]", base, j), &pt, r)
		}
	}
	return r
}

// adminPeer adds one peer's matches to r; false when the peer sets no field.
func (c *compiler) adminPeer(p *AdminPolicy, path string, ap *anpv1alpha1.AdminNetworkPolicyEgressPeer, r *rule) bool {
	set := false
	if ap.Namespaces != nil {
		set = true
		sel := c.selector(p, path+".namespaces", ap.Namespaces)
		r.peers = append(r.peers, peer{namespaces: sel, none: sel == nil})
	}
	if ap.Pods != nil {
		set = true
		ns := c.selector(p, path+".pods.namespaceSelector", &ap.Pods.NamespaceSelector)
		pods := c.selector(p, path+".pods.podSelector", &ap.Pods.PodSelector)
		r.peers = append(r.peers, peer{namespaces: ns, pods: pods, none: ns == nil || pods == nil})
	}
	for k, n := range ap.Networks {
		set = true
		cidr, err := netip.ParsePrefix(string(n))
		if err != nil {
			c.problem(p, fmt.Sprintf("%s.networks[%d]", path, k), "a value of %d bytes is not a CIDR: it matches nothing", len(n))
			continue
		}
		r.peers = append(r.peers, peer{block: &ipBlock{cidr: cidr.Masked()}})
	}
	if ap.Nodes != nil {
		set = true
		c.problem(p, path+".nodes", "node addresses are not part of the input: the peer matches nothing")
	}
	if len(ap.DomainNames) > 0 {
		set = true
		c.problem(p, path+".domainNames", "domain names are not resolved: the peer matches no address")
	}
	return set
}

func (c *compiler) adminPort(p *AdminPolicy, path string, ap *anpv1alpha1.AdminNetworkPolicyPort, r *rule) {
	proto := func(s string) (Protocol, bool) {
		got, ok := ParseProtocol(cmp.Or(s, "TCP"))
		if !ok {
			c.problem(p, path, "a protocol of %d bytes is none of TCP, UDP and SCTP: the port matches nothing", len(s))
		}
		return got, ok
	}
	span := func(pr Protocol, lo, hi int32) {
		if lo < MinPort || hi > MaxPort || hi < lo {
			c.problem(p, path, "the port range %d-%d is not within 1-65535 in order: it matches nothing", lo, hi)
			return
		}
		r.numbered = r.numbered.Union(PortRange(pr, lo, hi))
	}
	switch {
	case ap.PortNumber != nil:
		if pr, ok := proto(string(ap.PortNumber.Protocol)); ok {
			span(pr, ap.PortNumber.Port, ap.PortNumber.Port)
		}
	case ap.PortRange != nil:
		if pr, ok := proto(string(ap.PortRange.Protocol)); ok {
			span(pr, ap.PortRange.Start, ap.PortRange.End)
		}
	case ap.NamedPort != nil:
		// A named port carries no protocol: it matches the container port of that name,
		// whatever its protocol.
		r.named = append(r.named, namedPort{name: *ap.NamedPort, anyProtocol: true})
	default:
		c.problem(p, path, "the port sets no field the engine reads: it matches nothing")
	}
}

// samePriority lists the AdminNetworkPolicies that share a priority and a selected class:
// the API leaves their order undefined, and the engine evaluates them by name.
func samePriority(ps []*compiledAdmin) []string {
	var out []string
	for i := 0; i < len(ps); i++ {
		for j := i + 1; j < len(ps) && ps[j].Priority == ps[i].Priority; j++ {
			if overlap(ps[i].selected, ps[j].selected) {
				out = append(out, fmt.Sprintf("%s and %s share priority %d and select the same pods: the API leaves their order undefined, they are evaluated by name",
					ps[i].ID(), ps[j].ID(), ps[i].Priority))
			}
		}
	}
	return out
}

func overlap(a, b []int32) bool {
	for i, j := 0, 0; i < len(a) && j < len(b); {
		switch {
		case a[i] == b[j]:
			return true
		case a[i] < b[j]:
			i++
		default:
			j++
		}
	}
	return false
}
