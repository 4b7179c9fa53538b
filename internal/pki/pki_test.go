package pki

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"net"
	"strings"
	"testing"
	"time"
)

var scan = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// spec describes a certificate a test makes.
type spec struct {
	cn       string
	dns      []string
	ips      []net.IP
	ca       bool
	noBC     bool // no basicConstraints at all
	usage    x509.KeyUsage
	from, to time.Time
	sigAlg   x509.SignatureAlgorithm
	key      crypto.Signer // the certificate's key; a new P-256 key when nil
}

func ecKey(t testing.TB) crypto.Signer {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func rsaKey(t testing.TB, bits int) crypto.Signer {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, bits)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// makeCert signs s with parent (self-signed when parent is nil) and returns the certificate
// and its key.
func makeCert(t testing.TB, s spec, parent *x509.Certificate, parentKey crypto.Signer) (*x509.Certificate, crypto.Signer) {
	t.Helper()
	key := s.key
	if key == nil {
		key = ecKey(t)
	}
	if s.from.IsZero() {
		s.from = scan.Add(-24 * time.Hour)
	}
	if s.to.IsZero() {
		s.to = scan.Add(365 * 24 * time.Hour)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(time.Now().UnixNano()),
		Subject:               pkix.Name{CommonName: s.cn},
		DNSNames:              s.dns,
		IPAddresses:           s.ips,
		NotBefore:             s.from,
		NotAfter:              s.to,
		KeyUsage:              s.usage,
		IsCA:                  s.ca,
		BasicConstraintsValid: !s.noBC,
		SignatureAlgorithm:    s.sigAlg,
	}
	if parent == nil {
		parent, parentKey = tmpl, key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, key.Public(), parentKey)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c, key
}

func certPEM(certs ...*x509.Certificate) []byte {
	var b []byte
	for _, c := range certs {
		b = append(b, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})...)
	}
	return b
}

func kinds(ps []Problem) string {
	var out []string
	for _, p := range ps {
		out = append(out, string(p.Kind))
	}
	return strings.Join(out, ",")
}

func TestParseCertificatesReadsChainsAndNamesTheFileInErrors(t *testing.T) {
	ca, caKey := makeCert(t, spec{cn: "ca", ca: true, usage: x509.KeyUsageCertSign}, nil, nil)
	leaf, _ := makeCert(t, spec{cn: "leaf", dns: []string{"x"}}, ca, caKey)
	comment := []byte("# a bundle\n")
	keyBlock := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: []byte{1}})
	tests := []struct {
		name    string
		data    []byte
		want    []string // subjects
		wantErr string
	}{
		{"one certificate", certPEM(leaf), []string{"CN=leaf"}, ""},
		{"chain leaf first", certPEM(leaf, ca), []string{"CN=leaf", "CN=ca"}, ""},
		{"text and other blocks around certificates are skipped", append(append(comment, keyBlock...), certPEM(leaf)...), []string{"CN=leaf"}, ""},
		{"empty file", nil, nil, "reading /pki/x.crt: no PEM CERTIFICATE block in it"},
		{"a key where a certificate should be", keyBlock, nil, "no PEM CERTIFICATE block"},
		{"DER instead of PEM", leaf.Raw, nil, "no PEM CERTIFICATE block"},
		{"a corrupt second certificate", append(certPEM(leaf), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: []byte("junk")})...), nil, "reading certificate 2 of /pki/x.crt:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseCertificates("/pki/x.crt", tt.data)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want it to contain %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var subjects []string
			for _, c := range got {
				subjects = append(subjects, Subject(c))
			}
			if strings.Join(subjects, ";") != strings.Join(tt.want, ";") {
				t.Errorf("subjects = %v, want %v", subjects, tt.want)
			}
		})
	}
}

