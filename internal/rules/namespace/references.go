package namespace

import "palisade.dev/palisade/internal/rules"

// The sources the rules of this package cite. CIS IDs are those of the CIS Kubernetes
// Benchmark v1.10.0, section 5 (Policies).
var (
	cisNetworkPolicies = rules.Reference{Kind: "CIS", ID: "5.3.2", Title: "Ensure that all Namespaces have Network Policies defined (CIS Kubernetes Benchmark v1.10.0)"}
	cisPolicyControl   = rules.Reference{Kind: "CIS", ID: "5.2.1", Title: "Ensure that the cluster has at least one active policy control mechanism in place (CIS Kubernetes Benchmark v1.10.0)"}

	docsResourceQuota = rules.Reference{Kind: "Docs", Title: "Resource quotas", URL: "https://kubernetes.io/docs/concepts/policy/resource-quotas/"}
	docsLimitRange    = rules.Reference{Kind: "Docs", Title: "Limit ranges", URL: "https://kubernetes.io/docs/concepts/policy/limit-range/"}
	docsDefaultDeny   = rules.Reference{Kind: "Docs", Title: "Network policies: default policies", URL: "https://kubernetes.io/docs/concepts/services-networking/network-policies/#default-policies"}
	docsPolicyTypes   = rules.Reference{Kind: "Docs", Title: "NetworkPolicySpec.policyTypes (k8s.io/api networking/v1)", URL: "https://kubernetes.io/docs/reference/kubernetes-api/policy-resources/network-policy-v1/"}
	docsPSALabels     = rules.Reference{Kind: "Docs", Title: "Enforce Pod Security Standards with namespace labels", URL: "https://kubernetes.io/docs/tasks/configure-pod-container/enforce-standards-namespace-labels/"}
	docsPSA           = rules.Reference{Kind: "Docs", Title: "Pod Security Admission", URL: "https://kubernetes.io/docs/concepts/security/pod-security-admission/"}
	pssLevels         = rules.Reference{Kind: "PSS", ID: "levels", Title: "Pod Security Standards: profile details", URL: "https://kubernetes.io/docs/concepts/security/pod-security-standards/"}
)
