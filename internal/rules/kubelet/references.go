package kubelet

import "palisade.dev/palisade/internal/rules"

var (
	cisKubeconfigPerms   = rules.CIS("4.1.5", "Ensure that the --kubeconfig kubelet.conf file permissions are set to 600 or more restrictive")
	cisKubeconfigOwner   = rules.CIS("4.1.6", "Ensure that the --kubeconfig kubelet.conf file ownership is set to root:root")
	cisConfigPerms       = rules.CIS("4.1.9", "If the kubelet config.yaml configuration file is being used validate permissions set to 600 or more restrictive")
	cisConfigOwner       = rules.CIS("4.1.10", "If the kubelet config.yaml configuration file is being used validate file ownership is set to root:root")
	cisAnonymousAuth     = rules.CIS("4.2.1", "Ensure that the --anonymous-auth argument is set to false")
	cisAuthorizationMode = rules.CIS("4.2.2", "Ensure that the --authorization-mode argument is not set to AlwaysAllow")
	cisClientCAFile      = rules.CIS("4.2.3", "Ensure that the --client-ca-file argument is set as appropriate")
	cisReadOnlyPort      = rules.CIS("4.2.4", "Verify that the --read-only-port argument is set to 0")
	cisStreamingTimeout  = rules.CIS("4.2.5", "Ensure that the --streaming-connection-idle-timeout argument is not set to 0")
	cisIPTablesChains    = rules.CIS("4.2.6", "Ensure that the --make-iptables-util-chains argument is set to true")
	cisHostnameOverride  = rules.CIS("4.2.7", "Ensure that the --hostname-override argument is not set")
	cisEventQPS          = rules.CIS("4.2.8", "Ensure that the eventRecordQPS argument is set to a level which ensures appropriate event capture")
	cisTLSCertFile       = rules.CIS("4.2.9", "Ensure that the --tls-cert-file and --tls-private-key-file arguments are set as appropriate")
	cisRotateCerts       = rules.CIS("4.2.10", "Ensure that the --rotate-certificates argument is not set to false")
	cisRotateServerCerts = rules.CIS("4.2.11", "Verify that the RotateKubeletServerCertificate argument is set to true")
	cisCipherSuites      = rules.CIS("4.2.12", "Ensure that the Kubelet only makes use of Strong Cryptographic Ciphers")
	cisPodPids           = rules.CIS("4.2.13", "Ensure that a limit is set on pod PIDs")
	cisSeccompDefault    = rules.CISLater("4.2.14", "Ensure that the --seccomp-default parameter is set to true", false)

	docsKubeletAuth   = rules.Docs("Kubelet authentication/authorization", "https://kubernetes.io/docs/reference/access-authn-authz/kubelet-authn-authz/")
	docsConfigFile    = rules.Docs("Set Kubelet Parameters Via A Configuration File", "https://kubernetes.io/docs/tasks/administer-cluster/kubelet-config-file/")
	docsTLSBootstrap  = rules.Docs("TLS bootstrapping: certificate rotation", "https://kubernetes.io/docs/reference/access-authn-authz/kubelet-tls-bootstrapping/#certificate-rotation")
	docsKubeletConfig = rules.Docs("Kubelet Configuration (v1beta1)", "https://kubernetes.io/docs/reference/config-api/kubelet-config.v1beta1/")
	docsSeccomp       = rules.Docs("Seccomp: enable RuntimeDefault as the default for all workloads", "https://kubernetes.io/docs/tutorials/security/seccomp/#enable-the-use-of-runtimedefault-as-the-default-seccomp-profile-for-all-workloads")
	docsPIDLimiting   = rules.Docs("Process ID Limits And Reservations", "https://kubernetes.io/docs/concepts/policy/pid-limiting/")
)
