package netpolrules

// network/allow-all-rule-moots-policies: a NetworkPolicy rule that admits every peer on
// every port (an ingress rule without `from` and `ports`, the empty rule {}, or the same in
// egress without `to`) allows everything to the pods its policy selects, so every other
// policy of the namespace that isolates those pods in that direction adds nothing: policies
// only allow, and what they allow adds up (k8s.io/api networking/v1 NetworkPolicySpec). The
// other policies look like a control that is not there.
//
// Restricted fields:
//   NetworkPolicy spec.ingress[*] (from, ports), spec.egress[*] (to, ports)
//
// Allowed values: no rule with neither peers nor ports in a policy that selects pods other
// policies of the namespace restrict in the same direction.
//
// Severity: medium. The pods are as open as with no policy, while the namespace's policies
// say otherwise; an allow-all rule alone (selecting pods no other policy restricts) states
// its intent and is not reported.
//
// References: https://kubernetes.io/docs/concepts/services-networking/network-policies/#allow-all-ingress-traffic

import (
	"fmt"
	"slices"
	"strings"

	networkingv1 "k8s.io/api/networking/v1"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/inventory"
	"palisade.dev/palisade/internal/netpol"
	"palisade.dev/palisade/internal/rules"
)

var docsAllowAll = rules.Docs("Network policies: allow all ingress traffic", "https://kubernetes.io/docs/concepts/services-networking/network-policies/#allow-all-ingress-traffic")

func allowAllRule() rules.Rule {
	return rules.Rule{
		ID:       "network/allow-all-rule-moots-policies",
		Title:    "NetworkPolicy rule allows everything and makes the namespace's other policies moot",
		Severity: finding.Medium,
		Area:     rules.AreaNetwork,
		Scope:    rules.ScopeNamespace,
		Description: "NetworkPolicies only allow, and what they allow adds up. A rule with neither peers nor ports (an " +
			"ingress rule without from, an egress rule without to, the empty rule {}) allows every connection in its " +
			"direction to the pods its policy selects, so the other policies of the namespace that restrict those pods " +
			"in that direction have no effect on them. The finding names the rule, the workloads it opens and the " +
			"policies it makes moot.",
		Fields:        []string{"NetworkPolicy spec.ingress[*].from", "NetworkPolicy spec.ingress[*].ports", "NetworkPolicy spec.egress[*].to", "NetworkPolicy spec.egress[*].ports"},
		Allowed:       []string{"no rule without peers and ports in a policy that selects pods other policies restrict in the same direction"},
		References:    []rules.Reference{docsNetworkPolicy, docsAllowAll},
		Remedy:        "Give the rule the peers (from, to) and ports it is meant for, or delete it if the other policies say what is meant.",
		Reads:         reads,
		ReadsReleased: workloadKinds,
		Indexes:       []*rules.Index{analysisIndex},
		Namespace:     checkAllowAll,
	}
}

// allowsAll reports whether a rule admits every peer on every port.
func allowsAll(peers []networkingv1.NetworkPolicyPeer, ports []networkingv1.NetworkPolicyPort) bool {
	return len(peers) == 0 && len(ports) == 0
}

func checkAllowAll(ctx *rules.NamespaceContext) []rules.Violation {
	a := reachOf(ctx.Inventory)
	own := a.topIn(ctx.Name)
	var out []rules.Violation
	for _, o := range ctx.Inventory.InNamespace(ctx.Name) {
		np, ok := o.Typed.(*networkingv1.NetworkPolicy)
		if !ok {
			continue
		}
		for i, r := range np.Spec.Ingress {
			if allowsAll(r.From, r.Ports) {
				out = append(out, mootedBy(ctx, a, own, o, netpol.Ingress, fmt.Sprintf("spec.ingress[%d]", i))...)
				break
			}
		}
		for i, r := range np.Spec.Egress {
			if allowsAll(r.To, r.Ports) {
				out = append(out, mootedBy(ctx, a, own, o, netpol.Egress, fmt.Sprintf("spec.egress[%d]", i))...)
				break
			}
		}
	}
	return out
}

// mootedBy reports the allow-all rule at path of policy o when the workloads its policy
// isolates in direction dir are isolated by other policies too.
func mootedBy(ctx *rules.NamespaceContext, a *reach, own []int, o *inventory.Object, dir netpol.Direction, path string) []rules.Violation {
	id := o.Namespace + "/" + o.Name
	var opened, moot []string
	for _, d := range own {
		self := netpol.Endpoint{Workload: d}
		e := a.Explain(self, self, netpol.TCP, netpol.MinPort)
		side := e.Ingress
		if dir == netpol.Egress {
			side = e.Egress
		}
		if !slices.ContainsFunc(side.Isolating, func(p netpol.PolicyRef) bool { return p.Policy == id }) {
			continue
		}
		others := 0
		for _, p := range side.Isolating {
			if p.Policy != id && !slices.Contains(moot, p.Policy) {
				moot = append(moot, p.Policy)
			}
			if p.Policy != id {
				others++
			}
		}
		if others > 0 {
			opened = append(opened, a.Workloads[d].ID())
		}
	}
	if len(opened) == 0 {
		return nil
	}
	slices.Sort(moot)
	return []rules.Violation{{
		Object: o,
		Path:   path,
		Message: fmt.Sprintf("the rule allows every %s connection on every port %s %s (%s), so for them the %s rules of %s add nothing",
			strings.ToLower(dir.String()), toOrFrom(dir), plural(len(opened), "workload", "workloads"), someOf(opened), strings.ToLower(dir.String()), someOf(moot)) + inputAlone(ctx),
		Evidence: fmt.Sprintf("%s %s has no %s and no ports; also isolating those workloads: %s", id, path, peersField(dir), strings.Join(moot, ", ")),
	}}
}

func toOrFrom(dir netpol.Direction) string {
	if dir == netpol.Egress {
		return "from"
	}
	return "to"
}

func peersField(dir netpol.Direction) string {
	if dir == netpol.Egress {
		return "to"
	}
	return "from"
}
