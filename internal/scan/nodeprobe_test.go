package scan_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"palisade.dev/palisade/internal/flags"
	"palisade.dev/palisade/internal/inventory"
	"palisade.dev/palisade/internal/kubeletconfig"
	"palisade.dev/palisade/internal/probe"
	"palisade.dev/palisade/internal/probe/apiserver"
	"palisade.dev/palisade/internal/probe/conn"
	"palisade.dev/palisade/internal/probe/etcd"
	"palisade.dev/palisade/internal/probe/kubelet"
	"palisade.dev/palisade/internal/probe/tlsscan"
	"palisade.dev/palisade/internal/rules"
	"palisade.dev/palisade/internal/rules/builtin"
	"palisade.dev/palisade/internal/scan"
	"palisade.dev/palisade/internal/source/node"
	"palisade.dev/palisade/internal/testcluster"
)

// component is a component as the node source reads it: its flags parsed as the component
// parses them, its environment, and the kubelet's effective configuration over files.
func component(kind inventory.ComponentKind, args []string, env map[string]string, files map[string]string) *inventory.Component {
	c := &inventory.Component{Kind: kind, Source: inventory.FromProcess, Path: "/proc/1/cmdline", Args: args,
		Flags: flags.Parse(args, flags.ComponentSpec(string(kind))), Env: env}
	if kind == inventory.Kubelet {
		c.Config = kubeletconfig.Resolve(c.Flags, func(p string) *inventory.File {
			if data, ok := files[p]; ok {
				return &inventory.File{Path: p, Exists: true, Data: []byte(data)}
			}
			return &inventory.File{Path: p}
		})
	}
	return c
}

