package apiserver_test

import (
	"io/fs"
	"strings"
	"testing"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/flags"
	"palisade.dev/palisade/internal/inventory"
	"palisade.dev/palisade/internal/rules"
	"palisade.dev/palisade/internal/rules/apiserver"
	"palisade.dev/palisade/internal/testrules"
)

func catalog(t testing.TB) *rules.Catalog {
	t.Helper()
	return testrules.Rules(t, apiserver.Rules()...)
}

func component(kind inventory.ComponentKind, args ...string) *inventory.Component {
	return &inventory.Component{Kind: kind, Source: inventory.FromProcess, Path: "/proc/42/cmdline", PID: 42,
		Args: args, Flags: flags.Parse(args, flags.ComponentSpec(string(kind)))}
}

func file(path, data string, mode fs.FileMode) *inventory.File {
	return &inventory.File{Path: path, Exists: true, Mode: mode, Data: []byte(data)}
}

// node is the control-plane node cp-1 running the component, with the files.
func node(comp *inventory.Component, files []*inventory.File) *inventory.Node {
	n := &inventory.Node{Host: "cp-1", Components: []*inventory.Component{comp}, Files: map[string]*inventory.File{}}
	for _, f := range files {
		n.Files[f.Path] = f
	}
	return n
}

const (
	key32 = "c2VjcmV0IGlzIHNlY3VyZSwgSSB0aGluayBzbyB5ZXM="
	encOK = `apiVersion: apiserver.config.k8s.io/v1
kind: EncryptionConfiguration
resources:
- resources: [secrets]
  providers:
  - aescbc: {keys: [{name: k1, secret: ` + key32 + `}]}
  - identity: {}
`
	encIdentityFirst = `apiVersion: apiserver.config.k8s.io/v1
kind: EncryptionConfiguration
resources:
- resources: [configmaps]
  providers: [{aescbc: {keys: [{name: k1, secret: ` + key32 + `}]}}]
- resources: ["*."]
  providers: [{identity: {}}, {aescbc: {keys: [{name: k1, secret: ` + key32 + `}]}}]
`
	encKMSv1 = `apiVersion: apiserver.config.k8s.io/v1
kind: EncryptionConfiguration
resources:
- resources: ["*.*"]
  providers: [{kms: {name: vault, endpoint: "unix:///run/kms.sock"}}]
`
	goodPolicy = `apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [RequestReceived]
rules:
- level: Metadata
  resources: [{group: "", resources: [secrets, configmaps]}, {group: authentication.k8s.io, resources: [tokenreviews]}]
- level: RequestResponse
  resources: [{group: ""}, {group: apps}, {group: batch}]
- level: Metadata
`
	leakyPolicy = `apiVersion: audit.k8s.io/v1
kind: Policy
rules:
- level: None
  resources: [{group: "", resources: [pods/exec]}]
- level: RequestResponse
  resources: [{group: ""}]
- level: Metadata
  resources: [{group: "", resources: [secrets]}]
`
)

var (
	api = inventory.KubeAPIServer
	cm  = inventory.KubeControllerManager
	sch = inventory.KubeScheduler
)

