package pki

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/x509"
	"fmt"
	"time"
)

// Kind is the kind of problem a certificate or key has.
type Kind string

// Problem kinds.
const (
	NotYetValid Kind = "not-yet-valid"
	Expired     Kind = "expired"
	ExpiresSoon Kind = "expires-soon"
	// WeakKey is an RSA key under Policy.MinRSABits or an elliptic curve under 256 bits.
	WeakKey Kind = "weak-key"
	// WeakSignature is a certificate signed with MD2, MD5 or SHA-1, which Go (and so every
	// Kubernetes component) refuses to verify since Go 1.18.
	WeakSignature Kind = "weak-signature"
	// NotCA is a certificate used as a CA without the basicConstraints extension saying
	// CA:TRUE.
	NotCA Kind = "not-ca"
	// CAWithoutCertSign is a CA certificate whose keyUsage does not include keyCertSign
	// (RFC 5280 4.2.1.3: a CA must assert it to sign certificates).
	CAWithoutCertSign Kind = "ca-without-cert-sign"
	// NoSubjectAltName is a serving certificate with no DNS or IP subject alternative name:
	// Go verifies host names against the SANs only (the common name has not been used since
	// Go 1.15), so every client refuses it.
	NoSubjectAltName Kind = "no-subject-alt-name"
	// KeyMismatch is a private key that is not the key of its certificate.
	KeyMismatch Kind = "key-mismatch"
)

// Problem is one thing wrong with a certificate of a file.
type Problem struct {
	Kind Kind
	// Index is the certificate's position in its file, 0 for the first.
	Index   int
	Subject string
	Message string
}

// Policy is how certificates are judged.
type Policy struct {
	// At is the time validity is judged at; the caller's clock, never this package's.
	At time.Time
	// Warn is how long before its expiry a certificate is reported as expiring;
	// DefaultWarn when zero.
	Warn time.Duration
	// MinRSABits is the smallest acceptable RSA modulus; DefaultMinRSABits when zero.
	MinRSABits int
}

// Defaults of Policy.
const (
	DefaultWarn       = 30 * 24 * time.Hour
	DefaultMinRSABits = 2048
)

func (p Policy) warn() time.Duration {
	if p.Warn > 0 {
		return p.Warn
	}
	return DefaultWarn
}

func (p Policy) minRSABits() int {
	if p.MinRSABits > 0 {
		return p.MinRSABits
	}
	return DefaultMinRSABits
}

const dateLayout = "2006-01-02 15:04 MST"

// CheckDates reports the certificates of a file that are not yet valid, expired, or expire
// within the warning window, judged at p.At. Every certificate of a chain counts: an expired
// intermediate breaks the chain as surely as an expired leaf.
func CheckDates(certs []*x509.Certificate, p Policy) []Problem {
	var out []Problem
	for i, c := range certs {
		switch {
		case p.At.Before(c.NotBefore):
			out = append(out, problem(NotYetValid, i, c, "is not valid before %s (%s after the scan)",
				c.NotBefore.UTC().Format(dateLayout), days(c.NotBefore.Sub(p.At))))
		case p.At.After(c.NotAfter):
			out = append(out, problem(Expired, i, c, "expired on %s (%s before the scan)",
				c.NotAfter.UTC().Format(dateLayout), days(p.At.Sub(c.NotAfter))))
		case c.NotAfter.Sub(p.At) <= p.warn():
			out = append(out, problem(ExpiresSoon, i, c, "expires on %s, in %s (warning window %s)",
				c.NotAfter.UTC().Format(dateLayout), days(c.NotAfter.Sub(p.At)), days(p.warn())))
		}
	}
	return out
}

// days writes a duration in whole days, or hours under a day.
func days(d time.Duration) string {
	if d < 24*time.Hour {
		h := int(d.Hours())
		if h == 1 {
			return "1 hour"
		}
		return fmt.Sprintf("%d hours", h)
	}
	n := int(d / (24 * time.Hour))
	if n == 1 {
		return "1 day"
	}
	return fmt.Sprintf("%d days", n)
}

// CheckKeyStrength reports the certificates whose public key is too weak.
func CheckKeyStrength(certs []*x509.Certificate, p Policy) []Problem {
	var out []Problem
	for i, c := range certs {
		if msg := weakKey(c.PublicKey, p); msg != "" {
			out = append(out, problem(WeakKey, i, c, "%s", msg))
		}
	}
	return out
}

// CheckKey judges a key on its own (a service-account signing key has no certificate); the
// message is empty for a strong key.
func CheckKey(pub crypto.PublicKey, p Policy) string { return weakKey(pub, p) }

