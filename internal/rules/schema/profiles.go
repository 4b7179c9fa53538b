package schema

// The seccomp and AppArmor parts of manifest/invalid-value: profile types in the
// securityContext fields, and the values of the older annotations (pod validation,
// k8s.io/kubernetes pkg/apis/core/validation: ValidateSeccompProfile,
// ValidateAppArmorPodAnnotations; the constants come from k8s.io/api core/v1).

import (
	"fmt"
	"path"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/inventory"
	"palisade.dev/palisade/internal/rules"
	"palisade.dev/palisade/internal/suggest"
)

var profileTypes = []string{"RuntimeDefault", "Localhost", "Unconfined"}

// profileSetting is a seccompProfile or appArmorProfile of the pod or of one container.
type profileSetting struct {
	field     string // seccompProfile or appArmorProfile
	path      string
	container *inventory.ContainerRef
	typ       string
	localhost *string
}

func seccompProfileFields(pod inventory.PodTemplate) []rules.Violation {
	var settings []profileSetting
	if sc := pod.Spec.SecurityContext; sc != nil && sc.SeccompProfile != nil {
		settings = append(settings, profileSetting{"seccompProfile", pod.SpecPath + ".securityContext.seccompProfile", nil,
			string(sc.SeccompProfile.Type), sc.SeccompProfile.LocalhostProfile})
	}
	for _, c := range pod.Containers() {
		if sc := c.SecurityContext; sc != nil && sc.SeccompProfile != nil {
			settings = append(settings, profileSetting{"seccompProfile", c.Path + ".securityContext.seccompProfile", &c,
				string(sc.SeccompProfile.Type), sc.SeccompProfile.LocalhostProfile})
		}
	}
	return checkProfiles(settings)
}

func appArmorProfileFields(pod inventory.PodTemplate) []rules.Violation {
	var settings []profileSetting
	if sc := pod.Spec.SecurityContext; sc != nil && sc.AppArmorProfile != nil {
		settings = append(settings, profileSetting{"appArmorProfile", pod.SpecPath + ".securityContext.appArmorProfile", nil,
			string(sc.AppArmorProfile.Type), sc.AppArmorProfile.LocalhostProfile})
	}
	for _, c := range pod.Containers() {
		if sc := c.SecurityContext; sc != nil && sc.AppArmorProfile != nil {
			settings = append(settings, profileSetting{"appArmorProfile", c.Path + ".securityContext.appArmorProfile", &c,
				string(sc.AppArmorProfile.Type), sc.AppArmorProfile.LocalhostProfile})
		}
	}
	return checkProfiles(settings)
}

func checkProfiles(settings []profileSetting) []rules.Violation {
	var out []rules.Violation
	for _, s := range settings {
		out = append(out, checkProfile(s)...)
	}
	return out
}

// checkProfile checks one profile: a known type, and localhostProfile set exactly when the
// type is Localhost (the API server rejects any other combination).
func checkProfile(s profileSetting) []rules.Violation {
	rejected := "The API server rejects the object, so the profile meant is never applied."
	switch {
	case s.typ == "":
		return []rules.Violation{{Path: s.path, Container: containerName(s.container),
			Message:  fmt.Sprintf("%s of %s has no type; the API server requires one of %s. %s", s.field, who(s.container), quoteList(profileTypes), rejected),
			Evidence: s.path + ".type is empty"}}
	case !slices.Contains(profileTypes, s.typ):
		return enumValue{path: s.path + ".type", container: containerName(s.container),
			what: fmt.Sprintf("%s.type of %s", s.field, who(s.container)), got: s.typ, allowed: profileTypes,
			consequence: rejected, severity: finding.High}.check()
	case s.typ == "Localhost" && (s.localhost == nil || *s.localhost == ""):
		return []rules.Violation{{Path: s.path + ".type", Container: containerName(s.container),
			Message: fmt.Sprintf("%s of %s is of type Localhost but names no localhostProfile (the profile file on the node). %s",
				s.field, who(s.container), rejected),
			Evidence: s.path + ".localhostProfile is not set"}}
	case s.typ != "Localhost" && s.localhost != nil:
		return []rules.Violation{{Path: s.path + ".localhostProfile", Container: containerName(s.container),
			Message: fmt.Sprintf("%s of %s sets localhostProfile with type %s; localhostProfile is only allowed with type Localhost. %s",
				s.field, who(s.container), s.typ, rejected),
			Evidence: fmt.Sprintf("%s.type: %q, localhostProfile: %q", s.path, s.typ, *s.localhost)}}
	}
	return nil
}

// annotationSetting is one seccomp or AppArmor annotation of a pod.
type annotationSetting struct {
	key, value, path string
	// container is the container the annotation names, "" for the pod-wide seccomp one.
	container string
}

