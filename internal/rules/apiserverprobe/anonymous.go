package apiserverprobe

// apiserver/probe-anonymous-access: what the API server answered, over the network, a caller
// without credentials. The flag rule apiserver/anonymous-auth reads --anonymous-auth; this one
// proves from outside what it lets through, graded as cluster/anonymous-access grades the same
// requests made by palisade cluster.
//
// Restricted fields:
//   the status of GET /version, /healthz, /api, /apis and
//   /api/v1/namespaces/default/pods?limit=1, asked without credentials
//
// Allowed values:
//   401 on every path: anonymous authentication is off (pass). Otherwise one finding per
//   endpoint, graded by the worst answer:
//     2xx on the object list                                 critical: anonymous callers read objects
//     2xx on /api or /apis                                   high: the API's shape is public
//     2xx on /version, /healthz only, or 403                 low: anonymous authentication is on;
//                                                            RBAC refuses the rest
//   A 2xx that is not kube-apiserver's answer, 404, 5xx and failed requests are listed but not
//   graded; an endpoint with no graded answer is not applicable (it is not an API server).
//
// References: CIS Kubernetes Benchmark v1.10.0 1.2.1;
// https://kubernetes.io/docs/reference/access-authn-authz/authentication/#anonymous-requests;
// https://kubernetes.io/docs/reference/access-authn-authz/rbac/#discovery-roles

import (
	"fmt"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/rules"
	"palisade.dev/palisade/internal/rules/anonymous"
)

func anonymousAccessRule() rules.Rule {
	return rules.Rule{
		ID:       "apiserver/probe-anonymous-access",
		Title:    "API server answers callers without credentials (probed)",
		Severity: finding.High,
		Area:     rules.AreaControlPlane,
		Scope:    rules.ScopeEndpoint,
		Description: "Palisade asks the API server from the network, without credentials, for its version, health, " +
			"discovery and one page of the Pods in namespace default, as anyone who reaches the port could. With " +
			"anonymous authentication off every answer is 401. A 403 means anonymous authentication is on and RBAC " +
			"refused; a 200 on /version or /healthz is the Kubernetes default with it on; a 200 on /api or /apis " +
			"shows every API group to anyone; a 200 on the Pod list lets anyone read objects.",
		Fields:             []string{"GET /version, /healthz, /api, /apis, /api/v1/namespaces/default/pods without credentials"},
		Allowed:            []string{"401 on every path (anonymous authentication off)"},
		References:         []rules.Reference{cisAnonymousAuth, docsAnonymous, docsDiscoveryRole},
		EndpointComponents: []string{apiServer},
		Remedy: "Start the API server with --anonymous-auth=false (on 1.32 and later, an AuthenticationConfiguration " +
			"may keep anonymous access to /healthz, /livez and /readyz only), or at least remove every binding " +
			"to system:anonymous and system:unauthenticated but system:public-info-viewer.",
		Endpoint: rules.Answering(checkAnonymousAccess),
	}
}

func checkAnonymousAccess(ctx *rules.EndpointContext) []rules.Violation {
	ep := ctx.Endpoint
	answers := make([]anonymous.Answer, len(ep.Answers))
	for i, a := range ep.Answers {
		answers[i] = anonymous.Answer{Path: a.Path, Status: a.Status, Read: readable(a), Label: fmt.Sprintf("%s (%s)", a.Path, a.Summary)}
	}
	evidence := "GET without credentials on " + ep.Address + ": " + answersEvidence(ep)
	v := anonymous.Grade(answers, ep.Address)
	switch {
	case !v.Judged:
		notAPIServerHere(ctx)
		return nil
	case v.Closed:
		ctx.Pass(evidence)
		return nil
	}
	return []rules.Violation{{Path: ep.Address, Evidence: evidence, Severity: new(v.Severity), Message: v.Message}}
}
