// Package tlsscan finds out what a TLS endpoint accepts, the way a scanner does and without
// credentials: which protocol versions (one handshake per version), which weak cipher suites
// (one handshake per suite), whether it requires a client certificate, and the certificate
// chain it serves. It owns those handshakes and nothing that judges their outcome: rules
// judge the TLSFacts it returns. It sends no application data.
//
// Go's crypto/tls still speaks TLS 1.0 and 1.1 and every insecure suite it implements as a
// client when a Config names them explicitly (MinVersion, CipherSuites): the GODEBUG settings
// tls10server, tlsrsakex and tls3des change only the defaults used when a Config names none,
// and tls10server only a server's. tlssha1 (off since Go 1.25) does matter: a Go client
// neither offers nor accepts SHA-1 signatures in a TLS 1.2 handshake, so a server that can
// sign its key exchange only with SHA-1 is reported as not accepting TLS 1.2; TLS 1.0 and 1.1
// sign with their fixed legacy hashes and are unaffected. Under GODEBUG=fips140=only nothing
// outside FIPS 140-3 can be offered, and the scan reports less than the endpoint accepts.
package tlsscan

import (
	"context"
	"crypto/tls"
	"encoding/pem"
	"errors"
	"net"
	"strconv"
	"strings"
	"time"

	"palisade.dev/palisade/internal/inventory"
)

// versions are the protocol versions a scan asks for, newest first.
var versions = []uint16{tls.VersionTLS13, tls.VersionTLS12, tls.VersionTLS11, tls.VersionTLS10}

// WeakCipherSuites are the suites a scan offers one at a time: every suite crypto/tls
// implements and calls insecure (RC4, 3DES, CBC with SHA-256 MACs, RSA key exchange without
// forward secrecy) and the CBC suites with SHA-1 MACs, which Go still offers by default but
// which are open to padding-oracle attacks (Lucky Thirteen) and are outside the suites the CIS
// Benchmark accepts for Kubernetes components (ECDHE with an AEAD).
func WeakCipherSuites() []*tls.CipherSuite {
	var out []*tls.CipherSuite
	out = append(out, tls.InsecureCipherSuites()...)
	for _, s := range tls.CipherSuites() {
		if strings.Contains(s.Name, "_CBC_") {
			out = append(out, s)
		}
	}
	return out
}

// MaxHandshakes bounds how many handshakes one Scan makes: one per version and one per weak
// suite.
func MaxHandshakes() int { return len(versions) + len(WeakCipherSuites()) }

// allSuites is every TLS 1.0-1.2 suite crypto/tls implements, offered by the handshakes that
// ask about a version, so that a server that accepts a version with an old suite only is
// still found to accept the version.
func allSuites() []uint16 {
	var ids []uint16
	for _, s := range tls.CipherSuites() {
		ids = append(ids, s.ID)
	}
	for _, s := range tls.InsecureCipherSuites() {
		ids = append(ids, s.ID)
	}
	return ids
}

// Scan asks the TLS endpoint at host:port what it accepts. Each handshake dials anew and is
// bounded by timeout (and ctx). It returns nil when no TLS handshake got as far as the
// server's hello (nothing listens, the endpoint speaks plain HTTP, or it timed out): the
// first handshake tells, so an endpoint without TLS costs one connection. Weak cipher suites
// are asked about only when a version below TLS 1.3 is accepted, since TLS 1.3 has none.
func Scan(ctx context.Context, host string, port int, timeout time.Duration) *inventory.TLSFacts {
	address := net.JoinHostPort(host, strconv.Itoa(port))
	s := scanner{address: address, serverName: serverName(host), timeout: timeout}

	// The first handshake offers every version and suite: it finds out whether the endpoint
	// speaks TLS at all, its newest version, its chain and whether it requires a client
	// certificate.
	first := s.handshake(ctx, tls.VersionTLS10, tls.VersionTLS13, allSuites(), true)
	if !first.accepted {
		return nil
	}
	facts := &inventory.TLSFacts{ClientCertRequired: first.clientCertRequired}
	for _, c := range first.chain {
		facts.Chain = append(facts.Chain, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c}))
	}
	belowTLS13 := false
	for _, v := range versions {
		accepted := v == first.version
		if v != first.version && ctx.Err() == nil {
			accepted = s.handshake(ctx, v, v, allSuites(), false).accepted
		}
		if accepted {
			facts.Versions = append(facts.Versions, tls.VersionName(v))
			belowTLS13 = belowTLS13 || v < tls.VersionTLS13
		}
	}
	// Versions are listed oldest first, as they are read.
	for i, j := 0, len(facts.Versions)-1; i < j; i, j = i+1, j-1 {
		facts.Versions[i], facts.Versions[j] = facts.Versions[j], facts.Versions[i]
	}
	if !belowTLS13 {
		return facts
	}
	for _, suite := range WeakCipherSuites() {
		if ctx.Err() != nil {
			break
		}
		r := s.handshake(ctx, tls.VersionTLS10, tls.VersionTLS12, []uint16{suite.ID}, false)
		if r.accepted && r.suite == suite.ID {
			facts.WeakCiphers = append(facts.WeakCiphers, suite.Name)
		}
	}
	return facts
}

