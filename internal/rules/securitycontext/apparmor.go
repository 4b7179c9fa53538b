package securitycontext

import (
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/rules"
)

// pod/apparmor: no container may run without AppArmor confinement when the node enforces it.
//
// Restricted fields:
//
//	spec.securityContext.appArmorProfile.type
//	spec.{containers,initContainers,ephemeralContainers}[*].securityContext.appArmorProfile.type
//	metadata.annotations[container.apparmor.security.beta.kubernetes.io/<container name>]
//
// Allowed values: field type RuntimeDefault or Localhost, annotation runtime/default or
// localhost/<profile>, or nothing at all for a container that is not privileged. Unconfined
// (field) or unconfined (annotation) fails. A value that is none of these is left to the
// schema rules, as the API server rejects it.
//
// Effective profile. The appArmorProfile fields are GA since Kubernetes 1.30 (KEP-24); the
// annotation, beta since 1.4, is deprecated but still works: when a Pod is created, the API
// server copies a container's annotation into that container's unset field
// (applyAppArmorVersionSkew in pkg/registry/core/pod/strategy.go), and the kubelet reads the
// container field, else the container annotation (for static pods, which skip the API server),
// else the pod field (GetProfile in pkg/security/apparmor). So the order is: container field,
// else container annotation, else pod field. There is no pod-wide annotation. When an
// annotation and its container's field are both set they must agree, or the API server rejects
// the Pod.
//
// Unset passes, unless the container is privileged. With no profile, the kubelet asks for
// none, and on a node where AppArmor is enabled the runtime applies its default profile, the
// same confinement RuntimeDefault requests (Pod Security Standards, AppArmor: "On supported
// hosts, the RuntimeDefault AppArmor profile is applied by default"), which is why the
// standards allow unset at every level. The exception is a privileged container:
// containerd applies neither its default profile nor RuntimeDefault to it, only a Localhost
// profile (GenerateApparmorSpecOpts in its CRI plugin), so a privileged container without a
// Localhost profile is reported. On nodes without AppArmor (most non-Ubuntu/Debian hosts) no
// profile ever applies; a manifest cannot show which nodes those are.
//
// Windows pods are skipped: AppArmor does not exist there (the API server skips the annotation
// copy for them and forbids the field).
//
// References: PSS baseline "AppArmor"; Kubernetes tutorial "Restrict a Container's Access to
// Resources with AppArmor"; KEP-24.

func appArmorRule() rules.Rule {
	return rules.Rule{
		ID:       "pod/apparmor",
		AutoFix:  rules.FixEdit,
		Title:    "Container runs without AppArmor confinement",
		Severity: finding.Medium,
		Area:     rules.AreaWorkload,
		Scope:    rules.ScopePod,
		Description: "AppArmor limits which files, mounts and kernel interfaces a container's processes " +
			"may use. On nodes that enforce it, the runtime's default profile applies to every unprivileged " +
			"container that asks for nothing else; an Unconfined profile (field) or unconfined (annotation) " +
			"turns it off, and a privileged container gets no profile unless a Localhost one is set. Both the " +
			"appArmorProfile field (pod and container) and the deprecated per-container annotation are read.",
		Fields: append([]string{
			"securityContext.appArmorProfile.type",
			"metadata.annotations[" + corev1.DeprecatedAppArmorBetaContainerAnnotationKeyPrefix + "<container>]",
		}, containerFields("securityContext.appArmorProfile.type")...),
		Allowed: []string{
			"field type RuntimeDefault or Localhost (container value, else container annotation, else pod value)",
			"annotation runtime/default or localhost/<profile>",
			"unset, for a container that is not privileged",
		},
		References: []rules.Reference{
			pssBaseline("AppArmor"),
			docs("Restrict a Container's Access to Resources with AppArmor", "https://kubernetes.io/docs/tutorials/security/apparmor/"),
			kep("24", "AppArmor support", "https://github.com/kubernetes/enhancements/tree/master/keps/sig-node/24-apparmor"),
		},
		Remedy: "Remove Unconfined: set securityContext.appArmorProfile.type to RuntimeDefault (or Localhost " +
			"with a profile loaded on the nodes), and replace the deprecated annotation by the field.",
		Pod: linuxOnly(eachContainer(checkAppArmor)),
	}
}

