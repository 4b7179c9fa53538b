// Package kubeletprobe holds the rules judged on what a kubelet's API answered an anonymous
// caller (internal/probe/kubelet): the network proof of what the kubelet rules read from its
// configuration. They judge the main port (10250) and the read-only port (10255) as the
// reference grades them (docs/reference/kubelet.md): on the main port 401 means anonymous
// authentication is off, 403 that anonymous callers are authenticated but refused, 200 that
// the API is open; any answer on the read-only port means it is open. An endpoint nothing
// answered is not applicable, and an answer that is not a kubelet's is reported as
// unexpected, never as a pass. The rules never contact anything.
//
// The rules:
//   - kubelet/probe-anonymous-access: the main port refuses an anonymous GET /pods with 401.
//   - kubelet/probe-read-only-port: nothing answers on the read-only port.
//   - kubelet/probe-pod-list-leak: neither port lists pods to an anonymous caller.
//   - kubelet/probe-command-endpoint: POST /run on a pod that does not exist is refused (401,
//     403), not looked up (404 "pod does not exist").
//   - kubelet/probe-plain-http: the main port speaks HTTPS.
package kubeletprobe

import (
	"fmt"
	"net/http"
	"strings"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/inventory"
	"palisade.dev/palisade/internal/rules"
)

// Rules returns the package's rules.
func Rules() []rules.Rule {
	return []rules.Rule{anonymousAccessRule(), readOnlyPortRule(), podListLeakRule(), commandEndpointRule(), plainHTTPRule()}
}

// The endpoint components the rules judge, as the probe engine names them, and the
// requests of the kubelet's prober (probe/kubelet.Component, ReadOnlyComponent, PathPods,
// PathRunningPods, RunPrefix; a test pins that they agree).
const (
	kubeletMain     = "kubelet"
	kubeletReadOnly = "kubelet-read-only"
	pathPods        = "/pods"
	pathRunningPods = "/runningpods/"
	runPrefix       = "/run/"
)

var (
	mainPort = []string{kubeletMain}
	anyPort  = []string{kubeletMain, kubeletReadOnly}

	refKubelet      = rules.Docs("The kubelet API's handlers and their authentication and authorization filter (pkg/kubelet/server/server.go)", "https://github.com/kubernetes/kubernetes/blob/master/pkg/kubelet/server/server.go")
	docsKubeletAuth = rules.Docs("Kubelet authentication/authorization", "https://kubernetes.io/docs/reference/access-authn-authz/kubelet-authn-authz/")
	cisAnonymous    = rules.CIS("4.2.1", "Ensure that the --anonymous-auth argument is set to false")
	cisAuthz        = rules.CIS("4.2.2", "Ensure that the --authorization-mode argument is not set to AlwaysAllow")
	cisReadOnlyPort = rules.CIS("4.2.4", "Verify that the --read-only-port argument is set to 0")
	cisTLSCert      = rules.CIS("4.2.9", "Ensure that the --tls-cert-file and --tls-private-key-file arguments are set as appropriate")
)

func whyNot(err string) string {
	if err == "" {
		return ""
	}
	return " (" + err + ")"
}

// said writes an answer as evidence: "GET /pods: 200 OK (3 pods in 2 namespaces ...)".
func said(a *inventory.Answer) string {
	s := fmt.Sprintf("%s %s: %d %s", a.Method, a.Path, a.Status, http.StatusText(a.Status))
	if a.Status == 0 {
		s = fmt.Sprintf("%s %s: no answer%s", a.Method, a.Path, whyNot(a.Error))
	}
	if a.Summary != "" {
		s += " (" + a.Summary + ")"
	}
	return s
}

// opened lists the GET answers of status 200 that are a kubelet's, as evidence.
func opened(ep *inventory.Endpoint) string {
	var out []string
	for i := range ep.Answers {
		a := &ep.Answers[i]
		if a.Method == "GET" && a.Status == http.StatusOK && a.Kind != inventory.AnswerUnexpected {
			out = append(out, said(a))
		}
	}
	return strings.Join(out, "; ")
}

// --- kubelet/probe-anonymous-access

