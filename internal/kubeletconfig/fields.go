package kubeletconfig

import "palisade.dev/palisade/internal/flags"

// valueKind is how a field's value is written and rendered.
type valueKind int

const (
	kindString valueKind = iota
	kindBool
	kindInt
	kindDuration
	// kindList is a list of strings (pflag StringSlice on the command line): a flag replaces
	// the list of the files.
	kindList
	// kindMap is a map of strings (cliflag MapStringString): a flag replaces the map of the
	// files, but for featureGates, whose keys from the files stay unless a flag names them.
	kindMap
)

// field is one KubeletConfiguration field Palisade models: its JSON path, the flag that sets
// it, and the defaults the kubelet gives it when no source does.
//
// Sources: kubernetes/kubernetes cmd/kubelet/app/options/options.go (AddKubeletConfigFlags,
// applyLegacyDefaults) and pkg/kubelet/apis/config/v1beta1/defaults.go
// (SetDefaults_KubeletConfiguration), v1.37.
type field struct {
	path string
	flag string // "" when the field has no flag
	kind valueKind
	// def is the default once a config file is in use (the v1beta1 defaults); hasDef is false
	// for fields Palisade knows no default of.
	def    string
	hasDef bool
	// legacy is the default of a kubelet run without --config, where it differs
	// (applyLegacyDefaults: the defaults of the flags before config files existed).
	legacy    string
	hasLegacy bool
	// zeroIsUnset is true for the fields the v1beta1 defaulting tests against their zero value
	// (a plain int, string or duration, not a pointer): a file that writes 0, "" or "0s" gets
	// the default, while a flag's zero, applied after defaulting, stays.
	zeroIsUnset bool
	// isPath is true for the paths the kubelet resolves against the config file's directory
	// when they are relative (KubeletConfigurationPathRefs).
	isPath bool
}

type fieldOpt func(*field)

func def(v string) fieldOpt    { return func(f *field) { f.def, f.hasDef = v, true } }
func legacy(v string) fieldOpt { return func(f *field) { f.legacy, f.hasLegacy = v, true } }
func zeroUnset(f *field)       { f.zeroIsUnset = true }
func pathRef(f *field)         { f.isPath = true }

func fld(path, flag string, kind valueKind, opts ...fieldOpt) field {
	f := field{path: path, flag: flag, kind: kind}
	for _, o := range opts {
		o(&f)
	}
	return f
}

