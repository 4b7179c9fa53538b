package securitycontext

import (
	"fmt"
	"strings"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/rules"
)

// pod/run-as-non-root: every container must be kept from running as root, either by an
// effective runAsNonRoot=true (the kubelet then refuses to start a container whose user is
// UID 0) or by an effective non-zero runAsUser. Without either, the image's USER decides, and
// most images run as root. The rule judges the UID the process runs as: runAsNonRoot: false
// with a non-zero runAsUser runs as that UID, exactly like runAsNonRoot unset, and passes
// (pss/restricted still reports the false, as the Pod Security Standards require true).
// runAsUser 0 without runAsNonRoot: true runs as root and is reported (pod/run-as-root-user
// reports the 0 too).
//
// Restricted fields:
//
//	spec.securityContext.runAsNonRoot
//	spec.securityContext.runAsUser
//	spec.{containers,initContainers,ephemeralContainers}[*].securityContext.runAsNonRoot
//	spec.{containers,initContainers,ephemeralContainers}[*].securityContext.runAsUser
//
// Allowed values: effective runAsNonRoot true; or effective runAsUser non-zero. The container's value overrides the pod's; the pod's covers containers that do not
// set it.
//
// User namespaces: with hostUsers: false, UID 0 in the container maps to an unprivileged UID on
// the node, and Pod Security Admission skips this check from v1.35 (check_runAsNonRoot.go).
// Root inside the container still owns the container's filesystem, so the finding stays, at
// medium severity.
//
// References: PSS restricted "Running as Non-root"; CIS 5.2.7; Kubernetes docs "Configure a
// Security Context".

func runAsNonRootRule() rules.Rule {
	return rules.Rule{
		ID:       "pod/run-as-non-root",
		AutoFix:  rules.FixEdit,
		Title:    "Container may run as root",
		Severity: finding.High,
		Area:     rules.AreaWorkload,
		Scope:    rules.ScopePod,
		Description: "A container that is not required to run as a non-root user runs as whatever user " +
			"its image names, which is root for most images. A process running as UID 0 owns the " +
			"container's filesystem, can use every capability the runtime grants, and is root on the " +
			"node if it escapes the container. runAsNonRoot: true makes the kubelet refuse to start a " +
			"container whose user is root; a non-zero runAsUser runs it as that user, so the rule judges " +
			"that user: runAsNonRoot: false with a non-zero runAsUser passes here (pss/restricted still " +
			"reports the false), runAsUser: 0 without runAsNonRoot: true does not.",
		Fields: append([]string{"securityContext.runAsNonRoot", "securityContext.runAsUser"},
			append(containerFields("securityContext.runAsNonRoot"), containerFields("securityContext.runAsUser")...)...),
		Allowed: []string{
			"effective runAsNonRoot: true (container value, else pod value)",
			"effective runAsUser non-zero (whatever runAsNonRoot says)",
		},
		References: []rules.Reference{
			pssRestricted("Running as Non-root"),
			rules.CIS("5.2.7", "Minimize the admission of root containers"),
			securityContextDocs(),
		},
		Remedy: "Set securityContext.runAsNonRoot: true on the pod (it covers every container) or on the " +
			"container, and build the image with a numeric non-root USER or set runAsUser to a non-zero UID.",
		CEL: []rules.CELCheck{celEachContainer(celEffective("runAsNonRoot", "false") + " || " + celEffective("runAsUser", "0") + " != 0")},
		Pod: eachContainer(checkRunAsNonRoot),
	}
}

func checkRunAsNonRoot(ctx *rules.PodContext, c containerContext) []rules.Violation {
	nonRoot, user := c.runAsNonRoot(), c.runAsUser()
	if nonRoot.Set() && nonRoot.Value {
		return nil // the kubelet refuses to start it as UID 0, whatever the user
	}
	if user.Set() && user.Value != 0 {
		return nil // it runs as that UID, whatever runAsNonRoot says
	}
	// It can run as root: runAsNonRoot is not true, and the user is 0 or left to the image.
	var ev string
	if ctx.Options.WantsEvidence() {
		ev = nonRoot.Evidence() + "; " + user.Evidence()
	}
	var v rules.Violation
	switch {
	case user.Set(): // runAsUser 0
		v = violation(c, nonRoot.Path(),
			fmt.Sprintf("%s runs as root: runAsUser is 0 (from %s) and runAsNonRoot is not true, "+
				"so nothing stops it; a root process owns the container and is root on the node if it escapes",
				describe(c), levelName(user.Level)),
			ev)
	case nonRoot.Set(): // runAsNonRoot false, no user
		v = violation(c, nonRoot.Path(),
			fmt.Sprintf("%s has runAsNonRoot: false (from %s) and no non-zero runAsUser, so it runs as the "+
				"image's USER, root for most images; a root process owns the container and is root on the "+
				"node if it escapes", describe(c), levelName(nonRoot.Level)),
			ev)
	default:
		v = violation(c, nonRoot.Path(),
			describe(c)+" may run as root: runAsNonRoot is not true and runAsUser is not a non-zero UID, "+
				"so the image's USER decides (root for most images); set runAsNonRoot: true",
			ev)
	}
	if ctx.Options.WantsPatches() {
		v.Fix = runAsNonRootFix(nonRoot, user, isWindows(ctx.Pod))
	}
	if inUserNamespace(ctx.Pod) {
		v.Severity = severity(finding.Medium)
		addEvidence(ctx, &v, "hostUsers=false (UID 0 maps to an unprivileged UID on the node)")
	}
	return []rules.Violation{v}
}

// levelName names the securityContext an effective value comes from, for messages.
func levelName(l Level) string {
	if l == FromPod {
		return "the pod securityContext"
	}
	return "its own securityContext"
}

// remedyUID is the user a remedy runs a container as when nothing says which: non-zero, above
// the ranges distributions give system accounts, and not nobody (65534), which owns nothing on
// purpose.
const remedyUID = 10001

// runAsNonRootFix sets runAsNonRoot: true where the finding is. A manifest does not say which
// user its image runs as, so when no runAsUser is set either a non-zero one is set beside it
// (the kubelet refuses to start a container whose image names root or a user by name under
// runAsNonRoot alone), with a comment saying so. runAsUser: 0 is the user's to change: with
// runAsNonRoot: true the container would not start, so only a note says what to do. A Windows
// pod has no runAsUser (the API server forbids it there): runAsNonRoot: true alone, with a
// comment naming the Windows user to run as.
func runAsNonRootFix(nonRoot Effective[bool], user Effective[int64], windows bool) []finding.Patch {
	if user.Set() {
		return []finding.Patch{{Path: user.Path(), Comment: "TODO(palisade): runAsUser 0 is root; set the non-zero UID the image runs as, and runAsNonRoot: true"}}
	}
	if windows {
		return []finding.Patch{{Path: nonRoot.Path(), Value: true,
			Comment: "set by palisade fix: run as a non-administrator user, e.g. windowsOptions.runAsUserName: ContainerUser"}}
	}
	fix := set(nonRoot.Path(), true)
	sc, _ := strings.CutSuffix(nonRoot.Path(), ".runAsNonRoot")
	return append(fix, finding.Patch{
		Path:    sc + ".runAsUser",
		Value:   int64(remedyUID),
		Comment: "set by palisade fix: the image's user is unknown; use the UID the image runs as",
	})
}
