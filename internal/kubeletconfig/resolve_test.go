package kubeletconfig

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"palisade.dev/palisade/internal/flags"
	"palisade.dev/palisade/internal/inventory"
)

// rootFS reads files as a node source would with --root dir: paths on the node are looked up
// under dir.
func rootFS(t testing.TB, dir string) func(string) *inventory.File {
	return func(p string) *inventory.File {
		f := &inventory.File{Path: p}
		full := filepath.Join(dir, filepath.FromSlash(p))
		st, err := os.Stat(full)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			return f
		case err != nil:
			f.Exists, f.Err = true, err.Error()
			return f
		}
		f.Exists, f.Mode, f.IsDir = true, st.Mode(), st.IsDir()
		if f.IsDir {
			entries, err := os.ReadDir(full)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range entries {
				f.Entries = append(f.Entries, e.Name())
			}
			return f
		}
		if f.Data, err = os.ReadFile(full); err != nil {
			t.Fatal(err)
		}
		return f
	}
}

func parse(args ...string) *flags.Set { return flags.Parse(args, FlagSpec()) }

// want is one expected effective value: its text and its source.
type want struct {
	value string
	kind  SourceKind
	where string // a substring of Source.Where; "" checks nothing
}

func TestResolveComputesEffectiveValuesAndWhereTheyCameFrom(t *testing.T) {
	const (
		kubeadmConfig = "/var/lib/kubelet/config.yaml"
		eksConfig     = "/etc/kubernetes/kubelet/config.json"
		eksDropIns    = "/etc/kubernetes/kubelet/config.json.d"
		gkeConfig     = "/home/kubernetes/kubelet-config.yaml"
	)
	kubeadmArgs := []string{"--bootstrap-kubeconfig=/etc/kubernetes/bootstrap-kubelet.conf", "--kubeconfig=/etc/kubernetes/kubelet.conf",
		"--config=" + kubeadmConfig, "--container-runtime-endpoint=unix:///var/run/containerd/containerd.sock", "--pod-infra-container-image=registry.k8s.io/pause:3.10"}
	tests := []struct {
		name       string
		root       string
		args       []string
		flagsOnly  bool
		dropIns    []string
		want       map[string]want
		errs, warn []string
	}{
		{
			name: "kubeadm: zero durations in the file are unset, the defaults of a config file apply",
			root: "kubeadm", args: kubeadmArgs,
			want: map[string]want{
				"authentication.anonymous.enabled":            {"false", File, kubeadmConfig},
				"authentication.webhook.enabled":              {"true", File, kubeadmConfig},
				"authentication.webhook.cacheTTL":             {"2m0s", Default, "cacheTTL=0s in " + kubeadmConfig + " is the unset value"},
				"authentication.x509.clientCAFile":            {"/etc/kubernetes/pki/ca.crt", File, kubeadmConfig},
				"authorization.mode":                          {"Webhook", File, kubeadmConfig},
				"readOnlyPort":                                {"0", Default, "default with a config file"},
				"streamingConnectionIdleTimeout":              {"4h0m0s", Default, "streamingConnectionIdleTimeout=0s in " + kubeadmConfig},
				"containerRuntimeEndpoint":                    {"unix:///var/run/containerd/containerd.sock", Flag, "--container-runtime-endpoint"},
				"rotateCertificates":                          {"true", File, kubeadmConfig},
				"serverTLSBootstrap":                          {"false", Default, "default with a config file"},
				"protectKernelDefaults":                       {"false", Default, ""},
				"makeIPTablesUtilChains":                      {"true", Default, ""},
				"eventRecordQPS":                              {"50", Default, ""},
				"podPidsLimit":                                {"-1", Default, ""},
				"seccompDefault":                              {"false", Default, ""},
				"tlsCertFile":                                 {"", Default, ""},
				"tlsCipherSuites":                             {"", Default, ""},
				"clusterDNS":                                  {"10.96.0.10", File, kubeadmConfig},
				"healthzPort":                                 {"10248", File, kubeadmConfig},
				"port":                                        {"10250", Default, ""},
				"address":                                     {"0.0.0.0", Default, ""},
				"featureGates.RotateKubeletServerCertificate": {"true", Default, "feature gate"},
			},
		},
		{
			name: "EKS AL2023: JSON config, drop-ins merged over it in name order, flags over both",
			root: "eks-al2023",
			args: []string{"--config=" + eksConfig, "--config-dir=" + eksDropIns, "--kubeconfig=/var/lib/kubelet/kubeconfig",
				"--image-credential-provider-bin-dir=/etc/eks/image-credential-provider", "--node-ip=10.0.1.23",
				"--hostname-override=ip-10-0-1-23.us-west-2.compute.internal", "--cloud-provider=external"},
			dropIns: []string{eksDropIns + "/40-nodeadm.conf", eksDropIns + "/50-hardening.conf"},
			want: map[string]want{
				"authentication.anonymous.enabled": {"false", File, eksConfig},
				"authorization.mode":               {"Webhook", File, eksConfig},
				"readOnlyPort":                     {"0", File, eksConfig},
				"maxPods":                          {"58", DropIn, "40-nodeadm.conf"},
				"kubeReserved":                     {"cpu=70m,ephemeral-storage=1Gi,memory=893Mi", DropIn, "40-nodeadm.conf"},
				"kubeReserved.cpu":                 {"70m", File, eksConfig},
				"podPidsLimit":                     {"4096", DropIn, "50-hardening.conf"},
				"streamingConnectionIdleTimeout":   {"5m0s", DropIn, "50-hardening.conf"},
				"seccompDefault":                   {"true", DropIn, "50-hardening.conf"},
				"tlsMinVersion":                    {"VersionTLS12", DropIn, "50-hardening.conf"},
				"serverTLSBootstrap":               {"true", File, eksConfig},
				"protectKernelDefaults":            {"true", File, eksConfig},
				"featureGates.RotateKubeletServerCertificate": {"true", File, eksConfig},
				"evictionHard": {"memory.available=100Mi,nodefs.available=10%,nodefs.inodesFree=5%", File, eksConfig},
				"tlsCipherSuites": {"TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305," +
					"TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305,TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", File, eksConfig},
			},
			warn: []string{"config.json.d/README: skipped, the kubelet reads only *.conf files"},
		},
		{
			name: "GKE: YAML config with the read-only port open; --config given as two arguments",
			root: "gke",
			args: []string{"--v=2", "--cloud-provider=external", "--cert-dir=/var/lib/kubelet/pki/", "--kubeconfig=/var/lib/kubelet/kubeconfig",
				"--max-pods=110", "--volume-plugin-dir=/home/kubernetes/flexvolume", "--registry-qps=10", "--registry-burst=20",
				"--config", gkeConfig},
			want: map[string]want{
				"readOnlyPort":                     {"10255", File, gkeConfig},
				"authentication.anonymous.enabled": {"false", File, gkeConfig},
				"authorization.mode":               {"Webhook", File, gkeConfig},
				"rotateCertificates":               {"false", Default, "default with a config file"},
				"serverTLSBootstrap":               {"true", File, gkeConfig},
				"maxPods":                          {"110", Flag, "--max-pods"},
				"registryPullQPS":                  {"10", Flag, "--registry-qps"},
				"volumePluginDir":                  {"/home/kubernetes/flexvolume", Flag, "--volume-plugin-dir"},
				"authentication.webhook.cacheTTL":  {"2m0s", Default, "default with a config file"},
			},
		},
		{
			name:      "flags only: the legacy defaults open the kubelet API",
			root:      "kubeadm",
			args:      []string{"--kubeconfig=/etc/kubernetes/kubelet.conf", "--pod-manifest-path=/etc/kubernetes/manifests", "--client-ca-file=/etc/kubernetes/pki/ca.crt"},
			flagsOnly: true,
			want: map[string]want{
				"authentication.anonymous.enabled": {"true", Default, "default for a kubelet run with flags only"},
				"authentication.webhook.enabled":   {"false", Default, "default for a kubelet run with flags only"},
				"authorization.mode":               {"AlwaysAllow", Default, "default for a kubelet run with flags only"},
				"readOnlyPort":                     {"10255", Default, "default for a kubelet run with flags only"},
				"authentication.x509.clientCAFile": {"/etc/kubernetes/pki/ca.crt", Flag, "--client-ca-file"},
				"staticPodPath":                    {"/etc/kubernetes/manifests", Flag, "--pod-manifest-path"},
				"streamingConnectionIdleTimeout":   {"4h0m0s", Default, "flags only"},
				"makeIPTablesUtilChains":           {"true", Default, "flags only"},
			},
		},
		{
			name: "flags override the file, last occurrence wins, a flag's zero stays zero",
			root: "kubeadm",
			args: append(slices.Clone(kubeadmArgs), "--anonymous-auth", "--read-only-port=10255", "--read-only-port", "0x2817",
				"--streaming-connection-idle-timeout=0", "--authorization-mode=AlwaysAllow", "--event-qps=0",
				"--feature-gates=RotateKubeletServerCertificate=false", "--tls-cipher-suites=TLS_RSA_WITH_RC4_128_SHA",
				"--tls-cipher-suites=TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "--make_iptables_util_chains=false", "--pod-max-pids=1024"),
			want: map[string]want{
				"authentication.anonymous.enabled":            {"true", Flag, "--anonymous-auth"},
				"readOnlyPort":                                {"10263", Flag, "--read-only-port"},
				"streamingConnectionIdleTimeout":              {"0s", Flag, "--streaming-connection-idle-timeout"},
				"authorization.mode":                          {"AlwaysAllow", Flag, "--authorization-mode"},
				"eventRecordQPS":                              {"0", Flag, "--event-qps"},
				"featureGates.RotateKubeletServerCertificate": {"false", Flag, "--feature-gates"},
				"tlsCipherSuites":                             {"TLS_RSA_WITH_RC4_128_SHA,TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", Flag, "--tls-cipher-suites"},
				"makeIPTablesUtilChains":                      {"false", Flag, "--make-iptables-util-chains"},
				"podPidsLimit":                                {"1024", Flag, "--pod-max-pids"},
				"authentication.webhook.enabled":              {"true", File, kubeadmConfig},
			},
		},
		{
			name:      "--config-dir without --config: drop-ins over the flags-only defaults",
			root:      "eks-al2023",
			args:      []string{"--config-dir=" + eksDropIns},
			flagsOnly: true,
			dropIns:   []string{eksDropIns + "/40-nodeadm.conf", eksDropIns + "/50-hardening.conf"},
			want: map[string]want{
				"authentication.anonymous.enabled": {"true", Default, "default for a kubelet run without --config"},
				"maxPods":                          {"58", DropIn, "40-nodeadm.conf"},
				"seccompDefault":                   {"true", DropIn, "50-hardening.conf"},
			},
			warn: []string{"README: skipped"},
		},
		{
			name:    "--seccomp-default=false does not turn a file's seccompDefault off",
			root:    "eks-al2023",
			args:    []string{"--config=" + eksConfig, "--config-dir=" + eksDropIns, "--seccomp-default=false"},
			dropIns: []string{eksDropIns + "/40-nodeadm.conf", eksDropIns + "/50-hardening.conf"},
			want: map[string]want{
				"seccompDefault": {"true", DropIn, "50-hardening.conf"},
			},
			warn: []string{"README: skipped"},
		},
		{
			name: "a malformed config file is an error naming it; defaults of a config file apply",
			root: "broken", args: []string{"--config=/etc/kubelet/malformed.yaml"},
			want: map[string]want{"authentication.anonymous.enabled": {"false", Default, "default with a config file"}},
			errs: []string{"config file /etc/kubelet/malformed.yaml: malformed YAML or JSON"},
		},
		{
			name: "a config file of the wrong kind is refused",
			root: "broken", args: []string{"--config=/etc/kubelet/proxy.yaml"},
			want: map[string]want{"authorization.mode": {"Webhook", Default, ""}},
			errs: []string{"config file /etc/kubelet/proxy.yaml: apiVersion kubeproxy.config.k8s.io/v1alpha1, kind KubeProxyConfiguration: the kubelet reads only apiVersion kubelet.config.k8s.io/v1beta1, kind KubeletConfiguration"},
		},
		{
			name: "a value of the wrong type is refused",
			root: "broken", args: []string{"--config=/etc/kubelet/wrongtype.yaml"},
			want: map[string]want{"readOnlyPort": {"0", Default, ""}},
			errs: []string{"config file /etc/kubelet/wrongtype.yaml: invalid KubeletConfiguration"},
		},
		{
			name: "unknown and wrongly cased fields are ignored with a warning; relative paths resolve against the file",
			root: "broken", args: []string{"--config=/etc/kubelet/unknown.yaml"},
			want: map[string]want{
				"readOnlyPort":      {"0", File, "/etc/kubelet/unknown.yaml"}, // ReadOnlyPort: 10255 is not this field
				"tlsCertFile":       {"/etc/kubelet/pki/kubelet.crt", File, "/etc/kubelet/unknown.yaml"},
				"tlsPrivateKeyFile": {"/etc/kubelet/pki/kubelet.key", File, "/etc/kubelet/unknown.yaml"},
			},
			warn: []string{`unknown field "ReadOnlyPort"`, `unknown field "anonymousAuth"`},
		},
		{
			name: "missing and empty files, a bad flag",
			root: "broken", args: []string{"--config=/etc/kubelet/empty.yaml", "--config-dir=/etc/kubelet/none.d", "--anonymous-auth=maybe"},
			want: map[string]want{"authentication.anonymous.enabled": {"false", Default, "default with a config file"}},
			errs: []string{"config file /etc/kubelet/empty.yaml: the file is empty", "config dir /etc/kubelet/none.d: no such directory",
				"flag --anonymous-auth=maybe: not a boolean"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := Resolve(parse(tt.args...), rootFS(t, filepath.Join("testdata", tt.root)))
			if e.FlagsOnly != tt.flagsOnly {
				t.Errorf("FlagsOnly = %v, want %v", e.FlagsOnly, tt.flagsOnly)
			}
			if !slices.Equal(e.DropIns, tt.dropIns) {
				t.Errorf("DropIns = %q, want %q", e.DropIns, tt.dropIns)
			}
			for p, w := range tt.want {
				got := e.Get(p)
				if got.Value != w.value || got.Source.Kind != w.kind || !strings.Contains(got.Source.Where, w.where) {
					t.Errorf("%s = %q from %s %q, want %q from %s containing %q", p, got.Value, got.Source.Kind, got.Source.Where, w.value, w.kind, w.where)
				}
				if got.Set != (w.kind != Default) {
					t.Errorf("%s: Set = %v with source %s", p, got.Set, got.Source.Kind)
				}
			}
			checkMessages(t, "error", e.Errors, tt.errs)
			checkMessages(t, "warning", e.Warnings, tt.warn)
		})
	}
}

// checkMessages checks that every wanted message is a substring of one got, and that nothing
// else was reported.
func checkMessages(t *testing.T, what string, got, want []string) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%d %ss %q, want %d like %q", len(got), what, got, len(want), want)
	}
	for _, w := range want {
		if !slices.ContainsFunc(got, func(g string) bool { return strings.Contains(g, w) }) {
			t.Errorf("no %s contains %q; got %q", what, w, got)
		}
	}
}