// TestNodeTargetsComeFromTheComponentsOwnSettings pins which endpoints each component's
// settings give, where an unspecified address is asked, and what is left out.
func TestNodeTargetsComeFromTheComponentsOwnSettings(t *testing.T) {
	const kubeletConfig = "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nport: 10350\n"
	const etcdConfig = "name: default\nlisten-client-urls: https://10.0.0.5:2379\nlisten-peer-urls: https://10.0.0.5:2380\n"
	tests := []struct {
		name  string
		comps []*inventory.Component
		files map[string]string // the node's files the source read
		want  []string          // component host:port, in order
		from  []string          // a part of each From, in order ("" to skip)
		err   string
	}{
		{name: "a kubelet run with flags only serves its read-only port too",
			comps: []*inventory.Component{component(inventory.Kubelet, []string{"--port=10251"}, nil, nil)},
			want:  []string{"kubelet 127.0.0.1:10251", "kubelet-read-only 127.0.0.1:10255"},
			from:  []string{"port=10251 (flag --port)", "readOnlyPort=10255 (default for a kubelet run with flags only)"}},
		{name: "a kubelet with a config file has its read-only port off, and its address is probed as given",
			comps: []*inventory.Component{component(inventory.Kubelet, []string{"--config=/c.yaml", "--address=10.0.0.5"}, nil, map[string]string{"/c.yaml": kubeletConfig})},
			want:  []string{"kubelet 10.0.0.5:10350"},
			from:  []string{"port=10350 (config file /c.yaml), address=10.0.0.5 (flag --address)"}},
		{name: "a kubelet whose effective configuration the source did not compute: resolved as the kubelet rules resolve it",
			comps: []*inventory.Component{{Kind: inventory.Kubelet, Source: inventory.FromProcess, Path: "/proc/1/cmdline",
				Flags: flags.Parse([]string{"--config=/c.yaml"}, flags.ComponentSpec("kubelet"))}},
			files: map[string]string{"/c.yaml": kubeletConfig},
			want:  []string{"kubelet 127.0.0.1:10350"},
			from:  []string{"port=10350 (config file /c.yaml)"}},
		{name: "etcd's listen URLs from its environment and flags, unix sockets left out",
			comps: []*inventory.Component{component(inventory.Etcd, []string{"--listen-peer-urls=http://[::]:2380"},
				map[string]string{"ETCD_LISTEN_CLIENT_URLS": "https://0.0.0.0:2379, unix://etcd.sock,http://10.0.0.7:4001"}, nil)},
			want: []string{"etcd 127.0.0.1:2379", "etcd 10.0.0.7:4001", "etcd-peer 127.0.0.1:2380"},
			from: []string{"environment ETCD_LISTEN_CLIENT_URLS=https://0.0.0.0:2379, probed on 127.0.0.1", "", "flag --listen-peer-urls=http://[::]:2380"}},
		{name: "etcd's config file alone, its flags and variables ignored as etcd ignores them",
			comps: []*inventory.Component{component(inventory.Etcd, []string{"--config-file=/etc/etcd/etcd.yaml", "--listen-client-urls=http://127.0.0.1:4001"},
				map[string]string{"ETCD_LISTEN_PEER_URLS": "http://127.0.0.1:4002"}, nil)},
			files: map[string]string{"/etc/etcd/etcd.yaml": etcdConfig},
			want:  []string{"etcd 10.0.0.5:2379", "etcd-peer 10.0.0.5:2380"},
			from:  []string{"etcd config file /etc/etcd/etcd.yaml listen-client-urls=https://10.0.0.5:2379", "etcd config file /etc/etcd/etcd.yaml listen-peer-urls=https://10.0.0.5:2380"}},
		{name: "etcd's config file named by ETCD_CONFIG_FILE, without listen URLs: etcd's defaults",
			comps: []*inventory.Component{component(inventory.Etcd, []string{"--listen-client-urls=http://127.0.0.1:4001"}, map[string]string{"ETCD_CONFIG_FILE": "/etc/etcd.yaml"}, nil)},
			files: map[string]string{"/etc/etcd.yaml": "name: default\ndata-dir: /var/lib/etcd\n"},
			want:  []string{"etcd localhost:2379", "etcd-peer localhost:2380"},
			from:  []string{"etcd's default --listen-client-urls", "etcd's default --listen-peer-urls"}},
		{name: "etcd's config file not read: no endpoint guessed, an error",
			comps: []*inventory.Component{component(inventory.Etcd, []string{"--config-file=/etc/etcd/etcd.yaml"}, nil, nil)},
			err:   "etcd reads its settings from /etc/etcd/etcd.yaml only"},
		{name: "etcd's HTTP-only client URLs serve clients too",
			comps: []*inventory.Component{component(inventory.Etcd, []string{"--listen-client-urls=https://127.0.0.1:2379", "--listen-client-http-urls=http://127.0.0.1:2381"}, nil, nil)},
			want:  []string{"etcd 127.0.0.1:2379", "etcd 127.0.0.1:2381", "etcd-peer localhost:2380"},
			from:  []string{"", "flag --listen-client-http-urls=http://127.0.0.1:2381", ""}},
		{name: "etcd's defaults",
			comps: []*inventory.Component{component(inventory.Etcd, nil, nil, nil)},
			want:  []string{"etcd localhost:2379", "etcd-peer localhost:2380"},
			from:  []string{"etcd's default --listen-client-urls", "etcd's default --listen-peer-urls"}},
		{name: "the API server's defaults",
			comps: []*inventory.Component{component(inventory.KubeAPIServer, []string{"--etcd-servers=http://127.0.0.1:2379"}, nil, nil)},
			want:  []string{"kube-apiserver 127.0.0.1:6443"},
			from:  []string{"--secure-port=6443 (default), --bind-address=0.0.0.0 (default), probed on 127.0.0.1"}},
		{name: "the API server's legacy insecure port, its secure port off",
			comps: []*inventory.Component{component(inventory.KubeAPIServer, []string{"--secure-port=0", "--insecure-port=8080", "--insecure-bind-address=0.0.0.0"}, nil, nil)},
			want:  []string{"kube-apiserver-insecure 127.0.0.1:8080"},
			from:  []string{"flag --insecure-port=8080"}},
		{name: "an insecure port of 0 is off",
			comps: []*inventory.Component{component(inventory.KubeAPIServer, []string{"--insecure-port=0", "--bind-address=192.168.1.2", "--secure-port=443"}, nil, nil)},
			want:  []string{"kube-apiserver 192.168.1.2:443"}},
		{name: "one address served twice is probed once, components without a prober not at all",
			comps: []*inventory.Component{
				component(inventory.Etcd, []string{"--listen-client-urls=http://127.0.0.1:2379,http://127.0.0.1:2379", "--listen-peer-urls=unix://peer"}, nil, nil),
				component(inventory.KubeScheduler, []string{"--secure-port=10259"}, nil, nil),
			},
			want: []string{"etcd 127.0.0.1:2379"}},
		{name: "a listen URL etcd would refuse is an error, the others are probed",
			comps: []*inventory.Component{component(inventory.Etcd, []string{"--listen-client-urls=tcp://127.0.0.1:2379,http://127.0.0.1", "--listen-peer-urls=http://127.0.0.1:2380"}, nil, nil)},
			want:  []string{"etcd-peer 127.0.0.1:2380"},
			err:   `--listen-client-urls "tcp://127.0.0.1:2379": scheme "tcp": want http or https; --listen-client-urls "http://127.0.0.1": want host:port`},
		{name: "a secure port that is no port is an error",
			comps: []*inventory.Component{component(inventory.KubeAPIServer, []string{"--secure-port=https"}, nil, nil)},
			err:   `--secure-port "https": want a port`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n := &inventory.Node{Host: "n1", Components: tc.comps, Files: map[string]*inventory.File{}}
			for p, data := range tc.files {
				n.Files[p] = &inventory.File{Path: p, Exists: true, Data: []byte(data)}
			}
			targets, errs := scan.NodeTargets(n)
			var got []string
			for _, tg := range targets {
				got = append(got, tg.Component+" "+tg.Address())
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("targets %q, want %q", got, tc.want)
			}
			for i, part := range tc.from {
				if i < len(targets) && !strings.Contains(targets[i].From, part) {
					t.Errorf("target %d from %q, want it to contain %q", i, targets[i].From, part)
				}
			}
			switch {
			case tc.err == "" && len(errs) > 0:
				t.Errorf("errors %v", errs)
			case tc.err != "" && (len(errs) != 1 || !strings.Contains(errs[0].Message, tc.err) || errs[0].Location.Host != "n1"):
				t.Errorf("errors %v, want one containing %q", errs, tc.err)
			}
		})
	}
}

