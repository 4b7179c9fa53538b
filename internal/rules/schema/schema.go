// Package schema holds the rules about how a manifest is written: fields the API server would
// drop (unknown or at the wrong level), keys written twice, and invalid values of the
// enumerations that carry security settings. Each says which control the mistake disables.
//
// The unknown fields and duplicate keys come from the manifest source, which records them in
// inventory.Object.Issues while it decodes strictly; these rules only judge and explain them.
// Invalid values are read from the typed objects. The package must not parse YAML itself.
package schema

import (
	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/rules"
)

// Rules returns the package's rules.
func Rules() []rules.Rule {
	return []rules.Rule{UnknownField(), DuplicateKey(), InvalidValue(), RemovedAPIVersion()}
}

// The sources the rules of this package cite.
var (
	docsFieldValidation = rules.Docs("API concepts: field validation (unknown and duplicate fields)", "https://kubernetes.io/docs/reference/using-api/api-concepts/#field-validation")
	docsSeccomp         = rules.Docs("Restrict a container's syscalls with seccomp", "https://kubernetes.io/docs/tutorials/security/seccomp/")
	docsAppArmor        = rules.Docs("Restrict a container's access to resources with AppArmor", "https://kubernetes.io/docs/tutorials/security/apparmor/")
	docsCapabilities    = rules.Docs("capabilities(7): the Linux capability list", "https://man7.org/linux/man-pages/man7/capabilities.7.html")
	docsNetworkPolicy   = rules.Docs("Network policies", "https://kubernetes.io/docs/concepts/services-networking/network-policies/")
	docsPSALabels       = rules.Docs("Pod Security admission labels for namespaces", "https://kubernetes.io/docs/concepts/security/pod-security-admission/#pod-security-admission-labels-for-namespaces")
	docsYAMLMappings    = rules.Docs("YAML 1.2.2: the keys of a mapping are unique", "https://yaml.org/spec/1.2.2/#mapping")
)

// severity returns a per-violation severity override.
func severity(s finding.Severity) *finding.Severity { return &s }
