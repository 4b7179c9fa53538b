package apiserver

import "palisade.dev/palisade/internal/rules"

// The sources the rules of this package cite.
var (
	cisAnonymousAuth      = rules.CIS("1.2.1", "Ensure that the --anonymous-auth argument is set to false")
	cisTokenAuthFile      = rules.CIS("1.2.2", "Ensure that the --token-auth-file parameter is not set")
	cisDenyExternalIPs    = rules.CIS("1.2.3", "Ensure that the --DenyServiceExternalIPs is set")
	cisKubeletClientCert  = rules.CIS("1.2.4", "Ensure that the --kubelet-client-certificate and --kubelet-client-key arguments are set as appropriate")
	cisKubeletCA          = rules.CIS("1.2.5", "Ensure that the --kubelet-certificate-authority argument is set as appropriate")
	cisAuthzNotAlways     = rules.CIS("1.2.6", "Ensure that the --authorization-mode argument is not set to AlwaysAllow")
	cisAuthzNode          = rules.CIS("1.2.7", "Ensure that the --authorization-mode argument includes Node")
	cisAuthzRBAC          = rules.CIS("1.2.8", "Ensure that the --authorization-mode argument includes RBAC")
	cisEventRateLimit     = rules.CIS("1.2.9", "Ensure that the admission control plugin EventRateLimit is set")
	cisAlwaysAdmit        = rules.CIS("1.2.10", "Ensure that the admission control plugin AlwaysAdmit is not set")
	cisAlwaysPullImages   = rules.CIS("1.2.11", "Ensure that the admission control plugin AlwaysPullImages is set")
	cisServiceAccountPlug = rules.CIS("1.2.12", "Ensure that the admission control plugin ServiceAccount is set")
	cisNamespaceLifecycle = rules.CIS("1.2.13", "Ensure that the admission control plugin NamespaceLifecycle is set")
	cisNodeRestriction    = rules.CIS("1.2.14", "Ensure that the admission control plugin NodeRestriction is set")
	cisAPIProfiling       = rules.CIS("1.2.15", "Ensure that the --profiling argument is set to false")
	cisAuditLogPath       = rules.CIS("1.2.16", "Ensure that the --audit-log-path argument is set")
	cisAuditLogMaxAge     = rules.CIS("1.2.17", "Ensure that the --audit-log-maxage argument is set to 30 or as appropriate")
	cisAuditLogMaxBackup  = rules.CIS("1.2.18", "Ensure that the --audit-log-maxbackup argument is set to 10 or as appropriate")
	cisAuditLogMaxSize    = rules.CIS("1.2.19", "Ensure that the --audit-log-maxsize argument is set to 100 or as appropriate")
	cisSALookup           = rules.CIS("1.2.21", "Ensure that the --service-account-lookup argument is set to true")
	cisSAKeyFile          = rules.CIS("1.2.22", "Ensure that the --service-account-key-file argument is set as appropriate")
	cisEtcdClientCert     = rules.CIS("1.2.23", "Ensure that the --etcd-certfile and --etcd-keyfile arguments are set as appropriate")
	cisTLSCert            = rules.CIS("1.2.24", "Ensure that the --tls-cert-file and --tls-private-key-file arguments are set as appropriate")
	cisClientCA           = rules.CIS("1.2.25", "Ensure that the --client-ca-file argument is set as appropriate")
	cisEtcdCA             = rules.CIS("1.2.26", "Ensure that the --etcd-cafile argument is set as appropriate")
	cisEncryptionConfig   = rules.CIS("1.2.27", "Ensure that the --encryption-provider-config argument is set as appropriate")
	cisEncryptionProvider = rules.CIS("1.2.28", "Ensure that encryption providers are appropriately configured")
	cisCipherSuites       = rules.CIS("1.2.29", "Ensure that the API Server only makes use of Strong Cryptographic Ciphers")

	cisCMGCThreshold  = rules.CIS("1.3.1", "Ensure that the --terminated-pod-gc-threshold argument is set as appropriate")
	cisCMProfiling    = rules.CIS("1.3.2", "Ensure that the --profiling argument is set to false")
	cisCMSACreds      = rules.CIS("1.3.3", "Ensure that the --use-service-account-credentials argument is set to true")
	cisCMSAKey        = rules.CIS("1.3.4", "Ensure that the --service-account-private-key-file argument is set as appropriate")
	cisCMRootCA       = rules.CIS("1.3.5", "Ensure that the --root-ca-file argument is set as appropriate")
	cisCMRotateServer = rules.CIS("1.3.6", "Ensure that the RotateKubeletServerCertificate argument is set to true")
	cisCMBindAddress  = rules.CIS("1.3.7", "Ensure that the --bind-address argument is set to 127.0.0.1")

	cisSchedProfiling   = rules.CIS("1.4.1", "Ensure that the --profiling argument is set to false")
	cisSchedBindAddress = rules.CIS("1.4.2", "Ensure that the --bind-address argument is set to 127.0.0.1")

	cisAuditPolicy       = rules.CIS("3.2.1", "Ensure that a minimal audit policy is created")
	cisAuditPolicyCovers = rules.CIS("3.2.2", "Ensure that the audit policy covers key security concerns")

	// 1.2.30 is not in v1.10.0; newer benchmarks (kube-bench cfg/cis-1.12) add it.
	cisExtendTokenExpiration = rules.Reference{Kind: "CIS", ID: "1.2.30",
		Title: "Ensure that the --service-account-extend-token-expiration parameter is set to false (CIS Kubernetes Benchmark v1.12.0; not in v1.10.0)"}

	docsEncryptData     = rules.Docs("Encrypting Confidential Data at Rest", "https://kubernetes.io/docs/tasks/administer-cluster/encrypt-data/")
	docsKMS             = rules.Docs("Using a KMS provider for data encryption", "https://kubernetes.io/docs/tasks/administer-cluster/kms-provider/")
	docsAudit           = rules.Docs("Auditing", "https://kubernetes.io/docs/tasks/debug/debug-cluster/audit/")
	docsAuthz           = rules.Docs("Authorization", "https://kubernetes.io/docs/reference/access-authn-authz/authorization/")
	docsNodeAuthz       = rules.Docs("Using Node Authorization", "https://kubernetes.io/docs/reference/access-authn-authz/node/")
	docsAdmission       = rules.Docs("Admission Control in Kubernetes", "https://kubernetes.io/docs/reference/access-authn-authz/admission-controllers/")
	docsAnonymous       = rules.Docs("Authenticating: anonymous requests", "https://kubernetes.io/docs/reference/access-authn-authz/authentication/#anonymous-requests")
	docsStaticToken     = rules.Docs("Authenticating: static token file", "https://kubernetes.io/docs/reference/access-authn-authz/authentication/#static-token-file")
	docsKubeletAuth     = rules.Docs("Kubelet authentication/authorization", "https://kubernetes.io/docs/reference/access-authn-authz/kubelet-authn-authz/")
	docsAPIServerFlags  = rules.Docs("kube-apiserver command line reference", "https://kubernetes.io/docs/reference/command-line-tools-reference/kube-apiserver/")
	docsCMFlags         = rules.Docs("kube-controller-manager command line reference", "https://kubernetes.io/docs/reference/command-line-tools-reference/kube-controller-manager/")
	docsSchedulerFlags  = rules.Docs("kube-scheduler command line reference", "https://kubernetes.io/docs/reference/command-line-tools-reference/kube-scheduler/")
	docsGoTLSCiphers    = rules.Docs("Go crypto/tls: CipherSuites and InsecureCipherSuites", "https://pkg.go.dev/crypto/tls#InsecureCipherSuites")
	docsBoundSATokens   = rules.Docs("Managing Service Accounts: bound service account tokens", "https://kubernetes.io/docs/reference/access-authn-authz/service-accounts-admin/")
	docsControllerCreds = rules.Docs("Controller manager: use of service account credentials", "https://kubernetes.io/docs/reference/access-authn-authz/rbac/#controller-roles")
)
