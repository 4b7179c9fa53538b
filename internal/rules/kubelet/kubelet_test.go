package kubelet_test

import (
	"io/fs"
	"strings"
	"testing"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/flags"
	"palisade.dev/palisade/internal/inventory"
	"palisade.dev/palisade/internal/kubeletconfig"
	"palisade.dev/palisade/internal/testrules"
)

const configPath = "/var/lib/kubelet/config.yaml"

// kubeletNode is a node whose kubelet runs with args and whose files are files (contents
// as KubeletConfiguration YAML bodies, without apiVersion and kind, owned by root, mode 600).
func kubeletNode(args []string, files map[string]string) *inventory.Node {
	n := &inventory.Node{Host: "node-1", Files: map[string]*inventory.File{}}
	for p, body := range files {
		n.Files[p] = &inventory.File{Path: p, Exists: true, Mode: 0o600,
			Data: []byte("apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\n" + body)}
	}
	n.Components = []*inventory.Component{{Kind: inventory.Kubelet, Source: inventory.FromProcess, Path: "/proc/42/cmdline", PID: 42,
		Args: args, Flags: flags.Parse(args, kubeletconfig.FlagSpec())}}
	return n
}

// want is the verdict a rule should give: its status and strings its message and evidence
// contain.
type want struct {
	status   finding.Status
	message  string
	evidence string
}

// first is the first of the verdicts (a failure when there is one); no verdict fails the test.
func first(t *testing.T, vs []testrules.Verdict) testrules.Verdict {
	t.Helper()
	if len(vs) == 0 {
		t.Fatal("no verdict")
	}
	return vs[0]
}