func TestParsePrivateKeyReadsEveryFormKubernetesWrites(t *testing.T) {
	rsaK := rsaKey(t, 1024) // size does not matter here; 1024 keeps the test fast
	ecK := ecKey(t).(*ecdsa.PrivateKey)
	_, edK, _ := ed25519.GenerateKey(rand.Reader)
	pkcs8 := func(k any) []byte {
		der, err := x509.MarshalPKCS8PrivateKey(k)
		if err != nil {
			t.Fatal(err)
		}
		return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
	}
	sec1, _ := x509.MarshalECPrivateKey(ecK)
	ecParams := pem.EncodeToMemory(&pem.Block{Type: "EC PARAMETERS", Bytes: []byte{6, 8, 42, 134, 72, 206, 61, 3, 1, 7}})
	tests := []struct {
		name    string
		data    []byte
		want    string
		wantErr string
	}{
		{"PKCS#1 RSA", pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(rsaK.(*rsa.PrivateKey))}), "RSA 1024", ""},
		{"PKCS#8 RSA", pkcs8(rsaK), "RSA 1024", ""},
		{"PKCS#8 ECDSA", pkcs8(ecK), "ECDSA P-256", ""},
		{"PKCS#8 Ed25519", pkcs8(edK), "Ed25519", ""},
		{"SEC1 after openssl's EC PARAMETERS", append(ecParams, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: sec1})...), "ECDSA P-256", ""},
		{"no key", []byte("hello"), "", "reading /pki/x.key: no PEM private key block in it"},
		{"corrupt PKCS#8", pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: []byte("junk")}), "", "reading the PRIVATE KEY block of /pki/x.key:"},
		{"encrypted PKCS#8", pem.EncodeToMemory(&pem.Block{Type: "ENCRYPTED PRIVATE KEY", Bytes: []byte("x")}), "", "the key is encrypted"},
		{"encrypted legacy PEM", pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Headers: map[string]string{"Proc-Type": "4,ENCRYPTED", "DEK-Info": "AES-128-CBC,00"}, Bytes: []byte("x")}), "", "the key is encrypted"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k, err := ParsePrivateKey("/pki/x.key", tt.data)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want it to contain %q", err, tt.wantErr)
				}
				if strings.Contains(tt.wantErr, "encrypted") && !errors.Is(err, ErrEncryptedKey) {
					t.Errorf("error %v is not ErrEncryptedKey", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := KeyDescription(k.Public()); got != tt.want {
				t.Errorf("key = %s, want %s", got, tt.want)
			}
		})
	}
}

func TestCheckDatesJudgesAtTheScanTimeWithAWarningWindow(t *testing.T) {
	day := 24 * time.Hour
	tests := []struct {
		name     string
		from, to time.Time
		warn     time.Duration
		want     string
		message  string
	}{
		{"valid for a year", scan.Add(-day), scan.Add(365 * day), 0, "", ""},
		{"expired yesterday", scan.Add(-400 * day), scan.Add(-day), 0, "expired", "expired on 2026-02-28 12:00 UTC (1 day before the scan)"},
		{"expires in 10 days", scan.Add(-day), scan.Add(10 * day), 0, "expires-soon", "in 10 days (warning window 30 days)"},
		{"expires in 31 days: outside the default window", scan.Add(-day), scan.Add(31 * day), 0, "", ""},
		{"expires in 31 days with a 60-day window", scan.Add(-day), scan.Add(31 * day), 60 * day, "expires-soon", "warning window 60 days"},
		{"expires in 5 hours", scan.Add(-day), scan.Add(5 * time.Hour), 0, "expires-soon", "in 5 hours"},
		{"not yet valid", scan.Add(2 * day), scan.Add(365 * day), 0, "not-yet-valid", "(2 days after the scan)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _ := makeCert(t, spec{cn: "c", dns: []string{"c"}, from: tt.from, to: tt.to}, nil, nil)
			got := CheckDates([]*x509.Certificate{c}, Policy{At: scan, Warn: tt.warn})
			if kinds(got) != tt.want {
				t.Fatalf("problems = %+v, want %q", got, tt.want)
			}
			if tt.message != "" && !strings.Contains(got[0].Text(), tt.message) {
				t.Errorf("message %q does not contain %q", got[0].Text(), tt.message)
			}
		})
	}
}

