package tlsprobe_test

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"sort"
	"strings"
	"testing"
	"time"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/inventory"
	"palisade.dev/palisade/internal/probe/tlsscan"
	"palisade.dev/palisade/internal/rules/tlsprobe"
	"palisade.dev/palisade/internal/testrules"
	"palisade.dev/palisade/internal/testtls"
)

var loopback = []net.IP{net.IPv4(127, 0, 0, 1)}

// scanned is the endpoint the probe engine records for a TLS server: the scan's facts, at
// the probe's time.
func scanned(t *testing.T, config *tls.Config) *inventory.Endpoint {
	t.Helper()
	s := testtls.Serve(t, config)
	facts := tlsscan.Scan(context.Background(), s.Host, s.Port, 2*time.Second)
	if facts == nil {
		t.Fatal("the scan found no TLS")
	}
	addr := fmt.Sprintf("%s:%d", s.Host, s.Port)
	return &inventory.Endpoint{Host: s.Host, Port: s.Port, Address: addr, Component: "kube-apiserver",
		Reachable: true, Protocol: "https", TLS: facts, ProbedAt: time.Now()}
}

func TestVerdictsOnRealHandshakes(t *testing.T) {
	ca := testtls.Certificate(t, testtls.CertOptions{CommonName: "cluster-ca", IsCA: true})
	good := testtls.Certificate(t, testtls.CertOptions{CommonName: "apiserver", IPs: loopback, Parent: ca})
	rsaGood := testtls.Certificate(t, testtls.CertOptions{CommonName: "apiserver", IPs: loopback, Parent: ca, RSA: true})
	expiredSelfSigned := testtls.Certificate(t, testtls.CertOptions{CommonName: "old", IPs: loopback,
		NotBefore: time.Now().Add(-400 * 24 * time.Hour), NotAfter: time.Now().Add(-3 * 24 * time.Hour)})
	// The kubelet without tlsCertFile: a leaf "<host>@<time>" signed by a CA "<host>-ca@<time>"
	// it made for itself (client-go cert.GenerateSelfSignedCertKey).
	kubeletCA := testtls.Certificate(t, testtls.CertOptions{CommonName: "node-1-ca@1700000000", IsCA: true})
	kubeletLeaf := testtls.Certificate(t, testtls.CertOptions{CommonName: "node-1@1700000000", DNSNames: []string{"node-1"}, Parent: kubeletCA})
	noSAN := testtls.Certificate(t, testtls.CertOptions{CommonName: "no-san", Parent: ca})
	soon := testtls.Certificate(t, testtls.CertOptions{CommonName: "soon", IPs: loopback, Parent: ca, NotAfter: time.Now().Add(10 * 24 * time.Hour)})

	tests := []struct {
		name   string
		config *tls.Config
		want   map[string]string
	}{
		{"TLS 1.3 only, issued by a CA: every rule passes",
			&tls.Config{MinVersion: tls.VersionTLS13, Certificates: []tls.Certificate{*good}},
			map[string]string{"tls/legacy-versions": "pass", "tls/weak-cipher-suites": "pass", "tls/certificate-expiry": "pass",
				"tls/serving-san": "pass", "tls/self-signed-serving-cert": "pass"}},
		{"TLS 1.0 accepted",
			&tls.Config{MinVersion: tls.VersionTLS10, MaxVersion: tls.VersionTLS11, Certificates: []tls.Certificate{*good}},
			map[string]string{"tls/legacy-versions": "fail high", "tls/weak-cipher-suites": "fail low"}},
		{"TLS 1.1 the oldest accepted",
			&tls.Config{MinVersion: tls.VersionTLS11, Certificates: []tls.Certificate{*good}},
			map[string]string{"tls/legacy-versions": "fail medium"}},
		{"Go's TLS 1.2 defaults accept ECDHE CBC with SHA-1",
			&tls.Config{Certificates: []tls.Certificate{*good}},
			map[string]string{"tls/legacy-versions": "pass", "tls/weak-cipher-suites": "fail low"}},
		{"3DES accepted",
			&tls.Config{MaxVersion: tls.VersionTLS12, Certificates: []tls.Certificate{*rsaGood},
				CipherSuites: []uint16{tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, tls.TLS_RSA_WITH_3DES_EDE_CBC_SHA}},
			map[string]string{"tls/weak-cipher-suites": "fail high"}},
		{"RSA key exchange accepted",
			&tls.Config{MaxVersion: tls.VersionTLS12, Certificates: []tls.Certificate{*rsaGood},
				CipherSuites: []uint16{tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, tls.TLS_RSA_WITH_AES_128_GCM_SHA256}},
			map[string]string{"tls/weak-cipher-suites": "fail medium"}},
		{"expired and self-signed",
			&tls.Config{MinVersion: tls.VersionTLS13, Certificates: []tls.Certificate{*expiredSelfSigned}},
			map[string]string{"tls/certificate-expiry": "fail critical", "tls/self-signed-serving-cert": "fail medium", "tls/serving-san": "pass"}},
		{"the kubelet's self-generated certificate",
			&tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{*kubeletLeaf}},
			map[string]string{"tls/self-signed-serving-cert": "fail medium", "tls/certificate-expiry": "pass"}},
		{"no subject alternative name",
			&tls.Config{MinVersion: tls.VersionTLS13, Certificates: []tls.Certificate{*noSAN}},
			map[string]string{"tls/serving-san": "fail medium", "tls/self-signed-serving-cert": "pass"}},
		{"expiring within 30 days",
			&tls.Config{MinVersion: tls.VersionTLS13, Certificates: []tls.Certificate{*soon}},
			map[string]string{"tls/certificate-expiry": "fail medium"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ep := scanned(t, tt.config)
			vs := testrules.Endpoints(t, testrules.Rules(t, tlsprobe.Rules()...), "", nil, ep)
			got := testrules.Index(t, vs)
			if len(vs) != 5 || len(got) != 5 {
				t.Errorf("%d verdicts, want one per rule: %v", len(vs), vs)
			}
			for id, want := range tt.want {
				f := got[id+" "+ep.Address]
				if f.Outcome() != want {
					t.Errorf("%s = %q (%s; %s), want %q", id, f.Outcome(), f.Message, f.Evidence, want)
				}
				if !strings.Contains(f.Message+f.Evidence, ep.Address) && f.Status == finding.Fail {
					t.Errorf("%s: the failure does not name the endpoint: %q", id, f.Message)
				}
			}
		})
	}
}

