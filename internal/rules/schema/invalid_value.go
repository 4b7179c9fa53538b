package schema

// manifest/invalid-value: a value outside the enumeration of a field or annotation that
// carries a security setting. The API server rejects most of them (pod validation checks
// profile types and annotation values, the PodSecurity admission plugin checks namespace
// labels), so the object does not exist as written and the setting meant never applies; some it
// accepts and nothing uses (an unknown capability in drop, a seccomp annotation naming no
// container), which silently disables the control.
//
// Restricted fields and allowed values:
//   - securityContext.seccompProfile.type (pod and container): RuntimeDefault, Localhost (with
//     localhostProfile), Unconfined; localhostProfile only with Localhost.
//   - securityContext.appArmorProfile.type (pod and container): the same.
//   - annotations seccomp.security.alpha.kubernetes.io/pod and
//     container.seccomp.security.alpha.kubernetes.io/<container>: runtime/default,
//     docker/default, unconfined, localhost/<relative path>; the container must exist.
//   - annotations container.apparmor.security.beta.kubernetes.io/<container>: runtime/default,
//     unconfined, localhost/<profile>; the container must exist.
//   - securityContext.capabilities.add and .drop: Linux capability names (capabilities(7)),
//     with or without the CAP_ prefix, or ALL.
//   - securityContext.procMount: Default, Unmasked.
//   - imagePullPolicy: Always, IfNotPresent, Never; container ports[].protocol: TCP, UDP, SCTP.
//   - NetworkPolicy spec.policyTypes: Ingress, Egress; rule ports[].protocol: TCP, UDP, SCTP.
//   - Namespace labels pod-security.kubernetes.io/enforce, audit, warn: privileged, baseline,
//     restricted; the -version labels: latest or v1.N; no other label under that prefix.
//
// Values under a misspelt field: an unknown field with a close spelling at its own level is
// read as the field meant (the manifest source keeps the object as meant beside the real one);
// the invalid values found there, and the values of the wrong type found reading it, are
// reported at the path written, saying so.
//
// Severity: high when the field carries a security control (profiles, capabilities dropped,
// procMount, NetworkPolicy values, Pod Security labels); medium otherwise.
// Sources: Kubernetes pod validation (k8s.io/kubernetes pkg/apis/core/validation), seccomp and
// AppArmor tutorials, capabilities(7), Network policies, Pod Security admission labels.

import (
	"fmt"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/inventory"
	"palisade.dev/palisade/internal/rules"
	"palisade.dev/palisade/internal/suggest"
)

// InvalidValue is the manifest/invalid-value rule.
func InvalidValue() rules.Rule {
	return rules.Rule{
		ID:       "manifest/invalid-value",
		AutoFix:  rules.FixEdit,
		Title:    "Invalid value of a security setting",
		Severity: finding.High,
		Area:     rules.AreaManifest,
		Scope:    rules.ScopeObject,
		Kinds:    []string{"*"},
		Description: "Security settings take their values from short lists: seccomp and AppArmor " +
			"profile types and annotation values, Linux capability names, procMount, NetworkPolicy " +
			"policy types and protocols, Pod Security admission levels and versions. A misspelt " +
			"value (`runtime/defailt`, `SYS_ADMN`, `restriced`) either makes the API server reject " +
			"the object, so the setting meant never applies, or is accepted and does nothing, which " +
			"silently disables the control. An AppArmor or seccomp annotation naming a container the " +
			"pod does not have applies to nothing. The finding names the value probably meant. " +
			"Values written under a misspelt field (`metadata.annotation:`, `securityContex:`) are " +
			"judged as the field meant and reported where they are written, values of the wrong type " +
			"there included, so one pass finds both mistakes. " +
			"Severity is high when the value carries a security control and medium otherwise " +
			"(image pull policy, container port protocol, capabilities added).",
		Fields: []string{
			"securityContext.seccompProfile", "securityContext.appArmorProfile",
			"metadata.annotations[seccomp.security.alpha.kubernetes.io/pod]",
			"metadata.annotations[container.seccomp.security.alpha.kubernetes.io/*]",
			"metadata.annotations[container.apparmor.security.beta.kubernetes.io/*]",
			"securityContext.capabilities.add", "securityContext.capabilities.drop",
			"securityContext.procMount", "containers[*].imagePullPolicy", "containers[*].ports[*].protocol",
			"NetworkPolicy spec.policyTypes", "NetworkPolicy spec.ingress[*].ports[*].protocol",
			"NetworkPolicy spec.egress[*].ports[*].protocol",
			"Namespace metadata.labels[pod-security.kubernetes.io/*]",
		},
		Allowed: []string{
			"profile type RuntimeDefault, Localhost (with localhostProfile) or Unconfined",
			"seccomp annotation runtime/default, docker/default, unconfined or localhost/<relative path>",
			"AppArmor annotation runtime/default, unconfined or localhost/<profile>, for a container of the pod",
			"a Linux capability name (capabilities(7)), with or without CAP_, or ALL",
			"procMount Default or Unmasked", "imagePullPolicy Always, IfNotPresent or Never",
			"protocol TCP, UDP or SCTP", "policyTypes Ingress or Egress",
			"Pod Security level privileged, baseline or restricted; version latest or v1.N",
		},
		References: []rules.Reference{docsSeccomp, docsAppArmor, docsCapabilities, docsNetworkPolicy, docsPSALabels},
		Remedy:     "Replace the value with the one that was meant (the finding names the closest valid value).",
		Object:     checkInvalidValues,
	}
}

