package schema

// manifest/unknown-field: a field the object's kind does not have, at the level where it is
// written. The API server drops it (field validation Ignore or Warn, which most clients, Helm
// and GitOps controllers send) or rejects the whole object (Strict, as kubectl
// --validate=strict asks), so whatever it was meant to set is not set: `metadata.annotation:` applies no annotation, a
// NetworkPolicy rule written `- form:` admits every peer, a securityContext indented one level
// too far sets nothing.
//
// Restricted fields: every field of every built-in kind (the manifest source compares each
// key with the k8s.io/api Go type it decodes into).
// Allowed values: only the fields the type defines, at the level it defines them.
// Severity: high when the field, or the field it probably meant, carries a security control
// (anything under securityContext, a NetworkPolicy spec, metadata annotations, labels and
// namespace, the service account fields, host namespaces, volumes and mounts, resources, RBAC
// rules and bindings); medium otherwise.
// Sources: Kubernetes API concepts, field validation.

import (
	"fmt"
	"slices"
	"strings"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/inventory"
	"palisade.dev/palisade/internal/rules"
)

// UnknownField is the manifest/unknown-field rule.
func UnknownField() rules.Rule {
	return rules.Rule{
		ID:       "manifest/unknown-field",
		AutoFix:  rules.FixEdit,
		Title:    "Field the API server does not know (misspelt or at the wrong level)",
		Severity: finding.High,
		Area:     rules.AreaManifest,
		Scope:    rules.ScopeObject,
		Kinds:    []string{"*"},
		Description: "The API server drops fields its schema does not define, or rejects the object " +
			"under strict field validation. A typo in a security setting therefore removes the " +
			"setting: `metadata.annotation:` applies none of the seccomp or AppArmor annotations " +
			"written under it, a NetworkPolicy rule written `- form:` has no `from` and admits " +
			"every peer, a securityContext indented at the wrong level sets nothing. The finding " +
			"names the field probably meant (a close spelling at the same level, or the level " +
			"where that field does exist) and the control the mistake disables. Severity is " +
			"high when the field carries a security control and medium otherwise.",
		Fields:     []string{"<any field of a built-in kind>"},
		Allowed:    []string{"the fields the kind's schema defines, at the level it defines them"},
		References: []rules.Reference{docsFieldValidation},
		Remedy: "Rename or move the field to the one that was meant (the finding names it), and " +
			"apply manifests with `kubectl apply --validate=strict` so the API server rejects " +
			"unknown fields instead of dropping them.",
		Object: checkUnknownFields,
	}
}

func checkUnknownFields(ctx *rules.ObjectContext) []rules.Violation {
	var out []rules.Violation
	for _, is := range ctx.Object.Issues() {
		if is.Kind != inventory.UnknownField {
			continue
		}
		out = append(out, unknownFieldViolation(ctx.Object, is))
	}
	return out
}

func unknownFieldViolation(o *inventory.Object, is inventory.FieldIssue) rules.Violation {
	meant := is.Field
	if is.SuggestedField != "" {
		meant = is.SuggestedField
	}
	// The key is the input's text: shown only when it has the shape of a name.
	field := finding.DescribeName(is.Field)
	var what string
	switch {
	case is.WrongLevel:
		what = fmt.Sprintf("`%s` belongs in %s, not directly in %s", field, belongsIn(is), parentName(o, is))
	case is.SuggestedField != "":
		what = fmt.Sprintf("`%s` is not a field of %s; did you mean `%s`?", field, parentName(o, is), is.SuggestedField)
	default:
		what = fmt.Sprintf("`%s` is not a field of %s", field, parentName(o, is))
	}
	if !strings.HasSuffix(what, "?") {
		what += "."
	}
	msg := what + " The API server drops it (or rejects the object under strict field validation), so " +
		disabledControl(o, is, meant) + "." + allowedAsKept(o, is, meant)
	evidence := "found `" + field + "` at " + finding.DescribePath(is.Path)
	if is.Suggestion != "" {
		evidence += "; probably meant " + is.Suggestion
	}
	v := rules.Violation{
		Path:      is.Path,
		Container: containerAt(o, is.Path),
		Message:   msg,
		Evidence:  evidence,
	}
	if !carriesControl(o, is, meant) {
		v.Severity = severity(finding.Medium)
	}
	// A close spelling at the same level is renamed in place; a field at the wrong level
	// would have to move with what it holds, which is left to the user.
	if is.SuggestedField != "" && !is.WrongLevel {
		v.Fix = []finding.Patch{{Path: is.Path, Rename: is.SuggestedField}}
	}
	return v
}

