package flags

// The specs below name, for each component, the flags that are not scalars. They were taken
// from the flag sets the components register (Kubernetes v1.37: cmd/kube-apiserver,
// cmd/kube-controller-manager, cmd/kube-scheduler, cmd/kube-proxy and cmd/kubelet/app/options,
// each flag's pflag Value.Type(); etcd v3.7 embed.Config.AddFlags, each flag.Value's
// IsBoolFlag; k3s pkg/cli/cmds, urfave/cli flag types), plus the flags of older releases
// that clusters still run, since a bool flag missing here makes "--bool-flag --next" read
// "--next" as its value.
//
// Kinds follow what the component does with repeated occurrences:
//   - Bool: pflag's bool (and any flag with NoOptDefVal "true", such as --version), Go
//     flag's IsBoolFlag values, urfave/cli BoolFlag and BoolTFlag.
//   - List: pflag StringSlice, StringArray (--service-account-issuer,
//     --service-account-key-file: repeatable, accumulating, not split at commas by the
//     component), Int32Slice and cliflag.NamedCertKeyArray (--tls-sni-cert-key, whose
//     occurrences are "cert,key[:names]" and must be read per occurrence); urfave/cli
//     StringSlice (k3s --kube-apiserver-arg and the like, one item per occurrence and not
//     split at commas: read them with Set.Occurrences).
//   - Map: cliflag.MapStringString, MapStringBool, ConfigurationMap, pflag StringToString,
//     cliflag.ColonSeparatedMultimapStringString (--feature-gates of the control plane, which
//     may prefix a gate with its component, "kube:Gate=true") and etcd's feature gates.
//
// etcd's comma-separated flags (--listen-client-urls, --cipher-suites ...) are scalars: Go's
// flag package calls Set for each occurrence and etcd's Set replaces the whole list, so the
// last occurrence wins; read them with Value.List.

// klogBools are klog's boolean flags, registered by every Kubernetes component until v1.26
// (KEP-2845 removed them) and still on the command lines of older clusters.
var klogBools = []string{"logtostderr", "alsologtostderr", "add-dir-header", "skip-headers",
	"skip-log-headers", "one-output"}

// kubeCommonBools are the booleans every Kubernetes component has: cobra's --help (-h),
// verflag's --version (NoOptDefVal "true"), component-base logs, and the profiling switches.
var kubeCommonBools = []string{"help", "h", "version", "log-text-split-stream", "profiling",
	"contention-profiling"}

// servingBools are the booleans of the generic secure serving, authentication and
// authorization options of the control-plane components.
var servingBools = []string{"disable-http2-serving", "permit-address-sharing", "permit-port-sharing"}

// servingLists are the list flags of the same options.
var servingLists = []string{"tls-cipher-suites", "tls-curve-preferences", "tls-sni-cert-key",
	"requestheader-allowed-names", "requestheader-extra-headers-prefix",
	"requestheader-group-headers", "requestheader-uid-headers", "requestheader-username-headers",
	"disabled-metrics", "emulated-version", "min-compatibility-version"}

// controlPlaneMaps are the map flags of the control-plane components.
var controlPlaneMaps = []string{"feature-gates", "allow-metric-labels"}

var apiserverBools = []string{"aggregator-reject-forwarding-redirect", "allow-privileged",
	"anonymous-auth", "audit-log-batch-throttle-enable", "audit-log-compress",
	"audit-log-truncate-enabled", "audit-webhook-batch-throttle-enable",
	"audit-webhook-truncate-enabled", "emulation-forward-compatible",
	"enable-aggregator-routing", "enable-bootstrap-token-auth", "enable-garbage-collector",
	"enable-logs-handler", "enable-priority-and-fairness",
	"encryption-provider-config-automatic-reload", "runtime-config-emulation-forward-compatible",
	"service-account-extend-token-expiration", "service-account-lookup",
	"shutdown-send-retry-after", "watch-cache",
	// Removed in earlier releases.
	"kubelet-https", "enable-swagger-ui", "repair-malformed-updates",
	"enable-inflight-quota-handler"}

var apiserverLists = []string{"admission-control", "api-audiences", "authorization-mode",
	"cors-allowed-origins", "disable-admission-plugins", "enable-admission-plugins",
	"etcd-servers", "etcd-servers-overrides", "kubelet-preferred-address-types",
	"oidc-signing-algs", "service-account-issuer", "service-account-key-file",
	"strict-transport-security-directives", "watch-cache-sizes"}

