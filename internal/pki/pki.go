// Package pki reads the certificates and private keys a Kubernetes component is configured
// with (PEM files: certificate chains; RSA, ECDSA and Ed25519 keys in PKCS#1, PKCS#8 or SEC1
// form) and judges them: validity dates against a time and a warning window, key strength,
// signature algorithm, the constraints a CA must carry, the names a serving certificate must
// carry, and whether a key belongs to its certificate. It owns that judgement and nothing
// about where the files are or which flag names them: rules call it with the bytes a node
// source read. It never reads the clock; the caller says when the judgement is made.
package pki

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"
)

// Certificate PEM block type; every other block in a certificate file is skipped, as
// crypto/tls does.
const certificateBlock = "CERTIFICATE"

// ParseCertificates reads every CERTIFICATE block of a PEM file, leaf first as a chain is
// written. name is the file's path, which every error names. A file with no certificate, or
// with a block that does not parse, is an error: the component reading it would refuse it too.
func ParseCertificates(name string, data []byte) ([]*x509.Certificate, error) {
	var certs []*x509.Certificate
	rest := data
	for n := 1; ; n++ {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		if block.Type != certificateBlock {
			n--
			continue
		}
		c, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("reading certificate %d of %s: %w", n, name, err)
		}
		certs = append(certs, c)
	}
	if len(certs) == 0 {
		return nil, fmt.Errorf("reading %s: no PEM CERTIFICATE block in it", name)
	}
	return certs, nil
}

// ErrEncryptedKey is returned for a key encrypted with a passphrase, which Kubernetes
// components cannot read either.
var ErrEncryptedKey = errors.New("the key is encrypted with a passphrase")

// ParsePrivateKey reads the first private key of a PEM file: "RSA PRIVATE KEY" (PKCS#1),
// "PRIVATE KEY" (PKCS#8: RSA, ECDSA, Ed25519) or "EC PRIVATE KEY" (SEC1). Other blocks (the
// "EC PARAMETERS" openssl writes first, certificates of a combined file) are skipped. name is
// the file's path, which every error names.
func ParsePrivateKey(name string, data []byte) (crypto.Signer, error) {
	rest := data
	for {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			return nil, fmt.Errorf("reading %s: no PEM private key block in it", name)
		}
		var key any
		var err error
		switch block.Type {
		case "RSA PRIVATE KEY":
			if _, encrypted := block.Headers["DEK-Info"]; encrypted {
				return nil, fmt.Errorf("reading %s: %w", name, ErrEncryptedKey)
			}
			key, err = x509.ParsePKCS1PrivateKey(block.Bytes)
		case "EC PRIVATE KEY":
			if _, encrypted := block.Headers["DEK-Info"]; encrypted {
				return nil, fmt.Errorf("reading %s: %w", name, ErrEncryptedKey)
			}
			key, err = x509.ParseECPrivateKey(block.Bytes)
		case "PRIVATE KEY":
			key, err = x509.ParsePKCS8PrivateKey(block.Bytes)
		case "ENCRYPTED PRIVATE KEY":
			return nil, fmt.Errorf("reading %s: %w", name, ErrEncryptedKey)
		default:
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("reading the %s block of %s: %w", block.Type, name, err)
		}
		signer, ok := key.(crypto.Signer)
		if !ok {
			return nil, fmt.Errorf("reading %s: a %T is not a signing key", name, key)
		}
		return signer, nil
	}
}

// KeyMatches reports whether key is the private key of cert's public key.
func KeyMatches(cert *x509.Certificate, key crypto.Signer) bool {
	pub, ok := key.Public().(interface{ Equal(crypto.PublicKey) bool })
	return ok && pub.Equal(cert.PublicKey)
}

// KeyDescription names a public key's algorithm and size: "RSA 2048", "ECDSA P-256",
// "Ed25519".
func KeyDescription(pub crypto.PublicKey) string {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		return fmt.Sprintf("RSA %d", k.N.BitLen())
	case *ecdsa.PublicKey:
		return "ECDSA " + k.Curve.Params().Name
	case ed25519.PublicKey:
		return "Ed25519"
	}
	return fmt.Sprintf("%T", pub)
}

// Subject names a certificate in messages: its subject, or its first SAN when the subject is
// empty.
func Subject(c *x509.Certificate) string {
	if s := c.Subject.String(); s != "" {
		return s
	}
	if len(c.DNSNames) > 0 {
		return "DNS:" + c.DNSNames[0]
	}
	return "serial " + c.SerialNumber.String()
}

// Names lists a certificate's subject alternative names as openssl prints them.
func Names(c *x509.Certificate) string {
	var out []string
	for _, n := range c.DNSNames {
		out = append(out, "DNS:"+n)
	}
	for _, ip := range c.IPAddresses {
		out = append(out, "IP:"+ip.String())
	}
	for _, u := range c.URIs {
		out = append(out, "URI:"+u.String())
	}
	for _, e := range c.EmailAddresses {
		out = append(out, "email:"+e)
	}
	return strings.Join(out, ", ")
}
