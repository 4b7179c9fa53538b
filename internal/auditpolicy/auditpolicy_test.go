package auditpolicy

import (
	"errors"
	"strings"
	"testing"
)

const head = "apiVersion: audit.k8s.io/v1\nkind: Policy\n"

// good is a policy as the Kubernetes documentation recommends: secrets, configmaps and token
// reviews at Metadata, exec and friends logged, workloads at RequestResponse, a catch-all.
const good = head + `omitStages: [RequestReceived]
rules:
- level: None
  users: ["system:kube-proxy"]
  verbs: [watch]
  resources: [{group: "", resources: [endpoints, services]}]
- level: None
  nonResourceURLs: ["/healthz*", /version]
- level: Metadata
  resources:
  - {group: "", resources: [secrets, configmaps]}
  - {group: authentication.k8s.io, resources: [tokenreviews]}
- level: Metadata
  resources: [{group: "", resources: [pods/exec, pods/attach, pods/portforward, pods/proxy, services/proxy]}]
- level: RequestResponse
  resources: [{group: ""}, {group: apps}, {group: batch}]
- level: Metadata
`

func parse(t *testing.T, text string) *Policy {
	t.Helper()
	p, err := Parse("audit.yaml", []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestAssessAGoodPolicy(t *testing.T) {
	a := parse(t, good).Assess()
	for _, r := range []Range{a.Secrets, a.ConfigMaps, a.TokenReviews} {
		if r.Most.Level != LevelMetadata || r.Leaks() {
			t.Errorf("%s: most %s by rule %d (%s), leak %v", r.What, r.Most.Level, r.Most.Rule, r.Most.Request, r.Leaks())
		}
	}
	for _, r := range []Range{a.Exec, a.Attach, a.PortForward, a.Proxy} {
		if r.Least.Level != LevelMetadata {
			t.Errorf("%s: least %s by rule %d", r.What, r.Least.Level, r.Least.Rule)
		}
	}
	if a.Workloads.Typical.Level != LevelRequestResponse {
		t.Errorf("workloads: %+v", a.Workloads.Typical)
	}
	if a.CatchAll != 5 || a.Other.Level != LevelMetadata || !a.OmitsRequestReceived {
		t.Errorf("catch-all %d, other %s, omits RequestReceived %v", a.CatchAll, a.Other.Level, a.OmitsRequestReceived)
	}
}

func TestAssessFindsTheRuleThatLeaksSecretsBeforeTheSecretsRule(t *testing.T) {
	tests := []struct {
		name, rules string
		leakRule    int
		leakVerb    string
	}{
		{name: "every core resource through an empty resources list", leakRule: 0, leakVerb: "get", rules: `
- level: RequestResponse
  resources: [{group: ""}]
- level: Metadata
  resources: [{group: "", resources: [secrets]}]`},
		{name: "a star resource in every group", leakRule: 0, leakVerb: "get", rules: `
- level: RequestResponse
  resources: [{group: "*", resources: ["*"]}]
- level: Metadata
  resources: [{group: "", resources: [secrets]}]`},
		{name: "writes at Request in one namespace", leakRule: 1, leakVerb: "create", rules: `
- level: Metadata
  verbs: [get, list, watch]
  resources: [{group: "", resources: [secrets]}]
- level: Request
  namespaces: [kube-system]
- level: Metadata`},
		{name: "one user's reads", leakRule: 0, leakVerb: "get", rules: `
- level: RequestResponse
  users: [ci-bot]
  resources: [{group: "", resources: ["secrets/*", secrets]}]
- level: Metadata`},
		{name: "a catch-all at RequestResponse", leakRule: 0, leakVerb: "get", rules: `
- level: RequestResponse`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := parse(t, head+"rules:"+tt.rules).Assess()
			if !a.Secrets.Leaks() || a.Secrets.Leak.Rule != tt.leakRule || a.Secrets.Leak.Request.Verb != tt.leakVerb {
				t.Errorf("leak = %+v, want rule %d on %s", a.Secrets.Leak, tt.leakRule, tt.leakVerb)
			}
		})
	}
}

func TestAssessGapsInCoverage(t *testing.T) {
	p := parse(t, head+`rules:
- level: None
  resources: [{group: "", resources: ["*/exec"]}]
- level: None
  userGroups: [system:nodes]
- level: Metadata
  resources: [{group: ""}]
`)
	a := p.Assess()
	if a.Exec.Typical.Level != LevelNone || a.Exec.Typical.Rule != 0 {
		t.Errorf("exec = %+v", a.Exec.Typical)
	}
	if a.Attach.Typical.Level != LevelMetadata || a.Attach.Least.Level != LevelNone || a.Attach.Least.Rule != 1 {
		t.Errorf("attach typical %+v least %+v", a.Attach.Typical, a.Attach.Least)
	}
	if a.CatchAll != -1 || a.Other.Level != LevelNone || a.OmitsRequestReceived {
		t.Errorf("catch-all %d, other %s, omits %v", a.CatchAll, a.Other.Level, a.OmitsRequestReceived)
	}
	if a.Workloads.Typical.Level != LevelNone || !strings.Contains(a.Workloads.Typical.Request.String(), "apps") {
		t.Errorf("workloads typical = %+v (%s)", a.Workloads.Typical, a.Workloads.Typical.Request)
	}
}

func TestEvaluateMatchesAsTheAPIServer(t *testing.T) {
	p := parse(t, head+`rules:
- level: None
  nonResourceURLs: ["/healthz*", /version]
- level: Request
  resources: [{group: "", resources: [configmaps], resourceNames: [cluster-info]}]
- level: RequestResponse
  resources: [{group: "", resources: ["*/status"]}]
- level: Metadata
  namespaces: [kube-system]
- level: Request
  resources: [{group: apps, resources: ["deployments/*"]}]
`)
	user := []string{"system:authenticated"}
	tests := []struct {
		req  Request
		want Level
		rule int
	}{
		{Request{User: "a", Groups: user, Verb: "get", Path: "/healthz/etcd"}, LevelNone, 0},
		{Request{User: "a", Groups: user, Verb: "get", Path: "/version"}, LevelNone, 0},
		{Request{User: "a", Groups: user, Verb: "get", Path: "/versions"}, LevelNone, -1},
		{Request{User: "a", Verb: "get", Resource: "configmaps", Namespace: "kube-public", Name: "cluster-info"}, LevelRequest, 1},
		{Request{User: "a", Verb: "get", Resource: "configmaps", Namespace: "kube-public", Name: "other"}, LevelNone, -1},
		{Request{User: "a", Verb: "update", Resource: "pods", Subresource: "status", Namespace: "x"}, LevelRequestResponse, 2},
		{Request{User: "a", Verb: "get", Resource: "secrets", Namespace: "kube-system"}, LevelMetadata, 3},
		{Request{User: "a", Verb: "get", Path: "/api"}, LevelNone, -1}, // a namespaces rule never matches non-resource requests
		{Request{User: "a", Verb: "update", APIGroup: "apps", Resource: "deployments", Subresource: "scale", Namespace: "x"}, LevelRequest, 4},
		// "deployments/*" matches the resource itself too, as the API server matches it.
		{Request{User: "a", Verb: "update", APIGroup: "apps", Resource: "deployments", Namespace: "x"}, LevelRequest, 4},
	}
	for _, tt := range tests {
		if lvl, rule := p.Evaluate(tt.req); lvl != tt.want || rule != tt.rule {
			t.Errorf("%s: %s by rule %d, want %s by rule %d", tt.req, lvl, rule, tt.want, tt.rule)
		}
	}
}

func TestParse(t *testing.T) {
	tests := []struct {
		name, text, want string
		lenient          bool
	}{
		{name: "empty file", text: "", want: "audit.yaml is empty"},
		{name: "no rules", text: head + "rules: []\n", want: "it has no rules"},
		{name: "wrong kind", text: "apiVersion: audit.k8s.io/v1\nkind: Event\n", want: `kind "Event"`},
		{name: "v1beta1", text: "apiVersion: audit.k8s.io/v1beta1\nkind: Policy\nrules: [{level: Metadata}]\n", want: "want audit.k8s.io/v1 Policy"},
		{name: "bad level", text: head + "rules: [{level: Everything}]\n", want: `rules[0].level "Everything"`},
		{name: "missing level", text: head + "rules: [{verbs: [get]}]\n", want: "rules[0].level is required"},
		{name: "bad stage", text: head + "omitStages: [Received]\nrules: [{level: Metadata}]\n", want: `omitStages[0] "Received"`},
		{name: "resources and urls", text: head + "rules: [{level: Metadata, nonResourceURLs: [/api], namespaces: [a]}]\n", want: "both resources and non-resource URLs"},
		{name: "url without slash", text: head + "rules: [{level: Metadata, nonResourceURLs: [api]}]\n", want: "must begin with /"},
		{name: "names without resources", text: head + "rules: [{level: Metadata, resources: [{resourceNames: [a]}]}]\n", want: "resourceNames need"},
		{name: "misspelt field", text: head + "omitStage: [RequestReceived]\nrules: [{level: Metadata}]\n", want: `unknown field "omitStage"`, lenient: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Parse("audit.yaml", []byte(tt.text))
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "audit.yaml") {
				t.Fatalf("Parse error = %v, want one naming audit.yaml and %q", err, tt.want)
			}
			var lenient *LenientError
			if errors.As(err, &lenient) != tt.lenient || (p != nil) != tt.lenient {
				t.Errorf("lenient %v, policy %v; want lenient %v", errors.As(err, &lenient), p != nil, tt.lenient)
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(good))
	f.Add([]byte(head + "rules:\n- level: RequestResponse\n  resources: [{group: \"\"}]\n- level: Metadata\n"))
	f.Add([]byte(head + "rules: [{level: None, users: [a], userGroups: [g], namespaces: [n], resources: [{group: '*', resources: ['*/exec'], resourceNames: [x]}]}]\n"))
	f.Add([]byte("{}"))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := Parse("f.yaml", data)
		if err != nil && !strings.Contains(err.Error(), "f.yaml") {
			t.Errorf("error %q does not name the file", err)
		}
		if p == nil || len(p.Rules) > 50 {
			return
		}
		a := p.Assess()
		for _, r := range []Range{a.Secrets, a.ConfigMaps, a.TokenReviews, a.Exec, a.Proxy, a.Workloads} {
			if r.Least.Level.Rank() > r.Typical.Level.Rank() || r.Typical.Level.Rank() > r.Most.Level.Rank() {
				t.Errorf("%s: least %s typical %s most %s", r.What, r.Least.Level, r.Typical.Level, r.Most.Level)
			}
			if r.Leaks() && r.Leak.Level.Rank() < LevelRequest.Rank() {
				t.Errorf("%s: leak at %s", r.What, r.Leak.Level)
			}
		}
	})
}

func BenchmarkAssess(b *testing.B) {
	p, err := Parse("audit.yaml", []byte(good))
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		_ = p.Assess()
	}
}
