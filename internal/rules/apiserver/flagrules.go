package apiserver

import (
	"fmt"
	"net"
	"strconv"
	"strings"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/inventory"
	"palisade.dev/palisade/internal/rules"
	"palisade.dev/palisade/internal/rules/setting"
)

// The rules that judge one or two flags of the API server, the controller manager or the
// scheduler are declarations (flagRules) over the judges below (set, not set, a boolean, a
// minimum, a loopback address, a feature gate), which word the control plane's messages and
// evidence. Rules that need more than a judge have their own file.

// mustBeSet passes when every flag is given a value; a file a flag names that the node source
// found missing fails too.
func mustBeSet(why string, names ...string) setting.Judge {
	return func(v setting.Values) setting.Verdict {
		var out setting.Verdict
		var seen []string
		for _, name := range names {
			s := v.Get(name)
			switch {
			case s.Given() == "":
				out.Failures = append(out.Failures, setting.Failure{Setting: name, Message: fmt.Sprintf("--%s is not set: %s", name, why), Evidence: s.Observed("")})
			case isMissing(v.Ctx.Node.File(s.Given())):
				out.Failures = append(out.Failures, setting.Failure{Setting: name, Message: fmt.Sprintf("--%s names %s, which does not exist on the node", name, s.Given()), Evidence: s.Observed("")})
			default:
				seen = append(seen, s.Observed(""))
			}
		}
		if len(out.Failures) == 0 {
			out.Evidence = strings.Join(seen, "; ")
		}
		return out
	}
}

func isMissing(f *inventory.File) bool { return f != nil && !f.Exists && f.Err == "" }

// failure is a verdict of one failure about a flag.
func failure(name, message, evidence string) setting.Verdict {
	return setting.Verdict{Failures: []setting.Failure{{Setting: name, Message: message, Evidence: evidence}}}
}

// passed is a passing verdict with its evidence.
func passed(evidence string) setting.Verdict { return setting.Verdict{Evidence: evidence} }

// mustNotBeSet passes when the flag is absent.
func mustNotBeSet(name, why string) setting.Judge {
	return func(v setting.Values) setting.Verdict {
		s := v.Get(name)
		if s.Set() {
			return failure(name, fmt.Sprintf("--%s is set to %s: %s", name, s.Given(), why), s.Observed(""))
		}
		return passed(s.Observed(""))
	}
}

// boolMustBe passes when the boolean flag, or its default when absent, is want.
func boolMustBe(name string, want, dflt bool, why string) setting.Judge {
	return func(v setting.Values) setting.Verdict {
		s := v.Get(name)
		got, err := dflt, error(nil)
		if s.Set() {
			got, err = s.Bool()
		}
		ev := s.Observed(strconv.FormatBool(dflt))
		switch {
		case err != nil:
			return failure(name, fmt.Sprintf("%v: the %s would refuse to start with it", err, v.Of.Of.Kind), ev)
		case got != want && !s.Set():
			return failure(name, fmt.Sprintf("--%s is not set, and its default is %t: %s", name, dflt, why), ev)
		case got != want:
			return failure(name, fmt.Sprintf("--%s is %t: %s", name, got, why), ev)
		}
		return passed(ev)
	}
}

// auditLogAtLeast passes when an audit log rotation flag is at least min; it applies only
// when the API server writes an audit log file.
func auditLogAtLeast(name string, min int, unit, zero string) setting.Judge {
	return func(v setting.Values) setting.Verdict {
		if p := v.Get("audit-log-path").Given(); p == "" || p == "-" {
			return setting.Verdict{NotApplicable: "The API server writes no audit log file (--audit-log-path is not set or is \"-\"); apiserver/audit-log-path judges that."}
		}
		s := v.Get(name)
		ev := s.Observed("0")
		n := 0
		if s.Set() {
			var err error
			if n, err = strconv.Atoi(strings.TrimSpace(s.Given())); err != nil {
				return failure(name, fmt.Sprintf("--%s=%s is not a number: the API server would refuse to start with it", name, s.Given()), ev)
			}
		}
		if n >= min {
			return passed(ev)
		}
		msg := fmt.Sprintf("--%s is %d %s, below the %d the CIS Benchmark asks for", name, n, unit, min)
		if n <= 0 {
			msg = fmt.Sprintf("--%s is %d (%s), not the %d %s or more the CIS Benchmark asks for", name, n, zero, min, unit)
		}
		return failure(name, msg, ev)
	}
}

