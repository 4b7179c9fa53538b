package node

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/inventory"
	"palisade.dev/palisade/internal/kubeletconfig"
	"palisade.dev/palisade/internal/testfiles"
)

// fixture is a node's root filesystem in a temporary folder: a copy of a testdata tree with
// the modes of a real node, and a fake /proc written by the test (its cmdline and environ
// files hold NULs, which are better written than committed).
type fixture struct {
	t    testing.TB
	root string
}

func newFixture(t testing.TB, tree string) *fixture {
	t.Helper()
	root := t.TempDir()
	if tree != "" {
		testfiles.CopyKubeadmTree(t, filepath.Join("testdata", tree), root)
	}
	if err := os.MkdirAll(filepath.Join(root, "proc"), 0o555); err != nil {
		t.Fatal(err)
	}
	return &fixture{t: t, root: root}
}

// write writes a file under the root.
func (f *fixture) write(p, content string, mode fs.FileMode) {
	f.t.Helper()
	full := filepath.Join(f.root, p)
	if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
		f.t.Fatal(err)
	}
	if err := os.WriteFile(full, []byte(content), mode); err != nil {
		f.t.Fatal(err)
	}
}

// process writes a fake /proc/<pid> with a command line and an environment.
func (f *fixture) process(pid int, argv []string, environ ...string) {
	f.t.Helper()
	dir := filepath.Join("proc", strconv.Itoa(pid))
	f.write(filepath.Join(dir, "cmdline"), strings.Join(argv, "\x00")+"\x00", 0o444)
	f.write(filepath.Join(dir, "environ"), strings.Join(environ, "\x00")+"\x00", 0o400)
}

func (f *fixture) symlink(target, p string) {
	f.t.Helper()
	full := filepath.Join(f.root, p)
	if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
		f.t.Fatal(err)
	}
	if err := os.Symlink(target, full); err != nil {
		f.t.Fatal(err)
	}
}

func (f *fixture) scan(opts Options) *Result {
	f.t.Helper()
	opts.Root = f.root
	return Scan(context.Background(), opts)
}

// component returns the only component of a kind.
func component(t *testing.T, n *inventory.Node, kind inventory.ComponentKind) *inventory.Component {
	t.Helper()
	cs := n.ComponentsOf(kind)
	if len(cs) != 1 {
		t.Fatalf("%d components %s, want 1 (components: %v)", len(cs), kind, kinds(n))
	}
	return cs[0]
}

func kinds(n *inventory.Node) []string {
	var out []string
	for _, c := range n.Components {
		out = append(out, string(c.Kind)+"/"+string(c.Source))
	}
	return out
}

func errorsText(errs []finding.ScanError) string {
	var out []string
	for _, e := range errs {
		out = append(out, e.Error())
	}
	return strings.Join(out, "\n")
}

