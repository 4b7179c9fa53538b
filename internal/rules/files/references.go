package files

import "palisade.dev/palisade/internal/rules"

type rulesRef = rules.Reference

// The sources the rules of this package cite. CIS IDs are those of the CIS Kubernetes
// Benchmark v1.10.0, section 1.1, as kube-bench encodes them in cfg/cis-1.10/master.yaml.
var (
	cisAPIServerManifestMode          = rules.CIS("1.1.1", "Ensure that the API server pod specification file permissions are set to 600 or more restrictive")
	cisAPIServerManifestOwner         = rules.CIS("1.1.2", "Ensure that the API server pod specification file ownership is set to root:root")
	cisControllerManagerManifestMode  = rules.CIS("1.1.3", "Ensure that the controller manager pod specification file permissions are set to 600 or more restrictive")
	cisControllerManagerManifestOwner = rules.CIS("1.1.4", "Ensure that the controller manager pod specification file ownership is set to root:root")
	cisSchedulerManifestMode          = rules.CIS("1.1.5", "Ensure that the scheduler pod specification file permissions are set to 600 or more restrictive")
	cisSchedulerManifestOwner         = rules.CIS("1.1.6", "Ensure that the scheduler pod specification file ownership is set to root:root")
	cisEtcdManifestMode               = rules.CIS("1.1.7", "Ensure that the etcd pod specification file permissions are set to 600 or more restrictive")
	cisEtcdManifestOwner              = rules.CIS("1.1.8", "Ensure that the etcd pod specification file ownership is set to root:root")
	cisEtcdDataDirMode                = rules.CIS("1.1.11", "Ensure that the etcd data directory permissions are set to 700 or more restrictive")
	cisEtcdDataDirOwner               = rules.CIS("1.1.12", "Ensure that the etcd data directory ownership is set to etcd:etcd")
	cisAdminConfMode                  = rules.CIS("1.1.13", "Ensure that the default administrative credential file permissions are set to 600")
	cisAdminConfOwner                 = rules.CIS("1.1.14", "Ensure that the default administrative credential file ownership is set to root:root")
	cisSchedulerConfMode              = rules.CIS("1.1.15", "Ensure that the scheduler.conf file permissions are set to 600 or more restrictive")
	cisSchedulerConfOwner             = rules.CIS("1.1.16", "Ensure that the scheduler.conf file ownership is set to root:root")
	cisControllerManagerConfMode      = rules.CIS("1.1.17", "Ensure that the controller-manager.conf file permissions are set to 600 or more restrictive")
	cisControllerManagerConfOwner     = rules.CIS("1.1.18", "Ensure that the controller-manager.conf file ownership is set to root:root")
	cisPKIOwner                       = rules.CIS("1.1.19", "Ensure that the Kubernetes PKI directory and file ownership is set to root:root")
	cisPKICertMode                    = rules.CIS("1.1.20", "Ensure that the Kubernetes PKI certificate file permissions are set to 600 or more restrictive")
	cisPKIKeyMode                     = rules.CIS("1.1.21", "Ensure that the Kubernetes PKI key file permissions are set to 600")
)
