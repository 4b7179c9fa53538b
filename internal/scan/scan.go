// Package scan runs Palisade's main job on manifests: load them into an inventory, evaluate the
// catalog, apply suppressions and order the result. It owns that sequence and no check, load
// or format of its own, so the CLI, the benchmarks and the tests run the very same pipeline.
package scan

import (
	"context"
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
}

// Result is a finished scan.
type Result struct {
	Findings   []finding.Finding
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
	// cross-object rules, both cores busy.
	eval := req.Catalog.NewEvaluation(&opts, selected)
	eval.Release = true
	load := req.Load
	load.OnObject = eval.Object
	if req.Progress != nil {
		load.OnObject = func(o *inventory.Object) {
			eval.Object(o)
			req.Progress.Add(1)
		}
	}
	loaded := manifest.Load(ctx, req.Paths, load)
	all := eval.Finish(loaded.Inventory)
	// A rule that panicked on an object did not judge it: an error, never a pass.
	res := &Result{Errors: append(loaded.Errors, eval.PanicErrors()...), Files: loaded.Files, Documents: loaded.Documents, Objects: loaded.Inventory.Len(), NotApplied: eval.NotApplied}
	res.applyFolding(all, loaded.Inventory, req.Policy, true)
	return res
}

// ExitCode is 2 when the scan had errors, else 1 when a finding is at or above failOn, else 0.
func (r *Result) ExitCode(failOn finding.Severity) int {
	if len(r.Errors) > 0 {
		return 2
	}
	for _, f := range r.Findings {
		if f.Severity >= failOn {
			return 1
		}
	}
	return 0
}
