package tlsscan_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"testing"
	"time"

	"palisade.dev/palisade/internal/probe/tlsscan"
	"palisade.dev/palisade/internal/testtls"
)

const timeout = 2 * time.Second

func TestScanFindsTheVersionsSuitesAndClientCertificatePolicy(t *testing.T) {
	rsaCert := testtls.Certificate(t, testtls.CertOptions{CommonName: "rsa", RSA: true, IPs: []net.IP{net.IPv4(127, 0, 0, 1)}})
	tests := []struct {
		name         string
		config       *tls.Config
		versions     []string
		weak         []string // must be among the weak suites found
		noWeak       bool
		certRequired bool
	}{
		{
			name:     "TLS 1.0 and 1.1 only",
			config:   &tls.Config{MinVersion: tls.VersionTLS10, MaxVersion: tls.VersionTLS11},
			versions: []string{"TLS 1.0", "TLS 1.1"},
			weak:     []string{"TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA"},
		},
		{
			name:     "TLS 1.3 only has no weak suites to offer",
			config:   &tls.Config{MinVersion: tls.VersionTLS13},
			versions: []string{"TLS 1.3"},
			noWeak:   true,
		},
		{
			name: "TLS 1.2 with 3DES and RSA key exchange",
			config: &tls.Config{MaxVersion: tls.VersionTLS12, Certificates: []tls.Certificate{*rsaCert},
				CipherSuites: []uint16{tls.TLS_RSA_WITH_3DES_EDE_CBC_SHA, tls.TLS_RSA_WITH_AES_128_GCM_SHA256, tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256}},
			versions: []string{"TLS 1.2"},
			weak:     []string{"TLS_RSA_WITH_3DES_EDE_CBC_SHA", "TLS_RSA_WITH_AES_128_GCM_SHA256"},
		},
		{
			name: "TLS 1.2 with RC4",
			config: &tls.Config{MaxVersion: tls.VersionTLS12, Certificates: []tls.Certificate{*rsaCert},
				CipherSuites: []uint16{tls.TLS_ECDHE_RSA_WITH_RC4_128_SHA}},
			versions: []string{"TLS 1.2"},
			weak:     []string{"TLS_ECDHE_RSA_WITH_RC4_128_SHA"},
		},
		{
			name: "TLS 1.2 and 1.3 with AEAD suites only",
			config: &tls.Config{MinVersion: tls.VersionTLS12,
				CipherSuites: []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305}},
			versions: []string{"TLS 1.2", "TLS 1.3"},
			noWeak:   true,
		},
		{
			name:         "client certificate required over TLS 1.3",
			config:       &tls.Config{MinVersion: tls.VersionTLS13, ClientAuth: tls.RequireAnyClientCert},
			versions:     []string{"TLS 1.3"},
			noWeak:       true,
			certRequired: true,
		},
		{
			name:         "client certificate required over TLS 1.2",
			config:       &tls.Config{MinVersion: tls.VersionTLS12, MaxVersion: tls.VersionTLS12, ClientAuth: tls.RequireAnyClientCert},
			versions:     []string{"TLS 1.2"},
			weak:         []string{"TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA"},
			certRequired: true,
		},
		{
			name:     "client certificate asked for but not required",
			config:   &tls.Config{MinVersion: tls.VersionTLS13, ClientAuth: tls.VerifyClientCertIfGiven, ClientCAs: x509.NewCertPool()},
			versions: []string{"TLS 1.3"},
			noWeak:   true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := testtls.Serve(t, tt.config)
			facts := tlsscan.Scan(context.Background(), s.Host, s.Port, timeout)
			if facts == nil {
				t.Fatal("Scan found no TLS")
			}
			if !slices.Equal(facts.Versions, tt.versions) {
				t.Errorf("versions = %q, want %q", facts.Versions, tt.versions)
			}
			for _, w := range tt.weak {
				if !slices.Contains(facts.WeakCiphers, w) {
					t.Errorf("weak suites %q miss %s", facts.WeakCiphers, w)
				}
			}
			if tt.noWeak && len(facts.WeakCiphers) > 0 {
				t.Errorf("weak suites = %q, want none", facts.WeakCiphers)
			}
			if facts.ClientCertRequired != tt.certRequired {
				t.Errorf("client certificate required = %v, want %v", facts.ClientCertRequired, tt.certRequired)
			}
			if len(facts.Chain) != 1 {
				t.Fatalf("chain has %d certificates, want 1", len(facts.Chain))
			}
			if n := s.Handshakes.Load(); n > int64(tlsscan.MaxHandshakes()) {
				t.Errorf("%d handshakes, more than the bound %d", n, tlsscan.MaxHandshakes())
			}
		})
	}
}