func TestKubeadmControlPlaneFromStaticPods(t *testing.T) {
	f := newFixture(t, "kubeadm")
	res := f.scan(Options{})
	if len(res.Errors) > 0 {
		t.Fatalf("errors:\n%s", errorsText(res.Errors))
	}
	n := res.Node
	if n.Host != "cp-1" || n.Distribution != Kubeadm {
		t.Errorf("host %q distribution %q, want cp-1 kubeadm", n.Host, n.Distribution)
	}
	if got, want := kinds(n), []string{"etcd/static-pod", "kube-apiserver/static-pod", "kube-controller-manager/static-pod", "kube-scheduler/static-pod"}; !slices.Equal(got, want) {
		t.Fatalf("components %v, want %v", got, want)
	}
	api := component(t, n, inventory.KubeAPIServer)
	if api.Path != "/etc/kubernetes/manifests/kube-apiserver.yaml" || api.PID != 0 {
		t.Errorf("apiserver read from %s (pid %d)", api.Path, api.PID)
	}
	if got := api.Flags.Lookup("authorization-mode").List(); !slices.Equal(got, []string{"Node", "RBAC"}) {
		t.Errorf("--authorization-mode = %q", got)
	}
	// The scheduler's manifest has args and no command: the image's entrypoint is the program.
	if v := component(t, n, inventory.KubeScheduler).Flags.Lookup("bind-address"); v.String() != "127.0.0.1" {
		t.Errorf("scheduler --bind-address = %q", v.String())
	}
	// Only etcd's ETCD_* values given as values are kept: not valueFrom, not GOMAXPROCS.
	etcd := component(t, n, inventory.Etcd)
	if len(etcd.Env) != 1 || etcd.Env["ETCD_SNAPSHOT_COUNT"] != "10000" {
		t.Errorf("etcd env = %v", etcd.Env)
	}
	if v, _, _ := etcd.Setting("client-cert-auth"); v != "true" {
		t.Errorf("etcd client-cert-auth = %q", v)
	}

	files := []struct {
		path       string
		exists     bool
		mode       fs.FileMode
		dir, data  bool
		entriesHas string
	}{
		{path: "/etc/kubernetes/manifests", exists: true, dir: true, mode: fs.ModeDir | 0o755, entriesHas: "etcd.yaml"},
		{path: "/etc/kubernetes/manifests/kube-apiserver.yaml", exists: true, mode: 0o600, data: true},
		{path: "/etc/kubernetes/admin.conf", exists: true, mode: 0o600, data: true},
		{path: "/etc/kubernetes/pki", exists: true, dir: true, mode: fs.ModeDir | 0o755, entriesHas: "etcd"},
		{path: "/etc/kubernetes/pki/ca.key", exists: true, mode: 0o600, data: true},
		{path: "/etc/kubernetes/pki/ca.crt", exists: true, mode: 0o644, data: true},
		{path: "/etc/kubernetes/pki/etcd/server.key", exists: true, mode: 0o600, data: true},
		{path: "/etc/kubernetes/pki/sa.pub", exists: true, mode: 0o644, data: true},
		// The etcd data folder is stat'ed only: its mode and owner are what CIS checks.
		{path: "/var/lib/etcd", exists: true, dir: true, mode: fs.ModeDir | 0o700},
		{path: "/var/lib/kubelet/config.yaml", exists: true, mode: 0o644, data: true},
		// Missing well-known files are recorded as missing.
		{path: "/etc/kubernetes/bootstrap-kubelet.conf"},
		{path: "/etc/kubernetes/kubelet/config.json"},
	}
	for _, tc := range files {
		t.Run(tc.path, func(t *testing.T) {
			file := n.File(tc.path)
			if file == nil {
				t.Fatalf("not recorded")
			}
			if file.Path != tc.path || file.Exists != tc.exists || file.IsDir != tc.dir || file.Err != "" {
				t.Fatalf("file = %+v", file)
			}
			if !tc.exists {
				return
			}
			if file.Mode != tc.mode {
				t.Errorf("mode %v, want %v", file.Mode, tc.mode)
			}
			if file.UID != os.Getuid() || file.GID != os.Getgid() {
				t.Errorf("owner %d:%d, want %d:%d", file.UID, file.GID, os.Getuid(), os.Getgid())
			}
			if (len(file.Data) > 0) != tc.data {
				t.Errorf("data read %v, want %v", len(file.Data) > 0, tc.data)
			}
			if tc.entriesHas != "" && !slices.Contains(file.Entries, tc.entriesHas) {
				t.Errorf("entries %v lack %s", file.Entries, tc.entriesHas)
			}
			if !slices.IsSorted(file.Entries) {
				t.Errorf("entries %v are not sorted", file.Entries)
			}
		})
	}
	if len(n.Files["/var/lib/etcd"].Entries) != 0 {
		t.Errorf("etcd's data folder was listed: %v", n.Files["/var/lib/etcd"].Entries)
	}
}

