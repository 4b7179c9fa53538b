package scan

import (
	"context"
	"fmt"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/inventory"
	"palisade.dev/palisade/internal/probe"
	"palisade.dev/palisade/internal/rules"
	"palisade.dev/palisade/internal/suppress"
)

// ProbeRequest says which endpoints to probe, how, and how to judge them.
type ProbeRequest struct {
	Probe    probe.Request
	Catalog  *rules.Catalog
	Rules    rules.Options
	Policy   *suppress.Policy
	Selected func(*rules.Rule) bool
}

// ProbeResult is a finished probe run: the endpoints and what they answered, failures as
// findings, and the passes and not-applicable verdicts beside them.
type ProbeResult struct {
	Result
	// Findings are the active findings, sorted, which Active reads too: the endpoints' are
	// few.
	Findings  []finding.Finding
	Endpoints []*inventory.Endpoint
	Passed    []finding.Finding
}

// Probe asks the endpoints of req.Probe from the network and judges what they answered with
// the endpoint rules. An endpoint that does not answer is a fact, judged not applicable; the
// endpoints the deadline came before, and those on a port the user named that answer as no
// component, are a gap in the proof and reported as errors.
func Probe(ctx context.Context, req ProbeRequest) *ProbeResult {
	opts := req.Rules
	selected := (&ClusterRequest{Selected: req.Selected, Policy: req.Policy}).selector()
	onlyEndpointRules := func(r *rules.Rule) bool { return r.Scope == rules.ScopeEndpoint && selected(r) }
	eval := req.Catalog.NewEvaluation(&opts, onlyEndpointRules)
	eps := probe.Run(ctx, req.Probe)
	inv := inventory.New()
	inv.Endpoints = eps
	all := eval.Finish(inv)
	res := &ProbeResult{Endpoints: eps, Passed: eval.Passed}
	res.Errors = eval.PanicErrors()
	res.Objects = len(eps)
	notProbed := 0
	for i, ep := range eps {
		if ep.Error == probe.NotProbed {
			notProbed++
		}
		// An endpoint on a port the user named that answers as no component is a gap in the
		// proof; one on a default port of a host is only not a Kubernetes component.
		if why, ok := probe.Unidentified(ep); ok && i < len(req.Probe.Targets) && req.Probe.Targets[i].PortNamed {
			res.Errors = append(res.Errors, finding.ScanError{Location: finding.Location{Host: ep.Address}, Message: why})
		}
	}
	if notProbed > 0 {
		res.Errors = append(res.Errors, finding.ScanError{Message: fmt.Sprintf(
			"deadline reached: %d of %d endpoints not probed (raise --deadline or --concurrency, or name fewer targets)", notProbed, len(eps))})
	}
	res.Findings = res.apply(all, inv, req.Policy)
	res.Active = finding.Slice(res.Findings)
	finding.Sort(res.Passed)
	return res
}
