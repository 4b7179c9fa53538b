package gatekeeper

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/inventory"
	"palisade.dev/palisade/internal/policy/rego"
	"palisade.dev/palisade/internal/rules"
)

// IDPrefix begins the rule ID of every Constraint: gatekeeper/<constraint name>.
const IDPrefix = rules.GatekeeperPrefix

// Area is the area of Gatekeeper rules.
const Area rules.Area = "gatekeeper"

// Options tune how constraints are evaluated.
type Options struct {
	// Timeout bounds one constraint's evaluation on one object (rego.DefaultTimeout when zero).
	Timeout time.Duration
}

// Documents are the Gatekeeper documents of the policy files.
type Documents struct {
	Templates   []*inventory.Object
	Constraints []*inventory.Object
	// Configs are config.gatekeeper.sh Configs: their spec.sync.syncOnly kinds are what
	// data.inventory holds.
	Configs []*inventory.Object
	// Expansions are ExpansionTemplates: constraints on the resource they make of a workload
	// (its Pod) judge the workload too.
	Expansions []*inventory.Object
}

// compiled is a template ready to evaluate.
type compiled struct {
	*Template
	query          *rego.Query
	readsInventory bool
}

var slugPattern = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

// Rules compiles the templates and returns one rule per Constraint. Every error names the
// file and line of the document it is about.
func Rules(ctx context.Context, docs Documents, opts Options) ([]rules.Rule, error) {
	timeout := opts.Timeout
	if timeout <= 0 {
		timeout = rego.DefaultTimeout
	}
	var errs []error
	fail := func(o *inventory.Object, err error) {
		errs = append(errs, fmt.Errorf("%s: %w", o.Locate("").String(), err))
	}
	templates := map[string]*compiled{}
	for _, o := range docs.Templates {
		t, err := DecodeTemplate(o)
		if err != nil {
			fail(o, err)
			continue
		}
		if _, dup := templates[t.Kind]; dup {
			fail(o, fmt.Errorf("ConstraintTemplate %s is defined twice", t.Name))
			continue
		}
		c, err := compile(ctx, t)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		templates[t.Kind] = c
	}
	synced, err := syncedKinds(docs.Configs)
	if err != nil {
		errs = append(errs, err)
	}
	var expansions []*Expansion
	for _, o := range docs.Expansions {
		e, err := DecodeExpansion(o)
		if err != nil {
			fail(o, err)
			continue
		}
		expansions = append(expansions, e)
	}
	reviews := rego.NewCache(Review)
	var out []rules.Rule
	seen := map[string]*inventory.Object{}
	for _, o := range docs.Constraints {
		t, ok := templates[o.GVK.Kind]
		if !ok {
			fail(o, fmt.Errorf("no ConstraintTemplate in the policy files defines the constraint kind %s", o.GVK.Kind))
			continue
		}
		c, err := DecodeConstraint(o)
		if err != nil {
			fail(o, err)
			continue
		}
		r, err := constraintRule(t, c, synced, expansions, reviews, timeout)
		if err != nil {
			fail(o, err)
			continue
		}
		if first, dup := seen[r.ID]; dup {
			fail(o, fmt.Errorf("rule ID %s is already taken by the constraint at %s; constraints need distinct names", r.ID, first.Locate("")))
			continue
		}
		seen[r.ID] = o
		out = append(out, r)
	}
	return out, errors.Join(errs...)
}

