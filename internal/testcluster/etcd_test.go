package testcluster_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"palisade.dev/palisade/internal/testcluster"
)

// procStrings are the NUL-separated strings of /proc/PID/FILE (cmdline, environ).
func procStrings(t *testing.T, pid int, file string) []string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), file))
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimSuffix(string(data), "\x00"), "\x00")
}

func requireProc(t *testing.T) {
	t.Helper()
	if runtime.GOOS != "linux" {
		t.Skip("reads /proc")
	}
}

func TestPIDsAreTheLiveProgramsByName(t *testing.T) {
	requireProc(t)
	c := cluster.Require(t)
	pids := c.PIDs()
	for _, name := range []string{"etcd", "kube-apiserver", "kubemark"} {
		t.Run(name, func(t *testing.T) {
			pid, ok := pids[name]
			if !ok {
				t.Fatalf("PIDs() = %v has no %s", pids, name)
			}
			if err := syscall.Kill(pid, 0); err != nil {
				t.Fatalf("process %d: %v", pid, err)
			}
			argv := procStrings(t, pid, "cmdline")
			if filepath.Base(argv[0]) != name {
				t.Errorf("process %d runs %q, want %s", pid, argv, name)
			}
		})
	}
	if len(pids) != 3 {
		t.Errorf("PIDs() = %v, want etcd, kube-apiserver and kubemark only", pids)
	}
}

// aescbcConfig is an EncryptionConfiguration that encrypts Secrets with a new AES-CBC key.
func aescbcConfig(t *testing.T) string {
	t.Helper()
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		t.Fatal(err)
	}
	return `apiVersion: apiserver.config.k8s.io/v1
kind: EncryptionConfiguration
resources:
- resources: [secrets]
  providers:
  - aescbc:
      keys:
      - name: key1
        secret: ` + base64.StdEncoding.EncodeToString(key) + `
  - identity: {}
`
}

// etcdTLS is a client TLS configuration that trusts etcd's CA and, with cert, presents the
// cluster's client certificate for etcd.
func etcdTLS(t *testing.T, c *testcluster.Cluster, cert bool) *tls.Config {
	t.Helper()
	caPEM, err := os.ReadFile(c.EtcdCAFile)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(caPEM) {
		t.Fatalf("%s holds no certificate", c.EtcdCAFile)
	}
	cfg := &tls.Config{RootCAs: pool}
	if cert {
		pair, err := tls.LoadX509KeyPair(c.EtcdCertFile, c.EtcdKeyFile)
		if err != nil {
			t.Fatal(err)
		}
		cfg.Certificates = []tls.Certificate{pair}
	}
	return cfg
}

// httpGet is the status of a GET of url with tlsConfig (nil for plain HTTP), or the error.
func httpGet(url string, tlsConfig *tls.Config) (int, error) {
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: tlsConfig}}
	defer client.CloseIdleConnections()
	resp, err := client.Get(url)
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}

// rawSecret is what the API server stored in etcd for Secret ns/name, read with etcd's own
// client and, over TLS, the cluster's client certificate for etcd.
func rawSecret(t *testing.T, c *testcluster.Cluster, ns, name string) []byte {
	t.Helper()
	cfg := clientv3.Config{Endpoints: []string{c.EtcdURL}, DialTimeout: 10 * time.Second}
	if c.EtcdCertFile != "" {
		cfg.TLS = etcdTLS(t, c, true)
	}
	cli, err := clientv3.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	key := "/registry/secrets/" + ns + "/" + name
	resp, err := cli.Get(ctx, key)
	if err != nil {
		t.Fatalf("reading %s from etcd: %v", key, err)
	}
	if len(resp.Kvs) != 1 {
		t.Fatalf("etcd holds %d values under %s, want 1", len(resp.Kvs), key)
	}
	return resp.Kvs[0].Value
}