func weakKey(pub crypto.PublicKey, p Policy) string {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		if bits := k.N.BitLen(); bits < p.minRSABits() {
			return fmt.Sprintf("has an RSA key of %d bits, under the %d bits NIST SP 800-131A requires", bits, p.minRSABits())
		}
	case *ecdsa.PublicKey:
		if bits := k.Curve.Params().BitSize; bits < 256 {
			return fmt.Sprintf("has an ECDSA key on %s, a curve under 256 bits", k.Curve.Params().Name)
		}
	}
	return ""
}

// weakSignatures are the algorithms Go refuses to verify (crypto/x509: MD2 and MD5 always,
// SHA-1 since Go 1.18).
var weakSignatures = map[x509.SignatureAlgorithm]bool{
	x509.MD2WithRSA: true, x509.MD5WithRSA: true, x509.SHA1WithRSA: true,
	x509.DSAWithSHA1: true, x509.ECDSAWithSHA1: true,
}

// CheckSignatures reports the certificates signed with a weak algorithm. A self-signed CA's
// own signature is skipped: a trust anchor is trusted for its key, and its signature is
// never verified.
func CheckSignatures(certs []*x509.Certificate) []Problem {
	var out []Problem
	for i, c := range certs {
		if !weakSignatures[c.SignatureAlgorithm] || selfSignedCA(c) {
			continue
		}
		out = append(out, problem(WeakSignature, i, c, "is signed with %s, which Go, and so every Kubernetes component, refuses to verify",
			c.SignatureAlgorithm))
	}
	return out
}

func selfSignedCA(c *x509.Certificate) bool {
	return c.IsCA && bytes.Equal(c.RawSubject, c.RawIssuer)
}

// CheckCA reports the certificates of a CA file (a --client-ca-file, --trusted-ca-file) that
// cannot act as a CA: no basicConstraints CA:TRUE (Go refuses to build a chain through
// them), or a keyUsage without keyCertSign.
func CheckCA(certs []*x509.Certificate) []Problem {
	var out []Problem
	for i, c := range certs {
		if !c.BasicConstraintsValid || !c.IsCA {
			out = append(out, problem(NotCA, i, c, "is used as a CA but has no basicConstraints CA:TRUE, so Go verifies no certificate against it"))
			continue
		}
		if c.KeyUsage&x509.KeyUsageCertSign == 0 {
			msg := "is a CA whose keyUsage does not include keyCertSign (RFC 5280 4.2.1.3)"
			if c.KeyUsage == 0 {
				msg = "is a CA without a keyUsage extension; RFC 5280 4.2.1.3 requires one with keyCertSign"
			}
			out = append(out, problem(CAWithoutCertSign, i, c, "%s", msg))
		}
	}
	return out
}

// CheckServingNames reports a serving certificate (the first of its file) with no DNS or IP
// subject alternative name.
func CheckServingNames(certs []*x509.Certificate) []Problem {
	if len(certs) == 0 {
		return nil
	}
	c := certs[0]
	if len(c.DNSNames) > 0 || len(c.IPAddresses) > 0 {
		return nil
	}
	msg := "has no DNS or IP subject alternative name; Go ignores the common name"
	if c.Subject.CommonName != "" {
		msg += fmt.Sprintf(" (CN=%s) since Go 1.15", c.Subject.CommonName)
	}
	return []Problem{problem(NoSubjectAltName, 0, c, "%s, so every client refuses the connection", msg)}
}

// CheckKeyPair reports a private key that does not belong to the first certificate of its
// file.
func CheckKeyPair(certs []*x509.Certificate, key crypto.Signer) []Problem {
	if len(certs) == 0 || key == nil || KeyMatches(certs[0], key) {
		return nil
	}
	have, want := KeyDescription(key.Public()), KeyDescription(certs[0].PublicKey)
	if have == want {
		return []Problem{problem(KeyMismatch, 0, certs[0], "does not match the private key given with it (another %s key)", have)}
	}
	return []Problem{problem(KeyMismatch, 0, certs[0], "does not match the private key given with it (a %s key; the certificate holds a %s key)", have, want)}
}

func problem(kind Kind, i int, c *x509.Certificate, format string, args ...any) Problem {
	return Problem{Kind: kind, Index: i, Subject: Subject(c), Message: fmt.Sprintf(format, args...)}
}

// Text writes a problem as a clause of a message: "certificate 2 (CN=etcd-ca) expired on ...".
func (p Problem) Text() string {
	return fmt.Sprintf("certificate %d (%s) %s", p.Index+1, p.Subject, p.Message)
}
