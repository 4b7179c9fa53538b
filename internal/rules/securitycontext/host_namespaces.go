package securitycontext

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/rules"
)

// pod/host-network, pod/host-pid, pod/host-ipc: a pod must not share the node's network,
// process or IPC namespace. The three rules differ only in the field and what sharing it
// exposes, so they are declared as data below on one check.
//
// Restricted fields:
//
//	spec.hostNetwork
//	spec.hostPID
//	spec.hostIPC
//
// Allowed values: unset, false.
//
// References: PSS baseline "Host Namespaces"; CIS 5.2.3 (hostPID), 5.2.4 (hostIPC), 5.2.5
// (hostNetwork).

// hostNamespace is one namespace a pod can share with the node.
type hostNamespace struct {
	id, title, field string
	severity         finding.Severity
	description      string
	// exposes completes "the pod shares the node's <what> namespace: ..." in messages.
	what, exposes string
	cis           rules.Reference
	get           func(*corev1.PodSpec) bool
}

func hostNamespaces() []hostNamespace {
	return []hostNamespace{
		{
			id: "pod/host-network", title: "Pod uses the node's network namespace", field: "hostNetwork",
			severity: finding.High,
			description: "With hostNetwork: true the pod uses the node's network stack: it can bind any port of " +
				"the node, reach services listening on localhost (the kubelet's, a cloud metadata proxy's), see " +
				"every interface, and sniff traffic with the right capabilities. NetworkPolicies do not apply to it.",
			what:    "network",
			exposes: "it can bind the node's ports, reach its localhost-only services and bypass NetworkPolicies",
			cis:     rules.CIS("5.2.5", "Minimize the admission of containers wishing to share the host network namespace"),
			get:     func(s *corev1.PodSpec) bool { return s.HostNetwork },
		},
		{
			id: "pod/host-pid", title: "Pod uses the node's process namespace", field: "hostPID",
			severity: finding.Critical,
			description: "With hostPID: true the pod's containers see every process of the node: their command " +
				"lines and environments leak secrets, and a process with enough privilege can signal, trace or " +
				"enter them (nsenter into PID 1 is a full escape).",
			what:    "process",
			exposes: "its containers see every process of the node, with their command lines and environments, and can signal or trace them",
			cis:     rules.CIS("5.2.3", "Minimize the admission of containers wishing to share the host process ID namespace"),
			get:     func(s *corev1.PodSpec) bool { return s.HostPID },
		},
		{
			id: "pod/host-ipc", title: "Pod uses the node's IPC namespace", field: "hostIPC",
			severity: finding.High,
			description: "With hostIPC: true the pod shares System V IPC and POSIX message queues and shared " +
				"memory with every process of the node, so it can read and tamper with their shared memory.",
			what:    "IPC",
			exposes: "it can read and write the shared memory and message queues of the node's processes",
			cis:     rules.CIS("5.2.4", "Minimize the admission of containers wishing to share the host IPC namespace"),
			get:     func(s *corev1.PodSpec) bool { return s.HostIPC },
		},
	}
}

func hostNamespaceRules() []rules.Rule {
	var out []rules.Rule
	for _, ns := range hostNamespaces() {
		out = append(out, rules.Rule{
			ID:          ns.id,
			AutoFix:     rules.FixEdit,
			Title:       ns.title,
			Severity:    ns.severity,
			Area:        rules.AreaWorkload,
			Scope:       rules.ScopePod,
			Description: ns.description,
			Fields:      []string{ns.field},
			Allowed:     []string{"unset", "false"},
			References:  []rules.Reference{pssBaseline("Host Namespaces"), ns.cis},
			Remedy:      fmt.Sprintf("Remove %s: true from the pod spec.", ns.field),
			CEL:         []rules.CELCheck{{Expression: "!variables.spec.?" + ns.field + ".orValue(false)"}},
			Pod:         ns.check,
		})
	}
	return out
}

func (ns hostNamespace) check(ctx *rules.PodContext) []rules.Violation {
	if !ns.get(ctx.Pod.Spec) {
		return nil
	}
	path := ctx.Pod.SpecPath + "." + ns.field
	return []rules.Violation{{
		Path:     path,
		Message:  fmt.Sprintf("the pod shares the node's %s namespace (%s: true): %s", ns.what, ns.field, ns.exposes),
		Evidence: ns.field + "=true in pod spec",
		Fix:      remove(path),
	}}
}
