package apiserver

// apiserver/anonymous-auth: whether the API server serves requests without credentials as
// system:anonymous. apiserver/insecure-port: the unauthenticated HTTP port of old API servers.
//
// Restricted fields:
//   --anonymous-auth (default true); from Kubernetes 1.32, the anonymous section of the
//   AuthenticationConfiguration --authentication-config names (exclusive with the flag);
//   --insecure-port and --insecure-bind-address (before 1.24)
//
// Allowed values:
//   --anonymous-auth=false, or an AuthenticationConfiguration with anonymous.enabled false or
//   limited by conditions to /healthz, /livez and /readyz; --insecure-port=0 or absent on
//   1.20 and later (the port was off by default from 1.20 and the flag removed in 1.24).
//
// References: CIS Kubernetes Benchmark v1.10.0 1.2.1 (older benchmarks: 1.2.19
// --insecure-port=0, 1.2.18 no --insecure-bind-address);
// https://kubernetes.io/docs/reference/access-authn-authz/authentication/#anonymous-requests

import (
	"fmt"
	"net"
	"slices"
	"strings"

	sigsjson "sigs.k8s.io/json"
	"sigs.k8s.io/yaml"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/rules"
)

// healthPaths are the paths an anonymous condition may keep open.
var healthPaths = []string{"/healthz", "/livez", "/readyz"}

func anonymousAuthRule() rules.Rule {
	return rules.Rule{
		ID: "apiserver/anonymous-auth", Title: "API server accepts anonymous requests", Severity: finding.Medium,
		Area: rules.AreaControlPlane, Scope: rules.ScopeNode, Components: apiServer,
		Description: "With anonymous authentication on (the default), a request without credentials is served as " +
			"system:anonymous in the group system:unauthenticated, and only RBAC stands between it and the API. One careless " +
			"binding opens the cluster to anyone who reaches the API server. From Kubernetes 1.32 an AuthenticationConfiguration " +
			"(--authentication-config) can keep anonymous access to the health endpoints only, which load balancers need. " +
			"The CIS Benchmark lists this check as Manual; cluster/anonymous-access probes the live behaviour.",
		Fields:     []string{"--anonymous-auth", "--authentication-config anonymous"},
		Allowed:    []string{"--anonymous-auth=false", "anonymous.enabled: false, or conditions limited to /healthz, /livez, /readyz"},
		References: []rules.Reference{cisAnonymousAuth, docsAnonymous},
		Remedy: "Start the API server with --anonymous-auth=false; on 1.32 and later, if health checks need anonymous access, " +
			"use an AuthenticationConfiguration with anonymous.enabled: true and conditions for /healthz, /livez and /readyz only.",
		Node: checkAnonymousAuth,
	}
}

func checkAnonymousAuth(ctx *rules.NodeContext) []rules.Violation {
	if cfg := flag(ctx, "authentication-config"); cfg.Set() && cfg.Given() != "" {
		f, vs := nodeFile(ctx, "authentication-config", cfg.Given())
		if f == nil {
			return vs
		}
		var doc struct {
			Anonymous *struct {
				Enabled    bool `json:"enabled"`
				Conditions []struct {
					Path string `json:"path"`
				} `json:"conditions"`
			} `json:"anonymous"`
		}
		j, err := yaml.YAMLToJSON(f.Data)
		if err == nil {
			err = sigsjson.UnmarshalCaseSensitivePreserveInts(j, &doc)
		}
		if err != nil {
			return fail("authentication-config", fmt.Sprintf("%s, which --authentication-config names, is not a readable AuthenticationConfiguration: %v", cfg.Given(), err), evidence(ctx, "authentication-config", ""))
		}
		if a := doc.Anonymous; a != nil {
			ev := fmt.Sprintf("anonymous.enabled: %t in %s (%s)", a.Enabled, cfg.Given(), evidence(ctx, "authentication-config", ""))
			if !a.Enabled {
				ctx.Pass(ev)
				return nil
			}
			var paths, open []string
			for _, cond := range a.Conditions {
				paths = append(paths, cond.Path)
				if !slices.Contains(healthPaths, cond.Path) {
					open = append(open, cond.Path)
				}
			}
			ev += ", conditions [" + strings.Join(paths, ", ") + "]"
			switch {
			case len(a.Conditions) == 0:
				return fail("authentication-config", "the AuthenticationConfiguration enables anonymous requests on every path", ev)
			case len(open) > 0:
				return fail("authentication-config", "the AuthenticationConfiguration enables anonymous requests beyond the health endpoints: "+strings.Join(open, ", "), ev)
			}
			ctx.Pass(ev + ": anonymous requests reach the health endpoints only")
			return nil
		}
	}
	on, err := boolFlag(ctx, "anonymous-auth", true)
	ev := evidence(ctx, "anonymous-auth", "true")
	switch {
	case err != nil:
		return fail("anonymous-auth", err.Error(), ev)
	case on && !flag(ctx, "anonymous-auth").Set():
		return fail("anonymous-auth", "--anonymous-auth is not set, and its default is true: requests without credentials are served as system:anonymous, and only RBAC decides what they may do", ev)
	case on:
		return fail("anonymous-auth", "--anonymous-auth is true: requests without credentials are served as system:anonymous, and only RBAC decides what they may do", ev)
	}
	ctx.Pass(ev)
	return nil
}

func insecurePortRule() rules.Rule {
	return rules.Rule{
		ID: "apiserver/insecure-port", Title: "API server serves an unauthenticated HTTP port", Severity: finding.Critical,
		Area: rules.AreaControlPlane, Scope: rules.ScopeNode, Components: apiServer,
		Description: "Before Kubernetes 1.20 the API server served plain HTTP on --insecure-port (default 8080, on " +
			"--insecure-bind-address, default 127.0.0.1) with no authentication and no authorization: whoever reaches it, " +
			"including any hostNetwork pod on a loopback address, is cluster-admin. The port was off by default from 1.20 and the " +
			"flags were removed in 1.24. Older CIS benchmarks required --insecure-port=0.",
		Fields:     []string{"--insecure-port", "--insecure-bind-address"},
		Allowed:    []string{"--insecure-port=0", "absent on 1.20 and later"},
		References: []rules.Reference{docsAPIServerFlags},
		Remedy:     "Set --insecure-port=0 and remove --insecure-bind-address; better, upgrade to a supported Kubernetes version.",
		Node: func(ctx *rules.NodeContext) []rules.Violation {
			port := flag(ctx, "insecure-port")
			ev := evidence(ctx, "insecure-port", "")
			if addr := flag(ctx, "insecure-bind-address"); addr.Set() {
				ev += "; " + evidence(ctx, "insecure-bind-address", "")
			}
			switch {
			case port.Set() && strings.TrimSpace(port.Given()) != "0":
				bind := "127.0.0.1"
				if a := flag(ctx, "insecure-bind-address"); a.Set() {
					bind = a.Given()
				}
				scope := "every process on the node, hostNetwork pods included"
				if ip := net.ParseIP(bind); ip == nil || !ip.IsLoopback() {
					scope = "anyone who reaches " + bind
				}
				return fail("insecure-port", fmt.Sprintf("--insecure-port=%s serves the API without authentication or authorization on %s: %s is cluster-admin", port.Given(), bind, scope), ev)
			case !port.Set() && minorBelow(ctx.Options, 20):
				return fail("insecure-port", "--insecure-port is not set, and before Kubernetes 1.20 its default is 8080 on 127.0.0.1: every process on the node, hostNetwork pods included, is cluster-admin", evidence(ctx, "insecure-port", "8080"))
			}
			ctx.Pass(ev)
			return nil
		},
	}
}
