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
}

// NodeResult is a finished node audit: failures as findings, and the passes and
// not-applicable verdicts beside them.
type NodeResult struct {
	Result
	Node   *inventory.Node
	Passed []finding.Finding
}

// Node audits the Kubernetes components of the machine Palisade runs on (or of the host
// filesystem and /proc mounted at Source.Root and Source.Proc).
func Node(ctx context.Context, req NodeRequest) *NodeResult {
	opts := req.Rules
	selected := (&ClusterRequest{Selected: req.Selected, Policy: req.Policy}).selector()
	onlyNodeRules := func(r *rules.Rule) bool { return r.Scope == rules.ScopeNode && selected(r) }
	eval := req.Catalog.NewEvaluation(&opts, onlyNodeRules)
	src := node.Scan(ctx, req.Source)
	inv := inventory.New()
	inv.Nodes = []*inventory.Node{src.Node}
	all := eval.Finish(inv)
	res := &NodeResult{Node: src.Node, Passed: eval.Passed}
	res.Errors, res.Objects = src.Errors, len(src.Node.Components)
	res.apply(all, inv, req.Policy)
	finding.Sort(res.Passed)
	return res
}
