package node

import (
	"context"
	"slices"
	"strings"
	"testing"

	"palisade.dev/palisade/internal/inventory"
	"palisade.dev/palisade/internal/testcluster"
)

// BenchmarkScanFixture scans the kubeadm fixture with a kubelet, an API server and a few
// other processes in its /proc.
func BenchmarkScanFixture(b *testing.B) {
	f := newFixture(b, "kubeadm")
	f.process(100, []string{"/usr/bin/kubelet", "--kubeconfig=/etc/kubernetes/kubelet.conf", "--config=/var/lib/kubelet/config.yaml"})
	f.process(200, []string{"kube-apiserver", "--authorization-mode=Node,RBAC", "--client-ca-file=/etc/kubernetes/pki/ca.crt"})
	for pid := 300; pid < 500; pid++ {
		f.process(pid, []string{"/usr/sbin/other", "--flag"})
	}
	b.ReportAllocs()
	for b.Loop() {
		res := Scan(context.Background(), Options{Root: f.root})
		if len(res.Errors) > 0 || len(res.Node.Components) != 5 {
			b.Fatalf("errors %v, components %v", res.Errors, kinds(res.Node))
		}
	}
}

// BenchmarkScanRealProc scans this machine's /proc, every process, with a test cluster's
// etcd and kube-apiserver among them: a full node scan.
func BenchmarkScanRealProc(b *testing.B) {
	c := testcluster.New(b, testcluster.Options{})
	pids := clusterPIDs(b, c)
	b.ReportAllocs()
	for b.Loop() {
		res := Scan(context.Background(), Options{})
		found := 0
		for _, comp := range res.Node.Components {
			if slices.Contains(pids, comp.PID) {
				found++
			}
		}
		if found < 2 {
			b.Fatalf("the test cluster's processes were not found: %v", kinds(res.Node))
		}
	}
}

func FuzzCommandLine(f *testing.F) {
	f.Add([]byte("kube-apiserver\x00--authorization-mode=Node,RBAC\x00--profiling\x00"), []byte("HOME=/root\x00"))
	f.Add([]byte("/usr/local/bin/etcd\x00-data-dir\x00/var/lib/etcd\x00--client-cert-auth\x00"), []byte("ETCD_CERT_FILE=/a\x00ETCD_X\x00=y\x00"))
	f.Add([]byte("k3s server -d /data --kube-apiserver-arg=audit-policy-file=/a"), []byte(""))
	f.Add([]byte("/hyperkube\x00apiserver\x00--\x00--x"), []byte("\x00\x00"))
	f.Add([]byte("rke2\x00agent\x00-s\x00"), []byte("ETCD_=\x00"))
	f.Fuzz(func(t *testing.T, cmdline, environ []byte) {
		argv := splitCmdline(cmdline)
		if len(cmdline) > 0 && !strings.ContainsRune(string(cmdline), ' ') && len(argv) != strings.Count(strings.TrimSuffix(string(cmdline), "\x00"), "\x00")+1 {
			t.Fatalf("splitCmdline(%q) = %q", cmdline, argv)
		}
		env := etcdEnv(splitNUL(environ))
		for k := range env {
			if !strings.HasPrefix(k, "ETCD_") {
				t.Fatalf("etcdEnv kept %q", k)
			}
		}
		kind, args, ok := recognise(argv)
		if !ok {
			return
		}
		c := parseComponent(kind, inventory.FromProcess, "/proc/1/cmdline", 1, args, env)
		if !slices.Equal(c.Args, args) {
			t.Fatalf("Args %q, want %q", c.Args, args)
		}
		if rewritten := flagArgs(kind, args); len(rewritten) != len(args) {
			t.Fatalf("flagArgs changed the number of arguments: %q -> %q", args, rewritten)
		}
		fs := newFileSet(&scanner{}, map[string]*inventory.File{})
		fs.addComponent(c)
		for p := range fs.want {
			if !strings.HasPrefix(p, "/") {
				t.Fatalf("relative path %q asked for", p)
			}
		}
	})
}

func FuzzStaticPod(f *testing.F) {
	for _, p := range []string{"etcd.yaml", "kube-apiserver.yaml", "kube-scheduler.yaml", "kube-controller-manager.yaml"} {
		data, err := readTestdata("kubeadm/etc/kubernetes/manifests/" + p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(`{"apiVersion":"v1","kind":"Pod","spec":{"containers":[{"name":"etcd","args":["--x"],"env":[{"name":"ETCD_A","value":"b"}]}]}}`))
	f.Add([]byte("kind: Pod\nspec:\n  containers:\n  - command: [/hyperkube, scheduler]\n"))
	f.Add([]byte("kind: Pod\nspec: [\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := staticPodComponent("/etc/kubernetes/manifests/x.yaml", data)
		if err != nil || c == nil {
			return
		}
		if c.Source != inventory.FromStaticPod || c.Path != "/etc/kubernetes/manifests/x.yaml" || c.PID != 0 || c.Flags == nil {
			t.Fatalf("component %+v", c)
		}
		if !slices.Contains(controlPlane, c.Kind) {
			t.Fatalf("kind %s from a static pod", c.Kind)
		}
		for k := range c.Env {
			if c.Kind != inventory.Etcd || !strings.HasPrefix(k, "ETCD_") {
				t.Fatalf("%s kept env %q", c.Kind, k)
			}
		}
	})
}
