package apiserverprobe

// apiserver/probe-plain-http: the API server's port (6443, 443) speaks plain HTTP. Every
// client's bearer token and every object then crosses the network in clear text, and nothing
// proves to clients which server they talk to.
//
// Restricted fields:
//   the protocol of the API server's port
//
// Allowed values:
//   TLS (pass). Plain HTTP answered as kube-apiserver is critical; plain HTTP answered by
//   something else, or nothing answering, is not applicable.
//
// References: https://kubernetes.io/docs/concepts/security/controlling-access/#transport-security;
// CIS Kubernetes Benchmark v1.10.0 1.2.24 (--tls-cert-file and --tls-private-key-file).

import (
	"fmt"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/rules"
)

var cisTLSCert = rules.CIS("1.2.24", "Ensure that the --tls-cert-file and --tls-private-key-file arguments are set as appropriate")

func plainHTTPRule() rules.Rule {
	return rules.Rule{
		ID:       "apiserver/probe-plain-http",
		Title:    "API server's port speaks plain HTTP (probed)",
		Severity: finding.Critical,
		Area:     rules.AreaControlPlane,
		Scope:    rules.ScopeEndpoint,
		Description: "Palisade connects to the API server's port and tells whether it speaks TLS. In plain HTTP every " +
			"token, certificate request and object crosses the network in clear text and clients cannot tell the " +
			"API server from an impostor.",
		Fields:             []string{"the protocol of the API server's port (6443, 443)"},
		Allowed:            []string{"TLS"},
		References:         []rules.Reference{docsAccess, cisTLSCert},
		EndpointComponents: []string{apiServer},
		Remedy: "Serve the API only over TLS (--tls-cert-file and --tls-private-key-file, or the self-signed " +
			"certificate kube-apiserver makes); put any plain-HTTP proxy in front of it out of reach.",
		Endpoint: rules.Answering(checkPlainHTTP),
	}
}

func checkPlainHTTP(ctx *rules.EndpointContext) []rules.Violation {
	ep := ctx.Endpoint
	switch {
	case !recognised(ep):
		notAPIServerHere(ctx)
		return nil
	case ep.Protocol == "https":
		ctx.Pass(fmt.Sprintf("%s speaks TLS (%s)", ep.Address, answersEvidence(ep)))
		return nil
	}
	return []rules.Violation{{
		Path:     ep.Address,
		Message:  fmt.Sprintf("%s serves the Kubernetes API in plain HTTP: tokens and objects cross the network in clear text", ep.Address),
		Evidence: "GET without credentials: " + answersEvidence(ep),
	}}
}
