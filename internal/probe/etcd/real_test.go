package etcd_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"

	"palisade.dev/palisade/internal/inventory"
	"palisade.dev/palisade/internal/probe/conn"
	"palisade.dev/palisade/internal/probe/etcd"
	"palisade.dev/palisade/internal/testcluster"
)

// cluster's etcd requires client certificates; the tests write values of every stored form
// into it directly, under prefixes of their own, to prove what the API server cannot be made
// to write (several providers at once, JSON).
var cluster = testcluster.Shared{Options: testcluster.Options{Etcd: testcluster.EtcdOptions{TLS: true, ClientCertAuth: true}}}

func TestMain(m *testing.M) { os.Exit(cluster.Main(m)) }

// credentials is the client TLS configuration the user would give: etcd's CA and the
// cluster's client certificate for etcd.
func credentials(t testing.TB, c *testcluster.Cluster) *tls.Config {
	t.Helper()
	caPEM, err := os.ReadFile(c.EtcdCAFile)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(caPEM)
	pair, err := tls.LoadX509KeyPair(c.EtcdCertFile, c.EtcdKeyFile)
	if err != nil {
		t.Fatal(err)
	}
	return &tls.Config{RootCAs: pool, Certificates: []tls.Certificate{pair}}
}

// put writes kv into the cluster's etcd.
func put(t testing.TB, c *testcluster.Cluster, kv map[string]string) {
	t.Helper()
	cli, err := clientv3.New(clientv3.Config{Endpoints: []string{c.EtcdURL}, DialTimeout: 10 * time.Second, TLS: credentials(t, c)})
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for k, v := range kv {
		if _, err := cli.Put(ctx, k, v); err != nil {
			t.Fatalf("writing %s: %v", k, err)
		}
	}
}

// endpointConn is what the engine hands the prober for the cluster's etcd, which refuses
// TLS clients without a certificate: an anonymous client that verifies nothing, and the
// user's credentials.
func endpointConn(t testing.TB, c *testcluster.Cluster) *conn.Conn {
	t.Helper()
	address := strings.TrimPrefix(c.EtcdURL, "https://")
	return &conn.Conn{
		Endpoint: &inventory.Endpoint{Host: "127.0.0.1", Address: address, Component: "etcd", Reachable: true, Protocol: "https",
			TLS: &inventory.TLSFacts{ClientCertRequired: true}},
		HTTP:      &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}, //nolint:gosec // a probe verifies nothing
		BaseURL:   c.EtcdURL,
		ClientTLS: credentials(t, c),
		Timeout:   10 * time.Second,
	}
}

const marker = "fake-secret-VALUE-42"

func TestProofReadsTheStoredFormsOfARealEtcd(t *testing.T) {
	c := cluster.Require(t)
	prefix := "/palisade-proof"
	kv := map[string]string{}
	for i := range 5 {
		kv[fmt.Sprintf("%s/secrets/a/aes-%d", prefix, i)] = "k8s:enc:aescbc:v1:key1:" + marker
	}
	for i := range 3 {
		kv[fmt.Sprintf("%s/secrets/b/kms-%d", prefix, i)] = "k8s:enc:kms:v2:cloud-kms:" + marker
	}
	kv[prefix+"/secrets/c/proto"] = "k8s\x00" + marker
	kv[prefix+"/secrets/c/json"] = `{"data":"` + marker + `"}`
	kv[prefix+"/configmaps/c/other"] = "k8s\x00" + marker
	put(t, c, kv)

	for _, tc := range []struct {
		sample int
		want   string
	}{
		{0, "10 of 10 Secrets under /palisade-proof/secrets/ sampled: 5 encrypted with aescbc (key key1), " +
			"3 encrypted with kms v2 (key cloud-kms), 1 in plain text (JSON), 1 in plain text (protobuf)"},
		{4, "4 of 10 Secrets under /palisade-proof/secrets/ sampled: 4 encrypted with aescbc (key key1)"},
	} {
		t.Run(fmt.Sprintf("sample %d", tc.sample), func(t *testing.T) {
			cn := endpointConn(t, c)
			etcd.Options{Prefix: prefix, Sample: tc.sample}.Probe(context.Background(), cn)
			answers := cn.Endpoint.Answers
			if len(answers) != 2 {
				t.Fatalf("answers %+v, want /version and one range", answers)
			}
			if a := answers[0]; a.Path != "/version" || a.Status != 200 || !strings.HasSuffix(a.Summary, ", asked with the client certificate given") {
				t.Errorf("version answer %+v", a)
			}
			if a := answers[1]; a.Status != 200 || a.Summary != tc.want || a.Kind != inventory.AnswerSecretsSampled || a.Secrets == nil {
				t.Errorf("proof answer %+v, want summary %q", a, tc.want)
			}
			for _, a := range answers {
				if strings.Contains(fmt.Sprintf("%+v", a), "VALUE") {
					t.Errorf("answer %+v shows a value", a)
				}
			}
		})
	}
}

func TestProofWithACertificateEtcdDoesNotTrustSaysSo(t *testing.T) {
	c := cluster.Require(t)
	cn := endpointConn(t, c)
	cn.ClientTLS = &tls.Config{InsecureSkipVerify: true} //nolint:gosec // no certificate: refused
	etcd.Probe(context.Background(), cn)
	last := cn.Endpoint.Answers[len(cn.Endpoint.Answers)-1]
	if last.Summary != "not made: etcd refused the client certificate given" || last.Kind != inventory.AnswerSecretsUnproven {
		t.Errorf("answers %+v", cn.Endpoint.Answers)
	}
}

// BenchmarkProof proves the stored form of 200 Secrets of a real etcd over TLS with client
// certificates: a sample of the default size, and all of them.
func BenchmarkProof(b *testing.B) {
	c := cluster.Require(b)
	prefix := "/palisade-bench"
	kv := map[string]string{}
	for i := range 200 {
		// A Secret of about 1 KiB, encrypted as aescbc writes it.
		kv[fmt.Sprintf("%s/secrets/ns-%d/s-%03d", prefix, i%7, i)] = "k8s:enc:aescbc:v1:key1:" + strings.Repeat("x", 1024)
	}
	put(b, c, kv)
	for _, sample := range []int{etcd.DefaultSample, 200} {
		b.Run(fmt.Sprintf("sample=%d", sample), func(b *testing.B) {
			want := fmt.Sprintf("%d of 200 Secrets under %s/secrets/ sampled: %d encrypted with aescbc (key key1)", sample, prefix, sample)
			for b.Loop() {
				cn := endpointConn(b, c)
				etcd.Options{Prefix: prefix, Sample: sample}.Probe(context.Background(), cn)
				if got := cn.Endpoint.Answers[len(cn.Endpoint.Answers)-1].Summary; got != want {
					b.Fatalf("summary %q, want %q", got, want)
				}
			}
		})
	}
}