func TestCheckDatesJudgesEveryCertificateOfAChain(t *testing.T) {
	ca, caKey := makeCert(t, spec{cn: "old-ca", ca: true, usage: x509.KeyUsageCertSign, from: scan.Add(-1000 * time.Hour), to: scan.Add(-time.Hour)}, nil, nil)
	leaf, _ := makeCert(t, spec{cn: "leaf", dns: []string{"x"}}, ca, caKey)
	got := CheckDates([]*x509.Certificate{leaf, ca}, Policy{At: scan})
	if len(got) != 1 || got[0].Kind != Expired || got[0].Index != 1 || !strings.HasPrefix(got[0].Text(), "certificate 2 (CN=old-ca) expired") {
		t.Errorf("problems = %+v", got)
	}
}

func TestCheckKeyStrength(t *testing.T) {
	weak := rsaKey(t, 1024)
	strong := rsaKey(t, 2048)
	p224, _ := ecdsa.GenerateKey(elliptic.P224(), rand.Reader)
	_, ed, _ := ed25519.GenerateKey(rand.Reader)
	tests := []struct {
		name string
		key  crypto.Signer
		want string
	}{
		{"RSA 1024", weak, "has an RSA key of 1024 bits, under the 2048 bits"},
		{"RSA 2048", strong, ""},
		{"ECDSA P-256", ecKey(t), ""},
		{"ECDSA P-224", p224, "has an ECDSA key on P-224"},
		{"Ed25519", ed, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _ := makeCert(t, spec{cn: "k", dns: []string{"k"}, key: tt.key}, nil, nil)
			got := CheckKeyStrength([]*x509.Certificate{c}, Policy{At: scan})
			if tt.want == "" {
				if len(got) != 0 {
					t.Errorf("problems = %+v, want none", got)
				}
			} else if len(got) != 1 || got[0].Kind != WeakKey || !strings.Contains(got[0].Message, tt.want) {
				t.Errorf("problems = %+v, want %q", got, tt.want)
			}
			if msg := CheckKey(tt.key.Public(), Policy{}); (msg == "") != (tt.want == "") {
				t.Errorf("CheckKey = %q", msg)
			}
		})
	}
}

func TestCheckSignaturesRefusesSHA1ButNotOnATrustAnchor(t *testing.T) {
	rootSHA1, rootKey := makeCert(t, spec{cn: "root", ca: true, usage: x509.KeyUsageCertSign, key: rsaKey(t, 2048), sigAlg: x509.SHA1WithRSA}, nil, nil)
	leafSHA1, _ := makeCert(t, spec{cn: "leaf", dns: []string{"x"}, sigAlg: x509.SHA1WithRSA}, rootSHA1, rootKey)
	leafSHA256, _ := makeCert(t, spec{cn: "leaf2", dns: []string{"x"}}, rootSHA1, rootKey)
	got := CheckSignatures([]*x509.Certificate{leafSHA1, leafSHA256, rootSHA1})
	if kinds(got) != "weak-signature" || got[0].Index != 0 || !strings.Contains(got[0].Message, "SHA1-RSA") {
		t.Errorf("problems = %+v", got)
	}
}

func TestCheckCA(t *testing.T) {
	tests := []struct {
		name string
		s    spec
		want string
	}{
		{"CA with keyCertSign", spec{cn: "ca", ca: true, usage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature}, ""},
		{"leaf used as a CA", spec{cn: "leaf", dns: []string{"x"}, usage: x509.KeyUsageDigitalSignature}, "not-ca"},
		{"no basicConstraints", spec{cn: "v1", noBC: true}, "not-ca"},
		{"CA without keyCertSign", spec{cn: "ca", ca: true, usage: x509.KeyUsageDigitalSignature}, "ca-without-cert-sign"},
		{"CA without keyUsage", spec{cn: "ca", ca: true}, "ca-without-cert-sign"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _ := makeCert(t, tt.s, nil, nil)
			if got := CheckCA([]*x509.Certificate{c}); kinds(got) != tt.want {
				t.Errorf("problems = %+v, want %q", got, tt.want)
			}
		})
	}
}