func TestExpiryIsJudgedAtTheProbeTime(t *testing.T) {
	cert := testtls.Certificate(t, testtls.CertOptions{CommonName: "c", IPs: loopback,
		NotBefore: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC), NotAfter: time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC)})
	facts := &inventory.TLSFacts{Versions: []string{"TLS 1.3"}, Chain: [][]byte{testtls.PEM(cert)}}
	tests := []struct {
		at   time.Time
		want string
	}{
		{time.Date(2029, 12, 1, 0, 0, 0, 0, time.UTC), "fail high"},
		{time.Date(2030, 6, 1, 0, 0, 0, 0, time.UTC), "pass"},
		{time.Date(2030, 12, 20, 0, 0, 0, 0, time.UTC), "fail medium"},
		{time.Date(2031, 2, 1, 0, 0, 0, 0, time.UTC), "fail critical"},
		{time.Time{}, "not-applicable"},
	}
	c := testrules.Rules(t, tlsprobe.Rules()...)
	for _, tt := range tests {
		ep := &inventory.Endpoint{Host: "10.0.0.1", Port: 2379, Address: "10.0.0.1:2379", Component: "etcd",
			Reachable: true, Protocol: "https", TLS: facts, ProbedAt: tt.at}
		vs := testrules.Endpoints(t, c, "tls/certificate-expiry", nil, ep)
		if len(vs) != 1 || vs[0].Outcome() != tt.want {
			t.Errorf("at %s: %v, want one %q", tt.at, vs, tt.want)
		}
	}
}

// TestEndpointsWithoutTLSAreNotApplicable pins that plain HTTP, closed ports and chains that
// do not parse give a reason, never a pass.
func TestEndpointsWithoutTLSAreNotApplicable(t *testing.T) {
	tests := []struct {
		name string
		ep   inventory.Endpoint
		why  string
	}{
		{"plain HTTP", inventory.Endpoint{Reachable: true, Protocol: "http"}, "speaks http"},
		{"closed", inventory.Endpoint{Error: "connection refused"}, "connection refused"},
		{"nonsense", inventory.Endpoint{Reachable: true}, "no TLS handshake"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ep := tt.ep
			ep.Host, ep.Port, ep.Address, ep.Component = "10.0.0.1", 10250, "10.0.0.1:10250", "kubelet"
			for _, f := range testrules.Endpoints(t, testrules.Rules(t, tlsprobe.Rules()...), "", nil, &ep) {
				if f.Status != finding.NotApplicable || !strings.Contains(f.Message, tt.why) {
					t.Errorf("%s = %q %q, want not applicable because %q", f.Rule, f.Outcome(), f.Message, tt.why)
				}
			}
		})
	}
	t.Run("a chain that does not parse", func(t *testing.T) {
		ep := &inventory.Endpoint{Host: "10.0.0.1", Port: 443, Address: "10.0.0.1:443", Reachable: true, Protocol: "https", ProbedAt: time.Now(),
			TLS: &inventory.TLSFacts{Versions: []string{"TLS 1.3"}, Chain: [][]byte{[]byte("-----BEGIN CERTIFICATE-----\nbm9wZQ==\n-----END CERTIFICATE-----\n")}}}
		got := testrules.Index(t, testrules.Endpoints(t, testrules.Rules(t, tlsprobe.Rules()...), "", nil, ep))
		var ids []string
		for _, id := range []string{"tls/certificate-expiry", "tls/serving-san", "tls/self-signed-serving-cert"} {
			if v := got[id+" "+ep.Address]; v.Status != finding.NotApplicable {
				ids = append(ids, id+" = "+v.Outcome())
			}
		}
		sort.Strings(ids)
		if len(ids) > 0 {
			t.Errorf("want not applicable: %v", ids)
		}
	})
}