func TestProcessesWinOverStaticPods(t *testing.T) {
	f := newFixture(t, "kubeadm")
	f.process(100, []string{"/usr/bin/kubelet", "--bootstrap-kubeconfig=/etc/kubernetes/bootstrap-kubelet.conf",
		"--kubeconfig=/etc/kubernetes/kubelet.conf", "--config=/var/lib/kubelet/config.yaml",
		"--container-runtime-endpoint=unix:///var/run/containerd/containerd.sock"}, "HOME=/root")
	f.process(200, []string{"kube-apiserver", "--authorization-mode", "AlwaysAllow", "--profiling",
		"--audit-policy-file", "/etc/kubernetes/audit/policy.yaml"}, "SECRET=x")
	f.process(300, []string{"/usr/sbin/sshd", "-D"})
	res := f.scan(Options{})
	if len(res.Errors) > 0 {
		t.Fatalf("errors:\n%s", errorsText(res.Errors))
	}
	n := res.Node
	want := []string{"etcd/static-pod", "kube-apiserver/process", "kube-controller-manager/static-pod", "kube-scheduler/static-pod", "kubelet/process"}
	if got := kinds(n); !slices.Equal(got, want) {
		t.Fatalf("components %v, want %v", got, want)
	}
	api := component(t, n, inventory.KubeAPIServer)
	if api.PID != 200 || api.Path != "/proc/200/cmdline" {
		t.Errorf("apiserver pid %d path %s", api.PID, api.Path)
	}
	if api.Env != nil {
		t.Errorf("the apiserver's environment was kept: %v", api.Env)
	}
	if v := api.Flags.Lookup("authorization-mode"); v.String() != "AlwaysAllow" {
		t.Errorf("--authorization-mode = %q", v.String())
	}
	if v := api.Flags.Lookup("profiling"); v.String() != "true" {
		t.Errorf("--profiling = %q", v.String())
	}
	// A file a flag names that does not exist is recorded as missing.
	if file := n.File("/etc/kubernetes/audit/policy.yaml"); file == nil || file.Exists {
		t.Errorf("audit policy = %+v, want recorded as missing", file)
	}
	kubelet := component(t, n, inventory.Kubelet)
	eff, ok := kubelet.Config.(*kubeletconfig.Effective)
	if !ok {
		t.Fatalf("kubelet Config = %T", kubelet.Config)
	}
	if len(eff.Errors) > 0 {
		t.Errorf("kubelet configuration errors: %q", eff.Errors)
	}
	if got := eff.Get("authorization.mode"); got.Value != "Webhook" {
		t.Errorf("kubelet authorization.mode = %v", got)
	}
	// The files the kubelet's configuration names are read too.
	for _, p := range []string{"/var/lib/kubelet/pki/kubelet.crt", "/etc/kubernetes/kubelet.conf"} {
		if file := n.File(p); file == nil || len(file.Data) == 0 {
			t.Errorf("%s not read: %+v", p, file)
		}
	}
}

func TestEtcdConfiguredThroughEnvironment(t *testing.T) {
	f := newFixture(t, "")
	f.write("etc/etcd/server.crt", "fixture certificate\n", 0o644)
	f.process(42, []string{"/usr/local/bin/etcd"},
		"HOME=/root", "ETCD_CERT_FILE=/etc/etcd/server.crt", "AWS_SECRET_ACCESS_KEY=hunter2",
		"ETCD_CLIENT_CERT_AUTH=true", "ETCD_DATA_DIR=/var/lib/etcd", "PATH=/usr/bin")
	res := f.scan(Options{Host: "etcd-1"})
	if len(res.Errors) > 0 {
		t.Fatalf("errors:\n%s", errorsText(res.Errors))
	}
	n := res.Node
	etcd := component(t, n, inventory.Etcd)
	want := map[string]string{"ETCD_CERT_FILE": "/etc/etcd/server.crt", "ETCD_CLIENT_CERT_AUTH": "true", "ETCD_DATA_DIR": "/var/lib/etcd"}
	if len(etcd.Env) != len(want) {
		t.Errorf("env = %v, want only %v", etcd.Env, want)
	}
	for k, v := range want {
		if etcd.Env[k] != v {
			t.Errorf("env %s = %q, want %q", k, etcd.Env[k], v)
		}
	}
	if v, src, _ := etcd.Setting("client-cert-auth"); v != "true" || !strings.Contains(src, "ETCD_CLIENT_CERT_AUTH") {
		t.Errorf("client-cert-auth = %q from %q", v, src)
	}
	if file := n.File("/etc/etcd/server.crt"); file == nil || string(file.Data) != "fixture certificate\n" {
		t.Errorf("the certificate the environment names was not read: %+v", file)
	}
	if file := n.File("/var/lib/etcd"); file == nil || file.Exists {
		t.Errorf("data dir = %+v, want recorded as missing", file)
	}
	if n.Host != "etcd-1" {
		t.Errorf("host %q", n.Host)
	}
}

