// Package securitycontext holds the pod rules about who a container runs as and what it may
// do to the kernel: user and group, root filesystem, privilege escalation, privileged mode,
// capabilities, seccomp, AppArmor, SELinux, /proc mounts, host namespaces and Windows
// HostProcess. Effective values follow Kubernetes: a container setting overrides the pod
// setting, and a pod setting covers containers that do not set it (effective.go). Every
// container check covers init, regular and ephemeral containers.
//
// The package only judges pod specs; it must not read other objects of the inventory, and it
// leaves invalid field values (a misspelt profile type, say) to the schema rules.
package securitycontext

import (
	"slices"

	corev1 "k8s.io/api/core/v1"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/inventory"
	"palisade.dev/palisade/internal/rules"
)

// Rules returns the package's rules.
func Rules() []rules.Rule {
	return slices.Concat(
		[]rules.Rule{
			runAsNonRootRule(),
			runAsRootUserRule(),
			runAsRootGroupRule(),
			readOnlyRootFilesystemRule(),
			allowPrivilegeEscalationRule(),
			privilegedRule(),
			capabilitiesDropAllRule(),
			dangerousCapabilitiesRule(),
			seccompRule(),
			appArmorRule(),
			seLinuxRule(),
			procMountRule(),
			windowsHostProcessRule(),
		},
		hostNamespaceRules(),
	)
}

// containerCheck judges one container of a pod.
type containerCheck func(ctx *rules.PodContext, c containerContext) []rules.Violation

// eachContainer runs a container check over every init, regular and ephemeral container.
func eachContainer(check containerCheck) func(*rules.PodContext) []rules.Violation {
	return func(ctx *rules.PodContext) []rules.Violation {
		var out []rules.Violation
		for _, ref := range ctx.Pod.Containers() {
			out = append(out, check(ctx, containerContext{pod: ctx.Pod, ref: ref})...)
		}
		return out
	}
}

// linuxOnly skips pods that declare spec.os.name: windows. The API server forbids the Linux
// security fields on such pods (validateWindows in pkg/apis/core/validation), so a Linux
// setting that is missing there is not a gap, and the Pod Security Standards exempt them from
// the same checks (restricted, v1.25+).
func linuxOnly(eval func(*rules.PodContext) []rules.Violation) func(*rules.PodContext) []rules.Violation {
	return func(ctx *rules.PodContext) []rules.Violation {
		if isWindows(ctx.Pod) {
			return nil
		}
		return eval(ctx)
	}
}

func isWindows(p inventory.PodTemplate) bool {
	return p.Spec.OS != nil && p.Spec.OS.Name == corev1.Windows
}

// inUserNamespace reports whether the pod runs in its own user namespace (hostUsers: false), in
// which UID 0 of the container maps to an unprivileged UID of the node (KEP-127).
func inUserNamespace(p inventory.PodTemplate) bool {
	return p.Spec.HostUsers != nil && !*p.Spec.HostUsers
}

// describe names a container the way messages do: `container "app"`, `init container
// "migrate"`, `ephemeral container "debugger"`.
func describe(c containerContext) string {
	switch c.ref.List {
	case "initContainers":
		return "init container " + finding.Quote(c.ref.Name)
	case "ephemeralContainers":
		return "ephemeral container " + finding.Quote(c.ref.Name)
	}
	return "container " + finding.Quote(c.ref.Name)
}

// violation starts a finding about one container.
func violation(c containerContext, path, message, evidence string) rules.Violation {
	return rules.Violation{Path: path, Container: c.ref.Name, Message: message, Evidence: evidence}
}

// addEvidence appends a note to v's evidence, unless the caller prints none
// (rules.Options.NoEvidence).
func addEvidence(ctx *rules.PodContext, v *rules.Violation, note string) {
	if ctx.Options.WantsEvidence() {
		v.Evidence += "; " + note
	}
}

// set is a remedy that sets one field.
func set(path string, value any) []finding.Patch {
	return []finding.Patch{{Path: path, Value: value}}
}

// remove is a remedy that removes one field.
func remove(path string) []finding.Patch {
	return []finding.Patch{{Path: path, Remove: true}}
}

func severity(s finding.Severity) *finding.Severity { return &s }

// containerFields lists a container field in the three container lists, relative to the pod
// spec, for a rule's Fields.
func containerFields(field string) []string {
	return []string{
		"containers[*]." + field,
		"initContainers[*]." + field,
		"ephemeralContainers[*]." + field,
	}
}

// References shared by the rules.
const (
	securityCtxURL = "https://kubernetes.io/docs/tasks/configure-pod-container/security-context/"
)

func pssBaseline(check string) rules.Reference {
	return rules.PSS("baseline/"+check, "Pod Security Standards, Baseline: "+check)
}

func pssRestricted(check string) rules.Reference {
	return rules.PSS("restricted/"+check, "Pod Security Standards, Restricted: "+check)
}

func docs(title, url string) rules.Reference {
	return rules.Docs(title, url)
}

func kep(id, title, url string) rules.Reference {
	return rules.KEP(id, title, url)
}

func securityContextDocs() rules.Reference {
	return docs("Configure a Security Context for a Pod or Container", securityCtxURL)
}
