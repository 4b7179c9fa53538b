package namespace

// namespace/resource-quota: every namespace needs a ResourceQuota that bounds the cpu, the
// memory and the number of pods its workloads may claim; without one, a single workload (or a
// compromised one) can take the capacity every other namespace shares.
//
// Restricted fields:
//   ResourceQuota spec.hard, of the quotas in the namespace that have no spec.scopes and no
//   spec.scopeSelector (a scoped quota only counts the pods its scopes match)
//
// Allowed values:
//   between them, the unscoped quotas of the namespace name
//     cpu:    cpu, requests.cpu or limits.cpu
//     memory: memory, requests.memory or limits.memory
//     pods:   pods or count/pods
//
// Quotas add up: the API server enforces every quota of the namespace, so cpu in one quota and
// pods in another cover both.
//
// References: https://kubernetes.io/docs/concepts/policy/resource-quotas/ (compute resource
// quota, object count quota, quota scopes).

import (
	"fmt"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/rules"
)

// quotaResources lists, for each resource the rule requires, the spec.hard names that bound
// it. It is a constant table.
var quotaResources = []struct {
	name  string
	names []corev1.ResourceName
}{
	{"cpu", []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceRequestsCPU, corev1.ResourceLimitsCPU}},
	{"memory", []corev1.ResourceName{corev1.ResourceMemory, corev1.ResourceRequestsMemory, corev1.ResourceLimitsMemory}},
	{"pods", []corev1.ResourceName{corev1.ResourcePods, "count/pods"}},
}

func resourceQuotaRule() rules.Rule {
	return rules.Rule{
		ID:       "namespace/resource-quota",
		AutoFix:  rules.FixNamespaceFile,
		Title:    "Namespace has no ResourceQuota bounding cpu, memory and pods",
		Severity: finding.Medium,
		Area:     rules.AreaNamespace,
		Scope:    rules.ScopeNamespace,
		Description: "A ResourceQuota caps what the workloads of a namespace may claim together. Without " +
			"a bound on cpu, memory and the number of pods, one runaway or compromised workload can " +
			"exhaust the nodes every namespace shares. Quotas limited by scopes count only some pods " +
			"and do not satisfy the rule.",
		Fields: []string{"ResourceQuota spec.hard"},
		Allowed: []string{
			"cpu: cpu, requests.cpu or limits.cpu",
			"memory: memory, requests.memory or limits.memory",
			"pods: pods or count/pods",
		},
		References: []rules.Reference{docsResourceQuota},
		Remedy: "Add a ResourceQuota to the namespace whose spec.hard sets requests.cpu, requests.memory, " +
			"limits.cpu, limits.memory and pods to what the namespace may use.",
		Reads:     []string{"ResourceQuota"},
		Namespace: checkResourceQuota,
	}
}

func checkResourceQuota(ctx *rules.NamespaceContext) []rules.Violation {
	covered := map[string]bool{}
	var names, evidence []string
	for _, o := range objectsOf(ctx, "ResourceQuota") {
		q, ok := o.Typed.(*corev1.ResourceQuota)
		if !ok {
			continue
		}
		names = append(names, q.Name)
		hard := quotaHardNames(q)
		if scoped := quotaScopes(q); scoped != "" {
			evidence = append(evidence, fmt.Sprintf("ResourceQuota %s is scoped to %s and bounds only the pods it matches (hard: %s)", q.Name, scoped, hard))
			continue
		}
		evidence = append(evidence, fmt.Sprintf("ResourceQuota %s hard: %s", q.Name, hard))
		for _, r := range quotaResources {
			for _, n := range r.names {
				if _, ok := q.Spec.Hard[n]; ok {
					covered[r.name] = true
				}
			}
		}
	}
	var missing []string
	for _, r := range quotaResources {
		if !covered[r.name] {
			missing = append(missing, r.name)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	var msg string
	if len(names) == 0 {
		msg = fmt.Sprintf("namespace %q has no ResourceQuota: nothing bounds the cpu, memory and number of pods its workloads may claim, so one of them can starve every other namespace", ctx.Name)
	} else {
		msg = fmt.Sprintf("the ResourceQuotas of namespace %q (%s) do not bound %s: its workloads may claim any amount of it",
			ctx.Name, strings.Join(names, ", "), strings.Join(missing, ", "))
	}
	if len(evidence) == 0 {
		evidence = append(evidence, fmt.Sprintf("no ResourceQuota in namespace %s", ctx.Name))
	}
	return []rules.Violation{{
		Message:  msg + inputAlone(ctx, "the cluster may hold a ResourceQuota that the input does not"),
		Evidence: strings.Join(evidence, "; ") + "; missing: " + strings.Join(missing, ", "),
	}}
}

func quotaHardNames(q *corev1.ResourceQuota) string {
	names := make([]string, 0, len(q.Spec.Hard))
	for n := range q.Spec.Hard {
		names = append(names, string(n))
	}
	if len(names) == 0 {
		return "none"
	}
	slices.Sort(names)
	return strings.Join(names, ", ")
}

// quotaScopes describes the scopes that limit a quota to some pods, or "" when it has none.
func quotaScopes(q *corev1.ResourceQuota) string {
	var scopes []string
	for _, s := range q.Spec.Scopes {
		scopes = append(scopes, string(s))
	}
	if q.Spec.ScopeSelector != nil {
		for _, e := range q.Spec.ScopeSelector.MatchExpressions {
			scopes = append(scopes, fmt.Sprintf("%s %s %s", e.ScopeName, e.Operator, strings.Join(e.Values, ",")))
		}
		if len(q.Spec.ScopeSelector.MatchExpressions) == 0 {
			scopes = append(scopes, "an empty scopeSelector")
		}
	}
	return strings.Join(scopes, ", ")
}