// etcdSettingsWanted are settings that etcd must have been given for opts, as flag name and
// value.
func etcdSettingsWanted(c *testcluster.Cluster, opts testcluster.EtcdOptions) map[string]string {
	want := map[string]string{"listen-client-urls": c.EtcdURL, "listen-peer-urls": c.EtcdPeerURL}
	if opts.TLS {
		want["cert-file"] = filepath.Join(c.Dir, "etcd-pki", "server.crt")
	}
	if opts.ClientCertAuth {
		want["client-cert-auth"] = "true"
		want["trusted-ca-file"] = c.EtcdCAFile
	}
	if opts.PeerTLS {
		want["peer-cert-file"] = filepath.Join(c.Dir, "etcd-pki", "peer.crt")
		want["peer-client-cert-auth"] = "true"
		want["peer-trusted-ca-file"] = c.EtcdCAFile
	}
	return want
}

func TestClientCertAuthWithoutTLSIsRefused(t *testing.T) {
	_, err := testcluster.Start(context.Background(), testcluster.Options{Etcd: testcluster.EtcdOptions{ClientCertAuth: true}})
	if err == nil || !strings.Contains(err.Error(), "ClientCertAuth needs Options.Etcd.TLS") {
		t.Errorf("Start with ClientCertAuth and no TLS: %v, want the combination refused", err)
	}
}

// TestEtcdVariants runs the API server against etcd served each way Options.Etcd offers, and
// pins what a client of etcd and an auditor of its process see. The plain HTTP variant is
// the package's shared cluster; each other one starts a cluster of its own.
func TestEtcdVariants(t *testing.T) {
	// A variable of the test's own environment must not configure etcd.
	t.Setenv("ETCD_LEAKED_FROM_TEST", "1")
	for _, tc := range []struct {
		name    string
		etcd    testcluster.EtcdOptions
		encrypt bool // Secrets encrypted at rest with aescbc
	}{
		{name: "plain HTTP, flags"},
		{name: "TLS without client certificates", etcd: testcluster.EtcdOptions{TLS: true}},
		{
			name:    "TLS with client certificates and peer TLS, flags, encryption at rest",
			etcd:    testcluster.EtcdOptions{TLS: true, ClientCertAuth: true, PeerTLS: true},
			encrypt: true,
		},
		{
			name: "TLS with client certificates and peer TLS, environment",
			etcd: testcluster.EtcdOptions{TLS: true, ClientCertAuth: true, PeerTLS: true, UseEnv: true},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var c *testcluster.Cluster
			if tc.etcd == (testcluster.EtcdOptions{}) && !tc.encrypt {
				c = cluster.Require(t)
			} else {
				opts := testcluster.Options{Etcd: tc.etcd}
				if tc.encrypt {
					opts.EncryptionConfig = aescbcConfig(t)
				}
				began := time.Now()
				c = testcluster.New(t, opts)
				t.Logf("cluster started in %s", time.Since(began).Round(time.Millisecond))
			}
			checkEtcdVariant(t, c, tc.etcd, tc.encrypt)
		})
	}
}

