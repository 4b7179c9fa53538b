package apiserver

import (
	"fmt"
	"net"
	"strconv"
	"strings"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/inventory"
	"palisade.dev/palisade/internal/rules"
)

// flagRule declares a rule that judges one or two flags of a component with one of the
// templates below (set, not set, a boolean, a minimum, a loopback address). Rules that need
// more than a template have their own file.
type flagRule struct {
	id, title   string
	severity    finding.Severity
	components  []inventory.ComponentKind
	flags       []string
	allowed     []string
	description string
	remedy      string
	refs        []rules.Reference
	check       func(*rules.NodeContext) []rules.Violation
}

func (f flagRule) rule() rules.Rule {
	fields := make([]string, len(f.flags))
	for i, fl := range f.flags {
		fields[i] = "--" + fl
	}
	return rules.Rule{
		ID: f.id, Title: f.title, Severity: f.severity, Area: rules.AreaControlPlane, Scope: rules.ScopeNode,
		Components: f.components, Description: f.description, Fields: fields, Allowed: f.allowed,
		References: f.refs, Remedy: f.remedy, Node: f.check,
	}
}

// mustBeSet passes when every flag is given a value; a file a flag names that the node source
// found missing fails too.
func mustBeSet(why string, names ...string) func(*rules.NodeContext) []rules.Violation {
	return func(ctx *rules.NodeContext) []rules.Violation {
		var out []rules.Violation
		var seen []string
		for _, name := range names {
			v := setting(ctx, name)
			switch {
			case !v.Set() || v.Given() == "":
				out = append(out, fail(name, fmt.Sprintf("--%s is not set: %s", name, why), evidence(ctx, name, ""))...)
			case isMissing(ctx.Node.File(v.Given())):
				out = append(out, fail(name, fmt.Sprintf("--%s names %s, which does not exist on the node", name, v.Given()), evidence(ctx, name, ""))...)
			default:
				seen = append(seen, evidence(ctx, name, ""))
			}
		}
		if len(out) == 0 {
			ctx.Pass(strings.Join(seen, "; "))
		}
		return out
	}
}

func isMissing(f *inventory.File) bool { return f != nil && !f.Exists && f.Err == "" }

// mustNotBeSet passes when the flag is absent.
func mustNotBeSet(name, why string) func(*rules.NodeContext) []rules.Violation {
	return func(ctx *rules.NodeContext) []rules.Violation {
		if v := setting(ctx, name); v.Set() {
			return fail(name, fmt.Sprintf("--%s is set to %s: %s", name, v.Given(), why), evidence(ctx, name, ""))
		}
		ctx.Pass(evidence(ctx, name, ""))
		return nil
	}
}

// boolMustBe passes when the boolean flag, or its default when absent, is want.
func boolMustBe(name string, want, dflt bool, why string) func(*rules.NodeContext) []rules.Violation {
	return func(ctx *rules.NodeContext) []rules.Violation {
		c := ctx.Component
		got, err := boolFlag(ctx, name, dflt)
		ev := evidence(ctx, name, strconv.FormatBool(dflt))
		switch {
		case err != nil:
			return fail(name, fmt.Sprintf("%v: the %s would refuse to start with it", err, c.Kind), ev)
		case got != want && !setting(ctx, name).Set():
			return fail(name, fmt.Sprintf("--%s is not set, and its default is %t: %s", name, dflt, why), ev)
		case got != want:
			return fail(name, fmt.Sprintf("--%s is %t: %s", name, got, why), ev)
		}
		ctx.Pass(ev)
		return nil
	}
}

