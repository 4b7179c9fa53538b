package netpolrules

import "palisade.dev/palisade/internal/rules"

// The sources the rules of this package cite. CIS IDs are those of the CIS Kubernetes
// Benchmark v1.10.0, section 5 (Policies).
var (
	cisNetworkPolicies = rules.CIS("5.3.2", "Ensure that all Namespaces have Network Policies defined")
	docsNetworkPolicy  = rules.Docs("Network policies", "https://kubernetes.io/docs/concepts/services-networking/network-policies/")
)
