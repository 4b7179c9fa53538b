package securitycontext

import (
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/rules"
)

// pod/seccomp: every container must run under a seccomp profile, the runtime's default or one
// loaded on the node. Without one, a process may call every system call the kernel offers,
// including the rarely used ones that most kernel exploits go through.
//
// Restricted fields:
//
//	spec.securityContext.seccompProfile.type
//	spec.{containers,initContainers,ephemeralContainers}[*].securityContext.seccompProfile.type
//	metadata.annotations[seccomp.security.alpha.kubernetes.io/pod]
//	metadata.annotations[container.seccomp.security.alpha.kubernetes.io/<container name>]
//
// Allowed values: an effective field type RuntimeDefault or Localhost; where annotations still
// count (below), an effective annotation runtime/default, docker/default or localhost/<path>.
// Unconfined (field) or unconfined (annotation) is reported at high severity; no profile at
// medium. A value that is neither (a misspelt type) is left to the schema rules, as the API
// server rejects it.
//
// How fields and annotations interact, by Kubernetes version:
//
//   - v1.27 and later (so every version from 1.30): only the fields take effect. The API server
//     no longer copies annotations into the fields (kubernetes/kubernetes#114947, v1.27), the
//     kubelet has ignored the annotations since v1.25 (#109819), and an annotation without the
//     matching field only draws the warning "non-functional in v1.27+; use the seccompProfile
//     field instead" (pkg/api/pod/warnings.go). What remains is validation: when an annotation
//     and the field of the same level (pod, or that container) are both set, they must agree
//     or the API server rejects the Pod or pod template (validateSeccompAnnotationsAndFields).
//     The container's field overrides the pod's (the kubelet's
//     determineEffectiveSecurityContext). With neither field the kubelet runs the container
//     Unconfined, unless the kubelet's seccompDefault setting (GA v1.27, off by default) makes
//     it RuntimeDefault.
//   - v1.19 to v1.26: when a Pod was created, the API server copied the pod annotation into an
//     unset pod field and each container annotation into that container's unset field
//     (applySeccompVersionSkew, KEP-135 "Version Skew Strategy"). The effective profile was
//     therefore: container field, else container annotation, else pod field, else pod
//     annotation. Before v1.19 the annotations were the only form.
//
// Palisade applies the second order when --kubernetes-version names v1.26 or older, and the
// first otherwise. Under the first, a profile that only an annotation requests is reported anyway:
// an unconfined annotation at high severity (the container does run Unconfined on a default
// kubelet), any other annotation at medium with the note that it has no effect.
//
// Windows pods are skipped: seccomp does not exist there and the API server forbids the field.
//
// References: PSS baseline "Seccomp" and restricted "Seccomp"; CIS 5.7.2; Kubernetes tutorial
// "Restrict a Container's Syscalls with seccomp"; KEP-135.

func seccompRule() rules.Rule {
	return rules.Rule{
		ID:       "pod/seccomp",
		AutoFix:  rules.FixEdit,
		Title:    "Container runs without a seccomp profile",
		Severity: finding.High,
		Area:     rules.AreaWorkload,
		Scope:    rules.ScopePod,
		Description: "seccomp filters the system calls a process may make. Kubernetes runs containers " +
			"Unconfined unless a profile is set (or the kubelet's seccompDefault is on), leaving every " +
			"system call, and every kernel bug behind it, open to a compromised process. RuntimeDefault " +
			"blocks the calls containers do not need. Since Kubernetes 1.27 only the seccompProfile field " +
			"counts; the old seccomp annotations have no effect. Unconfined is reported at high severity, " +
			"a missing profile at medium.",
		Fields: append([]string{
			"securityContext.seccompProfile.type",
			"metadata.annotations[" + corev1.SeccompPodAnnotationKey + "]",
			"metadata.annotations[" + corev1.SeccompContainerAnnotationKeyPrefix + "<container>]",
		}, containerFields("securityContext.seccompProfile.type")...),
		Allowed: []string{
			"field type RuntimeDefault or Localhost (container value, else pod value)",
			"up to Kubernetes 1.26 only: annotation runtime/default, docker/default or localhost/<profile>",
		},
		References: []rules.Reference{
			pssBaseline("Seccomp"),
			pssRestricted("Seccomp"),
			rules.CIS("5.7.2", "Ensure that the seccomp profile is set to docker/default in your Pod definitions"),
			docs("Restrict a Container's Syscalls with seccomp", "https://kubernetes.io/docs/tutorials/security/seccomp/"),
			kep("135", "Seccomp to GA", "https://github.com/kubernetes/enhancements/tree/master/keps/sig-node/135-seccomp"),
		},
		Remedy: "Set securityContext.seccompProfile.type: RuntimeDefault on the pod (it covers every " +
			"container) or use a Localhost profile; replace the deprecated seccomp annotations by the field.",
		// With the default Options the annotations take no effect (v1.27+): a container is confined
		// when its own seccompProfile, else the pod's, is there and not Unconfined; an invalid type is
		// left to the API server's validation, as checkSeccomp leaves it to the schema rules.
		CEL: celLinuxOnly(celEachContainer(celContainerField("seccompProfile") + ".hasValue() ? " +
			celContainerField("seccompProfile.type") + ".orValue('') != 'Unconfined' : " +
			celPodField("seccompProfile") + ".hasValue() && " + celPodField("seccompProfile.type") + ".orValue('') != 'Unconfined'")),
		Pod: linuxOnly(eachContainer(checkSeccomp)),
	}
}

