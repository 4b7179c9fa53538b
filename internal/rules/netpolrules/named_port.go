package netpolrules

// network/named-port-unresolved: a NetworkPolicy port given by name (`port: http`) allows
// the container ports of that name and protocol on the destination pod, and nothing on a
// pod that declares none (k8s.io/api networking/v1 NetworkPolicyPort: a named port is
// resolved on the destination). A name that no destination declares, misspelt or renamed
// in the pod template, silently allows nothing: the traffic it was written for is dropped,
// and the usual repair under pressure is a broader rule than was meant.
//
// Restricted fields:
//   NetworkPolicy spec.ingress[*].ports[*].port, spec.egress[*].ports[*].port
//
// Allowed values: a port name that some container of the destination pods declares with the
// same protocol: for an ingress rule the pods its policy selects, for an egress rule the
// pods its peers match.
//
// Severity: low. Nothing is opened; the policy says something it does not do.
//
// Judged only where the input holds the destination workloads: a policy that selects none
// is network/policy-selects-nothing, and an egress rule whose selectors match no workload of
// the input is not judged. An egress rule to address ranges alone is judged: a name
// resolves on no address outside the cluster.
//
// References: https://kubernetes.io/docs/concepts/services-networking/network-policies/

import (
	"fmt"
	"strings"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/netpol"
	"palisade.dev/palisade/internal/rules"
)

func namedPortUnresolvedRule() rules.Rule {
	return rules.Rule{
		ID:       "network/named-port-unresolved",
		Title:    "NetworkPolicy named port declared by no destination pod",
		Severity: finding.Low,
		Area:     rules.AreaNetwork,
		Scope:    rules.ScopeNamespace,
		Description: "A NetworkPolicy port given by name allows the container ports of that name and protocol on the " +
			"destination pod, and nothing on a pod that declares none. A name that none of the destinations declares " +
			"(misspelt, renamed in the pod template, or declared for another protocol) allows nothing: the connections " +
			"it was written for are dropped while the policy reads as if it allowed them. Destinations are the pods the " +
			"policy selects for an ingress rule, and the pods the rule's peers match for an egress rule; an address " +
			"outside the cluster resolves no name.",
		Fields:        []string{"NetworkPolicy spec.ingress[*].ports[*].port", "NetworkPolicy spec.egress[*].ports[*].port"},
		Allowed:       []string{"a port name some container of the destination pods declares, with the same protocol"},
		References:    []rules.Reference{docsNetworkPolicy},
		Remedy:        "Use the name the destination's container port declares (or its number), with its protocol.",
		Reads:         reads,
		ReadsReleased: workloadKinds,
		Indexes:       []*rules.Index{analysisIndex},
		Namespace:     checkNamedPortUnresolved,
	}
}

func checkNamedPortUnresolved(ctx *rules.NamespaceContext) []rules.Violation {
	unresolved := reachOf(ctx.Inventory).UnresolvedNamedPorts(ctx.Name)
	var out []rules.Violation
	for _, u := range unresolved {
		_, name, _ := strings.Cut(u.Policy, "/")
		o := ctx.Inventory.Get("NetworkPolicy", ctx.Name, name)
		if o == nil {
			continue
		}
		portName := finding.DescribeName(u.Name)
		var msg, evidence string
		if u.LookedUp == 0 {
			msg = fmt.Sprintf("the %s port `%s` of NetworkPolicy %s goes to address ranges alone, where a port name resolves on nothing: it allows nothing", u.Protocol, portName, name)
			evidence = fmt.Sprintf("%s: the rule's peers are ipBlocks only", u.Path)
		} else {
			msg = fmt.Sprintf("no container of the %s %s declares a %s port named `%s`: this port of NetworkPolicy %s allows nothing", plural(u.LookedUp, "workload", "workloads"), destinationsOf(u.Dir), u.Protocol, portName, name) + inputAlone(ctx)
			evidence = fmt.Sprintf("%s names port `%s`/%s; looked up on %s", u.Path, portName, u.Protocol, plural(u.LookedUp, "workload", "workloads"))
		}
		out = append(out, rules.Violation{Object: o, Path: u.Path, Message: msg, Evidence: evidence})
	}
	return out
}

// destinationsOf says which pods a rule's named ports are looked up on.
func destinationsOf(d netpol.Direction) string {
	if d == netpol.Egress {
		return "the rule's peers match"
	}
	return "the policy selects"
}
