package probe

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
	"unicode/utf8"

	"palisade.dev/palisade/internal/inventory"
)

// detect connects to ep and learns what it speaks: TLS (with its chain, and whether it requires
// a client certificate), plain HTTP, or something else. It makes at most two connections
// and one request (GET /), and never claims a protocol it did not see answered.
func detect(ctx context.Context, ep *inventory.Endpoint, timeout time.Duration) {
	raw, err := dial(ctx, ep.Address, timeout)
	if err != nil {
		ep.Error = describeDial(ctx, err)
		return
	}
	ep.Reachable = true
	facts, tlsErr := handshake(ctx, raw, ep.Host, timeout)
	if facts != nil {
		ep.Protocol, ep.TLS = "https", facts
		if tlsErr != nil {
			ep.Error = tlsErr.Error()
		}
		return
	}
	// Not TLS: ask in plain HTTP on a new connection (the first one carried a ClientHello).
	answer, err := plainHTTP(ctx, ep.Address, timeout)
	switch {
	case err == nil:
		ep.Protocol = "http"
	case answer != "":
		ep.Error = unexpectedAnswer + describeAnswer(answer)
	case tlsErr != nil && describeErr(ctx, tlsErr) == describeErr(ctx, err):
		ep.Error = "no answer: " + describeErr(ctx, err)
	default:
		ep.Error = fmt.Sprintf(unexpectedAnswer+"neither TLS (%v) nor HTTP (%v)", tlsErr, describeErr(ctx, err))
	}
}

// unexpectedAnswer begins the Error of an endpoint that answered in neither TLS nor HTTP.
const unexpectedAnswer = "unexpected answer: "

func dial(ctx context.Context, address string, timeout time.Duration) (net.Conn, error) {
	d := &net.Dialer{Timeout: timeout}
	return d.DialContext(ctx, "tcp", address)
}

// handshake tries TLS on raw and closes it. facts is nil when the peer does not speak TLS;
// err, with facts set, says why a peer that does refused the handshake or the request.
func handshake(ctx context.Context, raw net.Conn, host string, timeout time.Duration) (facts *inventory.TLSFacts, err error) {
	defer raw.Close()
	var chain [][]byte
	var certRequested atomic.Bool
	cfg := detectionTLS(host, func(rawCerts [][]byte) { chain = encodeChain(rawCerts) })
	cfg.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) {
		certRequested.Store(true)
		return &tls.Certificate{}, nil // none: a probe has no credentials
	}
	_ = raw.SetDeadline(deadline(ctx, timeout))
	c := tls.Client(raw, cfg)
	hsErr := c.HandshakeContext(ctx)
	if hsErr != nil {
		var rh tls.RecordHeaderError
		switch {
		case errors.As(hsErr, &rh):
			return nil, errors.New("not TLS")
		case isRemoteAlert(hsErr):
			// The peer speaks TLS and refused: for want of a client certificate when it
			// asked for one (TLS 1.2 refuses in the handshake), or for another reason.
			facts = &inventory.TLSFacts{Chain: chain}
			if certRequested.Load() && certificateRefusal(hsErr) {
				facts.ClientCertRequired = true
				return facts, nil
			}
			return facts, fmt.Errorf("TLS handshake refused: %v", hsErr)
		case len(chain) > 0:
			return &inventory.TLSFacts{Chain: chain}, fmt.Errorf("TLS handshake failed: %v", hsErr)
		}
		return nil, hsErr
	}
	facts = &inventory.TLSFacts{Chain: chain}
	if !certRequested.Load() {
		return facts, nil
	}
	// TLS 1.3 servers refuse a missing client certificate after the handshake, in their first
	// record: one request shows whether the certificate they asked for is required.
	_, readErr := httpAnswer(c, host)
	if readErr != nil && isRemoteAlert(readErr) && certificateRefusal(readErr) {
		facts.ClientCertRequired = true
	}
	return facts, nil
}

// detectionTLS is the TLS configuration of a probe: no verification (a probe records the chain
// and verifies nothing itself), every version and cipher suite Go offers, so that an old
// server still answers. onChain, when set, receives the peer's certificates.
func detectionTLS(host string, onChain func([][]byte)) *tls.Config {
	suites := make([]uint16, 0, 32)
	for _, s := range tls.CipherSuites() {
		suites = append(suites, s.ID)
	}
	for _, s := range tls.InsecureCipherSuites() {
		suites = append(suites, s.ID)
	}
	cfg := &tls.Config{
		InsecureSkipVerify: true, //nolint:gosec // a probe records the chain; rules judge it
		MinVersion:         tls.VersionTLS10,
		CipherSuites:       suites,
		NextProtos:         []string{"http/1.1"},
	}
	if _, err := netip.ParseAddr(host); err != nil {
		cfg.ServerName = host
	}
	if onChain != nil {
		cfg.VerifyPeerCertificate = func(rawCerts [][]byte, _ [][]*x509.Certificate) error {
			onChain(rawCerts)
			return nil
		}
	}
	return cfg
}

