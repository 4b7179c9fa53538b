// Package testtls serves TLS endpoints on loopback for tests of what a TLS scan finds: a
// server with the versions, cipher suites, certificate and client-certificate policy a test
// names, and certificates made to order (self-signed or signed by a CA, expired, without
// subject alternative names). It is for tests only.
package testtls

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// CertOptions describe a certificate to make.
type CertOptions struct {
	CommonName string
	// DNSNames and IPs are the subject alternative names; none makes a certificate without
	// SANs.
	DNSNames []string
	IPs      []net.IP
	// NotBefore and NotAfter default to an hour ago and a year from now.
	NotBefore, NotAfter time.Time
	// RSA makes an RSA 2048 key (the RSA key exchange suites need one); the default is
	// ECDSA P-256.
	RSA bool
	// IsCA makes a CA certificate.
	IsCA bool
	// Parent signs the certificate; nil makes it self-signed.
	Parent *tls.Certificate
}

// Certificate makes a certificate and its key; its Leaf is set. Parent, when given, is
// appended to the chain.
func Certificate(t testing.TB, o CertOptions) *tls.Certificate {
	t.Helper()
	var key crypto.Signer
	var err error
	if o.RSA {
		key, err = rsa.GenerateKey(rand.Reader, 2048)
	} else {
		key, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	}
	if err != nil {
		t.Fatalf("generating a key: %v", err)
	}
	if o.NotBefore.IsZero() {
		o.NotBefore = time.Now().Add(-time.Hour)
	}
	if o.NotAfter.IsZero() {
		o.NotAfter = time.Now().Add(365 * 24 * time.Hour)
	}
	serial, err := rand.Int(rand.Reader, big.NewInt(1<<62))
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: o.CommonName},
		NotBefore:    o.NotBefore, NotAfter: o.NotAfter,
		DNSNames: o.DNSNames, IPAddresses: o.IPs,
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
	}
	if o.IsCA {
		tmpl.IsCA = true
		tmpl.KeyUsage = x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature
		tmpl.ExtKeyUsage = nil
	}
	parent, signer := tmpl, key
	var chain [][]byte
	if o.Parent != nil {
		parent, signer = o.Parent.Leaf, o.Parent.PrivateKey.(crypto.Signer)
		chain = o.Parent.Certificate
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, key.Public(), signer)
	if err != nil {
		t.Fatalf("creating a certificate: %v", err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return &tls.Certificate{Certificate: append([][]byte{der}, chain...), PrivateKey: key, Leaf: leaf}
}

// PEM writes a certificate's chain as PEM.
func PEM(c *tls.Certificate) []byte {
	var out []byte
	for _, der := range c.Certificate {
		out = append(out, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})...)
	}
	return out
}

// Server is a TLS listener on 127.0.0.1 that makes the handshake of each connection it
// accepts and then closes it once the client has.
type Server struct {
	Host string
	Port int
	// Handshakes counts the connections accepted.
	Handshakes atomic.Int64

	ln net.Listener
	wg sync.WaitGroup
}

// Serve starts a server with config; a config without certificates gets a self-signed
// ECDSA certificate for 127.0.0.1. It stops when the test ends.
func Serve(t testing.TB, config *tls.Config) *Server {
	t.Helper()
	if len(config.Certificates) == 0 && config.GetCertificate == nil {
		config.Certificates = []tls.Certificate{*Certificate(t, CertOptions{CommonName: "tlstest", IPs: []net.IP{net.IPv4(127, 0, 0, 1)}})}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listening on loopback: %v", err)
	}
	addr := ln.Addr().(*net.TCPAddr)
	s := &Server{Host: "127.0.0.1", Port: addr.Port, ln: ln}
	s.wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s.Handshakes.Add(1)
			s.wg.Go(func() {
				defer c.Close()
				_ = c.SetDeadline(time.Now().Add(10 * time.Second))
				tc := tls.Server(c, config)
				if tc.Handshake() != nil {
					return
				}
				buf := make([]byte, 512)
				for {
					if _, err := tc.Read(buf); err != nil {
						return
					}
				}
			})
		}
	})
	t.Cleanup(s.Close)
	return s
}

// Close stops the server and waits for its connections to end.
func (s *Server) Close() {
	s.ln.Close()
	s.wg.Wait()
}
