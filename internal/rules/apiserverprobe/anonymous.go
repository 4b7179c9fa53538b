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
	"net/http"
	"strings"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/rules"
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
		Endpoint: checkAnonymousAccess,
	}
}

// pathClass is what a probed path reveals when it is readable.
type pathClass int

const (
	publicInfo pathClass = iota
	discovery
	objects
)

func classify(path string) pathClass {
	p, _, _ := strings.Cut(path, "?")
	switch p {
	case "/version", "/healthz", "/livez", "/readyz":
		return publicInfo
	case "/api", "/apis":
		return discovery
	}
	return objects
}

func checkAnonymousAccess(ctx *rules.EndpointContext) []rules.Violation {
	if !answered(ctx) {
		return nil
	}
	ep := ctx.Endpoint
	var read [3][]string
	var refused []string
	judged, allRejected := false, true
	for _, a := range ep.Answers {
		switch {
		case a.Status == http.StatusUnauthorized:
			judged = true
		case a.Status == http.StatusForbidden:
			judged, allRejected = true, false
			refused = append(refused, a.Path)
		case readable(a):
			judged, allRejected = true, false
			c := classify(a.Path)
			read[c] = append(read[c], fmt.Sprintf("%s (%s)", a.Path, a.Summary))
		}
	}
	evidence := "GET without credentials on " + ep.Address + ": " + answersEvidence(ep)
	switch {
	case !judged:
		notAPIServerHere(ctx)
		return nil
	case allRejected:
		ctx.Pass(evidence)
		return nil
	}
	v := rules.Violation{Path: ep.Address, Evidence: evidence}
	const on = "anonymous authentication is on: requests without credentials are served as system:anonymous"
	switch {
	case len(read[objects]) > 0:
		v.Severity = ptr(finding.Critical)
		v.Message = fmt.Sprintf("%s, and may read objects: %s. Anyone who reaches %s reads them; look for bindings to "+
			"system:anonymous or system:unauthenticated", on, strings.Join(read[objects], ", "), ep.Address)
	case len(read[discovery]) > 0:
		v.Severity = ptr(finding.High)
		v.Message = fmt.Sprintf("%s, and may read the API discovery (%s): every API group, resource and version the "+
			"cluster serves is public, a map for an attacker (system:discovery has not been granted to "+
			"unauthenticated users by default since 1.14)", on, strings.Join(read[discovery], ", "))
	default:
		v.Severity = ptr(finding.Low)
		var what []string
		if len(read[publicInfo]) > 0 {
			what = append(what, fmt.Sprintf("only the public info Kubernetes grants by default is readable (%s, "+
				"system:public-info-viewer)", strings.Join(read[publicInfo], ", ")))
		}
		if len(refused) > 0 {
			what = append(what, fmt.Sprintf("RBAC refuses the rest (403 on %s)", strings.Join(refused, ", ")))
		}
		v.Message = fmt.Sprintf("%s; %s. Every binding to system:anonymous or system:unauthenticated opens more to "+
			"anyone who reaches %s", on, strings.Join(what, "; "), ep.Address)
	}
	return []rules.Violation{v}
}
