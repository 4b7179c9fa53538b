package etcdprobe_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/inventory"
	"palisade.dev/palisade/internal/probe/conn"
	"palisade.dev/palisade/internal/probe/etcd"
	"palisade.dev/palisade/internal/rules/etcdprobe"
	"palisade.dev/palisade/internal/testcluster"
	"palisade.dev/palisade/internal/testrules"
)

// cluster is the package's test cluster: etcd on plain HTTP, as testcluster runs it by
// default. The other variants start clusters of their own.
var cluster = testcluster.Shared{}

func TestMain(m *testing.M) { os.Exit(cluster.Main(m)) }

// fakeSecret is the value of every Secret the tests create: no answer, summary, message or
// evidence may hold it, in plain text or in base64.
const fakeSecret = "palisade-fake-secret-VALUE-7f3a9c"

// aescbcFirst encrypts Secrets with aescbc (a fixed 32-byte key, key1), identity second.
const aescbcFirst = `apiVersion: apiserver.config.k8s.io/v1
kind: EncryptionConfiguration
resources:
- resources: [secrets]
  providers:
  - aescbc:
      keys:
      - name: key1
        secret: MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=
  - identity: {}
`

// etcdCredentials is what the user gives with --etcd-cert, --etcd-key and --etcd-ca: the API
// server's client certificate for etcd and etcd's CA.
func etcdCredentials(t *testing.T, c *testcluster.Cluster) *tls.Config {
	t.Helper()
	caPEM, err := os.ReadFile(c.EtcdCAFile)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(caPEM) {
		t.Fatalf("%s holds no certificate", c.EtcdCAFile)
	}
	pair, err := tls.LoadX509KeyPair(c.EtcdCertFile, c.EtcdKeyFile)
	if err != nil {
		t.Fatal(err)
	}
	return &tls.Config{RootCAs: pool, Certificates: []tls.Certificate{pair}}
}

// anonymousTLS is how a probe speaks TLS: no certificate, no verification.
func anonymousTLS() *tls.Config {
	return &tls.Config{InsecureSkipVerify: true} //nolint:gosec // a probe records the chain; rules judge it
}

