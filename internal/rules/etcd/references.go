package etcd

import "palisade.dev/palisade/internal/rules"

// The sources the rules of this package cite. CIS IDs are those of the CIS Kubernetes
// Benchmark v1.10.0, section 2 (etcd), as kube-bench encodes them in cfg/cis-1.10/etcd.yaml.
var (
	cisCertFile       = rules.CIS("2.1", "Ensure that the --cert-file and --key-file arguments are set as appropriate")
	cisClientCertAuth = rules.CIS("2.2", "Ensure that the --client-cert-auth argument is set to true")
	cisAutoTLS        = rules.CIS("2.3", "Ensure that the --auto-tls argument is not set to true")
	cisPeerCertFile   = rules.CIS("2.4", "Ensure that the --peer-cert-file and --peer-key-file arguments are set as appropriate")
	cisPeerCertAuth   = rules.CIS("2.5", "Ensure that the --peer-client-cert-auth argument is set to true")
	cisPeerAutoTLS    = rules.CIS("2.6", "Ensure that the --peer-auto-tls argument is not set to true")
	cisUniqueCA       = rules.CIS("2.7", "Ensure that a unique Certificate Authority is used for etcd")

	docsTransportSecurity = rules.Docs("etcd: Transport security model", "https://etcd.io/docs/v3.5/op-guide/security/")
	docsEtcdConfiguration = rules.Docs("etcd: Configuration options (flags, ETCD_* variables, configuration file)", "https://etcd.io/docs/v3.5/op-guide/configuration/")
	docsOperatingEtcd     = rules.Docs("Operating etcd clusters for Kubernetes: securing etcd clusters", "https://kubernetes.io/docs/tasks/administer-cluster/configure-upgrade-etcd/#securing-etcd-clusters")
)
