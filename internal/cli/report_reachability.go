package cli

import (
	"cmp"
	"slices"
	"strings"
	"sync"

	"palisade.dev/palisade/internal/inventory"
	"palisade.dev/palisade/internal/netpol"
	"palisade.dev/palisade/internal/report"
)

// reachabilityInput collects, while a scan reads its objects, what the reachability engine
// needs for the HTML report's reachability tab: the namespaces, workloads, services and
// network policies. The scan calls observe from its decoding goroutines.
type reachabilityInput struct {
	mu sync.Mutex
	in netpol.Input
}

// reachabilityFor returns a collector when one of the reports is the HTML page, else nil: no
// other report shows reachability, and a scan need not keep anything for it.
func reachabilityFor(out *outputFlags) *reachabilityInput {
	targets, err := out.targets()
	if err != nil || !slices.ContainsFunc(targets, func(t reportTarget) bool { return t.format == "html" }) {
		return nil
	}
	return &reachabilityInput{}
}

// observer is the scan's Observe hook: nil when nothing is collected.
func (r *reachabilityInput) observer() func(*inventory.Object) {
	if r == nil {
		return nil
	}
	return func(o *inventory.Object) {
		r.mu.Lock()
		r.in.Add(o)
		r.mu.Unlock()
	}
}

// summary analyses what was collected; nil when nothing was, or when the input holds no
// NetworkPolicy nor admin network policy (without them every connection is allowed, which
// the namespace rules report).
func (r *reachabilityInput) summary() *report.Reachability {
	if r == nil || len(r.in.Policies)+len(r.in.AdminPolicies) == 0 {
		return nil
	}
	in := r.in
	// The scan reads in parallel: the objects came in any order.
	slices.SortFunc(in.Namespaces, func(a, b netpol.Namespace) int { return cmp.Compare(a.Name, b.Name) })
	slices.SortFunc(in.Policies, func(a, b netpol.Policy) int {
		return cmp.Or(cmp.Compare(a.Namespace, b.Namespace), cmp.Compare(a.Name, b.Name))
	})
	slices.SortFunc(in.AdminPolicies, func(a, b netpol.AdminPolicy) int { return cmp.Compare(a.ID(), b.ID()) })
	slices.Sort(in.Problems)
	return reachabilitySummary(netpol.Analyze(in), in.Policies, maxCrossNamespaceClasses)
}

// maxCrossNamespaceClasses bounds the classes of workloads whose reach across namespaces the
// HTML report counts: the count asks each pair of classes at worst, and past a thousand
// classes that takes seconds (a generated scan of 100,000 objects has 20,000 workloads, each
// a class of its own: 400 million pairs, minutes).
const maxCrossNamespaceClasses = 1000

// reachabilitySummary counts, per namespace, its workloads and policies and how many of its
// workloads another namespace's workloads and the addresses outside the cluster may reach,
// and how many may reach outside. It asks each question once per class of workloads
// (netpol.Analysis.Class), which have the same connections, not once per pair of workloads;
// past maxClasses it leaves the reach across namespaces uncounted.
func reachabilitySummary(a *netpol.Analysis, policies []netpol.Policy, maxClasses int) *report.Reachability {
	rows := map[string]*report.NamespaceReachability{}
	row := func(ns string) *report.NamespaceReachability {
		if rows[ns] == nil {
			rows[ns] = &report.NamespaceReachability{Namespace: ns}
		}
		return rows[ns]
	}
	for _, p := range policies {
		row(p.Namespace).Policies++
	}
	nClasses := a.Classes()
	rep := make([]int, nClasses) // a workload of each class
	namespaces := make([]map[string]bool, nClasses)
	for i := len(a.Workloads) - 1; i >= 0; i-- {
		c := a.Class(i)
		rep[c] = i
		if namespaces[c] == nil {
			namespaces[c] = map[string]bool{}
		}
		namespaces[c][a.Workloads[i].Namespace] = true
	}
	outside := func(c int, to bool) bool {
		for _, r := range a.Ranges {
			conns := a.FromAddress(r.Lo, rep[c])
			if to {
				conns = a.ToAddress(rep[c], r.Lo)
			}
			if !conns.IsEmpty() {
				return true
			}
		}
		return false
	}
	fromOutside, toOutside := make([]bool, nClasses), make([]bool, nClasses)
	for c := range nClasses {
		fromOutside[c], toOutside[c] = outside(c, false), outside(c, true)
	}
	// fromOther answers, per class and namespace, whether a workload of another namespace
	// may reach the class's workloads in that namespace.
	type classNS struct {
		class int
		ns    string
	}
	fromOther := map[classNS]bool{}
	reaches := func(c int, ns string) bool {
		k := classNS{c, ns}
		if v, ok := fromOther[k]; ok {
			return v
		}
		v := false
		for src := 0; src < nClasses && !v; src++ {
			if len(namespaces[src]) > 1 || !namespaces[src][ns] {
				v = !a.Between(rep[src], rep[c]).IsEmpty()
			}
		}
		fromOther[k] = v
		return v
	}
	crossNamespace := nClasses <= maxClasses
	for i := range a.Workloads {
		w, c := &a.Workloads[i], a.Class(i)
		r := row(w.Namespace)
		r.Workloads++
		if crossNamespace && reaches(c, w.Namespace) {
			r.FromOtherNamespaces++
		}
		if fromOutside[c] {
			r.FromOutside++
		}
		if toOutside[c] {
			r.ToOutside++
		}
	}
	out := &report.Reachability{Problems: a.Problems, Classes: nClasses, CrossNamespace: crossNamespace}
	for _, r := range rows {
		out.Namespaces = append(out.Namespaces, *r)
	}
	slices.SortFunc(out.Namespaces, func(x, y report.NamespaceReachability) int { return strings.Compare(x.Namespace, y.Namespace) })
	return out
}

// mergeReachability joins the summaries of several clusters, each namespace named with its
// context (context: namespace) when there is more than one; nil when none has policies.
func mergeReachability(contexts []string, rs []*report.Reachability) *report.Reachability {
	var out *report.Reachability
	for i, r := range rs {
		if r == nil {
			continue
		}
		if len(rs) == 1 {
			return r
		}
		if out == nil {
			out = &report.Reachability{CrossNamespace: true}
		}
		out.Classes += r.Classes
		out.CrossNamespace = out.CrossNamespace && r.CrossNamespace
		for _, n := range r.Namespaces {
			n.Namespace = contexts[i] + ": " + n.Namespace
			out.Namespaces = append(out.Namespaces, n)
		}
		for _, p := range r.Problems {
			out.Problems = append(out.Problems, contexts[i]+": "+p)
		}
	}
	return out
}
