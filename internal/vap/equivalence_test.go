package vap_test

import (
	"context"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"

	"palisade.dev/palisade/internal/inventory"
	"palisade.dev/palisade/internal/rules"
	"palisade.dev/palisade/internal/rules/builtin"
	"palisade.dev/palisade/internal/source/manifest"
	"palisade.dev/palisade/internal/testcorpus"
	"palisade.dev/palisade/internal/vap"
)

// fixtureFiles are the manifests the policies are held to the rules on: every rule fixture
// (internal/rules/**/testdata), the examples, and the loader's seed workloads.
func fixtureFiles(t testing.TB) []string {
	t.Helper()
	var files []string
	for _, root := range []string{"../rules", "../../examples/hardened", "../../examples/insecure", "../source/manifest/testdata/seeds"} {
		err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() || !(strings.HasSuffix(path, ".yaml") || strings.HasSuffix(path, ".yml") || strings.HasSuffix(path, ".json")) {
				return nil
			}
			if root == "../rules" && !strings.Contains(filepath.ToSlash(path), "/testdata/") {
				return nil
			}
			files = append(files, path)
			return nil
		})
		if err != nil {
			t.Fatalf("listing the fixtures under %s: %v", root, err)
		}
	}
	if len(files) < 50 {
		t.Fatalf("found %d fixture files, expected the rule fixtures and the examples", len(files))
	}
	return files
}

// generated is every enforceable rule's policy, compiled as the API server compiles it.
func generated(t testing.TB) (*rules.Catalog, map[string]*compiledPolicy, []vap.Pair) {
	t.Helper()
	catalog, err := builtin.Catalog()
	if err != nil {
		t.Fatal(err)
	}
	pairs, err := vap.Generate(catalog.All(), vap.Options{})
	if err != nil {
		t.Fatal(err)
	}
	compiled := map[string]*compiledPolicy{}
	for _, p := range pairs {
		c, err := compilePolicy(p.Policy)
		if err != nil {
			t.Fatalf("policy of %s does not compile: %v", p.Rule.ID, err)
		}
		compiled[p.Rule.ID] = c
	}
	return catalog, compiled, pairs
}

// goVerdicts is, for one object, the enforceable rules that the Go catalog finds something
// with, evaluated as `palisade scan` evaluates them with the default options.
func goVerdicts(c *rules.Catalog, inv *inventory.Inventory, o *inventory.Object) map[string]bool {
	ev := c.NewEvaluation(&rules.Options{PSSVersion: "latest", FromManifests: true}, vap.Enforceable)
	ev.Object(o)
	got := map[string]bool{}
	for _, f := range ev.Finish(&inventory.Inventory{}) {
		got[f.RuleID] = true
	}
	return got
}

// comparable says whether an object is one the policies see as the rules do: a workload kind
// they match, without misspelt fields (which the rules judge as meant, and which the API server
// drops or refuses before any policy runs).
func comparable(o *inventory.Object) bool {
	return o.AsMeant() == nil
}

// TestCELMatchesRules holds every generated policy to its rule: on every workload object of
// every fixture, the policy evaluated with the API server's own CEL libraries denies it exactly
// when the Go rule has a finding on it, and never fails to evaluate.
func TestCELMatchesRules(t *testing.T) {
	catalog, compiled, _ := generated(t)
	inputs := fixtureFiles(t)
	corpus := t.TempDir()
	if _, err := testcorpus.Generate(corpus, 1500, 7); err != nil {
		t.Fatal(err)
	}
	inputs = append(inputs, corpus)
	ctx := context.Background()
	var judged, denials int
	for _, input := range inputs {
		res := manifest.Load(ctx, []string{input}, manifest.Options{})
		for _, o := range res.Inventory.Objects() {
			obj, gvr, ok := admissionObject(o)
			if !ok || !comparable(o) {
				continue
			}
			judged++
			want := goVerdicts(catalog, res.Inventory, o)
			for id, p := range compiled {
				v := p.evaluate(ctx, obj, gvr)
				where := o.Origin.File + " " + o.GVK.Kind + "/" + o.Name
				if len(v.errors) > 0 {
					t.Errorf("%s: policy of %s did not evaluate: %v", where, id, v)
					continue
				}
				if v.denied != want[id] {
					t.Errorf("%s: rule %s finds something: %v; its policy: %v", where, id, want[id], v)
				}
				if v.denied {
					denials++
					if !strings.Contains(strings.Join(v.messages, " "), id) {
						t.Errorf("%s: the denial of %s does not name the rule: %v", where, id, v)
					}
				}
			}
		}
	}
	t.Logf("%d workload objects judged by %d policies, %d denials", judged, len(compiled), denials)
	if judged < 400 || denials == 0 {
		t.Fatalf("judged %d objects with %d denials: the fixtures were not read", judged, denials)
	}
}
