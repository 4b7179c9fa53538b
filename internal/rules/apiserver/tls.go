package apiserver

// apiserver/tls-cipher-suites: the TLS 1.2 cipher suites the API server offers (TLS 1.3
// suites are not configurable and all strong).
//
// Restricted fields:
//   --tls-cipher-suites (a list; Go's defaults when absent)
//
// Allowed values:
//   only AEAD suites with forward secrecy: ECDHE with AES-GCM or ChaCha20-Poly1305, and the
//   TLS 1.3 suites. kube-bench's list for CIS 1.2.29 also accepts the ECDHE CBC-SHA1 suites;
//   they are not AEAD (Lucky13-style padding oracles) and fail here at low severity. Suites Go
//   calls insecure (RC4, 3DES, RSA key exchange, CBC-SHA256) fail at medium; a name the API
//   server does not know would stop it from starting.
//
// References: CIS Kubernetes Benchmark v1.10.0 1.2.29; crypto/tls InsecureCipherSuites

import (
	"crypto/tls"
	"fmt"
	"strings"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/rules"
)

// cipherClass is how a suite is judged.
type cipherClass int

const (
	strongSuite cipherClass = iota
	cbcSuite
	insecureSuite
	unknownSuite
)

// classifySuite judges a suite by its IANA name, or the legacy names Kubernetes also accepts
// (TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305 without _SHA256).
func classifySuite(name string) cipherClass {
	switch name {
	case "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305", "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305":
		return strongSuite
	}
	for _, s := range tls.InsecureCipherSuites() {
		if s.Name == name {
			return insecureSuite
		}
	}
	for _, s := range tls.CipherSuites() {
		if s.Name != name {
			continue
		}
		if strings.Contains(name, "_GCM_") || strings.Contains(name, "CHACHA20_POLY1305") {
			if strings.HasPrefix(name, "TLS_RSA_") {
				return insecureSuite // no forward secrecy
			}
			return strongSuite
		}
		return cbcSuite
	}
	return unknownSuite
}

func cipherSuitesRule() rules.Rule {
	return rules.Rule{
		ID: "apiserver/tls-cipher-suites", Title: "API server offers weak TLS cipher suites", Severity: finding.Medium,
		Area: rules.AreaControlPlane, Scope: rules.ScopeNode, Components: apiServer,
		Description: "Without --tls-cipher-suites the API server offers Go's default TLS 1.2 suites, which include ECDHE " +
			"suites with AES-CBC and SHA-1. A list with RC4, 3DES, RSA key exchange or CBC suites lets a client, or an attacker " +
			"in the path, negotiate them. Only AEAD suites with forward secrecy are strong. (kube-bench's list for this check " +
			"still accepts the CBC-SHA1 suites.)",
		Fields: []string{"--tls-cipher-suites"},
		Allowed: []string{"TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, " +
			"TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, " +
			"TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256, and the TLS 1.3 suites"},
		References: []rules.Reference{cisCipherSuites, docsGoTLSCiphers},
		Remedy: "Set --tls-cipher-suites=TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256," +
			"TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384," +
			"TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256 (and --tls-min-version=VersionTLS12).",
		Node: checkCipherSuites,
	}
}

func checkCipherSuites(ctx *rules.NodeContext) []rules.Violation {
	v := flag(ctx, "tls-cipher-suites")
	ev := evidence(ctx, "tls-cipher-suites", "Go's defaults")
	low, medium := finding.Low, finding.Medium
	if !v.Set() || len(v.List()) == 0 {
		return []rules.Violation{{Path: "--tls-cipher-suites", Severity: &low, Evidence: ev,
			Message: "--tls-cipher-suites is not set: the API server offers Go's default TLS 1.2 suites, which include ECDHE suites with AES-CBC and SHA-1"}}
	}
	var byClass [4][]string
	for _, s := range v.List() {
		k := classifySuite(s)
		byClass[k] = append(byClass[k], s)
	}
	switch {
	case len(byClass[unknownSuite]) > 0:
		return []rules.Violation{{Path: "--tls-cipher-suites", Severity: &medium, Evidence: ev,
			Message: fmt.Sprintf("--tls-cipher-suites names suites Go does not know (%s): the API server would refuse to start with them", strings.Join(byClass[unknownSuite], ", "))}}
	case len(byClass[insecureSuite]) > 0:
		return []rules.Violation{{Path: "--tls-cipher-suites", Severity: &medium, Evidence: ev,
			Message: fmt.Sprintf("--tls-cipher-suites offers insecure suites (%s): RC4, 3DES, RSA key exchange without forward secrecy or CBC with SHA-256", strings.Join(byClass[insecureSuite], ", "))}}
	case len(byClass[cbcSuite]) > 0:
		return []rules.Violation{{Path: "--tls-cipher-suites", Severity: &low, Evidence: ev,
			Message: fmt.Sprintf("--tls-cipher-suites offers CBC suites (%s), which are not AEAD; keep the GCM and ChaCha20-Poly1305 ones", strings.Join(byClass[cbcSuite], ", "))}}
	}
	ctx.Pass(ev)
	return nil
}