func TestRules(t *testing.T) {
	c := catalog(t)
	type want struct {
		status   finding.Status
		severity finding.Severity // checked for failures when not Info
		path     string
		contains []string // in message, or evidence for passes
	}
	pass := func(s ...string) want { return want{status: finding.Pass, contains: s} }
	na := func(s ...string) want { return want{status: finding.NotApplicable, contains: s} }
	failed := func(sev finding.Severity, path string, s ...string) want {
		return want{status: finding.Fail, severity: sev, path: path, contains: s}
	}
	tests := []struct {
		name, rule string
		kind       inventory.ComponentKind
		args       []string
		files      []*inventory.File
		opts       *rules.Options
		want       want
	}{
		{name: "anonymous default on", rule: "apiserver/anonymous-auth", kind: api, want: failed(finding.Medium, "--anonymous-auth", "not set, and its default is true")},
		{name: "anonymous off", rule: "apiserver/anonymous-auth", kind: api, args: []string{"--anonymous-auth=false"}, want: pass("--anonymous-auth=false in kube-apiserver (process /proc/42/cmdline)")},
		{name: "anonymous on, health only through authentication config", rule: "apiserver/anonymous-auth", kind: api, args: []string{"--authentication-config=/etc/kubernetes/authn.yaml"},
			files: []*inventory.File{file("/etc/kubernetes/authn.yaml", "apiVersion: apiserver.config.k8s.io/v1\nkind: AuthenticationConfiguration\nanonymous:\n  enabled: true\n  conditions: [{path: /livez}, {path: /readyz}]\n", 0o600)},
			want:  pass("anonymous.enabled: true", "health endpoints only")},
		{name: "anonymous on every path through authentication config", rule: "apiserver/anonymous-auth", kind: api, args: []string{"--authentication-config=/etc/kubernetes/authn.yaml"},
			files: []*inventory.File{file("/etc/kubernetes/authn.yaml", "anonymous: {enabled: true, conditions: [{path: /livez}, {path: /api}]}", 0o600)},
			want:  failed(finding.Medium, "--authentication-config", "beyond the health endpoints: /api")},
		{name: "token file", rule: "apiserver/token-auth-file", kind: api, args: []string{"--token-auth-file", "/etc/tokens.csv"},
			want: failed(finding.High, "--token-auth-file", "is set to /etc/tokens.csv")},
		{name: "no token file", rule: "apiserver/token-auth-file", kind: api, want: pass("--token-auth-file not set")},
		{name: "kubelet client key missing", rule: "apiserver/kubelet-client-certificate", kind: api, args: []string{"--kubelet-client-certificate=/pki/k.crt"},
			want: failed(finding.Medium, "--kubelet-client-key", "--kubelet-client-key is not set")},
		{name: "kubelet client cert file gone", rule: "apiserver/kubelet-client-certificate", kind: api, args: []string{"--kubelet-client-certificate=/pki/k.crt", "--kubelet-client-key=/pki/k.key"},
			files: []*inventory.File{{Path: "/pki/k.crt"}}, want: failed(finding.Medium, "--kubelet-client-certificate", "/pki/k.crt, which does not exist")},
		{name: "always allow by default", rule: "apiserver/authorization-always-allow", kind: api, want: failed(finding.Critical, "--authorization-mode", "first authorizer is AlwaysAllow")},
		{name: "always allow last", rule: "apiserver/authorization-always-allow", kind: api, args: []string{"--authorization-mode=Node,RBAC,AlwaysAllow"}, want: failed(finding.Critical, "--authorization-mode", "authorizer 3 of [Node, RBAC, AlwaysAllow]")},
		{name: "node and rbac", rule: "apiserver/authorization-always-allow", kind: api, args: []string{"--authorization-mode=Node,RBAC"}, want: pass("--authorization-mode=Node,RBAC")},
		{name: "rbac is a list item, not a substring", rule: "apiserver/authorization-rbac", kind: api, args: []string{"--authorization-mode=Node,RBACish"}, want: failed(finding.High, "--authorization-mode", "do not include RBAC")},
		{name: "node missing", rule: "apiserver/authorization-node", kind: api, args: []string{"--authorization-mode=RBAC"}, want: failed(finding.Medium, "--authorization-mode", "[RBAC] do not include Node")},
		{name: "repeated mode flags accumulate", rule: "apiserver/authorization-node", kind: api, args: []string{"--authorization-mode=RBAC", "--authorization-mode=Node"}, want: pass("--authorization-mode=RBAC --authorization-mode=Node")},
		{name: "authorization config file", rule: "apiserver/authorization-rbac", kind: api, args: []string{"--authorization-config=/etc/kubernetes/authz.yaml"},
			files: []*inventory.File{file("/etc/kubernetes/authz.yaml", "apiVersion: apiserver.config.k8s.io/v1\nkind: AuthorizationConfiguration\nauthorizers: [{type: Node, name: node}, {type: Webhook, name: w}]\n", 0o600)},
			want:  failed(finding.High, "--authorization-config", "[Node, Webhook] do not include RBAC")},
		{name: "always admit", rule: "apiserver/admission-always-admit", kind: api, args: []string{"--enable-admission-plugins=NodeRestriction,AlwaysAdmit"}, want: failed(finding.High, "--enable-admission-plugins", "listed in --enable-admission-plugins")},
		{name: "node restriction off by default", rule: "apiserver/admission-node-restriction", kind: api, want: failed(finding.High, "--enable-admission-plugins", "off by default")},
		{name: "node restriction enabled then disabled", rule: "apiserver/admission-node-restriction", kind: api, args: []string{"--enable-admission-plugins=NodeRestriction", "--disable-admission-plugins=NodeRestriction"}, want: failed(finding.High, "--disable-admission-plugins", "listed in --disable-admission-plugins")},
		{name: "node restriction", rule: "apiserver/admission-node-restriction", kind: api, args: []string{"--enable-admission-plugins=NodeRestriction"}, want: pass("--enable-admission-plugins=NodeRestriction")},
		{name: "service account on by default", rule: "apiserver/admission-service-account", kind: api, want: pass("no admission plugin flags")},
		{name: "service account disabled", rule: "apiserver/admission-service-account", kind: api, args: []string{"--disable-admission-plugins=ServiceAccount"}, want: failed(finding.Medium, "--disable-admission-plugins", "ServiceAccount is listed in --disable-admission-plugins")},
		{name: "legacy admission control replaces the defaults", rule: "apiserver/admission-namespace-lifecycle", kind: api, args: []string{"--admission-control=NodeRestriction"}, want: failed(finding.Medium, "--admission-control", "not in the deprecated --admission-control")},
		{name: "event rate limit recommended", rule: "apiserver/admission-event-rate-limit", kind: api, want: failed(finding.Low, "--enable-admission-plugins", "EventRateLimit is off by default")},
		{name: "profiling default", rule: "apiserver/profiling", kind: api, want: failed(finding.Low, "--profiling", "not set, and its default is true")},
		{name: "profiling off", rule: "apiserver/profiling", kind: api, args: []string{"--profiling=false"}, want: pass("--profiling=false")},
		{name: "profiling not a boolean", rule: "apiserver/profiling", kind: api, args: []string{"--profiling=no"}, want: failed(finding.Low, "--profiling", "is not a boolean")},
		{name: "no audit backend", rule: "apiserver/audit-log-path", kind: api, want: failed(finding.High, "--audit-log-path", "records no audit events")},
		{name: "webhook backend", rule: "apiserver/audit-log-path", kind: api, args: []string{"--audit-webhook-config-file=/etc/w.yaml"}, want: pass("webhook backend")},
		{name: "maxage without a log file", rule: "apiserver/audit-log-maxage", kind: api, want: na("writes no audit log file")},
		{name: "maxage default", rule: "apiserver/audit-log-maxage", kind: api, args: []string{"--audit-log-path=/var/log/a.log"}, want: failed(finding.Low, "--audit-log-maxage", "is 0 (files are not removed by age")},
		{name: "maxsize too small", rule: "apiserver/audit-log-maxsize", kind: api, args: []string{"--audit-log-path=/var/log/a.log", "--audit-log-maxsize=10"}, want: failed(finding.Low, "--audit-log-maxsize", "is 10 MB, below the 100")},
		{name: "maxbackup", rule: "apiserver/audit-log-maxbackup", kind: api, args: []string{"--audit-log-path=/var/log/a.log", "--audit-log-maxbackup", "10"}, want: pass("--audit-log-maxbackup 10")},
		{name: "lookup off", rule: "apiserver/service-account-lookup", kind: api, args: []string{"--service-account-lookup=false"}, want: failed(finding.Medium, "--service-account-lookup", "is false")},
		{name: "lookup default", rule: "apiserver/service-account-lookup", kind: api, want: pass("not set (default true)")},
		{name: "etcd certs", rule: "apiserver/etcd-client-certificate", kind: api, args: []string{"--etcd-certfile=/pki/e.crt", "--etcd-keyfile=/pki/e.key"}, want: pass("--etcd-certfile=/pki/e.crt", "--etcd-keyfile=/pki/e.key")},
		{name: "etcd ca", rule: "apiserver/etcd-cafile", kind: api, want: failed(finding.High, "--etcd-cafile", "not set")},
		{name: "extend token expiration default", rule: "apiserver/service-account-extend-token-expiration", kind: api, want: failed(finding.Low, "--service-account-extend-token-expiration", "default is true")},
		{name: "ciphers default", rule: "apiserver/tls-cipher-suites", kind: api, want: failed(finding.Low, "--tls-cipher-suites", "Go's default")},
		{name: "ciphers strong", rule: "apiserver/tls-cipher-suites", kind: api, args: []string{"--tls-cipher-suites=TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305"}, want: pass("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256")},
		{name: "ciphers cbc", rule: "apiserver/tls-cipher-suites", kind: api, args: []string{"--tls-cipher-suites=TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA"}, want: failed(finding.Low, "--tls-cipher-suites", "CBC suites (TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA)")},
		{name: "ciphers insecure", rule: "apiserver/tls-cipher-suites", kind: api, args: []string{"--tls-cipher-suites=TLS_RSA_WITH_AES_128_GCM_SHA256,TLS_RSA_WITH_3DES_EDE_CBC_SHA"}, want: failed(finding.Medium, "--tls-cipher-suites", "insecure suites")},
		{name: "ciphers unknown", rule: "apiserver/tls-cipher-suites", kind: api, args: []string{"--tls-cipher-suites=TLS_MADE_UP"}, want: failed(finding.Medium, "--tls-cipher-suites", "does not know (TLS_MADE_UP)")},
		{name: "insecure port open", rule: "apiserver/insecure-port", kind: api, args: []string{"--insecure-port=8080", "--insecure-bind-address=0.0.0.0"}, want: failed(finding.Critical, "--insecure-port", "anyone who reaches 0.0.0.0")},
		{name: "insecure port default on old versions", rule: "apiserver/insecure-port", kind: api, opts: &rules.Options{KubernetesVersion: "v1.19"}, want: failed(finding.Critical, "--insecure-port", "before Kubernetes 1.20")},
		{name: "insecure port gone", rule: "apiserver/insecure-port", kind: api, want: pass("--insecure-port not set")},

		{name: "no encryption", rule: "apiserver/encryption-provider-config", kind: api, want: failed(finding.High, "--encryption-provider-config", "plain text")},
		{name: "encryption file missing", rule: "apiserver/encryption-provider-config", kind: api, args: []string{"--encryption-provider-config=/etc/enc.yaml"},
			files: []*inventory.File{{Path: "/etc/enc.yaml"}}, want: failed(finding.High, "--encryption-provider-config", "/etc/enc.yaml, which --encryption-provider-config names, does not exist")},
		{name: "encryption file not read", rule: "apiserver/encryption-provider-config", kind: api, args: []string{"--encryption-provider-config=/etc/enc.yaml"},
			want: failed(finding.High, "--encryption-provider-config", "/etc/enc.yaml, which --encryption-provider-config names, was not read")},
		{name: "encryption file of the wrong kind", rule: "apiserver/encryption-provider-config", kind: api, args: []string{"--encryption-provider-config=/etc/enc.yaml"},
			files: []*inventory.File{file("/etc/enc.yaml", "apiVersion: v1\nkind: ConfigMap\n", 0o600)}, want: failed(finding.High, "--encryption-provider-config", `/etc/enc.yaml is apiVersion "v1" kind "ConfigMap"`)},
		{name: "secrets aescbc", rule: "apiserver/encryption-secrets-provider", kind: api, args: []string{"--encryption-provider-config=/etc/enc.yaml"},
			files: []*inventory.File{file("/etc/enc.yaml", encOK, 0o600)}, want: pass(`resources[0] ("secrets") providers[0]: aescbc (key k1)`)},
		{name: "secrets identity first through the core wildcard", rule: "apiserver/encryption-secrets-provider", kind: api, args: []string{"--encryption-provider-config=/etc/enc.yaml"},
			files: []*inventory.File{file("/etc/enc.yaml", encIdentityFirst, 0o600)}, want: failed(finding.High, "--encryption-provider-config", `written to etcd as plain text`, `resources[1] ("*.")`)},
		{name: "secrets kms v1", rule: "apiserver/encryption-secrets-provider", kind: api, args: []string{"--encryption-provider-config=/etc/enc.yaml"},
			files: []*inventory.File{file("/etc/enc.yaml", encKMSv1, 0o600)}, want: failed(finding.Medium, "--encryption-provider-config", "KMS v1")},
		{name: "secrets provider without the flag", rule: "apiserver/encryption-secrets-provider", kind: api, want: na("--encryption-provider-config is not set")},
		{name: "keys readable by the group", rule: "apiserver/encryption-keys-file-mode", kind: api, args: []string{"--encryption-provider-config=/etc/enc.yaml"},
			files: []*inventory.File{file("/etc/enc.yaml", encOK, 0o640)}, want: failed(finding.High, "--encryption-provider-config", "mode 0640")},
		{name: "kms only holds no keys", rule: "apiserver/encryption-keys-file-mode", kind: api, args: []string{"--encryption-provider-config=/etc/enc.yaml"},
			files: []*inventory.File{file("/etc/enc.yaml", encKMSv1, 0o644)}, want: na("no static keys")},
		{name: "mirror pod cannot see the file", rule: "apiserver/encryption-secrets-provider", kind: api, args: []string{"--encryption-provider-config=/etc/enc.yaml"},
			want: na("a cluster scan reads the mirror pod's command line only")},

		{name: "no audit policy", rule: "apiserver/audit-policy-file", kind: api, want: failed(finding.High, "--audit-policy-file", "writes no audit events at all")},
		{name: "empty audit policy", rule: "apiserver/audit-policy-file", kind: api, args: []string{"--audit-policy-file=/etc/audit.yaml"},
			files: []*inventory.File{file("/etc/audit.yaml", "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules: []\n", 0o600)}, want: failed(finding.High, "--audit-policy-file", "audit policy /etc/audit.yaml", "no rules")},
		{name: "misspelt audit field", rule: "apiserver/audit-policy-file", kind: api, args: []string{"--audit-policy-file=/etc/audit.yaml"},
			files: []*inventory.File{file("/etc/audit.yaml", goodPolicy+"omitStage: [Panic]\n", 0o600)}, want: failed(finding.Low, "--audit-policy-file", `unknown field "omitStage"`)},
		{name: "good audit policy", rule: "apiserver/audit-policy-file", kind: api, args: []string{"--audit-policy-file=/etc/audit.yaml"},
			files: []*inventory.File{file("/etc/audit.yaml", goodPolicy, 0o600)}, want: pass("3 rules in --audit-policy-file=/etc/audit.yaml")},
		{name: "secrets at metadata", rule: "apiserver/audit-secrets-metadata-only", kind: api, args: []string{"--audit-policy-file=/etc/audit.yaml"},
			files: []*inventory.File{file("/etc/audit.yaml", goodPolicy, 0o600)}, want: pass("secrets at most Metadata (rules[0] (level Metadata))")},
		{name: "secrets leaked by an earlier rule", rule: "apiserver/audit-secrets-metadata-only", kind: api, args: []string{"--audit-policy-file=/etc/audit.yaml"},
			files: []*inventory.File{file("/etc/audit.yaml", leakyPolicy, 0o600)}, want: failed(finding.High, "--audit-policy-file", "secrets are logged at RequestResponse by rules[1] (level RequestResponse)")},
		{name: "exec not logged", rule: "apiserver/audit-pod-access", kind: api, args: []string{"--audit-policy-file=/etc/audit.yaml"},
			files: []*inventory.File{file("/etc/audit.yaml", leakyPolicy, 0o600)}, want: failed(finding.Medium, "--audit-policy-file", "pods/exec are not logged: rules[0] (level None)")},
		{name: "no catch-all", rule: "apiserver/audit-catch-all", kind: api, args: []string{"--audit-policy-file=/etc/audit.yaml"},
			files: []*inventory.File{file("/etc/audit.yaml", leakyPolicy, 0o600)}, want: failed(finding.Medium, "--audit-policy-file", "requests no rule names are not logged")},
		{name: "catch-all", rule: "apiserver/audit-catch-all", kind: api, args: []string{"--audit-policy-file=/etc/audit.yaml"},
			files: []*inventory.File{file("/etc/audit.yaml", goodPolicy, 0o600)}, want: pass("other requests at Metadata (rules[2] (level Metadata))")},
		{name: "request received logged", rule: "apiserver/audit-omit-request-received", kind: api, args: []string{"--audit-policy-file=/etc/audit.yaml"},
			files: []*inventory.File{file("/etc/audit.yaml", leakyPolicy, 0o600)}, want: failed(finding.Info, "--audit-policy-file", "logged twice")},
		{name: "audit content rules without a policy", rule: "apiserver/audit-catch-all", kind: api, want: na("--audit-policy-file is not set")},
		{name: "audit content rules with a broken policy", rule: "apiserver/audit-catch-all", kind: api, args: []string{"--audit-policy-file=/etc/audit.yaml"},
			files: []*inventory.File{file("/etc/audit.yaml", "kind: Policy\n", 0o600)}, want: na("not a policy the API server accepts")},

		{name: "controller credentials default", rule: "controller-manager/use-service-account-credentials", kind: cm, want: failed(finding.Medium, "--use-service-account-credentials", "default is false")},
		{name: "controller credentials", rule: "controller-manager/use-service-account-credentials", kind: cm, args: []string{"--use-service-account-credentials=true"}, want: pass("--use-service-account-credentials=true")},
		{name: "controller manager bind default", rule: "controller-manager/bind-address", kind: cm, want: failed(finding.Medium, "--bind-address", "defaults to 0.0.0.0")},
		{name: "controller manager bind loopback", rule: "controller-manager/bind-address", kind: cm, args: []string{"--bind-address=127.0.0.1"}, want: pass("--bind-address=127.0.0.1")},
		{name: "controller manager secure port off", rule: "controller-manager/bind-address", kind: cm, args: []string{"--secure-port=0"}, want: pass("secure port is off")},
		{name: "rotation gate off", rule: "controller-manager/rotate-kubelet-server-certificate", kind: cm, args: []string{"--feature-gates=RotateKubeletServerCertificate=false"}, want: failed(finding.Low, "--feature-gates", "RotateKubeletServerCertificate=false")},
		{name: "rotation gate default", rule: "controller-manager/rotate-kubelet-server-certificate", kind: cm, want: pass("not in --feature-gates (default true)")},
		{name: "scheduler bind on an address", rule: "scheduler/bind-address", kind: sch, args: []string{"--bind-address=10.0.0.5"}, want: failed(finding.Medium, "--bind-address", "on 10.0.0.5")},
		{name: "scheduler profiling", rule: "scheduler/profiling", kind: sch, args: []string{"--profiling"}, want: failed(finding.Low, "--profiling", "--profiling is true")},
		{name: "scheduler rules on a node without one", rule: "scheduler/profiling", kind: api, want: na("No kube-scheduler was found on this node.")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			comp := component(tt.kind, tt.args...)
			if strings.HasPrefix(tt.name, "mirror pod") {
				comp.Source, comp.Path = inventory.FromMirrorPod, "kube-system/kube-apiserver-cp-1"
			}
			got := testrules.Node(t, c, tt.rule, node(comp, tt.files), tt.opts)
			// A failing rule may report several violations; the first is asserted.
			if len(got) != 1 && (len(got) == 0 || tt.want.status != finding.Fail) {
				t.Fatalf("%d verdicts, want 1: %+v", len(got), got)
			}
			v := got[0]
			if v.Status != tt.want.status {
				t.Fatalf("status %s, want %s: %+v", v.Status, tt.want.status, v)
			}
			text := v.Message
			if v.Status == finding.Pass {
				text = v.Evidence
			}
			for _, s := range tt.want.contains {
				if !strings.Contains(text, s) {
					t.Errorf("%q does not contain %q", text, s)
				}
			}
			if v.Status == finding.Fail {
				if v.Severity != tt.want.severity || v.Path != tt.want.path {
					t.Errorf("severity %s path %q, want %s %q", v.Severity, v.Path, tt.want.severity, tt.want.path)
				}
				if !strings.Contains(v.Evidence, "/proc/42/cmdline") {
					t.Errorf("evidence %q does not say where the flag was read", v.Evidence)
				}
			}
		})
	}
}