// seccompSource is one place that requests a seccomp profile for a container.
type seccompSource struct {
	// value is the field's type or the annotation's value.
	value      string
	annotation bool
	path       string
	evidence   string
}

func (s seccompSource) confined() bool {
	if s.annotation {
		return s.value == corev1.SeccompProfileRuntimeDefault || s.value == corev1.DeprecatedSeccompProfileDockerDefault ||
			strings.HasPrefix(s.value, corev1.SeccompLocalhostProfileNamePrefix)
	}
	return s.value == string(corev1.SeccompProfileTypeRuntimeDefault) || s.value == string(corev1.SeccompProfileTypeLocalhost)
}

func (s seccompSource) unconfined() bool {
	if s.annotation {
		return s.value == corev1.SeccompProfileNameUnconfined
	}
	return s.value == string(corev1.SeccompProfileTypeUnconfined)
}

func checkSeccomp(ctx *rules.PodContext, c containerContext) []rules.Violation {
	field := c.seccompProfile()
	fieldSource := func() *seccompSource {
		s := &seccompSource{value: string(field.Value.Type), path: field.Path() + ".type"}
		if ctx.Options.WantsEvidence() {
			s.evidence = fmt.Sprintf("seccompProfile.type=%s in %s", field.Value.Type, field.Where())
		}
		return s
	}
	ctrAnn := seccompAnnotation(ctx, corev1.SeccompContainerAnnotationKeyPrefix+c.ref.Name)
	podAnn := seccompAnnotation(ctx, corev1.SeccompPodAnnotationKey)

	var effective, ignored *seccompSource
	honoured := seccompAnnotationsHonoured(ctx.Options)
	switch {
	case field.Level == FromContainer:
		effective = fieldSource()
	case honoured && ctrAnn != nil:
		effective = ctrAnn
	case field.Level == FromPod:
		effective = fieldSource()
	case honoured && podAnn != nil:
		effective = podAnn
	case ctrAnn != nil:
		ignored = ctrAnn
	default:
		ignored = podAnn
	}

	fieldPath := c.field("seccompProfile.type")
	switch {
	case effective != nil && effective.unconfined():
		v := violation(c, effective.path,
			describe(c)+" runs with seccomp Unconfined: every system call is open to it, including the ones "+
				"kernel exploits use",
			effective.evidence)
		if ctx.Options.WantsPatches() {
			v.Fix = seccompFix(c, effective, podAnn)
		}
		return []rules.Violation{v}
	case effective != nil:
		// Confined, or a value the API server rejects (left to the schema rules).
		return nil
	case ignored != nil && ignored.unconfined():
		v := violation(c, ignored.path,
			describe(c)+" asks for seccomp unconfined through the deprecated annotation and sets no "+
				"seccompProfile field: the kubelet runs it Unconfined unless its seccompDefault is on",
			ignored.evidence)
		addEvidence(ctx, &v, "seccompProfile unset in container and pod")
		if ctx.Options.WantsPatches() {
			v.Fix = seccompFix(c, ignored, podAnn)
		}
		return []rules.Violation{v}
	case ignored != nil:
		v := violation(c, ignored.path,
			describe(c)+" has a seccomp profile only in the deprecated annotation, which has no effect since "+
				"Kubernetes 1.27: it runs Unconfined unless the kubelet's seccompDefault is on; set the "+
				"seccompProfile field",
			ignored.evidence)
		addEvidence(ctx, &v, "seccompProfile unset in container and pod")
		v.Severity = severity(finding.Medium)
		if ctx.Options.WantsPatches() {
			v.Fix = seccompFix(c, ignored, podAnn)
		}
		return []rules.Violation{v}
	}
	v := violation(c, fieldPath,
		describe(c)+" has no seccomp profile: it runs Unconfined unless the kubelet's seccompDefault is on, "+
			"so every system call is open to it; set seccompProfile.type: RuntimeDefault",
		"seccompProfile unset in container and pod; no seccomp annotation")
	v.Severity = severity(finding.Medium)
	if ctx.Options.WantsPatches() {
		v.Fix = set(fieldPath, string(corev1.SeccompProfileTypeRuntimeDefault))
	}
	return []rules.Violation{v}
}

// seccompFix sets the field that s is, or that replaces s when s is an annotation, to
// RuntimeDefault: a deprecated annotation is removed and the field of the same level (the
// pod's for the pod annotation) is set, which the kubelet reads in every version.
func seccompFix(c containerContext, s, podAnn *seccompSource) []finding.Patch {
	runtimeDefault := string(corev1.SeccompProfileTypeRuntimeDefault)
	if !s.annotation {
		return set(s.path, runtimeDefault)
	}
	field := c.field("seccompProfile.type")
	if s == podAnn {
		field = podField(c.pod, "seccompProfile.type")
	}
	return append(remove(s.path), set(field, runtimeDefault)...)
}

func seccompAnnotation(ctx *rules.PodContext, key string) *seccompSource {
	if ctx.Pod.Meta == nil {
		return nil
	}
	value, ok := ctx.Pod.Meta.Annotations[key]
	if !ok {
		return nil
	}
	s := &seccompSource{value: value, annotation: true, path: ctx.Pod.MetaPath + ".annotations[" + key + "]"}
	if ctx.Options.WantsEvidence() {
		s.evidence = fmt.Sprintf("annotation %s=%q", key, value)
	}
	return s
}

// seccompAnnotationsHonoured reports whether the Kubernetes version the scan targets still
// applied the seccomp annotations: up to v1.26.
func seccompAnnotationsHonoured(opts *rules.Options) bool {
	minor, ok := opts.KubernetesMinor()
	return ok && minor <= 26
}
