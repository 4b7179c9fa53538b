package netpol

import (
	"fmt"
	"net/netip"
	"slices"

	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// Direction is the side of a connection a policy rule governs.
type Direction uint8

// The two directions, in the order of networking/v1 policyTypes.
const (
	Ingress Direction = iota
	Egress
)

func (d Direction) String() string {
	if d == Egress {
		return "Egress"
	}
	return "Ingress"
}

func (d Direction) field() string {
	if d == Egress {
		return "egress"
	}
	return "ingress"
}

// compiledPolicy is a NetworkPolicy with its selectors parsed and its rules compiled.
type compiledPolicy struct {
	*Policy
	// selector selects the pods of the policy's namespace the policy applies to; nil when
	// it cannot be parsed (the policy then selects nothing).
	selector labels.Selector
	isolates [2]bool
	rules    [2][]*rule
	// selected are the classes the policy selects, ascending.
	selected []int32
}

// rule is one ingress or egress rule: its peers AND its ports.
type rule struct {
	// policy is the NetworkPolicy of the rule, admin the AdminPolicy; one of them is nil.
	policy *compiledPolicy
	admin  *compiledAdmin
	// namespace is the NetworkPolicy's, for peers of a podSelector alone.
	namespace string
	dir       Direction
	index     int
	// name and action are an AdminPolicy rule's; a NetworkPolicy rule allows.
	name   string
	action action
	// anyPeer is true for an absent or empty from/to: every pod and every address.
	anyPeer bool
	peers   []peer
	// anyPort is true for absent or empty ports: every port of every protocol.
	anyPort bool
	// numbered is what the numeric ports and the port-less protocols allow; named are the
	// named ports, which resolve on the destination pod.
	numbered ConnSet
	named    []namedPort
	// id numbers the rule among all rules of the analysis.
	id int
}

type namedPort struct {
	name     string
	protocol Protocol
	// anyProtocol is true for an AdminPolicy's named port, which carries no protocol.
	anyProtocol bool
}

func (n *namedPort) resolves(cp *ContainerPort) bool {
	return cp.Name == n.name && (n.anyProtocol || cp.Protocol == n.protocol)
}

// peer is one entry of from/to.
type peer struct {
	// sameNamespace is true for a podSelector alone: pods of the policy's namespace.
	sameNamespace bool
	// namespaces selects namespaces when sameNamespace is false; pods selects pods in them,
	// nil meaning every pod.
	namespaces labels.Selector
	pods       labels.Selector
	block      *ipBlock
	// none is true for a peer that matches nothing: no field set, or a selector that
	// cannot be parsed.
	none bool
}

type ipBlock struct {
	cidr   netip.Prefix
	except []netip.Prefix
}

func (b *ipBlock) contains(ip netip.Addr) bool {
	if !b.cidr.Contains(ip) {
		return false
	}
	for _, e := range b.except {
		if e.Contains(ip) {
			return false
		}
	}
	return true
}

// IsolatesFor says, per Direction, whether a policy isolates the pods it selects, with the
// API's default: absent policyTypes mean Ingress, plus Egress when the policy has egress
// rules (networking/v1 NetworkPolicySpec.PolicyTypes).
func IsolatesFor(spec *networkingv1.NetworkPolicySpec) [2]bool {
	if len(spec.PolicyTypes) == 0 {
		return [2]bool{true, len(spec.Egress) > 0}
	}
	var out [2]bool
	for _, t := range spec.PolicyTypes {
		switch t {
		case networkingv1.PolicyTypeIngress:
			out[Ingress] = true
		case networkingv1.PolicyTypeEgress:
			out[Egress] = true
		}
	}
	return out
}

// compiler turns policies into rules and notes what it cannot read.
type compiler struct {
	problems []string
	nextID   int
}

// located is a policy of either kind, as problems name it.
type located interface {
	label() string
	where(path string) string
}

func (p *Policy) label() string { return "NetworkPolicy " + p.ID() }

func (c *compiler) problem(p located, path, format string, args ...any) {
	where := p.where(path)
	if where != "" {
		where = " (" + where + ")"
	}
	c.problems = append(c.problems, fmt.Sprintf("%s %s%s: ", p.label(), path, where)+fmt.Sprintf(format, args...))
}

func (c *compiler) selector(p located, path string, s *metav1.LabelSelector) labels.Selector {
	sel, err := metav1.LabelSelectorAsSelector(s)
	if err != nil {
		c.problem(p, path, "the selector cannot be parsed (%d match expressions): it selects nothing", len(s.MatchExpressions))
		return nil
	}
	return sel
}

func (c *compiler) compile(p *Policy) *compiledPolicy {
	cp := &compiledPolicy{Policy: p, isolates: IsolatesFor(&p.Spec)}
	cp.selector = c.selector(p, "spec.podSelector", &p.Spec.PodSelector)
	for i := range p.Spec.Ingress {
		r := &p.Spec.Ingress[i]
		cp.rules[Ingress] = append(cp.rules[Ingress], c.rule(cp, Ingress, i, r.From, r.Ports))
	}
	for i := range p.Spec.Egress {
		r := &p.Spec.Egress[i]
		cp.rules[Egress] = append(cp.rules[Egress], c.rule(cp, Egress, i, r.To, r.Ports))
	}
	return cp
}

func (c *compiler) rule(cp *compiledPolicy, d Direction, i int, peers []networkingv1.NetworkPolicyPeer, ports []networkingv1.NetworkPolicyPort) *rule {
	r := &rule{policy: cp, namespace: cp.Namespace, dir: d, index: i, anyPeer: len(peers) == 0, anyPort: len(ports) == 0, id: c.nextID}
	c.nextID++
	base := r.path()
	for j := range peers {
		r.peers = append(r.peers, c.peer(cp.Policy, fmt.Sprintf("%s.%s[%d]", base, peerField(d), j), &peers[j]))
	}
	for j := range ports {
		c.port(cp.Policy, fmt.Sprintf("%s.ports[%d]", base, j), &ports[j], r)
	}
	return r
}

func peerField(d Direction) string {
	if d == Egress {
		return "to"
	}
	return "from"
}

func (r *rule) path() string { return fmt.Sprintf("spec.%s[%d]", r.dir.field(), r.index) }

func (c *compiler) peer(p *Policy, path string, np *networkingv1.NetworkPolicyPeer) peer {
	switch {
	case np.IPBlock != nil:
		cidr, err := netip.ParsePrefix(np.IPBlock.CIDR)
		if err != nil {
			c.problem(p, path+".ipBlock.cidr", "a value of %d bytes is not a CIDR: the peer matches nothing", len(np.IPBlock.CIDR))
			return peer{none: true}
		}
		b := &ipBlock{cidr: cidr.Masked()}
		for k, e := range np.IPBlock.Except {
			ep, err := netip.ParsePrefix(e)
			if err != nil {
				c.problem(p, fmt.Sprintf("%s.ipBlock.except[%d]", path, k), "a value of %d bytes is not a CIDR: the peer matches nothing", len(e))
				return peer{none: true}
			}
			b.except = append(b.except, ep.Masked())
		}
		return peer{block: b}
	case np.NamespaceSelector == nil && np.PodSelector == nil:
		c.problem(p, path, "the peer sets no selector and no ipBlock (the API server rejects it): it matches nothing")
		return peer{none: true}
	}
	out := peer{sameNamespace: np.NamespaceSelector == nil}
	if np.NamespaceSelector != nil {
		out.namespaces = c.selector(p, path+".namespaceSelector", np.NamespaceSelector)
		out.none = out.namespaces == nil
	}
	if np.PodSelector != nil {
		out.pods = c.selector(p, path+".podSelector", np.PodSelector)
		out.none = out.none || out.pods == nil
	}
	return out
}

func (c *compiler) port(p *Policy, path string, np *networkingv1.NetworkPolicyPort, r *rule) {
	proto := TCP
	if np.Protocol != nil {
		var ok bool
		if proto, ok = ParseProtocol(string(*np.Protocol)); !ok {
			c.problem(p, path+".protocol", "a protocol of %d bytes is none of TCP, UDP and SCTP: the port allows nothing", len(*np.Protocol))
			return
		}
	}
	switch {
	case np.Port == nil:
		r.numbered = r.numbered.Union(AllPorts(proto))
	case np.Port.Type == intstr.String:
		r.named = append(r.named, namedPort{name: np.Port.StrVal, protocol: proto})
	default:
		lo, hi := np.Port.IntVal, np.Port.IntVal
		if np.EndPort != nil {
			hi = *np.EndPort
		}
		if lo < MinPort || hi > MaxPort || hi < lo {
			c.problem(p, path, "the port range %d-%d is not within 1-65535 in order: it allows nothing", lo, hi)
			return
		}
		r.numbered = r.numbered.Union(PortRange(proto, lo, hi))
	}
}

// connsTo is what the rule allows towards a destination pod with these container ports;
// nil ports for an address outside the cluster, where named ports resolve on nothing.
func (r *rule) connsTo(ports []ContainerPort) ConnSet {
	if r.anyPort {
		return AllConns()
	}
	c := r.numbered
	for _, n := range r.named {
		for _, cp := range ports {
			if n.resolves(&cp) {
				c = c.Union(PortRange(cp.Protocol, cp.Port, cp.Port))
			}
		}
	}
	return c
}

// endpointView is what a peer is matched against: a pod (its namespace's labels, its own
// labels, its address when known) or an address outside the cluster.
type endpointView struct {
	pod       bool
	namespace string
	nsLabels  labels.Set
	labels    labels.Set
	ip        netip.Addr
}

// matches reports whether one peer of a policy of namespace ns matches e.
func (pe *peer) matches(ns string, e *endpointView) bool {
	switch {
	case pe.none:
		return false
	case pe.block != nil:
		return e.ip.IsValid() && pe.block.contains(e.ip)
	case !e.pod:
		return false
	case pe.sameNamespace:
		if e.namespace != ns {
			return false
		}
	case !pe.namespaces.Matches(e.nsLabels):
		return false
	}
	return pe.pods == nil || pe.pods.Matches(e.labels)
}

// matchesPeer reports whether the rule's peers match e.
func (r *rule) matchesPeer(e *endpointView) bool {
	if r.anyPeer {
		return true
	}
	return slices.ContainsFunc(r.peers, func(pe peer) bool { return pe.matches(r.namespace, e) })
}

// selects reports whether the policy selects the pod e (of the policy's namespace).
func (cp *compiledPolicy) selects(e *endpointView) bool {
	return e.pod && e.namespace == cp.Namespace && cp.selector != nil && cp.selector.Matches(e.labels)
}