// compile parses and compiles a template's modules, each located at its field in the file.
func compile(ctx context.Context, t *Template) (*compiled, error) {
	modules := map[string]*ast.Module{}
	where := func(name string, row int) string {
		loc := t.Object.Locate(name)
		if row > 0 {
			loc.Line += row // a block scalar's text begins on the line after its key
		}
		loc.Column = 0
		return loc.String()
	}
	var errs []error
	addErrs := func(err error) {
		var list ast.Errors
		if !errors.As(err, &list) {
			errs = append(errs, fmt.Errorf("%s: ConstraintTemplate %s: %w", t.Object.Locate(""), t.Name, err))
			return
		}
		for _, e := range list {
			name, row := "", 0
			if e.Location != nil {
				name, row = e.Location.File, e.Location.Row
			}
			errs = append(errs, fmt.Errorf("%s: ConstraintTemplate %s: %s: %s", where(name, row), t.Name, e.Code, rego.OneLine(e.Message)))
		}
	}
	readsInventory := false
	for _, src := range t.Modules {
		m, err := ast.ParseModuleWithOpts(src.Field, src.Text, ast.ParserOptions{RegoVersion: src.Version})
		if err != nil {
			addErrs(err)
			continue
		}
		if m == nil {
			errs = append(errs, fmt.Errorf("%s: ConstraintTemplate %s: %s holds no Rego package", where(src.Field, 0), t.Name, src.Field))
			continue
		}
		modules[src.Field] = m
		readsInventory = readsInventory || strings.Contains(src.Text, "data.inventory")
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	main := modules[t.Modules[0].Field]
	if !slices.ContainsFunc(main.Rules, func(r *ast.Rule) bool { return r.Head.Ref()[0].Value.String() == "violation" }) {
		return nil, fmt.Errorf("%s: ConstraintTemplate %s: its Rego defines no violation rule", where(t.Modules[0].Field, 0), t.Name)
	}
	comp := rego.NewCompiler()
	comp.Compile(modules)
	if comp.Failed() {
		addErrs(comp.Errors)
		return nil, errors.Join(errs...)
	}
	// Gatekeeper does not make built-in errors fatal (they make an expression undefined), and
	// its library's templates rely on that: they run here as they run there.
	q, err := rego.Prepare(ctx, comp, main.Package.Path.String()+".violation", false)
	if err != nil {
		return nil, fmt.Errorf("%s: ConstraintTemplate %s: preparing: %w", t.Object.Locate(""), t.Name, err)
	}
	return &compiled{Template: t, query: q, readsInventory: readsInventory}, nil
}

// syncedKinds are the kinds the Configs replicate into data.inventory; nil without a Config.
func syncedKinds(configs []*inventory.Object) ([]string, error) {
	var kinds []string
	var errs []error
	for _, o := range configs {
		var doc struct {
			Spec struct {
				Sync struct {
					SyncOnly []struct {
						Kind string `json:"kind"`
					} `json:"syncOnly"`
				} `json:"sync"`
			} `json:"spec"`
		}
		if err := remarshal(o, &doc); err != nil {
			errs = append(errs, fmt.Errorf("%s: Config %s: %w", o.Locate(""), o.Name, err))
			continue
		}
		if kinds == nil {
			kinds = []string{}
		}
		for _, s := range doc.Spec.Sync.SyncOnly {
			if s.Kind != "" && !slices.Contains(kinds, s.Kind) {
				kinds = append(kinds, s.Kind)
			}
		}
	}
	return kinds, errors.Join(errs...)
}

// constraintRule builds the rule of one constraint.
func constraintRule(t *compiled, c *Constraint, synced []string, expansions []*Expansion, reviews *rego.Cache, timeout time.Duration) (rules.Rule, error) {
	slug := strings.ReplaceAll(strings.ToLower(c.Name), ".", "-")
	if !slugPattern.MatchString(slug) {
		return rules.Rule{}, fmt.Errorf("constraint name of %d characters does not make a rule ID (lowercase words joined by dashes or dots)", len(c.Name))
	}
	title := t.Title
	if title == "" {
		title = t.Kind
	}
	desc := t.Description
	if desc == "" {
		desc = "Gatekeeper ConstraintTemplate " + t.Name + "."
	}
	desc += fmt.Sprintf(" Constraint %s of kind %s, enforcementAction %s.", c.Name, c.Kind, c.Action)
	remedy := c.Remedy
	if remedy == "" {
		remedy = fmt.Sprintf("Change the object so that constraint %s (%s) reports no violation, or leave it out of the constraint's match.", c.Name, c.Kind)
	}
	r := rules.Rule{
		ID: IDPrefix + slug, Title: title, Severity: c.Severity, Area: Area, Scope: rules.ScopeObject,
		Kinds: c.Match.kindNames(), Description: desc, Remedy: remedy,
		Origin: c.Object.Locate("").String() + " (template at " + t.Object.Locate("").String() + ")",
	}
	params, err := ast.InterfaceToValue(c.Parameters)
	if err != nil {
		return rules.Rule{}, fmt.Errorf("spec.parameters: %w", err)
	}
	if c.Parameters == nil {
		params = ast.NewObject()
	}
	var inv *inventoryData
	if t.readsInventory {
		// What Gatekeeper would have synced: the Config's kinds; else what the template
		// says it needs; else the kinds the constraint matches.
		kinds := synced
		if kinds == nil {
			kinds = t.SyncKinds
		}
		if kinds == nil {
			kinds = r.Kinds
		}
		if slices.Contains(kinds, "*") {
			return rules.Rule{}, fmt.Errorf("its template reads data.inventory and it matches every kind: name the kinds in spec.match.kinds, in the template's %s annotation, or in a config.gatekeeper.sh Config (spec.sync.syncOnly)", requiresSyncData)
		}
		r.Reads = slices.Clone(kinds)
		inv = &inventoryData{kinds: kinds}
	}
	if c.Match.namespaceLabels != nil && !slices.Contains(r.Reads, "Namespace") {
		r.Reads = append(r.Reads, "Namespace")
	}
	// The expansions whose resource the constraint matches make it judge their workloads.
	var expanding []*Expansion
	for _, e := range expansions {
		probe := &inventory.Object{GVK: e.Generated, Namespace: "-"}
		if len(c.Match.Kinds) == 0 || c.Match.matchesKind(probe) {
			expanding = append(expanding, e)
			for _, k := range e.kinds() {
				if !slices.Contains(r.Kinds, k) && !slices.Contains(r.Kinds, "*") {
					r.Kinds = append(r.Kinds, k)
				}
			}
		}
	}
	deferred := inv != nil || c.Match.namespaceLabels != nil
	// judge evaluates the constraint on target (the object, or the resource an expansion made
	// of it) with its review; what it finds is reported on the object, at prefix.
	judge := func(ctx *rules.ObjectContext, target *inventory.Object, review ast.Value, prefix, note string, sev *finding.Severity) []rules.Violation {
		if !c.Match.matches(target) {
			return nil
		}
		input := ast.NewObject(
			[2]*ast.Term{ast.InternedTerm("review"), ast.NewTerm(review)},
			[2]*ast.Term{ast.InternedTerm("parameters"), ast.NewTerm(params)},
		)
		eval := func(data []rego.Resolver) []rules.Violation {
			items, err := t.query.Eval(context.Background(), input, timeout, data...)
			if err != nil {
				return []rules.Violation{{Err: err, Path: prefix}}
			}
			vs := rego.Violations(items, prefix)
			for i := range vs {
				vs[i].Message = note + vs[i].Message
				if sev != nil && vs[i].Err == nil {
					vs[i].Severity = sev
				}
			}
			return vs
		}
		if !deferred {
			return eval(nil)
		}
		ctx.Defer(func(all *inventory.Inventory) []rules.Violation {
			match, ok := c.Match.namespaceMatches(target, all)
			if !ok {
				return []rules.Violation{{Err: fmt.Errorf("namespace %s is not in the input, so spec.match.namespaceSelector cannot be judged", target.Namespace)}}
			}
			if !match {
				return nil
			}
			var data []rego.Resolver
			if inv != nil {
				v, err := inv.of(all)
				if err != nil {
					return []rules.Violation{{Err: err}}
				}
				data = append(data, rego.Resolver{Ref: inventoryRef, Value: v})
			}
			return eval(data)
		})
		return nil
	}
	r.Object = func(ctx *rules.ObjectContext) []rules.Violation {
		o := ctx.Object
		var out []rules.Violation
		if c.Match.matches(o) {
			review, err := reviews.Of(o)
			if err != nil {
				return []rules.Violation{{Err: err}}
			}
			out = judge(ctx, o, review, "", "", nil)
		}
		for _, e := range expanding {
			if !e.appliesTo(o) {
				continue
			}
			id, _, err := e.generated(o)
			if err != nil {
				out = append(out, rules.Violation{Err: err})
				continue
			}
			review, err := e.reviews.Of(o)
			if err != nil {
				out = append(out, rules.Violation{Err: err})
				continue
			}
			out = append(out, judge(ctx, id, review, e.Source, "[Implied by "+e.Name+"] ", e.Severity)...)
		}
		return out
	}
	return r, nil
}

var inventoryRef = ast.MustParseRef("data.inventory")

// Review is input.review as Gatekeeper builds it for an object being created.
func Review(o *inventory.Object) (ast.Value, error) {
	m, err := rego.ObjectMap(o)
	if err != nil {
		return nil, err
	}
	return reviewOf(o, m)
}

func reviewOf(o *inventory.Object, m map[string]any) (ast.Value, error) {
	review := map[string]any{
		"kind":      map[string]any{"group": o.GVK.Group, "version": o.GVK.Version, "kind": o.GVK.Kind},
		"name":      o.Name,
		"operation": "CREATE",
		"object":    m,
		"userInfo":  map[string]any{},
		"dryRun":    false,
	}
	if o.Namespace != "" {
		review["namespace"] = o.Namespace
	}
	v, err := ast.InterfaceToValue(review)
	if err != nil {
		return nil, fmt.Errorf("converting the object for the constraint: %w", err)
	}
	return v, nil
}

// inventoryData builds data.inventory once per inventory.
type inventoryData struct {
	kinds []string
	mu    sync.Mutex
	inv   *inventory.Inventory
	val   ast.Value
	err   error
}

func (d *inventoryData) of(inv *inventory.Inventory) (ast.Value, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.inv != inv {
		d.inv = inv
		d.val, d.err = Inventory(inv, d.kinds)
	}
	return d.val, d.err
}

// Inventory is data.inventory in Gatekeeper's shape for the objects of kinds:
// cluster[groupVersion][kind][name] for cluster-scoped objects and
// namespace[namespace][groupVersion][kind][name] for the others.
func Inventory(inv *inventory.Inventory, kinds []string) (ast.Value, error) {
	cluster := map[string]any{}
	namespaced := map[string]any{}
	put := func(m map[string]any, keys []string, v any) {
		for _, k := range keys[:len(keys)-1] {
			next, ok := m[k].(map[string]any)
			if !ok {
				next = map[string]any{}
				m[k] = next
			}
			m = next
		}
		m[keys[len(keys)-1]] = v
	}
	for _, k := range kinds {
		for _, o := range inv.ByKind(k) {
			m, err := rego.ObjectMap(o)
			if err != nil {
				return nil, fmt.Errorf("data.inventory: %s: %w", o.Ref(), err)
			}
			gv := o.GVK.GroupVersion().String()
			if o.Namespace == "" {
				put(cluster, []string{gv, o.GVK.Kind, o.Name}, m)
			} else {
				put(namespaced, []string{o.Namespace, gv, o.GVK.Kind, o.Name}, m)
			}
		}
	}
	return ast.InterfaceToValue(map[string]any{"cluster": cluster, "namespace": namespaced})
}