// TestEveryRuleCitesItsSource pins that each rule has a reference, and each CIS reference the
// benchmark version.
func TestEveryRuleCitesItsSource(t *testing.T) {
	for _, r := range apiserver.Rules() {
		if len(r.References) == 0 || len(r.Components) == 0 || r.Area != rules.AreaControlPlane {
			t.Errorf("%s: references %v, components %v, area %s", r.ID, r.References, r.Components, r.Area)
		}
		for _, ref := range r.References {
			if ref.Kind == "CIS" && !strings.Contains(ref.Title, "CIS Kubernetes Benchmark v1.") {
				t.Errorf("%s: CIS reference %s does not name the benchmark version", r.ID, ref.ID)
			}
		}
	}
}

// BenchmarkControlPlaneNode evaluates every rule of the package on a kubeadm-like control-plane
// node with an encryption configuration and an audit policy.
func BenchmarkControlPlaneNode(b *testing.B) {
	c := catalog(b)
	node := &inventory.Node{Host: "cp-1", Components: []*inventory.Component{
		component(api, "--advertise-address=10.0.0.1", "--allow-privileged=true", "--authorization-mode=Node,RBAC",
			"--client-ca-file=/etc/kubernetes/pki/ca.crt", "--enable-admission-plugins=NodeRestriction",
			"--encryption-provider-config=/etc/kubernetes/enc.yaml", "--audit-policy-file=/etc/kubernetes/audit.yaml",
			"--audit-log-path=/var/log/audit.log", "--etcd-cafile=/etc/kubernetes/pki/etcd/ca.crt",
			"--tls-cipher-suites=TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "--profiling=false"),
		component(cm, "--bind-address=127.0.0.1", "--use-service-account-credentials=true"),
		component(sch, "--bind-address=127.0.0.1"),
	}, Files: map[string]*inventory.File{
		"/etc/kubernetes/enc.yaml":   file("/etc/kubernetes/enc.yaml", encOK, 0o600),
		"/etc/kubernetes/audit.yaml": file("/etc/kubernetes/audit.yaml", goodPolicy, 0o600),
	}}
	inv := inventory.New()
	inv.Nodes = []*inventory.Node{node}
	b.ReportAllocs()
	for b.Loop() {
		e := c.NewEvaluation(&rules.Options{}, nil)
		_ = e.Finish(inv)
	}
}

// TestNodeTrees judges whole node trees where the API server's settings come from its flags,
// its defaults, or the files its flags name (the encryption configuration, the audit policy,
// the admission configuration); want.txt beside each says the verdicts and the flag or file
// each one names.
func TestNodeTrees(t *testing.T) {
	testrules.NodeTrees(t, testrules.Rules(t, apiserver.Rules()...), "testdata/nodes", nil)
}
