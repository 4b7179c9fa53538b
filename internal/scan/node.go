package scan

import (
	"context"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/inventory"
	"palisade.dev/palisade/internal/rules"
	"palisade.dev/palisade/internal/source/node"
	"palisade.dev/palisade/internal/suppress"
)

// NodeRequest says which machine to audit and how.
type NodeRequest struct {
	Source   node.Options
	Catalog  *rules.Catalog
	Rules    rules.Options
	Policy   *suppress.Policy
	Selected func(*rules.Rule) bool
	// Probe, when set, also probes the endpoints the components serve, read-only, and judges
	// them with the endpoint rules in the same evaluation: the verdicts on the flags and the
	// network's proof side by side. Nil: the audit reads files only.
	Probe *NodeProbe
}

// NodeResult is a finished node audit: failures as findings, and the passes and
// not-applicable verdicts beside them.
type NodeResult struct {
	Result
	// Findings are the active findings, sorted, which Active reads too: a node's are few.
	Findings []finding.Finding
	Node     *inventory.Node
	Passed   []finding.Finding
	// Probed are the endpoints derived from the components' settings and Endpoints what
	// each answered, in the same order; empty unless the request had Probe.
	Probed    []NodeTarget
	Endpoints []*inventory.Endpoint
}

// Node audits the Kubernetes components of the machine Palisade runs on (or of the host
// filesystem and /proc mounted at Source.Root and Source.Proc).
func Node(ctx context.Context, req NodeRequest) *NodeResult {
	opts := req.Rules
	selected := (&ClusterRequest{Selected: req.Selected, Policy: req.Policy}).selector()
	nodeRules := func(r *rules.Rule) bool {
		return (r.Scope == rules.ScopeNode || req.Probe != nil && r.Scope == rules.ScopeEndpoint) && selected(r)
	}
	eval := req.Catalog.NewEvaluation(&opts, nodeRules)
	src := node.Scan(ctx, req.Source)
	inv := inventory.New()
	inv.Nodes = []*inventory.Node{src.Node}
	res := &NodeResult{Node: src.Node}
	res.Errors, res.Objects = src.Errors, len(src.Node.Components)
	if req.Probe != nil {
		probeNode(ctx, req.Probe, src.Node, inv, res)
	}
	all := eval.Finish(inv)
	res.Errors = append(res.Errors, eval.PanicErrors()...)
	res.Passed = eval.Passed
	res.Findings = res.apply(all, inv, req.Policy)
	res.Active = finding.Slice(res.Findings)
	finding.Sort(res.Passed)
	return res
}
