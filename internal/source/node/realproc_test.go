package node

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"

	"palisade.dev/palisade/internal/inventory"
	"palisade.dev/palisade/internal/testcluster"
)

// clusterPIDs finds the processes of a test cluster: those whose command line names its
// folder (etcd's --data-dir, kube-apiserver's --cert-dir ...).
func clusterPIDs(t testing.TB, c *testcluster.Cluster) []int {
	t.Helper()
	pids, err := listPIDs("/proc")
	if err != nil {
		t.Fatalf("listing /proc: %v", err)
	}
	var out []int
	for _, pid := range pids {
		data, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "cmdline"))
		if err == nil && bytes.Contains(data, []byte(c.Dir+string(filepath.Separator))) {
			out = append(out, pid)
		}
	}
	if len(out) < 2 {
		t.Fatalf("found %d processes of the test cluster in %s, want etcd and kube-apiserver", len(out), c.Dir)
	}
	return out
}

func TestRealProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a test cluster")
	}
	c := testcluster.New(t, testcluster.Options{
		AuthorizationMode: "Node,RBAC",
		AdmissionPlugins:  []string{"NodeRestriction", "AlwaysPullImages"},
		ExtraAPIServerFlags: []string{"--profiling=false", "--service-account-issuer", "https://issuer.example",
			"--enable-bootstrap-token-auth", "--tls-cipher-suites=TLS_AES_128_GCM_SHA256,TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"},
	})
	pids := clusterPIDs(t, c)
	res := Scan(context.Background(), Options{PIDs: pids})
	if len(res.Errors) > 0 {
		t.Fatalf("errors:\n%s", errorsText(res.Errors))
	}
	n := res.Node
	var got []string
	for _, comp := range n.Components {
		if comp.Source == inventory.FromProcess {
			got = append(got, string(comp.Kind))
		}
	}
	if !slices.Equal(got, []string{"etcd", "kube-apiserver"}) {
		t.Fatalf("components from processes %v, want etcd and kube-apiserver", got)
	}
	api := n.ComponentsOf(inventory.KubeAPIServer)[0]
	if !slices.Contains(pids, api.PID) || api.Path != "/proc/"+strconv.Itoa(api.PID)+"/cmdline" {
		t.Errorf("apiserver pid %d path %s", api.PID, api.Path)
	}
	lists := []struct {
		flag string
		want []string
	}{
		{"authorization-mode", []string{"Node", "RBAC"}},
		{"enable-admission-plugins", []string{"NodeRestriction", "AlwaysPullImages"}},
		// The harness's issuer, then the one added: a StringArray accumulates.
		{"service-account-issuer", []string{"https://kubernetes.default.svc", "https://issuer.example"}},
		{"tls-cipher-suites", []string{"TLS_AES_128_GCM_SHA256", "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"}},
	}
	for _, tc := range lists {
		if got := api.Flags.Lookup(tc.flag).List(); !slices.Equal(got, tc.want) {
			t.Errorf("--%s = %q, want %q", tc.flag, got, tc.want)
		}
	}
	scalars := []struct{ flag, want string }{
		{"anonymous-auth", "false"},
		{"profiling", "false"},
		{"enable-bootstrap-token-auth", "true"}, // bare
		{"etcd-servers", c.EtcdURL},
		{"client-ca-file", c.ClientCAFile},
	}
	for _, tc := range scalars {
		if got := api.Flags.Lookup(tc.flag).String(); got != tc.want {
			t.Errorf("--%s = %q, want %q", tc.flag, got, tc.want)
		}
	}
	if ca := n.File(c.ClientCAFile); ca == nil || !ca.Exists || !bytes.Contains(ca.Data, []byte("BEGIN CERTIFICATE")) {
		t.Errorf("client CA file = %+v", ca)
	}
	if certs := n.File(filepath.Join(c.Dir, "apiserver-certs")); certs == nil || !slices.Contains(certs.Entries, "apiserver.crt") {
		t.Errorf("--cert-dir = %+v", certs)
	} else if crt := n.File(filepath.Join(c.Dir, "apiserver-certs", "apiserver.crt")); crt == nil || len(crt.Data) == 0 {
		t.Errorf("the serving certificate in --cert-dir was not read: %+v", crt)
	}

	etcd := n.ComponentsOf(inventory.Etcd)[0]
	if got := etcd.Flags.Lookup("listen-client-urls").String(); got != c.EtcdURL {
		t.Errorf("etcd --listen-client-urls = %q, want %q", got, c.EtcdURL)
	}
	if got := etcd.Flags.Lookup("unsafe-no-fsync").String(); got != "true" {
		t.Errorf("etcd --unsafe-no-fsync = %q", got)
	}
	for k := range etcd.Env {
		if !bytes.HasPrefix([]byte(k), []byte("ETCD_")) {
			t.Errorf("etcd env keeps %s", k)
		}
	}
	dataDir := n.File(filepath.Join(c.Dir, "etcd"))
	if dataDir == nil || !dataDir.Exists || !dataDir.IsDir || dataDir.UID != os.Getuid() || dataDir.Entries != nil {
		t.Errorf("etcd data dir = %+v, want stat'ed only", dataDir)
	}
}
