package rules

import (
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	corev1 "k8s.io/api/core/v1"

	"palisade.dev/palisade/internal/inventory"
)

// indexKey is the memo key of the test index.
type indexKey struct{}

// crossObjectCatalog is a pod rule whose deferred check and a namespace rule that both read one
// index, which counts how often it is built; each reports what it judged, with the index's
// value.
func crossObjectCatalog(t *testing.T, builds *atomic.Int64, build func(*inventory.Inventory) any) *Catalog {
	t.Helper()
	index := &Index{Name: "test index", Build: func(inv *inventory.Inventory, _ *Options) { indexOf(inv, builds, build) }}
	deferring := podRule("pod/deferred", func(ctx *PodContext) []Violation {
		name := ctx.Object.Name
		ctx.Defer(func(inv *inventory.Inventory) []Violation {
			return []Violation{{Message: fmt.Sprintf("%s %v", name, indexOf(inv, builds, build))}}
		})
		return nil
	})
	deferring.Indexes = []*Index{index}
	perNamespace := Rule{ID: "namespace/x", Title: "t", Description: "d", Remedy: "r", Area: AreaNamespace, Scope: ScopeNamespace,
		Indexes: []*Index{index},
		Namespace: func(ctx *NamespaceContext) []Violation {
			return []Violation{{Message: fmt.Sprintf("%s %v", ctx.Name, indexOf(ctx.Inventory, builds, build))}}
		}}
	c, err := NewCatalog(deferring, perNamespace)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func indexOf(inv *inventory.Inventory, builds *atomic.Int64, build func(*inventory.Inventory) any) any {
	return inv.Memo(indexKey{}, func() any {
		builds.Add(1)
		return build(inv)
	})
}

// crossObjectPods is n pods spread over 7 namespaces.
func crossObjectPods(n int) []*inventory.Object {
	var objs []*inventory.Object
	for i := range n {
		o := &inventory.Object{Name: fmt.Sprintf("pod-%04d", i), Namespace: fmt.Sprintf("ns-%d", i%7), Typed: &corev1.Pod{}}
		o.GVK.Version, o.GVK.Kind = "v1", "Pod"
		objs = append(objs, o)
	}
	return objs
}

// TestCrossObjectFindingsDoNotDependOnTheCores pins that Finish, which runs the shared
// indexes, the deferred checks and the namespace rules on every core, returns the same
// findings in the same order on one core as on many: the deferred checks' in the order they
// were deferred, then the namespaces' in namespace order; and that an index named by several
// rules is built once.
func TestCrossObjectFindingsDoNotDependOnTheCores(t *testing.T) {
	finish := func(procs int) ([]string, int64) {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
		var builds atomic.Int64
		c := crossObjectCatalog(t, &builds, func(inv *inventory.Inventory) any { return inv.Len() })
		e := c.NewEvaluation(&Options{}, nil)
		inv := inventory.New()
		for _, o := range crossObjectPods(2000) { // several chunks of deferred checks
			e.Object(o)
			inv.Add(o)
		}
		var got []string
		for _, f := range e.Finish(inv) {
			got = append(got, f.Object.Name+": "+f.Message)
		}
		return got, builds.Load()
	}
	one, oneBuilds := finish(1)
	many, manyBuilds := finish(4)
	if oneBuilds != 1 || manyBuilds != 1 {
		t.Errorf("index built %d times on one core and %d on four, want once each", oneBuilds, manyBuilds)
	}
	if !slices.Equal(one, many) {
		t.Fatalf("findings differ between one core and four:\n%v\n%v", one[:min(5, len(one))], many[:min(5, len(many))])
	}
	var want []string
	for _, o := range crossObjectPods(2000) {
		want = append(want, o.Name+": "+o.Name+" 2000")
	}
	for i := range 7 {
		ns := fmt.Sprintf("ns-%d", i)
		want = append(want, ns+": "+ns+" 2000")
	}
	if !slices.Equal(one, want) {
		t.Errorf("findings are not in deferred, then namespace order: first %v", one[:min(5, len(one))])
	}
}

// TestAnIndexThatPanicsIsReportedNotFatal pins that an index whose building panics stops
// neither the evaluation nor the rules that read it: the panic is named, with its cause, on the
// first rule that names the index (namespace rules come first), and every check still runs.
func TestAnIndexThatPanicsIsReportedNotFatal(t *testing.T) {
	var nilMap map[string]int
	var builds atomic.Int64
	c := crossObjectCatalog(t, &builds, func(*inventory.Inventory) any { nilMap["x"]++; return nil })
	e := c.NewEvaluation(&Options{}, nil)
	inv := inventory.New()
	for _, o := range crossObjectPods(3) {
		e.Object(o)
		inv.Add(o)
	}
	fs := e.Finish(inv)
	ps := e.Panics()
	if len(ps) != 1 || ps[0].RuleID != "namespace/x" || !strings.Contains(ps[0].Cause, "nil map") {
		t.Fatalf("panics = %+v, want the index's, on the first rule that names it, with its cause", ps)
	}
	if len(fs) != 3+3 {
		t.Errorf("%d findings, want every deferred check's and every namespace's (6)", len(fs))
	}
}
