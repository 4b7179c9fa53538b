package securitycontext

import (
	corev1 "k8s.io/api/core/v1"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/rules"
)

// pod/windows-host-process: no Windows pod or container may run as a HostProcess container.
// A HostProcess container is a process on the Windows node with only a job object around it:
// it sees the node's filesystem and network and can run as SYSTEM.
//
// Restricted fields:
//
//	spec.securityContext.windowsOptions.hostProcess
//	spec.{containers,initContainers,ephemeralContainers}[*].securityContext.windowsOptions.hostProcess
//
// Allowed values: unset, false. Each level is judged as written, as the Pod Security Standards
// do (the API server requires all containers of a pod to agree, so a pod-level true is
// reported once for the pod and a container-level true once per container).
//
// References: PSS baseline "HostProcess"; CIS 5.2.11; Kubernetes docs "Create a Windows
// HostProcess Pod".

func windowsHostProcessRule() rules.Rule {
	return rules.Rule{
		ID:       "pod/windows-host-process",
		AutoFix:  rules.FixEdit,
		Title:    "Pod runs Windows HostProcess containers",
		Severity: finding.Critical,
		Area:     rules.AreaWorkload,
		Scope:    rules.ScopePod,
		Description: "A Windows HostProcess container runs directly on the node as a process, with the node's " +
			"network and filesystem and, usually, as SYSTEM or another host account: it has the privileges of " +
			"a node administrator. It is the Windows counterpart of a privileged container.",
		Fields: append([]string{"securityContext.windowsOptions.hostProcess"},
			containerFields("securityContext.windowsOptions.hostProcess")...),
		Allowed: []string{"unset", "false"},
		References: []rules.Reference{
			pssBaseline("HostProcess"),
			rules.CIS("5.2.11", "Minimize the admission of Windows HostProcess Containers"),
			docs("Create a Windows HostProcess Pod", "https://kubernetes.io/docs/tasks/configure-pod-container/create-hostprocess-pod/"),
		},
		Remedy: "Remove windowsOptions.hostProcess: true (and hostNetwork: true, which it requires); run the " +
			"workload as a regular Windows container.",
		CEL: []rules.CELCheck{
			{Expression: "!" + celPodField("windowsOptions.hostProcess") + ".orValue(false)", MessageExpression: "'the pod sets windowsOptions.hostProcess: true'"},
			celEachContainer("!" + celContainerField("windowsOptions.hostProcess") + ".orValue(false)"),
		},
		Pod: checkWindowsHostProcess,
	}
}

func checkWindowsHostProcess(ctx *rules.PodContext) []rules.Violation {
	var out []rules.Violation
	if isHostProcess(podSecurityContext(ctx.Pod).WindowsOptions) {
		path := podField(ctx.Pod, "windowsOptions.hostProcess")
		out = append(out, rules.Violation{
			Path:     path,
			Message:  "the pod runs its containers as Windows HostProcess containers (windowsOptions.hostProcess: true), processes on the node with its network, filesystem and accounts",
			Evidence: "windowsOptions.hostProcess=true in pod securityContext",
			Fix:      set(path, false),
		})
	}
	for _, ref := range ctx.Pod.Containers() {
		c := containerContext{pod: ctx.Pod, ref: ref}
		if !isHostProcess(c.sc().WindowsOptions) {
			continue
		}
		path := c.field("windowsOptions.hostProcess")
		v := violation(c, path,
			describe(c)+" runs as a Windows HostProcess container (windowsOptions.hostProcess: true), a process "+
				"on the node with its network, filesystem and accounts",
			"windowsOptions.hostProcess=true in container securityContext")
		v.Fix = set(path, false)
		out = append(out, v)
	}
	return out
}

func isHostProcess(w *corev1.WindowsSecurityContextOptions) bool {
	return w != nil && w.HostProcess != nil && *w.HostProcess
}
