package netpolrules

// network/workload-not-isolated: in a namespace that has NetworkPolicies, every workload
// should be selected by one of them for ingress or for egress. A workload that none selects
// accepts connections from everywhere and opens them to everywhere, though the namespace's
// policies suggest that its traffic is controlled; the usual cause is a podSelector whose
// labels no longer match the workload's.
//
// Restricted fields:
//   NetworkPolicy spec.podSelector, spec.policyTypes (of the workload's namespace)
//
// Allowed values: some NetworkPolicy of the namespace selects the workload with Ingress or
// Egress among its effective policyTypes.
//
// Severity: medium, as the namespace rule namespace/default-deny-network-policy: the workload
// is as open as one in a namespace without policies.
//
// One finding per namespace, naming a few workloads and how many there are. A namespace
// without any NetworkPolicy is left to namespace/default-deny-network-policy, which reports
// it already; a default deny there (podSelector {}) selects every workload, so the two rules
// never report the same gap twice.
//
// References: https://kubernetes.io/docs/concepts/services-networking/network-policies/;
// CIS Kubernetes Benchmark v1.10.0 5.3.2.

import (
	"fmt"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/netpol"
	"palisade.dev/palisade/internal/rules"
)

func workloadNotIsolatedRule() rules.Rule {
	return rules.Rule{
		ID:       "network/workload-not-isolated",
		Title:    "Workload selected by no NetworkPolicy in a namespace that has some",
		Severity: finding.Medium,
		Area:     rules.AreaNetwork,
		Scope:    rules.ScopeNamespace,
		Description: "A pod is isolated for a direction only when a NetworkPolicy of its namespace selects it with " +
			"that policy type; a pod that no policy selects allows every connection, in and out. In a namespace " +
			"that has policies, a workload they all miss (often a podSelector whose labels drifted from the pod " +
			"template's) is open while the namespace looks controlled. Namespaces without any policy are reported " +
			"by namespace/default-deny-network-policy instead.",
		Fields:     []string{"NetworkPolicy spec.podSelector", "NetworkPolicy spec.policyTypes"},
		Allowed:    []string{"every workload of a namespace with NetworkPolicies is selected by one of them for Ingress or Egress"},
		References: []rules.Reference{docsNetworkPolicy, cisNetworkPolicies},
		Remedy: "Add a default-deny NetworkPolicy (podSelector: {}, policyTypes: [Ingress, Egress]) to the namespace, " +
			"or fix the podSelector meant to select the workload.",
		Reads:         reads,
		ReadsReleased: workloadKinds,
		Indexes:       []*rules.Index{analysisIndex},
		Namespace:     checkWorkloadNotIsolated,
	}
}

func checkWorkloadNotIsolated(ctx *rules.NamespaceContext) []rules.Violation {
	policies := 0
	for _, o := range ctx.Inventory.InNamespace(ctx.Name) {
		if o.GVK.Kind == "NetworkPolicy" && o.GVK.Group == "networking.k8s.io" {
			policies++
		}
	}
	if policies == 0 {
		return nil
	}
	a := reachOf(ctx.Inventory)
	var open []string
	for _, d := range a.topIn(ctx.Name) {
		self := netpol.Endpoint{Workload: d}
		e := a.Explain(self, self, netpol.TCP, netpol.MinPort)
		if len(e.Ingress.Isolating) == 0 && len(e.Egress.Isolating) == 0 {
			open = append(open, a.Workloads[d].ID())
		}
	}
	if len(open) == 0 {
		return nil
	}
	return []rules.Violation{{
		Message: fmt.Sprintf("namespace %q has %s, but none selects %s (%s): a workload no policy selects allows every connection in and out",
			ctx.Name, plural(policies, "NetworkPolicy", "NetworkPolicies"), plural(len(open), "workload", "workloads"), someOf(open)) + inputAlone(ctx),
		Evidence: fmt.Sprintf("selected by no NetworkPolicy of namespace %s for ingress or egress: %s", ctx.Name, someOf(open)),
	}}
}