func encodeChain(rawCerts [][]byte) [][]byte {
	out := make([][]byte, len(rawCerts))
	for i, der := range rawCerts {
		out[i] = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	}
	return out
}

// plainHTTP asks GET / in plain HTTP. err is nil when an HTTP answer came; answer is the start
// of what came instead, when something did.
func plainHTTP(ctx context.Context, address string, timeout time.Duration) (answer string, err error) {
	raw, err := dial(ctx, address, timeout)
	if err != nil {
		return "", err
	}
	defer raw.Close()
	_ = raw.SetDeadline(deadline(ctx, timeout))
	host, _, _ := net.SplitHostPort(address)
	return httpAnswer(raw, host)
}

// maxGarbage bounds how much of an unexpected answer is read to describe it.
const maxGarbage = 64

// describeAnswer says what kind of answer an endpoint gave that is neither TLS nor HTTP: its
// protocol when its first bytes name a well-known one, else whether it is text and how long,
// never its bytes (a banner or a page can carry a version, a host name or a token, and reports
// are published).
func describeAnswer(answer string) string {
	switch {
	case strings.HasPrefix(answer, "SSH-"):
		return fmt.Sprintf("an SSH banner (%d bytes read)", len(answer))
	case isText(answer):
		return fmt.Sprintf("%d bytes of text, not HTTP", len(answer))
	default:
		return fmt.Sprintf("%d bytes of binary data, neither TLS nor HTTP", len(answer))
	}
}

func isText(s string) bool {
	for _, r := range s {
		if r == utf8.RuneError || (r < ' ' && r != '\r' && r != '\n' && r != '\t') || r == 0x7f {
			return false
		}
	}
	return true
}

// httpAnswer sends GET / on c and reads the status line and headers of the answer, never its
// body. It returns the start of a non-HTTP answer with an error.
func httpAnswer(c net.Conn, host string) (string, error) {
	req := "GET / HTTP/1.1\r\nHost: " + host + "\r\nUser-Agent: palisade-probe\r\nAccept: */*\r\nConnection: close\r\n\r\n"
	if _, err := io.WriteString(c, req); err != nil {
		return "", err
	}
	br := bufio.NewReaderSize(c, 4096)
	start, peekErr := br.Peek(5)
	if len(start) == 0 {
		return "", peekErr
	}
	if string(start) != "HTTP/" {
		more, _ := br.Peek(min(br.Buffered(), maxGarbage))
		return string(more), errors.New("not HTTP")
	}
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		more, _ := br.Peek(min(br.Buffered(), maxGarbage))
		return string(more), fmt.Errorf("not HTTP: %w", err)
	}
	resp.Body.Close()
	return "", nil
}

// deadline is the sooner of now+timeout and ctx's deadline.
func deadline(ctx context.Context, timeout time.Duration) time.Time {
	d := time.Now().Add(timeout)
	if cd, ok := ctx.Deadline(); ok && cd.Before(d) {
		return cd
	}
	return d
}

// isRemoteAlert reports whether err is a TLS alert the peer sent.
func isRemoteAlert(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "remote error"
}

// certificateRefusal reports whether an alert refuses the (missing) client certificate: Go
// sends "bad certificate" (TLS 1.2) or "certificate required" (TLS 1.3), OpenSSL "handshake
// failure" in TLS 1.2.
func certificateRefusal(err error) bool {
	msg := err.Error()
	for _, s := range []string{"certificate required", "bad certificate", "handshake failure", "unknown certificate", "certificate unknown"} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.Is(err, context.DeadlineExceeded) || errors.Is(err, syscall.ETIMEDOUT) || errors.As(err, &ne) && ne.Timeout()
}

// describeDial says why a connection failed: refused, timed out, unreachable, or the run's
// deadline.
func describeDial(ctx context.Context, err error) string {
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH):
		return "no route to host"
	}
	return describeErr(ctx, err)
}

func describeErr(ctx context.Context, err error) string {
	switch {
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		return "deadline reached while probing"
	case isTimeout(err):
		return "timed out"
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, syscall.ECONNRESET):
		return "connection closed"
	}
	var dns *net.DNSError
	if errors.As(err, &dns) {
		return "host not found: " + dns.Name
	}
	return err.Error()
}