func TestFieldStringIsEvidence(t *testing.T) {
	e := Resolve(parse("--kubeconfig=/etc/kubernetes/kubelet.conf"), nil)
	if got, want := e.Get("authentication.anonymous.enabled").String(), "authentication.anonymous.enabled=true (default for a kubelet run with flags only)"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	e = Resolve(parse("--anonymous-auth=false"), nil)
	if got, want := e.Get("authentication.anonymous.enabled").String(), "authentication.anonymous.enabled=false (flag --anonymous-auth)"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestGetOfAFieldWithoutAModelledDefault(t *testing.T) {
	e := Resolve(parse(), nil)
	f := e.Get("shutdownGracePeriod")
	if f.Set || f.Known || f.Value != "" || f.Source.Kind != Default {
		t.Errorf("got %+v", f)
	}
	if f := e.Get("featureGates.SomethingNew"); f.Known {
		t.Errorf("unknown gate reported as known: %+v", f)
	}
}

func TestDropInMergePatchReplacesListsAndRemovesWithNull(t *testing.T) {
	files := map[string]*inventory.File{
		"/c.yaml":          {Exists: true, Data: []byte("apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nclusterDNS: [10.0.0.10, 10.0.0.11]\nreadOnlyPort: 10255\nfeatureGates: {A: true, B: false}\n")},
		"/d":               {Exists: true, IsDir: true, Entries: []string{"20-b.conf", "10-a.conf", "sub"}},
		"/d/10-a.conf":     {Exists: true, Data: []byte(`{"apiVersion":"kubelet.config.k8s.io/v1beta1","kind":"KubeletConfiguration","clusterDNS":["10.0.0.12"],"featureGates":{"A":null}}`)},
		"/d/20-b.conf":     {Exists: true, Data: []byte("apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nreadOnlyPort: null\n")},
		"/d/sub":           {Exists: true, IsDir: true, Entries: []string{"30-c.conf"}},
		"/d/sub/30-c.conf": {Exists: true, Data: []byte("apiVersion: kubelet.config.k8s.io/v1\nkind: KubeletConfiguration\n")},
	}
	e := Resolve(parse("--config=/c.yaml", "--config-dir=/d"), func(p string) *inventory.File { return files[p] })
	if got := e.Get("clusterDNS"); got.Value != "10.0.0.12" || got.Source.Where != "/d/10-a.conf" {
		t.Errorf("clusterDNS = %+v", got)
	}
	if got := e.Get("featureGates"); got.Value != "B=false" || got.Source.Kind != File {
		t.Errorf("featureGates = %+v", got)
	}
	if got := e.Get("readOnlyPort"); got.Value != "0" || got.Source.Kind != Default {
		t.Errorf("readOnlyPort = %+v", got)
	}
	if want := []string{"/d/10-a.conf", "/d/20-b.conf"}; !slices.Equal(e.DropIns, want) {
		t.Errorf("DropIns = %q, want %q", e.DropIns, want)
	}
	checkMessages(t, "error", e.Errors, []string{"drop-in /d/sub/30-c.conf: apiVersion kubelet.config.k8s.io/v1, kind KubeletConfiguration"})
}

// TestFlagSpecAgreesWithTheKubeletComponentSpec pins that the flags this package reads are
// parsed with the kinds the node source parses the kubelet's command line with.
func TestFlagSpecAgreesWithTheKubeletComponentSpec(t *testing.T) {
	theirs := flags.ComponentSpec(string(inventory.Kubelet))
	for name, kind := range FlagSpec() {
		if theirs[name] != kind {
			t.Errorf("--%s: kind %v here, %v in flags.ComponentSpec", name, kind, theirs[name])
		}
	}
}