// FuzzNodeTargets derives endpoints from arbitrary etcd listen URLs and API server ports:
// never a panic, and every endpoint a port in range, on a host that is not unspecified.
func FuzzNodeTargets(f *testing.F) {
	for _, s := range [][3]string{
		{"http://127.0.0.1:2379", "https://[::]:2380", "6443"},
		{"unix://sock,https://0.0.0.0:0", "http://:2380", "0"},
		{"http://[::1:2379", "http://host:99999", "-1"},
		{",,, ", "https://user@h:1/p?q", "65535"},
	} {
		f.Add(s[0], s[1], s[2])
	}
	f.Fuzz(func(t *testing.T, client, peer, securePort string) {
		n := &inventory.Node{Components: []*inventory.Component{
			component(inventory.Etcd, []string{"--listen-client-urls=" + client}, map[string]string{"ETCD_LISTEN_PEER_URLS": peer}, nil),
			component(inventory.KubeAPIServer, []string{"--secure-port=" + securePort}, nil, nil),
		}}
		targets, _ := scan.NodeTargets(n)
		seen := map[string]bool{}
		for _, tg := range targets {
			if tg.Port < 1 || tg.Port > 65535 || tg.Host == "" || tg.Host == "0.0.0.0" || tg.Host == "::" || tg.Of == nil || tg.From == "" {
				t.Fatalf("target %+v", tg)
			}
			if seen[tg.Address()] {
				t.Fatalf("%s listed twice", tg.Address())
			}
			seen[tg.Address()] = true
		}
	})
}

