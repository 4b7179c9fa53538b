package kubelet

// The kubelet's settings, each judged on its effective value (kubeletconfig.Effective) and
// declared as data: the fields it reads (KubeletConfiguration JSON paths), the values it
// allows, its references, and one judge. The mechanism is written once, in settingRule.

import (
	"fmt"
	"slices"
	"strings"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/kubeletconfig"
	"palisade.dev/palisade/internal/rules"
)

// setting is one check of the kubelet's effective configuration.
type setting struct {
	id, title   string
	severity    finding.Severity
	fields      []string
	allowed     []string
	refs        []rules.Reference
	description string
	remedy      string
	// judge returns a failure's message, or "" when the values pass.
	judge func(fs []kubeletconfig.Field) string
}

func settingRule(s setting) rules.Rule {
	return rules.Rule{
		ID: s.id, Title: s.title, Severity: s.severity, Area: rules.AreaKubelet, Scope: rules.ScopeNode,
		Description: s.description, Fields: s.fields, Allowed: s.allowed, References: s.refs, Remedy: s.remedy,
		Components: components,
		Node: func(ctx *rules.NodeContext) []rules.Violation {
			e := effective(ctx)
			fs := make([]kubeletconfig.Field, len(s.fields))
			for i, p := range s.fields {
				fs[i] = e.Get(p)
			}
			if msg := s.judge(fs); msg != "" {
				return []rules.Violation{{Path: s.fields[0], Message: msg, Evidence: evidence(e, fs...)}}
			}
			ctx.Pass(evidence(e, fs...))
			return nil
		},
	}
}

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

