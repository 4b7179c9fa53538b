package apiserverprobe_test

import (
	"context"
	"net"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/inventory"
	"palisade.dev/palisade/internal/probe"
	"palisade.dev/palisade/internal/probe/apiserver"
	"palisade.dev/palisade/internal/rules/apiserverprobe"
	"palisade.dev/palisade/internal/testcluster"
	"palisade.dev/palisade/internal/testrules"
)

func answers(statuses map[string]int) []inventory.Answer {
	summaries := map[string]string{"/version": "version v1.37.2", "/healthz": "healthy", "/api": "API versions: v1", "/apis": "3 API groups", apiserver.PodsPath: "lists pods: 2 in default"}
	var out []inventory.Answer
	for _, p := range apiserver.Paths {
		s, ok := statuses[p]
		if !ok {
			continue
		}
		a := inventory.Answer{Method: "GET", Path: p, Status: s}
		if s == 200 {
			a.Summary, a.Kind = summaries[p], inventory.AnswerAPIServer
		}
		out = append(out, a)
	}
	return out
}

func endpoint(component, protocol string, as []inventory.Answer) *inventory.Endpoint {
	return &inventory.Endpoint{Host: "10.0.0.1", Port: 6443, Address: "10.0.0.1:6443", Component: component, Reachable: true, Protocol: protocol, Answers: as}
}

const (
	anon     = "apiserver/probe-anonymous-access"
	insecure = "apiserver/probe-insecure-port"
	plain    = "apiserver/probe-plain-http"
)

func TestRulesGradeWhatTheAPIServerAnsweredWithoutCredentials(t *testing.T) {
	all := func(s int) map[string]int {
		return map[string]int{"/version": s, "/healthz": s, "/api": s, "/apis": s, apiserver.PodsPath: s}
	}
	html := []inventory.Answer{{Method: "GET", Path: "/version", Status: 200, Summary: apiserver.NotAPIServer + " (text/html, 300 bytes)", Kind: inventory.AnswerUnexpected}, {Method: "GET", Path: "/api", Status: 404}}
	for _, tc := range []struct {
		name     string
		ep       *inventory.Endpoint
		rule     string
		status   finding.Status
		severity finding.Severity
		text     string
	}{
		{"401 everywhere passes", endpoint(probe.APIServer, "https", answers(all(401))), anon, finding.Pass, 0, "/version: 401; /healthz: 401"},
		{"public info readable, the rest refused is low", endpoint(probe.APIServer, "https", answers(map[string]int{"/version": 200, "/healthz": 200, "/api": 403, "/apis": 403, apiserver.PodsPath: 403})), anon, finding.Fail, finding.Low, "/version (version v1.37.2)"},
		{"only 403s is low", endpoint(probe.APIServer, "https", answers(all(403))), anon, finding.Fail, finding.Low, "RBAC refuses the rest"},
		{"discovery readable is high", endpoint(probe.APIServer, "https", answers(map[string]int{"/version": 200, "/api": 200, apiserver.PodsPath: 403})), anon, finding.Fail, finding.High, "/api (API versions: v1)"},
		{"objects readable is critical", endpoint(probe.APIServer, "https", answers(all(200))), anon, finding.Fail, finding.Critical, "lists pods: 2 in default"},
		{"a web page on 443 is not an API server", endpoint(probe.APIServer, "https", html), anon, finding.NotApplicable, 0, "not as a Kubernetes API server"},
		{"a closed port is not applicable", &inventory.Endpoint{Address: "10.0.0.1:6443", Component: probe.APIServer, Error: "connection refused"}, anon, finding.NotApplicable, 0, "Nothing answered at 10.0.0.1:6443 (connection refused)."},
		{"an endpoint the deadline came before", &inventory.Endpoint{Address: "10.0.0.1:6443", Component: probe.APIServer, Error: probe.NotProbed}, anon, finding.NotApplicable, 0, "deadline reached before probing"},
		{"nonsense is not applicable", &inventory.Endpoint{Address: "10.0.0.1:6443", Component: probe.APIServer, Reachable: true, Error: `unexpected answer: "SSH-2.0"`}, plain, finding.NotApplicable, 0, "neither in TLS nor in HTTP"},
		{"a port requiring a client certificate gives nothing to judge", &inventory.Endpoint{Address: "10.0.0.1:6443", Component: probe.APIServer, Reachable: true, Protocol: "https",
			TLS: &inventory.TLSFacts{ClientCertRequired: true}, Answers: []inventory.Answer{{Method: "GET", Path: "/version", Error: "remote error: tls: certificate required"}}}, anon, finding.NotApplicable, 0, "requires a client certificate"},
		{"TLS on the API server's port passes", endpoint(probe.APIServer, "https", answers(all(401))), plain, finding.Pass, 0, "speaks TLS"},
		{"plain HTTP answered as the API server is critical", endpoint(probe.APIServer, "http", answers(all(401))), plain, finding.Fail, finding.Critical, "plain HTTP"},
		{"plain HTTP from something else is not applicable", endpoint(probe.APIServer, "http", html), plain, finding.NotApplicable, 0, "not as a Kubernetes API server"},
		{"the insecure port answering is critical", endpoint(probe.APIServerInsecure, "http", answers(all(200))), insecure, finding.Fail, finding.Critical, "legacy insecure port"},
		{"the insecure port closed is not applicable", &inventory.Endpoint{Address: "10.0.0.1:8080", Component: probe.APIServerInsecure, Error: "connection refused"}, insecure, finding.NotApplicable, 0, "Nothing answered at 10.0.0.1:8080"},
		{"another web server on 8080 is not applicable", endpoint(probe.APIServerInsecure, "http", html), insecure, finding.NotApplicable, 0, "not as a Kubernetes API server"},
		{"TLS on 8080 is not the insecure port", endpoint(probe.APIServerInsecure, "https", answers(all(401))), insecure, finding.NotApplicable, 0, "speaks TLS"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := testrules.Index(t, testrules.Endpoints(t, testrules.Rules(t, apiserverprobe.Rules()...), "", nil, tc.ep))[tc.rule+" "+tc.ep.Address]
			if !ok || got.Status != tc.status || got.Status == finding.Fail && got.Severity != tc.severity || !strings.Contains(got.Text(), tc.text) {
				t.Errorf("%s on %s = %s (%s), want %q %v with %q", tc.rule, tc.ep.Address, got.Outcome(), got.Text(), tc.status, tc.severity, tc.text)
			}
		})
	}
}

