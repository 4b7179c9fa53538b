// Package tlsprobe holds the rules judged on the TLS posture of every endpoint a probe found
// speaking TLS (internal/probe/tlsscan): the protocol versions and cipher suites it accepts
// and the certificate chain it serves, judged at the time of the probe with internal/pki.
// They apply to endpoints of every component; an endpoint that speaks no TLS, or that nothing
// answered, is not applicable (the component's own rules judge plain HTTP). The rules never
// contact anything.
//
// The rules:
//   - tls/legacy-versions: no TLS 1.0 or 1.1 (TLS 1.0: high; TLS 1.1 only: medium).
//   - tls/weak-cipher-suites: no RC4 or 3DES (high), no RSA key exchange or CBC with SHA-256
//     (medium), no CBC with SHA-1 (low: Go's own defaults still accept these).
//   - tls/certificate-expiry: every certificate of the chain valid at the probe and for more
//     than 30 days (expired: critical; not yet valid: high; expiring: medium).
//   - tls/serving-san: the serving certificate names hosts in subject alternative names.
//   - tls/self-signed-serving-cert: the serving certificate is issued by a CA, not by itself
//     or by a throwaway CA a component made for itself (the kubelet's default).
package tlsprobe

import (
	"bytes"
	"crypto/x509"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/inventory"
	"palisade.dev/palisade/internal/pki"
	"palisade.dev/palisade/internal/rules"
)

// Rules returns the package's rules.
func Rules() []rules.Rule {
	return []rules.Rule{legacyVersionsRule(), weakCiphersRule(), expiryRule(), servingSANRule(), selfSignedRule()}
}

var (
	refTLSDeprecation = rules.Docs("RFC 8996: Deprecating TLS 1.0 and TLS 1.1", "https://www.rfc-editor.org/rfc/rfc8996")
	refCipherSuites   = rules.Docs("RFC 9325: Recommendations for Secure Use of TLS and DTLS (cipher suites)", "https://www.rfc-editor.org/rfc/rfc9325#section-4.2")
	cisKubeletCiphers = rules.CIS("4.2.12", "Ensure that the Kubelet only makes use of Strong Cryptographic Ciphers")
	cisAPICiphers     = rules.CIS("1.2.29", "Ensure that the API Server only makes use of Strong Cryptographic Ciphers")
	docsPKI           = rules.Docs("PKI certificates and requirements", "https://kubernetes.io/docs/setup/best-practices/certificates/")
	docsCertRenewal   = rules.Docs("Certificate Management with kubeadm", "https://kubernetes.io/docs/tasks/administer-cluster/kubeadm/kubeadm-certs/")
	docsGoCN          = rules.Docs("Go 1.15 release notes: the common name is no longer a host name", "https://go.dev/doc/go1.15#commonname")
	docsKubeletServe  = rules.Docs("Kubelet serving certificates signed by the cluster CA (serverTLSBootstrap)", "https://kubernetes.io/docs/reference/access-authn-authz/kubelet-tls-bootstrapping/#certificate-rotation")
)

// chain parses the served chain, or records why the rule does not apply.
func chain(ctx *rules.EndpointContext, facts *inventory.TLSFacts) []*x509.Certificate {
	if len(facts.Chain) == 0 {
		ctx.NotApplicable("The endpoint at " + ctx.Endpoint.Address + " served no certificate.")
		return nil
	}
	certs, err := pki.ParseCertificates("the chain served at "+ctx.Endpoint.Address, bytes.Join(facts.Chain, nil))
	if err != nil {
		ctx.NotApplicable(err.Error())
		return nil
	}
	return certs
}

// --- tls/legacy-versions

