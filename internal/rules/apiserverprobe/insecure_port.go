package apiserverprobe

// apiserver/probe-insecure-port: the API server's legacy insecure port (8080 by default)
// answers. It serves the whole API over plain HTTP with no authentication and no
// authorization: whoever reaches it is cluster-admin. It is off by default since 1.20 and its
// flags (--insecure-port, --insecure-bind-address) were removed in 1.24, so an answer there is
// an old API server, or a proxy (kubectl proxy, a sidecar) that adds credentials of its own.
//
// Restricted fields:
//   any answer of kube-apiserver in plain HTTP on the insecure port
//
// Allowed values:
//   nothing that answers as kube-apiserver there. Nothing answering at all, or something that
//   is not the API server, is not applicable.
//
// References: older CIS Kubernetes Benchmarks 1.2.19 (--insecure-port=0, dropped with the
// flag); https://kubernetes.io/docs/reference/command-line-tools-reference/kube-apiserver/

import (
	"fmt"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/rules"
)

func insecurePortRule() rules.Rule {
	return rules.Rule{
		ID:       "apiserver/probe-insecure-port",
		Title:    "API server's legacy insecure port answers (probed)",
		Severity: finding.Critical,
		Area:     rules.AreaControlPlane,
		Scope:    rules.ScopeEndpoint,
		Description: "Palisade asks the API server's legacy insecure port (8080) for its version, discovery and Pods. " +
			"That port serves the whole API in plain HTTP without authentication or authorization: whoever reaches " +
			"it acts as cluster-admin. It is off by default since 1.20 and gone since 1.24; an answer means an old API server, or a proxy " +
			"that forwards requests with credentials of its own.",
		Fields:             []string{"kube-apiserver answering in plain HTTP on the insecure port (8080)"},
		Allowed:            []string{"nothing answering as kube-apiserver"},
		References:         []rules.Reference{docsAPIServerFlags, docsAccess},
		EndpointComponents: []string{apiServerInsecure},
		Remedy: "Upgrade the API server (1.24 and later have no insecure port), or start it with --insecure-port=0; " +
			"stop any proxy (kubectl proxy, a sidecar) that listens on a reachable address.",
		Endpoint: rules.Answering(checkInsecurePort),
	}
}

func checkInsecurePort(ctx *rules.EndpointContext) []rules.Violation {
	ep := ctx.Endpoint
	switch {
	case ep.Protocol != "http":
		ctx.NotApplicable(fmt.Sprintf("%s speaks TLS: it is not the legacy insecure port", ep.Address))
		return nil
	case !recognised(ep):
		notAPIServerHere(ctx)
		return nil
	}
	return []rules.Violation{{
		Path: ep.Address,
		Message: fmt.Sprintf("%s answers as kube-apiserver in plain HTTP: the legacy insecure port, or a proxy to the API "+
			"server; whoever reaches it uses the API without credentials", ep.Address),
		Evidence: "GET without credentials: " + answersEvidence(ep),
	}}
}
