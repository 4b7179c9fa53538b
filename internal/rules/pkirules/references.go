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

	docsPKI             = rules.Docs("PKI certificates and requirements", "https://kubernetes.io/docs/setup/best-practices/certificates/")
	docsKubeadmCerts    = rules.Docs("Certificate management with kubeadm (checking expiration, renewal)", "https://kubernetes.io/docs/tasks/administer-cluster/kubeadm/kubeadm-certs/")
	docsNIST            = rules.Docs("NIST SP 800-131A Rev. 2: transitioning the use of cryptographic algorithms and key lengths", "https://csrc.nist.gov/pubs/sp/800/131/a/r2/final")
	docsGoSHA1          = rules.Docs("Go 1.18 release notes: crypto/x509 rejects certificates signed with SHA-1", "https://go.dev/doc/go1.18#sha1")
	docsGoCN            = rules.Docs("Go 1.15 release notes: the common name is no longer a host name", "https://go.dev/doc/go1.15#commonname")
	docsRFC5280         = rules.Docs("RFC 5280 4.2.1.3 (key usage) and 4.2.1.9 (basic constraints)", "https://www.rfc-editor.org/rfc/rfc5280#section-4.2.1.9")
	docsKubeconfig      = rules.Docs("Organizing cluster access using kubeconfig files", "https://kubernetes.io/docs/concepts/configuration/organize-cluster-access-kubeconfig/")
	docsAuthn           = rules.Docs("Authenticating: X509 client certificates, static token file, service account tokens", "https://kubernetes.io/docs/reference/access-authn-authz/authentication/")
	docsKubeletRotation = rules.Docs("Configure certificate rotation for the kubelet", "https://kubernetes.io/docs/tasks/tls/certificate-rotation/")
)