func TestBadInput(t *testing.T) {
	tests := []struct {
		name  string
		setup func(f *fixture)
		opts  Options
		// errs are substrings of the scan errors expected, in order; check looks at the node.
		errs  []string
		check func(t *testing.T, n *inventory.Node)
	}{{
		name: "a process that exited before its cmdline was read is skipped silently",
		setup: func(f *fixture) {
			f.write("proc/77/status", "Name: kubelet\n", 0o444) // the folder, without cmdline
			f.process(78, []string{"kube-proxy", "--config=/var/lib/kube-proxy/config.conf"})
		},
		check: func(t *testing.T, n *inventory.Node) {
			if got := kinds(n); !slices.Equal(got, []string{"kube-proxy/process"}) {
				t.Errorf("components %v", got)
			}
		},
	}, {
		name: "a PID that is gone is skipped silently",
		opts: Options{PIDs: []int{999999}},
		check: func(t *testing.T, n *inventory.Node) {
			if len(n.Components) != 0 {
				t.Errorf("components %v", kinds(n))
			}
		},
	}, {
		name: "an etcd whose environment vanished is skipped",
		setup: func(f *fixture) {
			f.write("proc/90/cmdline", "etcd\x00--data-dir=/x\x00", 0o444)
		},
		check: func(t *testing.T, n *inventory.Node) {
			if len(n.Components) != 0 {
				t.Errorf("components %v", kinds(n))
			}
		},
	}, {
		name: "an unreadable cmdline is an error naming it",
		setup: func(f *fixture) {
			if err := os.MkdirAll(filepath.Join(f.root, "proc", "55", "cmdline"), 0o755); err != nil {
				t.Fatal(err)
			}
			f.process(56, []string{"kube-scheduler", "--profiling=false"})
		},
		opts: Options{Host: "n"},
		errs: []string{"n:/proc/55/cmdline: reading the command line of process 55: is a directory"},
		check: func(t *testing.T, n *inventory.Node) {
			if got := kinds(n); !slices.Equal(got, []string{"kube-scheduler/process"}) {
				t.Errorf("components %v", got)
			}
		},
	}, {
		name: "a malformed manifest is an error naming it; the others are read",
		setup: func(f *fixture) {
			testfiles.CopyKubeadmTree(t, filepath.Join("testdata", "kubeadm"), f.root)
			f.write("etc/kubernetes/manifests/broken.yaml", "apiVersion: v1\nkind: Pod\nspec:\n  containers: {oops\n", 0o600)
			f.write("etc/kubernetes/manifests/configmap.yaml", "apiVersion: v1\nkind: ConfigMap\n", 0o600)
		},
		errs: []string{
			"cp-1:/etc/kubernetes/manifests/broken.yaml: reading the static pod manifest /etc/kubernetes/manifests/broken.yaml: ",
			"cp-1:/etc/kubernetes/manifests/configmap.yaml: reading the static pod manifest /etc/kubernetes/manifests/configmap.yaml: kind ConfigMap is not Pod",
		},
		check: func(t *testing.T, n *inventory.Node) {
			if len(n.Components) != 4 {
				t.Errorf("components %v", kinds(n))
			}
		},
	}, {
		name: "a file that cannot be read is an error naming it; the rest is read",
		setup: func(f *fixture) {
			testfiles.CopyKubeadmTree(t, filepath.Join("testdata", "kubeadm"), f.root)
			f.symlink("loop-b.key", "etc/kubernetes/pki/loop-a.key")
			f.symlink("loop-a.key", "etc/kubernetes/pki/loop-b.key")
		},
		errs: []string{
			"cp-1:/etc/kubernetes/pki/loop-a.key: reading /etc/kubernetes/pki/loop-a.key: too many levels of symbolic links",
			"cp-1:/etc/kubernetes/pki/loop-b.key: reading /etc/kubernetes/pki/loop-b.key: too many levels of symbolic links",
		},
		check: func(t *testing.T, n *inventory.Node) {
			if file := n.File("/etc/kubernetes/pki/loop-a.key"); file == nil || !file.Exists || file.Err == "" {
				t.Errorf("loop = %+v", file)
			}
			if file := n.File("/etc/kubernetes/pki/sa.key"); file == nil || len(file.Data) == 0 {
				t.Errorf("sa.key = %+v", file)
			}
		},
	}, {
		name: "symbolic links resolve under the root and never out of it",
		setup: func(f *fixture) {
			f.write("etc/hostname", "node-a\n", 0o644)
			// Outside the root, beside it: a link must not reach it.
			if err := os.WriteFile(filepath.Join(filepath.Dir(f.root), "outside.conf"), []byte("outside"), 0o644); err != nil {
				t.Fatal(err)
			}
			f.symlink("../../../../outside.conf", "etc/kubernetes/admin.conf")
			f.symlink("/srv/kubelet.conf", "etc/kubernetes/kubelet.conf")
			f.write("srv/kubelet.conf", "inside", 0o640)
		},
		check: func(t *testing.T, n *inventory.Node) {
			if file := n.File("/etc/kubernetes/admin.conf"); file == nil || file.Exists || file.Data != nil {
				t.Errorf("a link out of the root was followed: %+v", file)
			}
			file := n.File("/etc/kubernetes/kubelet.conf")
			if file == nil || string(file.Data) != "inside" || file.Mode != 0o640 {
				t.Errorf("an absolute link was not resolved under the root: %+v", file)
			}
		},
	}, {
		name: "a file larger than the bound is truncated",
		opts: Options{MaxFileSize: 8},
		setup: func(f *fixture) {
			f.write("etc/kubernetes/admin.conf", "0123456789abcdef", 0o600)
		},
		check: func(t *testing.T, n *inventory.Node) {
			if file := n.File("/etc/kubernetes/admin.conf"); file == nil || string(file.Data) != "01234567" || !file.Truncated {
				t.Errorf("admin.conf = %+v", file)
			}
		},
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, "")
			if tc.setup != nil {
				tc.setup(f)
			}
			res := f.scan(tc.opts)
			if len(res.Errors) != len(tc.errs) {
				t.Fatalf("errors:\n%s\nwant %d: %q", errorsText(res.Errors), len(tc.errs), tc.errs)
			}
			for i, want := range tc.errs {
				if got := res.Errors[i].Error(); !strings.Contains(got, want) {
					t.Errorf("error %d = %q, want it to contain %q", i, got, want)
				}
			}
			if tc.check != nil {
				tc.check(t, res.Node)
			}
		})
	}
}

