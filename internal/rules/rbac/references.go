package rbac

import "palisade.dev/palisade/internal/rules"

// The sources the rules of this package cite. CIS IDs are those of the CIS Kubernetes
// Benchmark v1.10.0 (kube-bench cfg/cis-1.10).
var (
	cisClusterAdmin  = rules.CIS("5.1.1", "Ensure that the cluster-admin role is only used where required")
	cisSecrets       = rules.CIS("5.1.2", "Minimize access to secrets")
	cisWildcards     = rules.CIS("5.1.3", "Minimize wildcard use in Roles and ClusterRoles")
	cisCreatePods    = rules.CIS("5.1.4", "Minimize access to create pods")
	cisBindEscalate  = rules.CIS("5.1.8", "Limit use of the Bind, Impersonate and Escalate permissions in the Kubernetes cluster")
	cisNodesProxy    = rules.CIS("5.1.10", "Minimize access to the proxy sub-resource of nodes")
	cisCSRApproval   = rules.CIS("5.1.11", "Minimize access to the approval sub-resource of certificatesigningrequests objects")
	cisWebhookConfig = rules.CIS("5.1.12", "Minimize access to webhook configuration objects")
	cisTokenCreate   = rules.CIS("5.1.13", "Minimize access to the service account token creation")
	cisAnonymous     = rules.CIS("1.2.1", "Ensure that the --anonymous-auth argument is set to false")

	docsRBAC            = rules.Docs("Using RBAC Authorization", "https://kubernetes.io/docs/reference/access-authn-authz/rbac/")
	docsUserFacingRoles = rules.Docs("Using RBAC Authorization: user-facing roles", "https://kubernetes.io/docs/reference/access-authn-authz/rbac/#user-facing-roles")
	docsDefaultRoles    = rules.Docs("Using RBAC Authorization: default roles and role bindings", "https://kubernetes.io/docs/reference/access-authn-authz/rbac/#default-roles-and-role-bindings")
	docsAggregation     = rules.Docs("Using RBAC Authorization: aggregated ClusterRoles", "https://kubernetes.io/docs/reference/access-authn-authz/rbac/#aggregated-clusterroles")
	docsRBACGoodPract   = rules.Docs("Role Based Access Control good practices", "https://kubernetes.io/docs/concepts/security/rbac-good-practices/")
	docsAnonymous       = rules.Docs("Authenticating: anonymous requests", "https://kubernetes.io/docs/reference/access-authn-authz/authentication/#anonymous-requests")
	docsEKSAwsAuth      = rules.Docs("Amazon EKS: grant IAM users access to Kubernetes with a ConfigMap", "https://docs.aws.amazon.com/eks/latest/userguide/auth-configmap.html")
	kepWebsocketCreate  = rules.KEP("4006", "Transition from SPDY to WebSockets: authorizing WebSocket upgrades of exec, attach and port-forward with create", "https://github.com/kubernetes/enhancements/issues/4006")
	docsKubeadmJoin     = rules.Docs("kubeadm join: turn off public access to the cluster-info ConfigMap", "https://kubernetes.io/docs/reference/setup-tools/kubeadm/kubeadm-join/#turning-off-public-access-to-the-cluster-info-configmap")
)
