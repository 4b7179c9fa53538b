package schema

// The Pod Security admission part of manifest/invalid-value: the namespace labels that select
// the Pod Security Standards level and version. The PodSecurity admission plugin rejects a
// namespace whose labels it cannot parse; if it were let through, an invalid enforce level is
// evaluated as restricted but an invalid audit or warn level as privileged, and a label with a
// misspelt name is no Pod Security label at all (k8s.io/pod-security-admission api.ParseLevel,
// api.ParseVersion, api.PolicyToEvaluate).

import (
	"fmt"
	"slices"
	"strings"

	psaapi "k8s.io/pod-security-admission/api"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/rules"
	"palisade.dev/palisade/internal/suggest"
)

const psaLabelPrefix = "pod-security.kubernetes.io/"

var (
	psaLevelLabels   = []string{psaapi.EnforceLevelLabel, psaapi.AuditLevelLabel, psaapi.WarnLevelLabel}
	psaVersionLabels = []string{psaapi.EnforceVersionLabel, psaapi.AuditVersionLabel, psaapi.WarnVersionLabel}
	psaLevels        = []string{string(psaapi.LevelPrivileged), string(psaapi.LevelBaseline), string(psaapi.LevelRestricted)}
)

func podSecurityLabels(labels map[string]string) []rules.Violation {
	keys := make([]string, 0, len(labels))
	for k := range labels {
		if strings.HasPrefix(k, psaLabelPrefix) {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	rejected := "The PodSecurity admission plugin rejects the namespace, so the level meant is never enforced."
	var out []rules.Violation
	for _, k := range keys {
		v, path := labels[k], "metadata.labels["+k+"]"
		switch {
		case slices.Contains(psaLevelLabels, k):
			if _, err := psaapi.ParseLevel(v); err != nil {
				out = append(out, enumValue{path: path, what: "the Pod Security level " + k, got: v,
					allowed: psaLevels, consequence: rejected, severity: finding.High}.violation())
			}
		case slices.Contains(psaVersionLabels, k):
			if _, err := psaapi.ParseVersion(v); err != nil {
				out = append(out, psaVersionViolation(path, k, v, rejected))
			}
		default:
			out = append(out, psaUnknownLabel(path, k))
		}
	}
	return out
}

// psaVersionViolation reports a version label that is neither latest nor v1.N; "1.30" or
// "V1.30" suggest "v1.30".
func psaVersionViolation(path, key, value, rejected string) rules.Violation {
	msg := fmt.Sprintf("the Pod Security version %s is `%s`, which is neither `latest` nor `v1.N`", key, value)
	candidate := "v" + strings.TrimLeft(value, "vV")
	if _, err := psaapi.ParseVersion(candidate); err == nil {
		msg += fmt.Sprintf("; did you mean `%s`?", candidate)
	} else if best := suggest.Closest(value, []string{"latest"}); best != "" {
		msg += fmt.Sprintf("; did you mean `%s`?", best)
	} else {
		msg += "."
	}
	return rules.Violation{Path: path, Message: msg + " " + rejected, Evidence: fmt.Sprintf("%s: %q", key, value)}
}

// psaUnknownLabel reports a label under the Pod Security prefix that the admission plugin
// does not read.
func psaUnknownLabel(path, key string) rules.Violation {
	msg := fmt.Sprintf("%s is not a Pod Security admission label", key)
	if best := suggest.Closest(key, slices.Concat(psaLevelLabels, psaVersionLabels)); best != "" {
		msg += fmt.Sprintf("; did you mean `%s`?", best)
	} else {
		msg += "."
	}
	return rules.Violation{Path: path, Message: msg + " The admission plugin ignores it, so the level or version meant does not apply to the namespace.",
		Evidence: "label " + key}
}
