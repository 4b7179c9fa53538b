package webhook

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestCertSetServesEveryNameOfTheService(t *testing.T) {
	now := time.Now()
	set, err := NewCertSet(CertRequest{Service: "palisade-webhook", Namespace: "palisade", IPs: []net.IP{net.ParseIP("127.0.0.1")}}, now)
	if err != nil {
		t.Fatal(err)
	}
	pair, err := tls.X509KeyPair(set.Cert, set.Key)
	if err != nil {
		t.Fatalf("the certificate and key do not match: %v", err)
	}
	key, ok := pair.PrivateKey.(*ecdsa.PrivateKey)
	if !ok || key.Curve != elliptic.P256() {
		t.Errorf("key %T, want ECDSA P-256", pair.PrivateKey)
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(set.CA) {
		t.Fatal("ca.crt holds no certificate")
	}
	leaf, err := x509.ParseCertificate(pair.Certificate[0])
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{
		"palisade-webhook", "palisade-webhook.palisade", "palisade-webhook.palisade.svc",
		"palisade-webhook.palisade.svc.cluster.local", "127.0.0.1",
	} {
		if _, err := leaf.Verify(x509.VerifyOptions{DNSName: name, Roots: roots, CurrentTime: now, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}); err != nil {
			t.Errorf("not valid for %s: %v", name, err)
		}
	}
	if _, err := leaf.Verify(x509.VerifyOptions{DNSName: "other.palisade.svc", Roots: roots, CurrentTime: now}); err == nil {
		t.Error("valid for a name it was not made for")
	}
	if leaf.IsCA {
		t.Error("the serving certificate is a CA")
	}
	ca, _ := pem.Decode(set.CA)
	caCert, err := x509.ParseCertificate(ca.Bytes)
	if err != nil || !caCert.IsCA || !caCert.MaxPathLenZero {
		t.Errorf("ca.crt is not a CA limited to signing leaves: %v", err)
	}
	if b, err := base64.StdEncoding.DecodeString(set.CABundle()); err != nil || string(b) != string(set.CA) {
		t.Error("the caBundle is not ca.crt in base64")
	}
}

func TestCertSetNeedsANameOrAnAddress(t *testing.T) {
	if _, err := NewCertSet(CertRequest{Namespace: "palisade"}, time.Now()); err == nil {
		t.Error("a certificate for nothing was made")
	}
	set, err := NewCertSet(CertRequest{IPs: []net.IP{net.ParseIP("::1")}}, time.Now())
	if err != nil {
		t.Fatalf("a certificate for an address only: %v", err)
	}
	if _, err := tls.X509KeyPair(set.Cert, set.Key); err != nil {
		t.Error(err)
	}
}

func TestWriteFilesKeepsTheKeyPrivate(t *testing.T) {
	set, err := NewCertSet(CertRequest{Service: "s", Namespace: "n"}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "certs")
	if err := set.WriteFiles(dir); err != nil {
		t.Fatal(err)
	}
	for name, mode := range map[string]os.FileMode{CAFile: 0o644, CertFile: 0o644, KeyFile: 0o600} {
		fi, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != mode {
			t.Errorf("%s has mode %v, want %v", name, fi.Mode().Perm(), mode)
		}
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 3 {
		t.Errorf("the folder holds %d files, want exactly the three", len(entries))
	}
}
