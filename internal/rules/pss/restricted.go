package pss

// pss/restricted: the pod must pass the Pod Security Standards restricted level, the current
// pod hardening best practice: a namespace labelled pod-security.kubernetes.io/enforce=restricted
// rejects a pod that fails it. The verdict is k8s.io/pod-security-admission's at --pss-version,
// as for pss/baseline.
//
// Restricted is baseline plus the checks below, minus the baseline checks a restricted check
// overrides (hostPathVolumes by restrictedVolumes, capabilities_baseline by
// capabilities_restricted, seccompProfile_baseline by seccompProfile_restricted, procMount by
// procMount_restricted). This rule reports only the checks of the restricted level: a failing
// baseline check is pss/baseline's finding, and this one says that the pod fails baseline too.
// A tightened check still reports what it forbids, so a hostPath volume, say, is named by both
// levels (hostPathVolumes and restrictedVolumes).
//
// Restricted fields and allowed values (k8s.io/pod-security-admission v0.37.2, policy/check_*.go):
//   restrictedVolumes: spec.volumes[*] only configMap, csi, downwardAPI, emptyDir, ephemeral,
//     image, persistentVolumeClaim, projected, secret
//   runAsNonRoot: spec.securityContext.runAsNonRoot true, or every container's true; an explicit
//     false is forbidden (v1.35+: skipped when hostUsers is false)
//   allowPrivilegeEscalation (v1.8+): every container's false (v1.25+: Windows pods exempt)
//   seccompProfile_restricted (v1.19+): the pod's seccompProfile.type RuntimeDefault or Localhost,
//     or every container's (v1.25+: Windows pods exempt)
//   capabilities_restricted (v1.22+): capabilities.drop includes ALL; add only NET_BIND_SERVICE
//     (v1.25+: Windows pods exempt)
//   runAsUser (v1.23+): runAsUser (pod, containers) never 0 (v1.35+: skipped when hostUsers is false)
//   procMount_restricted (v1.35+): procMount unset or Default, whatever hostUsers says
//
// References: https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted;
// https://kubernetes.io/docs/concepts/security/pod-security-admission/.

import (
	"slices"

	"k8s.io/pod-security-admission/api"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/rules"
)

func restrictedRule(s *standards) rules.Rule {
	return rules.Rule{
		ID:       "pss/restricted",
		Title:    "Pod fails the Pod Security Standards restricted level",
		Severity: finding.Medium,
		Area:     rules.AreaPSS,
		Scope:    rules.ScopePod,
		Description: "The restricted level of the Pod Security Standards adds the current pod hardening " +
			"practice to baseline: only ephemeral and projected kinds of volumes, a non-root user, no " +
			"privilege escalation, a RuntimeDefault or Localhost seccomp profile, every capability " +
			"dropped (NET_BIND_SERVICE may be added back) and the default /proc mask. The pod is " +
			"evaluated with k8s.io/pod-security-admission at --pss-version. This rule names the checks " +
			"that the restricted level adds or tightens; baseline checks the pod fails are pss/baseline's " +
			"finding, reported once.",
		Fields: []string{
			"spec.volumes[*]",
			"spec.securityContext.runAsNonRoot", "spec.{initContainers,containers,ephemeralContainers}[*].securityContext.runAsNonRoot",
			"spec.{initContainers,containers,ephemeralContainers}[*].securityContext.allowPrivilegeEscalation",
			"spec.securityContext.seccompProfile.type", "spec.{initContainers,containers,ephemeralContainers}[*].securityContext.seccompProfile.type",
			"spec.{initContainers,containers,ephemeralContainers}[*].securityContext.capabilities.{drop,add}",
			"spec.securityContext.runAsUser", "spec.{initContainers,containers,ephemeralContainers}[*].securityContext.runAsUser",
			"spec.{initContainers,containers,ephemeralContainers}[*].securityContext.procMount",
		},
		Allowed: []string{
			"volumes: configMap, csi, downwardAPI, emptyDir, ephemeral, image, persistentVolumeClaim, projected, secret",
			"runAsNonRoot: true at the pod, or in every container; never false (any value when hostUsers is false, v1.35+)",
			"allowPrivilegeEscalation: false in every container (Windows pods exempt, v1.25+)",
			"seccompProfile.type: RuntimeDefault or Localhost at the pod, or in every container",
			"capabilities: drop includes ALL; add only NET_BIND_SERVICE",
			"runAsUser: unset or non-zero (any value when hostUsers is false, v1.35+)",
			"procMount: unset or Default (v1.35+)",
		},
		References: []rules.Reference{pssRestricted, docsAdmission, srcChecks},
		Remedy: "Set, at the pod or in every container: runAsNonRoot: true (with a non-zero runAsUser), " +
			"allowPrivilegeEscalation: false, seccompProfile.type: RuntimeDefault, capabilities.drop: [ALL]; " +
			"replace other volume types by a persistentVolumeClaim, csi or projected volume. Label the " +
			"namespace pod-security.kubernetes.io/enforce=restricted so the API server keeps it that way.",
		Pod: func(ctx *rules.PodContext) []rules.Violation { return s.checkRestricted(ctx) },
	}
}

func (s *standards) checkRestricted(ctx *rules.PodContext) []rules.Violation {
	v, invalid := s.requested(ctx)
	if invalid != nil {
		return invalid
	}
	e := s.evaluatePod(ctx, v)
	all, l := e.restricted, e.l
	var fs []failure
	for _, f := range all {
		if f.check.Level == api.LevelRestricted {
			fs = append(fs, f)
		}
	}
	if len(fs) == 0 {
		return nil
	}
	note := ""
	if slices.ContainsFunc(all, func(f failure) bool { return f.check.Level == api.LevelBaseline }) {
		note = "; it fails baseline checks too, reported by pss/baseline"
	}
	return []rules.Violation{violation(ctx, api.LevelRestricted, s.versionLabel(v), fs, l, note)}
}
