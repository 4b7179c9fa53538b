package podspec

// pod/resource-requests, pod/memory-limit, pod/cpu-limit: what a container asks the scheduler
// to reserve (requests) and the most it may use (limits). Without requests the scheduler places
// pods as if they needed nothing and overcommits the node; without a memory limit one container
// can take the node's memory and push the kernel's OOM killer onto its neighbours; without a
// CPU limit one runaway container slows every pod of the node. The three rules are one mechanism
// declared three times (resourceCheck), as they differ only by field and severity.
//
// Restricted fields (init and regular containers; ephemeral containers may not set resources,
// the API server rejects them, so they are not checked):
//   pod/resource-requests  spec.{initContainers,containers}[*].resources.requests.{cpu,memory}
//   pod/memory-limit       spec.{initContainers,containers}[*].resources.limits.memory
//   pod/cpu-limit          spec.{initContainers,containers}[*].resources.limits.cpu
//
// Allowed values:
//   any quantity. The value the API server would store counts, not only what the manifest says:
//   - a request is defaulted to the container's limit of the same resource (SetDefaults_Pod in
//     k8s.io/kubernetes pkg/apis/core/v1/defaults.go);
//   - pod-level resources (spec.resources, KEP-2837) bound every container that sets none;
//   - a LimitRange of type Container in the pod's namespace gives missing limits its default
//     (or max), and missing requests its defaultRequest (or default, max, min), as the
//     LimitRanger admission plugin does once the LimitRange has been defaulted
//     (SetDefaults_LimitRangeItem). Only LimitRanges in the input are known.
//
// References: https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/;
// https://kubernetes.io/docs/concepts/policy/limit-range/;
// https://kubernetes.io/docs/tasks/configure-pod-container/assign-pod-level-resources/

import (
	"fmt"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/inventory"
	"palisade.dev/palisade/internal/rules"
)

// resourceCheck declares one resource rule: which list (requests or limits) must name which
// resources, and what their absence does.
type resourceCheck struct {
	id          string
	title       string
	severity    finding.Severity
	list        resourceList
	resources   []corev1.ResourceName
	description string
	remedy      string
	// consequence says what the absence of the resource does, by resource.
	consequence map[corev1.ResourceName]string
}

// resourceList is "requests" or "limits".
type resourceList string

const (
	requestsList resourceList = "requests"
	limitsList   resourceList = "limits"
)

func resourceRequestsRule() rules.Rule {
	return resourceCheck{
		id:        "pod/resource-requests",
		title:     "CPU or memory request missing",
		severity:  finding.Low,
		list:      requestsList,
		resources: []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory},
		description: "A container without cpu and memory requests is scheduled as if it needed nothing: " +
			"the node gets overcommitted, the pod's quality of service drops to BestEffort or " +
			"Burstable, and it is among the first evicted when the node runs short.",
		remedy: "Set resources.requests.cpu and resources.requests.memory on every container (or give the " +
			"namespace a LimitRange with defaultRequest values, or the pod spec.resources).",
		consequence: map[corev1.ResourceName]string{
			corev1.ResourceCPU:    "the scheduler reserves no CPU for it, so the node can be overcommitted and the container starved",
			corev1.ResourceMemory: "the scheduler reserves no memory for it, so the node can be overcommitted and the pod is among the first evicted under memory pressure",
		},
	}.rule()
}

func memoryLimitRule() rules.Rule {
	return resourceCheck{
		id:        "pod/memory-limit",
		title:     "Memory limit missing",
		severity:  finding.Medium,
		list:      limitsList,
		resources: []corev1.ResourceName{corev1.ResourceMemory},
		description: "A container without a memory limit may use all the memory of its node; when the " +
			"node runs out, the kernel's OOM killer and the kubelet's evictions hit other pods too. " +
			"A leak or an attacker in one container then degrades every workload of the node.",
		remedy: "Set resources.limits.memory on every container (or give the namespace a LimitRange with " +
			"a default memory limit, or the pod spec.resources.limits.memory).",
		consequence: map[corev1.ResourceName]string{
			corev1.ResourceMemory: "it may take all the node's memory, and the OOM killer and evictions then hit other pods",
		},
	}.rule()
}

func cpuLimitRule() rules.Rule {
	return resourceCheck{
		id:        "pod/cpu-limit",
		title:     "CPU limit missing",
		severity:  finding.Low,
		list:      limitsList,
		resources: []corev1.ResourceName{corev1.ResourceCPU},
		description: "A container without a CPU limit may use every idle CPU of its node; a runaway or " +
			"hijacked process (a cryptominer, say) then slows down the other pods beyond their " +
			"requests' guarantees.",
		remedy: "Set resources.limits.cpu on every container (or give the namespace a LimitRange with a " +
			"default cpu limit, or the pod spec.resources.limits.cpu).",
		consequence: map[corev1.ResourceName]string{
			corev1.ResourceCPU: "it may use every idle CPU of the node, slowing the other pods down",
		},
	}.rule()
}