func TestRulesJudgeOnlyTheirComponents(t *testing.T) {
	kubelet := endpoint(probe.Kubelet, "http", answers(map[string]int{"/version": 200}))
	if got := testrules.Endpoints(t, testrules.Rules(t, apiserverprobe.Rules()...), "", nil, kubelet); len(got) != 0 {
		t.Errorf("verdicts on a kubelet endpoint: %v", got)
	}
}

// probeAPIServer probes a test cluster's API server as palisade probe does.
func probeAPIServer(t *testing.T, c *testcluster.Cluster) *inventory.Endpoint {
	t.Helper()
	u, err := url.Parse(c.Server)
	if err != nil {
		t.Fatal(err)
	}
	host, port, _ := net.SplitHostPort(u.Host)
	p, _ := strconv.Atoi(port)
	return probe.Run(context.Background(), probe.Request{
		Targets: []probe.Target{{Host: host, Port: p, Component: probe.APIServer}},
		Probers: map[string]probe.Prober{probe.APIServer: apiserver.Probe},
	})[0]
}

func TestGradedFindingsFollowTheAPIServersAnonymousAuthentication(t *testing.T) {
	if testing.Short() {
		t.Skip("starts two API servers")
	}
	off := probeAPIServer(t, testcluster.New(t, testcluster.Options{AnonymousAuth: false}))
	on := probeAPIServer(t, testcluster.New(t, testcluster.Options{AnonymousAuth: true}))
	for _, ep := range []*inventory.Endpoint{off, on} {
		if !ep.Reachable || ep.Protocol != "https" || ep.TLS == nil || len(ep.TLS.Chain) == 0 || ep.TLS.ClientCertRequired {
			t.Fatalf("endpoint %s: %+v", ep.Address, ep)
		}
	}
	if a := off.Answer("GET", "/version"); a == nil || a.Status != 401 {
		t.Errorf("anonymous authentication off: /version answered %+v, want 401", a)
	}
	if a := on.Answer("GET", "/version"); a == nil || a.Status != 200 || a.Summary != "version v1.37.2" {
		t.Errorf("anonymous authentication on: /version answered %+v, want 200 version v1.37.2", a)
	}
	if a := on.Answer("GET", apiserver.PodsPath); a == nil || a.Status != 403 {
		t.Errorf("anonymous authentication on: the pod list answered %+v, want 403", a)
	}
	got := testrules.Index(t, testrules.Endpoints(t, testrules.Rules(t, apiserverprobe.Rules()...), "", nil, off, on))
	if v := got[anon+" "+off.Address]; v.Status != finding.Pass || !strings.Contains(v.Text(), "/version: 401") {
		t.Errorf("anonymous authentication off: %s (%s), want a pass", v, v.Text())
	}
	if v := got[anon+" "+on.Address]; v.Status != finding.Fail || v.Severity != finding.Low || !strings.Contains(v.Text(), "/version (version v1.37.2)") || !strings.Contains(v.Text(), "403 on") {
		t.Errorf("anonymous authentication on: %s (%s), want a low finding", v, v.Text())
	}
	for _, ep := range []*inventory.Endpoint{off, on} {
		if v := got[plain+" "+ep.Address]; v.Status != finding.Pass {
			t.Errorf("%s on %s = %s, want a pass", plain, ep.Address, v.Outcome())
		}
	}
}
