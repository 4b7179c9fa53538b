package podspec

import "palisade.dev/palisade/internal/rules"

// The sources the rules of this package cite. CIS IDs are those of the CIS Kubernetes
// Benchmark v1.10.0, section 5 (Policies).
var (
	cisHostPath              = rules.CIS("5.2.12", "Minimize the admission of HostPath volumes")
	cisHostPort              = rules.CIS("5.2.13", "Minimize the admission of containers which use HostPorts")
	cisDefaultServiceAccount = rules.CIS("5.1.5", "Ensure that default service accounts are not actively used")
	cisServiceAccountToken   = rules.CIS("5.1.6", "Ensure that Service Account Tokens are only mounted where necessary")

	pssHostPath = rules.PSS("baseline/hostPathVolumes", "Pod Security Standards, Baseline: HostPath Volumes")
	pssHostPort = rules.PSS("baseline/hostPorts", "Pod Security Standards, Baseline: Host Ports")
	pssSysctls  = rules.PSS("baseline/sysctls", "Pod Security Standards, Baseline: Sysctls")

	docsHostPath        = rules.Docs("Volumes: hostPath", "https://kubernetes.io/docs/concepts/storage/volumes/#hostpath")
	docsReadOnlyMounts  = rules.Docs("Volumes: read-only mounts", "https://kubernetes.io/docs/concepts/storage/volumes/#read-only-mounts")
	docsHostPort        = rules.Docs("Configuration best practices: services (hostPort)", "https://kubernetes.io/docs/concepts/configuration/overview/#services")
	docsSysctls         = rules.Docs("Using sysctls in a Kubernetes cluster", "https://kubernetes.io/docs/tasks/administer-cluster/sysctl-cluster/")
	docsResources       = rules.Docs("Resource management for pods and containers", "https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/")
	docsLimitRange      = rules.Docs("Limit ranges", "https://kubernetes.io/docs/concepts/policy/limit-range/")
	docsPodResources    = rules.Docs("Assign pod-level CPU and memory resources", "https://kubernetes.io/docs/tasks/configure-pod-container/assign-pod-level-resources/")
	docsImages          = rules.Docs("Images: image names and updating images", "https://kubernetes.io/docs/concepts/containers/images/")
	docsImageBestPract  = rules.Docs("Configuration best practices: container images", "https://kubernetes.io/docs/concepts/configuration/overview/#container-images")
	docsServiceAccounts = rules.Docs("Configure service accounts for pods: opt out of API credential automounting", "https://kubernetes.io/docs/tasks/configure-pod-container/configure-service-account/#opt-out-of-api-credential-automounting")
	docsDefaultSA       = rules.Docs("Service accounts: default service accounts", "https://kubernetes.io/docs/concepts/security/service-accounts/#default-service-accounts")
)
