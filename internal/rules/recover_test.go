package rules

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"

	"palisade.dev/palisade/internal/inventory"
)

// TestRulePanicsAreRecoveredAndNamed pins that a rule that panics, in any scope, neither
// crashes the evaluation nor passes: the other rules still report, and the panic is named by
// its rule and object.
func TestRulePanicsAreRecoveredAndNamed(t *testing.T) {
	var nilMap map[string]int
	boom := func() []Violation { nilMap["x"]++; return nil } // a runtime error: assignment to a nil map
	good := podRule("pod/good", func(*PodContext) []Violation { return []Violation{{Message: "found"}} })
	pod := func() *inventory.Object {
		o := &inventory.Object{Name: "web", Namespace: "ns", Typed: &corev1.Pod{}, Origin: inventory.Origin{File: "web.yaml"}}
		o.GVK.Version, o.GVK.Kind = "v1", "Pod"
		return o
	}
	cases := []struct {
		name   string
		rule   Rule
		inv    func() *inventory.Inventory
		object string // the object the panic is named at
	}{
		{
			name:   "pod rule",
			rule:   podRule("pod/boom", func(*PodContext) []Violation { return boom() }),
			object: "web",
		},
		{
			name: "object rule",
			rule: Rule{ID: "x/boom", Title: "t", Description: "d", Remedy: "r", Area: AreaGeneral, Scope: ScopeObject, Kinds: []string{"Pod"},
				Object: func(*ObjectContext) []Violation { panic("a rule's own panic") }},
			object: "web",
		},
		{
			name: "deferred check",
			rule: podRule("pod/boom-later", func(ctx *PodContext) []Violation {
				ctx.Defer(func(*inventory.Inventory) []Violation { return boom() })
				return nil
			}),
			object: "web",
		},
		{
			name: "namespace rule on a namespace the input only uses",
			rule: Rule{ID: "namespace/boom", Title: "t", Description: "d", Remedy: "r", Area: AreaNamespace, Scope: ScopeNamespace,
				Namespace: func(*NamespaceContext) []Violation { return boom() }},
			object: "ns",
		},
		{
			name: "node rule, which then has no pass verdict",
			rule: Rule{ID: "node/boom", Title: "t", Description: "d", Remedy: "r", Area: AreaNode, Scope: ScopeNode,
				Node: func(*NodeContext) []Violation { return boom() }},
			inv: func() *inventory.Inventory {
				inv := inventory.New()
				inv.Nodes = []*inventory.Node{{Host: "n1"}}
				return inv
			},
			object: "n1",
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cat, err := NewCatalog(good, c.rule)
			if err != nil {
				t.Fatal(err)
			}
			e := cat.NewEvaluation(&Options{}, nil)
			inv := inventory.New()
			if c.inv != nil {
				inv = c.inv()
			} else {
				o := pod()
				e.Object(o)
				inv.Add(o)
			}
			fs := e.Finish(inv)
			if c.inv == nil && (len(fs) != 1 || fs[0].RuleID != "pod/good") {
				t.Errorf("findings = %+v, want the other rule's one", fs)
			}
			ps := e.Panics()
			if len(ps) != 1 || ps[0].RuleID != c.rule.ID || ps[0].Object.Name != c.object {
				t.Fatalf("panics = %+v, want one of %s on %s", ps, c.rule.ID, c.object)
			}
			for _, p := range e.Passed {
				if p.RuleID == c.rule.ID {
					t.Errorf("a rule that panicked has a verdict: %+v", p)
				}
			}
			se := e.PanicErrors()[0]
			if !strings.Contains(se.Message, c.rule.ID) || strings.Contains(se.Message, "a rule's own panic") {
				t.Errorf("scan error %q: want the rule named and the panic value not quoted", se.Message)
			}
		})
	}
}

// TestEvaluateRepanicsForItsTests pins that Catalog.Evaluate, which returns no errors, does not
// turn a rule's panic into a silent pass.
func TestEvaluateRepanicsForItsTests(t *testing.T) {
	cat, err := NewCatalog(podRule("pod/boom", func(*PodContext) []Violation { panic(1) }))
	if err != nil {
		t.Fatal(err)
	}
	inv := inventory.New()
	o := &inventory.Object{Name: "web", Typed: &corev1.Pod{}}
	o.GVK.Kind = "Pod"
	inv.Add(o)
	defer func() {
		if v := recover(); v == nil || !strings.Contains(v.(string), "pod/boom") {
			t.Errorf("recovered %v, want a panic naming pod/boom", v)
		}
	}()
	cat.Evaluate(inv, &Options{}, nil)
}
