package podspec

import "palisade.dev/palisade/internal/rules"

// The sources the rules of this package cite. CIS IDs are those of the CIS Kubernetes
// Benchmark v1.10.0, section 5 (Policies).
var (
	cisHostPath              = rules.Reference{Kind: "CIS", ID: "5.2.12", Title: "Minimize the admission of HostPath volumes (CIS Kubernetes Benchmark v1.10.0)"}
	cisHostPort              = rules.Reference{Kind: "CIS", ID: "5.2.13", Title: "Minimize the admission of containers which use HostPorts (CIS Kubernetes Benchmark v1.10.0)"}
	cisDefaultServiceAccount = rules.Reference{Kind: "CIS", ID: "5.1.5", Title: "Ensure that default service accounts are not actively used (CIS Kubernetes Benchmark v1.10.0)"}
	cisServiceAccountToken   = rules.Reference{Kind: "CIS", ID: "5.1.6", Title: "Ensure that Service Account Tokens are only mounted where necessary (CIS Kubernetes Benchmark v1.10.0)"}

	pssHostPath = rules.Reference{Kind: "PSS", ID: "baseline/hostPathVolumes", Title: "Pod Security Standards, Baseline: HostPath Volumes", URL: "https://kubernetes.io/docs/concepts/security/pod-security-standards/#baseline"}
	pssHostPort = rules.Reference{Kind: "PSS", ID: "baseline/hostPorts", Title: "Pod Security Standards, Baseline: Host Ports", URL: "https://kubernetes.io/docs/concepts/security/pod-security-standards/#baseline"}
	pssSysctls  = rules.Reference{Kind: "PSS", ID: "baseline/sysctls", Title: "Pod Security Standards, Baseline: Sysctls", URL: "https://kubernetes.io/docs/concepts/security/pod-security-standards/#baseline"}

	docsHostPath        = rules.Reference{Kind: "Docs", Title: "Volumes: hostPath", URL: "https://kubernetes.io/docs/concepts/storage/volumes/#hostpath"}
	docsReadOnlyMounts  = rules.Reference{Kind: "Docs", Title: "Volumes: read-only mounts", URL: "https://kubernetes.io/docs/concepts/storage/volumes/#read-only-mounts"}
	docsHostPort        = rules.Reference{Kind: "Docs", Title: "Configuration best practices: services (hostPort)", URL: "https://kubernetes.io/docs/concepts/configuration/overview/#services"}
	docsSysctls         = rules.Reference{Kind: "Docs", Title: "Using sysctls in a Kubernetes cluster", URL: "https://kubernetes.io/docs/tasks/administer-cluster/sysctl-cluster/"}
	docsResources       = rules.Reference{Kind: "Docs", Title: "Resource management for pods and containers", URL: "https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/"}
	docsLimitRange      = rules.Reference{Kind: "Docs", Title: "Limit ranges", URL: "https://kubernetes.io/docs/concepts/policy/limit-range/"}
	docsPodResources    = rules.Reference{Kind: "Docs", Title: "Assign pod-level CPU and memory resources", URL: "https://kubernetes.io/docs/tasks/configure-pod-container/assign-pod-level-resources/"}
	docsImages          = rules.Reference{Kind: "Docs", Title: "Images: image names and updating images", URL: "https://kubernetes.io/docs/concepts/containers/images/"}
	docsImageBestPract  = rules.Reference{Kind: "Docs", Title: "Configuration best practices: container images", URL: "https://kubernetes.io/docs/concepts/configuration/overview/#container-images"}
	docsServiceAccounts = rules.Reference{Kind: "Docs", Title: "Configure service accounts for pods: opt out of API credential automounting", URL: "https://kubernetes.io/docs/tasks/configure-pod-container/configure-service-account/#opt-out-of-api-credential-automounting"}
	docsDefaultSA       = rules.Reference{Kind: "Docs", Title: "Service accounts: default service accounts", URL: "https://kubernetes.io/docs/concepts/security/service-accounts/#default-service-accounts"}
)
