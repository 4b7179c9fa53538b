package cluster

// cluster/anonymous-access: how the API server answers requests made without credentials.
// With anonymous authentication on (the API server's default), such a request is served as
// the user system:anonymous in the group system:unauthenticated, and RBAC decides what it may
// do: by default, only the health and version endpoints (the bootstrap binding
// system:public-info-viewer). Anything more is open to whoever reaches the API server.
//
// Restricted fields:
//   the status of each anonymous probe (inventory.Cluster.Anonymous): GET of /version,
//   /healthz (public info), /api, /apis (discovery), and object paths such as
//   /api/v1/namespaces/default/pods
//
// Allowed values:
//   401 on every path: anonymous authentication is off. One finding per cluster, its evidence
//   listing every path and its answer, graded by the worst answer:
//     2xx on an object path (anything but public info and discovery)   critical: anonymous
//                                                                       users read objects
//     2xx on /api, /apis or another discovery path                     high: the API's shape
//                                                                       is public (it is not
//                                                                       by default since 1.14)
//     2xx on /version, /healthz, /livez, /readyz only, or 403         low: anonymous
//                                                                       authentication is on;
//                                                                       RBAC refuses the rest
//   Other answers (404, 5xx) and failed requests are listed but not graded; when no probe got
//   a 2xx, 401 or 403 there is no finding.
//
// References: CIS Kubernetes Benchmark v1.10.0 1.2.1;
// https://kubernetes.io/docs/reference/access-authn-authz/authentication/#anonymous-requests;
// https://kubernetes.io/docs/reference/access-authn-authz/rbac/#discovery-roles

import (
	"fmt"
	"strings"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/inventory"
	"palisade.dev/palisade/internal/rules"
	"palisade.dev/palisade/internal/rules/anonymous"
)

func anonymousAccessRule() rules.Rule {
	return rules.Rule{
		ID:       "cluster/anonymous-access",
		Title:    "API server answers requests without credentials",
		Severity: finding.High,
		Area:     rules.AreaGeneral,
		Scope:    rules.ScopeCluster,
		Description: "Palisade asks the API server, without credentials, for its version, health, discovery and a " +
			"list of objects. With anonymous authentication off every answer is 401. A 403 means anonymous " +
			"authentication is on and RBAC refused; a 200 on /version or /healthz is the Kubernetes default " +
			"with it on; a 200 on discovery (/api, /apis) shows every API group to anyone who reaches the " +
			"server; a 200 on objects lets anyone read them.",
		Fields:     []string{"GET /version, /healthz, /api, /apis, object lists without credentials"},
		Allowed:    []string{"401 on every path (anonymous authentication off)"},
		References: []rules.Reference{cisAnonymousAuth, docsAnonymous, docsDiscoveryRole},
		Remedy: "Start the API server with --anonymous-auth=false (on 1.32 and later, an AuthenticationConfiguration " +
			"may keep anonymous access to /healthz, /livez and /readyz only), or at least remove every binding " +
			"to system:anonymous and system:unauthenticated but system:public-info-viewer.",
		Cluster: checkAnonymousAccess,
	}
}

func checkAnonymousAccess(ctx *rules.ClusterContext) []rules.Violation {
	c := ctx.Cluster
	if c == nil || len(c.Anonymous) == 0 {
		return nil
	}
	answers := make([]anonymous.Answer, len(c.Anonymous))
	for i, p := range c.Anonymous {
		answers[i] = anonymous.Answer{Path: p.Path, Status: p.Status, Read: p.Status >= 200 && p.Status < 300, Label: p.Path}
	}
	v := anonymous.Grade(answers, "the API server")
	if !v.Judged || v.Closed {
		return nil
	}
	return []rules.Violation{{Evidence: anonymousEvidence(c.Anonymous), Severity: new(v.Severity), Message: v.Message}}
}

// anonymousEvidence lists every probe and its answer: "/version: 200; /api: 403; /healthz:
// failed (connection reset)".
func anonymousEvidence(probes []inventory.AnonymousProbe) string {
	parts := make([]string, len(probes))
	for i, p := range probes {
		switch {
		case p.Status == 0 && p.Error != "":
			parts[i] = fmt.Sprintf("%s: failed (%s)", p.Path, p.Error)
		case p.Status == 0:
			parts[i] = p.Path + ": no answer"
		default:
			parts[i] = fmt.Sprintf("%s: %d", p.Path, p.Status)
		}
	}
	return "GET without credentials: " + strings.Join(parts, "; ")
}