func TestUnreadableFileWithoutRoot(t *testing.T) {
	if os.Getuid() == 0 {
		t.Skip("root reads files of any mode")
	}
	f := newFixture(t, "")
	f.write("etc/kubernetes/admin.conf", "secret", 0o000)
	res := f.scan(Options{Host: "n"})
	if len(res.Errors) != 1 || !strings.Contains(res.Errors[0].Error(), "n:/etc/kubernetes/admin.conf: reading /etc/kubernetes/admin.conf: permission denied") {
		t.Fatalf("errors:\n%s", errorsText(res.Errors))
	}
	if file := res.Node.File("/etc/kubernetes/admin.conf"); !file.Exists || file.Err == "" || file.Mode != 0 {
		t.Errorf("admin.conf = %+v", file)
	}
}

func TestDistributions(t *testing.T) {
	tests := []struct {
		name  string
		setup func(f *fixture)
		want  string
	}{
		{"nothing known", func(f *fixture) {}, ""},
		{"kubeadm flags file", func(f *fixture) { f.write("var/lib/kubelet/kubeadm-flags.env", "", 0o644) }, "kubeadm"},
		{"kubeadm manifests", func(f *fixture) {
			f.write("etc/kubernetes/manifests/kube-apiserver.yaml", "apiVersion: v1\nkind: Pod\n", 0o600)
		}, "kubeadm"},
		{"EKS", func(f *fixture) { f.write("etc/kubernetes/kubelet/config.json", "{}", 0o644) }, "EKS"},
		{"EKS folder", func(f *fixture) { f.write("etc/eks/release", "", 0o644) }, "EKS"},
		{"GKE", func(f *fixture) { f.write("home/kubernetes/kubelet-config.yaml", "", 0o644) }, "GKE"},
		{"AKS", func(f *fixture) { f.write("etc/default/kubeletconfig.json", "{}", 0o644) }, "AKS"},
		{"AKS cloud config", func(f *fixture) { f.write("etc/kubernetes/azure.json", "{}", 0o600) }, "AKS"},
		{"k3s process", func(f *fixture) { f.process(1, []string{"/usr/local/bin/k3s", "server", "-d", "/data/k3s"}) }, "k3s"},
		{"RKE2 process", func(f *fixture) { f.process(1, []string{"/usr/local/bin/rke2", "agent"}) }, "RKE2"},
		{"RKE2 folder", func(f *fixture) { f.write("var/lib/rancher/rke2/server/token", "", 0o600) }, "RKE2"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, "")
			tc.setup(f)
			if got := f.scan(Options{Host: "n"}).Node.Distribution; got != tc.want {
				t.Errorf("distribution %q, want %q", got, tc.want)
			}
		})
	}
}