func profileAnnotations(pod inventory.PodTemplate, match func(key string) (container string, ok bool)) []annotationSetting {
	var out []annotationSetting
	for k, v := range pod.Meta.Annotations {
		if c, ok := match(k); ok {
			out = append(out, annotationSetting{key: k, value: v, path: pod.MetaPath + ".annotations[" + k + "]", container: c})
		}
	}
	slices.SortFunc(out, func(a, b annotationSetting) int { return strings.Compare(a.key, b.key) })
	return out
}

var seccompAnnotationValues = []string{
	corev1.SeccompProfileRuntimeDefault, corev1.DeprecatedSeccompProfileDockerDefault, corev1.SeccompProfileNameUnconfined,
}

func seccompAnnotations(pod inventory.PodTemplate) []rules.Violation {
	anns := profileAnnotations(pod, func(k string) (string, bool) {
		if k == corev1.SeccompPodAnnotationKey {
			return "", true
		}
		c, ok := strings.CutPrefix(k, corev1.SeccompContainerAnnotationKeyPrefix)
		return c, ok
	})
	var out []rules.Violation
	for _, a := range anns {
		if a.container != "" {
			out = append(out, missingContainer(pod, a, "seccomp",
				"it applies to nothing, and the container meant gets no seccomp profile from it")...)
		}
		out = append(out, profileAnnotationValue(pod, a, "seccomp", seccompAnnotationValues, validSeccompLocalhost)...)
	}
	return out
}

var appArmorAnnotationValues = []string{
	corev1.DeprecatedAppArmorBetaProfileRuntimeDefault, corev1.DeprecatedAppArmorBetaProfileNameUnconfined,
}

func appArmorAnnotations(pod inventory.PodTemplate) []rules.Violation {
	anns := profileAnnotations(pod, func(k string) (string, bool) {
		return strings.CutPrefix(k, corev1.DeprecatedAppArmorBetaContainerAnnotationKeyPrefix)
	})
	var out []rules.Violation
	for _, a := range anns {
		out = append(out, missingContainer(pod, a, "AppArmor",
			"the API server rejects the pod (container not found), and the container meant gets no AppArmor profile from it")...)
		if a.value == "" {
			continue // an empty value is allowed and means the default
		}
		out = append(out, profileAnnotationValue(pod, a, "AppArmor", appArmorAnnotationValues,
			func(name string) bool { return name != "" })...)
	}
	return out
}

// validSeccompLocalhost reports whether the path after localhost/ is relative and never
// steps up (validateLocalDescendingPath in pod validation).
func validSeccompLocalhost(p string) bool {
	if p == "" || path.IsAbs(p) {
		return false
	}
	return !slices.Contains(strings.Split(p, "/"), "..")
}

// profileAnnotationValue checks the value of a seccomp or AppArmor annotation: one of the
// fixed values, or localhost/ followed by a valid profile name.
func profileAnnotationValue(pod inventory.PodTemplate, a annotationSetting, what string, fixed []string, validLocal func(string) bool) []rules.Violation {
	if slices.Contains(fixed, a.value) {
		return nil
	}
	if local, ok := strings.CutPrefix(a.value, "localhost/"); ok && validLocal(local) {
		return nil
	}
	allowed := append(slices.Clone(fixed), "localhost/<profile>")
	candidates := slices.Clone(fixed)
	if _, rest, ok := strings.Cut(a.value, "/"); ok && rest != "" {
		// localhots/my-profile: keep the profile name, fix the prefix.
		candidates = append(candidates, "localhost/"+rest)
	}
	return []rules.Violation{enumValue{
		path: a.path, container: a.container, got: a.value, allowed: allowed, candidates: candidates,
		what:        fmt.Sprintf("the %s annotation %s", what, a.key),
		consequence: fmt.Sprintf("The API server rejects the pod, so the %s profile meant is never applied.", what),
		severity:    finding.High,
	}.violation()}
}

// missingContainer reports an annotation naming a container the pod does not have.
func missingContainer(pod inventory.PodTemplate, a annotationSetting, what, consequence string) []rules.Violation {
	var names []string
	for _, c := range pod.Containers() {
		if c.Name == a.container {
			return nil
		}
		names = append(names, c.Name)
	}
	msg := fmt.Sprintf("the %s annotation %s names container `%s`, which this pod does not have", what, a.key, a.container)
	if best := suggest.Closest(a.container, names); best != "" {
		msg += fmt.Sprintf(" (did you mean `%s`?)", best)
	}
	return []rules.Violation{{Path: a.path, Message: msg + ": " + consequence + ".",
		Evidence: fmt.Sprintf("containers: %s", strings.Join(names, ", "))}}
}