func TestCheckServingNames(t *testing.T) {
	tests := []struct {
		name string
		s    spec
		want string
	}{
		{"DNS SAN", spec{cn: "etcd", dns: []string{"localhost"}}, ""},
		{"IP SAN only", spec{ips: []net.IP{net.ParseIP("127.0.0.1")}}, ""},
		{"CN only", spec{cn: "etcd.example"}, "has no DNS or IP subject alternative name; Go ignores the common name (CN=etcd.example) since Go 1.15"},
		{"nothing", spec{}, "has no DNS or IP subject alternative name; Go ignores the common name, so"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _ := makeCert(t, tt.s, nil, nil)
			got := CheckServingNames([]*x509.Certificate{c})
			if tt.want == "" {
				if len(got) != 0 {
					t.Errorf("problems = %+v", got)
				}
				return
			}
			if len(got) != 1 || got[0].Kind != NoSubjectAltName || !strings.Contains(got[0].Message, tt.want) {
				t.Errorf("problems = %+v, want %q", got, tt.want)
			}
		})
	}
}

func TestCheckKeyPair(t *testing.T) {
	c, key := makeCert(t, spec{cn: "c", dns: []string{"c"}}, nil, nil)
	other := ecKey(t)
	_, ed, _ := ed25519.GenerateKey(rand.Reader)
	if got := CheckKeyPair([]*x509.Certificate{c}, key); len(got) != 0 {
		t.Errorf("matching key: %+v", got)
	}
	if got := CheckKeyPair([]*x509.Certificate{c}, other); kinds(got) != "key-mismatch" || !strings.Contains(got[0].Message, "another ECDSA P-256 key") {
		t.Errorf("other key of the same kind: %+v", got)
	}
	if got := CheckKeyPair([]*x509.Certificate{c}, ed); kinds(got) != "key-mismatch" || !strings.Contains(got[0].Message, "a Ed25519 key; the certificate holds a ECDSA P-256 key") {
		t.Errorf("key of another kind: %+v", got)
	}
}

func FuzzParse(f *testing.F) {
	c, key := makeCert(f, spec{cn: "seed", dns: []string{"seed"}}, nil, nil)
	der, _ := x509.MarshalPKCS8PrivateKey(key)
	f.Add(certPEM(c))
	f.Add(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
	f.Add([]byte("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"))
	f.Add([]byte("-----BEGIN EC PRIVATE KEY-----\n-----END EC PRIVATE KEY-----\n"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		certs, err := ParseCertificates("f", data)
		if (err == nil) != (len(certs) > 0) {
			t.Fatalf("%d certificates with error %v", len(certs), err)
		}
		if err == nil {
			p := Policy{At: scan}
			CheckDates(certs, p)
			CheckKeyStrength(certs, p)
			CheckSignatures(certs)
			CheckCA(certs)
			CheckServingNames(certs)
		}
		k, err := ParsePrivateKey("f", data)
		if (err == nil) != (k != nil) {
			t.Fatalf("key %v with error %v", k, err)
		}
		if err == nil && certs != nil {
			CheckKeyPair(certs, k)
		}
	})
}

func BenchmarkParseAndJudge(b *testing.B) {
	ca, caKey := makeCert(b, spec{cn: "ca", ca: true, usage: x509.KeyUsageCertSign, key: rsaKey(b, 2048)}, nil, nil)
	leaf, leafKey := makeCert(b, spec{cn: "kube-apiserver", dns: []string{"kubernetes", "kubernetes.default"}, key: rsaKey(b, 2048)}, ca, caKey)
	chain := certPEM(leaf, ca)
	der := x509.MarshalPKCS1PrivateKey(leafKey.(*rsa.PrivateKey))
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: der})
	p := Policy{At: scan}
	b.ReportAllocs()
	for b.Loop() {
		certs, err := ParseCertificates("apiserver.crt", chain)
		if err != nil {
			b.Fatal(err)
		}
		k, err := ParsePrivateKey("apiserver.key", keyPEM)
		if err != nil {
			b.Fatal(err)
		}
		CheckDates(certs, p)
		CheckKeyStrength(certs, p)
		CheckSignatures(certs)
		CheckServingNames(certs)
		CheckCA(certs[1:])
		CheckKeyPair(certs, k)
	}
}