// probe does what the probe engine does for one endpoint: it learns the protocol and whether
// a TLS client without a certificate is refused, then hands a credential-less connection (and
// the user's credentials, when given) to etcd's prober.
func probe(t *testing.T, rawURL, component string, creds *tls.Config) *inventory.Endpoint {
	t.Helper()
	u, err := url.Parse(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	port, _ := strconv.Atoi(u.Port())
	ep := &inventory.Endpoint{Host: u.Hostname(), Port: port, Address: u.Host, Component: component, Reachable: true,
		Protocol: u.Scheme, ProbedAt: time.Now()}
	transport := &http.Transport{}
	if u.Scheme == "https" {
		transport.TLSClientConfig = anonymousTLS()
		ep.TLS = &inventory.TLSFacts{ClientCertRequired: certificateRequired(t, u.Host)}
	}
	client := &http.Client{Transport: transport}
	defer client.CloseIdleConnections()
	c := &conn.Conn{Endpoint: ep, HTTP: client, BaseURL: u.Scheme + "://" + u.Host, ClientTLS: creds, Timeout: 10 * time.Second}
	etcd.Probe(context.Background(), c)
	return ep
}

// certificateRequired reports whether the TLS server at address refuses a client without a
// certificate, in the handshake (TLS 1.2) or in its first record after it (TLS 1.3).
func certificateRequired(t *testing.T, address string) bool {
	t.Helper()
	d := &tls.Dialer{NetDialer: &net.Dialer{Timeout: 5 * time.Second}, Config: anonymousTLS()}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	raw, err := d.DialContext(ctx, "tcp", address)
	if err == nil {
		defer raw.Close()
		_ = raw.SetDeadline(time.Now().Add(5 * time.Second))
		_, err = fmt.Fprintf(raw, "GET /version HTTP/1.1\r\nHost: %s\r\n\r\n", address)
		if err == nil {
			_, err = raw.Read(make([]byte, 1))
		}
	}
	var alert tls.AlertError
	if errors.As(err, &alert) || err != nil && (strings.Contains(err.Error(), "certificate required") || strings.Contains(err.Error(), "bad certificate")) {
		return true
	}
	if err != nil {
		t.Fatalf("TLS to %s without a certificate: %v", address, err)
	}
	return false
}

// createSecrets creates n Secrets holding fakeSecret through the API and returns their
// namespace.
func createSecrets(t *testing.T, c *testcluster.Cluster, n int) string {
	t.Helper()
	ns := c.NewNamespace(t)
	for i := range n {
		s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("db-%d", i)},
			StringData: map[string]string{"password": fakeSecret, "token": fakeSecret + "-token"}}
		if _, err := c.Client(testcluster.Admin).CoreV1().Secrets(ns).Create(context.Background(), s, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	return ns
}

// storedInPlainText reports whether etcd holds fakeSecret in plain text in Secret ns/db-0:
// what makes the test that no value shows meaningful.
func storedInPlainText(t *testing.T, c *testcluster.Cluster, creds *tls.Config, ns string) bool {
	t.Helper()
	cli, err := clientv3.New(clientv3.Config{Endpoints: []string{c.EtcdURL}, DialTimeout: 10 * time.Second, TLS: creds})
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	resp, err := cli.Get(ctx, "/registry/secrets/"+ns+"/db-0")
	if err != nil || len(resp.Kvs) != 1 {
		t.Fatalf("reading Secret %s/db-0 from etcd: %v", ns, err)
	}
	return bytes.Contains(resp.Kvs[0].Value, []byte(fakeSecret))
}

// checkNoValue fails when fakeSecret shows anywhere in the endpoints' answers or the
// findings: in plain text, or in base64 at any alignment.
func checkNoValue(t *testing.T, eps []*inventory.Endpoint, vs []testrules.Verdict) {
	t.Helper()
	forms := []string{fakeSecret}
	for pad := range 3 {
		enc := base64.StdEncoding.EncodeToString([]byte(strings.Repeat("\x00", pad) + fakeSecret))
		forms = append(forms, enc[4:len(enc)-4])
	}
	texts := map[string]string{}
	for _, ep := range eps {
		data, err := json.Marshal(ep)
		if err != nil {
			t.Fatal(err)
		}
		texts["endpoint "+ep.Address] = string(data)
	}
	for _, v := range vs {
		data, err := json.Marshal(v.Finding)
		if err != nil {
			t.Fatal(err)
		}
		texts["finding "+v.Rule+" "+v.Name] = string(data)
	}
	for where, text := range texts {
		for _, form := range forms {
			if strings.Contains(text, form) {
				t.Errorf("%s shows a Secret's value (%q): %s", where, form, text)
			}
		}
	}
}

// expect is the verdict wanted of a rule on an endpoint.
type expect struct {
	status   finding.Status
	severity finding.Severity // for failures
	text     string           // in the message or the evidence
}

func checkVerdicts(t *testing.T, vs []testrules.Verdict, address string, want map[string]expect) {
	t.Helper()
	got := map[string]testrules.Verdict{}
	for _, v := range vs {
		if v.Name == address {
			got[v.Rule] = v
		}
	}
	if len(got) != len(want) {
		t.Errorf("%s: %d verdicts, want %d", address, len(got), len(want))
	}
	for id, w := range want {
		f, ok := got[id]
		switch {
		case !ok:
			t.Errorf("%s %s: no verdict", id, address)
		case f.Status != w.status || f.Status == finding.Fail && f.Severity != w.severity:
			t.Errorf("%s %s: %s %s, want %s %s (%s | %s)", id, address, f.Status, f.Severity, w.status, w.severity, f.Message, f.Evidence)
		case !strings.Contains(f.Message+" | "+f.Evidence, w.text):
			t.Errorf("%s %s: %q | %q does not say %q", id, address, f.Message, f.Evidence, w.text)
		}
	}
}

// TestEtcdVariantsGiveDistinctVerdicts probes three real etcd servers as an attacker and, with
// the client certificate the API server uses, as an auditor proving encryption at rest: plain
// HTTP (no credentials to give), TLS without client-certificate authentication (Secrets in
// plain text), and TLS with client certificates, peer TLS and aescbc encryption.
func TestEtcdVariantsGiveDistinctVerdicts(t *testing.T) {
	const secrets = 3
	for _, tc := range []struct {
		name    string
		opts    testcluster.Options
		peer    bool // probe the peer port too
		client  map[string]expect
		peerWnt map[string]expect
	}{
		{
			name: "plain HTTP",
			peer: true,
			client: map[string]expect{
				"etcd/probe-plain-http":         {fail, finding.Critical, "answers plain HTTP: no encryption and no client certificates"},
				"etcd/probe-client-cert-auth":   {na, 0, "speaks plain HTTP: there is no TLS handshake to judge"},
				"etcd/probe-keys-readable":      {fail, finding.Critical, "keys readable under /registry/"},
				"etcd/probe-secrets-encryption": {na, 0, "give etcd's client certificate, key and CA"},
			},
			peerWnt: map[string]expect{
				"etcd/probe-plain-http":       {fail, finding.Critical, "peer port at 127.0.0.1:"},
				"etcd/probe-client-cert-auth": {na, 0, "speaks plain HTTP"},
				"etcd/probe-keys-readable":    {pass, 0, "no v3 gateway at this port (HTTP 404)"},
			},
		},
		{
			name: "TLS without client certificates, no encryption configuration",
			opts: testcluster.Options{Etcd: testcluster.EtcdOptions{TLS: true}},
			client: map[string]expect{
				"etcd/probe-plain-http":         {pass, 0, "speaks TLS"},
				"etcd/probe-client-cert-auth":   {fail, finding.High, "high rather than critical because a loopback address"},
				"etcd/probe-keys-readable":      {fail, finding.Critical, "keys readable under /registry/"},
				"etcd/probe-secrets-encryption": {fail, finding.Critical, fmt.Sprintf("%d of %d Secrets under /registry/secrets/ sampled: %d in plain text (protobuf)", secrets, secrets, secrets)},
			},
		},
		{
			name: "TLS with client certificates, peer TLS, aescbc first",
			opts: testcluster.Options{Etcd: testcluster.EtcdOptions{TLS: true, ClientCertAuth: true, PeerTLS: true}, EncryptionConfig: aescbcFirst},
			peer: true,
			client: map[string]expect{
				"etcd/probe-plain-http":         {pass, 0, "speaks TLS"},
				"etcd/probe-client-cert-auth":   {pass, 0, "refused a TLS handshake without a client certificate"},
				"etcd/probe-keys-readable":      {pass, 0, "no request without credentials reaches etcd"},
				"etcd/probe-secrets-encryption": {pass, 0, fmt.Sprintf("%d of %d Secrets under /registry/secrets/ sampled: %d encrypted with aescbc (key key1)", secrets, secrets, secrets)},
			},
			peerWnt: map[string]expect{
				"etcd/probe-plain-http":       {pass, 0, "speaks TLS"},
				"etcd/probe-client-cert-auth": {pass, 0, "refused a TLS handshake without a client certificate"},
				"etcd/probe-keys-readable":    {pass, 0, "no request without credentials reaches etcd"},
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var c *testcluster.Cluster
			if tc.opts.Etcd == (testcluster.EtcdOptions{}) && tc.opts.EncryptionConfig == "" {
				c = cluster.Require(t)
			} else {
				c = testcluster.New(t, tc.opts)
			}
			ns := createSecrets(t, c, secrets)
			var creds *tls.Config
			if c.EtcdCertFile != "" {
				creds = etcdCredentials(t, c)
			}
			if plain := storedInPlainText(t, c, creds, ns); plain != (tc.opts.EncryptionConfig == "") {
				t.Fatalf("etcd holds the Secret's value in plain text: %t", plain)
			}
			began := time.Now()
			eps := []*inventory.Endpoint{probe(t, c.EtcdURL, "etcd", creds)}
			if tc.peer {
				eps = append(eps, probe(t, c.EtcdPeerURL, "etcd-peer", creds))
			}
			t.Logf("probed in %s", time.Since(began).Round(time.Millisecond))
			vs := testrules.Endpoints(t, testrules.Rules(t, etcdprobe.Rules()...), "", nil, eps...)
			checkVerdicts(t, vs, eps[0].Address, tc.client)
			if tc.peer {
				checkVerdicts(t, vs, eps[1].Address, tc.peerWnt)
			}
			checkNoValue(t, eps, vs)
			if t.Failed() {
				for _, ep := range eps {
					t.Logf("%s answers: %+v", ep.Address, ep.Answers)
				}
			}
			if tc.opts.EncryptionConfig != "" {
				t.Run("a Secret written before encryption was configured", func(t *testing.T) {
					// What a Secret written before --encryption-provider-config looks like
					// in etcd: protobuf, unencrypted.
					putRaw(t, c, creds, "/registry/secrets/"+ns+"/written-before", "k8s\x00\n\x0c\n\x02v1\x12\x06Secret"+fakeSecret)
					ep := probe(t, c.EtcdURL, "etcd", creds)
					vs := testrules.Endpoints(t, testrules.Rules(t, etcdprobe.Rules()...), "", nil, ep)
					partly := expect{fail, finding.High, fmt.Sprintf("1 of the %d sampled under /registry/secrets/ (of %d) are plain text, %d encrypted", secrets+1, secrets+1, secrets) +
						". Encryption is configured, but objects written before it are not re-encrypted; rewrite every Secret so that it is stored encrypted: " +
						"kubectl get secrets -A -o json | kubectl replace -f -"}
					checkVerdicts(t, vs, ep.Address, map[string]expect{
						"etcd/probe-plain-http":         tc.client["etcd/probe-plain-http"],
						"etcd/probe-client-cert-auth":   tc.client["etcd/probe-client-cert-auth"],
						"etcd/probe-keys-readable":      tc.client["etcd/probe-keys-readable"],
						"etcd/probe-secrets-encryption": partly,
					})
					checkNoValue(t, []*inventory.Endpoint{ep}, vs)
				})
			}
		})
	}
}

// putRaw writes value under key in the cluster's etcd, as the API server would have.
func putRaw(t *testing.T, c *testcluster.Cluster, creds *tls.Config, key, value string) {
	t.Helper()
	cli, err := clientv3.New(clientv3.Config{Endpoints: []string{c.EtcdURL}, DialTimeout: 10 * time.Second, TLS: creds})
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := cli.Put(ctx, key, value); err != nil {
		t.Fatalf("writing %s: %v", key, err)
	}
}