func (rc resourceCheck) rule() rules.Rule {
	var fields []string
	for _, r := range rc.resources {
		fields = append(fields, containerFields(resourceContainerLists, fmt.Sprintf("resources.%s.%s", rc.list, r))...)
	}
	allowed := []string{"any quantity, set on the container, defaulted from its limit (requests), " +
		"set in the pod's spec.resources, or defaulted by a LimitRange of the namespace"}
	return rules.Rule{
		ID:          rc.id,
		AutoFix:     rules.FixNote,
		Title:       rc.title,
		Severity:    rc.severity,
		Area:        rules.AreaWorkload,
		Scope:       rules.ScopePod,
		Description: rc.description,
		Fields:      fields,
		Allowed:     allowed,
		References:  []rules.Reference{docsResources, docsLimitRange, docsPodResources},
		Remedy:      rc.remedy,
		Reads:       []string{"LimitRange"},
		Pod:         rc.check,
	}
}

// missingResource is a resource one container leaves unset, with nothing in the pod to make
// up for it.
type missingResource struct {
	container string
	path      string // the field that should be set
	resource  corev1.ResourceName
	evidence  string
}

// list is the field's list, the container's resources.requests or resources.limits: a part of
// path, so that a deferred check does not hold it twice.
func (m *missingResource) list() string { return m.path[:len(m.path)-len(m.resource)-1] }

// check finds what the pod itself leaves unset and defers the LimitRange look-up, which needs
// the namespace's objects.
func (rc resourceCheck) check(ctx *rules.PodContext) []rules.Violation {
	spec := ctx.Pod.Spec
	var missing []missingResource // made at the first missing resource, for every one a pod may lack
	for _, c := range ctx.Pod.Containers() {
		if c.List == "ephemeralContainers" {
			// Ephemeral containers may not set resources (the API server rejects them); they
			// run within the pod's existing reservation.
			continue
		}
		evidence := "" // one per container, shared by its missing resources
		for _, r := range rc.resources {
			if rc.setInContainer(c.Resources, r) || rc.setInPod(spec.Resources, r) {
				continue
			}
			if evidence == "" && ctx.Options.WantsEvidence() {
				evidence = describeResources(c.Resources)
			}
			if missing == nil {
				missing = make([]missingResource, 0, len(ctx.Pod.Containers())*len(rc.resources))
			}
			missing = append(missing, missingResource{
				container: c.Name,
				path:      c.Path + ".resources." + string(rc.list) + "." + string(r),
				resource:  r,
				evidence:  evidence,
			})
		}
	}
	if len(missing) == 0 {
		return nil
	}
	namespace := ctx.Object.Namespace
	fromInput := ctx.Options == nil || ctx.Options.FromManifests
	notes := ctx.Options.WantsNotes()
	paths := make([]string, len(missing))
	for i, m := range missing {
		paths[i] = m.path
	}
	ctx.Defer(func(inv *inventory.Inventory) []rules.Violation {
		return rc.report(missing, namespace, fromInput, notes, inv)
	}, paths...)
	return nil
}

// setInContainer reports whether the container sets the resource in the checked list; for
// requests, a limit counts, as the API server defaults the request to it.
func (rc resourceCheck) setInContainer(res corev1.ResourceRequirements, r corev1.ResourceName) bool {
	if _, ok := res.Limits[r]; ok {
		return true
	}
	if rc.list == requestsList {
		_, ok := res.Requests[r]
		return ok
	}
	return false
}

// setInPod reports whether pod-level resources bound the resource for every container.
func (rc resourceCheck) setInPod(res *corev1.ResourceRequirements, r corev1.ResourceName) bool {
	if res == nil {
		return false
	}
	return rc.setInContainer(*res, r)
}

func (rc resourceCheck) report(missing []missingResource, namespace string, fromInput, notes bool, inv *inventory.Inventory) []rules.Violation {
	defaults := limitRangeDefaults(inv, namespace, rc.list)
	noDefault := "no LimitRange of namespace " + finding.Quote(namespace) + " gives it a default"
	if fromInput {
		noDefault = "no LimitRange of namespace " + finding.Quote(namespace) + " in the input gives it a default (judged from the input alone)"
	}
	var out []rules.Violation
	// One violation per container: a container that sets neither cpu nor memory request has one
	// problem, its missing requests, not two. missing holds a container's resources together.
	var buf [4]missingResource
	for start := 0; start < len(missing); {
		end := start
		unset := buf[:0]
		for ; end < len(missing) && missing[end].list() == missing[start].list(); end++ {
			if !slices.Contains(defaults, missing[end].resource) {
				unset = append(unset, missing[end])
			}
		}
		start = end
		if len(unset) == 0 {
			continue
		}
		out = append(out, rc.violation(unset, noDefault, notes))
	}
	return out
}

