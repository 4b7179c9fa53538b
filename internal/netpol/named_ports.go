package netpol

import (
	"fmt"
	"slices"

	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// UnresolvedPort is a named port of a policy rule that no pod the rule's connections go to
// declares: the port allows nothing, whatever its name was meant to open.
type UnresolvedPort struct {
	// Policy is the policy's namespace/name; Path is the port's field, such as
	// spec.ingress[0].ports[1].port, and Where its origin (file:line) when known.
	Policy, Path, Where string
	Dir                 Direction
	Name                string
	Protocol            Protocol
	// LookedUp is how many workloads of the input the name was looked up on: the pods the
	// policy selects (ingress) or those the rule's peers match (egress). Zero for an egress
	// rule whose peers are address ranges alone, where named ports resolve on nothing.
	LookedUp int
}

// UnresolvedNamedPorts returns the named ports of the policies of namespace ns that resolve
// on no container port (of that name and protocol) of the workloads they apply to. A port
// is looked up on the destination pods: for an ingress rule the pods its policy selects,
// for an egress rule the pods its peers match. Only the directions a policy isolates count
// (the rules of the others are ignored by the API), and a policy that selects no workload
// is left out (what it says cannot resolve anywhere, and network/policy-selects-nothing
// reports it). An egress rule whose peers match no workload of the input but could match
// pods the input does not hold (selectors) is left out too: the input may be partial.
func (a *Analysis) UnresolvedNamedPorts(ns string) []UnresolvedPort {
	var out []UnresolvedPort
	for _, cp := range a.byNS[ns] {
		if len(cp.selected) == 0 {
			continue
		}
		for d, rs := range cp.rules {
			if !cp.isolates[d] {
				continue
			}
			for _, r := range rs {
				if len(r.named) == 0 {
					continue
				}
				dsts, known := a.destinations(cp, r)
				if !known {
					continue
				}
				out = append(out, a.unresolvedIn(cp, r, dsts)...)
			}
		}
	}
	return out
}

// destinations are the classes a rule's connections go to, and whether the input tells
// them: false for an egress rule whose selectors match no workload of the input.
func (a *Analysis) destinations(cp *compiledPolicy, r *rule) (classes []int32, known bool) {
	if r.dir == Ingress {
		return cp.selected, true
	}
	m := &a.matches[r.id]
	if m.all {
		all := make([]int32, len(a.classes))
		for i := range all {
			all[i] = int32(i)
		}
		return all, true
	}
	if len(m.members) > 0 {
		return m.members, true
	}
	// Peers that are address ranges alone leave nothing for a name to resolve on; a
	// selector that matches nothing here may match pods elsewhere.
	return nil, !r.anyPeer && !slices.ContainsFunc(r.peers, func(pe peer) bool { return pe.block == nil && !pe.none })
}

// unresolvedIn lists the named ports of rule r that no class of dsts declares.
func (a *Analysis) unresolvedIn(cp *compiledPolicy, r *rule, dsts []int32) []UnresolvedPort {
	workloads := 0
	for _, c := range dsts {
		workloads += len(a.classes[c].members)
	}
	var out []UnresolvedPort
	for j, sp := range specPorts(cp, r) {
		if sp.Port == nil || sp.Port.Type != intstr.String {
			continue
		}
		proto := TCP
		if sp.Protocol != nil {
			p, ok := ParseProtocol(string(*sp.Protocol))
			if !ok {
				continue // the compiler already reports the protocol, and the port allows nothing
			}
			proto = p
		}
		resolved := slices.ContainsFunc(dsts, func(c int32) bool {
			return slices.ContainsFunc(a.classes[c].ports, func(p ContainerPort) bool { return p.Name == sp.Port.StrVal && p.Protocol == proto })
		})
		if resolved {
			continue
		}
		path := fmt.Sprintf("%s.ports[%d].port", r.path(), j)
		out = append(out, UnresolvedPort{Policy: cp.ID(), Path: path, Where: cp.where(path), Dir: r.dir, Name: sp.Port.StrVal, Protocol: proto, LookedUp: workloads})
	}
	return out
}

// specPorts are the ports of rule r as the policy writes them.
func specPorts(cp *compiledPolicy, r *rule) []networkingv1.NetworkPolicyPort {
	if r.dir == Egress {
		return cp.Spec.Egress[r.index].Ports
	}
	return cp.Spec.Ingress[r.index].Ports
}