// readOnlyProbe is what palisade node --probe runs: palisade probe's probers and TLS posture
// scan, read-only.
func readOnlyProbe() *scan.NodeProbe {
	return &scan.NodeProbe{
		Request: probe.Request{
			Timeout: 5 * time.Second, Deadline: time.Minute,
			Active: true, // a node audit must not pass this on
			Probers: map[string]probe.Prober{
				probe.Kubelet: kubelet.Probe, probe.KubeletReadOnly: kubelet.Probe,
				probe.APIServer: apiserver.Probe, probe.APIServerInsecure: apiserver.Probe,
			},
			Posture: tlsscan.Scan,
		},
		Etcd: func(prefix string) probe.Prober { return etcd.Options{Prefix: prefix}.Probe },
	}
}

// verdictAt is a rule's verdict on the object of kind and name: "fail", "pass",
// "not-applicable", or "" when it was not evaluated there.
func verdictAt(res *scan.NodeResult, rule, kind, name string) string {
	for _, f := range res.Findings {
		if f.RuleID == rule && f.Object.Kind == kind && f.Object.Name == name {
			return "fail"
		}
	}
	for _, f := range res.Passed {
		if f.RuleID == rule && f.Object.Kind == kind && f.Object.Name == name {
			return string(f.Status)
		}
	}
	return ""
}

// TestNodeProbeProvesTheHollowKubeletsFlags audits the hollow kubelet with --probe: its
// anonymous-auth default is a failure read from its flags, and its own API, asked on the port
// its flags name, proves it by answering anonymous callers; the read-only port likewise.
func TestNodeProbeProvesTheHollowKubeletsFlags(t *testing.T) {
	c := testcluster.New(t, testcluster.Options{Kubelet: true})
	catalog, err := builtin.Catalog()
	if err != nil {
		t.Fatal(err)
	}
	res := scan.Node(context.Background(), scan.NodeRequest{
		Source: node.Options{PIDs: []int{c.PIDs()["kubemark"]}, Host: c.NodeName}, Catalog: catalog,
		Probe: readOnlyProbe(),
	})
	main := fmt.Sprintf("127.0.0.1:%d", c.KubeletPort)
	readOnly := fmt.Sprintf("127.0.0.1:%d", c.KubeletReadOnlyPort)
	var probed []string
	for i, tg := range res.Probed {
		probed = append(probed, tg.Component+" "+tg.Address())
		if ep := res.Endpoints[i]; ep.Address != tg.Address() || !ep.Reachable {
			t.Errorf("endpoint %d: %+v, want %s reachable", i, ep, tg.Address())
		}
	}
	if want := []string{"kubelet " + main, "kubelet-read-only " + readOnly}; !slices.Equal(probed, want) {
		t.Fatalf("probed %q, want %q (errors %v)", probed, want, res.Errors)
	}
	t.Logf("probed %v\nfindings:\n%s", res.Probed, describeFindings(res.Findings))
	if !strings.Contains(res.Probed[0].From, fmt.Sprintf("port=%d (flag --port)", c.KubeletPort)) {
		t.Errorf("the main port's address came from %q, want the kubelet's --port", res.Probed[0].From)
	}
	side := map[string]string{
		"kubelet/anonymous-auth@" + c.NodeName:     verdictAt(res, "kubelet/anonymous-auth", "kubelet", c.NodeName),
		"kubelet/read-only-port@" + c.NodeName:     verdictAt(res, "kubelet/read-only-port", "kubelet", c.NodeName),
		"kubelet/probe-anonymous-access@" + main:   verdictAt(res, "kubelet/probe-anonymous-access", "kubelet", main),
		"kubelet/probe-pod-list-leak@" + main:      verdictAt(res, "kubelet/probe-pod-list-leak", "kubelet", main),
		"kubelet/probe-read-only-port@" + readOnly: verdictAt(res, "kubelet/probe-read-only-port", "kubelet-read-only", readOnly),
	}
	for what, v := range side {
		if v != "fail" {
			t.Errorf("%s: %q, want fail\nfindings:\n%s", what, v, describeFindings(res.Findings))
		}
	}
	for _, ep := range res.Endpoints {
		for _, a := range ep.Answers {
			if a.Method != "GET" && a.Method != "HEAD" && a.Status != 404 && a.Status != 401 && a.Status != 403 && a.Status != 0 {
				t.Errorf("%s %s %s answered %d: a node audit must not change or run anything", ep.Address, a.Method, a.Path, a.Status)
			}
		}
	}
	if len(res.Errors) > 0 {
		t.Errorf("errors: %v", res.Errors)
	}
}

