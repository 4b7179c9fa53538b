package netpolrules

// network/policy-selects-nothing: a NetworkPolicy whose podSelector matches no workload of
// its namespace isolates and allows nothing; it is either left over or its labels drifted
// from the workloads it was written for, which are then not protected by it.
//
// Restricted fields:
//   NetworkPolicy spec.podSelector
//
// Allowed values: a podSelector that matches the pod labels of some workload (pod or pod
// template) of the policy's namespace.
//
// Severity: low. The policy itself opens nothing; what it fails to protect is reported by
// network/workload-not-isolated and the default-deny rule.
//
// Judged only when the input has workloads in the policy's namespace; a manifest set may be
// partial (the workloads may come from another chart), which the message says.
//
// References: https://kubernetes.io/docs/concepts/services-networking/network-policies/

import (
	"fmt"

	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/rules"
)

func policySelectsNothingRule() rules.Rule {
	return rules.Rule{
		ID:       "network/policy-selects-nothing",
		Title:    "NetworkPolicy selects no workload of its namespace",
		Severity: finding.Low,
		Area:     rules.AreaNetwork,
		Scope:    rules.ScopeNamespace,
		Description: "A NetworkPolicy applies to the pods its podSelector matches in its own namespace. One that matches " +
			"none of the namespace's workloads has no effect: it is left over, or its labels no longer match the pod " +
			"templates it was written for, which then run without the isolation it was meant to give.",
		Fields:        []string{"NetworkPolicy spec.podSelector"},
		Allowed:       []string{"a podSelector that matches the pod labels of some workload of the namespace"},
		References:    []rules.Reference{docsNetworkPolicy},
		Remedy:        "Fix the podSelector to match the pod template labels of the workloads it is meant for, or delete the policy.",
		Reads:         reads,
		ReadsReleased: workloadKinds,
		Indexes:       []*rules.Index{analysisIndex},
		Namespace:     checkPolicySelectsNothing,
	}
}

func checkPolicySelectsNothing(ctx *rules.NamespaceContext) []rules.Violation {
	a := reachOf(ctx.Inventory)
	var own []labels.Set
	for _, i := range a.in(ctx.Name) {
		own = append(own, labels.Set(a.Workloads[i].Labels))
	}
	if len(own) == 0 {
		return nil
	}
	partial := ""
	if ctx.Options != nil && ctx.Options.FromManifests {
		partial = " (judged from the input alone: the workloads it is meant for may be deployed from other manifests)"
	}
	var out []rules.Violation
	for _, o := range ctx.Inventory.InNamespace(ctx.Name) {
		np, ok := o.Typed.(*networkingv1.NetworkPolicy)
		if !ok {
			continue
		}
		sel, err := metav1.LabelSelectorAsSelector(&np.Spec.PodSelector)
		if err != nil {
			continue // the engine reports an unreadable selector as matching nothing, with its place
		}
		matched := false
		for _, l := range own {
			if sel.Matches(l) {
				matched = true
				break
			}
		}
		if matched {
			continue
		}
		out = append(out, rules.Violation{
			Object:   o,
			Path:     "spec.podSelector",
			Message:  fmt.Sprintf("NetworkPolicy %s selects none of the %s of namespace %s: it isolates and allows nothing", o.Name, plural(len(own), "workload", "workloads"), ctx.Name) + partial,
			Evidence: fmt.Sprintf("podSelector %s matches no pod labels of the %d workloads of namespace %s", sel, len(own), ctx.Name),
		})
	}
	return out
}
