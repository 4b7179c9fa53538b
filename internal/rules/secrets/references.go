package secrets

import "palisade.dev/palisade/internal/rules"

// The sources the rules of this package cite. CIS IDs are those of the CIS Kubernetes
// Benchmark v1.10.0, section 5 (Policies).
var (
	cisSecretsAsFiles = rules.Reference{Kind: "CIS", ID: "5.4.1", Title: "Prefer using Secrets as files over Secrets as environment variables (CIS Kubernetes Benchmark v1.10.0)", URL: "https://www.cisecurity.org/benchmark/kubernetes"}

	docsSecretsGoodPractices = rules.Reference{Kind: "Docs", Title: "Good practices for Kubernetes Secrets", URL: "https://kubernetes.io/docs/concepts/security/secrets-good-practices/"}
	docsSecretsAsFiles       = rules.Reference{Kind: "Docs", Title: "Secrets: using Secrets as files from a Pod", URL: "https://kubernetes.io/docs/concepts/configuration/secret/#using-secrets-as-files-from-a-pod"}
	docsSecretsAsEnv         = rules.Reference{Kind: "Docs", Title: "Secrets: using Secrets as environment variables", URL: "https://kubernetes.io/docs/concepts/configuration/secret/#using-secrets-as-environment-variables"}
	docsConfigMaps           = rules.Reference{Kind: "Docs", Title: "ConfigMaps (no secrecy or encryption: use a Secret for confidential data)", URL: "https://kubernetes.io/docs/concepts/configuration/configmap/"}
	docsViewRole             = rules.Reference{Kind: "Docs", Title: "Using RBAC authorization: user-facing roles (view reads workloads and ConfigMaps, not Secrets)", URL: "https://kubernetes.io/docs/reference/access-authn-authz/rbac/#user-facing-roles"}
)