// parentName names the struct the field was found in the way a reader of the manifest thinks
// of it.
func parentName(o *inventory.Object, is inventory.FieldIssue) string {
	if name, ok := parentNames[is.Parent]; ok {
		return name
	}
	if is.Parent == o.GVK.Kind || is.Parent == "" {
		return "a " + o.GVK.Kind
	}
	return is.Parent
}

var parentNames = map[string]string{
	"PodSecurityContext":       "the pod's securityContext",
	"SecurityContext":          "a container's securityContext",
	"PodSpec":                  "the pod spec",
	"PodTemplateSpec":          "the pod template",
	"Container":                "a container",
	"EphemeralContainer":       "an ephemeral container",
	"ObjectMeta":               "metadata",
	"Capabilities":             "capabilities",
	"SeccompProfile":           "seccompProfile",
	"AppArmorProfile":          "appArmorProfile",
	"Volume":                   "a volume",
	"VolumeMount":              "a volume mount",
	"HostPathVolumeSource":     "a hostPath volume",
	"ResourceRequirements":     "resources",
	"NetworkPolicySpec":        "a NetworkPolicy spec",
	"NetworkPolicyIngressRule": "a NetworkPolicy ingress rule",
	"NetworkPolicyEgressRule":  "a NetworkPolicy egress rule",
	"NetworkPolicyPeer":        "a NetworkPolicy peer",
	"NetworkPolicyPort":        "a NetworkPolicy port",
	"PolicyRule":               "an RBAC rule",
	"Subject":                  "an RBAC subject",
	"RoleRef":                  "an RBAC roleRef",
}

// belongsIn renders where a field at the wrong level does exist: the suggested path without
// its last field, shortened to what differs from the path where it was written, keeping at
// least two segments for context (containers[].securityContext rather than
// spec.template.spec.containers[].securityContext, template.spec rather than spec).
func belongsIn(is inventory.FieldIssue) string {
	want := strings.Split(parentPath(is.Suggestion), ".")
	got := strings.Split(parentPath(is.Path), ".")
	common := 0
	for common < len(want) && common < len(got) && trimIndex(want[common]) == trimIndex(got[common]) {
		common++
	}
	from := max(min(common, len(want)-2), 0)
	return "`" + strings.Join(want[from:], ".") + "`"
}

func parentPath(p string) string {
	if i := strings.LastIndexByte(p, '.'); i >= 0 {
		return p[:i]
	}
	return ""
}

// trimIndex turns containers[0] and containers[] into containers.
func trimIndex(seg string) string {
	if i := strings.IndexByte(seg, '['); i >= 0 {
		return seg[:i]
	}
	return seg
}

// securitySegments are the fields below which every field carries a security control.
var securitySegments = []string{
	"securityContext", "annotations", "labels", "capabilities", "seccompProfile", "appArmorProfile",
	"seLinuxOptions", "volumes", "volumeMounts", "hostPath", "resources",
}

// securityFields are the fields that are themselves a security control.
var securityFields = []string{
	"metadata", "namespace", "serviceAccountName", "serviceAccount", "automountServiceAccountToken",
	"hostNetwork", "hostPID", "hostIPC", "hostUsers", "shareProcessNamespace",
	"privileged", "allowPrivilegeEscalation", "readOnlyRootFilesystem", "runAsNonRoot", "runAsUser",
	"runAsGroup", "procMount", "sysctls", "readOnly", "limits", "requests",
}

// securityKinds are kinds whose whole spec is a security control.
var securityKinds = map[string][]string{
	"NetworkPolicy":      {"spec"},
	"Role":               {"rules"},
	"ClusterRole":        {"rules", "aggregationRule"},
	"RoleBinding":        {"subjects", "roleRef"},
	"ClusterRoleBinding": {"subjects", "roleRef"},
}

