package builtin_test

import (
	"os"
	"path/filepath"
	"testing"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/fix"
	"palisade.dev/palisade/internal/rules"
	"palisade.dev/palisade/internal/rules/builtin"
	"palisade.dev/palisade/internal/testcorpus"
	"palisade.dev/palisade/internal/testrules"
)

// TestEveryRuleDeclaresTheRemedyItsFindingsGet scans the rules' fixtures, the examples and a
// generated corpus with every remedy kept, and holds each rule's AutoFix to what its
// findings get from fix: a change of a field is an edit, a TODO note alone a note (or an
// edit, for a rule that changes other fields), a new namespace file a namespace file; and a
// rule that declares one must show it on the inputs.
func TestEveryRuleDeclaresTheRemedyItsFindingsGet(t *testing.T) {
	catalog, err := builtin.Catalog()
	if err != nil {
		t.Fatal(err)
	}
	corpus := t.TempDir()
	if err := testcorpus.Ensure(corpus, 500, 1); err != nil {
		t.Fatal(err)
	}
	inputs := []string{corpus, filepath.Join("..", "..", "..", "examples", "insecure")}
	for _, pkg := range []string{"securitycontext", "podspec", "namespace", "netpolrules"} {
		files, _ := filepath.Glob(filepath.Join("..", pkg, "testdata", "*.yaml"))
		inputs = append(inputs, files...)
	}
	opts := &rules.Options{PSSVersion: "latest", FromManifests: true, Patches: rules.AllPatches}
	var findings []finding.Finding
	for _, in := range inputs {
		if _, err := os.Stat(in); err != nil {
			t.Fatal(err)
		}
		findings = append(findings, testrules.Manifests(t, catalog, "*", opts, in)...)
	}
	got := map[string]rules.AutoFix{}
	seen := func(id string, kind rules.AutoFix) {
		if got[id] != rules.FixEdit {
			got[id] = kind
		}
	}
	for _, f := range findings {
		switch {
		case len(finding.Changes(f.Fix)) > 0:
			seen(f.RuleID, rules.FixEdit)
		case len(f.Fix) > 0:
			seen(f.RuleID, rules.FixNote)
		}
	}
	plan := fix.NewPlan(findings, func(*finding.Finding) bool { return false })
	for _, nf := range plan.NewFiles {
		for _, f := range nf.Findings {
			got[f.RuleID] = rules.FixNamespaceFile
		}
	}
	for _, r := range catalog.All() {
		want, ok := got[r.ID]
		switch {
		case ok && r.AutoFix != want && !(want == rules.FixNote && r.AutoFix == rules.FixEdit):
			t.Errorf("%s declares AutoFix %q; its findings get %q", r.ID, r.AutoFix, want)
		case !ok && r.AutoFix != rules.FixNone:
			t.Errorf("%s declares AutoFix %q; no finding of it on the inputs carries a remedy", r.ID, r.AutoFix)
		}
	}
	if got["pod/privileged"] != rules.FixEdit {
		t.Errorf("the inputs gave no remedy for pod/privileged: %v", got)
	}
}
