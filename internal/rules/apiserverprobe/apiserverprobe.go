// Package apiserverprobe holds the rules judged on what the API server answered a probe from
// the network (palisade probe): whether a caller without credentials reads its version,
// discovery or objects, whether the legacy insecure port still answers, and whether the API
// server's port speaks plain HTTP. They are the network proof beside the flag-based rules of
// package apiserver (apiserver/anonymous-auth, apiserver/insecure-port). The rules read the
// answers in inventory.Endpoint and never contact anything; an endpoint that did not answer,
// or answered but not as kube-apiserver (a web page on port 443), is not applicable, never a
// pass.
package apiserverprobe

import (
	"fmt"
	"net/http"
	"strings"

	"palisade.dev/palisade/internal/inventory"
	"palisade.dev/palisade/internal/rules"
)

// Rules returns the package's rules.
func Rules() []rules.Rule {
	return []rules.Rule{
		anonymousAccessRule(),
		insecurePortRule(),
		plainHTTPRule(),
	}
}

// The endpoint components the rules judge, as the probe engine names them.
const (
	apiServer         = "kube-apiserver"
	apiServerInsecure = "kube-apiserver-insecure"
)

// readable reports whether an answer is a success that kube-apiserver gave.
func readable(a inventory.Answer) bool {
	return a.Status >= 200 && a.Status < 300 && a.Kind == inventory.AnswerAPIServer
}

// recognised reports whether any answer is kube-apiserver's: a success it gave, or a refusal
// of a caller without credentials (401, 403).
func recognised(ep *inventory.Endpoint) bool {
	for _, a := range ep.Answers {
		if readable(a) || a.Status == http.StatusUnauthorized || a.Status == http.StatusForbidden {
			return true
		}
	}
	return false
}

// notAPIServerHere records that the endpoint answers, but not as the API server.
func notAPIServerHere(ctx *rules.EndpointContext) {
	if tls := ctx.Endpoint.TLS; tls != nil && tls.ClientCertRequired {
		ctx.NotApplicable(fmt.Sprintf("%s requires a client certificate: a caller without one gets no answer to judge", ctx.Endpoint.Address))
		return
	}
	ctx.NotApplicable(fmt.Sprintf("%s answers, but not as a Kubernetes API server (%s)", ctx.Endpoint.Address, answersEvidence(ctx.Endpoint)))
}

// answersEvidence lists every answer: "/version: 200 (version v1.37.2); /api: 403; /apis:
// failed (timed out)".
func answersEvidence(ep *inventory.Endpoint) string {
	if len(ep.Answers) == 0 {
		return "no answer to any request"
	}
	parts := make([]string, len(ep.Answers))
	for i, a := range ep.Answers {
		switch {
		case a.Status == 0 && a.Error != "":
			parts[i] = fmt.Sprintf("%s: failed (%s)", a.Path, a.Error)
		case a.Status == 0:
			parts[i] = a.Path + ": no answer"
		case a.Summary != "":
			parts[i] = fmt.Sprintf("%s: %d (%s)", a.Path, a.Status, a.Summary)
		default:
			parts[i] = fmt.Sprintf("%s: %d", a.Path, a.Status)
		}
	}
	return strings.Join(parts, "; ")
}

// The sources the rules cite. CIS IDs are those of the CIS Kubernetes Benchmark v1.10.0.
var (
	cisAnonymousAuth   = rules.CIS("1.2.1", "Ensure that the --anonymous-auth argument is set to false")
	docsAnonymous      = rules.Docs("Authenticating: anonymous requests", "https://kubernetes.io/docs/reference/access-authn-authz/authentication/#anonymous-requests")
	docsDiscoveryRole  = rules.Docs("Using RBAC Authorization: API discovery roles", "https://kubernetes.io/docs/reference/access-authn-authz/rbac/#discovery-roles")
	docsAccess         = rules.Docs("Controlling Access to the Kubernetes API: transport security", "https://kubernetes.io/docs/concepts/security/controlling-access/#transport-security")
	docsAPIServerFlags = rules.Docs("kube-apiserver command line reference", "https://kubernetes.io/docs/reference/command-line-tools-reference/kube-apiserver/")
)

func ptr[T any](v T) *T { return &v }
