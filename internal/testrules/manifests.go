package testrules

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/inventory"
	"palisade.dev/palisade/internal/rules"
	"palisade.dev/palisade/internal/source/manifest"
)

// manifestScan is the options of a scan of manifests at the latest Pod Security Standards
// version: what fixtures run with when given none, and Manifests too.
func manifestScan() *rules.Options {
	return &rules.Options{PSSVersion: "latest", FromManifests: true}
}

// Manifests loads the manifests at paths (files or folders) and returns the findings of the
// catalog's rules that selector selects, sorted with finding.Sort, for a test to pin what a
// fixture's comments cannot say (a severity, a remedy, a whole message). The selector is a
// rule ID or a prefix ending in `*`, as rules.MatchID reads it; one that selects no rule of the
// catalog fails the test, as a `# rules:` line would fail a fixture, and so does a load error,
// a rule that could not judge an object or a rule that panics. A nil opts is a scan of
// manifests at the latest Pod Security Standards version.
func Manifests(t testing.TB, c *rules.Catalog, selector string, opts *rules.Options, paths ...string) []finding.Finding {
	t.Helper()
	fs, _ := scanManifests(t, c, selector, opts, paths, manifest.Options{})
	return fs
}

// ManifestText is Manifests over manifests given as text, read as standard input.
func ManifestText(t testing.TB, c *rules.Catalog, selector string, opts *rules.Options, text string) []finding.Finding {
	t.Helper()
	fs, _ := scanManifests(t, c, selector, opts, []string{"-"}, manifest.Options{Stdin: strings.NewReader(text)})
	return fs
}

// ManifestsAndInventory is Manifests returning the inventory loaded too, for a test that
// compares the findings with what the input holds.
func ManifestsAndInventory(t testing.TB, c *rules.Catalog, selector string, opts *rules.Options, paths ...string) ([]finding.Finding, *inventory.Inventory) {
	t.Helper()
	return scanManifests(t, c, selector, opts, paths, manifest.Options{})
}

// Inventory is Manifests over an inventory the test built, for what manifests cannot carry
// (the nodes a cluster scan reads from the control plane's mirror pods).
func Inventory(t testing.TB, c *rules.Catalog, selector string, opts *rules.Options, inv *inventory.Inventory) []finding.Finding {
	t.Helper()
	if !selects(c, selector) {
		t.Fatalf("testrules: %v", unknown(c, selector))
	}
	found, problems := evaluate(c, inv, opts, func(r *rules.Rule) bool { return rules.MatchID(selector, r.ID) })
	for _, p := range problems {
		t.Errorf("testrules: %s", p)
	}
	finding.Sort(found)
	return found
}

func scanManifests(t testing.TB, c *rules.Catalog, selector string, opts *rules.Options, paths []string, lo manifest.Options) ([]finding.Finding, *inventory.Inventory) {
	t.Helper()
	if !selects(c, selector) {
		t.Fatalf("testrules: %v", unknown(c, selector))
	}
	res := manifest.Load(context.Background(), paths, lo)
	if len(res.Errors) > 0 {
		t.Fatalf("testrules: loading %d paths: %d load errors, the first: %v", len(paths), len(res.Errors), res.Errors[0])
	}
	found, problems := evaluate(c, res.Inventory, opts, func(r *rules.Rule) bool { return rules.MatchID(selector, r.ID) })
	for _, p := range problems {
		t.Errorf("testrules: %s", p)
	}
	finding.Sort(found)
	return found, res.Inventory
}

// evaluate runs the selected rules over the inventory as a scan does, the objects one by one
// and then the cross-object checks, and returns the findings with, one sentence each, what a
// rule could not judge and where a rule panicked: what would otherwise pass a test on nothing.
// A nil opts is manifestScan.
func evaluate(c *rules.Catalog, inv *inventory.Inventory, opts *rules.Options, selected func(*rules.Rule) bool) ([]finding.Finding, []string) {
	if opts == nil {
		opts = manifestScan()
	}
	e := c.NewEvaluation(opts, selected)
	for _, o := range inv.Objects() {
		e.Object(o)
	}
	found := e.Finish(inv)
	var problems []string
	for _, se := range append(e.Errors(), e.PanicErrors()...) {
		problems = append(problems, fmt.Sprint(se))
	}
	return found, problems
}