var apiserverMaps = []string{"oidc-required-claim", "runtime-config"}

// authDelegationBools are the delegated authentication options of the controller manager and
// the scheduler.
var authDelegationBools = []string{"authentication-skip-lookup",
	"authentication-tolerate-lookup-failure", "leader-elect"}

var authDelegationLists = []string{"authorization-always-allow-paths"}

var controllerManagerBools = []string{"allocate-node-cidrs", "allow-untagged-cloud",
	"configure-cloud-routes", "disable-attach-detach-reconcile-sync",
	"disable-force-detach-on-timeout", "enable-dynamic-provisioning", "enable-garbage-collector",
	"enable-hostpath-provisioner", "enable-leader-migration", "use-service-account-credentials",
	// Removed in earlier releases.
	"enable-taint-manager"}

var controllerManagerLists = []string{"controllers"}

var schedulerBools = []string{
	// Removed in earlier releases.
	"use-legacy-policy-config"}

var kubeProxyBools = []string{"bind-address-hard-fail", "cleanup", "conntrack-tcp-be-liberal",
	"init-only", "iptables-localhost-nodeports", "ipvs-strict-arp", "masquerade-all",
	// cadvisor's flags, which kube-proxy's binary registers (with underscores).
	"allow-dynamic-housekeeping", "disable-root-cgroup-stats", "docker-only",
	"enable-load-reader", "log-cadvisor-usage", "storage-driver-secure",
	// Removed in earlier releases.
	"cleanup-ipvs"}

var kubeProxyLists = []string{"ipvs-exclude-cidrs", "nodeport-addresses"}

var kubeletBools = []string{"anonymous-auth", "authentication-token-webhook", "cgroups-per-qos",
	"cpu-cfs-quota", "enable-controller-attach-detach", "enable-debugging-handlers",
	"enable-server", "exit-on-lock-contention", "experimental-allocatable-ignore-eviction",
	"fail-cgroupv1", "fail-swap-on", "kernel-memcg-notification",
	"local-storage-capacity-isolation", "make-iptables-util-chains", "protect-kernel-defaults",
	"register-node", "rotate-certificates", "rotate-server-certificates", "runonce",
	"seccomp-default", "serialize-image-pulls",
	// Removed in earlier releases.
	"allow-privileged", "keep-terminated-pod-volumes", "enable-cadvisor-json-endpoints",
	"docker-disable-shared-pid", "experimental-check-node-capabilities-before-mount",
	"require-kubeconfig", "redirect-container-streaming", "experimental-kernel-memcg-notification",
	"containerized", "really-crash-for-testing", "experimental-dockershim",
	"register-schedulable", "enable-custom-metrics", "babysit-daemons",
	"experimental-fail-swap-on"}

var kubeletLists = []string{"allowed-unsafe-sysctls", "cluster-dns", "enforce-node-allocatable",
	"tls-cipher-suites"}

var kubeletMaps = []string{"cpu-manager-policy-options", "eviction-hard",
	"eviction-minimum-reclaim", "eviction-soft", "eviction-soft-grace-period", "feature-gates",
	"kube-reserved", "manifest-url-header", "node-labels", "qos-reserved", "system-reserved",
	"topology-manager-policy-options"}

var etcdBools = []string{"auto-tls", "client-cert-auth", "discovery-insecure-skip-tls-verify",
	"discovery-insecure-transport", "enable-distributed-tracing", "enable-grpc-gateway",
	"enable-log-rotation", "enable-pprof", "force-new-cluster", "initial-election-tick-advance",
	"memory-mlock", "peer-auto-tls", "peer-client-cert-auth", "peer-skip-client-san-verification",
	"pre-vote", "socket-reuse-address", "socket-reuse-port", "strict-reconfig-check",
	"unsafe-no-fsync", "version", "h", "help",
	// etcd v3.5 and v3.6, before these became feature gates or were removed.
	"enable-v2", "debug", "experimental-initial-corrupt-check",
	"experimental-enable-distributed-tracing", "experimental-peer-skip-client-san-verification",
	"experimental-enable-lease-checkpoint", "experimental-enable-lease-checkpoint-persist",
	"experimental-memory-mlock", "experimental-compact-hash-check-enabled",
	"experimental-stop-grpc-service-on-defrag", "experimental-txn-mode-write-with-shared-buffer"}

