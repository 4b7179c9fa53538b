package netpolrules

// network/kube-system-reachable: a workload of kube-system must not be reachable from every
// namespace of the cluster. kube-system runs the cluster's add-ons (DNS, the CNI's agents,
// metrics, cloud controllers) under service accounts that hold broad permissions; a pod that
// reaches them can attack their APIs and, through them, the cluster. DNS (port 53 over UDP and
// TCP) is meant to be reachable from every pod and is left out of the judgement.
//
// Restricted fields:
//   NetworkPolicy spec.podSelector, spec.policyTypes, spec.ingress (of kube-system's policies),
//   spec.egress (of the other namespaces' policies)
//
// Allowed values: for every workload of kube-system, some namespace of the input (other than
// kube-system, with workloads) from which no workload reaches it on anything but DNS.
//
// Severity: medium. Reaching an add-on is a step of an attack, not a compromise in itself;
// the add-on's own authentication still stands between.
//
// Judged only when the input has workloads in kube-system and in another namespace.
//
// References: https://kubernetes.io/docs/concepts/services-networking/network-policies/;
// CIS Kubernetes Benchmark v1.10.0 5.3.2.

import (
	"fmt"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/netpol"
	"palisade.dev/palisade/internal/rules"
)

const kubeSystem = "kube-system"

func kubeSystemReachableRule() rules.Rule {
	return rules.Rule{
		ID:       "network/kube-system-reachable",
		Title:    "kube-system workload reachable from every namespace",
		Severity: finding.Medium,
		Area:     rules.AreaNetwork,
		Scope:    rules.ScopeNamespace,
		Description: "The add-ons of kube-system (DNS, the network plugin's agents, metrics, cloud controllers) run with " +
			"broad permissions. When some workload of every other namespace can connect to one of them on more than " +
			"DNS, a single compromised pod anywhere in the cluster can attack it. The NetworkPolicies of the input are " +
			"evaluated for every source, egress and ingress; the finding names a few namespaces, how many there are, " +
			"and the policy rule that admits the connection (or that no policy selects the workload).",
		Fields: reachFields,
		Allowed: []string{
			"each kube-system workload accepts from other namespaces only DNS (53/UDP, 53/TCP), or only from some namespaces",
		},
		References: []rules.Reference{docsNetworkPolicy, cisNetworkPolicies},
		Remedy: "Add a default-deny ingress NetworkPolicy to kube-system and allow each add-on's port only from the " +
			"namespaces (namespaceSelector) or address ranges that use it; keep DNS open to every namespace.",
		Reads:         reads,
		ReadsReleased: workloadKinds,
		Indexes:       []*rules.Index{analysisIndex},
		Namespace:     checkKubeSystemReachable,
	}
}

// dns is what every pod needs from kube-system.
var dns = netpol.PortRange(netpol.TCP, 53, 53).Union(netpol.PortRange(netpol.UDP, 53, 53))

func checkKubeSystemReachable(ctx *rules.NamespaceContext) []rules.Violation {
	if ctx.Name != kubeSystem {
		return nil
	}
	a := reachOf(ctx.Inventory)
	byNS := map[string][]int{}
	var namespaces []string
	for i := range a.Workloads {
		if ns := a.Workloads[i].Namespace; a.top[i] && ns != kubeSystem {
			if len(byNS[ns]) == 0 {
				namespaces = append(namespaces, ns)
			}
			byNS[ns] = append(byNS[ns], i)
		}
	}
	if len(namespaces) == 0 {
		return nil
	}
	var out []rules.Violation
	for _, d := range a.topIn(kubeSystem) {
		first, conns, ok := reachedFromEvery(a, namespaces, byNS, d)
		if !ok {
			continue
		}
		w := &a.Workloads[d]
		proto, port := firstPort(conns)
		e := a.Explain(netpol.Endpoint{Workload: first}, netpol.Endpoint{Workload: d}, proto, port)
		out = append(out, rules.Violation{
			Object: ctx.Inventory.Get(w.Kind, w.Namespace, w.Name),
			Message: fmt.Sprintf("%s %s of kube-system is reachable from every namespace of the input (%s: %s) on more than DNS",
				w.Kind, w.Name, plural(len(namespaces), "namespace", "namespaces"), someOf(namespaces)) + inputAlone(ctx),
			Evidence: fmt.Sprintf("%s => %s : %s allowed; %d/%s: %s", e.Src, e.Dst, conns, port, proto, ingressWhy(e)),
		})
	}
	return out
}

// reachedFromEvery reports whether some workload of every namespace reaches workload d on
// more than DNS, with the first such source and what it may open.
func reachedFromEvery(a *reach, namespaces []string, byNS map[string][]int, d int) (int, netpol.ConnSet, bool) {
	first, firstConns := -1, netpol.NoConns()
	for _, ns := range namespaces {
		reached := false
		for _, s := range byNS[ns] {
			c := a.Between(s, d).Subtract(dns)
			if c.IsEmpty() {
				continue
			}
			if first < 0 {
				first, firstConns = s, c
			}
			reached = true
			break
		}
		if !reached {
			return 0, netpol.NoConns(), false
		}
	}
	return first, firstConns, true
}

// firstPort is the lowest port of the first protocol that conns holds.
func firstPort(conns netpol.ConnSet) (netpol.Protocol, int32) {
	for _, p := range []netpol.Protocol{netpol.TCP, netpol.UDP, netpol.SCTP} {
		if iv := conns.Ports(p); len(iv) > 0 {
			return p, iv[0].Lo
		}
	}
	return netpol.TCP, netpol.MinPort
}