// loopbackBind passes when the component serves only on a loopback address, or not at all
// (--secure-port=0). Unlike kube-bench, an absent --bind-address fails: its default is
// 0.0.0.0, every interface.
func loopbackBind(dflt string) setting.Judge {
	return func(v setting.Values) setting.Verdict {
		if p := v.Get("secure-port"); p.Set() && strings.TrimSpace(p.Given()) == "0" {
			return passed(p.Observed("") + ": the secure port is off")
		}
		s := v.Get("bind-address")
		addr := dflt
		if s.Set() {
			addr = strings.TrimSpace(s.Given())
		}
		ev := s.Observed(dflt)
		if ip := net.ParseIP(addr); ip != nil && ip.IsLoopback() || addr == "localhost" {
			return passed(ev)
		}
		what := "every interface"
		if ip := net.ParseIP(addr); ip != nil && !ip.IsUnspecified() {
			what = addr
		}
		msg := fmt.Sprintf("the %s serves its health, metrics and (with profiling on) debug endpoints on %s", v.Of.Of.Kind, what)
		if !s.Set() {
			msg = fmt.Sprintf("--bind-address is not set, so it defaults to %s: %s", dflt, msg)
		}
		return failure("bind-address", msg, ev)
	}
}

// featureGateNotOff passes unless --feature-gates turns the gate off.
func featureGateNotOff(gate, why string) setting.Judge {
	return func(v setting.Values) setting.Verdict {
		s := v.Get("feature-gates")
		m, _ := s.Map()
		ev := s.Observed("")
		if on, ok := m[gate]; ok {
			if b, err := strconv.ParseBool(on); err == nil && !b {
				return failure("feature-gates", fmt.Sprintf("--feature-gates sets %s=false: %s", gate, why), ev)
			}
			return passed(ev)
		}
		return passed(fmt.Sprintf("%s not in --feature-gates (default true); %s", gate, ev))
	}
}