// TestNodeProbeProvesAControlPlanesFlags audits a real etcd and kube-apiserver with --probe:
// the API server is asked on its --secure-port, and etcd's plain-HTTP client URL is proved
// plain HTTP beside the flag-based verdict on the same URL.
func TestNodeProbeProvesAControlPlanesFlags(t *testing.T) {
	c := testcluster.New(t, testcluster.Options{})
	var pids []int
	for name, pid := range c.PIDs() {
		if name == "etcd" || name == "kube-apiserver" {
			pids = append(pids, pid)
		}
	}
	catalog, err := builtin.Catalog()
	if err != nil {
		t.Fatal(err)
	}
	res := scan.Node(context.Background(), scan.NodeRequest{
		Source: node.Options{PIDs: pids, Host: "cp-test"}, Catalog: catalog, Rules: rules.Options{PSSVersion: "latest"},
		Probe: readOnlyProbe(),
	})
	server, _ := url.Parse(c.Server)
	etcdURL, _ := url.Parse(c.EtcdURL)
	peerURL, _ := url.Parse(c.EtcdPeerURL)
	byAddress := map[string]*inventory.Endpoint{}
	for _, ep := range res.Endpoints {
		byAddress[ep.Address] = ep
	}
	t.Logf("probed %v\nfindings:\n%s", res.Probed, describeFindings(res.Findings))
	api := byAddress[server.Host]
	if api == nil || api.Component != probe.APIServer || !api.Reachable || api.Protocol != "https" || len(api.Answers) == 0 {
		t.Fatalf("API server endpoint %s: %+v (probed %v, errors %v)", server.Host, api, res.Probed, res.Errors)
	}
	if ep := byAddress[etcdURL.Host]; ep == nil || ep.Component != probe.Etcd || ep.Protocol != "http" {
		t.Fatalf("etcd client endpoint %s: %+v", etcdURL.Host, ep)
	}
	if ep := byAddress[peerURL.Host]; ep == nil || ep.Component != probe.EtcdPeer {
		t.Errorf("etcd peer endpoint %s: %+v", peerURL.Host, ep)
	}
	if v := verdictAt(res, "etcd/client-plain-http", "etcd", "cp-test"); v != "fail" {
		t.Errorf("etcd/client-plain-http on the flags: %q, want fail", v)
	}
	if v := verdictAt(res, "etcd/probe-plain-http", "etcd", etcdURL.Host); v != "fail" {
		t.Errorf("etcd/probe-plain-http at %s: %q, want fail\nfindings:\n%s", etcdURL.Host, v, describeFindings(res.Findings))
	}
	if v := verdictAt(res, "apiserver/probe-anonymous-access", "kube-apiserver", server.Host); v == "" || v == "fail" {
		t.Errorf("apiserver/probe-anonymous-access at %s: %q, want it judged and not failed (--anonymous-auth=false)", server.Host, v)
	}
	if len(res.Errors) > 0 {
		t.Errorf("errors: %v", res.Errors)
	}
}

// staticAPIServer writes a host root whose only component is a kube-apiserver static pod
// started with args.
func staticAPIServer(t *testing.T, args ...string) string {
	t.Helper()
	root := t.TempDir()
	manifest := `apiVersion: v1
kind: Pod
metadata: {name: kube-apiserver, namespace: kube-system}
spec:
  containers:
  - name: kube-apiserver
    image: registry.k8s.io/kube-apiserver:v1.33.0
    command: [kube-apiserver, ` + strings.Join(args, ", ") + `]
`
	for dir, files := range map[string]map[string]string{"proc": nil, "etc/kubernetes/manifests": {"kube-apiserver.yaml": manifest}} {
		if err := os.MkdirAll(filepath.Join(root, dir), 0o755); err != nil {
			t.Fatal(err)
		}
		for name, data := range files {
			if err := os.WriteFile(filepath.Join(root, dir, name), []byte(data), 0o600); err != nil {
				t.Fatal(err)
			}
		}
	}
	return root
}

