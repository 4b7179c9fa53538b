package rbac

// Ranking by use, in a live cluster: a risky grant to a ServiceAccount that running pods use is
// a standing power, held by code that runs now, where the same grant to an unused one is only
// a potential one. The findings about ServiceAccounts in use (risky grants, cluster-admin and
// wildcard bindings, escalation paths that start at one) carry an evidence line naming the
// pods, and the bindings they are about come first in the report; severities are left as the
// rules set them, so that --fail-on and the summary mean what they always do.

import (
	"fmt"
	"slices"
	"strings"
	"sync"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/inventory"
)

// PodUse gathers which ServiceAccounts a live cluster's Pods run as (spec.serviceAccountName,
// default when empty), from each Pod as the scan reads it, before the scan lets its content go.
// Pods that have finished (Succeeded, Failed) hold no token any more and are left out. It is
// safe for concurrent use.
type PodUse struct {
	mu   sync.Mutex
	pods map[serviceAccount][]string // pods by ServiceAccount, as namespace/name
}

type serviceAccount struct{ namespace, name string }

// Add records the ServiceAccount of o when it is a Pod that has not finished.
func (u *PodUse) Add(o *inventory.Object) {
	p, ok := o.Typed.(*corev1.Pod)
	if !ok || p.Status.Phase == corev1.PodSucceeded || p.Status.Phase == corev1.PodFailed {
		return
	}
	sa := serviceAccount{o.Namespace, inventory.ServiceAccountOf(&p.Spec)}
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.pods == nil {
		u.pods = map[serviceAccount][]string{}
	}
	u.pods[sa] = append(u.pods[sa], o.Namespace+"/"+o.Name)
}

// rankedRules are the rules whose findings are about the subjects of a binding.
func rankedRules() map[string]bool {
	ids := map[string]bool{"rbac/cluster-admin-binding": true, "rbac/wildcard-binding": true, "rbac/escalation-path": true}
	for _, c := range capabilities {
		ids[c.id] = true
	}
	return ids
}

// Rank adds to each finding about a ServiceAccount that pods use the evidence line "used by
// running pods: ns/a, ns/b (N in all)", and moves the findings of the objects that have such a
// finding ahead of the others, each group of an object's findings kept together and in order.
func (u *PodUse) Rank(fs []finding.Finding, inv *inventory.Inventory) {
	used := u.Mark(fs, inv)
	if len(used) == 0 {
		return
	}
	first := make([]finding.Finding, 0, len(fs))
	var rest []finding.Finding
	for _, f := range fs {
		if used[f.Object] {
			first = append(first, f)
		} else {
			rest = append(rest, f)
		}
	}
	copy(fs, append(first, rest...))
}

// Mark is Rank without the moving: it adds the evidence line to each finding about a
// ServiceAccount that pods use and returns the objects of those findings, which Rank moves
// ahead. A scan that streams its findings marks them a namespace at a time (an object's
// findings are all in its namespace) and writes the marked objects' findings first.
func (u *PodUse) Mark(fs []finding.Finding, inv *inventory.Inventory) map[finding.ObjectRef]bool {
	u.mu.Lock()
	defer u.mu.Unlock()
	if len(u.pods) == 0 {
		return nil
	}
	ranked := rankedRules()
	used := map[finding.ObjectRef]bool{}
	for i := range fs {
		f := &fs[i]
		if !ranked[f.RuleID] {
			continue
		}
		var pods []string
		for _, sa := range u.subjectsOf(f, inv) {
			pods = append(pods, u.pods[sa]...)
		}
		if len(pods) == 0 {
			continue
		}
		slices.Sort(pods)
		pods = slices.Compact(pods)
		shown := pods[:min(len(pods), 3)]
		f.Evidence += fmt.Sprintf("; used by running pods: %s (%d in all)", strings.Join(shown, ", "), len(pods))
		used[f.Object] = true
	}
	return used
}

// subjectsOf are the ServiceAccounts a finding is about: the starting subject of an escalation
// path; the one subject of a finding at subjects[i]; else every subject of the binding.
func (u *PodUse) subjectsOf(f *finding.Finding, inv *inventory.Inventory) []serviceAccount {
	if f.RuleID == "rbac/escalation-path" {
		start, _, _ := strings.Cut(f.Evidence, " -> ")
		if rest, ok := strings.CutPrefix(start, "sa:"); ok {
			if ns, name, ok := strings.Cut(rest, "/"); ok {
				return []serviceAccount{{ns, name}}
			}
		}
		return nil
	}
	o := inv.Get(f.Object.Kind, f.Object.Namespace, f.Object.Name)
	if o == nil {
		return nil
	}
	b, ok := bindingOf(o)
	if !ok {
		return nil
	}
	subjects := b.subjects
	var i int
	if _, err := fmt.Sscanf(f.Path, "subjects[%d]", &i); err == nil && i >= 0 && i < len(subjects) {
		subjects = subjects[i : i+1]
	}
	var out []serviceAccount
	for _, s := range subjects {
		switch s.Kind {
		case rbacv1.ServiceAccountKind:
			out = append(out, serviceAccount{b.serviceAccountNamespace(s), s.Name})
		case rbacv1.UserKind:
			if ns, name, ok := serviceAccountUser(s.Name); ok {
				out = append(out, serviceAccount{ns, name})
			}
		}
	}
	return out
}