func legacyVersionsRule() rules.Rule {
	return rules.Rule{
		ID: "tls/legacy-versions", Title: "TLS endpoint accepts TLS 1.0 or 1.1 (probed)", Severity: finding.High,
		Area: rules.AreaNetwork, Scope: rules.ScopeEndpoint,
		Description: "TLS 1.0 and 1.1 are deprecated (RFC 8996): they lack modern cipher suites and are open to downgrade " +
			"and padding attacks (BEAST, POODLE-style CBC attacks). Every Kubernetes client speaks TLS 1.2, so an endpoint " +
			"that still accepts the old versions gains nothing from them. One handshake per version, each offering only " +
			"that version, tells which the endpoint accepts.",
		Fields:     []string{"TLS protocol versions accepted"},
		Allowed:    []string{"TLS 1.2", "TLS 1.3"},
		References: []rules.Reference{refTLSDeprecation, refCipherSuites},
		Remedy: "Set the component's minimum TLS version to 1.2 or 1.3: --tls-min-version=VersionTLS12 (kube-apiserver, " +
			"kube-controller-manager, kube-scheduler), tlsMinVersion: VersionTLS12 (kubelet), --tls-min-version=TLS1.2 (etcd).",
		Endpoint: rules.HandshakeDone(func(ctx *rules.EndpointContext, facts *inventory.TLSFacts) []rules.Violation {
			accepted := "accepted: " + strings.Join(facts.Versions, ", ")
			switch {
			case slices.Contains(facts.Versions, "TLS 1.0"):
				return []rules.Violation{{Message: "The endpoint at " + ctx.Endpoint.Address + " accepts TLS 1.0.", Evidence: accepted}}
			case slices.Contains(facts.Versions, "TLS 1.1"):
				return []rules.Violation{{Message: "The endpoint at " + ctx.Endpoint.Address + " accepts TLS 1.1.", Evidence: accepted, Severity: new(finding.Medium)}}
			}
			ctx.Pass(accepted)
			return nil
		}),
	}
}

// --- tls/weak-cipher-suites

// broken reports a suite whose cipher is broken (RC4) or has a 64-bit block (3DES, Sweet32).
func broken(name string) bool {
	return strings.Contains(name, "_RC4_") || strings.Contains(name, "_3DES_")
}

// legacyCBC reports a CBC suite with a SHA-1 MAC and ECDHE key exchange, which Go still
// enables by default: weak (no AEAD, Lucky Thirteen) but what every default Go server accepts.
func legacyCBC(name string) bool {
	return strings.HasPrefix(name, "TLS_ECDHE_") && strings.HasSuffix(name, "_CBC_SHA")
}

func weakCiphersRule() rules.Rule {
	return rules.Rule{
		ID: "tls/weak-cipher-suites", Title: "TLS endpoint accepts weak cipher suites (probed)", Severity: finding.Medium,
		Area: rules.AreaNetwork, Scope: rules.ScopeEndpoint,
		Description: "Each weak suite Go implements is offered alone, in a handshake of TLS 1.2 or older. RC4 is broken and " +
			"3DES has a 64-bit block (Sweet32): high. RSA key exchange has no forward secrecy (a stolen key decrypts " +
			"recorded traffic) and CBC with SHA-256 is open to timing attacks: medium. ECDHE with CBC and SHA-1, which Go " +
			"servers still accept by default, lacks an AEAD cipher: low. The CIS Benchmark accepts only ECDHE suites " +
			"with AES-GCM or ChaCha20-Poly1305.",
		Fields:     []string{"TLS cipher suites accepted (TLS 1.2 and older)"},
		Allowed:    []string{"ECDHE with AES-GCM or ChaCha20-Poly1305", "TLS 1.3 suites"},
		References: []rules.Reference{refCipherSuites, cisKubeletCiphers, cisAPICiphers},
		Remedy: "Name strong suites only: --tls-cipher-suites=TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256," +
			"TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305," +
			"TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305 (kube-apiserver, kube-controller-manager, kube-scheduler, etcd --cipher-suites; " +
			"kubelet tlsCipherSuites), or set the minimum version to TLS 1.3.",
		Endpoint: rules.HandshakeDone(func(ctx *rules.EndpointContext, facts *inventory.TLSFacts) []rules.Violation {
			if len(facts.WeakCiphers) == 0 {
				ctx.Pass("no weak suite accepted; versions " + strings.Join(facts.Versions, ", "))
				return nil
			}
			severity := finding.Low
			for _, c := range facts.WeakCiphers {
				switch {
				case broken(c):
					severity = finding.High
				case !legacyCBC(c) && severity < finding.Medium:
					severity = finding.Medium
				}
			}
			return []rules.Violation{{Severity: new(severity),
				Message:  fmt.Sprintf("The endpoint at %s accepts %d weak cipher suite(s).", ctx.Endpoint.Address, len(facts.WeakCiphers)),
				Evidence: "accepted: " + strings.Join(facts.WeakCiphers, ", ")}}
		}),
	}
}

