package scan_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"palisade.dev/palisade/internal/inventory"
	"palisade.dev/palisade/internal/rules"
	"palisade.dev/palisade/internal/rules/builtin"
	"palisade.dev/palisade/internal/source/manifest"
	"palisade.dev/palisade/internal/testcorpus"
)

// TestFindingsDoNotDependOnTheOrderObjectsComeIn judges a generated corpus with every rule,
// its objects in two random orders: the findings, messages and evidence included, are the
// same. A cluster lists objects in its own order and the operator reads them from caches, so
// a message that names "the first few" of something must not name different ones each time:
// the operator would rewrite a report that did not change.
func TestFindingsDoNotDependOnTheOrderObjectsComeIn(t *testing.T) {
	dir := filepath.Join(os.TempDir(), "palisade-testcorpus-1000")
	if err := testcorpus.Ensure(dir, 1000, 1); err != nil {
		t.Fatal(err)
	}
	catalog, err := builtin.Catalog()
	if err != nil {
		t.Fatal(err)
	}
	judge := func(seed uint64) []string {
		loaded := manifest.Load(context.Background(), []string{dir}, manifest.Options{})
		objs := loaded.Inventory.Objects()
		order := rand.New(rand.NewPCG(seed, seed)).Perm(len(objs))
		inv := inventory.New()
		for _, i := range order {
			inv.Add(objs[i])
		}
		opts := rules.Options{PSSVersion: "latest", Patches: rules.NoPatches}
		eval := catalog.NewEvaluation(&opts, func(*rules.Rule) bool { return true })
		for _, i := range order {
			eval.Object(objs[i])
		}
		fs := eval.Finish(inv)
		out := make([]string, len(fs))
		for i, f := range fs {
			out[i] = fmt.Sprintf("%s %v %s: %s (%s)", f.RuleID, f.Object, f.Path, f.Message, f.Evidence)
		}
		slices.Sort(out)
		return out
	}
	a, b := judge(1), judge(2)
	if len(a) < 500 {
		t.Fatalf("%d findings, fewer than the corpus holds", len(a))
	}
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			t.Fatalf("the findings differ with the order of the objects; first difference:\n%s\n%s", a[i], b[i])
		}
	}
	if len(a) != len(b) {
		t.Fatalf("%d findings in one order, %d in the other", len(a), len(b))
	}
}
