package securitycontext

import (
	"maps"
	"slices"
	"strconv"
	"strings"

	"palisade.dev/palisade/internal/rules"
)

// This file writes the package's checks in CEL, for the ValidatingAdmissionPolicies of
// `palisade vap` (rules.CELCheck names the variables they read). Each rule's CEL stands beside
// its Go check and follows it step by step; TestCELMatchesRules in internal/vap evaluates both
// on every fixture. Absent fields read as the Go zero values through CEL's optional fields
// (`x.?f.orValue(v)`), so a missing securityContext is the same as an empty one.

// celContainerField reads a field of container c's securityContext, dotted ("capabilities.add").
func celContainerField(field string) string {
	return "c.?securityContext.?" + strings.ReplaceAll(field, ".", ".?")
}

// celPodField reads a field of the pod's securityContext.
func celPodField(field string) string {
	return "variables.podSecurityContext.?" + strings.ReplaceAll(field, ".", ".?")
}

// celEffective is the value container c runs with for a field that the pod's securityContext
// has too: the container's, else the pod's, else unset (effective.go).
func celEffective(field, unset string) string {
	return celContainerField(field) + ".orValue(" + celPodField(field) + ".orValue(" + unset + "))"
}

// celEachContainer is a check that every container passes, with a message naming those that
// do not.
func celEachContainer(pass string) rules.CELCheck {
	return rules.CELCheck{
		Expression:        "variables.containers.all(c, " + pass + ")",
		MessageExpression: "'containers: ' + variables.containers.filter(c, !(" + pass + ")).map(c, c.name).join(', ')",
	}
}

// celLinuxOnly skips Windows pods, as linuxOnly does.
func celLinuxOnly(checks ...rules.CELCheck) []rules.CELCheck {
	for i := range checks {
		checks[i].Expression = "variables.windows || (" + checks[i].Expression + ")"
	}
	return checks
}

// celCapabilityIn says whether capability name a, normalised as normaliseCapability does, is
// one of names. strings.ToUpper maps two non-ASCII letters to ASCII ones (ı to I, ſ to S), so
// they are replaced before CEL's upperAscii; the prefix CAP_ is trimmed once, so a name is in
// the set when its upper case is a name or CAP_ and a name.
func celCapabilityIn(a string, names []capabilityName) string {
	quoted := make([]string, 0, 2*len(names))
	for _, n := range names {
		quoted = append(quoted, strconv.Quote(string(n)), strconv.Quote("CAP_"+string(n)))
	}
	return a + `.replace('ı', 'I').replace('ſ', 'S').upperAscii() in [` + strings.Join(quoted, ", ") + "]"
}

// celStringList is a CEL list of the keys of set, sorted.
func celStringList(set map[string]bool) string {
	keys := slices.Sorted(maps.Keys(set))
	quoted := make([]string, len(keys))
	for i, k := range keys {
		quoted[i] = strconv.Quote(k)
	}
	return "[" + strings.Join(quoted, ", ") + "]"
}