// --- tls/certificate-expiry

func expiryRule() rules.Rule {
	return rules.Rule{
		ID: "tls/certificate-expiry", Title: "Served certificate expired or expiring (probed)", Severity: finding.Critical,
		Area: rules.AreaNetwork, Scope: rules.ScopeEndpoint,
		Description: "Every certificate of the chain an endpoint serves, judged at the time of the probe: an expired one " +
			"(leaf or intermediate) makes every verifying client refuse the connection, so clients that still connect " +
			"do not verify (critical); one not yet valid does the same (high); one expiring within 30 days is an outage " +
			"waiting to happen (medium).",
		Fields:     []string{"notBefore and notAfter of each certificate served"},
		Allowed:    []string{"valid at the probe and for more than 30 days"},
		References: []rules.Reference{docsCertRenewal, docsPKI},
		Remedy:     "Renew the certificate (kubeadm certs renew; the kubelet: rotateCertificates and serverTLSBootstrap) and restart the component that serves it.",
		Endpoint: rules.HandshakeDone(func(ctx *rules.EndpointContext, facts *inventory.TLSFacts) []rules.Violation {
			if ctx.Endpoint.ProbedAt.IsZero() {
				ctx.NotApplicable("The time of the probe of " + ctx.Endpoint.Address + " is unknown.")
				return nil
			}
			certs := chain(ctx, facts)
			if certs == nil {
				return nil
			}
			var out []rules.Violation
			for _, p := range pki.CheckDates(certs, pki.Policy{At: ctx.Endpoint.ProbedAt}) {
				severity := finding.Critical
				switch p.Kind {
				case pki.NotYetValid:
					severity = finding.High
				case pki.ExpiresSoon:
					severity = finding.Medium
				}
				out = append(out, rules.Violation{Severity: new(severity),
					Message:  "The chain served at " + ctx.Endpoint.Address + ": " + p.Text() + ".",
					Evidence: validity(certs[p.Index])})
			}
			if len(out) == 0 {
				ev := make([]string, len(certs))
				for i, c := range certs {
					ev[i] = validity(c)
				}
				ctx.Pass(strings.Join(ev, "; "))
			}
			return out
		}),
	}
}

func validity(c *x509.Certificate) string {
	const layout = "2006-01-02 15:04 MST"
	return fmt.Sprintf("%s valid %s to %s", pki.Subject(c), c.NotBefore.UTC().Format(layout), c.NotAfter.UTC().Format(layout))
}

// --- tls/serving-san

