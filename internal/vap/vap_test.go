package vap_test

import (
	"bytes"
	"context"
	"io"
	"testing"

	"palisade.dev/palisade/internal/rules"
	"palisade.dev/palisade/internal/rules/builtin"
	"palisade.dev/palisade/internal/source/manifest"
	"palisade.dev/palisade/internal/vap"
)

// TestCoverageNamesEveryRule: every pod and object rule either has a policy or a reason why
// not, and no reason is left for a rule that has gained one or left the catalog.
func TestCoverageNamesEveryRule(t *testing.T) {
	catalog, err := builtin.Catalog()
	if err != nil {
		t.Fatal(err)
	}
	enforced := 0
	for _, r := range catalog.All() {
		ok, why := vap.Coverage(r)
		if ok {
			enforced++
		}
		if why == "" {
			t.Errorf("%s: no coverage note", r.ID)
		}
		if !ok && (r.Scope == rules.ScopePod || r.Scope == rules.ScopeObject) && !vap.HasReason(r.ID) {
			t.Errorf("%s: a pod or object rule without CEL must say why", r.ID)
		}
	}
	for _, id := range vap.Reasons() {
		r, ok := catalog.Lookup(id)
		if !ok {
			t.Errorf("a reason is given for %s, which is not in the catalog", id)
		} else if vap.Enforceable(r) {
			t.Errorf("a reason is given for %s, which a policy enforces", id)
		}
	}
	if enforced < 15 {
		t.Errorf("%d rules enforceable, want at least 15", enforced)
	}
}

// TestGenerateIsDeterministic: the same rules in any order give the same bytes.
func TestGenerateIsDeterministic(t *testing.T) {
	catalog, err := builtin.Catalog()
	if err != nil {
		t.Fatal(err)
	}
	all := catalog.All()
	reversed := make([]*rules.Rule, len(all))
	for i, r := range all {
		reversed[len(all)-1-i] = r
	}
	var a, b bytes.Buffer
	for _, w := range []struct {
		rs  []*rules.Rule
		buf *bytes.Buffer
	}{{all, &a}, {reversed, &b}} {
		pairs, err := vap.Generate(w.rs, vap.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if err := vap.Write(w.buf, pairs); err != nil {
			t.Fatal(err)
		}
	}
	if a.Len() == 0 || !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Fatal("the order of the rules changed the output")
	}
}

func BenchmarkGenerate(b *testing.B) {
	catalog, err := builtin.Catalog()
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		pairs, err := vap.Generate(catalog.All(), vap.Options{})
		if err != nil {
			b.Fatal(err)
		}
		if err := vap.Write(io.Discard, pairs); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEvaluate is the CEL cost of admitting one object: every generated policy evaluated
// on it, as the API server evaluates them, over the workloads of the insecure example.
func BenchmarkEvaluate(b *testing.B) {
	_, compiled, _ := generated(b)
	res := manifest.Load(context.Background(), []string{"../../examples/insecure"}, manifest.Options{})
	var objs []admissionInput
	for _, o := range res.Inventory.Objects() {
		if obj, gvr, ok := admissionObject(o); ok {
			objs = append(objs, admissionInput{obj, gvr})
		}
	}
	if len(objs) == 0 {
		b.Fatal("no workload in the example")
	}
	ctx := context.Background()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		in := objs[i%len(objs)]
		i++
		for _, p := range compiled {
			p.evaluate(ctx, in.obj, in.gvr)
		}
	}
	b.ReportMetric(float64(len(compiled)), "policies/op")
}
