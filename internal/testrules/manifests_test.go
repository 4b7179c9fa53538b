package testrules

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/rules"
)

// TestManifests pins what the manifest harness returns and when it fails the test: the
// findings of the selected rules only, sorted; a selector that selects no rule and an input
// that does not load fail the test instead of returning nothing.
func TestManifests(t *testing.T) {
	fixtures := []string{filepath.Join("testdata", "holds.yaml"), filepath.Join("testdata", "prefix-selector.yaml")}
	const pod = "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: shop}\nspec:\n  securityContext: {runAsUser: 0}\n  containers: [{name: web, image: registry.example/web:1.0}]\n"
	for _, tc := range []struct {
		name     string
		scan     func(testing.TB, *rules.Catalog) []finding.Finding
		selector string // every finding's rule matches it
		findings int    // how many findings, -1: some
		failed   string // the failure the test records, if any
	}{
		{"a rule ID selects that rule's findings", func(t testing.TB, c *rules.Catalog) []finding.Finding {
			return Manifests(t, c, "pod/run-as-root-user", nil, fixtures...)
		}, "pod/run-as-root-user", 4, ""},
		{"a prefix selects the findings of every rule it matches, sorted", func(t testing.TB, c *rules.Catalog) []finding.Finding {
			return Manifests(t, c, "pod/*", nil, fixtures...)
		}, "pod/*", -1, ""},
		{"a manifest given as text is read as standard input", func(t testing.TB, c *rules.Catalog) []finding.Finding {
			return ManifestText(t, c, "pod/run-as-root-user", nil, pod)
		}, "pod/run-as-root-user", 1, ""},
		{"the inventory comes back with the findings", func(t testing.TB, c *rules.Catalog) []finding.Finding {
			fs, inv := ManifestsAndInventory(t, c, "pod/run-as-root-user", nil, fixtures[0])
			if n := len(inv.Objects()); n != 1 {
				t.Errorf("the inventory holds %d objects, want 1", n)
			}
			return fs
		}, "pod/run-as-root-user", 2, ""},
		{"a misspelt rule ID fails the test", func(t testing.TB, c *rules.Catalog) []finding.Finding {
			return Manifests(t, c, "pod/run-as-root-usr", nil, fixtures...)
		}, "", 0, "testrules: %v"},
		{"a prefix that selects no rule fails the test", func(t testing.TB, c *rules.Catalog) []finding.Finding {
			return Manifests(t, c, "podd/*", nil, fixtures...)
		}, "", 0, "testrules: %v"},
		{"a file that does not load fails the test", func(t testing.TB, c *rules.Catalog) []finding.Finding {
			return Manifests(t, c, "pod/*", nil, filepath.Join("testdata", "absent.yaml"))
		}, "", 0, "testrules: loading %d paths: %d load errors, the first: %v"},
		{"text that is not YAML fails the test", func(t testing.TB, c *rules.Catalog) []finding.Finding {
			return ManifestText(t, c, "pod/*", nil, "kind: [Pod\n")
		}, "", 0, "testrules: loading %d paths: %d load errors, the first: %v"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := Builtin(t)
			var got []finding.Finding
			recorded := record(t, func(t testing.TB) { got = tc.scan(t, c) })
			if failed := strings.Join(recorded, "; "); failed != tc.failed {
				t.Errorf("the test recorded %q, want %q", failed, tc.failed)
			}
			if tc.findings >= 0 && len(got) != tc.findings || tc.findings < 0 && len(got) == 0 {
				t.Fatalf("%d findings, want %d", len(got), tc.findings)
			}
			for _, f := range got {
				if !rules.MatchID(tc.selector, f.RuleID) {
					t.Errorf("a finding of %s, which %q does not select", f.RuleID, tc.selector)
				}
			}
			if !slices.IsSortedFunc(got, func(a, b finding.Finding) int { return finding.Compare(&a, &b) }) {
				t.Error("the findings are not sorted")
			}
		})
	}
}