// TestKubeletSettingRulesJudgeTheEffectiveValue pins what the node trees (TestNodeTrees) do
// not: values with a meaning of their own (kubeadm's 0s timeout, weak cipher suites, an
// invalid configuration) rather than where a value came from.
func TestKubeletSettingRulesJudgeTheEffectiveValue(t *testing.T) {
	kubeadm := []string{"--kubeconfig=/etc/kubernetes/kubelet.conf", "--config=" + configPath}
	hardened := map[string]string{configPath: `
authentication: {anonymous: {enabled: false}, webhook: {enabled: true}, x509: {clientCAFile: /etc/kubernetes/pki/ca.crt}}
authorization: {mode: Webhook}
streamingConnectionIdleTimeout: 0s
rotateCertificates: true
serverTLSBootstrap: true
tlsCipherSuites: [TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384]
podPidsLimit: 4096
seccompDefault: true
protectKernelDefaults: true
`}
	flagsOnly := []string{"--kubeconfig=/etc/kubernetes/kubelet.conf", "--pod-manifest-path=/etc/kubernetes/manifests"}
	tests := []struct {
		rule  string
		args  []string
		files map[string]string
		want  want
	}{
		{"kubelet/read-only-port", kubeadm, map[string]string{configPath: "readOnlyPort: 10255\n"}, want{finding.Fail, "", "readOnlyPort=10255 (config file " + configPath + ")"}},
		// kubeadm's 0s is the unset value: the kubelet runs with 4h. Only a flag's 0 disables the timeout.
		{"kubelet/streaming-idle-timeout", kubeadm, hardened, want{finding.Pass, "", "streamingConnectionIdleTimeout=4h0m0s (default with a config file; streamingConnectionIdleTimeout=0s in " + configPath + " is the unset value)"}},
		{"kubelet/streaming-idle-timeout", append(kubeadm, "--streaming-connection-idle-timeout=0s"), hardened, want{finding.Fail, "never time out", "=0s (flag --streaming-connection-idle-timeout)"}},
		{"kubelet/make-iptables-util-chains", kubeadm, hardened, want{finding.Pass, "", "makeIPTablesUtilChains=true (default with a config file)"}},
		{"kubelet/make-iptables-util-chains", kubeadm, map[string]string{configPath: "makeIPTablesUtilChains: false\n"}, want{finding.Fail, "", "makeIPTablesUtilChains=false (config file"}},
		{"kubelet/tls-cert-file", kubeadm, hardened, want{finding.Pass, "", "serverTLSBootstrap=true"}},
		{"kubelet/tls-cert-file", flagsOnly, nil, want{finding.Fail, "self-signed", "tlsCertFile= ("}},
		{"kubelet/tls-cert-file", append(flagsOnly, "--tls-cert-file=/pki/k.crt", "--tls-private-key-file=/pki/k.key"), nil, want{finding.Pass, "", "tlsCertFile=/pki/k.crt (flag --tls-cert-file)"}},
		{"kubelet/rotate-server-certificates", kubeadm, hardened, want{finding.Pass, "", "featureGates.RotateKubeletServerCertificate=true (default of the feature gate)"}},
		{"kubelet/rotate-server-certificates", append(kubeadm, "--feature-gates=RotateKubeletServerCertificate=false"), hardened, want{finding.Fail, "", "=false (flag --feature-gates)"}},
		{"kubelet/tls-cipher-suites", kubeadm, hardened, want{finding.Pass, "", "tlsCipherSuites=TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"}},
		{"kubelet/tls-cipher-suites", flagsOnly, nil, want{finding.Fail, "Go's defaults", "tlsCipherSuites= ("}},
		{"kubelet/tls-cipher-suites", append(kubeadm, "--tls-cipher-suites=TLS_RSA_WITH_AES_128_GCM_SHA256,TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"), hardened, want{finding.Fail, "weak cipher suites: TLS_RSA_WITH_AES_128_GCM_SHA256.", "flag --tls-cipher-suites"}},
		{"kubelet/tls-cipher-suites", append(flagsOnly, "--tls-min-version=VersionTLS13"), nil, want{finding.Pass, "", "tlsMinVersion=VersionTLS13"}},
		{"kubelet/tls-min-version", append(flagsOnly, "--tls-min-version=VersionTLS11"), nil, want{finding.Fail, "VersionTLS11", "flag --tls-min-version"}},
		{"kubelet/tls-min-version", flagsOnly, nil, want{finding.Pass, "", "tlsMinVersion= ("}},
		{"kubelet/hostname-override", append(flagsOnly, "--hostname-override", "ip-10-0-1-23"), nil, want{finding.Fail, `"ip-10-0-1-23"`, "--hostname-override (flag --hostname-override)"}},
		{"kubelet/hostname-override", flagsOnly, nil, want{finding.Pass, "", "not given"}},
		{"kubelet/config-valid", kubeadm, hardened, want{finding.Pass, "", "config file " + configPath}},
		{"kubelet/config-valid", []string{"--config=/etc/missing.yaml"}, nil, want{finding.Fail, "/etc/missing.yaml: not read by the node source", "config file /etc/missing.yaml"}},
		{"kubelet/config-valid", kubeadm, map[string]string{configPath: "readOnlyPort: closed\n"}, want{finding.Fail, "invalid KubeletConfiguration", ""}},
		{"kubelet/config-valid", kubeadm, map[string]string{configPath: "readonlyport: 0\n"}, want{finding.Pass, "", `unknown field "readonlyport"`}},
	}
	for _, tt := range tests {
		t.Run(tt.rule+"/"+tt.want.evidence, func(t *testing.T) {
			got := first(t, testrules.Node(t, testrules.Builtin(t), tt.rule, kubeletNode(tt.args, tt.files), nil))
			if got.Status != tt.want.status || !strings.Contains(got.Message, tt.want.message) || !strings.Contains(got.Evidence, tt.want.evidence) {
				t.Errorf("got %s %q (evidence %q), want %s with message containing %q and evidence containing %q",
					got.Status, got.Message, got.Evidence, tt.want.status, tt.want.message, tt.want.evidence)
			}
		})
	}
}

func TestRulesUseTheConfigTheNodeSourceComputed(t *testing.T) {
	n := kubeletNode([]string{"--config=/not/read.yaml"}, nil)
	e := kubeletconfig.Resolve(flags.Parse([]string{"--anonymous-auth=false", "--read-only-port=0"}, kubeletconfig.FlagSpec()), nil)
	n.Components[0].Config = e
	if got := first(t, testrules.Node(t, testrules.Builtin(t), "kubelet/anonymous-auth", n, nil)); got.Status != finding.Pass || got.Evidence != "authentication.anonymous.enabled=false (flag --anonymous-auth)" {
		t.Errorf("got %+v", got)
	}
}