func TestRecognise(t *testing.T) {
	tests := []struct {
		argv []string
		kind inventory.ComponentKind
		args []string
	}{
		{[]string{"/usr/local/bin/kube-apiserver", "--a=b"}, inventory.KubeAPIServer, []string{"--a=b"}},
		{[]string{"etcd"}, inventory.Etcd, []string{}},
		{[]string{"/usr/bin/kubelet", "--config", "/c"}, inventory.Kubelet, []string{"--config", "/c"}},
		{[]string{"kube-proxy"}, inventory.KubeProxy, []string{}},
		{[]string{"kube-controller-manager"}, inventory.KubeControllerManager, []string{}},
		{[]string{"kube-scheduler"}, inventory.KubeScheduler, []string{}},
		{[]string{"/hyperkube", "apiserver", "--x"}, inventory.KubeAPIServer, []string{"--x"}},
		{[]string{"/hyperkube", "kubelet"}, inventory.Kubelet, []string{}},
		{[]string{"/hyperkube", "proxy"}, inventory.KubeProxy, []string{}},
		{[]string{"/usr/local/bin/k3s", "server", "--cluster-init"}, inventory.K3sServer, []string{"server", "--cluster-init"}},
		{[]string{"k3s", "--debug", "agent"}, inventory.K3sAgent, []string{"--debug", "agent"}},
		{[]string{"rke2", "server"}, inventory.RKE2Server, []string{"server"}},
		{[]string{"rke2", "agent"}, inventory.RKE2Agent, []string{"agent"}},
		// The hollow node is the kubelet it runs, with kubemark's flags renamed.
		{[]string{"/cache/kubemark", "--morph=kubelet", "--name=n1", "--kubeconfig=/k", "--kubelet-port=1", "--kubelet-read-only-port=2", "--use-host-image-service=false"},
			inventory.Kubelet, []string{"--hostname-override=n1", "--kubeconfig=/k", "--port=1", "--read-only-port=2"}},
		// Not components.
		{[]string{"kubemark", "--morph=proxy"}, "", nil},
		{[]string{"k3s", "kubectl", "get", "pods"}, "", nil},
		{[]string{"etcdctl", "get"}, "", nil},
		{[]string{"apiserver"}, "", nil},
		{[]string{"/hyperkube"}, "", nil},
		{[]string{"kubelet-wrapper.sh"}, "", nil},
		{[]string{""}, "", nil},
		{nil, "", nil},
	}
	for _, tc := range tests {
		kind, args, ok := recognise(tc.argv)
		if ok != (tc.kind != "") || kind != tc.kind || (ok && !slices.Equal(args, tc.args)) {
			t.Errorf("recognise(%q) = %q %q %v, want %q %q", tc.argv, kind, args, ok, tc.kind, tc.args)
		}
	}
}

func TestSplitCmdline(t *testing.T) {
	tests := []struct {
		data string
		want []string
	}{
		{"kubelet\x00--config\x00/c\x00", []string{"kubelet", "--config", "/c"}},
		{"kubelet\x00--config=/c", []string{"kubelet", "--config=/c"}},
		{"kubelet\x00\x00--x\x00", []string{"kubelet", "", "--x"}},
		{"k3s server --cluster-init", []string{"k3s", "server", "--cluster-init"}},
		{"", nil},
	}
	for _, tc := range tests {
		if got := splitCmdline([]byte(tc.data)); !slices.Equal(got, tc.want) {
			t.Errorf("splitCmdline(%q) = %q, want %q", tc.data, got, tc.want)
		}
	}
}