// appArmorSource is the place that sets a container's AppArmor profile.
type appArmorSource struct {
	unconfined, localhost bool
	annotation            bool
	path, evidence        string
	remedy                string
}

func checkAppArmor(ctx *rules.PodContext, c containerContext) []rules.Violation {
	src := effectiveAppArmor(ctx, c)
	if src != nil && src.unconfined {
		v := violation(c, src.path,
			describe(c)+" runs with AppArmor unconfined, so nothing limits which files, mounts and kernel "+
				"interfaces its processes may use",
			src.evidence)
		if ctx.Options.WantsPatches() {
			v.Fix = appArmorFix(ctx, c, src)
		}
		return []rules.Violation{v}
	}
	if p := c.privileged(); !p.Set() || !p.Value || (src != nil && src.localhost) {
		return nil
	}
	path, evidence := c.field("appArmorProfile.type"), "no AppArmor profile set"
	if src != nil {
		path, evidence = src.path, src.evidence
	}
	return []rules.Violation{violation(c, path,
		describe(c)+" is privileged and has no Localhost AppArmor profile: containerd applies neither its "+
			"default profile nor RuntimeDefault to a privileged container, so it runs unconfined",
		evidence+"; privileged=true in container securityContext")}
}

// appArmorFix is the remedy of an unconfined container: RuntimeDefault where src sets the
// profile, in the container's field when src is the deprecated annotation.
func appArmorFix(ctx *rules.PodContext, c containerContext, src *appArmorSource) []finding.Patch {
	switch _, _, annotation, ok := containerAppArmorAnnotation(ctx, c); {
	case src.annotation:
		// The deprecated annotation is replaced by the container's field.
		return append(remove(src.path), set(c.field("appArmorProfile.type"), src.remedy)...)
	case ok:
		// The field decides, but the API server refuses a field and an annotation of the
		// container that differ: the annotation goes.
		return append(remove(annotation), set(src.path, src.remedy)...)
	}
	return set(src.path, src.remedy)
}

// effectiveAppArmor returns the container field, else the container annotation, else the pod
// field, or nil when none is set.
func effectiveAppArmor(ctx *rules.PodContext, c containerContext) *appArmorSource {
	field := c.appArmorProfile()
	fromField := func() *appArmorSource {
		return &appArmorSource{
			unconfined: field.Value.Type == corev1.AppArmorProfileTypeUnconfined,
			localhost:  field.Value.Type == corev1.AppArmorProfileTypeLocalhost,
			path:       field.Path() + ".type",
			evidence:   fmt.Sprintf("appArmorProfile.type=%s in %s", field.Value.Type, field.Where()),
			remedy:     string(corev1.AppArmorProfileTypeRuntimeDefault),
		}
	}
	if field.Level == FromContainer {
		return fromField()
	}
	if key, value, path, ok := containerAppArmorAnnotation(ctx, c); ok {
		return &appArmorSource{
			annotation: true,
			unconfined: value == corev1.DeprecatedAppArmorBetaProfileNameUnconfined,
			localhost:  strings.HasPrefix(value, corev1.DeprecatedAppArmorBetaProfileNamePrefix),
			path:       path,
			evidence:   fmt.Sprintf("annotation %s=%q", key, value),
			remedy:     string(corev1.AppArmorProfileTypeRuntimeDefault),
		}
	}
	if field.Level == FromPod {
		return fromField()
	}
	return nil
}

// containerAppArmorAnnotation returns the deprecated AppArmor annotation of container c (its
// key, value and field path), if the pod has one.
func containerAppArmorAnnotation(ctx *rules.PodContext, c containerContext) (key, value, path string, ok bool) {
	if ctx.Pod.Meta == nil {
		return "", "", "", false
	}
	key = corev1.DeprecatedAppArmorBetaContainerAnnotationKeyPrefix + c.ref.Name
	value, ok = ctx.Pod.Meta.Annotations[key]
	return key, value, ctx.Pod.MetaPath + ".annotations[" + key + "]", ok
}
