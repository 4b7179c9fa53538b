package namespace

// namespace/limit-range: every namespace needs a LimitRange that gives containers default
// requests and limits, so that a container that declares none still gets a bounded share of
// its node (and counts against the namespace's ResourceQuota) instead of running unbounded.
//
// Restricted fields:
//   LimitRange spec.limits[*] of type Container: default, defaultRequest (and max, min, from
//   which the API server derives them), or of type Pod: max
//
// Allowed values:
//   at least one LimitRange in the namespace with
//   - a Container item that sets default or defaultRequest, or max or min: the API server
//     defaults default from max, and defaultRequest from default or min
//     (k8s.io/kubernetes pkg/apis/core/v1 defaults.go, SetDefaults_LimitRangeItem), or
//   - a Pod item that sets max: a pod must then declare limits to be admitted (Pod items cannot
//     carry defaults; validation rejects them)
//
// References: https://kubernetes.io/docs/concepts/policy/limit-range/.

import (
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/rules"
)

func limitRangeRule() rules.Rule {
	return rules.Rule{
		ID:       "namespace/limit-range",
		AutoFix:  rules.FixNamespaceFile,
		Title:    "Namespace has no LimitRange giving containers default requests and limits",
		Severity: finding.Low,
		Area:     rules.AreaNamespace,
		Scope:    rules.ScopeNamespace,
		Description: "A LimitRange gives the containers of a namespace default requests and limits. " +
			"Without one, a container that declares no resources runs with no limit and no " +
			"reservation: it can take a whole node, is evicted first under pressure, and escapes the " +
			"accounting a ResourceQuota relies on.",
		Fields: []string{"LimitRange spec.limits[type=Container].{default,defaultRequest,max,min}", "LimitRange spec.limits[type=Pod].max"},
		Allowed: []string{
			"a Container item with default, defaultRequest, max or min (the API server derives the defaults from max and min)",
			"a Pod item with max (every pod must then declare limits)",
		},
		References: []rules.Reference{docsLimitRange},
		Remedy: "Add a LimitRange to the namespace with an item of type Container that sets defaultRequest " +
			"and default for cpu and memory (and max, to cap what a container may ask for).",
		Reads:     []string{"LimitRange"},
		Namespace: checkLimitRange,
	}
}

func checkLimitRange(ctx *rules.NamespaceContext) []rules.Violation {
	var names, evidence []string
	for _, o := range objectsOf(ctx, "LimitRange") {
		lr, ok := o.Typed.(*corev1.LimitRange)
		if !ok {
			continue
		}
		if givesDefaults(lr) {
			return nil
		}
		names = append(names, lr.Name)
		evidence = append(evidence, fmt.Sprintf("LimitRange %s: %s", lr.Name, limitTypes(lr)))
	}
	msg := fmt.Sprintf("namespace %q has no LimitRange: a container that declares no requests or limits runs unbounded and unreserved", ctx.Name)
	if len(names) > 0 {
		msg = fmt.Sprintf("the LimitRanges of namespace %q (%s) give containers no default requests or limits: a container that declares none runs unbounded and unreserved",
			ctx.Name, strings.Join(names, ", "))
	} else {
		evidence = append(evidence, fmt.Sprintf("no LimitRange in namespace %s", ctx.Name))
	}
	return []rules.Violation{{Message: msg + inputAlone(ctx, "the cluster may hold a LimitRange that the input does not"), Evidence: strings.Join(evidence, "; ")}}
}

// givesDefaults reports whether the LimitRange bounds the containers that declare no resources.
func givesDefaults(lr *corev1.LimitRange) bool {
	for _, item := range lr.Spec.Limits {
		switch item.Type {
		case corev1.LimitTypeContainer:
			if len(item.Default) > 0 || len(item.DefaultRequest) > 0 || len(item.Max) > 0 || len(item.Min) > 0 {
				return true
			}
		case corev1.LimitTypePod:
			if len(item.Max) > 0 {
				return true
			}
		}
	}
	return false
}

// limitTypes describes what a LimitRange's items set, for the evidence.
func limitTypes(lr *corev1.LimitRange) string {
	if len(lr.Spec.Limits) == 0 {
		return "no limits"
	}
	var items []string
	for _, item := range lr.Spec.Limits {
		var set []string
		for _, f := range []struct {
			name string
			list corev1.ResourceList
		}{{"default", item.Default}, {"defaultRequest", item.DefaultRequest}, {"max", item.Max}, {"min", item.Min}, {"maxLimitRequestRatio", item.MaxLimitRequestRatio}} {
			if len(f.list) > 0 {
				set = append(set, f.name)
			}
		}
		if len(set) == 0 {
			set = append(set, "nothing")
		}
		items = append(items, fmt.Sprintf("type %s sets %s", item.Type, strings.Join(set, ", ")))
	}
	return strings.Join(items, "; ")
}