// fieldTable lists the modelled fields: every field of docs/reference/kubelet.md's table,
// what the CIS 4.2 checks read, and the other settings that bear on the kubelet's exposure.
var fieldTable = []field{
	// Authentication and authorization of the kubelet API.
	fld("authentication.anonymous.enabled", "anonymous-auth", kindBool, def("false"), legacy("true")),
	fld("authentication.webhook.enabled", "authentication-token-webhook", kindBool, def("true"), legacy("false")),
	fld("authentication.webhook.cacheTTL", "authentication-token-webhook-cache-ttl", kindDuration, def("2m0s"), zeroUnset),
	fld("authentication.x509.clientCAFile", "client-ca-file", kindString, def(""), pathRef),
	fld("authorization.mode", "authorization-mode", kindString, def("Webhook"), legacy("AlwaysAllow"), zeroUnset),
	fld("authorization.webhook.cacheAuthorizedTTL", "authorization-webhook-cache-authorized-ttl", kindDuration, def("5m0s"), zeroUnset),
	fld("authorization.webhook.cacheUnauthorizedTTL", "authorization-webhook-cache-unauthorized-ttl", kindDuration, def("30s"), zeroUnset),
	// Serving.
	fld("readOnlyPort", "read-only-port", kindInt, def("0"), legacy("10255")),
	fld("address", "address", kindString, def("0.0.0.0"), zeroUnset),
	fld("port", "port", kindInt, def("10250"), zeroUnset),
	fld("enableServer", "enable-server", kindBool, def("true")),
	fld("tlsCertFile", "tls-cert-file", kindString, def(""), pathRef),
	fld("tlsPrivateKeyFile", "tls-private-key-file", kindString, def(""), pathRef),
	fld("tlsCipherSuites", "tls-cipher-suites", kindList, def("")),
	fld("tlsMinVersion", "tls-min-version", kindString, def("")),
	fld("rotateCertificates", "rotate-certificates", kindBool, def("false")),
	fld("serverTLSBootstrap", "rotate-server-certificates", kindBool, def("false")),
	fld("streamingConnectionIdleTimeout", "streaming-connection-idle-timeout", kindDuration, def("4h0m0s"), zeroUnset),
	fld("enableDebuggingHandlers", "enable-debugging-handlers", kindBool, def("true")),
	fld("enableContentionProfiling", "contention-profiling", kindBool, def("false")),
	fld("enableProfilingHandler", "", kindBool, def("true")),
	fld("enableDebugFlagsHandler", "", kindBool, def("true")),
	fld("enableSystemLogHandler", "", kindBool, def("true")),
	fld("healthzPort", "healthz-port", kindInt, def("10248")),
	fld("healthzBindAddress", "healthz-bind-address", kindString, def("127.0.0.1"), zeroUnset),
	// Node protection.
	fld("protectKernelDefaults", "protect-kernel-defaults", kindBool, def("false")),
	fld("makeIPTablesUtilChains", "make-iptables-util-chains", kindBool, def("true")),
	fld("eventRecordQPS", "event-qps", kindInt, def("50")),
	fld("eventBurst", "event-burst", kindInt, def("100"), zeroUnset),
	fld("seccompDefault", "seccomp-default", kindBool, def("false")),
	fld("podPidsLimit", "pod-max-pids", kindInt, def("-1")),
	fld("allowedUnsafeSysctls", "allowed-unsafe-sysctls", kindList, def("")),
	fld("featureGates", "feature-gates", kindMap),
	fld("failSwapOn", "fail-swap-on", kindBool, def("true")),
	fld("failCgroupV1", "fail-cgroupv1", kindBool, def("true")),
	fld("maxPods", "max-pods", kindInt, def("110"), zeroUnset),
	fld("podsPerCore", "pods-per-core", kindInt, def("0")),
	fld("systemReserved", "system-reserved", kindMap),
	fld("kubeReserved", "kube-reserved", kindMap),
	fld("evictionHard", "eviction-hard", kindMap),
	fld("evictionSoft", "eviction-soft", kindMap),
	fld("evictionSoftGracePeriod", "eviction-soft-grace-period", kindMap),
	fld("evictionMinimumReclaim", "eviction-minimum-reclaim", kindMap),
	fld("enforceNodeAllocatable", "enforce-node-allocatable", kindList, def("pods")),
	fld("localStorageCapacityIsolation", "local-storage-capacity-isolation", kindBool, def("true")),
	fld("oomScoreAdj", "oom-score-adj", kindInt, def("-999")),
	fld("maxOpenFiles", "max-open-files", kindInt, def("1000000"), zeroUnset),
	// Pods and the container runtime.
	fld("staticPodPath", "pod-manifest-path", kindString, def(""), pathRef),
	fld("staticPodURL", "manifest-url", kindString, def("")),
	fld("containerRuntimeEndpoint", "container-runtime-endpoint", kindString, def("unix:///run/containerd/containerd.sock"), zeroUnset),
	fld("imageServiceEndpoint", "image-service-endpoint", kindString, def("")),
	fld("cgroupDriver", "cgroup-driver", kindString, def("cgroupfs"), zeroUnset),
	fld("cgroupsPerQOS", "cgroups-per-qos", kindBool, def("true")),
	fld("cgroupRoot", "cgroup-root", kindString, def("")),
	fld("kubeletCgroups", "kubelet-cgroups", kindString, def("")),
	fld("systemCgroups", "system-cgroups", kindString, def("")),
	fld("resolvConf", "resolv-conf", kindString, def("/etc/resolv.conf"), pathRef),
	fld("volumePluginDir", "volume-plugin-dir", kindString, def("/usr/libexec/kubernetes/kubelet-plugins/volume/exec/"), zeroUnset, pathRef),
	fld("hairpinMode", "hairpin-mode", kindString, def("promiscuous-bridge"), zeroUnset),
	fld("clusterDomain", "cluster-domain", kindString, def("")),
	fld("clusterDNS", "cluster-dns", kindList, def("")),
	fld("registerNode", "register-node", kindBool, def("true")),
	fld("providerID", "provider-id", kindString, def("")),
	fld("podCIDR", "pod-cidr", kindString, def("")),
	fld("cpuManagerPolicy", "cpu-manager-policy", kindString, def("none"), zeroUnset),
	fld("memoryManagerPolicy", "memory-manager-policy", kindString, def("None"), zeroUnset),
	fld("topologyManagerPolicy", "topology-manager-policy", kindString, def("none"), zeroUnset),
	fld("topologyManagerScope", "topology-manager-scope", kindString, def("container"), zeroUnset),
	fld("enableControllerAttachDetach", "enable-controller-attach-detach", kindBool, def("true")),
	fld("serializeImagePulls", "serialize-image-pulls", kindBool, def("true")),
	fld("registryPullQPS", "registry-qps", kindInt, def("5")),
	fld("registryBurst", "registry-burst", kindInt, def("10"), zeroUnset),
	fld("kubeAPIQPS", "kube-api-qps", kindInt, def("50")),
	fld("kubeAPIBurst", "kube-api-burst", kindInt, def("100"), zeroUnset),
	fld("containerLogMaxSize", "container-log-max-size", kindString, def("10Mi"), zeroUnset),
	fld("containerLogMaxFiles", "container-log-max-files", kindInt, def("5")),
	fld("imageGCHighThresholdPercent", "image-gc-high-threshold", kindInt, def("85")),
	fld("imageGCLowThresholdPercent", "image-gc-low-threshold", kindInt, def("80")),
	fld("imageMinimumGCAge", "minimum-image-ttl-duration", kindDuration, def("2m0s"), zeroUnset),
	fld("syncFrequency", "sync-frequency", kindDuration, def("1m0s"), zeroUnset),
	fld("fileCheckFrequency", "file-check-frequency", kindDuration, def("20s"), zeroUnset),
	fld("httpCheckFrequency", "http-check-frequency", kindDuration, def("20s"), zeroUnset),
	fld("nodeStatusUpdateFrequency", "node-status-update-frequency", kindDuration, def("10s"), zeroUnset),
	fld("runtimeRequestTimeout", "runtime-request-timeout", kindDuration, def("2m0s"), zeroUnset),
}

