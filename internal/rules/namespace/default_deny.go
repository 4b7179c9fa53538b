package namespace

// namespace/default-deny-network-policy: every namespace needs NetworkPolicies that deny all
// ingress and all egress by default, so that a pod only talks to what another policy allows.
// A direction that no policy isolates allows every connection, from every namespace and from
// outside the cluster (an attacker in one pod reaches every other).
//
// Restricted fields:
//   NetworkPolicy spec.podSelector, spec.policyTypes, spec.ingress, spec.egress
//
// Allowed values, for each direction (Ingress, Egress), some NetworkPolicy of the namespace
// that
//   - selects every pod: an empty podSelector (no matchLabels, no matchExpressions),
//   - isolates the direction: its effective policyTypes include it; absent policyTypes mean
//     [Ingress], plus Egress when spec.egress is non-empty (k8s.io/api networking/v1
//     NetworkPolicySpec.PolicyTypes),
//   - allows nothing in that direction: no ingress (egress) rules at all. A rule allows at
//     least some traffic, and the empty rule {} allows all of it, so a policy with rules in a
//     direction is an allow policy, not a default deny.
// One policy may deny both directions, or two policies one each.
//
// References: https://kubernetes.io/docs/concepts/services-networking/network-policies/#default-policies;
// CIS Kubernetes Benchmark v1.10.0 5.3.2.

import (
	"fmt"
	"slices"
	"strings"

	networkingv1 "k8s.io/api/networking/v1"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/rules"
)

func defaultDenyRule() rules.Rule {
	return rules.Rule{
		ID:       "namespace/default-deny-network-policy",
		AutoFix:  rules.FixNamespaceFile,
		Title:    "Namespace has no default-deny NetworkPolicy for ingress and egress",
		Severity: finding.Medium,
		Area:     rules.AreaNamespace,
		Scope:    rules.ScopeNamespace,
		Description: "Pods accept and open connections to anything until a NetworkPolicy isolates them, " +
			"direction by direction. A default-deny policy (an empty podSelector, the direction in " +
			"policyTypes, no rules for it) isolates every pod of the namespace, so that only the " +
			"traffic other policies allow gets through. Without one for ingress, any pod in the cluster " +
			"reaches the namespace's pods; without one for egress, a compromised pod reaches the " +
			"network, the API server and cloud metadata endpoints.",
		Fields: []string{"NetworkPolicy spec.podSelector", "NetworkPolicy spec.policyTypes", "NetworkPolicy spec.ingress", "NetworkPolicy spec.egress"},
		Allowed: []string{
			"for Ingress and for Egress, a NetworkPolicy with podSelector: {}, the direction in its (effective) policyTypes, and no rules for that direction",
		},
		References: []rules.Reference{docsDefaultDeny, docsPolicyTypes, cisNetworkPolicies},
		Remedy: "Add a NetworkPolicy with podSelector: {} and policyTypes: [Ingress, Egress] and no rules, " +
			"then allow what each workload needs (DNS egress to kube-dns included) in further policies.",
		Reads:     []string{"NetworkPolicy"},
		Namespace: checkDefaultDeny,
	}
}

var directions = []networkingv1.PolicyType{networkingv1.PolicyTypeIngress, networkingv1.PolicyTypeEgress}

func checkDefaultDeny(ctx *rules.NamespaceContext) []rules.Violation {
	denied := map[networkingv1.PolicyType]bool{}
	var evidence []string
	n := 0
	for _, o := range objectsOf(ctx, "NetworkPolicy") {
		np, ok := o.Typed.(*networkingv1.NetworkPolicy)
		if !ok {
			// Calico, Antrea and others name their own kinds NetworkPolicy too; their
			// semantics are not those of networking.k8s.io, so they are named, not judged.
			evidence = append(evidence, fmt.Sprintf("%s NetworkPolicy %s is not a networking.k8s.io NetworkPolicy and is not evaluated", o.GVK.GroupVersion(), o.Name))
			continue
		}
		n++
		if !selectsEveryPod(np) {
			continue
		}
		var notes []string
		for _, d := range directions {
			switch {
			case !isolates(np, d):
				notes = append(notes, fmt.Sprintf("does not isolate %s", d))
			case ruleCount(np, d) > 0:
				notes = append(notes, fmt.Sprintf("allows %s (%s)", d, plural(ruleCount(np, d), "rule", "rules")))
			default:
				denied[d] = true
				notes = append(notes, fmt.Sprintf("denies %s", d))
			}
		}
		evidence = append(evidence, fmt.Sprintf("NetworkPolicy %s selects every pod and %s", np.Name, strings.Join(notes, ", ")))
	}
	var missing []string
	for _, d := range directions {
		if !denied[d] {
			missing = append(missing, string(d))
		}
	}
	if len(missing) == 0 {
		return nil
	}
	what := strings.ToLower(strings.Join(missing, " and "))
	var msg string
	switch {
	case n == 0:
		msg = fmt.Sprintf("namespace %q has no NetworkPolicy: its pods accept connections from anywhere and connect anywhere", ctx.Name)
	default:
		msg = fmt.Sprintf("namespace %q has no default-deny NetworkPolicy for %s: a pod that no other policy isolates for %s allows every connection", ctx.Name, what, what)
	}
	switch {
	case n == 0:
		evidence = append(evidence, fmt.Sprintf("no networking.k8s.io NetworkPolicy in namespace %s", ctx.Name))
	case len(evidence) == 0:
		evidence = append(evidence, fmt.Sprintf("%s in namespace %s, none with an empty podSelector", plural(n, "NetworkPolicy", "NetworkPolicies"), ctx.Name))
	}
	return []rules.Violation{{
		Message:  msg + inputAlone(ctx, "the cluster may hold NetworkPolicies that the input does not"),
		Evidence: strings.Join(evidence, "; ") + "; missing default deny: " + strings.Join(missing, ", "),
	}}
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

func selectsEveryPod(np *networkingv1.NetworkPolicy) bool {
	s := np.Spec.PodSelector
	return len(s.MatchLabels) == 0 && len(s.MatchExpressions) == 0
}

// isolates reports whether the policy isolates the pods it selects in direction d: its
// policyTypes, or when it has none, Ingress always and Egress when it has egress rules.
func isolates(np *networkingv1.NetworkPolicy, d networkingv1.PolicyType) bool {
	if len(np.Spec.PolicyTypes) > 0 {
		return slices.Contains(np.Spec.PolicyTypes, d)
	}
	return d == networkingv1.PolicyTypeIngress || len(np.Spec.Egress) > 0
}

func ruleCount(np *networkingv1.NetworkPolicy, d networkingv1.PolicyType) int {
	if d == networkingv1.PolicyTypeIngress {
		return len(np.Spec.Ingress)
	}
	return len(np.Spec.Egress)
}
