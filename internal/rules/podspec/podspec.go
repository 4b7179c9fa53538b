// Package podspec holds the pod rules about what a pod reaches outside its containers and how
// it is configured: hostPath volumes, host ports, sysctls, resource requests and limits, image
// references, and service account token mounting. Each rule lives in its own file (or, for a
// tight family, one file per family) that opens with its contract: what it is for, the
// restricted fields, the allowed values and the references. The package only reads pods and the
// objects a rule names in Reads; it never changes them.
package podspec

import "palisade.dev/palisade/internal/rules"

// Container lists of a pod spec, for rules' Fields. Ephemeral containers may not set resources
// (the API server rejects them), so resource rules check only the other two lists.
var (
	everyContainerList     = []string{"initContainers", "containers", "ephemeralContainers"}
	resourceContainerLists = []string{"initContainers", "containers"}
)

// containerFields names field in every container of the given lists, relative to the pod spec
// as Rule.Fields wants it: containerFields(lists, "image") gives "containers[*].image" ...
func containerFields(lists []string, field string) []string {
	out := make([]string, len(lists))
	for i, l := range lists {
		out[i] = l + "[*]." + field
	}
	return out
}

// Rules returns the package's rules.
func Rules() []rules.Rule {
	return []rules.Rule{
		hostPathRule(),
		hostPortRule(),
		unsafeSysctlsRule(),
		resourceRequestsRule(),
		memoryLimitRule(),
		cpuLimitRule(),
		imageTagRule(),
		imageDigestRule(),
		automountServiceAccountTokenRule(),
		defaultServiceAccountRule(),
	}
}