// TestNodeProbeIsOffByDefaultAndOnlyReads pins the default, a node audit that reads files
// only, and that --probe asks the port the component's flags name without ever letting a
// prober change state, whatever request it was given.
func TestNodeProbeIsOffByDefaultAndOnlyReads(t *testing.T) {
	var asked atomic.Int64
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		asked.Add(1)
		http.Error(w, "Unauthorized", http.StatusUnauthorized)
	}))
	defer srv.Close()
	addr := srv.Listener.Addr().(*net.TCPAddr)
	root := staticAPIServer(t, "--anonymous-auth=true", "--bind-address=127.0.0.1", fmt.Sprintf("--secure-port=%d", addr.Port))
	catalog, err := builtin.Catalog()
	if err != nil {
		t.Fatal(err)
	}
	res := scan.Node(context.Background(), scan.NodeRequest{Source: node.Options{Root: root, Host: "n1"}, Catalog: catalog})
	if kinds := componentKinds(res); !slices.Equal(kinds, []string{"kube-apiserver"}) {
		t.Fatalf("components %v, want the static pod's kube-apiserver (errors %v)", kinds, res.Errors)
	}
	if v := verdictAt(res, "apiserver/anonymous-auth", "kube-apiserver", "n1"); v != "fail" {
		t.Errorf("apiserver/anonymous-auth: %q, want fail", v)
	}
	if len(res.Probed) != 0 || len(res.Endpoints) != 0 || asked.Load() != 0 {
		t.Errorf("probed %v (%d requests) without --probe", res.Probed, asked.Load())
	}
	for _, f := range append(slices.Clone(res.Findings), res.Passed...) {
		if strings.Contains(f.RuleID, "/probe-") || strings.HasPrefix(f.RuleID, "tls/") {
			t.Errorf("endpoint rule %s evaluated without --probe", f.RuleID)
		}
	}

	var active []bool
	p := readOnlyProbe()
	p.Request.Probers[probe.APIServer] = func(ctx context.Context, c *conn.Conn) {
		active = append(active, c.Active)
		apiserver.Probe(ctx, c)
	}
	res = scan.Node(context.Background(), scan.NodeRequest{Source: node.Options{Root: root, Host: "n1"}, Catalog: catalog, Probe: p})
	want := fmt.Sprintf("127.0.0.1:%d", addr.Port)
	if len(res.Endpoints) != 1 || res.Endpoints[0].Address != want || res.Endpoints[0].Protocol != "https" {
		t.Fatalf("endpoints %+v, want %s over TLS", res.Endpoints, want)
	}
	if !slices.Equal(active, []bool{false}) || asked.Load() == 0 {
		t.Errorf("prober ran %d times with Active %v, %d requests: want once, read-only", len(active), active, asked.Load())
	}
	if v := verdictAt(res, "apiserver/anonymous-auth", "kube-apiserver", "n1"); v != "fail" {
		t.Errorf("apiserver/anonymous-auth with --probe: %q, want fail", v)
	}
	if v := verdictAt(res, "apiserver/probe-anonymous-access", "kube-apiserver", want); v == "" {
		t.Errorf("apiserver/probe-anonymous-access at %s not evaluated", want)
	}
}