func flagRules() []setting.Rule {
	const profilingWhy = "its /debug/pprof endpoints are served to anyone authorised for them, exposing the process's memory, goroutines and timing"
	profilingRemedy := func(name, file string) string {
		return "Start " + name + " with --profiling=false (in " + file + " for kubeadm)."
	}
	return []setting.Rule{
		{ID: "apiserver/token-auth-file", Title: "API server authenticates static tokens from a file", Severity: finding.High,
			Components: apiServer, Settings: []string{"token-auth-file"}, Allowed: []string{"not set"}, References: []rules.Reference{cisTokenAuthFile, docsStaticToken},
			Description: "--token-auth-file makes the API server accept the bearer tokens listed in a CSV file, in clear text on the control-plane node. They never expire, cannot be revoked without restarting the API server, and are often shared.",
			Remedy:      "Remove --token-auth-file and authenticate users with client certificates, OIDC or a webhook, and workloads with service account tokens.",
			Judge:       mustNotBeSet("token-auth-file", "static tokens never expire and are revoked only by editing the file and restarting the API server")},
		{ID: "apiserver/kubelet-client-certificate", Title: "API server has no client certificate for the kubelets", Severity: finding.Medium,
			Components: apiServer, Settings: []string{"kubelet-client-certificate", "kubelet-client-key"}, Allowed: []string{"both set, naming files that exist"}, References: []rules.Reference{cisKubeletClientCert, docsKubeletAuth},
			Description: "The API server calls the kubelets for logs, exec, attach and port-forward. Without a client certificate it cannot authenticate to a kubelet that requires one, which tempts operators to allow anonymous kubelet access.",
			Remedy:      "Set --kubelet-client-certificate and --kubelet-client-key to a client certificate the kubelets trust (kubeadm: /etc/kubernetes/pki/apiserver-kubelet-client.crt and .key).",
			Judge:       mustBeSet("the API server cannot authenticate to kubelets that require client certificates", "kubelet-client-certificate", "kubelet-client-key")},
		{ID: "apiserver/kubelet-certificate-authority", Title: "API server does not verify the kubelets' serving certificates", Severity: finding.Medium,
			Components: apiServer, Settings: []string{"kubelet-certificate-authority"}, Allowed: []string{"set, naming a CA bundle that exists"}, References: []rules.Reference{cisKubeletCA, docsKubeletAuth},
			Description: "Without --kubelet-certificate-authority the API server does not verify the certificate a kubelet presents, so anyone who can intercept its traffic to a node can read exec sessions and logs or answer in the kubelet's place.",
			Remedy:      "Have the kubelets serve certificates signed by a cluster CA (serverTLSBootstrap with the RotateKubeletServerCertificate gate) and set --kubelet-certificate-authority to that CA.",
			Judge:       mustBeSet("the API server does not verify the kubelets it connects to", "kubelet-certificate-authority")},
		{ID: "apiserver/profiling", Title: "API server serves profiling endpoints", Severity: finding.Low,
			Components: apiServer, Settings: []string{"profiling"}, Allowed: []string{"false"}, References: []rules.Reference{cisAPIProfiling, docsAPIServerFlags},
			Description: "--profiling (true by default) serves /debug/pprof, which reveals the API server's internals and can be used to slow it down.",
			Remedy:      profilingRemedy("the API server", "/etc/kubernetes/manifests/kube-apiserver.yaml"),
			Judge:       boolMustBe("profiling", false, true, profilingWhy)},
		{ID: "apiserver/audit-log-maxage", Title: "API server keeps audit log files too briefly", Severity: finding.Low,
			Components: apiServer, Settings: []string{"audit-log-maxage"}, Allowed: []string{"30 days or more"}, References: []rules.Reference{cisAuditLogMaxAge},
			Description: "--audit-log-maxage is how many days rotated audit log files are kept. Investigations need weeks of history.",
			Remedy:      "Set --audit-log-maxage=30 or more, or ship the log elsewhere and keep it there.",
			Judge:       auditLogAtLeast("audit-log-maxage", 30, "days", "files are not removed by age, only by --audit-log-maxbackup")},
		{ID: "apiserver/audit-log-maxbackup", Title: "API server keeps too few audit log files", Severity: finding.Low,
			Components: apiServer, Settings: []string{"audit-log-maxbackup"}, Allowed: []string{"10 or more"}, References: []rules.Reference{cisAuditLogMaxBackup},
			Description: "--audit-log-maxbackup is how many rotated audit log files are kept.",
			Remedy:      "Set --audit-log-maxbackup=10 or more.",
			Judge:       auditLogAtLeast("audit-log-maxbackup", 10, "files", "the number of files is not bounded, only their age")},
		{ID: "apiserver/audit-log-maxsize", Title: "API server rotates its audit log at too small a size", Severity: finding.Low,
			Components: apiServer, Settings: []string{"audit-log-maxsize"}, Allowed: []string{"100 MB or more"}, References: []rules.Reference{cisAuditLogMaxSize},
			Description: "--audit-log-maxsize is the size in megabytes at which the audit log is rotated; 0 never rotates it, so one file grows until the disk is full.",
			Remedy:      "Set --audit-log-maxsize=100 or more.",
			Judge:       auditLogAtLeast("audit-log-maxsize", 100, "MB", "the log is never rotated and grows without bound")},
		{ID: "apiserver/service-account-lookup", Title: "API server accepts tokens of deleted service accounts", Severity: finding.Medium,
			Components: apiServer, Settings: []string{"service-account-lookup"}, Allowed: []string{"true", "not set (default true)"}, References: []rules.Reference{cisSALookup, docsBoundSATokens},
			Description: "With --service-account-lookup=false the API server does not check that a service account token's account (and secret) still exist, so a token outlives the account it was issued for.",
			Remedy:      "Remove --service-account-lookup=false.",
			Judge:       boolMustBe("service-account-lookup", true, true, "tokens of deleted service accounts stay valid until they expire")},
		{ID: "apiserver/service-account-key-file", Title: "API server has no explicit service account verification key", Severity: finding.Low,
			Components: apiServer, Settings: []string{"service-account-key-file"}, Allowed: []string{"set, naming a key file that exists"}, References: []rules.Reference{cisSAKeyFile, docsBoundSATokens},
			Description: "--service-account-key-file holds the public keys that verify service account tokens. Without it the API server falls back to its TLS serving key, which ties token signing to the serving certificate and prevents rotating them separately.",
			Remedy:      "Set --service-account-key-file to the public key matching the controller manager's --service-account-private-key-file (kubeadm: /etc/kubernetes/pki/sa.pub).",
			Judge:       mustBeSet("service account tokens are verified with the TLS serving key", "service-account-key-file")},
		{ID: "apiserver/etcd-client-certificate", Title: "API server does not authenticate to etcd with a certificate", Severity: finding.High,
			Components: apiServer, Settings: []string{"etcd-certfile", "etcd-keyfile"}, Allowed: []string{"both set, naming files that exist"}, References: []rules.Reference{cisEtcdClientCert},
			Description: "etcd holds every object of the cluster, Secrets included. The API server should present a client certificate, so that etcd can require one from every client.",
			Remedy:      "Set --etcd-certfile and --etcd-keyfile to a client certificate etcd trusts (kubeadm: /etc/kubernetes/pki/apiserver-etcd-client.crt and .key) and run etcd with --client-cert-auth=true.",
			Judge:       mustBeSet("etcd can only serve the API server if it accepts clients without certificates", "etcd-certfile", "etcd-keyfile")},
		{ID: "apiserver/tls-certificate", Title: "API server serves a self-generated certificate", Severity: finding.Medium,
			Components: apiServer, Settings: []string{"tls-cert-file", "tls-private-key-file"}, Allowed: []string{"both set, naming files that exist"}, References: []rules.Reference{cisTLSCert},
			Description: "Without --tls-cert-file and --tls-private-key-file the API server generates a self-signed certificate at start, which clients cannot verify.",
			Remedy:      "Set --tls-cert-file and --tls-private-key-file to a serving certificate signed by the cluster CA.",
			Judge:       mustBeSet("the API server serves a self-signed certificate no client can verify", "tls-cert-file", "tls-private-key-file")},
		{ID: "apiserver/client-ca-file", Title: "API server does not authenticate client certificates", Severity: finding.Medium,
			Components: apiServer, Settings: []string{"client-ca-file"}, Allowed: []string{"set, naming a CA bundle that exists"}, References: []rules.Reference{cisClientCA},
			Description: "--client-ca-file is the CA bundle that client certificates are verified against; without it the API server cannot authenticate kubelets, controllers or administrators by certificate.",
			Remedy:      "Set --client-ca-file to the cluster CA (kubeadm: /etc/kubernetes/pki/ca.crt).",
			Judge:       mustBeSet("client certificates are not accepted", "client-ca-file")},
		{ID: "apiserver/etcd-cafile", Title: "API server does not verify etcd's certificate", Severity: finding.High,
			Components: apiServer, Settings: []string{"etcd-cafile"}, Allowed: []string{"set, naming a CA bundle that exists"}, References: []rules.Reference{cisEtcdCA},
			Description: "Without --etcd-cafile the API server cannot verify the etcd it talks to; whoever can answer in etcd's place reads every write, Secrets included.",
			Remedy:      "Set --etcd-cafile to the etcd CA (kubeadm: /etc/kubernetes/pki/etcd/ca.crt).",
			Judge:       mustBeSet("the API server does not verify etcd's serving certificate", "etcd-cafile")},
		{ID: "apiserver/service-account-extend-token-expiration", Title: "API server extends the lifetime of service account tokens", Severity: finding.Low,
			Components: apiServer, Settings: []string{"service-account-extend-token-expiration"}, Allowed: []string{"false"}, References: []rules.Reference{cisExtendTokenExpiration, docsBoundSATokens},
			Description: "With --service-account-extend-token-expiration (true by default) projected tokens are issued valid for a year while the kubelet refreshes them hourly, to ease the move to bound tokens. A stolen token stays valid that long. CIS v1.10.0 has no such check; later benchmarks add it as 1.2.30.",
			Remedy:      "Once every workload reads its token from the projected volume (client libraries of 2020 or later), set --service-account-extend-token-expiration=false.",
			Judge:       boolMustBe("service-account-extend-token-expiration", false, true, "projected service account tokens stay valid for a year")},

		{ID: "controller-manager/terminated-pod-gc-threshold", Title: "Controller manager keeps the default number of terminated pods", Severity: finding.Info,
			Components: controllerManager, Settings: []string{"terminated-pod-gc-threshold"}, Allowed: []string{"set to a value that suits the cluster"}, References: []rules.Reference{cisCMGCThreshold, docsCMFlags},
			Description: "--terminated-pod-gc-threshold (default 12500) is how many terminated pods are kept before the garbage collector removes them; a high value lets them, and the resources they hold, pile up.",
			Remedy:      "Set --terminated-pod-gc-threshold to a value that suits the cluster, such as 10 for a small one.",
			Judge:       mustBeSet("the default of 12,500 terminated pods applies", "terminated-pod-gc-threshold")},
		{ID: "controller-manager/profiling", Title: "Controller manager serves profiling endpoints", Severity: finding.Low,
			Components: controllerManager, Settings: []string{"profiling"}, Allowed: []string{"false"}, References: []rules.Reference{cisCMProfiling, docsCMFlags},
			Description: "--profiling (true by default) serves /debug/pprof on the controller manager's port.",
			Remedy:      profilingRemedy("the controller manager", "/etc/kubernetes/manifests/kube-controller-manager.yaml"),
			Judge:       boolMustBe("profiling", false, true, profilingWhy)},
		{ID: "controller-manager/use-service-account-credentials", Title: "Controllers share the controller manager's own credentials", Severity: finding.Medium,
			Components: controllerManager, Settings: []string{"use-service-account-credentials"}, Allowed: []string{"true"}, References: []rules.Reference{cisCMSACreds, docsControllerCreds},
			Description: "With --use-service-account-credentials (false by default) each controller calls the API server as its own service account, with only the rights its system:controller role grants. Without it every controller runs with the controller manager's identity and all of its rights.",
			Remedy:      "Start the controller manager with --use-service-account-credentials=true.",
			Judge:       boolMustBe("use-service-account-credentials", true, false, "every controller acts with the controller manager's full rights")},
		{ID: "controller-manager/service-account-private-key-file", Title: "Controller manager has no key to sign service account tokens", Severity: finding.Medium,
			Components: controllerManager, Settings: []string{"service-account-private-key-file"}, Allowed: []string{"set, naming a key file that exists"}, References: []rules.Reference{cisCMSAKey},
			Description: "--service-account-private-key-file is the key that signs legacy service account token Secrets; it must match the API server's --service-account-key-file so that the keys can be rotated.",
			Remedy:      "Set --service-account-private-key-file (kubeadm: /etc/kubernetes/pki/sa.key).",
			Judge:       mustBeSet("token Secrets are not signed with a key of their own", "service-account-private-key-file")},
		{ID: "controller-manager/root-ca-file", Title: "Controller manager does not publish the cluster CA to service accounts", Severity: finding.Low,
			Components: controllerManager, Settings: []string{"root-ca-file"}, Allowed: []string{"set, naming a CA bundle that exists"}, References: []rules.Reference{cisCMRootCA},
			Description: "--root-ca-file is the CA bundle put in every namespace's kube-root-ca.crt ConfigMap, with which pods verify the API server; without it they cannot, and are tempted to skip verification.",
			Remedy:      "Set --root-ca-file to the cluster CA (kubeadm: /etc/kubernetes/pki/ca.crt).",
			Judge:       mustBeSet("pods are not given the CA that verifies the API server", "root-ca-file")},
		{ID: "controller-manager/rotate-kubelet-server-certificate", Title: "Controller manager turns off kubelet serving certificate rotation", Severity: finding.Low,
			Components: controllerManager, Settings: []string{"feature-gates"}, Allowed: []string{"RotateKubeletServerCertificate not set to false"}, References: []rules.Reference{cisCMRotateServer},
			Description: "The RotateKubeletServerCertificate feature gate (on by default since 1.12) lets kubelets request serving certificates from the cluster CA and renew them.",
			Remedy:      "Remove RotateKubeletServerCertificate=false from --feature-gates.",
			Judge:       featureGateNotOff("RotateKubeletServerCertificate", "kubelets cannot renew their serving certificates through the cluster CA")},
		{ID: "controller-manager/bind-address", Title: "Controller manager listens beyond loopback", Severity: finding.Medium,
			Components: controllerManager, Settings: []string{"bind-address", "secure-port"}, Allowed: []string{"127.0.0.1 or ::1", "--secure-port=0"}, References: []rules.Reference{cisCMBindAddress, docsCMFlags},
			Description: "The controller manager's secure port serves /healthz, /metrics and, with profiling, /debug/pprof. It should be reachable from the node only. Its --bind-address defaults to 0.0.0.0, so an absent flag fails here (kube-bench passes it).",
			Remedy:      "Start the controller manager with --bind-address=127.0.0.1.",
			Judge:       loopbackBind("0.0.0.0")},
		{ID: "scheduler/profiling", Title: "Scheduler serves profiling endpoints", Severity: finding.Low,
			Components: scheduler, Settings: []string{"profiling"}, Allowed: []string{"false"}, References: []rules.Reference{cisSchedProfiling, docsSchedulerFlags},
			Description: "--profiling (true by default) serves /debug/pprof on the scheduler's port.",
			Remedy:      profilingRemedy("the scheduler", "/etc/kubernetes/manifests/kube-scheduler.yaml"),
			Judge:       boolMustBe("profiling", false, true, profilingWhy)},
		{ID: "scheduler/bind-address", Title: "Scheduler listens beyond loopback", Severity: finding.Medium,
			Components: scheduler, Settings: []string{"bind-address", "secure-port"}, Allowed: []string{"127.0.0.1 or ::1", "--secure-port=0"}, References: []rules.Reference{cisSchedBindAddress, docsSchedulerFlags},
			Description: "The scheduler's secure port serves /healthz, /metrics and, with profiling, /debug/pprof. It should be reachable from the node only. Its --bind-address defaults to 0.0.0.0, so an absent flag fails here (kube-bench passes it).",
			Remedy:      "Start the scheduler with --bind-address=127.0.0.1.",
			Judge:       loopbackBind("0.0.0.0")},
	}
}