func settingRules() []rules.Rule {
	settings := []setting{
		{
			id: "kubelet/anonymous-auth", title: "Kubelet API accepts anonymous requests", severity: finding.High,
			fields:  []string{"authentication.anonymous.enabled"},
			allowed: []string{"false"},
			refs:    []rules.Reference{cisAnonymousAuth, docsKubeletAuth},
			description: "With anonymous authentication on, a request to the kubelet API (port 10250) without credentials " +
				"is served as system:anonymous; whether it may then list pods, read logs or run commands in containers " +
				"depends only on the authorization mode. It is on by default for a kubelet run without a config file.",
			remedy: "Set authentication.anonymous.enabled: false in the kubelet's config file (or --anonymous-auth=false) and restart the kubelet.",
			judge: func(fs []kubeletconfig.Field) string {
				if fs[0].Bool() {
					return "Anonymous requests to the kubelet API are authenticated as system:anonymous."
				}
				return ""
			},
		},
		{
			id: "kubelet/authorization-mode", title: "Kubelet API authorizes every request", severity: finding.Critical,
			fields:  []string{"authorization.mode"},
			allowed: []string{"Webhook"},
			refs:    []rules.Reference{cisAuthorizationMode, docsKubeletAuth},
			description: "With authorization mode AlwaysAllow, every authenticated request to the kubelet API is allowed: " +
				"with anonymous authentication on, anyone who reaches port 10250 runs commands in every container on the " +
				"node. AlwaysAllow is the default for a kubelet run without a config file. Webhook asks the API server " +
				"(SubjectAccessReview) for each request.",
			remedy: "Set authorization.mode: Webhook in the kubelet's config file (or --authorization-mode=Webhook), with authentication.webhook.enabled: true.",
			judge: func(fs []kubeletconfig.Field) string {
				if fs[0].Value == "AlwaysAllow" {
					return "Every request the kubelet API authenticates is allowed (authorization mode AlwaysAllow)."
				}
				return ""
			},
		},
		{
			id: "kubelet/client-ca-file", title: "Kubelet does not verify client certificates", severity: finding.High,
			fields:  []string{"authentication.x509.clientCAFile"},
			allowed: []string{"a CA bundle path"},
			refs:    []rules.Reference{cisClientCAFile, docsKubeletAuth},
			description: "Without a client CA file the kubelet cannot authenticate the API server's client certificate " +
				"(--kubelet-client-certificate), so requests the API server forwards (exec, logs, port-forward) are " +
				"authenticated by bearer token or as anonymous only.",
			remedy: "Set authentication.x509.clientCAFile to the cluster CA bundle (kubeadm: /etc/kubernetes/pki/ca.crt) or --client-ca-file.",
			judge: func(fs []kubeletconfig.Field) string {
				if fs[0].Value == "" {
					return "No client CA file is set: the kubelet authenticates no client certificate."
				}
				return ""
			},
		},
		{
			id: "kubelet/read-only-port", title: "Kubelet serves its read-only port", severity: finding.High,
			fields:  []string{"readOnlyPort"},
			allowed: []string{"0"},
			refs:    []rules.Reference{cisReadOnlyPort, docsKubeletConfig},
			description: "The read-only port (10255 by default for a kubelet run without a config file) answers without " +
				"authentication or authorization: the specs of every pod on the node, their environment values and " +
				"images, and the node's metrics.",
			remedy: "Set readOnlyPort: 0 in the kubelet's config file (or --read-only-port=0).",
			judge: func(fs []kubeletconfig.Field) string {
				if n, ok := fs[0].Int(); !ok || n != 0 {
					return fmt.Sprintf("The kubelet serves port %s without authentication or authorization.", fs[0].Value)
				}
				return ""
			},
		},
		{
			id: "kubelet/streaming-idle-timeout", title: "Kubelet streaming connections never time out", severity: finding.Medium,
			fields:  []string{"streamingConnectionIdleTimeout"},
			allowed: []string{"a duration other than 0 (default 4h)"},
			refs:    []rules.Reference{cisStreamingTimeout, docsKubeletConfig},
			description: "A streaming connection (exec, attach, port-forward) with no idle timeout stays open for as long as " +
				"the other side wants. Only a 0 given on the command line disables the timeout: a config file's 0s is " +
				"its unset value, which the kubelet replaces with 4h (kubeadm writes 0s).",
			remedy: "Remove --streaming-connection-idle-timeout=0, or set streamingConnectionIdleTimeout to a duration such as 5m.",
			judge: func(fs []kubeletconfig.Field) string {
				if d, ok := fs[0].Duration(); ok && d == 0 {
					return "Streaming connections to the kubelet (exec, attach, port-forward) never time out when idle."
				}
				return ""
			},
		},
		{
			id: "kubelet/make-iptables-util-chains", title: "Kubelet does not manage its iptables chains", severity: finding.Low,
			fields:  []string{"makeIPTablesUtilChains"},
			allowed: []string{"true"},
			refs:    []rules.Reference{cisIPTablesChains, docsKubeletConfig},
			description: "With makeIPTablesUtilChains false the kubelet does not keep the iptables utility chains it needs " +
				"(KUBE-FIREWALL drops martian packets to localhost), leaving them to whatever else manages the node's " +
				"firewall.",
			remedy: "Remove makeIPTablesUtilChains: false (or --make-iptables-util-chains=false); the default is true.",
			judge: func(fs []kubeletconfig.Field) string {
				if !fs[0].Bool() {
					return "The kubelet does not keep its iptables utility chains."
				}
				return ""
			},
		},
		{
			id: "kubelet/event-qps", title: "Kubelet event rate limit", severity: finding.Low,
			fields:  []string{"eventRecordQPS"},
			allowed: []string{"0 (no limit) or a positive rate that keeps the events an investigation needs"},
			refs:    []rules.Reference{cisEventQPS, docsKubeletConfig},
			description: "eventRecordQPS limits the events the kubelet creates per second (50 by default; 0 means no limit). " +
				"Events dropped by the limit are missing when an incident is investigated. The effective rate is " +
				"recorded for the audit; a negative rate is refused by the kubelet.",
			remedy: "Set eventRecordQPS to a level that keeps the node's events (0 for no limit).",
			judge: func(fs []kubeletconfig.Field) string {
				if n, ok := fs[0].Int(); !ok || n < 0 {
					return fmt.Sprintf("eventRecordQPS %s is not a rate the kubelet accepts.", fs[0].Value)
				}
				return ""
			},
		},
		{
			id: "kubelet/tls-cert-file", title: "Kubelet serves a self-signed certificate", severity: finding.Medium,
			fields:  []string{"tlsCertFile", "tlsPrivateKeyFile", "serverTLSBootstrap"},
			allowed: []string{"tlsCertFile and tlsPrivateKeyFile set, or serverTLSBootstrap: true"},
			refs:    []rules.Reference{cisTLSCertFile, docsTLSBootstrap},
			description: "Without a serving certificate and key, and without serverTLSBootstrap (a certificate signed " +
				"through the CertificateSigningRequest API), the kubelet serves a self-signed certificate generated in " +
				"--cert-dir, which the API server and monitoring cannot verify: connections to the kubelet are open to " +
				"interception.",
			remedy: "Set serverTLSBootstrap: true (and approve the kubelet-serving CSRs), or tlsCertFile and tlsPrivateKeyFile to a certificate signed by a CA the API server trusts (--kubelet-certificate-authority).",
			judge: func(fs []kubeletconfig.Field) string {
				if fs[2].Bool() || (fs[0].Value != "" && fs[1].Value != "") {
					return ""
				}
				return "The kubelet serves a self-signed certificate: no serving certificate and key are set and serverTLSBootstrap is off."
			},
		},
		{
			id: "kubelet/rotate-certificates", title: "Kubelet does not rotate its client certificate", severity: finding.Medium,
			fields:  []string{"rotateCertificates"},
			allowed: []string{"true"},
			refs:    []rules.Reference{cisRotateCerts, docsTLSBootstrap},
			description: "With rotateCertificates false (the default) the kubelet does not request a new client " +
				"certificate before its current one expires: the node drops out of the cluster when it does, and a " +
				"long-lived certificate stays valid after a node is compromised.",
			remedy: "Set rotateCertificates: true in the kubelet's config file (or --rotate-certificates).",
			judge: func(fs []kubeletconfig.Field) string {
				if !fs[0].Bool() {
					return "The kubelet does not rotate its client certificate."
				}
				return ""
			},
		},
		{
			id: "kubelet/rotate-server-certificates", title: "Kubelet serving certificate rotation is disabled", severity: finding.Low,
			fields:  []string{"featureGates.RotateKubeletServerCertificate", "serverTLSBootstrap"},
			allowed: []string{"RotateKubeletServerCertificate not false"},
			refs:    []rules.Reference{cisRotateServerCerts, docsTLSBootstrap},
			description: "The RotateKubeletServerCertificate feature gate (on by default since 1.12) lets the kubelet " +
				"request and rotate its serving certificate (serverTLSBootstrap). Turned off, serverTLSBootstrap has no " +
				"effect and the serving certificate is never renewed.",
			remedy: "Remove RotateKubeletServerCertificate=false from featureGates (or --feature-gates).",
			judge: func(fs []kubeletconfig.Field) string {
				if fs[0].Value == "false" {
					return "The RotateKubeletServerCertificate feature gate is off: the kubelet cannot rotate its serving certificate."
				}
				return ""
			},
		},
		{
			id: "kubelet/tls-cipher-suites", title: "Kubelet accepts weak TLS cipher suites", severity: finding.Medium,
			fields:  []string{"tlsCipherSuites", "tlsMinVersion"},
			allowed: []string{"only ECDHE suites with AES-GCM or ChaCha20-Poly1305, or tlsMinVersion: VersionTLS13"},
			refs:    []rules.Reference{cisCipherSuites, docsKubeletConfig},
			description: "Without tlsCipherSuites the kubelet serves Go's default suites, which include CBC-mode suites " +
				"with SHA-1; a list naming other suites than ECDHE with an AEAD cipher allows weaker ones still. With " +
				"tlsMinVersion VersionTLS13 the list does not apply: every TLS 1.3 suite is strong.",
			remedy: "Set tlsCipherSuites to " + strings.Join(strongCiphers[:8], ", ") + " or a subset, or tlsMinVersion: VersionTLS13.",
			judge: func(fs []kubeletconfig.Field) string {
				if fs[1].Value == "VersionTLS13" {
					return ""
				}
				suites := fs[0].List()
				if len(suites) == 0 {
					return "No cipher suites are set: the kubelet serves Go's defaults, which include CBC-mode suites with SHA-1."
				}
				var weak []string
				for _, s := range suites {
					if !slices.Contains(strongCiphers, s) {
						weak = append(weak, s)
					}
				}
				if len(weak) > 0 {
					return "The kubelet accepts weak cipher suites: " + strings.Join(weak, ", ") + "."
				}
				return ""
			},
		},
		{
			id: "kubelet/tls-min-version", title: "Kubelet accepts TLS 1.0 or 1.1", severity: finding.Medium,
			fields:  []string{"tlsMinVersion"},
			allowed: []string{"unset (TLS 1.2 for servers built with Go 1.22 and later), VersionTLS12, VersionTLS13"},
			refs:    []rules.Reference{docsKubeletConfig},
			description: "TLS 1.0 and 1.1 are deprecated (RFC 8996); a kubelet that accepts them lets a client negotiate " +
				"down to them.",
			remedy: "Remove tlsMinVersion or set it to VersionTLS12 or VersionTLS13.",
			judge: func(fs []kubeletconfig.Field) string {
				if v := fs[0].Value; v == "VersionTLS10" || v == "VersionTLS11" {
					return fmt.Sprintf("The kubelet accepts %s.", v)
				}
				return ""
			},
		},
		{
			id: "kubelet/pod-pids-limit", title: "Kubelet sets no limit on pod PIDs", severity: finding.Low,
			fields:  []string{"podPidsLimit"},
			allowed: []string{"a positive number"},
			refs:    []rules.Reference{cisPodPids, docsPIDLimiting},
			description: "Without podPidsLimit (-1, the default) a pod may start processes until the node runs out of " +
				"PIDs: a fork bomb in one container takes down every pod on the node and the kubelet.",
			remedy: "Set podPidsLimit (or --pod-max-pids) to a number that fits the node's workloads, such as 4096.",
			judge: func(fs []kubeletconfig.Field) string {
				if n, ok := fs[0].Int(); !ok || n <= 0 {
					return "Pods may start processes without limit."
				}
				return ""
			},
		},
		{
			id: "kubelet/seccomp-default", title: "Kubelet does not apply RuntimeDefault seccomp by default", severity: finding.Low,
			fields:  []string{"seccompDefault"},
			allowed: []string{"true"},
			refs:    []rules.Reference{cisSeccompDefault, docsSeccomp},
			description: "With seccompDefault off (the default) a container that sets no seccomp profile runs Unconfined, " +
				"with every system call available; on, the container runtime's RuntimeDefault profile applies.",
			remedy: "Set seccompDefault: true in the kubelet's config file (or --seccomp-default), after testing the workloads with RuntimeDefault.",
			judge: func(fs []kubeletconfig.Field) string {
				if !fs[0].Bool() {
					return "Containers that set no seccomp profile run Unconfined."
				}
				return ""
			},
		},
		{
			id: "kubelet/protect-kernel-defaults", title: "Kubelet does not protect kernel defaults", severity: finding.Low,
			fields:  []string{"protectKernelDefaults"},
			allowed: []string{"true"},
			refs:    []rules.Reference{docsKubeletConfig},
			description: "With protectKernelDefaults on, the kubelet refuses to start when the kernel's tunables differ " +
				"from what it expects instead of changing them. It was CIS 4.2.6 in earlier Benchmark versions.",
			remedy: "Set protectKernelDefaults: true once the node's sysctls match the kubelet's expectations (vm.overcommit_memory=1, kernel.panic=10, kernel.panic_on_oops=1).",
			judge: func(fs []kubeletconfig.Field) string {
				if !fs[0].Bool() {
					return "The kubelet changes kernel tunables that differ from its defaults instead of refusing to start."
				}
				return ""
			},
		},
	}
	out := make([]rules.Rule, len(settings))
	for i, s := range settings {
		out[i] = settingRule(s)
	}
	return out
}