func TestKubeletFileRules(t *testing.T) {
	const kubeconfig = "/etc/kubernetes/kubelet.conf"
	args := []string{"--kubeconfig=" + kubeconfig, "--config=" + configPath, "--config-dir=/etc/kubernetes/kubelet.conf.d"}
	file := func(mode fs.FileMode, uid, gid int) *inventory.File {
		return &inventory.File{Exists: true, Mode: mode, UID: uid, GID: gid, Data: []byte("apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\n")}
	}
	tests := []struct {
		name  string
		rule  string
		args  []string
		files map[string]*inventory.File
		want  want
		fails int
	}{
		{"kubeconfig 600 root", "kubelet/kubeconfig-permissions", args, map[string]*inventory.File{kubeconfig: file(0o600, 0, 0)}, want{finding.Pass, "", kubeconfig + " mode 600"}, 0},
		{"kubeconfig 400 is stricter", "kubelet/kubeconfig-permissions", args, map[string]*inventory.File{kubeconfig: file(0o400, 0, 0)}, want{finding.Pass, "", "mode 400"}, 0},
		{"kubeconfig 644", "kubelet/kubeconfig-permissions", args, map[string]*inventory.File{kubeconfig: file(0o644, 0, 0)}, want{finding.Fail, "mode 644, more permissive than 600", kubeconfig + " mode 644"}, 1},
		{"kubeconfig missing", "kubelet/kubeconfig-permissions", args, nil, want{finding.NotApplicable, "not on this node: " + kubeconfig, ""}, 0},
		{"no kubeconfig flag", "kubelet/kubeconfig-ownership", []string{"--config=" + configPath}, nil, want{finding.NotApplicable, "standalone", ""}, 0},
		{"kubeconfig owned by a user", "kubelet/kubeconfig-ownership", args, map[string]*inventory.File{kubeconfig: file(0o600, 1000, 0)}, want{finding.Fail, "owned by 1000:0", "owner 1000:0"}, 1},
		{"config and drop-ins judged each", "kubelet/config-file-permissions", args, map[string]*inventory.File{
			configPath: file(0o600, 0, 0), "/etc/kubernetes/kubelet.conf.d": {Exists: true, IsDir: true, Mode: fs.ModeDir | 0o755, Entries: []string{"10-a.conf", "20-b.conf"}},
			"/etc/kubernetes/kubelet.conf.d/10-a.conf": file(0o666, 0, 0), "/etc/kubernetes/kubelet.conf.d/20-b.conf": file(0o640, 0, 0),
		}, want{finding.Fail, "10-a.conf has mode 666", ""}, 2},
		{"config owned by root", "kubelet/config-file-ownership", args, map[string]*inventory.File{
			configPath: file(0o600, 0, 0), "/etc/kubernetes/kubelet.conf.d": {Exists: true, IsDir: true},
		}, want{finding.Pass, "", configPath + " owner 0:0"}, 0},
		{"flags only", "kubelet/config-file-ownership", []string{"--kubeconfig=" + kubeconfig}, nil, want{finding.NotApplicable, "no config file", ""}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := kubeletNode(tt.args, nil)
			for p, f := range tt.files {
				f.Path = p
				n.Files[p] = f
			}
			vs := testrules.Node(t, testrules.Builtin(t), tt.rule, n, nil)
			got := first(t, vs)
			if got.Status != tt.want.status || !strings.Contains(got.Message, tt.want.message) || !strings.Contains(got.Evidence, tt.want.evidence) {
				t.Errorf("got %s %q (evidence %q), want %s %q %q", got.Status, got.Message, got.Evidence, tt.want.status, tt.want.message, tt.want.evidence)
			}
			fails := 0
			for _, v := range vs {
				if v.Status == finding.Fail {
					fails++
				}
			}
			if fails != tt.fails {
				t.Errorf("%d failures, want %d", fails, tt.fails)
			}
		})
	}
}

func TestNoKubeletIsNotApplicable(t *testing.T) {
	n := &inventory.Node{Host: "k3s-1", Components: []*inventory.Component{{Kind: inventory.K3sServer, Flags: flags.Parse(nil, nil)}}}
	for _, id := range []string{"kubelet/anonymous-auth", "kubelet/config-file-permissions"} {
		if got := first(t, testrules.Node(t, testrules.Builtin(t), id, n, nil)); got.Status != finding.NotApplicable {
			t.Errorf("%s on a k3s node: %+v", id, got)
		}
	}
}

// TestNodeTrees judges whole node trees, one per source of the kubelet's settings: its
// --config file, flags over that file, a drop-in of --config-dir over it, the file's
// defaults and the flags' defaults; want.txt beside each says the verdicts and the source each
// one names.
func TestNodeTrees(t *testing.T) {
	testrules.NodeTrees(t, testrules.Builtin(t), "testdata/nodes", nil)
}
