package pss

// pss/baseline: the pod must pass the Pod Security Standards baseline level, which prevents
// known privilege escalations: a namespace labelled pod-security.kubernetes.io/enforce=baseline
// (or restricted) rejects a pod that fails it. The verdict is k8s.io/pod-security-admission's
// at --pss-version (default latest); "latest" and versions newer than the newest check evaluate
// as that newest version. Every check covers init, regular and ephemeral containers.
//
// Restricted fields and allowed values (k8s.io/pod-security-admission v0.37.2, policy/check_*.go):
//   privileged: containers' securityContext.privileged unset or false
//   hostNamespaces: spec.hostNetwork, spec.hostPID, spec.hostIPC unset or false
//   hostPathVolumes: no spec.volumes[*].hostPath
//   hostPorts: containers' ports[*].hostPort unset or 0
//   capabilities_baseline: capabilities.add only AUDIT_WRITE, CHOWN, DAC_OVERRIDE, FOWNER,
//     FSETID, KILL, MKNOD, NET_BIND_SERVICE, SETFCAP, SETGID, SETPCAP, SETUID, SYS_CHROOT
//   appArmorProfile: appArmorProfile.type (pod, containers) RuntimeDefault, Localhost or unset;
//     container.apparmor.security.beta.kubernetes.io/* annotations "", runtime/default, localhost/*
//   seLinuxOptions: type "", container_t, container_init_t, container_kvm_t (v1.31+ also
//     container_engine_t); user and role unset
//   procMount: unset or Default (v1.35+: any value when hostUsers is false)
//   seccompProfile_baseline: v1.0-v1.18 the seccomp annotations runtime/default, docker/default,
//     localhost/*; v1.19+ seccompProfile.type (pod, containers) RuntimeDefault, Localhost or unset
//   sysctls: spec.securityContext.sysctls[*].name in the safe set of the version
//   windowsHostProcess: windowsOptions.hostProcess (pod, containers) unset or false
//   hostProbesAndHostLifecycle (v1.34+): probes' and lifecycle handlers' httpGet.host and
//     tcpSocket.host unset or empty
//
// The pod is evaluated as the API server stores it (see storedSpec).
//
// References: https://kubernetes.io/docs/concepts/security/pod-security-standards/#baseline;
// https://kubernetes.io/docs/concepts/security/pod-security-admission/;
// k8s.io/pod-security-admission policy/check_*.go (the checks) and policy/registry.go (levels
// and versions).

import (
	"k8s.io/pod-security-admission/api"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/rules"
)

func baselineRule(s *standards) rules.Rule {
	return rules.Rule{
		ID:       "pss/baseline",
		Title:    "Pod fails the Pod Security Standards baseline level",
		Severity: finding.High,
		Area:     rules.AreaPSS,
		Scope:    rules.ScopePod,
		Description: "The baseline level of the Pod Security Standards forbids the known privilege " +
			"escalations: privileged containers, host namespaces, hostPath volumes, host ports, added " +
			"capabilities beyond the default set, disabled AppArmor, seccomp or /proc masking, custom " +
			"SELinux users and roles, unsafe sysctls, Windows HostProcess containers and probes aimed at " +
			"other hosts. The pod is evaluated with k8s.io/pod-security-admission, the code the API " +
			"server's PodSecurity admission runs, at --pss-version; a namespace labelled " +
			"pod-security.kubernetes.io/enforce=baseline or restricted rejects a pod that fails it.",
		Fields: []string{
			"spec.{initContainers,containers,ephemeralContainers}[*].securityContext.privileged",
			"spec.hostNetwork", "spec.hostPID", "spec.hostIPC",
			"spec.volumes[*].hostPath",
			"spec.{initContainers,containers,ephemeralContainers}[*].ports[*].hostPort",
			"spec.{initContainers,containers,ephemeralContainers}[*].securityContext.capabilities.add",
			"spec.securityContext.appArmorProfile.type", "spec.{initContainers,containers,ephemeralContainers}[*].securityContext.appArmorProfile.type",
			"metadata.annotations[container.apparmor.security.beta.kubernetes.io/*]",
			"spec.securityContext.seLinuxOptions", "spec.{initContainers,containers,ephemeralContainers}[*].securityContext.seLinuxOptions",
			"spec.{initContainers,containers,ephemeralContainers}[*].securityContext.procMount",
			"spec.securityContext.seccompProfile.type", "spec.{initContainers,containers,ephemeralContainers}[*].securityContext.seccompProfile.type",
			"metadata.annotations[seccomp.security.alpha.kubernetes.io/pod] (before v1.19)",
			"spec.securityContext.sysctls[*].name",
			"spec.securityContext.windowsOptions.hostProcess", "spec.{initContainers,containers,ephemeralContainers}[*].securityContext.windowsOptions.hostProcess",
			"spec.{initContainers,containers,ephemeralContainers}[*].{livenessProbe,readinessProbe,startupProbe,lifecycle.postStart,lifecycle.preStop}.{httpGet,tcpSocket}.host (v1.34+)",
		},
		Allowed: []string{
			"privileged, hostNetwork, hostPID, hostIPC, windowsOptions.hostProcess: unset or false",
			"no hostPath volume; hostPort unset or 0",
			"capabilities.add: only AUDIT_WRITE, CHOWN, DAC_OVERRIDE, FOWNER, FSETID, KILL, MKNOD, NET_BIND_SERVICE, SETFCAP, SETGID, SETPCAP, SETUID, SYS_CHROOT",
			"appArmorProfile.type and seccompProfile.type: RuntimeDefault, Localhost or unset (annotations: runtime/default, localhost/*)",
			"seLinuxOptions.type: unset, container_t, container_init_t, container_kvm_t, container_engine_t (v1.31+); user and role unset",
			"procMount: unset or Default (any value when hostUsers is false, v1.35+)",
			"sysctls: only the safe set of the version (kernel.shm_rmid_forced, net.ipv4.ip_local_port_range, net.ipv4.ip_unprivileged_port_start, net.ipv4.tcp_syncookies, net.ipv4.ping_group_range, and the names later versions add)",
			"probe and lifecycle host: unset or empty (v1.34+)",
		},
		References: []rules.Reference{pssBaseline, docsAdmission, srcChecks},
		Remedy: "Fix each failing check the finding names (its evidence gives the field of each): remove " +
			"privileged, host namespaces, hostPath volumes and hostPorts; add only default capabilities; " +
			"leave AppArmor, seccomp and procMount at their defaults or RuntimeDefault; use only safe " +
			"sysctls. Label the namespace pod-security.kubernetes.io/enforce=baseline so the API server " +
			"keeps it that way.",
		Pod: func(ctx *rules.PodContext) []rules.Violation { return s.checkBaseline(ctx) },
	}
}

func (s *standards) checkBaseline(ctx *rules.PodContext) []rules.Violation {
	v, invalid := s.requested(ctx)
	if invalid != nil {
		return invalid
	}
	e := s.evaluatePod(ctx, v)
	if len(e.baseline) == 0 {
		return nil
	}
	return []rules.Violation{violation(ctx, api.LevelBaseline, s.versionLabel(v), e.baseline, e.l, "")}
}
