package namespace

import "palisade.dev/palisade/internal/rules"

// The sources the rules of this package cite. CIS IDs are those of the CIS Kubernetes
// Benchmark v1.10.0, section 5 (Policies).
var (
	cisNetworkPolicies = rules.CIS("5.3.2", "Ensure that all Namespaces have Network Policies defined")
	cisPolicyControl   = rules.CIS("5.2.1", "Ensure that the cluster has at least one active policy control mechanism in place")

	docsResourceQuota = rules.Docs("Resource quotas", "https://kubernetes.io/docs/concepts/policy/resource-quotas/")
	docsLimitRange    = rules.Docs("Limit ranges", "https://kubernetes.io/docs/concepts/policy/limit-range/")
	docsDefaultDeny   = rules.Docs("Network policies: default policies", "https://kubernetes.io/docs/concepts/services-networking/network-policies/#default-policies")
	docsPolicyTypes   = rules.Docs("NetworkPolicySpec.policyTypes (k8s.io/api networking/v1)", "https://kubernetes.io/docs/reference/kubernetes-api/policy-resources/network-policy-v1/")
	docsPSALabels     = rules.Docs("Enforce Pod Security Standards with namespace labels", "https://kubernetes.io/docs/tasks/configure-pod-container/enforce-standards-namespace-labels/")
	docsPSA           = rules.Docs("Pod Security Admission", "https://kubernetes.io/docs/concepts/security/pod-security-admission/")
	pssLevels         = rules.PSS("levels", "Pod Security Standards: profile details")
)
