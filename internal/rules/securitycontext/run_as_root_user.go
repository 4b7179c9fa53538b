package securitycontext

import (
	"fmt"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/rules"
)

// pod/run-as-root-user: no container may be told to run as UID 0. Unlike pod/run-as-non-root,
// which reports what may happen, this reports what is written: an effective runAsUser of 0.
//
// Restricted fields:
//
//	spec.securityContext.runAsUser
//	spec.{containers,initContainers,ephemeralContainers}[*].securityContext.runAsUser
//
// Allowed values: unset, or any non-zero UID. The container's value overrides the pod's; the
// pod's covers containers that do not set it.
//
// User namespaces: with hostUsers: false, UID 0 maps to an unprivileged UID on the node and
// Pod Security Admission skips this check from v1.35 (check_runAsUser.go); the finding stays,
// at medium severity.
//
// References: PSS restricted "Running as Non-root user" (v1.23+); CIS 5.2.7.

func runAsRootUserRule() rules.Rule {
	return rules.Rule{
		ID:       "pod/run-as-root-user",
		Title:    "Container runs as UID 0",
		Severity: finding.High,
		Area:     rules.AreaWorkload,
		Scope:    rules.ScopePod,
		Description: "runAsUser: 0 runs the container's process as root whatever the image says. Root owns " +
			"the container's filesystem, keeps every capability the runtime grants, and is root on the " +
			"node if it escapes the container.",
		Fields:  append([]string{"securityContext.runAsUser"}, containerFields("securityContext.runAsUser")...),
		Allowed: []string{"unset", "any non-zero UID"},
		References: []rules.Reference{
			pssRestricted("Running as Non-root user"),
			rules.CIS("5.2.7", "Minimize the admission of root containers"),
			securityContextDocs(),
		},
		Remedy: "Set runAsUser to a non-zero UID the image's files allow (or remove it and set " +
			"runAsNonRoot: true with an image whose USER is non-root).",
		CEL: []rules.CELCheck{celEachContainer(celEffective("runAsUser", "1") + " != 0")},
		Pod: eachContainer(checkRunAsRootUser),
	}
}

func checkRunAsRootUser(ctx *rules.PodContext, c containerContext) []rules.Violation {
	user := c.runAsUser()
	if !user.Set() || user.Value != 0 {
		return nil
	}
	level := "its own securityContext"
	if user.Level == FromPod {
		level = "the pod securityContext"
	}
	v := violation(c, user.Path(),
		fmt.Sprintf("%s runs as root: runAsUser is 0 (from %s); a root process owns the container and is "+
			"root on the node if it escapes", describe(c), level),
		evidence(ctx, user))
	if inUserNamespace(ctx.Pod) {
		v.Severity = severity(finding.Medium)
		addEvidence(ctx, &v, "hostUsers=false (UID 0 maps to an unprivileged UID on the node)")
	}
	return []rules.Violation{v}
}
