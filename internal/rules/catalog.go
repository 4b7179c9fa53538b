package rules

import (
	"cmp"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/inventory"
	"palisade.dev/palisade/internal/suggest"
)

// Catalog is an immutable set of rules, sorted by ID.
type Catalog struct {
	rules []*Rule
	byID  map[string]*Rule
}

// NewCatalog validates the rules and builds a catalog. Duplicate IDs are an error.
func NewCatalog(rs ...Rule) (*Catalog, error) {
	c := &Catalog{byID: make(map[string]*Rule, len(rs))}
	var errs []error
	for i := range rs {
		r := &rs[i]
		if err := r.Validate(); err != nil {
			errs = append(errs, err)
			continue
		}
		if _, dup := c.byID[r.ID]; dup {
			errs = append(errs, fmt.Errorf("rule %s is defined twice", r.ID))
			continue
		}
		c.byID[r.ID] = r
		c.rules = append(c.rules, r)
	}
	slices.SortFunc(c.rules, func(a, b *Rule) int { return cmp.Compare(a.ID, b.ID) })
	return c, errors.Join(errs...)
}

// All returns every rule, sorted by ID.
func (c *Catalog) All() []*Rule { return c.rules }

// Lookup returns the rule with that ID.
func (c *Catalog) Lookup(id string) (*Rule, bool) {
	r, ok := c.byID[id]
	return r, ok
}

// CheckIDs returns an error naming every ID that is not in the catalog, with the closest known
// ID as a suggestion: a typo in a rule ID must never silently select or exempt nothing.
func (c *Catalog) CheckIDs(where string, ids []string) error {
	var errs []error
	for _, id := range ids {
		if _, ok := c.byID[id]; ok {
			continue
		}
		if strings.HasSuffix(id, "/*") && c.hasPrefix(strings.TrimSuffix(id, "*")) {
			continue
		}
		msg := fmt.Sprintf("%s: unknown rule %q", where, id)
		if s := c.closest(id); s != "" {
			msg += fmt.Sprintf(" (did you mean %q?)", s)
		}
		errs = append(errs, errors.New(msg))
	}
	return errors.Join(errs...)
}

func (c *Catalog) hasPrefix(p string) bool {
	for _, r := range c.rules {
		if strings.HasPrefix(r.ID, p) {
			return true
		}
	}
	return false
}

func (c *Catalog) closest(id string) string {
	ids := make([]string, len(c.rules))
	for i, r := range c.rules {
		ids[i] = r.ID
	}
	return suggest.Closest(id, ids)
}

// MatchID reports whether pattern (an ID, or "area/*") selects id.
func MatchID(pattern, id string) bool {
	if p, ok := strings.CutSuffix(pattern, "*"); ok {
		return strings.HasPrefix(id, p)
	}
	return pattern == id
}

// Evaluate runs the selected rules (all when selected is nil) over the inventory and returns
// their findings, unsorted and unsuppressed. Objects are evaluated on all cores.
func (c *Catalog) Evaluate(inv *inventory.Inventory, opts *Options, selected func(*Rule) bool) []finding.Finding {
	var podRules, objRules, nsRules []*Rule
	for _, r := range c.rules {
		if selected != nil && !selected(r) {
			continue
		}
		switch r.Scope {
		case ScopePod:
			podRules = append(podRules, r)
		case ScopeObject:
			objRules = append(objRules, r)
		case ScopeNamespace:
			nsRules = append(nsRules, r)
		}
	}

	objs := inv.Objects()
	workers := min(runtime.GOMAXPROCS(0), max(1, len(objs)/64))
	results := make([][]finding.Finding, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			var out []finding.Finding
			for i := w; i < len(objs); i += workers {
				out = evaluateObject(out, objs[i], inv, opts, podRules, objRules)
			}
			results[w] = out
		})
	}
	wg.Wait()
	var all []finding.Finding
	for _, r := range results {
		all = append(all, r...)
	}

	for _, ns := range inv.Namespaces() {
		ctx := &NamespaceContext{Name: ns, Object: inv.Get("Namespace", "", ns), Inventory: inv, Options: opts}
		for _, r := range nsRules {
			for _, v := range r.Namespace(ctx) {
				target := v.Object
				if target == nil {
					target = ctx.Object
				}
				all = append(all, toFinding(r, namespaceTarget(target, ns, inv), v))
			}
		}
	}
	return all
}

func evaluateObject(out []finding.Finding, o *inventory.Object, inv *inventory.Inventory, opts *Options, podRules, objRules []*Rule) []finding.Finding {
	if pod, ok := inventory.PodTemplateOf(o); ok && len(podRules) > 0 {
		ctx := &PodContext{Object: o, Pod: pod, Inventory: inv, Options: opts}
		for _, r := range podRules {
			for _, v := range r.Pod(ctx) {
				out = append(out, toFinding(r, o, v))
			}
		}
	}
	if len(objRules) > 0 {
		ctx := &ObjectContext{Object: o, Inventory: inv, Options: opts}
		for _, r := range objRules {
			if !r.AppliesToKind(o.GVK.Kind) {
				continue
			}
			for _, v := range r.Object(ctx) {
				out = append(out, toFinding(r, o, v))
			}
		}
	}
	return out
}

// namespaceTarget picks the object a namespace finding is attached to: the Namespace object
// when the input defines it, else a synthetic Namespace located at the first object of the
// namespace, so that every finding has a place in a file.
func namespaceTarget(o *inventory.Object, ns string, inv *inventory.Inventory) *inventory.Object {
	if o != nil {
		return o
	}
	synthetic := &inventory.Object{Name: ns}
	synthetic.GVK.Version, synthetic.GVK.Kind = "v1", "Namespace"
	if members := inv.InNamespace(ns); len(members) > 0 {
		synthetic.Origin = members[0].Origin
		synthetic.Positions = members[0].Positions
	}
	return synthetic
}

func toFinding(r *Rule, o *inventory.Object, v Violation) finding.Finding {
	if v.Object != nil {
		o = v.Object
	}
	sev := r.Severity
	if v.Severity != nil {
		sev = *v.Severity
	}
	f := finding.Finding{
		RuleID:    r.ID,
		Title:     r.Title,
		Severity:  sev,
		Object:    o.Ref(),
		Container: v.Container,
		Path:      v.Path,
		Location:  o.Locate(v.Path),
		Message:   v.Message,
		Remedy:    r.Remedy,
		Evidence:  v.Evidence,
		Fix:       v.Fix,
	}
	return f
}
