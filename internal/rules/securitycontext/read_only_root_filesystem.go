package securitycontext

import (
	"slices"

	corev1 "k8s.io/api/core/v1"

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
		AutoFix:  rules.FixEdit,
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
	if ctx.Options.WantsPatches() {
		v.Fix = readOnlyRootFilesystemFix(ctx, c, ro.Path())
	}
	return []rules.Violation{v}
}

// tmpVolume is the emptyDir the read-only remedy mounts at /tmp, which most programs write to.
const tmpVolume = "tmp"

// readOnlyRootFilesystemFix sets readOnlyRootFilesystem: true and mounts an emptyDir at /tmp,
// with a comment that other paths the program writes need one too. The volume is left out
// when the container already mounts something at /tmp, or the pod has a volume of that name
// that is not an emptyDir (mounting it at /tmp would expose what it holds).
func readOnlyRootFilesystemFix(ctx *rules.PodContext, c containerContext, path string) []finding.Patch {
	fix := []finding.Patch{{Path: path, Value: true,
		Comment: "set by palisade fix: mount an emptyDir at every other path the app writes to"}}
	if slices.ContainsFunc(c.ref.VolumeMounts, func(m corev1.VolumeMount) bool { return m.MountPath == "/tmp" }) {
		return fix
	}
	for _, v := range ctx.Pod.Spec.Volumes {
		if v.Name == tmpVolume && v.EmptyDir == nil {
			return fix
		}
	}
	if c.ref.List == "ephemeralContainers" {
		return fix // an ephemeral container cannot bring a volume of its own
	}
	return append(fix,
		finding.Patch{Path: c.ref.Path + ".volumeMounts", Value: []any{map[string]any{"name": tmpVolume, "mountPath": "/tmp"}}},
		finding.Patch{Path: ctx.Pod.SpecPath + ".volumes", Value: []any{map[string]any{"name": tmpVolume, "emptyDir": map[string]any{}}}},
	)
}
