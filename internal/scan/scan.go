// Package scan sequences each of Palisade's jobs, from a source to ordered, suppressed findings,
// so that the CLI, the benchmarks and the tests run the very same pipelines:
//   - Manifests: manifest files (and what the expanders of Request.Load render from Helm charts
//     and kustomizations) loaded into an inventory, the catalog evaluated on it, with the ValidatingAdmissionPolicies of the input or of --policy files
//     judged against its objects (admission.go);
//   - Cluster: a live cluster listed read-only and judged, with its distribution recognised;
//   - Node: a control-plane or worker node's files and processes judged, and NodeTargets, the
//     endpoints its components listen on, for node --probe;
//   - Probe: endpoints probed over the network and the endpoint rules run on the answers.
//
// It owns those sequences and no check, load, probe or format of its own.
package scan

import (
	"context"
	"io"
	"slices"
	"sync/atomic"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/inventory"
	"palisade.dev/palisade/internal/rules"
	"palisade.dev/palisade/internal/source/manifest"
	"palisade.dev/palisade/internal/suppress"
)

// Request says what to scan and how.
type Request struct {
	Paths   []string
	Load    manifest.Options
	Catalog *rules.Catalog
	Rules   rules.Options
	Policy  *suppress.Policy
	// Selected narrows the rules further (the --rule/--skip-rule flags); nil keeps all.
	Selected func(*rules.Rule) bool
	// Progress, when set, counts the objects evaluated so far, for a progress display.
	Progress *atomic.Int64
	// NamespacesComplete makes the input the whole truth about its namespaces: namespace rules
	// judge every namespace the input names, defined or not. Otherwise they judge only the
	// namespaces it defines, and Result.NotApplied names the others.
	NamespacesComplete bool
	// AdmissionPolicies are ValidatingAdmissionPolicies and bindings given beside the input
	// (--policy); they judge the input's objects with those the input holds.
	AdmissionPolicies []*inventory.Object
	// InputRules are the rule IDs the selection names that only the input's policies can
	// make (vap/<policy-name>): each must name a policy of the input or of AdmissionPolicies,
	// else the scan reports it, as it reports an unknown built-in ID before it starts.
	InputRules []string
	// Observe, when set, is called with every object read, before its rules run and its
	// content is let go, from the goroutines that decode them.
	Observe func(*inventory.Object)
	// SpoolDir is where the findings are spooled while the scan runs and until the reports
	// are written; empty for the system's temporary folder.
	SpoolDir string
}

// Result is a finished scan.
type Result struct {
	// Active are the active findings, sorted, and the only place a scan gives them: for
	// Manifests and Cluster, read back from a spool in their final order when one could be
	// made, else held in memory; for nodes and endpoints, their Findings. Close lets the
	// spool go.
	Active     finding.Seq
	Suppressed []finding.Finding
	Errors     []finding.ScanError
	Files      int
	Documents  int
	Objects    int
	// NotApplied says which rules were not applied where, and why: coverage notes that every
	// report shows and that do not change the exit code.
	NotApplied []finding.NotApplied
}

// Manifests scans files, folders and standard input.
func Manifests(ctx context.Context, req Request) *Result {
	opts := req.Rules
	opts.FromManifests = true
	opts.DefinedNamespacesOnly = !req.NamespacesComplete
	selected := func(r *rules.Rule) bool {
		if req.Selected != nil && !req.Selected(r) {
			return false
		}
		return req.Policy == nil || req.Policy.Config == nil || req.Policy.Config.Selected(r)
	}
	// Rules run on each object as it is decoded, on the decoding goroutines, and the object
	// keeps only what later rules read: one decode per document, memory bounded by the
	// cross-object rules, both cores busy. Their findings wait in a spool, out of the heap,
	// until the cross-object rules have run.
	eval := req.Catalog.NewEvaluation(&opts, selected)
	eval.Release = true
	eval.Keep = req.Policy.Reads()
	spooled := newSpooler(req.SpoolDir)
	if spooled != nil {
		eval.Sink = spooled.add
	}
	load := req.Load
	policies := &admissionPolicies{}
	load.OnObject = func(o *inventory.Object) {
		policies.observe(o)
		if req.Observe != nil {
			req.Observe(o)
		}
		eval.Object(o)
		if req.Progress != nil {
			req.Progress.Add(1)
		}
	}
	var stdin *stdinReplay
	if slices.Contains(req.Paths, "-") && load.Stdin != nil {
		stdin = &stdinReplay{r: load.Stdin}
		load.Stdin = stdin
	}
	loaded := manifest.Load(ctx, req.Paths, load)
	all := eval.Finish(loaded.Inventory)
	loaded.Inventory.DropDerived() // the rules' indexes: nothing reads them after Finish
	// What a rule could not judge (a user's policy that failed, a rule that panicked) is an
	// error beside the load's, never a pass.
	errs := append(append(loaded.Errors, eval.PanicErrors()...), eval.Errors()...)
	res := &Result{Errors: errs, Files: loaded.Files, Documents: loaded.Documents, Objects: loaded.Inventory.Len(), NotApplied: eval.NotApplied}
	var made []string
	if len(policies.objects) > 0 || len(req.AdmissionPolicies) > 0 {
		found, errs, notes, ids := judgeAdmissionPolicies(ctx, req, &opts, selected, policies, loaded.Inventory, stdin)
		all = append(all, found...)
		res.Errors = append(res.Errors, errs...)
		res.NotApplied = append(res.NotApplied, notes...)
		made = ids
	}
	res.Errors = append(res.Errors, unknownInputRules(req.InputRules, made)...)
	finding.SortErrors(res.Errors)
	if spooled != nil {
		spooled.finish(res, all, loaded.Inventory, req.Policy, nil)
	} else {
		res.Active = finding.Slice(res.applyFolding(all, loaded.Inventory, req.Policy, true))
	}
	return res
}

// ExitCode is 2 when the scan had errors, else 1 when a finding is at or above failOn, else 0.
func (r *Result) ExitCode(failOn finding.Severity) int {
	if len(r.Errors) > 0 {
		return 2
	}
	if r.ActiveFindings().Tally().AtLeast(failOn) > 0 {
		return 1
	}
	return 0
}

// ActiveFindings are the active findings (Active; none when it is not set).
func (r *Result) ActiveFindings() finding.Seq {
	if r.Active != nil {
		return r.Active
	}
	return finding.Slice(nil)
}

// Close lets go of the spool the active findings are read from, if there is one. The
// findings cannot be read after it.
func (r *Result) Close() error {
	if c, ok := r.Active.(io.Closer); ok {
		return c.Close()
	}
	return nil
}
