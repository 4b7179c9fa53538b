package rules

import (
	"testing"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/flags"
	"palisade.dev/palisade/internal/inventory"
)

func nodeRule(id string, kinds []inventory.ComponentKind, check func(*NodeContext) []Violation) Rule {
	return Rule{ID: id, Title: "t", Description: "d", Remedy: "r", Area: AreaControlPlane, Scope: ScopeNode, Severity: finding.High, Components: kinds, Node: check}
}

func TestNodeRulesRecordFailuresPassesAndWhatDidNotApply(t *testing.T) {
	api := &inventory.Component{Kind: inventory.KubeAPIServer, Source: inventory.FromProcess, Path: "/proc/7/cmdline", PID: 7,
		Flags: flags.Parse([]string{"--authorization-mode=AlwaysAllow", "--profiling=false"}, flags.Spec{"profiling": flags.Bool, "authorization-mode": flags.List})}
	node := &inventory.Node{Host: "cp-1", Components: []*inventory.Component{api}}
	inv := inventory.New()
	inv.Nodes = []*inventory.Node{node}
	c, err := NewCatalog(
		nodeRule("apiserver/authorization-mode", []inventory.ComponentKind{inventory.KubeAPIServer}, func(ctx *NodeContext) []Violation {
			if v := ctx.Component.Flags.Lookup("authorization-mode"); v.String() == "AlwaysAllow" {
				return []Violation{{Path: "--authorization-mode", Message: "AlwaysAllow", Evidence: v.Last.Arg}}
			}
			return nil
		}),
		nodeRule("apiserver/profiling", []inventory.ComponentKind{inventory.KubeAPIServer}, func(ctx *NodeContext) []Violation {
			ctx.Pass(ctx.Component.Flags.Lookup("profiling").Last.Arg)
			return nil
		}),
		nodeRule("kubelet/read-only-port", []inventory.ComponentKind{inventory.Kubelet}, func(*NodeContext) []Violation {
			t.Error("evaluated a kubelet rule on a node without a kubelet")
			return nil
		}),
		nodeRule("node/k3s-only", nil, func(ctx *NodeContext) []Violation {
			ctx.NotApplicable("not a k3s node")
			return nil
		}),
	)
	if err != nil {
		t.Fatal(err)
	}
	e := c.NewEvaluation(&Options{}, nil)
	fails := e.Finish(inv)
	if len(fails) != 1 || fails[0].RuleID != "apiserver/authorization-mode" || fails[0].Status != finding.Fail {
		t.Fatalf("failures = %+v", fails)
	}
	f := fails[0]
	if f.Object.Kind != "kube-apiserver" || f.Object.Name != "cp-1" || f.Location.Host != "cp-1" || f.Location.File != "/proc/7/cmdline" {
		t.Errorf("failure attached to %+v at %+v", f.Object, f.Location)
	}
	got := map[string]finding.Finding{}
	for _, p := range e.Passed {
		got[p.RuleID] = p
	}
	if p := got["apiserver/profiling"]; p.Status != finding.Pass || p.Evidence != "--profiling=false" || p.Message != "Passed." {
		t.Errorf("pass = %+v", p)
	}
	if p := got["kubelet/read-only-port"]; p.Status != finding.NotApplicable || p.Message != "No kubelet was found on this node." || p.Object.Kind != "Node" {
		t.Errorf("rule without its component = %+v", p)
	}
	if p := got["node/k3s-only"]; p.Status != finding.NotApplicable || p.Message != "not a k3s node" {
		t.Errorf("not applicable = %+v", p)
	}
	if len(e.Passed) != 3 {
		t.Errorf("%d passes and not-applicable verdicts, want 3", len(e.Passed))
	}
}

func TestEndpointRulesJudgeTheEndpointsOfTheirComponents(t *testing.T) {
	kubelet := &inventory.Endpoint{Host: "10.0.0.5", Port: 10255, Address: "10.0.0.5:10255", Component: "kubelet-read-only", Reachable: true, Protocol: "http",
		Answers: []inventory.Answer{{Method: "GET", Path: "/pods", Status: 200, Summary: "3 pods"}}}
	closed := &inventory.Endpoint{Host: "10.0.0.6", Port: 10255, Address: "10.0.0.6:10255", Component: "kubelet-read-only"}
	etcd := &inventory.Endpoint{Host: "10.0.0.7", Port: 2379, Address: "10.0.0.7:2379", Component: "etcd", Reachable: true}
	inv := inventory.New()
	inv.Endpoints = []*inventory.Endpoint{kubelet, closed, etcd}
	c, err := NewCatalog(Rule{ID: "kubelet/read-only-port-open", Title: "t", Description: "d", Remedy: "r", Area: AreaKubelet, Scope: ScopeEndpoint,
		Severity: finding.High, EndpointComponents: []string{"kubelet-read-only"},
		Endpoint: func(ctx *EndpointContext) []Violation {
			if !ctx.Endpoint.Reachable {
				ctx.NotApplicable("nothing answers")
				return nil
			}
			if a := ctx.Endpoint.Answer("GET", "/pods"); a != nil && a.Status == 200 {
				return []Violation{{Path: "/pods", Message: "open", Evidence: a.Summary}}
			}
			return nil
		}})
	if err != nil {
		t.Fatal(err)
	}
	e := c.NewEvaluation(&Options{}, nil)
	fails := e.Finish(inv)
	if len(fails) != 1 || fails[0].Object.Kind != "kubelet-read-only" || fails[0].Object.Name != "10.0.0.5:10255" || fails[0].Location.Host != "10.0.0.5:10255" {
		t.Fatalf("failures = %+v", fails)
	}
	if len(e.Passed) != 1 || e.Passed[0].Status != finding.NotApplicable || e.Passed[0].Object.Name != "10.0.0.6:10255" {
		t.Errorf("passed = %+v (the etcd endpoint is not the rule's)", e.Passed)
	}
}

func TestNodeRulesShareWhatTheyParse(t *testing.T) {
	n := &inventory.Node{Host: "cp-1", Components: []*inventory.Component{
		{Kind: inventory.KubeAPIServer, Path: "/proc/1/cmdline", Flags: flags.Parse(nil, nil)},
		{Kind: inventory.KubeAPIServer, Path: "/proc/2/cmdline", Flags: flags.Parse(nil, nil)},
	}}
	inv := inventory.New()
	inv.Nodes = []*inventory.Node{n, {Host: "cp-2", Components: n.Components}}
	parses := 0
	parse := func(ctx *NodeContext) []Violation {
		ctx.Memo("policy", func() any { parses++; return nil })
		return nil
	}
	kinds := []inventory.ComponentKind{inventory.KubeAPIServer}
	c, err := NewCatalog(nodeRule("a/one", kinds, parse), nodeRule("a/two", kinds, parse))
	if err != nil {
		t.Fatal(err)
	}
	c.NewEvaluation(&Options{}, nil).Finish(inv)
	if parses != 2 {
		t.Errorf("parsed %d times for 2 rules on 2 components of each of 2 nodes, want once per node", parses)
	}
}
