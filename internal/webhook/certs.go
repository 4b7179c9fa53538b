package webhook

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"
)

// CertRequest says what serving certificate to make: one for a Service, valid for the names
// the API server may call it by, and for IP addresses (a webhook called by URL on loopback).
type CertRequest struct {
	Service   string
	Namespace string
	IPs       []net.IP
	// Validity is how long both certificates are valid; zero means one year.
	Validity time.Duration
}

// CertSet is a CA and the serving certificate and key it signed, PEM encoded.
type CertSet struct {
	CA, Cert, Key []byte
}

// Names are the DNS names of the Service, as the API server and pods may address it.
func (r CertRequest) Names() []string {
	if r.Service == "" {
		return nil
	}
	names := []string{r.Service}
	if r.Namespace != "" {
		svc := r.Service + "." + r.Namespace
		names = append(names, svc, svc+".svc", svc+".svc.cluster.local")
	}
	return names
}

// NewCertSet makes a CA and a serving certificate, both ECDSA P-256, the serving one with
// the request's names and IP addresses as subject alternative names.
func NewCertSet(req CertRequest, now time.Time) (*CertSet, error) {
	names := req.Names()
	if len(names) == 0 && len(req.IPs) == 0 {
		return nil, errors.New("a serving certificate needs a service name or an IP address")
	}
	validity := req.Validity
	if validity == 0 {
		validity = 365 * 24 * time.Hour
	}
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generating the CA key: %w", err)
	}
	subject := req.Service
	if subject == "" {
		subject = req.IPs[0].String()
	}
	caTemplate := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               pkix.Name{CommonName: "palisade-webhook-ca"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(validity),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTemplate, caTemplate, &caKey.PublicKey, caKey)
	if err != nil {
		return nil, fmt.Errorf("signing the CA certificate: %w", err)
	}
	ca, err := x509.ParseCertificate(caDER)
	if err != nil {
		return nil, fmt.Errorf("reading back the CA certificate: %w", err)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generating the serving key: %w", err)
	}
	template := &x509.Certificate{
		SerialNumber: serial(),
		Subject:      pkix.Name{CommonName: subject},
		DNSNames:     names,
		IPAddresses:  req.IPs,
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(validity),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, template, ca, &key.PublicKey, caKey)
	if err != nil {
		return nil, fmt.Errorf("signing the serving certificate: %w", err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("encoding the serving key: %w", err)
	}
	return &CertSet{
		CA:   pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}),
		Cert: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		Key:  pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}),
	}, nil
}

// serial is a random 128-bit serial number, as RFC 5280 §4.1.2.2 allows up to 20 octets.
func serial() *big.Int {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 128))
	if err != nil {
		// crypto/rand does not fail on the platforms Go supports (Go 1.24 and later).
		panic(err)
	}
	return n
}

// CABundle is the CA in the form a webhook configuration's caBundle takes: its PEM, base64.
func (c *CertSet) CABundle() string { return base64.StdEncoding.EncodeToString(c.CA) }

// File names WriteFiles writes, as cert-manager and kubernetes.io/tls Secrets name them.
const (
	CAFile   = "ca.crt"
	CertFile = "tls.crt"
	KeyFile  = "tls.key"
)

// WriteFiles writes ca.crt, tls.crt and tls.key into dir (made if missing); the key is
// readable by its owner only. Each file is written beside its final name and renamed, so a
// server reading them never sees half a file.
func (c *CertSet) WriteFiles(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("making folder %s: %w", dir, err)
	}
	for _, f := range []struct {
		name string
		data []byte
		mode os.FileMode
	}{{CAFile, c.CA, 0o644}, {CertFile, c.Cert, 0o644}, {KeyFile, c.Key, 0o600}} {
		if err := writeAtomic(filepath.Join(dir, f.name), f.data, f.mode); err != nil {
			return err
		}
	}
	return nil
}

func writeAtomic(path string, data []byte, mode os.FileMode) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(mode); err != nil {
		tmp.Close()
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}