func TestFlagArgs(t *testing.T) {
	tests := []struct {
		name string
		kind inventory.ComponentKind
		args []string
		flag string
		want string
	}{
		{"etcd single-dash long flag", inventory.Etcd, []string{"-data-dir", "/var/lib/etcd"}, "data-dir", "/var/lib/etcd"},
		{"etcd single-dash with value", inventory.Etcd, []string{"-client-cert-auth=false"}, "client-cert-auth", "false"},
		{"etcd a value that starts with a dash", inventory.Etcd, []string{"--name", "-weird", "-auto-tls"}, "name", "-weird"},
		{"etcd bare boolean", inventory.Etcd, []string{"-peer-auto-tls", "-name", "x"}, "name", "x"},
		{"k3s one-letter alias", inventory.K3sServer, []string{"server", "-d", "/data"}, "data-dir", "/data"},
		{"k3s alias with value", inventory.K3sAgent, []string{"agent", "-s=https://10.0.0.1:6443"}, "server", "https://10.0.0.1:6443"},
		{"pflag components are left alone", inventory.KubeAPIServer, []string{"-v=4"}, "v", "4"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := parseComponent(tc.kind, inventory.FromProcess, "/proc/1/cmdline", 1, tc.args, nil)
			if got := c.Flags.Lookup(tc.flag).String(); got != tc.want {
				t.Errorf("--%s = %q, want %q", tc.flag, got, tc.want)
			}
			if !slices.Equal(c.Args, tc.args) {
				t.Errorf("Args = %q, want them as written %q", c.Args, tc.args)
			}
		})
	}
}

func TestFlagPaths(t *testing.T) {
	f := newFixture(t, "")
	f.write("etc/k/a.crt", "a", 0o644)
	f.write("etc/k/a.key", "k", 0o600)
	f.write("etc/rancher/audit.yaml", "apiVersion: audit.k8s.io/v1\n", 0o600)
	f.write("var/lib/kubelet/conf.d/10-a.conf", "x", 0o644)
	f.write("var/lib/kubelet/conf.d/sub/20-b.conf", "y", 0o644)
	f.write("var/log/kube/audit.log", "a long log", 0o600)
	f.process(10, []string{"kube-apiserver", "--tls-sni-cert-key=/etc/k/a.crt,/etc/k/a.key:example.com,www.example.com",
		"--etcd-prefix=/registry", "--audit-log-path=/var/log/kube/audit.log", "--service-account-key-file=/etc/k/a.crt,/etc/k/b.pub"})
	f.process(11, []string{"kubelet", "--config-dir=/var/lib/kubelet/conf.d", "--cgroup-root=/"})
	f.process(12, []string{"k3s", "server", "--kube-apiserver-arg=audit-policy-file=/etc/rancher/audit.yaml"})
	n := f.scan(Options{Host: "n"}).Node
	for _, tc := range []struct {
		path   string
		data   string
		exists bool
	}{
		{"/etc/k/a.crt", "a", true},
		{"/etc/k/a.key", "k", true},
		{"/etc/k/b.pub", "", false},
		{"/etc/rancher/audit.yaml", "apiVersion: audit.k8s.io/v1\n", true},
		{"/var/lib/kubelet/conf.d/10-a.conf", "x", true},
		{"/var/lib/kubelet/conf.d/sub/20-b.conf", "y", true},
		{"/var/log/kube/audit.log", "", true}, // stat'ed, not read
	} {
		file := n.File(tc.path)
		if file == nil || file.Exists != tc.exists || string(file.Data) != tc.data {
			t.Errorf("%s = %+v, want exists %v data %q", tc.path, file, tc.exists, tc.data)
		}
	}
	for _, p := range []string{"/registry", "/", "/example.com"} {
		if n.File(p) != nil {
			t.Errorf("%s is not a file a flag names, yet it was recorded", p)
		}
	}
}

func readTestdata(p string) ([]byte, error) {
	return os.ReadFile(filepath.Join("testdata", filepath.FromSlash(p)))
}
