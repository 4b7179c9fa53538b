package kubeletconfig

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"palisade.dev/palisade/internal/inventory"
)

func TestDecodeReadsYAMLAndJSONAndRefusesWhatTheKubeletRefuses(t *testing.T) {
	tests := []struct {
		name, data string
		err, warn  string
	}{
		{name: "yaml", data: "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nreadOnlyPort: 0\n"},
		{name: "json", data: `{"apiVersion":"kubelet.config.k8s.io/v1beta1","kind":"KubeletConfiguration","readOnlyPort":0}`},
		{name: "no kind", data: "apiVersion: kubelet.config.k8s.io/v1beta1\n", err: "no apiVersion or kind"},
		{name: "not an object", data: "- a\n- b\n", err: "not an object"},
		{name: "wrong version", data: "apiVersion: kubelet.config.k8s.io/v1alpha1\nkind: KubeletConfiguration\n", err: "reads only apiVersion kubelet.config.k8s.io/v1beta1"},
		{name: "bad duration", data: "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nstreamingConnectionIdleTimeout: soon\n", err: "invalid KubeletConfiguration"},
		{name: "duplicate field", data: "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nreadOnlyPort: 0\nreadOnlyPort: 10255\n", warn: "already set"},
		{name: "unknown field", data: "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nreadonlyPort: 0\n", warn: `unknown field "readonlyPort"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			obj, warnings, err := Decode([]byte(tt.data))
			switch {
			case tt.err != "":
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want one containing %q", err, tt.err)
				}
				return
			case err != nil:
				t.Fatal(err)
			}
			if obj["kind"] != Kind {
				t.Errorf("obj = %v", obj)
			}
			if got := strings.Join(warnings, "; "); (tt.warn == "") != (got == "") || !strings.Contains(got, tt.warn) {
				t.Errorf("warnings %q, want %q", got, tt.warn)
			}
		})
	}
}

func FuzzDecode(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/*/*/*/*/*")
	for _, s := range seeds {
		if data, err := os.ReadFile(s); err == nil {
			f.Add(data)
		}
	}
	f.Add([]byte(`{"apiVersion":"kubelet.config.k8s.io/v1beta1","kind":"KubeletConfiguration","featureGates":{"A":null},"clusterDNS":[{"x":1}]}`))
	f.Add([]byte("apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nevictionHard: {memory.available: 1Mi}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		obj, _, err := Decode(data)
		if err != nil {
			return
		}
		if obj["apiVersion"] != APIVersion || obj["kind"] != Kind {
			t.Fatalf("accepted %v/%v", obj["apiVersion"], obj["kind"])
		}
		// What decodes must merge and render without panicking.
		e := &Effective{values: map[string]leaf{}}
		e.mergePatch("", obj, Source{Kind: File, Where: "/f"})
		for _, p := range Paths() {
			_ = e.Get(p)
		}
	})
}

func BenchmarkResolve(b *testing.B) {
	const dir = "/etc/kubernetes/kubelet/config.json.d"
	fs := rootFS(b, "testdata/eks-al2023")
	// Read the files once: the benchmark measures resolving, as a node source that has
	// already read them would.
	cache := map[string]*inventory.File{}
	file := func(p string) *inventory.File {
		if f, ok := cache[p]; ok {
			return f
		}
		f := fs(p)
		cache[p] = f
		return f
	}
	fl := parse("--config=/etc/kubernetes/kubelet/config.json", "--config-dir="+dir, "--kubeconfig=/var/lib/kubelet/kubeconfig",
		"--hostname-override=ip-10-0-1-23", "--anonymous-auth=false", "--feature-gates=RotateKubeletServerCertificate=true")
	b.ReportAllocs()
	for b.Loop() {
		e := Resolve(fl, file)
		if e.Get("maxPods").Value != "58" {
			b.Fatal(e.Get("maxPods"))
		}
	}
}