// carriesControl reports whether the field, or the field probably meant, is a security
// setting.
func carriesControl(o *inventory.Object, is inventory.FieldIssue, meant string) bool {
	if slices.Contains(securityFields, meant) || slices.Contains(securitySegments, meant) {
		return true
	}
	for _, p := range []string{is.Path, is.Suggestion} {
		segs := strings.Split(p, ".")
		for _, s := range segs[:max(len(segs)-1, 0)] {
			if slices.Contains(securitySegments, trimIndex(s)) {
				return true
			}
		}
		if len(segs) > 1 && slices.Contains(securityKinds[o.GVK.Kind], trimIndex(segs[0])) {
			return true
		}
	}
	return false
}

// disabledControl says what the manifest loses when the field probably meant is missing.
func disabledControl(o *inventory.Object, is inventory.FieldIssue, meant string) string {
	if o.GVK.Kind == "NetworkPolicy" {
		if s, ok := networkPolicyControls[meant]; ok {
			if meant == "podSelector" && is.Parent == "NetworkPolicyPeer" {
				return "the peer no longer narrows to the pods it was written for"
			}
			return s
		}
	}
	if s, ok := fieldControls[meant]; ok {
		return s
	}
	return "whatever it sets does not apply"
}

// networkPolicyControls says what a NetworkPolicy loses without the field (Kubernetes docs,
// Network policies: a rule without from/to matches all peers, without ports all ports; an
// empty podSelector selects every pod of the namespace; policyTypes default from the rules).
var networkPolicyControls = map[string]string{
	"from":              "this rule admits every peer: an ingress rule without `from` matches all sources",
	"to":                "this rule admits every destination: an egress rule without `to` matches all destinations",
	"ports":             "this rule admits every port",
	"podSelector":       "the policy selects every pod of its namespace, not the pods it was written for",
	"namespaceSelector": "the peer no longer selects the namespaces it was written for",
	"ipBlock":           "the peer no longer admits the address range it was written for",
	"except":            "the addresses meant to be excluded from the range are admitted",
	"policyTypes":       "the policy types are inferred from the rules present, so a policy written to deny all egress does not isolate egress",
	"ingress":           "none of the ingress rules exist",
	"egress":            "none of the egress rules exist",
}

// fieldControls says what an object loses without the field.
var fieldControls = map[string]string{
	"annotations":                  "none of these annotations apply (seccomp and AppArmor profiles set there are not applied)",
	"labels":                       "none of these labels apply (selectors, NetworkPolicies and Pod Security admission labels that rely on them do not see them)",
	"namespace":                    "the object is created in the namespace of the client's context instead",
	"securityContext":              "none of its settings apply",
	"readOnlyRootFilesystem":       "the root filesystem stays writable",
	"runAsNonRoot":                 "nothing stops the container from running as root",
	"runAsUser":                    "the container runs as the image's user, often root",
	"runAsGroup":                   "the container runs with the image's group, often root",
	"allowPrivilegeEscalation":     "privilege escalation stays allowed (no_new_privs is not set)",
	"capabilities":                 "no capability is dropped or added by it",
	"drop":                         "no capability is dropped by it",
	"seccompProfile":               "it sets no seccomp profile",
	"appArmorProfile":              "it sets no AppArmor profile",
	"seLinuxOptions":               "its SELinux labels are not applied",
	"automountServiceAccountToken": "the service account token is mounted into the pod, the default",
	"serviceAccountName":           "the pod runs as the namespace's default service account",
	"resources":                    "the container runs without these requests and limits (unbounded, unless a LimitRange sets defaults)",
	"limits":                       "the container runs without these limits",
	"requests":                     "the container runs without these requests",
	"readOnly":                     "the volume is mounted read-write",
	"hostUsers":                    "the pod shares the host's user namespace, the default",
}

// containerAt names the container whose fields path points into, or "".
func containerAt(o *inventory.Object, path string) string {
	pod, ok := inventory.PodTemplateOf(o)
	if !ok {
		return ""
	}
	for _, c := range pod.Containers() {
		if strings.HasPrefix(path, c.Path+".") || path == c.Path {
			return c.Name
		}
	}
	return ""
}
