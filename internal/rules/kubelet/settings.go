package kubelet

// The kubelet's settings, each judged on its effective value (kubeletconfig.Effective, through
// the node's settings model) and declared as data over the templates of package setting: the
// fields it reads (KubeletConfiguration JSON paths), the values it allows, its references,
// and its judge.

import (
	"slices"
	"strings"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/rules"
	"palisade.dev/palisade/internal/rules/setting"
)

// strongCiphers are the cipher suites CIS accepts: ECDHE key exchange with an AEAD cipher
// (CIS Kubernetes Benchmark v1.12.0 4.2.12, which dropped the RSA key exchange suites v1.10.0
// still listed), and the TLS 1.3 suites, which are all AEAD.
var strongCiphers = []string{
	"TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
	"TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305", "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305",
	"TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
	"TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
	"TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256",
}

// streamingTimeoutSet fails when streaming connections never time out: only a 0 given on
// the command line disables the timeout (a config file's 0s is its unset value).
func streamingTimeoutSet(v setting.Values) setting.Verdict {
	if d, ok := v.Field("streamingConnectionIdleTimeout").Duration(); ok && d == 0 {
		return setting.Fail("Streaming connections to the kubelet (exec, attach, port-forward) never time out when idle.")
	}
	return setting.Pass()
}

// servingCertificate passes with a serving certificate and key, or with serverTLSBootstrap.
func servingCertificate(v setting.Values) setting.Verdict {
	if v.Field("serverTLSBootstrap").Bool() || (v.Field("tlsCertFile").Value != "" && v.Field("tlsPrivateKeyFile").Value != "") {
		return setting.Pass()
	}
	return setting.Fail("The kubelet serves a self-signed certificate: no serving certificate and key are set and serverTLSBootstrap is off.")
}

// strongCipherSuites passes with TLS 1.3 only, or with a list of strongCiphers.
func strongCipherSuites(v setting.Values) setting.Verdict {
	if v.Field("tlsMinVersion").Value == "VersionTLS13" {
		return setting.Pass()
	}
	suites := v.Field("tlsCipherSuites").List()
	if len(suites) == 0 {
		return setting.Fail("No cipher suites are set: the kubelet serves Go's defaults, which include CBC-mode suites with SHA-1.")
	}
	var weak []string
	for _, s := range suites {
		if !slices.Contains(strongCiphers, s) {
			weak = append(weak, s)
		}
	}
	if len(weak) > 0 {
		return setting.Fail("The kubelet accepts weak cipher suites: " + strings.Join(weak, ", ") + ".")
	}
	return setting.Pass()
}

