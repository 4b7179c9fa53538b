package securitycontext

import (
	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/rules"
)

// pod/read-only-root-filesystem: every container's root filesystem must be mounted read-only,
// so that a compromised process cannot drop tools or rewrite binaries and configuration of the
// image. Writable scratch space belongs in an emptyDir volume.
//
// Restricted fields:
//
//	spec.{containers,initContainers,ephemeralContainers}[*].securityContext.readOnlyRootFilesystem
//
// Allowed values: true. (The field exists only on the container securityContext.)
//
// Windows pods are skipped: the API server forbids the field on them.
//
// References: Kubernetes docs "Configure a Security Context"; CIS 5.7.3 (apply security
// contexts); kube-linter no-read-only-root-fs, Polaris notReadOnlyRootFilesystem.

func readOnlyRootFilesystemRule() rules.Rule {
	return rules.Rule{
		ID:       "pod/read-only-root-filesystem",
		Title:    "Container root filesystem is writable",
		Severity: finding.Medium,
		Area:     rules.AreaWorkload,
		Scope:    rules.ScopePod,
		Description: "A writable root filesystem lets a compromised process download tools, replace the " +
			"image's binaries and libraries, and change its configuration, and keeps those changes for the " +
			"life of the container. readOnlyRootFilesystem: true mounts the image read-only; paths the " +
			"application must write to can be emptyDir volumes.",
		Fields:  containerFields("securityContext.readOnlyRootFilesystem"),
		Allowed: []string{"true"},
		References: []rules.Reference{
			rules.CIS("5.7.3", "Apply Security Context to Your Pods and Containers"),
			securityContextDocs(),
		},
		Remedy: "Set securityContext.readOnlyRootFilesystem: true on the container and mount an emptyDir " +
			"volume at each path it must write to (for example /tmp).",
		CEL: celLinuxOnly(celEachContainer(celContainerField("readOnlyRootFilesystem") + ".orValue(false)")),
		Pod: linuxOnly(eachContainer(checkReadOnlyRootFilesystem)),
	}
}

func checkReadOnlyRootFilesystem(ctx *rules.PodContext, c containerContext) []rules.Violation {
	ro := c.readOnlyRootFilesystem()
	if ro.Set() && ro.Value {
		return nil
	}
	v := violation(c, ro.Path(),
		describe(c)+" has a writable root filesystem (readOnlyRootFilesystem is not true), so a compromised "+
			"process can replace the image's binaries and drop its own tools",
		evidence(ctx, ro))
	v.Fix = set(ro.Path(), true)
	return []rules.Violation{v}
}
