package webhook

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	admissionv1 "k8s.io/api/admission/v1"

	"palisade.dev/palisade/internal/admission"
)

// serving is a server answering HTTPS on loopback, with a client that trusts it.
type serving struct {
	url    string
	client *http.Client
	stop   context.CancelFunc
	done   chan error
}

func serve(t *testing.T, s *Server) *serving {
	t.Helper()
	dir := t.TempDir()
	set := writePair(t, dir)
	certs, err := NewCertReloader(filepath.Join(dir, CertFile), filepath.Join(dir, KeyFile), s.Metrics(), nil)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	sv := &serving{url: "https://" + ln.Addr().String(), stop: cancel, done: make(chan error, 1)}
	go func() { sv.done <- s.Serve(ctx, ln, TLSConfig(certs.GetCertificate)) }()
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(set.CA)
	sv.client = &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots}}, Timeout: 10 * time.Second}
	t.Cleanup(func() {
		cancel()
		<-sv.done
	})
	return sv
}

func TestServeRefusesTLSBelow12(t *testing.T) {
	s, _ := testServer(allowAll, true)
	sv := serve(t, s)
	for _, tt := range []struct {
		name    string
		version uint16
		wantErr bool
	}{
		{name: "TLS 1.1 is refused", version: tls.VersionTLS11, wantErr: true},
		{name: "TLS 1.2 is served", version: tls.VersionTLS12},
		{name: "TLS 1.3 is served", version: tls.VersionTLS13},
	} {
		t.Run(tt.name, func(t *testing.T) {
			conn, err := tls.Dial("tcp", sv.url[len("https://"):], &tls.Config{
				MinVersion: tt.version, MaxVersion: tt.version, InsecureSkipVerify: true, //nolint:gosec // only the version is under test
			})
			if err == nil {
				conn.Close()
			}
			if (err != nil) != tt.wantErr {
				t.Errorf("handshake error %v, want error: %v", err, tt.wantErr)
			}
		})
	}
}

func TestServeDrainsReviewsInFlightOnShutdown(t *testing.T) {
	entered, release := make(chan struct{}), make(chan struct{})
	slow := reviewerFunc(func(ctx context.Context, req *admissionv1.AdmissionRequest) admission.Decision {
		close(entered)
		<-release
		return allowAll(ctx, req)
	})
	s, _ := testServer(slow, true)
	sv := serve(t, s)
	answered := make(chan *http.Response, 1)
	go func() {
		resp, err := sv.client.Post(sv.url+"/validate", "application/json", bytes.NewReader(body(t, podReview("in-flight", false))))
		if err != nil {
			t.Errorf("the review in flight failed: %v", err)
			answered <- nil
			return
		}
		answered <- resp
	}()
	<-entered
	sv.stop() // SIGTERM, in the command
	time.Sleep(100 * time.Millisecond)
	select {
	case err := <-sv.done:
		t.Fatalf("Serve returned with a review in flight: %v", err)
	default:
	}
	if _, err := net.DialTimeout("tcp", sv.url[len("https://"):], time.Second); err == nil {
		t.Error("new connections are still accepted while draining")
	}
	close(release)
	resp := <-answered
	if resp == nil {
		return
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var out admissionv1.AdmissionReview
	if resp.StatusCode != 200 || json.Unmarshal(b, &out) != nil || out.Response == nil || out.Response.UID != "in-flight" {
		t.Errorf("the review in flight got %d %s", resp.StatusCode, b)
	}
	select {
	case err := <-sv.done:
		if err != nil {
			t.Errorf("Serve: %v", err)
		}
		sv.done <- nil // for the cleanup
	case <-time.After(5 * time.Second):
		t.Error("Serve did not return once drained")
	}
}

func TestRotatedCertificateIsServedWithoutDroppingConnections(t *testing.T) {
	s, _ := testServer(allowAll, true)
	dir := t.TempDir()
	first := writePair(t, dir)
	certs, err := NewCertReloader(filepath.Join(dir, CertFile), filepath.Join(dir, KeyFile), s.Metrics(), nil)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, ln, TLSConfig(certs.GetCertificate)) }()
	defer func() { cancel(); <-done }()

	// One connection, kept open across the rotation.
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(first.CA)
	conn, err := tls.Dial("tcp", ln.Addr().String(), &tls.Config{RootCAs: roots, NextProtos: []string{"http/1.1"}})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ask := func() int {
		if _, err := conn.Write([]byte("GET /healthz HTTP/1.1\r\nHost: webhook\r\n\r\n")); err != nil {
			t.Fatalf("writing on the open connection: %v", err)
		}
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			t.Fatalf("reading on the open connection: %v", err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := ask(); code != 200 {
		t.Fatalf("/healthz %d", code)
	}
	second := writePair(t, dir)
	certs.Reload()
	if code := ask(); code != 200 {
		t.Errorf("the open connection answered %d after the rotation", code)
	}
	// A new connection gets the new certificate: it verifies with the new CA only.
	roots2 := x509.NewCertPool()
	roots2.AppendCertsFromPEM(second.CA)
	c2, err := tls.Dial("tcp", ln.Addr().String(), &tls.Config{RootCAs: roots2})
	if err != nil {
		t.Fatalf("a new connection after the rotation: %v", err)
	}
	c2.Close()
}
