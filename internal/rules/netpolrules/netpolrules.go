// Package netpolrules holds the rules that judge what NetworkPolicies allow, as the
// reachability engine (internal/netpol) computes it over the whole input: which workloads
// reach which, and through which policies. The engine is built once per scan and shared by
// every namespace the rules judge (Inventory.Memo).
//
// A manifest scan sees only the input: policies, namespaces or workloads the cluster holds
// beside it can allow or deny more, so every message of a manifest scan says that it is
// judged from the input alone.
package netpolrules

import (
	"fmt"
	"slices"
	"strings"

	"palisade.dev/palisade/internal/inventory"
	"palisade.dev/palisade/internal/netpol"
	"palisade.dev/palisade/internal/rules"
)

// Rules returns the package's rules.
func Rules() []rules.Rule {
	return []rules.Rule{
		databaseReachableRule(),
		kubeSystemReachableRule(),
		workloadNotIsolatedRule(),
		allowAllRule(),
		policySelectsNothingRule(),
		namedPortUnresolvedRule(),
		ipBlockCoversClusterRule(),
	}
}

// reads are the kinds the engine reads whole: namespaces (their labels) and policies,
// the cluster-wide admin tiers of policy.networking.k8s.io included.
var reads = []string{"Namespace", "NetworkPolicy", "AdminNetworkPolicy", "BaselineAdminNetworkPolicy"}

// workloadKinds are the kinds that run pods the engine reads, through what a released object
// keeps of them (inventory.Object.PodSummary).
var workloadKinds = netpol.WorkloadKinds()

// reachFields are the fields a rule on what reaches a workload restricts: every part of the
// policies of the source's and of the destination's namespaces.
var reachFields = []string{"NetworkPolicy spec.podSelector", "NetworkPolicy spec.policyTypes", "NetworkPolicy spec.ingress", "NetworkPolicy spec.egress"}

type analysisKey struct{}

// reach is the reachability of the whole inventory and, per workload of the analysis,
// whether it is a top-level workload: one whose controller is not in the inventory too (a
// live cluster lists a Deployment, its ReplicaSets and their Pods; the Deployment stands for
// them all, as source and as finding).
type reach struct {
	*netpol.Analysis
	top []bool
	// topOf lists, per class, its top-level workloads (ascending); topByNS, per namespace,
	// its top-level workloads, and byNS all its workloads (ascending).
	topOf         [][]int
	topByNS, byNS map[string][]int
	// open says, per class, whether it is in EgressOpen; openTop are the top-level workloads
	// of those classes (ascending) and openByNS how many of them each namespace has.
	open     []bool
	openTop  []int
	openByNS map[string]int
}

// analysisIndex is the reachability of the whole inventory (reachOf), which every rule of the
// package reads: an evaluation builds it before the namespaces ask for it.
var analysisIndex = &rules.Index{Name: "network policy analysis", Build: func(inv *inventory.Inventory, _ *rules.Options) { reachOf(inv) }}

// reachOf returns the reachability of the whole inventory, computed once per scan.
func reachOf(inv *inventory.Inventory) *reach {
	return inv.Memo(analysisKey{}, func() any {
		in := netpol.FromInventory(inv)
		// Only the kinds the rules read: a streaming scan keeps the others (custom resources
		// with a pod template) as identities, and the verdicts must not depend on how the
		// scan ran.
		in.Workloads = slices.DeleteFunc(in.Workloads, func(w netpol.Workload) bool { return !slices.Contains(workloadKinds, w.Kind) })
		a := netpol.Analyze(in)
		r := &reach{Analysis: a, top: make([]bool, len(a.Workloads)), topOf: make([][]int, a.Classes()), topByNS: map[string][]int{}, byNS: map[string][]int{}}
		for i := range a.Workloads {
			w := &a.Workloads[i]
			o := inv.Get(w.Kind, w.Namespace, w.Name)
			r.top[i] = o != nil && !controlledInInput(inv, o)
			r.byNS[w.Namespace] = append(r.byNS[w.Namespace], i)
			if r.top[i] {
				r.topOf[a.Class(i)] = append(r.topOf[a.Class(i)], i)
				r.topByNS[w.Namespace] = append(r.topByNS[w.Namespace], i)
			}
		}
		r.open, r.openByNS = make([]bool, a.Classes()), map[string]int{}
		for _, c := range a.EgressOpen() {
			r.open[c] = true
		}
		for i := range a.Workloads {
			if r.top[i] && r.open[a.Class(i)] {
				r.openTop = append(r.openTop, i)
				r.openByNS[a.Workloads[i].Namespace]++
			}
		}
		return r
	}).(*reach)
}

// lowest keeps the lowest few workload indexes it is given (as many as someOf shows) and,
// in n, how many there are in all when its user counts them.
type lowest struct {
	ws []int
	n  int
}

// add offers the workloads ws (ascending) but skip.
func (l *lowest) add(ws []int, skip int) {
	for _, w := range ws {
		if w == skip {
			continue
		}
		if len(l.ws) == shown && w > l.ws[shown-1] {
			return
		}
		i, _ := slices.BinarySearch(l.ws, w)
		l.ws = slices.Insert(l.ws, i, w)
		l.ws = l.ws[:min(len(l.ws), shown)]
	}
}

// names names the workloads l kept, as someOf does, and counts the others.
func (r *reach) names(l lowest) string {
	names := make([]string, len(l.ws))
	for i, w := range l.ws {
		names[i] = r.Workloads[w].ID()
	}
	return someOfCount(names, max(l.n, len(l.ws)))
}

// topIn returns the indexes of the top-level workloads of namespace ns.
func (r *reach) topIn(ns string) []int { return r.topByNS[ns] }

// in returns the indexes of the workloads of namespace ns.
func (r *reach) in(ns string) []int { return r.byNS[ns] }

// inputAlone is appended to every message of a manifest scan.
func inputAlone(ctx *rules.NamespaceContext) string {
	if ctx.Options != nil && ctx.Options.FromManifests {
		return " (judged from the input alone: the cluster may hold policies and workloads that the input does not)"
	}
	return ""
}

// shown is how many names someOf shows.
const shown = 3

// someOf names the first few of names and how many there are in all.
func someOf(names []string) string { return someOfCount(names, len(names)) }

// someOfCount names the first few of names, the first of n.
func someOfCount(names []string, n int) string {
	if n <= shown {
		return strings.Join(names[:min(n, len(names))], ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(names[:shown], ", "), n-shown)
}

// ingressWhy says why the ingress side of an explained connection allows it: no policy
// isolates the destination, or the rules that allow it.
func ingressWhy(e netpol.Explanation) string {
	if len(e.Ingress.Isolating) == 0 {
		return "no NetworkPolicy selects " + e.Dst + " for ingress"
	}
	var rs []string
	for _, r := range e.Ingress.Allowing {
		s := r.Policy + " " + r.Rule
		if r.Where != "" {
			s += " (" + r.Where + ")"
		}
		rs = append(rs, s)
	}
	return "ingress allowed by " + strings.Join(rs, ", ")
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// controlledInInput reports whether the controller of o (the ReplicaSet of a Pod, the
// Deployment of a ReplicaSet) is in the inventory too: a live cluster lists both, and a
// finding on the controller covers the objects it makes.
func controlledInInput(inv *inventory.Inventory, o *inventory.Object) bool {
	pod, _ := o.PodSummary()
	for _, ref := range pod.Controllers {
		if inv.Get(ref.Kind, o.Namespace, ref.Name) != nil {
			return true
		}
	}
	return false
}