// auditLogAtLeast passes when an audit log rotation flag is at least min; it applies only
// when the API server writes an audit log file.
func auditLogAtLeast(name string, min int, unit, zero string) func(*rules.NodeContext) []rules.Violation {
	return func(ctx *rules.NodeContext) []rules.Violation {
		if p := setting(ctx, "audit-log-path"); !p.Set() || p.Given() == "" || p.Given() == "-" {
			ctx.NotApplicable("The API server writes no audit log file (--audit-log-path is not set or is \"-\"); apiserver/audit-log-path judges that.")
			return nil
		}
		v := setting(ctx, name)
		ev := evidence(ctx, name, "0")
		n := 0
		if v.Set() {
			var err error
			if n, err = strconv.Atoi(strings.TrimSpace(v.Given())); err != nil {
				return fail(name, fmt.Sprintf("--%s=%s is not a number: the API server would refuse to start with it", name, v.Given()), ev)
			}
		}
		if n >= min {
			ctx.Pass(ev)
			return nil
		}
		msg := fmt.Sprintf("--%s is %d %s, below the %d the CIS Benchmark asks for", name, n, unit, min)
		if n <= 0 {
			msg = fmt.Sprintf("--%s is %d (%s), not the %d %s or more the CIS Benchmark asks for", name, n, zero, min, unit)
		}
		return fail(name, msg, ev)
	}
}

// loopbackBind passes when the component serves only on a loopback address, or not at all
// (--secure-port=0). Unlike kube-bench, an absent --bind-address fails: its default is
// 0.0.0.0, every interface.
func loopbackBind(dflt string) func(*rules.NodeContext) []rules.Violation {
	return func(ctx *rules.NodeContext) []rules.Violation {
		c := ctx.Component
		if p := setting(ctx, "secure-port"); p.Set() && strings.TrimSpace(p.Given()) == "0" {
			ctx.Pass(evidence(ctx, "secure-port", "") + ": the secure port is off")
			return nil
		}
		v := setting(ctx, "bind-address")
		addr := dflt
		if v.Set() {
			addr = strings.TrimSpace(v.Given())
		}
		ev := evidence(ctx, "bind-address", dflt)
		if ip := net.ParseIP(addr); ip != nil && ip.IsLoopback() || addr == "localhost" {
			ctx.Pass(ev)
			return nil
		}
		what := "every interface"
		if ip := net.ParseIP(addr); ip != nil && !ip.IsUnspecified() {
			what = addr
		}
		msg := fmt.Sprintf("the %s serves its health, metrics and (with profiling on) debug endpoints on %s", c.Kind, what)
		if !v.Set() {
			msg = fmt.Sprintf("--bind-address is not set, so it defaults to %s: %s", dflt, msg)
		}
		return fail("bind-address", msg, ev)
	}
}

// featureGateNotOff passes unless --feature-gates turns the gate off.
func featureGateNotOff(gate, why string) func(*rules.NodeContext) []rules.Violation {
	return func(ctx *rules.NodeContext) []rules.Violation {
		m, _ := setting(ctx, "feature-gates").Map()
		ev := evidence(ctx, "feature-gates", "")
		if v, ok := m[gate]; ok {
			if on, err := strconv.ParseBool(v); err == nil && !on {
				return fail("feature-gates", fmt.Sprintf("--feature-gates sets %s=false: %s", gate, why), ev)
			}
			ctx.Pass(ev)
			return nil
		}
		ctx.Pass(fmt.Sprintf("%s not in --feature-gates (default true); %s", gate, ev))
		return nil
	}
}

