package pkirules

import "palisade.dev/palisade/internal/rules"

// The sources the rules of this package cite. CIS IDs are those of the CIS Kubernetes
// Benchmark v1.10.0, as kube-bench encodes them in cfg/cis-1.10; the benchmark requires the
// files to be set "as appropriate" and judges nothing of their content, which these rules do.
var (
	cisAPIServerTLS = rules.CIS("1.2.24", "Ensure that the --tls-cert-file and --tls-private-key-file arguments are set as appropriate")
	cisClientCA     = rules.CIS("1.2.25", "Ensure that the --client-ca-file argument is set as appropriate")
	cisEtcdCertFile = rules.CIS("2.1", "Ensure that the --cert-file and --key-file arguments are set as appropriate")
	cisKubeletTLS   = rules.CIS("4.2.9", "Ensure that the --tls-cert-file and --tls-private-key-file arguments are set as appropriate")

	docsPKI             = rules.Reference{Kind: "Docs", Title: "PKI certificates and requirements", URL: "https://kubernetes.io/docs/setup/best-practices/certificates/"}
	docsKubeadmCerts    = rules.Reference{Kind: "Docs", Title: "Certificate management with kubeadm (checking expiration, renewal)", URL: "https://kubernetes.io/docs/tasks/administer-cluster/kubeadm/kubeadm-certs/"}
	docsNIST            = rules.Reference{Kind: "Docs", Title: "NIST SP 800-131A Rev. 2: transitioning the use of cryptographic algorithms and key lengths", URL: "https://csrc.nist.gov/pubs/sp/800/131/a/r2/final"}
	docsGoSHA1          = rules.Reference{Kind: "Docs", Title: "Go 1.18 release notes: crypto/x509 rejects certificates signed with SHA-1", URL: "https://go.dev/doc/go1.18#sha1"}
	docsGoCN            = rules.Reference{Kind: "Docs", Title: "Go 1.15 release notes: the common name is no longer a host name", URL: "https://go.dev/doc/go1.15#commonname"}
	docsRFC5280         = rules.Reference{Kind: "Docs", Title: "RFC 5280 4.2.1.3 (key usage) and 4.2.1.9 (basic constraints)", URL: "https://www.rfc-editor.org/rfc/rfc5280#section-4.2.1.9"}
	docsKubeconfig      = rules.Reference{Kind: "Docs", Title: "Organizing cluster access using kubeconfig files", URL: "https://kubernetes.io/docs/concepts/configuration/organize-cluster-access-kubeconfig/"}
	docsAuthn           = rules.Reference{Kind: "Docs", Title: "Authenticating: X509 client certificates, static token file, service account tokens", URL: "https://kubernetes.io/docs/reference/access-authn-authz/authentication/"}
	docsKubeletRotation = rules.Reference{Kind: "Docs", Title: "Configure certificate rotation for the kubelet", URL: "https://kubernetes.io/docs/tasks/tls/certificate-rotation/"}
)