func TestScanRecordsTheChainLeafFirstEvenWhenExpired(t *testing.T) {
	ca := testtls.Certificate(t, testtls.CertOptions{CommonName: "test-ca", IsCA: true})
	leaf := testtls.Certificate(t, testtls.CertOptions{CommonName: "expired", Parent: ca,
		NotBefore: time.Now().Add(-48 * time.Hour), NotAfter: time.Now().Add(-24 * time.Hour)})
	s := testtls.Serve(t, &tls.Config{Certificates: []tls.Certificate{*leaf}})
	facts := tlsscan.Scan(context.Background(), s.Host, s.Port, timeout)
	if facts == nil || len(facts.Chain) != 2 {
		t.Fatalf("facts = %+v, want a chain of 2", facts)
	}
	for i, want := range []string{"expired", "test-ca"} {
		block, _ := pem.Decode(facts.Chain[i])
		if block == nil || block.Type != "CERTIFICATE" {
			t.Fatalf("chain[%d] is not a PEM certificate: %q", i, facts.Chain[i])
		}
		c, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			t.Fatal(err)
		}
		if c.Subject.CommonName != want {
			t.Errorf("chain[%d] is %s, want %s", i, c.Subject.CommonName, want)
		}
	}
}

// TestScanFindsNoTLSWhereThereIsNone pins that closed ports, plain HTTP, nonsense and silence
// are told apart from TLS in one connection each, within the timeout.
func TestScanFindsNoTLSWhereThereIsNone(t *testing.T) {
	closed := closedPort(t)
	plain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok")) }))
	defer plain.Close()
	garbage := listen(t, func(c net.Conn) { c.Write([]byte("\x15\x03\x01\x00\x02nonsense that is not TLS\r\n")) })
	silent := listen(t, func(c net.Conn) { time.Sleep(2 * time.Second) })
	tests := []struct {
		name string
		port int
	}{
		{"closed port", closed},
		{"plain HTTP", port(t, plain.Listener.Addr())},
		{"garbage", garbage},
		{"silence", silent},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			began := time.Now()
			facts := tlsscan.Scan(context.Background(), "127.0.0.1", tt.port, 300*time.Millisecond)
			if facts != nil {
				t.Errorf("Scan = %+v, want nil", facts)
			}
			if d := time.Since(began); d > time.Second {
				t.Errorf("Scan took %s with a 300ms timeout", d)
			}
		})
	}
}

func TestScanStopsWithItsContext(t *testing.T) {
	s := testtls.Serve(t, &tls.Config{MinVersion: tls.VersionTLS10})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if facts := tlsscan.Scan(ctx, s.Host, s.Port, timeout); facts != nil {
		t.Errorf("Scan with a cancelled context = %+v", facts)
	}
}

func closedPort(t *testing.T) int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := port(t, ln.Addr())
	ln.Close()
	return p
}

func listen(t *testing.T, serve func(net.Conn)) int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() { defer c.Close(); serve(c) }()
		}
	}()
	return port(t, ln.Addr())
}

func port(t *testing.T, a net.Addr) int {
	_, p, err := net.SplitHostPort(a.String())
	if err != nil {
		t.Fatal(err)
	}
	n, _ := strconv.Atoi(p)
	return n
}

func BenchmarkScan(b *testing.B) {
	for _, bb := range []struct {
		name   string
		config *tls.Config
	}{
		{"TLS 1.3 only", &tls.Config{MinVersion: tls.VersionTLS13}},
		{"TLS 1.0 to 1.3", &tls.Config{MinVersion: tls.VersionTLS10}},
	} {
		b.Run(bb.name, func(b *testing.B) {
			s := testtls.Serve(b, bb.config)
			for b.Loop() {
				if tlsscan.Scan(context.Background(), s.Host, s.Port, timeout) == nil {
					b.Fatal("no TLS found")
				}
			}
			b.ReportMetric(float64(s.Handshakes.Load())/float64(b.N), "handshakes/op")
		})
	}
}