func flagRules() []flagRule {
	const profilingWhy = "its /debug/pprof endpoints are served to anyone authorised for them, exposing the process's memory, goroutines and timing"
	profilingRemedy := func(name, file string) string {
		return "Start " + name + " with --profiling=false (in " + file + " for kubeadm)."
	}
	return []flagRule{
		{id: "apiserver/token-auth-file", title: "API server authenticates static tokens from a file", severity: finding.High,
			components: apiServer, flags: []string{"token-auth-file"}, allowed: []string{"not set"}, refs: []rules.Reference{cisTokenAuthFile, docsStaticToken},
			description: "--token-auth-file makes the API server accept the bearer tokens listed in a CSV file, in clear text on the control-plane node. They never expire, cannot be revoked without restarting the API server, and are often shared.",
			remedy:      "Remove --token-auth-file and authenticate users with client certificates, OIDC or a webhook, and workloads with service account tokens.",
			check:       mustNotBeSet("token-auth-file", "static tokens never expire and are revoked only by editing the file and restarting the API server")},
		{id: "apiserver/kubelet-client-certificate", title: "API server has no client certificate for the kubelets", severity: finding.Medium,
			components: apiServer, flags: []string{"kubelet-client-certificate", "kubelet-client-key"}, allowed: []string{"both set, naming files that exist"}, refs: []rules.Reference{cisKubeletClientCert, docsKubeletAuth},
			description: "The API server calls the kubelets for logs, exec, attach and port-forward. Without a client certificate it cannot authenticate to a kubelet that requires one, which tempts operators to allow anonymous kubelet access.",
			remedy:      "Set --kubelet-client-certificate and --kubelet-client-key to a client certificate the kubelets trust (kubeadm: /etc/kubernetes/pki/apiserver-kubelet-client.crt and .key).",
			check:       mustBeSet("the API server cannot authenticate to kubelets that require client certificates", "kubelet-client-certificate", "kubelet-client-key")},
		{id: "apiserver/kubelet-certificate-authority", title: "API server does not verify the kubelets' serving certificates", severity: finding.Medium,
			components: apiServer, flags: []string{"kubelet-certificate-authority"}, allowed: []string{"set, naming a CA bundle that exists"}, refs: []rules.Reference{cisKubeletCA, docsKubeletAuth},
			description: "Without --kubelet-certificate-authority the API server does not verify the certificate a kubelet presents, so anyone who can intercept its traffic to a node can read exec sessions and logs or answer in the kubelet's place.",
			remedy:      "Have the kubelets serve certificates signed by a cluster CA (serverTLSBootstrap with the RotateKubeletServerCertificate gate) and set --kubelet-certificate-authority to that CA.",
			check:       mustBeSet("the API server does not verify the kubelets it connects to", "kubelet-certificate-authority")},
		{id: "apiserver/profiling", title: "API server serves profiling endpoints", severity: finding.Low,
			components: apiServer, flags: []string{"profiling"}, allowed: []string{"false"}, refs: []rules.Reference{cisAPIProfiling, docsAPIServerFlags},
			description: "--profiling (true by default) serves /debug/pprof, which reveals the API server's internals and can be used to slow it down.",
			remedy:      profilingRemedy("the API server", "/etc/kubernetes/manifests/kube-apiserver.yaml"),
			check:       boolMustBe("profiling", false, true, profilingWhy)},
		{id: "apiserver/audit-log-maxage", title: "API server keeps audit log files too briefly", severity: finding.Low,
			components: apiServer, flags: []string{"audit-log-maxage"}, allowed: []string{"30 days or more"}, refs: []rules.Reference{cisAuditLogMaxAge},
			description: "--audit-log-maxage is how many days rotated audit log files are kept. Investigations need weeks of history.",
			remedy:      "Set --audit-log-maxage=30 or more, or ship the log elsewhere and keep it there.",
			check:       auditLogAtLeast("audit-log-maxage", 30, "days", "files are not removed by age, only by --audit-log-maxbackup")},
		{id: "apiserver/audit-log-maxbackup", title: "API server keeps too few audit log files", severity: finding.Low,
			components: apiServer, flags: []string{"audit-log-maxbackup"}, allowed: []string{"10 or more"}, refs: []rules.Reference{cisAuditLogMaxBackup},
			description: "--audit-log-maxbackup is how many rotated audit log files are kept.",
			remedy:      "Set --audit-log-maxbackup=10 or more.",
			check:       auditLogAtLeast("audit-log-maxbackup", 10, "files", "the number of files is not bounded, only their age")},
		{id: "apiserver/audit-log-maxsize", title: "API server rotates its audit log at too small a size", severity: finding.Low,
			components: apiServer, flags: []string{"audit-log-maxsize"}, allowed: []string{"100 MB or more"}, refs: []rules.Reference{cisAuditLogMaxSize},
			description: "--audit-log-maxsize is the size in megabytes at which the audit log is rotated; 0 never rotates it, so one file grows until the disk is full.",
			remedy:      "Set --audit-log-maxsize=100 or more.",
			check:       auditLogAtLeast("audit-log-maxsize", 100, "MB", "the log is never rotated and grows without bound")},
		{id: "apiserver/service-account-lookup", title: "API server accepts tokens of deleted service accounts", severity: finding.Medium,
			components: apiServer, flags: []string{"service-account-lookup"}, allowed: []string{"true", "not set (default true)"}, refs: []rules.Reference{cisSALookup, docsBoundSATokens},
			description: "With --service-account-lookup=false the API server does not check that a service account token's account (and secret) still exist, so a token outlives the account it was issued for.",
			remedy:      "Remove --service-account-lookup=false.",
			check:       boolMustBe("service-account-lookup", true, true, "tokens of deleted service accounts stay valid until they expire")},
		{id: "apiserver/service-account-key-file", title: "API server has no explicit service account verification key", severity: finding.Low,
			components: apiServer, flags: []string{"service-account-key-file"}, allowed: []string{"set, naming a key file that exists"}, refs: []rules.Reference{cisSAKeyFile, docsBoundSATokens},
			description: "--service-account-key-file holds the public keys that verify service account tokens. Without it the API server falls back to its TLS serving key, which ties token signing to the serving certificate and prevents rotating them separately.",
			remedy:      "Set --service-account-key-file to the public key matching the controller manager's --service-account-private-key-file (kubeadm: /etc/kubernetes/pki/sa.pub).",
			check:       mustBeSet("service account tokens are verified with the TLS serving key", "service-account-key-file")},
		{id: "apiserver/etcd-client-certificate", title: "API server does not authenticate to etcd with a certificate", severity: finding.High,
			components: apiServer, flags: []string{"etcd-certfile", "etcd-keyfile"}, allowed: []string{"both set, naming files that exist"}, refs: []rules.Reference{cisEtcdClientCert},
			description: "etcd holds every object of the cluster, Secrets included. The API server should present a client certificate, so that etcd can require one from every client.",
			remedy:      "Set --etcd-certfile and --etcd-keyfile to a client certificate etcd trusts (kubeadm: /etc/kubernetes/pki/apiserver-etcd-client.crt and .key) and run etcd with --client-cert-auth=true.",
			check:       mustBeSet("etcd can only serve the API server if it accepts clients without certificates", "etcd-certfile", "etcd-keyfile")},
		{id: "apiserver/tls-certificate", title: "API server serves a self-generated certificate", severity: finding.Medium,
			components: apiServer, flags: []string{"tls-cert-file", "tls-private-key-file"}, allowed: []string{"both set, naming files that exist"}, refs: []rules.Reference{cisTLSCert},
			description: "Without --tls-cert-file and --tls-private-key-file the API server generates a self-signed certificate at start, which clients cannot verify.",
			remedy:      "Set --tls-cert-file and --tls-private-key-file to a serving certificate signed by the cluster CA.",
			check:       mustBeSet("the API server serves a self-signed certificate no client can verify", "tls-cert-file", "tls-private-key-file")},
		{id: "apiserver/client-ca-file", title: "API server does not authenticate client certificates", severity: finding.Medium,
			components: apiServer, flags: []string{"client-ca-file"}, allowed: []string{"set, naming a CA bundle that exists"}, refs: []rules.Reference{cisClientCA},
			description: "--client-ca-file is the CA bundle that client certificates are verified against; without it the API server cannot authenticate kubelets, controllers or administrators by certificate.",
			remedy:      "Set --client-ca-file to the cluster CA (kubeadm: /etc/kubernetes/pki/ca.crt).",
			check:       mustBeSet("client certificates are not accepted", "client-ca-file")},
		{id: "apiserver/etcd-cafile", title: "API server does not verify etcd's certificate", severity: finding.High,
			components: apiServer, flags: []string{"etcd-cafile"}, allowed: []string{"set, naming a CA bundle that exists"}, refs: []rules.Reference{cisEtcdCA},
			description: "Without --etcd-cafile the API server cannot verify the etcd it talks to; whoever can answer in etcd's place reads every write, Secrets included.",
			remedy:      "Set --etcd-cafile to the etcd CA (kubeadm: /etc/kubernetes/pki/etcd/ca.crt).",
			check:       mustBeSet("the API server does not verify etcd's serving certificate", "etcd-cafile")},
		{id: "apiserver/service-account-extend-token-expiration", title: "API server extends the lifetime of service account tokens", severity: finding.Low,
			components: apiServer, flags: []string{"service-account-extend-token-expiration"}, allowed: []string{"false"}, refs: []rules.Reference{cisExtendTokenExpiration, docsBoundSATokens},
			description: "With --service-account-extend-token-expiration (true by default) projected tokens are issued valid for a year while the kubelet refreshes them hourly, to ease the move to bound tokens. A stolen token stays valid that long. CIS v1.10.0 has no such check; later benchmarks add it as 1.2.30.",
			remedy:      "Once every workload reads its token from the projected volume (client libraries of 2020 or later), set --service-account-extend-token-expiration=false.",
			check:       boolMustBe("service-account-extend-token-expiration", false, true, "projected service account tokens stay valid for a year")},

		{id: "controller-manager/terminated-pod-gc-threshold", title: "Controller manager keeps the default number of terminated pods", severity: finding.Info,
			components: controllerManager, flags: []string{"terminated-pod-gc-threshold"}, allowed: []string{"set to a value that suits the cluster"}, refs: []rules.Reference{cisCMGCThreshold, docsCMFlags},
			description: "--terminated-pod-gc-threshold (default 12500) is how many terminated pods are kept before the garbage collector removes them; a high value lets them, and the resources they hold, pile up.",
			remedy:      "Set --terminated-pod-gc-threshold to a value that suits the cluster, such as 10 for a small one.",
			check:       mustBeSet("the default of 12,500 terminated pods applies", "terminated-pod-gc-threshold")},
		{id: "controller-manager/profiling", title: "Controller manager serves profiling endpoints", severity: finding.Low,
			components: controllerManager, flags: []string{"profiling"}, allowed: []string{"false"}, refs: []rules.Reference{cisCMProfiling, docsCMFlags},
			description: "--profiling (true by default) serves /debug/pprof on the controller manager's port.",
			remedy:      profilingRemedy("the controller manager", "/etc/kubernetes/manifests/kube-controller-manager.yaml"),
			check:       boolMustBe("profiling", false, true, profilingWhy)},
		{id: "controller-manager/use-service-account-credentials", title: "Controllers share the controller manager's own credentials", severity: finding.Medium,
			components: controllerManager, flags: []string{"use-service-account-credentials"}, allowed: []string{"true"}, refs: []rules.Reference{cisCMSACreds, docsControllerCreds},
			description: "With --use-service-account-credentials (false by default) each controller calls the API server as its own service account, with only the rights its system:controller role grants. Without it every controller runs with the controller manager's identity and all of its rights.",
			remedy:      "Start the controller manager with --use-service-account-credentials=true.",
			check:       boolMustBe("use-service-account-credentials", true, false, "every controller acts with the controller manager's full rights")},
		{id: "controller-manager/service-account-private-key-file", title: "Controller manager has no key to sign service account tokens", severity: finding.Medium,
			components: controllerManager, flags: []string{"service-account-private-key-file"}, allowed: []string{"set, naming a key file that exists"}, refs: []rules.Reference{cisCMSAKey},
			description: "--service-account-private-key-file is the key that signs legacy service account token Secrets; it must match the API server's --service-account-key-file so that the keys can be rotated.",
			remedy:      "Set --service-account-private-key-file (kubeadm: /etc/kubernetes/pki/sa.key).",
			check:       mustBeSet("token Secrets are not signed with a key of their own", "service-account-private-key-file")},
		{id: "controller-manager/root-ca-file", title: "Controller manager does not publish the cluster CA to service accounts", severity: finding.Low,
			components: controllerManager, flags: []string{"root-ca-file"}, allowed: []string{"set, naming a CA bundle that exists"}, refs: []rules.Reference{cisCMRootCA},
			description: "--root-ca-file is the CA bundle put in every namespace's kube-root-ca.crt ConfigMap, with which pods verify the API server; without it they cannot, and are tempted to skip verification.",
			remedy:      "Set --root-ca-file to the cluster CA (kubeadm: /etc/kubernetes/pki/ca.crt).",
			check:       mustBeSet("pods are not given the CA that verifies the API server", "root-ca-file")},
		{id: "controller-manager/rotate-kubelet-server-certificate", title: "Controller manager turns off kubelet serving certificate rotation", severity: finding.Low,
			components: controllerManager, flags: []string{"feature-gates"}, allowed: []string{"RotateKubeletServerCertificate not set to false"}, refs: []rules.Reference{cisCMRotateServer},
			description: "The RotateKubeletServerCertificate feature gate (on by default since 1.12) lets kubelets request serving certificates from the cluster CA and renew them.",
			remedy:      "Remove RotateKubeletServerCertificate=false from --feature-gates.",
			check:       featureGateNotOff("RotateKubeletServerCertificate", "kubelets cannot renew their serving certificates through the cluster CA")},
		{id: "controller-manager/bind-address", title: "Controller manager listens beyond loopback", severity: finding.Medium,
			components: controllerManager, flags: []string{"bind-address", "secure-port"}, allowed: []string{"127.0.0.1 or ::1", "--secure-port=0"}, refs: []rules.Reference{cisCMBindAddress, docsCMFlags},
			description: "The controller manager's secure port serves /healthz, /metrics and, with profiling, /debug/pprof. It should be reachable from the node only. Its --bind-address defaults to 0.0.0.0, so an absent flag fails here (kube-bench passes it).",
			remedy:      "Start the controller manager with --bind-address=127.0.0.1.",
			check:       loopbackBind("0.0.0.0")},
		{id: "scheduler/profiling", title: "Scheduler serves profiling endpoints", severity: finding.Low,
			components: scheduler, flags: []string{"profiling"}, allowed: []string{"false"}, refs: []rules.Reference{cisSchedProfiling, docsSchedulerFlags},
			description: "--profiling (true by default) serves /debug/pprof on the scheduler's port.",
			remedy:      profilingRemedy("the scheduler", "/etc/kubernetes/manifests/kube-scheduler.yaml"),
			check:       boolMustBe("profiling", false, true, profilingWhy)},
		{id: "scheduler/bind-address", title: "Scheduler listens beyond loopback", severity: finding.Medium,
			components: scheduler, flags: []string{"bind-address", "secure-port"}, allowed: []string{"127.0.0.1 or ::1", "--secure-port=0"}, refs: []rules.Reference{cisSchedBindAddress, docsSchedulerFlags},
			description: "The scheduler's secure port serves /healthz, /metrics and, with profiling, /debug/pprof. It should be reachable from the node only. Its --bind-address defaults to 0.0.0.0, so an absent flag fails here (kube-bench passes it).",
			remedy:      "Start the scheduler with --bind-address=127.0.0.1.",
			check:       loopbackBind("0.0.0.0")},
	}
}