// podValueCheck finds invalid values in one pod (or pod template).
type podValueCheck func(pod inventory.PodTemplate) []rules.Violation

// podValueChecks are the pod checks, in the order their findings are reported.
var podValueChecks = []podValueCheck{
	seccompProfileFields, appArmorProfileFields, seccompAnnotations, appArmorAnnotations,
	capabilityNames, procMounts, pullPolicyValues, containerPortProtocols,
}

func checkInvalidValues(ctx *rules.ObjectContext) []rules.Violation {
	o := ctx.Object
	out := invalidValues(o)
	if m := o.AsMeant(); m != nil {
		out = append(out, misspeltValues(o, m)...)
	}
	return out
}

// misspeltValues judges the values written under misspelt fields as the fields meant: the
// invalid values found in the object as meant, and the values of the wrong type found while
// reading it, each reported where it is written and said to be under the misspelling.
func misspeltValues(o *inventory.Object, m *inventory.AsMeant) []rules.Violation {
	var out []rules.Violation
	for _, v := range invalidValues(m.Object) {
		written, ok := m.WrittenPath(v.Path)
		if !ok {
			continue // a value of the real object, judged there
		}
		v.Message += " " + underMisspelling(m, written, "this value applies")
		v.Evidence = strings.Replace(v.Evidence, v.Path, written, 1)
		v.Path = written
		out = append(out, v)
	}
	for _, is := range o.Issues() {
		if is.Kind != inventory.WrongType {
			continue
		}
		v := rules.Violation{
			Path:      is.Path,
			Container: containerAt(m.Object, meantPath(m, is.Path)),
			Message:   fmt.Sprintf("`%s` %s. %s", finding.DescribeName(is.Field), is.Detail, underMisspelling(m, is.Path, "the API server rejects the object for this value")),
			Evidence:  finding.DescribePath(is.Path) + " " + is.Detail,
		}
		if !carriesControl(o, is, is.Field) {
			v.Severity = severity(finding.Medium)
		}
		out = append(out, v)
	}
	return out
}

// underMisspelling says that a value lies under a misspelt field, which one, and what that
// means: nothing today, what once the name is corrected.
func underMisspelling(m *inventory.AsMeant, written, once string) string {
	for _, r := range m.Renames {
		if rest, ok := strings.CutPrefix(written, r.Written); ok && (rest == "" || rest[0] == '.' || rest[0] == '[') {
			return fmt.Sprintf("It is written under the misspelt `%s` (meant: `%s`), which the API server drops "+
				"with this value; once the name is corrected, %s, so correct both.",
				lastSegment(r.Written), lastSegment(r.Meant), once)
		}
	}
	return ""
}