func anonymousAccessRule() rules.Rule {
	return rules.Rule{
		ID: "kubelet/probe-anonymous-access", Title: "Kubelet API answers anonymous requests (probed)", Severity: finding.Critical,
		Area: rules.AreaKubelet, Scope: rules.ScopeEndpoint, EndpointComponents: mainPort,
		Description: "An anonymous GET /pods on the kubelet's main port (10250) shows whether its API enforces " +
			"authentication and authorization, whatever its configuration claims: 401 means anonymous authentication " +
			"is off; 403 that anonymous requests are authenticated as system:anonymous and refused by authorization " +
			"(medium: one authorization mistake from open); 200 that the API is open to anyone who reaches the port: " +
			"pod specs, logs, and commands in every container of the node (critical).",
		Fields:     []string{"anonymous GET /pods on port 10250"},
		Allowed:    []string{"401 Unauthorized"},
		References: []rules.Reference{refKubelet, cisAnonymous, cisAuthz, docsKubeletAuth},
		Remedy: "Set authentication.anonymous.enabled: false and authorization.mode: Webhook (with authentication.webhook.enabled: true) " +
			"in the kubelet's config file, or --anonymous-auth=false --authorization-mode=Webhook, and restart the kubelet.",
		Endpoint: rules.AnsweredHTTP(func(ctx *rules.EndpointContext) []rules.Violation {
			ep := ctx.Endpoint
			a := ep.Answer("GET", pathPods)
			if a == nil || a.Status == 0 {
				ctx.NotApplicable("GET /pods got no answer from " + ep.Address + ".")
				return nil
			}
			switch {
			case a.Status == http.StatusUnauthorized:
				ctx.Pass(said(a) + ": anonymous authentication is off")
				return nil
			case a.Status == http.StatusForbidden:
				return []rules.Violation{{Path: pathPods, Severity: new(finding.Medium),
					Message:  "The kubelet API at " + ep.Address + " authenticates anonymous requests and only its authorization refuses them (403).",
					Evidence: said(a)}}
			case a.Status == http.StatusOK && a.Kind != inventory.AnswerUnexpected:
				return []rules.Violation{{Path: pathPods,
					Message:  "The kubelet API at " + ep.Address + " serves anonymous requests: anyone who reaches it reads every pod of the node and may run commands in them.",
					Evidence: opened(ep)}}
			}
			return []rules.Violation{{Path: pathPods, Severity: new(finding.Low),
				Message:  "Unexpected answer at " + ep.Address + ": not a kubelet's answer to an anonymous GET /pods, so nothing is proved either way.",
				Evidence: said(a)}}
		}),
	}
}

// --- kubelet/probe-read-only-port

func readOnlyPortRule() rules.Rule {
	return rules.Rule{
		ID: "kubelet/probe-read-only-port", Title: "Kubelet read-only port answers (probed)", Severity: finding.High,
		Area: rules.AreaKubelet, Scope: rules.ScopeEndpoint, EndpointComponents: []string{kubeletReadOnly},
		Description: "The kubelet's read-only port (10255) serves without authentication or authorization: the specs of " +
			"every pod on the node, with their images and environment values, and the node's metrics. Any answer on it " +
			"proves it open.",
		Fields:     []string{"any request on port 10255"},
		Allowed:    []string{"no answer (readOnlyPort: 0)"},
		References: []rules.Reference{refKubelet, cisReadOnlyPort},
		Remedy:     "Set readOnlyPort: 0 in the kubelet's config file (or --read-only-port=0) and restart the kubelet.",
		Endpoint: rules.AnsweredHTTP(func(ctx *rules.EndpointContext) []rules.Violation {
			ep := ctx.Endpoint
			var answered []string
			for i := range ep.Answers {
				if ep.Answers[i].Status != 0 {
					answered = append(answered, said(&ep.Answers[i]))
				}
			}
			return []rules.Violation{{
				Message:  "The kubelet's read-only port at " + ep.Address + " answers without authentication.",
				Evidence: strings.Join(answered, "; ")}}
		}),
	}
}

// --- kubelet/probe-pod-list-leak

func podListLeakRule() rules.Rule {
	return rules.Rule{
		ID: "kubelet/probe-pod-list-leak", Title: "Kubelet lists its pods to anonymous callers (probed)", Severity: finding.Critical,
		Area: rules.AreaKubelet, Scope: rules.ScopeEndpoint, EndpointComponents: anyPort,
		Description: "GET /pods (both ports) and /runningpods/ (main port) answered to a caller without credentials hand " +
			"out the full spec of every pod on the node: images, service accounts, mounted volumes and environment " +
			"values, which often hold passwords and tokens. The evidence counts what leaked; values are never shown.",
		Fields:     []string{"anonymous GET /pods", "anonymous GET /runningpods/"},
		Allowed:    []string{"401 or 403", "no answer"},
		References: []rules.Reference{refKubelet, cisAnonymous, cisReadOnlyPort, docsKubeletAuth},
		Remedy: "Close the read-only port (readOnlyPort: 0) and set authentication.anonymous.enabled: false with authorization.mode: Webhook " +
			"on the kubelet; move secrets out of env values into Secrets.",
		Endpoint: rules.AnsweredHTTP(func(ctx *rules.EndpointContext) []rules.Violation {
			ep := ctx.Endpoint
			var leaks, seen []string
			unexpected := ""
			for _, p := range []string{pathPods, pathRunningPods} {
				a := ep.Answer("GET", p)
				if a == nil || a.Status == 0 {
					continue
				}
				switch {
				case a.Status == http.StatusOK && a.Kind != inventory.AnswerUnexpected:
					leaks = append(leaks, said(a))
				case a.Status == http.StatusUnauthorized || a.Status == http.StatusForbidden:
					seen = append(seen, said(a))
				default:
					unexpected = said(a)
				}
			}
			switch {
			case len(leaks) > 0:
				return []rules.Violation{{Path: pathPods,
					Message:  "The kubelet at " + ep.Address + " lists the pods of its node to a caller without credentials.",
					Evidence: strings.Join(leaks, "; ")}}
			case unexpected != "":
				ctx.NotApplicable("Unexpected answer at " + ep.Address + ", not a kubelet's pod list: " + unexpected)
			case len(seen) == 0:
				ctx.NotApplicable("No pod list was asked for at " + ep.Address + ".")
			default:
				ctx.Pass(strings.Join(seen, "; "))
			}
			return nil
		}),
	}
}