func settingRules() []rules.Rule {
	declared := []setting.Rule{
		{
			ID: "kubelet/anonymous-auth", Title: "Kubelet API accepts anonymous requests", Severity: finding.High,
			Settings:   []string{"authentication.anonymous.enabled"},
			Allowed:    []string{"false"},
			References: []rules.Reference{cisAnonymousAuth, docsKubeletAuth},
			Description: "With anonymous authentication on, a request to the kubelet API (port 10250) without credentials " +
				"is served as system:anonymous; whether it may then list pods, read logs or run commands in containers " +
				"depends only on the authorization mode. It is on by default for a kubelet run without a config file.",
			Remedy: "Set authentication.anonymous.enabled: false in the kubelet's config file (or --anonymous-auth=false) and restart the kubelet.",
			Judge:  setting.MustBe("authentication.anonymous.enabled", "false", "Anonymous requests to the kubelet API are authenticated as system:anonymous."),
		},
		{
			ID: "kubelet/authorization-mode", Title: "Kubelet API authorizes every request", Severity: finding.Critical,
			Settings:   []string{"authorization.mode"},
			Allowed:    []string{"Webhook"},
			References: []rules.Reference{cisAuthorizationMode, docsKubeletAuth},
			Description: "With authorization mode AlwaysAllow, every authenticated request to the kubelet API is allowed: " +
				"with anonymous authentication on, anyone who reaches port 10250 runs commands in every container on the " +
				"node. AlwaysAllow is the default for a kubelet run without a config file. Webhook asks the API server " +
				"(SubjectAccessReview) for each request.",
			Remedy: "Set authorization.mode: Webhook in the kubelet's config file (or --authorization-mode=Webhook), with authentication.webhook.enabled: true.",
			Judge:  setting.MustNotBe("authorization.mode", "Every request the kubelet API authenticates is allowed (authorization mode AlwaysAllow).", "AlwaysAllow"),
		},
		{
			ID: "kubelet/client-ca-file", Title: "Kubelet does not verify client certificates", Severity: finding.High,
			Settings:   []string{"authentication.x509.clientCAFile"},
			Allowed:    []string{"a CA bundle path"},
			References: []rules.Reference{cisClientCAFile, docsKubeletAuth},
			Description: "Without a client CA file the kubelet cannot authenticate the API server's client certificate " +
				"(--kubelet-client-certificate), so requests the API server forwards (exec, logs, port-forward) are " +
				"authenticated by bearer token or as anonymous only.",
			Remedy: "Set authentication.x509.clientCAFile to the cluster CA bundle (kubeadm: /etc/kubernetes/pki/ca.crt) or --client-ca-file.",
			Judge:  setting.MustBeSet("authentication.x509.clientCAFile", "No client CA file is set: the kubelet authenticates no client certificate."),
		},
		{
			ID: "kubelet/read-only-port", Title: "Kubelet serves its read-only port", Severity: finding.High,
			Settings:   []string{"readOnlyPort"},
			Allowed:    []string{"0"},
			References: []rules.Reference{cisReadOnlyPort, docsKubeletConfig},
			Description: "The read-only port (10255 by default for a kubelet run without a config file) answers without " +
				"authentication or authorization: the specs of every pod on the node, their environment values and " +
				"images, and the node's metrics.",
			Remedy: "Set readOnlyPort: 0 in the kubelet's config file (or --read-only-port=0).",
			Judge:  setting.MustBe("readOnlyPort", "0", "The kubelet serves port {value} without authentication or authorization."),
		},
		{
			ID: "kubelet/streaming-idle-timeout", Title: "Kubelet streaming connections never time out", Severity: finding.Medium,
			Settings:   []string{"streamingConnectionIdleTimeout"},
			Allowed:    []string{"a duration other than 0 (default 4h)"},
			References: []rules.Reference{cisStreamingTimeout, docsKubeletConfig},
			Description: "A streaming connection (exec, attach, port-forward) with no idle timeout stays open for as long as " +
				"the other side wants. Only a 0 given on the command line disables the timeout: a config file's 0s is " +
				"its unset value, which the kubelet replaces with 4h (kubeadm writes 0s).",
			Remedy: "Remove --streaming-connection-idle-timeout=0, or set streamingConnectionIdleTimeout to a duration such as 5m.",
			Judge:  streamingTimeoutSet,
		},
		{
			ID: "kubelet/make-iptables-util-chains", Title: "Kubelet does not manage its iptables chains", Severity: finding.Low,
			Settings:   []string{"makeIPTablesUtilChains"},
			Allowed:    []string{"true"},
			References: []rules.Reference{cisIPTablesChains, docsKubeletConfig},
			Description: "With makeIPTablesUtilChains false the kubelet does not keep the iptables utility chains it needs " +
				"(KUBE-FIREWALL drops martian packets to localhost), leaving them to whatever else manages the node's " +
				"firewall.",
			Remedy: "Remove makeIPTablesUtilChains: false (or --make-iptables-util-chains=false); the default is true.",
			Judge:  setting.MustBe("makeIPTablesUtilChains", "true", "The kubelet does not keep its iptables utility chains."),
		},
		{
			ID: "kubelet/event-qps", Title: "Kubelet event rate limit", Severity: finding.Low,
			Settings:   []string{"eventRecordQPS"},
			Allowed:    []string{"0 (no limit) or a positive rate that keeps the events an investigation needs"},
			References: []rules.Reference{cisEventQPS, docsKubeletConfig},
			Description: "eventRecordQPS limits the events the kubelet creates per second (50 by default; 0 means no limit). " +
				"Events dropped by the limit are missing when an incident is investigated. The effective rate is " +
				"recorded for the audit; a negative rate is refused by the kubelet.",
			Remedy: "Set eventRecordQPS to a level that keeps the node's events (0 for no limit).",
			Judge:  setting.AtLeast("eventRecordQPS", 0, "eventRecordQPS {value} is not a rate the kubelet accepts."),
		},
		{
			ID: "kubelet/tls-cert-file", Title: "Kubelet serves a self-signed certificate", Severity: finding.Medium,
			Settings:   []string{"tlsCertFile", "tlsPrivateKeyFile", "serverTLSBootstrap"},
			Allowed:    []string{"tlsCertFile and tlsPrivateKeyFile set, or serverTLSBootstrap: true"},
			References: []rules.Reference{cisTLSCertFile, docsTLSBootstrap},
			Description: "Without a serving certificate and key, and without serverTLSBootstrap (a certificate signed " +
				"through the CertificateSigningRequest API), the kubelet serves a self-signed certificate generated in " +
				"--cert-dir, which the API server and monitoring cannot verify: connections to the kubelet are open to " +
				"interception.",
			Remedy: "Set serverTLSBootstrap: true (and approve the kubelet-serving CSRs), or tlsCertFile and tlsPrivateKeyFile to a certificate signed by a CA the API server trusts (--kubelet-certificate-authority).",
			Judge:  servingCertificate,
		},
		{
			ID: "kubelet/rotate-certificates", Title: "Kubelet does not rotate its client certificate", Severity: finding.Medium,
			Settings:   []string{"rotateCertificates"},
			Allowed:    []string{"true"},
			References: []rules.Reference{cisRotateCerts, docsTLSBootstrap},
			Description: "With rotateCertificates false (the default) the kubelet does not request a new client " +
				"certificate before its current one expires: the node drops out of the cluster when it does, and a " +
				"long-lived certificate stays valid after a node is compromised.",
			Remedy: "Set rotateCertificates: true in the kubelet's config file (or --rotate-certificates).",
			Judge:  setting.MustBe("rotateCertificates", "true", "The kubelet does not rotate its client certificate."),
		},
		{
			ID: "kubelet/rotate-server-certificates", Title: "Kubelet serving certificate rotation is disabled", Severity: finding.Low,
			Settings:   []string{"featureGates.RotateKubeletServerCertificate", "serverTLSBootstrap"},
			Allowed:    []string{"RotateKubeletServerCertificate not false"},
			References: []rules.Reference{cisRotateServerCerts, docsTLSBootstrap},
			Description: "The RotateKubeletServerCertificate feature gate (on by default since 1.12) lets the kubelet " +
				"request and rotate its serving certificate (serverTLSBootstrap). Turned off, serverTLSBootstrap has no " +
				"effect and the serving certificate is never renewed.",
			Remedy: "Remove RotateKubeletServerCertificate=false from featureGates (or --feature-gates).",
			Judge:  setting.MustNotBe("featureGates.RotateKubeletServerCertificate", "The RotateKubeletServerCertificate feature gate is off: the kubelet cannot rotate its serving certificate.", "false"),
		},
		{
			ID: "kubelet/tls-cipher-suites", Title: "Kubelet accepts weak TLS cipher suites", Severity: finding.Medium,
			Settings:   []string{"tlsCipherSuites", "tlsMinVersion"},
			Allowed:    []string{"only ECDHE suites with AES-GCM or ChaCha20-Poly1305, or tlsMinVersion: VersionTLS13"},
			References: []rules.Reference{cisCipherSuites, docsKubeletConfig},
			Description: "Without tlsCipherSuites the kubelet serves Go's default suites, which include CBC-mode suites " +
				"with SHA-1; a list naming other suites than ECDHE with an AEAD cipher allows weaker ones still. With " +
				"tlsMinVersion VersionTLS13 the list does not apply: every TLS 1.3 suite is strong.",
			Remedy: "Set tlsCipherSuites to " + strings.Join(strongCiphers[:8], ", ") + " or a subset, or tlsMinVersion: VersionTLS13.",
			Judge:  strongCipherSuites,
		},
		{
			ID: "kubelet/tls-min-version", Title: "Kubelet accepts TLS 1.0 or 1.1", Severity: finding.Medium,
			Settings:   []string{"tlsMinVersion"},
			Allowed:    []string{"unset (TLS 1.2 for servers built with Go 1.22 and later), VersionTLS12, VersionTLS13"},
			References: []rules.Reference{docsKubeletConfig},
			Description: "TLS 1.0 and 1.1 are deprecated (RFC 8996); a kubelet that accepts them lets a client negotiate " +
				"down to them.",
			Remedy: "Remove tlsMinVersion or set it to VersionTLS12 or VersionTLS13.",
			Judge:  setting.MustNotBe("tlsMinVersion", "The kubelet accepts {value}.", "VersionTLS10", "VersionTLS11"),
		},
		{
			ID: "kubelet/pod-pids-limit", Title: "Kubelet sets no limit on pod PIDs", Severity: finding.Low,
			Settings:   []string{"podPidsLimit"},
			Allowed:    []string{"a positive number"},
			References: []rules.Reference{cisPodPids, docsPIDLimiting},
			Description: "Without podPidsLimit (-1, the default) a pod may start processes until the node runs out of " +
				"PIDs: a fork bomb in one container takes down every pod on the node and the kubelet.",
			Remedy: "Set podPidsLimit (or --pod-max-pids) to a number that fits the node's workloads, such as 4096.",
			Judge:  setting.AtLeast("podPidsLimit", 1, "Pods may start processes without limit."),
		},
		{
			ID: "kubelet/seccomp-default", Title: "Kubelet does not apply RuntimeDefault seccomp by default", Severity: finding.Low,
			Settings:   []string{"seccompDefault"},
			Allowed:    []string{"true"},
			References: []rules.Reference{cisSeccompDefault, docsSeccomp},
			Description: "With seccompDefault off (the default) a container that sets no seccomp profile runs Unconfined, " +
				"with every system call available; on, the container runtime's RuntimeDefault profile applies.",
			Remedy: "Set seccompDefault: true in the kubelet's config file (or --seccomp-default), after testing the workloads with RuntimeDefault.",
			Judge:  setting.MustBe("seccompDefault", "true", "Containers that set no seccomp profile run Unconfined."),
		},
		{
			ID: "kubelet/protect-kernel-defaults", Title: "Kubelet does not protect kernel defaults", Severity: finding.Low,
			Settings:   []string{"protectKernelDefaults"},
			Allowed:    []string{"true"},
			References: []rules.Reference{docsKubeletConfig},
			Description: "With protectKernelDefaults on, the kubelet refuses to start when the kernel's tunables differ " +
				"from what it expects instead of changing them. It was CIS 4.2.6 in earlier Benchmark versions.",
			Remedy: "Set protectKernelDefaults: true once the node's sysctls match the kubelet's expectations (vm.overcommit_memory=1, kernel.panic=10, kernel.panic_on_oops=1).",
			Judge:  setting.MustBe("protectKernelDefaults", "true", "The kubelet changes kernel tunables that differ from its defaults instead of refusing to start."),
		},
	}
	for i := range declared {
		declared[i].Area, declared[i].Components = rules.AreaKubelet, components
	}
	return setting.Rules(declared...)
}