func checkEtcdVariant(t *testing.T, c *testcluster.Cluster, opts testcluster.EtcdOptions, encrypt bool) {
	t.Run("API server is ready and stores objects", func(t *testing.T) {
		body, err := c.Client(testcluster.Admin).Discovery().RESTClient().Get().AbsPath("/readyz").DoRaw(context.Background())
		if err != nil || string(body) != "ok" {
			t.Fatalf("/readyz answered %q, %v", body, err)
		}
		c.NewNamespace(t)
	})

	t.Run("URLs and files name the scheme and certificates", func(t *testing.T) {
		for _, u := range []struct {
			name, url string
			tls       bool
		}{{"EtcdURL", c.EtcdURL, opts.TLS}, {"EtcdPeerURL", c.EtcdPeerURL, opts.PeerTLS}} {
			want := map[bool]string{true: "https://127.0.0.1:", false: "http://127.0.0.1:"}[u.tls]
			if !strings.HasPrefix(u.url, want) {
				t.Errorf("%s = %q, want %s...", u.name, u.url, want)
			}
		}
		files := map[string]string{"EtcdCAFile": c.EtcdCAFile, "EtcdCertFile": c.EtcdCertFile, "EtcdKeyFile": c.EtcdKeyFile}
		for name, path := range files {
			if !opts.TLS && !(opts.PeerTLS && name == "EtcdCAFile") {
				if path != "" {
					t.Errorf("%s = %q without TLS, want empty", name, path)
				}
				continue
			}
			if _, err := os.Stat(path); err != nil {
				t.Errorf("%s: %v", name, err)
			}
		}
	})

	if opts.TLS {
		t.Run("etcd serves clients over TLS only", func(t *testing.T) {
			plain := "http://" + strings.TrimPrefix(c.EtcdURL, "https://") + "/health"
			if code, err := httpGet(plain, nil); err == nil && code == http.StatusOK {
				t.Errorf("plain HTTP GET %s answered 200", plain)
			}
			if code, err := httpGet(c.EtcdURL+"/health", etcdTLS(t, c, true)); err != nil || code != http.StatusOK {
				t.Errorf("TLS GET /health with the client certificate: %d, %v; want 200", code, err)
			}
			code, err := httpGet(c.EtcdURL+"/health", etcdTLS(t, c, false))
			switch accepted := err == nil && code == http.StatusOK; {
			case opts.ClientCertAuth && accepted:
				t.Errorf("with client certificate auth, a TLS client without a certificate got 200")
			case !opts.ClientCertAuth && !accepted:
				t.Errorf("without client certificate auth, a TLS client without a certificate got %d, %v; want 200", code, err)
			}
		})
	}

	if opts.PeerTLS {
		t.Run("etcd serves peers over TLS with client certificates only", func(t *testing.T) {
			plain := "http://" + strings.TrimPrefix(c.EtcdPeerURL, "https://") + "/version"
			if code, err := httpGet(plain, nil); err == nil && code == http.StatusOK {
				t.Errorf("plain HTTP GET %s answered 200", plain)
			}
			if code, err := httpGet(c.EtcdPeerURL+"/version", etcdTLS(t, c, false)); err == nil && code == http.StatusOK {
				t.Errorf("a TLS client without a certificate got 200 from the peer URL")
			}
		})
	}

	t.Run("etcd is configured by "+map[bool]string{true: "environment", false: "flags"}[opts.UseEnv], func(t *testing.T) {
		requireProc(t)
		pid := c.PIDs()["etcd"]
		argv := procStrings(t, pid, "cmdline")
		var etcdEnv []string
		for _, kv := range procStrings(t, pid, "environ") {
			if strings.HasPrefix(kv, "ETCD_") {
				etcdEnv = append(etcdEnv, kv)
			}
		}
		for name, value := range etcdSettingsWanted(c, opts) {
			want, where := "--"+name+"="+value, argv[1:]
			if opts.UseEnv {
				want, where = "ETCD_"+strings.ToUpper(strings.ReplaceAll(name, "-", "_"))+"="+value, etcdEnv
			}
			if !slices.Contains(where, want) {
				t.Errorf("etcd lacks %s; command line %q, ETCD_ environment %q", want, argv, etcdEnv)
			}
		}
		if opts.UseEnv && len(argv) != 1 {
			t.Errorf("etcd configured by environment has arguments %q, want none", argv[1:])
		}
		if !opts.UseEnv && len(etcdEnv) != 0 {
			t.Errorf("etcd configured by flags has ETCD_ environment %q, want none", etcdEnv)
		}
		if slices.Contains(etcdEnv, "ETCD_LEAKED_FROM_TEST=1") {
			t.Errorf("the test's own ETCD_ variable reached etcd")
		}
	})

	t.Run(map[bool]string{true: "Secrets are stored encrypted with aescbc", false: "Secrets are stored unencrypted"}[encrypt], func(t *testing.T) {
		ns := c.NewNamespace(t)
		secret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "db"}, StringData: map[string]string{"password": "hunter2-at-rest"}}
		if _, err := c.Client(testcluster.Admin).CoreV1().Secrets(ns).Create(context.Background(), secret, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		raw := rawSecret(t, c, ns, "db")
		want := map[bool]string{true: "k8s:enc:aescbc:v1:key1:", false: "k8s\x00"}[encrypt]
		if !bytes.HasPrefix(raw, []byte(want)) {
			t.Errorf("etcd holds %q, want prefix %q", truncate(raw, 40), want)
		}
		if plain := bytes.Contains(raw, []byte("hunter2-at-rest")); plain == encrypt {
			t.Errorf("value in etcd holds the password in plain text: %t, want %t", plain, !encrypt)
		}
	})
}

func truncate(b []byte, n int) string {
	if len(b) > n {
		return fmt.Sprintf("%s...", b[:n])
	}
	return string(b)
}
