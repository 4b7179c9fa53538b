package securitycontext

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/rules"
)

// pod/capabilities-drop-all: every container must drop all capabilities and add back only the
// ones it needs. Runtimes otherwise grant their default set, which most applications never use:
// containerd's has 14 capabilities, among them NET_RAW, MKNOD, DAC_OVERRIDE and SETUID
// (defaultUnixCaps in its oci package); CRI-O's is configurable, nine by default, without
// NET_RAW and MKNOD (default_capabilities in crio.conf).
//
// Restricted fields:
//
//	spec.{containers,initContainers,ephemeralContainers}[*].securityContext.capabilities.drop
//
// Allowed values: a list that includes ALL (in any case, as runtimes match it).
//
// Windows pods are skipped: the API server forbids capabilities on them.
//
// References: PSS restricted "Capabilities" (v1.22+); CIS 5.2.9 and 5.2.10.

func capabilitiesDropAllRule() rules.Rule {
	return rules.Rule{
		ID:       "pod/capabilities-drop-all",
		AutoFix:  rules.FixEdit,
		Title:    "Container does not drop all capabilities",
		Severity: finding.Medium,
		Area:     rules.AreaWorkload,
		Scope:    rules.ScopePod,
		Description: "Unless a container drops ALL capabilities, it keeps the runtime's default set; containerd's " +
			"includes NET_RAW (forge packets, spoof ARP and DNS on the pod network), MKNOD, DAC_OVERRIDE " +
			"and SETUID. Dropping ALL and adding back only what the application needs removes that surface.",
		Fields:  containerFields("securityContext.capabilities.drop"),
		Allowed: []string{"a list including ALL"},
		References: []rules.Reference{
			pssRestricted("Capabilities"),
			rules.CIS("5.2.9", "Minimize the admission of containers with added capabilities"),
			rules.CIS("5.2.10", "Minimize the admission of containers with capabilities assigned"),
			docs("Set capabilities for a Container", securityCtxURL+"#set-capabilities-for-a-container"),
		},
		Remedy: "Set securityContext.capabilities.drop: [ALL] and list in capabilities.add only the " +
			"capabilities the application needs (NET_BIND_SERVICE to bind ports below 1024, say).",
		// strings.EqualFold(d, "ALL") folds no letter outside ASCII to A or L, so ASCII upper case is the same test.
		CEL: celLinuxOnly(celEachContainer(celContainerField("capabilities.drop") + ".orValue([]).exists(d, d.upperAscii() == 'ALL')")),
		Pod: linuxOnly(eachContainer(checkCapabilitiesDropAll)),
	}
}

func checkCapabilitiesDropAll(ctx *rules.PodContext, c containerContext) []rules.Violation {
	if c.dropsAll() {
		return nil
	}
	path := c.field("capabilities.drop")
	drop := c.capabilities().Drop
	var evidence string
	switch {
	case !ctx.Options.WantsEvidence():
	case len(drop) > 0:
		evidence = fmt.Sprintf("capabilities.drop=%v in container", drop)
	default:
		evidence = "capabilities.drop unset in container"
	}
	v := violation(c, path,
		describe(c)+" does not drop ALL capabilities, so it keeps the runtime's default set (containerd's "+
			"includes NET_RAW, MKNOD, DAC_OVERRIDE and SETUID) whether it needs them or not",
		evidence)
	if ctx.Options.WantsPatches() {
		v.Fix = set(path, append(append([]corev1.Capability{}, drop...), corev1.Capability(capAll)))
	}
	return []rules.Violation{v}
}
