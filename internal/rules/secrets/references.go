package secrets

import "palisade.dev/palisade/internal/rules"

// The sources the rules of this package cite. CIS IDs are those of the CIS Kubernetes
// Benchmark v1.10.0, section 5 (Policies).
var (
	cisSecretsAsFiles = rules.CIS("5.4.1", "Prefer using Secrets as files over Secrets as environment variables").Linked(rules.CISURL)

	docsSecretsGoodPractices = rules.Docs("Good practices for Kubernetes Secrets", "https://kubernetes.io/docs/concepts/security/secrets-good-practices/")
	docsSecretsAsFiles       = rules.Docs("Secrets: using Secrets as files from a Pod", "https://kubernetes.io/docs/concepts/configuration/secret/#using-secrets-as-files-from-a-pod")
	docsSecretsAsEnv         = rules.Docs("Secrets: using Secrets as environment variables", "https://kubernetes.io/docs/concepts/configuration/secret/#using-secrets-as-environment-variables")
	docsConfigMaps           = rules.Docs("ConfigMaps (no secrecy or encryption: use a Secret for confidential data)", "https://kubernetes.io/docs/concepts/configuration/configmap/")
	docsViewRole             = rules.Docs("Using RBAC authorization: user-facing roles (view reads workloads and ConfigMaps, not Secrets)", "https://kubernetes.io/docs/reference/access-authn-authz/rbac/#user-facing-roles")
)