// meantPath is the path in the object as meant of a path written under a misspelt field.
func meantPath(m *inventory.AsMeant, written string) string {
	for _, r := range m.Renames {
		if rest, ok := strings.CutPrefix(written, r.Written); ok && (rest == "" || rest[0] == '.' || rest[0] == '[') {
			return r.Meant + rest
		}
	}
	return written
}

// lastSegment is the last field name of a path.
func lastSegment(path string) string {
	if i := strings.LastIndexByte(path, '.'); i >= 0 {
		path = path[i+1:]
	}
	return path
}

// invalidValues finds the invalid values of one object.
func invalidValues(o *inventory.Object) []rules.Violation {
	var out []rules.Violation
	if pod, ok := inventory.PodTemplateOf(o); ok {
		pod = pod.WithContainers() // listed once for every check
		for _, check := range podValueChecks {
			out = append(out, check(pod)...)
		}
	}
	if np, ok := o.Typed.(*networkingv1.NetworkPolicy); ok {
		out = append(out, networkPolicyValues(np)...)
	}
	if o.GVK.Group == "" && o.GVK.Kind == "Namespace" {
		out = append(out, podSecurityLabels(o.Labels)...)
	}
	return out
}

// enumValue describes one value that must come from a list.
type enumValue struct {
	path, container string
	// what names the field for the message: "seccompProfile.type of container `app`".
	what    string
	got     string
	allowed []string
	// candidates are the values a suggestion is taken from (allowed when nil).
	candidates []string
	// consequence says what the invalid value does, as a sentence.
	consequence string
	severity    finding.Severity
}

// check returns a violation when got is not allowed, naming the closest allowed value.
func (e enumValue) check() []rules.Violation {
	if slices.Contains(e.allowed, e.got) {
		return nil
	}
	return []rules.Violation{e.violation()}
}

func (e enumValue) violation() rules.Violation {
	candidates := e.candidates
	if candidates == nil {
		candidates = e.allowed
	}
	msg := fmt.Sprintf("%s is `%s`, which is not one of %s", e.what, e.got, quoteList(e.allowed))
	best := suggest.Closest(e.got, candidates)
	if best != "" && best != e.got {
		msg += fmt.Sprintf("; did you mean `%s`?", best)
	} else {
		msg += "."
	}
	v := rules.Violation{Path: e.path, Container: e.container, Message: msg + " " + e.consequence,
		Evidence: fmt.Sprintf("%s: %q", e.path, e.got)}
	if best != "" && best != e.got && slices.Contains(e.allowed, best) && !relaxing[best] {
		v.Fix = []finding.Patch{{Path: e.path, Value: best}}
	}
	if e.severity != finding.High {
		v.Severity = severity(e.severity)
	}
	return v
}

// relaxing are the valid values that lift a confinement: a typo is never corrected to one of
// them, since the correction would switch the confinement off where, as written, the API
// server rejects the object (the user decides).
var relaxing = map[string]bool{
	string(corev1.SeccompProfileTypeUnconfined):        true, // and AppArmor's, of the same name
	corev1.DeprecatedAppArmorBetaProfileNameUnconfined: true, string(corev1.UnmaskedProcMount): true,
	"privileged": true, // a Pod Security Standards level
}

func quoteList(values []string) string {
	q := make([]string, len(values))
	for i, v := range values {
		q[i] = "`" + v + "`"
	}
	switch len(q) {
	case 1:
		return q[0]
	case 2:
		return q[0] + " or " + q[1]
	}
	return strings.Join(q[:len(q)-1], ", ") + " or " + q[len(q)-1]
}

// who names the pod or a container of it for messages.
func who(c *inventory.ContainerRef) string {
	if c == nil {
		return "the pod"
	}
	return fmt.Sprintf("container `%s`", c.Name)
}

func containerName(c *inventory.ContainerRef) string {
	if c == nil {
		return ""
	}
	return c.Name
}