// violation reports the resources one container leaves unset: at the field itself when there
// is one, at the list (resources.requests) when there are several.
func (rc resourceCheck) violation(unset []missingResource, noDefault string, notes bool) rules.Violation {
	m := unset[0]
	kind := strings.TrimSuffix(string(rc.list), "s")
	if len(unset) == 1 {
		v := rules.Violation{
			Path:      m.path,
			Container: m.container,
			Message: "container " + finding.Quote(m.container) + " sets no " + string(m.resource) + " " + kind +
				" (resources." + string(rc.list) + "." + string(m.resource) + "): " + rc.consequence[m.resource] + "; " + noDefault,
			Evidence: m.evidence,
		}
		if notes {
			v.Fix = rc.note(m.path, m.container, "resources."+string(rc.list)+"."+string(m.resource))
		}
		return v
	}
	// container "c" sets no cpu and no memory request (resources.requests.cpu,
	// resources.requests.memory): CONSEQUENCE; CONSEQUENCE; NO-DEFAULT
	var msg strings.Builder
	msg.Grow(256)
	msg.WriteString("container ")
	msg.WriteString(finding.Quote(m.container))
	msg.WriteString(" sets no ")
	for i, u := range unset {
		if i > 0 {
			msg.WriteString(" and no ")
		}
		msg.WriteString(string(u.resource))
	}
	msg.WriteString(" " + kind + " (")
	for i, u := range unset {
		if i > 0 {
			msg.WriteString(", ")
		}
		msg.WriteString("resources." + string(rc.list) + "." + string(u.resource))
	}
	msg.WriteString("): ")
	for _, u := range unset {
		msg.WriteString(rc.consequence[u.resource])
		msg.WriteString("; ")
	}
	msg.WriteString(noDefault)
	v := rules.Violation{Path: m.list(), Container: m.container, Message: msg.String(), Evidence: m.evidence}
	if notes {
		names := make([]string, len(unset))
		for i, u := range unset {
			names[i] = "resources." + string(rc.list) + "." + string(u.resource)
		}
		v.Fix = rc.note(m.list(), m.container, strings.Join(names, " and "))
	}
	return v
}

// note is the remedy of a missing request or limit: only the user knows what the container
// needs, so a TODO comment at the field says what to set rather than a value being invented.
func (rc resourceCheck) note(path, container, fields string) []finding.Patch {
	return []finding.Patch{{Path: path, Comment: "TODO(palisade): set " + fields + " of container " + finding.Quote(container) + " to what it needs"}}
}

// limitRangesKey is the inventory memo key of the LimitRanges by namespace, which every
// container's check reads.
type limitRangesKey struct{}

// limitRangeDefaults returns the resources that a LimitRange of type Container in the namespace
// fills in when a container leaves them unset, for the given list, after the API server's
// defaulting of the LimitRange itself (SetDefaults_LimitRangeItem): a missing default limit is
// the max; a missing default request is the default limit, else the min.
func limitRangeDefaults(inv *inventory.Inventory, namespace string, list resourceList) []corev1.ResourceName {
	var out []corev1.ResourceName
	byNS := inv.Memo(limitRangesKey{}, func() any {
		m := map[string][]*corev1.LimitRange{}
		for _, o := range inv.ByKind("LimitRange") {
			if lr, ok := o.Typed.(*corev1.LimitRange); ok {
				m[o.Namespace] = append(m[o.Namespace], lr)
			}
		}
		return m
	}).(map[string][]*corev1.LimitRange)
	for _, lr := range byNS[namespace] {
		for _, item := range lr.Spec.Limits {
			if item.Type != corev1.LimitTypeContainer {
				continue
			}
			sources := []corev1.ResourceList{item.Default, item.Max}
			if list == requestsList {
				sources = append(sources, item.DefaultRequest, item.Min)
			}
			for _, src := range sources {
				for r := range src {
					out = append(out, r)
				}
			}
		}
	}
	return out
}

// describeResources renders what a container's resources say, for evidence.
func describeResources(res corev1.ResourceRequirements) string {
	if len(res.Requests) == 0 && len(res.Limits) == 0 {
		return "resources: not set"
	}
	return fmt.Sprintf("resources.requests: %s; resources.limits: %s", describeResourceList(res.Requests), describeResourceList(res.Limits))
}

func describeResourceList(l corev1.ResourceList) string {
	if len(l) == 0 {
		return "none"
	}
	names := make([]string, 0, len(l))
	for r := range l {
		names = append(names, string(r))
	}
	slices.Sort(names)
	parts := make([]string, len(names))
	for i, n := range names {
		q := l[corev1.ResourceName(n)]
		parts[i] = n + "=" + q.String()
	}
	return strings.Join(parts, ", ")
}