// featureGateDefaults are the defaults of the feature gates the rules read, in the newest
// Kubernetes Palisade knows (pkg/features/kube_features.go).
var featureGateDefaults = map[string]string{
	// Beta and on by default since 1.12.
	"RotateKubeletServerCertificate": "true",
}

var (
	fieldsByPath = map[string]*field{}
	fieldsByFlag = map[string]*field{}
)

func init() {
	for i := range fieldTable {
		f := &fieldTable[i]
		fieldsByPath[f.path] = f
		if f.flag != "" {
			fieldsByFlag[f.flag] = f
		}
	}
}

// Paths returns the KubeletConfiguration paths whose defaults Palisade models, in a stable
// order: what a report of the effective configuration lists.
func Paths() []string {
	out := make([]string, len(fieldTable))
	for i, f := range fieldTable {
		out[i] = f.path
	}
	return out
}

// FlagSpec is how the kubelet's flags take their values, for flags.Parse: its booleans
// (bare --anonymous-auth is true, and "--anonymous-auth false" leaves "false" as an
// argument), its string lists and its maps. It covers the flags that set a
// KubeletConfiguration field, and the kubelet's own boolean flags.
func FlagSpec() flags.Spec {
	s := flags.Spec{
		// KubeletFlags (options.go AddFlags) that are booleans.
		"exit-on-lock-contention":                  flags.Bool,
		"experimental-allocatable-ignore-eviction": flags.Bool,
		"seccomp-default":                          flags.Bool,
		"node-labels":                              flags.Map,
		"runonce":                                  flags.Bool,
		"cpu-cfs-quota":                            flags.Bool,
		"kernel-memcg-notification":                flags.Bool,
		"qos-reserved":                             flags.Map,
		"help":                                     flags.Bool,
		// --version is verflag's: bare, it is true (pflag NoOptDefVal); --version=raw also works.
		"version": flags.Bool,
	}
	for _, f := range fieldTable {
		if f.flag == "" {
			continue
		}
		switch f.kind {
		case kindBool:
			s[f.flag] = flags.Bool
		case kindList:
			s[f.flag] = flags.List
		case kindMap:
			s[f.flag] = flags.Map
		}
	}
	return s
}
