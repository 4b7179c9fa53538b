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
	"net/http"
	"strings"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/inventory"
	"palisade.dev/palisade/internal/rules"
)

// publicInfoPaths are the paths the bootstrap ClusterRole system:public-info-viewer lets
// system:unauthenticated read.
var publicInfoPaths = map[string]bool{"/version": true, "/version/": true, "/healthz": true, "/livez": true, "/readyz": true}

// pathClass is what a probed path reveals when it is readable.
type pathClass int

const (
	publicInfo pathClass = iota
	discovery
	objects
)

func classify(path string) pathClass {
	p, _, _ := strings.Cut(path, "?")
	switch {
	case publicInfoPaths[p] || strings.HasPrefix(p, "/healthz/") || strings.HasPrefix(p, "/livez/") || strings.HasPrefix(p, "/readyz/"):
		return publicInfo
	case p == "/api" || p == "/api/" || p == "/apis" || p == "/apis/" || isGroupVersionPath(p) ||
		strings.HasPrefix(p, "/openapi/"):
		return discovery
	}
	return objects
}

// isGroupVersionPath reports whether p lists a group's resources rather than objects:
// /api/v1, /apis/apps, /apis/apps/v1.
func isGroupVersionPath(p string) bool {
	parts := strings.Split(strings.Trim(p, "/"), "/")
	switch parts[0] {
	case "api":
		return len(parts) == 2
	case "apis":
		return len(parts) == 2 || len(parts) == 3
	}
	return false
}

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
	var readable [3][]string
	var refused []string
	judged, allRejected := false, true
	for _, p := range c.Anonymous {
		switch {
		case p.Status == http.StatusUnauthorized:
			judged = true
		case p.Status == http.StatusForbidden:
			judged, allRejected = true, false
			refused = append(refused, p.Path)
		case p.Status >= 200 && p.Status < 300:
			judged, allRejected = true, false
			class := classify(p.Path)
			readable[class] = append(readable[class], p.Path)
		}
		// Other answers (404, 5xx) and failures are in the evidence, not graded.
	}
	if !judged || allRejected {
		return nil
	}
	v := rules.Violation{Evidence: anonymousEvidence(c.Anonymous)}
	const on = "anonymous authentication is on: requests without credentials are served as system:anonymous"
	switch {
	case len(readable[objects]) > 0:
		v.Severity = ptr(finding.Critical)
		v.Message = fmt.Sprintf("%s, and may read %s: anyone who reaches the API server reads these objects; "+
			"look for bindings to system:anonymous or system:unauthenticated (rbac/anonymous-binding)", on, strings.Join(readable[objects], ", "))
	case len(readable[discovery]) > 0:
		v.Severity = ptr(finding.High)
		v.Message = fmt.Sprintf("%s, and may read the API discovery (%s): every API group, resource and version the "+
			"cluster serves is public, a map for an attacker (system:discovery has not been granted to "+
			"unauthenticated users by default since 1.14)", on, strings.Join(readable[discovery], ", "))
	default:
		v.Severity = ptr(finding.Low)
		var what []string
		if len(readable[publicInfo]) > 0 {
			what = append(what, fmt.Sprintf("only the public info Kubernetes grants by default is readable (%s, "+
				"system:public-info-viewer)", strings.Join(readable[publicInfo], ", ")))
		}
		if len(refused) > 0 {
			what = append(what, fmt.Sprintf("RBAC refuses the rest (403 on %s)", strings.Join(refused, ", ")))
		}
		v.Message = fmt.Sprintf("%s; %s. Every binding to system:anonymous or system:unauthenticated opens more to "+
			"anyone who reaches the server", on, strings.Join(what, "; "))
	}
	return []rules.Violation{v}
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