var etcdMaps = []string{"feature-gates"}

// rancherBools are the booleans of k3s and RKE2 servers and agents (RKE2 embeds k3s's
// command line and adds its own).
var rancherBools = []string{"debug", "alsologtostderr", "cluster-init", "cluster-reset",
	"disable-agent", "disable-apiserver", "disable-apiserver-lb", "disable-cloud-controller",
	"disable-controller-manager", "disable-default-registry-endpoint", "disable-etcd",
	"disable-helm-controller", "disable-kube-proxy", "disable-network-policy",
	"disable-scheduler", "disable-selinux", "docker", "embedded-registry", "enable-pprof",
	"enable-servicelb", "etcd-disable-snapshots", "etcd-expose-metrics", "etcd-s3",
	"etcd-s3-insecure", "etcd-s3-skip-ssl-verify", "etcd-snapshot-compress",
	"flannel-external-ip", "flannel-ipv6-masq", "no-flannel", "prefer-bundled-bin",
	"protect-kernel-defaults", "rootless", "secrets-encryption", "selinux",
	"supervisor-metrics", "tls-san-security", "with-node-id", "help", "h", "version"}

// rancherLists are their urfave/cli StringSlice flags: one item per occurrence.
var rancherLists = []string{"airgap-extra-registry", "cluster-cidr", "cluster-dns", "disable",
	"etcd-arg", "kube-apiserver-arg", "kube-cloud-controller-arg",
	"kube-cloud-controller-manager-arg", "kube-controller-arg", "kube-controller-manager-arg",
	"kube-proxy-arg", "kube-scheduler-arg", "kubelet-arg", "node-external-ip", "node-ip",
	"node-label", "node-taint", "service-cidr", "tls-san", "control-plane-resource-requests",
	"control-plane-resource-limits", "kube-apiserver-extra-mount", "kube-apiserver-extra-env",
	"etcd-extra-mount", "etcd-extra-env", "kube-scheduler-extra-mount",
	"kube-controller-manager-extra-mount", "kube-proxy-extra-mount"}

// newSpec builds a Spec from the names of its boolean, list and map flags.
func newSpec(bools, lists, maps []string) Spec {
	s := make(Spec, len(bools)+len(lists)+len(maps))
	for _, group := range []struct {
		kind  Kind
		names []string
	}{{Bool, bools}, {List, lists}, {Map, maps}} {
		for _, name := range group.names {
			s[Normalize(name)] = group.kind
		}
	}
	return s
}

// join concatenates groups of names.
func join(groups ...[]string) []string {
	var out []string
	for _, g := range groups {
		out = append(out, g...)
	}
	return out
}

// ComponentSpec returns the spec of a component by its kind as Palisade names it
// (inventory.ComponentKind: "kube-apiserver", "etcd", "kube-controller-manager",
// "kube-scheduler", "kubelet", "kube-proxy", "k3s-server", "k3s-agent", "rke2-server",
// "rke2-agent"). An unknown kind gets an empty spec: every flag a scalar. Each call returns
// a new Spec, which the caller may change.
func ComponentSpec(kind string) Spec {
	switch kind {
	case "kube-apiserver":
		return newSpec(join(klogBools, kubeCommonBools, servingBools, apiserverBools),
			join(servingLists, apiserverLists), join(controlPlaneMaps, apiserverMaps))
	case "kube-controller-manager":
		return newSpec(join(klogBools, kubeCommonBools, servingBools, authDelegationBools, controllerManagerBools),
			join(servingLists, authDelegationLists, controllerManagerLists), controlPlaneMaps)
	case "kube-scheduler":
		return newSpec(join(klogBools, kubeCommonBools, servingBools, authDelegationBools, schedulerBools),
			join(servingLists, authDelegationLists), controlPlaneMaps)
	case "kube-proxy":
		return newSpec(join(klogBools, kubeCommonBools, kubeProxyBools), kubeProxyLists, []string{"feature-gates"})
	case "kubelet":
		return newSpec(join(klogBools, kubeCommonBools, kubeletBools), kubeletLists, kubeletMaps)
	case "etcd":
		return newSpec(etcdBools, nil, etcdMaps)
	case "k3s-server", "k3s-agent", "rke2-server", "rke2-agent":
		return newSpec(rancherBools, rancherLists, nil)
	}
	return Spec{}
}
