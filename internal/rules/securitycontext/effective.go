package securitycontext

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"

	"palisade.dev/palisade/internal/inventory"
	"palisade.dev/palisade/internal/rules"
)

// This file resolves the value a container actually runs with when a field exists in both the
// pod's securityContext (PodSecurityContext) and the container's (SecurityContext): the
// container's value wins when it is set, else the pod's applies, else the field is unset and the
// runtime's (or image's) default decides. That is the rule the API reference states for every
// such field ("If set in both SecurityContext and PodSecurityContext, the value specified in
// SecurityContext takes precedence", k8s.io/api core/v1 types.go) and the one the kubelet
// implements in determineEffectiveSecurityContext (pkg/kubelet/kuberuntime/security_context.go).
// Every rule of the package reads pod-versus-container values through it, so the precedence is
// written once.

// Level says which securityContext an effective value was read from.
type Level int

// Levels.
const (
	// Unset means neither the container nor the pod sets the field.
	Unset Level = iota
	// FromContainer means the container's securityContext sets it.
	FromContainer
	// FromPod means the container does not set it and the pod's securityContext does.
	FromPod
)

// Effective is the value one container runs with for one securityContext field, and where it
// came from.
type Effective[T any] struct {
	// Field is the field's name, for example runAsNonRoot.
	Field string
	Value T
	Level Level
	// owner is the path of what holds the securityContext that set the value (the container,
	// or the pod's spec); the container when the field is unset.
	owner string
	// podLevel is true when the pod's securityContext has the field too.
	podLevel bool
}

// Path is the field that set the value. When the field is unset, it is the container's field,
// the one that should be set. It is written out only when asked for: most values pass their
// checks and need no path.
func (e Effective[T]) Path() string { return e.owner + ".securityContext." + e.Field }

// Set reports whether the container or the pod sets the field.
func (e Effective[T]) Set() bool { return e.Level != Unset }

// Evidence says what was observed, for example "runAsNonRoot=false in pod securityContext
// (container does not set it)".
func (e Effective[T]) Evidence() string {
	if e.Set() {
		return fmt.Sprintf("%s=%v in %s", e.Field, e.Value, e.Where())
	}
	if e.podLevel {
		return e.Field + " unset in container and pod"
	}
	return e.Field + " unset in container"
}

// evidence is e's Evidence, or "" when the caller prints none (rules.Options.NoEvidence).
func evidence[T any](ctx *rules.PodContext, e Effective[T]) string {
	if !ctx.Options.WantsEvidence() {
		return ""
	}
	return e.Evidence()
}

// Where says which securityContext set the value: "container securityContext", "pod
// securityContext (container does not set it)", or "" when unset.
func (e Effective[T]) Where() string {
	switch e.Level {
	case FromContainer:
		return "container securityContext"
	case FromPod:
		return "pod securityContext (container does not set it)"
	}
	return ""
}

// resolve applies the precedence: container value, else pod value (pod is nil for a field
// the pod's securityContext does not have), else unset. Of the two paths it writes out only
// the one the value comes from.
func resolve[T any](c containerContext, field string, ctr, pod *T, podLevel bool) Effective[T] {
	e := Effective[T]{Field: field, podLevel: podLevel, owner: c.ref.Path}
	switch {
	case ctr != nil:
		e.Value, e.Level = *ctr, FromContainer
	case pod != nil:
		e.Value, e.Level, e.owner = *pod, FromPod, c.pod.SpecPath
	}
	return e
}

// containerContext is one container of a pod, seen with the pod it runs in.
type containerContext struct {
	pod inventory.PodTemplate
	ref inventory.ContainerRef
}

// noContext and noPodContext stand for a securityContext a container or pod does not have: every
// field nil. The rules only read them (TestUnsetContextsStayEmpty holds them to it); one value
// each spares a rule an allocation per field it reads of a pod without one.
var (
	noContext    = &corev1.SecurityContext{}
	noPodContext = &corev1.PodSecurityContext{}
)

// sc is the container's securityContext, never nil.
func (c containerContext) sc() *corev1.SecurityContext {
	if c.ref.SecurityContext == nil {
		return noContext
	}
	return c.ref.SecurityContext
}

// podSC is the pod's securityContext, never nil.
func (c containerContext) podSC() *corev1.PodSecurityContext {
	return podSecurityContext(c.pod)
}

// field is the path of a field of the container's securityContext.
func (c containerContext) field(name string) string {
	return c.ref.Path + ".securityContext." + name
}

// both resolves a field that the pod and the container securityContext both have.
func both[T any](c containerContext, name string, ctr, pod *T) Effective[T] {
	return resolve(c, name, ctr, pod, true)
}

// containerOnly reads a field that only the container securityContext has.
func containerOnly[T any](c containerContext, name string, ctr *T) Effective[T] {
	return resolve(c, name, ctr, nil, false)
}

func (c containerContext) runAsNonRoot() Effective[bool] {
	return both(c, "runAsNonRoot", c.sc().RunAsNonRoot, c.podSC().RunAsNonRoot)
}

func (c containerContext) runAsUser() Effective[int64] {
	return both(c, "runAsUser", c.sc().RunAsUser, c.podSC().RunAsUser)
}

func (c containerContext) runAsGroup() Effective[int64] {
	return both(c, "runAsGroup", c.sc().RunAsGroup, c.podSC().RunAsGroup)
}

func (c containerContext) seccompProfile() Effective[corev1.SeccompProfile] {
	return both(c, "seccompProfile", c.sc().SeccompProfile, c.podSC().SeccompProfile)
}

func (c containerContext) appArmorProfile() Effective[corev1.AppArmorProfile] {
	return both(c, "appArmorProfile", c.sc().AppArmorProfile, c.podSC().AppArmorProfile)
}

func (c containerContext) readOnlyRootFilesystem() Effective[bool] {
	return containerOnly(c, "readOnlyRootFilesystem", c.sc().ReadOnlyRootFilesystem)
}

func (c containerContext) allowPrivilegeEscalation() Effective[bool] {
	return containerOnly(c, "allowPrivilegeEscalation", c.sc().AllowPrivilegeEscalation)
}

func (c containerContext) privileged() Effective[bool] {
	return containerOnly(c, "privileged", c.sc().Privileged)
}

func (c containerContext) procMount() Effective[corev1.ProcMountType] {
	return containerOnly(c, "procMount", c.sc().ProcMount)
}

// podSecurityContext is the pod's securityContext, never nil.
func podSecurityContext(p inventory.PodTemplate) *corev1.PodSecurityContext {
	if p.Spec.SecurityContext == nil {
		return noPodContext
	}
	return p.Spec.SecurityContext
}

// podField is the path of a field of the pod's securityContext.
func podField(p inventory.PodTemplate, name string) string {
	return p.SpecPath + ".securityContext." + name
}