// BenchmarkNodeAuditWithProbe audits a running test control plane with its hollow kubelet
// (every process found through /proc, its files read and judged) and probes every endpoint
// they serve: the kubelet's two ports, etcd's client and peer URLs, the API server's secure
// port, TLS posture included.
func BenchmarkNodeAuditWithProbe(b *testing.B) {
	c := testcluster.New(b, testcluster.Options{Kubelet: true, AuditPolicy: goodAuditPolicy, EncryptionConfig: encryptionAESCBCFirst})
	catalog, err := builtin.Catalog()
	if err != nil {
		b.Fatal(err)
	}
	var pids []int
	for _, pid := range c.PIDs() {
		pids = append(pids, pid)
	}
	for b.Loop() {
		res := scan.Node(context.Background(), scan.NodeRequest{Source: node.Options{PIDs: pids}, Catalog: catalog, Probe: readOnlyProbe()})
		if len(res.Endpoints) < 5 {
			b.Fatalf("probed %d endpoints: %v", len(res.Endpoints), res.Probed)
		}
		for _, ep := range res.Endpoints {
			if !ep.Reachable {
				b.Fatalf("%s %s: %s", ep.Component, ep.Address, ep.Error)
			}
		}
	}
}

// TestNodeProbeAsksEtcdWhereItsConfigFileSaysItListens audits an etcd static pod configured
// by --config-file, whose flag --listen-client-urls etcd ignores: the probe asks the client URL
// of the file, where the etcd rules read it too, and never the flag's.
func TestNodeProbeAsksEtcdWhereItsConfigFileSaysItListens(t *testing.T) {
	var asked atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		asked.Add(1)
		if r.URL.Path == "/version" {
			_, _ = io.WriteString(w, `{"etcdserver":"3.7.0","etcdcluster":"3.7.0"}`)
			return
		}
		http.NotFound(w, r)
	}))
	defer srv.Close()
	ignored := closedAddress(t)
	root := t.TempDir()
	manifest := `apiVersion: v1
kind: Pod
metadata: {name: etcd, namespace: kube-system}
spec:
  containers:
  - name: etcd
    image: registry.k8s.io/etcd:3.6.4-0
    command: [etcd, --config-file=/etc/etcd/etcd.yaml, --listen-client-urls=http://` + ignored + `]
`
	config := "name: default\nlisten-client-urls: " + srv.URL + "\nlisten-peer-urls: unix://peer.sock\n"
	for p, data := range map[string]string{"etc/kubernetes/manifests/etcd.yaml": manifest, "etc/etcd/etcd.yaml": config} {
		if err := os.MkdirAll(filepath.Join(root, filepath.Dir(p)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(root, p), []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.MkdirAll(filepath.Join(root, "proc"), 0o755); err != nil {
		t.Fatal(err)
	}
	catalog, err := builtin.Catalog()
	if err != nil {
		t.Fatal(err)
	}
	res := scan.Node(context.Background(), scan.NodeRequest{Source: node.Options{Root: root, Host: "n1"}, Catalog: catalog, Probe: readOnlyProbe()})
	want := strings.TrimPrefix(srv.URL, "http://")
	var probed []string
	for _, tg := range res.Probed {
		probed = append(probed, tg.Component+" "+tg.Address())
	}
	if !slices.Equal(probed, []string{"etcd " + want}) || !strings.Contains(res.Probed[0].From, "etcd config file /etc/etcd/etcd.yaml listen-client-urls=") {
		t.Fatalf("probed %q from %v, want etcd %s from its config file (errors %v)", probed, res.Probed, want, res.Errors)
	}
	if asked.Load() == 0 {
		t.Error("the config file's client URL was not asked")
	}
	if v := verdictAt(res, "etcd/probe-plain-http", "etcd", want); v != "fail" {
		t.Errorf("etcd/probe-plain-http at %s: %q, want fail", want, v)
	}
	if v := verdictAt(res, "etcd/client-plain-http", "etcd", "n1"); v != "fail" {
		t.Errorf("etcd/client-plain-http from the config file: %q, want fail", v)
	}
	for _, f := range append(slices.Clone(res.Findings), res.Passed...) {
		if strings.Contains(f.Message+f.Evidence, ignored) {
			t.Errorf("%s speaks of the ignored flag's %s: %s %s", f.RuleID, ignored, f.Message, f.Evidence)
		}
	}
}
