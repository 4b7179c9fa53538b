package securitycontext

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/rules"
)

// pod/proc-mount: no container may ask for an unmasked /proc. By default runtimes mask and
// make read-only the parts of /proc that expose the host kernel (/proc/kcore, /proc/sysrq-trigger,
// /proc/sys ...); procMount: Unmasked removes that protection.
//
// Restricted fields:
//
//	spec.{containers,initContainers,ephemeralContainers}[*].securityContext.procMount
//
// Allowed values: unset, Default.
//
// User namespaces: since Kubernetes 1.30 (kubernetes/kubernetes#123520, KEP-4265) the API
// server rejects procMount: Unmasked unless the pod sets hostUsers: false. Inside a user
// namespace the kernel's own ownership checks protect most of /proc, so from v1.35 the Pod
// Security Standards baseline allows Unmasked when hostUsers is false, while restricted still
// forbids it (check_procMount.go and check_procMount_restricted.go in
// k8s.io/pod-security-admission). Palisade reports Unmasked either way: at high severity in a
// pod that shares the host's user namespace, at medium with hostUsers: false.
//
// Windows pods are skipped: the API server forbids the field on them.
//
// References: PSS baseline and restricted "/proc Mount Type"; KEP-4265.

func procMountRule() rules.Rule {
	return rules.Rule{
		ID:       "pod/proc-mount",
		AutoFix:  rules.FixEdit,
		Title:    "Container mounts /proc unmasked",
		Severity: finding.High,
		Area:     rules.AreaWorkload,
		Scope:    rules.ScopePod,
		Description: "Container runtimes mask the parts of /proc that expose the host kernel, such as " +
			"/proc/kcore and /proc/sysrq-trigger, and mount /proc/sys read-only. procMount: Unmasked turns " +
			"that off, giving the container's processes those kernel interfaces. In a pod with its own user " +
			"namespace (hostUsers: false) the kernel's ownership checks limit the damage, so the finding is " +
			"of medium severity there.",
		Fields:  containerFields("securityContext.procMount"),
		Allowed: []string{"unset", "Default"},
		References: []rules.Reference{
			pssBaseline("/proc Mount Type"),
			pssRestricted("/proc Mount Type"),
			kep("4265", "ProcMount option", "https://github.com/kubernetes/enhancements/tree/master/keps/sig-node/4265-proc-mount"),
		},
		Remedy: "Remove procMount or set it to Default.",
		CEL:    celLinuxOnly(celEachContainer(celContainerField("procMount") + ".orValue('Default') == 'Default'")),
		Pod:    linuxOnly(eachContainer(checkProcMount)),
	}
}

func checkProcMount(ctx *rules.PodContext, c containerContext) []rules.Violation {
	pm := c.procMount()
	if !pm.Set() || pm.Value == corev1.DefaultProcMount {
		return nil
	}
	v := violation(c, pm.Path(),
		fmt.Sprintf("%s mounts /proc with procMount %s, which exposes host kernel interfaces the runtime "+
			"normally masks", describe(c), pm.Value),
		evidence(ctx, pm))
	if inUserNamespace(ctx.Pod) {
		v.Severity = severity(finding.Medium)
		addEvidence(ctx, &v, "hostUsers=false (the pod has its own user namespace)")
	} else {
		addEvidence(ctx, &v, "hostUsers unset or true (the API server from 1.30 rejects Unmasked without hostUsers: false)")
	}
	if ctx.Options.WantsPatches() {
		v.Fix = set(pm.Path(), string(corev1.DefaultProcMount))
	}
	return []rules.Violation{v}
}