func servingSANRule() rules.Rule {
	return rules.Rule{
		ID: "tls/serving-san", Title: "Served certificate names no host in subject alternative names (probed)", Severity: finding.Medium,
		Area: rules.AreaNetwork, Scope: rules.ScopeEndpoint,
		Description: "Go verifies a server's name against the certificate's DNS and IP subject alternative names only; the " +
			"common name has not counted since Go 1.15. A serving certificate without them is refused by every client " +
			"that verifies it, so clients that still connect skip verification, and anyone on the path can impersonate " +
			"the endpoint.",
		Fields:     []string{"subjectAltName of the served leaf certificate"},
		Allowed:    []string{"a DNS or IP subject alternative name"},
		References: []rules.Reference{docsGoCN, docsPKI},
		Remedy:     "Reissue the serving certificate with the names and addresses clients use as subject alternative names.",
		Endpoint: rules.HandshakeDone(func(ctx *rules.EndpointContext, facts *inventory.TLSFacts) []rules.Violation {
			certs := chain(ctx, facts)
			if certs == nil {
				return nil
			}
			if probs := pki.CheckServingNames(certs); len(probs) > 0 {
				return []rules.Violation{{Message: "The certificate served at " + ctx.Endpoint.Address + ": " + probs[0].Text() + ".",
					Evidence: pki.Subject(certs[0]) + ", no subject alternative name"}}
			}
			ctx.Pass(pki.Subject(certs[0]) + ": " + pki.Names(certs[0]))
			return nil
		}),
	}
}

// --- tls/self-signed-serving-cert

// selfGenerated matches the issuer of the certificates client-go's
// cert.GenerateSelfSignedCertKey makes, which the kubelet serves when no tlsCertFile is
// given: a throwaway CA named "<host>-ca@<unix time>".
var selfGenerated = regexp.MustCompile(`-ca@[0-9]+$`)

func selfSignedRule() rules.Rule {
	return rules.Rule{
		ID: "tls/self-signed-serving-cert", Title: "Served certificate is self-signed (probed)", Severity: finding.Medium,
		Area: rules.AreaNetwork, Scope: rules.ScopeEndpoint,
		Description: "A serving certificate that signs itself, or that a throwaway CA of the component's own signed (the " +
			"kubelet makes one at start when no tlsCertFile is set), cannot be verified against the cluster's CA: clients " +
			"either pin it or, far more often, skip verification (the API server talks to kubelets without " +
			"--kubelet-certificate-authority), and anyone on the path can impersonate the endpoint.",
		Fields:     []string{"issuer of the served leaf certificate"},
		Allowed:    []string{"a certificate issued by the cluster's (or another trusted) CA"},
		References: []rules.Reference{docsKubeletServe, docsPKI},
		Remedy: "Serve a certificate issued by the cluster CA: for the kubelet, serverTLSBootstrap: true with rotateCertificates " +
			"(and approve its serving CSRs), or tlsCertFile and tlsPrivateKeyFile; for other components, the certificates kubeadm issues.",
		Endpoint: rules.HandshakeDone(func(ctx *rules.EndpointContext, facts *inventory.TLSFacts) []rules.Violation {
			if facts.VerifiedBy != "" {
				ctx.Pass("verified by " + facts.VerifiedBy)
				return nil
			}
			certs := chain(ctx, facts)
			if certs == nil {
				return nil
			}
			leaf := certs[0]
			switch {
			case signsItself(leaf):
				return []rules.Violation{{Message: "The certificate served at " + ctx.Endpoint.Address + " is self-signed.",
					Evidence: pki.Subject(leaf) + " issued by itself"}}
			case selfGenerated.MatchString(leaf.Issuer.CommonName):
				return []rules.Violation{{Message: "The certificate served at " + ctx.Endpoint.Address + " is signed by a CA the component made for itself (the kubelet's default without tlsCertFile).",
					Evidence: pki.Subject(leaf) + " issued by CN=" + leaf.Issuer.CommonName}}
			}
			ctx.Pass(pki.Subject(leaf) + " issued by " + leaf.Issuer.String())
			return nil
		}),
	}
}

// signsItself reports whether a certificate is issued by its own subject and verifies with
// its own key.
func signsItself(c *x509.Certificate) bool {
	return bytes.Equal(c.RawIssuer, c.RawSubject) && c.CheckSignature(c.SignatureAlgorithm, c.RawTBSCertificate, c.Signature) == nil
}