// serverName is the SNI a handshake sends: the host name, or none for an IP address (RFC
// 6066 forbids IP literals in SNI).
func serverName(host string) string {
	if net.ParseIP(host) != nil {
		return ""
	}
	return host
}

type scanner struct {
	address, serverName string
	timeout             time.Duration
}

// result is what one handshake showed.
type result struct {
	// accepted is true when the server answered with its hello and certificate: the
	// handshake completed, or failed only because no client certificate was given.
	accepted           bool
	version, suite     uint16
	chain              [][]byte
	clientCertRequired bool
}

// handshake dials and makes one handshake offering versions minV..maxV and suites. With
// checkClientCert and TLS 1.3, where a server refuses a missing client certificate only after
// the client's side of the handshake is done, it waits briefly for that refusal.
func (s *scanner) handshake(ctx context.Context, minV, maxV uint16, suites []uint16, checkClientCert bool) result {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	raw, err := (&net.Dialer{}).DialContext(ctx, "tcp", s.address)
	if err != nil {
		return result{}
	}
	defer raw.Close()
	requested := false
	tickets := &ticketSignal{}
	conn := tls.Client(raw, &tls.Config{
		ServerName: s.serverName,
		// The scan records the chain; verifying it is for the rules, against the CA they
		// expect.
		InsecureSkipVerify: true,
		MinVersion:         minV,
		MaxVersion:         maxV,
		CipherSuites:       suites,
		GetClientCertificate: func(*tls.CertificateRequestInfo) (*tls.Certificate, error) {
			requested = true
			return &tls.Certificate{}, nil
		},
		ClientSessionCache: tickets,
	})
	err = conn.HandshakeContext(ctx)
	state := conn.ConnectionState()
	var r result
	switch {
	case err == nil:
		r.accepted = true
	case requested && refused(err):
		// TLS 1.2 and older: the server refused the empty client certificate, after choosing
		// the version and suite and sending its chain. Servers name the refusal differently
		// (Go and OpenSSL send handshake_failure, others bad_certificate or
		// certificate_required); any alert after the request is one.
		r.accepted, r.clientCertRequired = true, true
	default:
		return result{}
	}
	r.version, r.suite = state.Version, state.CipherSuite
	for _, c := range state.PeerCertificates {
		r.chain = append(r.chain, c.Raw)
	}
	if err == nil && requested && checkClientCert && state.Version == tls.VersionTLS13 {
		// The server's verdict on the empty certificate is its first message after the
		// handshake: an alert, or a session ticket, which a server that accepted the client
		// sends at once (crypto/tls, OpenSSL), and which ends the wait.
		tickets.received = func() { _ = raw.SetReadDeadline(time.Now()) }
		wait := min(s.timeout, time.Second)
		if d, ok := ctx.Deadline(); ok && time.Until(d) < wait {
			wait = time.Until(d)
		}
		_ = conn.SetReadDeadline(time.Now().Add(wait))
		_, err := conn.Read(make([]byte, 1))
		r.clientCertRequired = err != nil && refused(err)
	}
	return r
}

// refused reports whether err is an alert the server sent. crypto/tls reports a received
// alert as a net.OpError "remote error" and does not export the alert's type.
func refused(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "remote error"
}

// ticketSignal is a session cache that keeps nothing (a resumed handshake would skip what
// the scan asks about) and tells when the server sent a session ticket.
type ticketSignal struct{ received func() }

func (t *ticketSignal) Get(string) (*tls.ClientSessionState, bool) { return nil, false }

func (t *ticketSignal) Put(string, *tls.ClientSessionState) {
	if t.received != nil {
		t.received()
	}
}