// --- kubelet/probe-command-endpoint

func commandEndpointRule() rules.Rule {
	return rules.Rule{
		ID: "kubelet/probe-command-endpoint", Title: "Kubelet command endpoints reachable anonymously (probed)", Severity: finding.Critical,
		Area: rules.AreaKubelet, Scope: rules.ScopeEndpoint, EndpointComponents: mainPort,
		Description: "POST /run/<namespace>/<pod>/<container> runs a command in a container. Asked without credentials on " +
			"a pod that does not exist, a kubelet that enforces authentication or authorization refuses (401, 403); one " +
			"that answers 404 \"pod does not exist\" looked the pod up, so it would have run the command in a pod that " +
			"does: remote code execution on every container of the node. The probe runs nothing, unless palisade probe " +
			"--active (confirmed) asks it to run the harmless `true` in a pod the kubelet listed, which proves it.",
		Fields:     []string{"anonymous POST /run/<random namespace>/<random pod>/<container>, without a command"},
		Allowed:    []string{"401 Unauthorized", "403 Forbidden"},
		References: []rules.Reference{refKubelet, cisAnonymous, cisAuthz, docsKubeletAuth},
		Remedy: "Set authentication.anonymous.enabled: false and authorization.mode: Webhook in the kubelet's config file " +
			"(or --anonymous-auth=false --authorization-mode=Webhook) and restart the kubelet.",
		Endpoint: rules.AnsweredHTTP(func(ctx *rules.EndpointContext) []rules.Violation {
			ep := ctx.Endpoint
			var a *inventory.Answer
			for i := range ep.Answers {
				if ep.Answers[i].Method == "POST" && strings.HasPrefix(ep.Answers[i].Path, runPrefix) {
					a = &ep.Answers[i]
					break
				}
			}
			switch {
			case a == nil || a.Status == 0:
				ctx.NotApplicable("The command endpoint of " + ep.Address + " was not asked or did not answer.")
			case a.Kind == inventory.AnswerCommandReachable:
				evidence := said(a)
				// With --active, the proof went as far as running `true` in a real pod.
				for i := range ep.Answers {
					if ep.Answers[i].Kind == inventory.AnswerCommandRan {
						evidence += "; then " + ep.Answers[i].Summary
					}
				}
				return []rules.Violation{{Path: runPrefix,
					Message:  "The kubelet at " + ep.Address + " lets a caller without credentials reach its command endpoints (run, exec, attach, port-forward).",
					Evidence: evidence}}
			case a.Status == http.StatusUnauthorized || a.Status == http.StatusForbidden:
				ctx.Pass(said(a))
			default:
				ctx.NotApplicable("Unexpected answer at " + ep.Address + " to the command endpoint, so nothing is proved either way: " + said(a))
			}
			return nil
		}),
	}
}

// --- kubelet/probe-plain-http

func plainHTTPRule() rules.Rule {
	return rules.Rule{
		ID: "kubelet/probe-plain-http", Title: "Kubelet API speaks plain HTTP (probed)", Severity: finding.Critical,
		Area: rules.AreaKubelet, Scope: rules.ScopeEndpoint, EndpointComponents: mainPort,
		Description: "The kubelet's main port serves HTTPS, even with its self-signed default certificate. One that " +
			"answers plain HTTP authenticates no client certificate and no bearer token, and every request and answer " +
			"(pod specs, logs, exec streams, the API server's credentials) crosses the network in the clear. A real " +
			"kubelet never does this; a port 10250 speaking HTTP is a kubelet-like service or a proxy in front of one.",
		Fields:     []string{"protocol on port 10250"},
		Allowed:    []string{"https"},
		References: []rules.Reference{refKubelet, cisTLSCert, docsKubeletAuth},
		Remedy:     "Serve the kubelet API only over TLS (tlsCertFile and tlsPrivateKeyFile, or serverTLSBootstrap), and remove whatever serves it in plain HTTP.",
		Endpoint: func(ctx *rules.EndpointContext) []rules.Violation {
			ep := ctx.Endpoint
			switch ep.Protocol {
			case "http":
				return []rules.Violation{{
					Message:  "The kubelet API at " + ep.Address + " answers plain HTTP.",
					Evidence: "protocol http; " + firstAnswer(ep)}}
			case "https":
				ctx.Pass("protocol https at " + ep.Address)
			default:
				why := rules.NoHTTPAnswer(ep)
				if why == "" {
					why = "The endpoint at " + ep.Address + " spoke neither HTTP nor HTTPS."
				}
				ctx.NotApplicable(why)
			}
			return nil
		},
	}
}

func firstAnswer(ep *inventory.Endpoint) string {
	for i := range ep.Answers {
		if ep.Answers[i].Status != 0 {
			return said(&ep.Answers[i])
		}
	}
	return "no request answered"
}
