package rules

import (
	"cmp"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"k8s.io/apimachinery/pkg/runtime/schema"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/inventory"
	"palisade.dev/palisade/internal/suggest"
)

// Catalog is an immutable set of rules, sorted by ID.
type Catalog struct {
	rules []*Rule
	byID  map[string]*Rule
	// scratch holds per-object buffers (objectScratch) for the catalog's evaluations, so that
	// evaluating an object does not grow slices of its own, not even in the first object of
	// an evaluation (an admission review evaluates one object, thousands of times).
	scratch sync.Pool
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

// Prefixes of the rule families made at run time from what Palisade loads, not built in: a
// selection may name them before any of their rules exist.
const (
	// CustomPrefix begins the ID of a rule written in Rego (internal/policy/rego), loaded
	// with the catalog from --policy files and the configuration's policies.
	CustomPrefix = "custom/"
	// GatekeeperPrefix begins the ID of a Gatekeeper Constraint (internal/policy/gatekeeper),
	// loaded like a Rego policy.
	GatekeeperPrefix = "gatekeeper/"
	// InputPrefix begins the ID of a ValidatingAdmissionPolicy's rule (internal/rules/admissionpolicy):
	// vap/<policy-name>, made from the policies in the scanned input itself, which only the
	// scan reads.
	InputPrefix = "vap/"
)

// CheckIDs returns an error naming every ID that is not in the catalog, with the closest known
// ID as a suggestion: a typo in a rule ID must never silently select or exempt nothing.
//
// Three selections name rules the catalog may not hold yet, and are accepted: a whole family
// made at run time (custom/*, gatekeeper/*, vap/*), which selects nothing when nothing of it
// is loaded, as "every custom rule" should; and vap/<name>, since the policies of the input
// are read by the scan, after the selection is checked. A custom/ or gatekeeper/ ID is checked
// like a built-in one: its policies are loaded into the catalog before any selection.
func (c *Catalog) CheckIDs(where string, ids []string) error {
	var errs []error
	for _, id := range ids {
		if _, ok := c.byID[id]; ok {
			continue
		}
		if strings.HasSuffix(id, "/*") && c.hasPrefix(strings.TrimSuffix(id, "*")) {
			continue
		}
		if id == CustomPrefix+"*" || id == GatekeeperPrefix+"*" || strings.HasPrefix(id, InputPrefix) && len(id) > len(InputPrefix) {
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

// Evaluation is one run of a catalog over a stream of objects. Pod and object rules run in
// Object, as each object is read (on whatever goroutine reads it); namespace rules and deferred
// checks run in Finish, over the complete inventory. With Release set, an object whose kind no
// later rule reads keeps only its identity once its own rules have run, so that memory stays
// bounded by what cross-object rules need, not by the size of the input.
type Evaluation struct {
	opts *Options
	*Selection
	Release bool
	// Keep is what a released object keeps of its labels and annotations: what the scan
	// reads of them after its rules have run (suppression). The rules' own readers of
	// released objects read only the pod template's labels, which objects always keep.
	Keep inventory.Keep
	// Sink, when set, receives each object's findings from its pod and object rules as soon
	// as they are made, on the goroutine that evaluates it, instead of the evaluation keeping
	// them: a scan too large to hold its findings spools them. fs is the evaluation's buffer,
	// valid only during the call. Finish then returns only the findings of the deferred checks
	// and of the namespace, cluster, node and endpoint rules.
	Sink func(o *inventory.Object, fs []finding.Finding)

	// scratch is the catalog's pool of per-object buffers; apiVersions shares one
	// apiVersion string per group and version among the findings.
	scratch     *sync.Pool
	apiVersions sync.Map // schema.GroupVersion -> string

	// Passed are the passes and not-applicable verdicts of node rules, once Finish has run.
	Passed []finding.Finding
	// NotApplied says which namespace rules were not applied to which namespaces, once Finish
	// has run (Options.DefinedNamespacesOnly).
	NotApplied []finding.NotApplied

	mu sync.Mutex
	// errors are the violations that were errors (Violation.Err): what a rule could not judge.
	errors []ruleError
	// panicMu guards panics, the rule evaluations that panicked (recover.go).
	panicMu sync.Mutex
	panics  []RulePanic
	// findings are kept in blocks of findingBlock: a long scan never copies them to grow.
	findings [][]finding.Finding
	// defers are the deferred checks, in blocks of deferBlock for the same reason.
	defers [][]deferred

	// First, when it has room for them, holds the first block of findings, which Finish then
	// returns when they are all: a caller that evaluates one object at a time (an admission
	// engine) reuses one buffer from evaluation to evaluation instead of allocating one each.
	First []finding.Finding
}

// findingBlock is how many findings one block of an Evaluation holds; the first holds exactly
// the first object's findings, so that an evaluation of one object (an admission review)
// allocates no more than it keeps.
const findingBlock = 4096

// deferBlock is how many deferred checks one block of an Evaluation holds.
const deferBlock = 4096

// objectScratch is what evaluating one object writes before the evaluation keeps it: its
// findings and its deferred checks.
type objectScratch struct {
	findings []finding.Finding
	defers   []deferred
}

// Selection is the rules an evaluation runs, by scope, and the kinds they read. It depends
// only on the catalog and the choice of rules, so that a caller who makes many evaluations of
// the same rules (an admission engine, one per review) makes it once.
type Selection struct {
	pod, obj []*Rule
	ns       []*Rule
	cluster  []*Rule
	node     []*Rule
	endpoint []*Rule
	keep     map[string]bool
}

// Select sorts the selected rules (all when selected is nil) by scope.
func (c *Catalog) Select(selected func(*Rule) bool) *Selection {
	s := &Selection{keep: map[string]bool{}}
	for _, r := range c.rules {
		if selected != nil && !selected(r) {
			continue
		}
		switch r.Scope {
		case ScopePod:
			s.pod = append(s.pod, r)
		case ScopeObject:
			s.obj = append(s.obj, r)
		case ScopeNamespace:
			s.ns = append(s.ns, r)
		case ScopeCluster:
			s.cluster = append(s.cluster, r)
		case ScopeNode:
			s.node = append(s.node, r)
		case ScopeEndpoint:
			s.endpoint = append(s.endpoint, r)
		}
		for _, k := range r.Reads {
			s.keep[k] = true
		}
	}
	return s
}

// NewEvaluation prepares an evaluation of the selected rules (all when selected is nil).
func (c *Catalog) NewEvaluation(opts *Options, selected func(*Rule) bool) *Evaluation {
	return c.NewSelectedEvaluation(opts, c.Select(selected))
}

// NewSelectedEvaluation prepares an evaluation of the rules of s, a selection of this
// catalog's rules, which it does not change.
func (c *Catalog) NewSelectedEvaluation(opts *Options, s *Selection) *Evaluation {
	return &Evaluation{opts: opts, Selection: s, scratch: &c.scratch}
}

// Object evaluates the pod and object rules on one object. It is safe for concurrent use.
func (e *Evaluation) Object(o *inventory.Object) {
	buf, _ := e.scratch.Get().(*objectScratch)
	if buf == nil {
		buf = new(objectScratch)
	}
	out, defers := buf.findings[:0], buf.defers[:0]
	var errs []ruleError
	if pod, ok := inventory.PodTemplateOf(o); ok && len(e.pod) > 0 {
		pod = pod.WithContainers()
		// One context serves every pod rule of the object; only the rule changes.
		ctx := &PodContext{Object: o, Pod: pod, Options: e.opts, defers: &defers}
		for _, r := range e.pod {
			ctx.rule = r
			vs, _ := e.guard(r, o, func() []Violation { return r.Pod(ctx) })
			for _, v := range vs {
				if v.Err != nil {
					errs = append(errs, ruleError{r.ID, scanError(r, o, v)})
					continue
				}
				out = append(out, e.toFinding(r, o, v))
			}
		}
	}
	for _, r := range e.obj {
		if !r.AppliesToKind(o.GVK.Kind) {
			continue
		}
		ctx := &ObjectContext{Object: o, Options: e.opts, defers: &defers, rule: r}
		vs, _ := e.guard(r, o, func() []Violation { return r.Object(ctx) })
		for _, v := range vs {
			if v.Err != nil {
				errs = append(errs, ruleError{r.ID, scanError(r, o, v)})
				continue
			}
			out = append(out, e.toFinding(r, o, v))
		}
	}
	if e.Release && !e.keep[o.GVK.Kind] {
		releaseFor(o, defers, e.Keep)
	}
	if e.Sink != nil && len(out) > 0 {
		e.Sink(o, out)
		clear(out)
		out = out[:0]
	}
	if len(out) > 0 || len(defers) > 0 || len(errs) > 0 {
		e.mu.Lock()
		e.store(out, len(defers))
		e.keepDeferred(defers)
		e.errors = append(e.errors, errs...)
		e.mu.Unlock()
	}
	clear(out)
	clear(defers)
	buf.findings, buf.defers = out[:0], defers[:0]
	e.scratch.Put(buf)
}

// keepDeferred copies an object's deferred checks into the evaluation's blocks; the caller
// holds e.mu. The first block holds exactly the first object's, as for findings (store): an
// evaluation of one object (an admission review) allocates no more than it keeps.
func (e *Evaluation) keepDeferred(ds []deferred) {
	for len(ds) > 0 {
		n := len(e.defers)
		if n == 0 || len(e.defers[n-1]) == cap(e.defers[n-1]) {
			size := deferBlock
			if n == 0 {
				size = len(ds)
			}
			e.defers = append(e.defers, make([]deferred, 0, size))
			n++
		}
		last := &e.defers[n-1]
		k := min(len(ds), cap(*last)-len(*last))
		*last = append(*last, ds[:k]...)
		ds = ds[k:]
	}
}

// releaseFor releases an object, keeping the positions its deferred checks will report at:
// the paths they named, or every position when one named none.
func releaseFor(o *inventory.Object, defers []deferred, id inventory.Keep) {
	var paths []string
	for _, d := range defers {
		if !d.pathsNamed {
			o.Release(true, id)
			return
		}
		paths = append(paths, d.paths...)
	}
	o.ReleaseKeeping(paths, id)
}

// store copies findings into the evaluation's blocks; the caller holds e.mu. The first
// block holds exactly the first findings and room more: their object's deferred checks
// usually report at most once each, and Finish stores what they report after them.
func (e *Evaluation) store(fs []finding.Finding, room int) {
	for len(fs) > 0 {
		n := len(e.findings)
		if n == 0 || len(e.findings[n-1]) == cap(e.findings[n-1]) {
			size := findingBlock
			if n == 0 {
				size = len(fs) + room
			}
			block := e.First[:0]
			if n > 0 || cap(block) < size {
				block = make([]finding.Finding, 0, size)
			}
			e.findings = append(e.findings, block)
			n++
		}
		last := &e.findings[n-1]
		k := min(len(fs), cap(*last)-len(*last))
		*last = append(*last, fs[:k]...)
		fs = fs[k:]
	}
}

// Finish runs the deferred checks, the namespace rules and, for an inventory read from a live
// cluster, the cluster rules over the complete inventory and returns every finding, unsorted
// and unsuppressed.
func (e *Evaluation) Finish(inv *inventory.Inventory) []finding.Finding {
	var namespaces []string
	if len(e.ns) > 0 {
		namespaces = inv.Namespaces()
	}
	judged := e.crossObject(inv, namespaces)
	var later []finding.Finding
	var undefined []string
	for i, r := range judged {
		if r.undefined {
			undefined = append(undefined, namespaces[i])
		}
		later = append(later, r.findings...)
	}
	if len(undefined) > 0 {
		e.NotApplied = append(e.NotApplied, notAppliedTo(e.ns, undefined))
	}
	if inv.Cluster != nil {
		ctx := &ClusterContext{Cluster: inv.Cluster, Inventory: inv, Options: e.opts}
		self := clusterTarget(inv.Cluster)
		for _, r := range e.cluster {
			vs, _ := e.guard(r, self, func() []Violation { return r.Cluster(ctx) })
			for _, v := range vs {
				target := v.Object
				if target == nil {
					target = self
				}
				later = append(later, e.toFinding(r, target, v))
			}
		}
	}
	for _, n := range inv.Nodes {
		later = append(later, e.evaluateNode(n)...)
	}
	for _, ep := range inv.Endpoints {
		later = append(later, e.evaluateEndpoint(ep)...)
	}
	// One slice of exactly the size needed; each block is let go once it is copied.
	n := len(later)
	for _, b := range e.findings {
		n += len(b)
	}
	if len(e.findings) == 1 && len(later) == 0 {
		all := e.findings[0] // one object's, or one block's: nothing to join
		e.findings = nil
		return all
	}
	all := make([]finding.Finding, 0, n)
	for i, b := range e.findings {
		all = append(all, b...)
		e.findings[i] = nil
	}
	e.findings = nil
	return append(all, later...)
}

// deferredChunk is how many deferred checks one task of crossObject runs: enough that taking
// a task costs nothing beside them, few enough that the cores finish together.
const deferredChunk = 256

// crossObject runs what needs the complete inventory but no other rule's findings, on every
// core: first the indexes the rules share (Rule.Indexes), each on a core of its own, so that
// the checks that read them do not wait for one index while another could be built; then the
// deferred checks, a chunk at a time; then the namespace rules, a namespace at a time. Each
// task keeps its results apart, and they are joined in task order, so that the findings'
// order does not depend on the scheduling. It returns the namespaces' results, in the order of
// namespaces, and stores the deferred checks' findings after the objects'.
func (e *Evaluation) crossObject(inv *inventory.Inventory, namespaces []string) []namespaceResult {
	e.mu.Lock()
	defers := e.defers
	e.defers = nil // their objects and captured values are not needed after this
	e.mu.Unlock()

	// The indexes, each once, in the order the rules name them.
	var indexes []*Index
	var named []*Rule // the first rule that names each index, which its panic is reported on
	addIndexes := func(r *Rule) {
		for _, x := range r.Indexes {
			if !slices.Contains(indexes, x) {
				indexes, named = append(indexes, x), append(named, r)
			}
		}
	}
	for _, r := range e.ns {
		addIndexes(r)
	}
	var chunks [][]deferred
	var lastRule *Rule
	for _, block := range defers {
		for len(block) > 0 {
			n := min(len(block), deferredChunk)
			chunks = append(chunks, block[:n])
			for _, d := range block[:n] {
				if d.rule != lastRule {
					addIndexes(d.rule)
					lastRule = d.rule
				}
			}
			block = block[n:]
		}
	}

	type deferredResult struct {
		findings []finding.Finding
		errors   []ruleError
	}
	results := make([]deferredResult, len(chunks))
	judged := make([]namespaceResult, len(namespaces))
	runDeferred := func(c int) {
		out := &results[c]
		for _, d := range chunks[c] {
			if !readsListed(inv.Cluster, d.rule, d.object.Namespace) {
				continue
			}
			vs, _ := e.guard(d.rule, d.object, func() []Violation { return d.check(inv) })
			for _, v := range vs {
				if v.Err != nil {
					out.errors = append(out.errors, ruleError{d.rule.ID, scanError(d.rule, d.object, v)})
					continue
				}
				out.findings = append(out.findings, e.toFinding(d.rule, d.object, v))
			}
		}
	}
	buildIndex := func(i int) {
		defer func() {
			// The rules that read the index report that it could not be built, each where
			// it reads it; the first also says why.
			if v := recover(); v != nil {
				e.recordPanic(named[i], nil, v)
			}
		}()
		indexes[i].Build(inv, e.opts)
	}
	tasks := len(indexes) + len(chunks) + len(namespaces)
	run := func(t int) {
		switch {
		case t < len(indexes):
			buildIndex(t)
		case t < len(indexes)+len(chunks):
			runDeferred(t - len(indexes))
		default:
			i := t - len(indexes) - len(chunks)
			judged[i] = e.judgeNamespace(namespaces[i], inv)
		}
	}
	if workers := min(runtime.GOMAXPROCS(0), tasks); workers <= 1 {
		for t := range tasks { // one object's checks (an admission review): no goroutine to start
			run(t)
		}
	} else {
		var next atomic.Int64
		var wg sync.WaitGroup
		for range workers {
			wg.Go(func() {
				for t := int(next.Add(1)) - 1; t < tasks; t = int(next.Add(1)) - 1 {
					run(t)
				}
			})
		}
		wg.Wait()
	}

	// The deferred checks' findings follow the objects' in their blocks. No room is made for
	// more: most deferred checks find nothing, and a block sized for each of them to report
	// once would be tens of MB for a large scan, most of it never written.
	e.mu.Lock()
	for c := range results {
		e.errors = append(e.errors, results[c].errors...)
		e.store(results[c].findings, 0)
	}
	e.mu.Unlock()
	return judged
}

// Errors returns what the rules could not judge (Violation.Err), as scan errors on the objects,
// once Finish has run.
func (e *Evaluation) Errors() []finding.ScanError {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make([]finding.ScanError, len(e.errors))
	for i, x := range e.errors {
		out[i] = x.err
	}
	return out
}

// FailedRules returns the IDs of the rules that could not judge an object (Errors), once each,
// in the order they first failed.
func (e *Evaluation) FailedRules() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	var ids []string
	for _, x := range e.errors {
		if !slices.Contains(ids, x.rule) {
			ids = append(ids, x.rule)
		}
	}
	return ids
}

// ruleError is what one rule could not judge.
type ruleError struct {
	rule string
	err  finding.ScanError
}

// scanError is the scan error of a violation that is an error.
func scanError(r *Rule, o *inventory.Object, v Violation) finding.ScanError {
	if v.Object != nil {
		o = v.Object
	}
	return finding.ScanError{Location: o.Locate(v.Path), Object: o.Ref(), Message: "rule " + r.ID + ": " + v.Err.Error()}
}

// Evaluate runs the selected rules over a complete inventory, objects on all cores, and
// returns their findings, unsorted and unsuppressed. It releases nothing.
func (c *Catalog) Evaluate(inv *inventory.Inventory, opts *Options, selected func(*Rule) bool) []finding.Finding {
	e := c.NewEvaluation(opts, selected)
	objs := inv.Objects()
	workers := min(runtime.GOMAXPROCS(0), max(1, len(objs)/64))
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := w; i < len(objs); i += workers {
				e.Object(objs[i])
			}
		})
	}
	wg.Wait()
	all := e.Finish(inv)
	if ps := e.Panics(); len(ps) > 0 {
		// Evaluate has no error to return; its callers are tests, which must not pass.
		panic(ps[0].ScanError().Error())
	}
	return all
}

// notAppliedTo is the coverage note for namespace rules left out of namespaces the input
// names but does not define.
func notAppliedTo(rs []*Rule, namespaces []string) finding.NotApplied {
	ids := make([]string, len(rs))
	for i, r := range rs {
		ids[i] = r.ID
	}
	what := "namespace " + namespaces[0]
	if len(namespaces) > 1 {
		what = "namespaces " + strings.Join(namespaces, ", ")
	}
	return finding.NotApplied{
		Rules:      ids,
		Namespaces: namespaces,
		Reason: "the input does not define " + what + " (no Namespace object), so what the cluster has there " +
			"is unknown; pass --namespaces-complete to judge it from the input alone",
	}
}

// namespaceResult is what the namespace rules found in one namespace, or that the namespace
// was not judged because the input does not define it.
type namespaceResult struct {
	findings  []finding.Finding
	undefined bool
}

// judgeNamespace runs the namespace rules on namespace ns. It runs concurrently with the
// other namespaces' and with the deferred checks.
func (e *Evaluation) judgeNamespace(ns string, inv *inventory.Inventory) namespaceResult {
	ctx := &NamespaceContext{Name: ns, Object: inv.Get("Namespace", "", ns), Inventory: inv, Options: e.opts}
	if ctx.Object == nil && e.opts != nil && e.opts.DefinedNamespacesOnly {
		return namespaceResult{undefined: true}
	}
	// The namespace's findings' object, and where a panic of a rule is reported.
	self := namespaceTarget(ctx.Object, ns, inv)
	var out []finding.Finding
	for _, r := range e.ns {
		if !readsListed(inv.Cluster, r, ns) {
			continue // the source reported the gap; absence was not observed
		}
		vs, _ := e.guard(r, self, func() []Violation { return r.Namespace(ctx) })
		for _, v := range vs {
			target := v.Object
			if target == nil {
				target = self
			}
			out = append(out, e.toFinding(r, target, v))
		}
	}
	return namespaceResult{findings: out}
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

// readsListed reports whether every kind a namespace rule or deferred check reads was listed
// in ns; always true for manifests.
func readsListed(c *inventory.Cluster, r *Rule, ns string) bool {
	if c == nil {
		return true
	}
	for _, kinds := range [][]string{r.Reads, r.ReadsReleased} {
		for _, k := range kinds {
			if !c.Listed(k, ns) {
				return false
			}
		}
	}
	return true
}

// evaluateNode runs the node rules on one node: each rule on each component of its kinds, or
// once on the node. Failures are returned; passes and not-applicable verdicts go to Passed. A
// rule whose components are not on the node does not apply there, and says so.
func (e *Evaluation) evaluateNode(n *inventory.Node) []finding.Finding {
	var fails []finding.Finding
	memo := map[string]any{} // what the node's rules parse, shared among them
	for _, r := range e.node {
		if n.Managed != "" {
			f := e.toFinding(r, nodeTarget(n, nil), Violation{Message: n.Managed})
			f.Status = finding.NotApplicable
			e.Passed = append(e.Passed, f)
			continue
		}
		var targets []*inventory.Component
		for _, k := range r.Components {
			targets = append(targets, n.ComponentsOf(k)...)
		}
		if len(r.Components) > 0 && len(targets) == 0 {
			names := make([]string, len(r.Components))
			for i, k := range r.Components {
				names[i] = string(k)
			}
			f := e.toFinding(r, nodeTarget(n, nil), Violation{Message: "No " + strings.Join(names, " or ") + " was found on this node."})
			f.Status = finding.NotApplicable
			e.Passed = append(e.Passed, f)
			continue
		}
		if len(r.Components) == 0 {
			targets = []*inventory.Component{nil}
		}
		for _, c := range targets {
			verdict := &nodeVerdict{}
			ctx := &NodeContext{Node: n, Component: c, Options: e.opts, verdict: verdict, memo: memo}
			target := nodeTarget(n, c)
			vs, ok := e.guard(r, target, func() []Violation { return r.Node(ctx) })
			if !ok {
				continue // neither a pass nor a failure: reported with the panics
			}
			fails = append(fails, e.verdict(r, target, vs, verdict)...)
		}
	}
	return fails
}

// verdict turns one evaluation of a benchmark-style rule into its failures, returned, or into
// its pass or not-applicable verdict, kept in Passed.
func (e *Evaluation) verdict(r *Rule, self *inventory.Object, vs []Violation, v *nodeVerdict) []finding.Finding {
	if len(vs) == 0 {
		// A pass is told by its evidence: what was observed, and where.
		f := e.toFinding(r, self, Violation{Message: "Passed.", Evidence: v.passEvidence})
		f.Status = finding.Pass
		if v.notApplicable != "" {
			f.Message, f.Status = v.notApplicable, finding.NotApplicable
		}
		e.Passed = append(e.Passed, f)
		return nil
	}
	fails := make([]finding.Finding, 0, len(vs))
	for _, viol := range vs {
		target := viol.Object
		if target == nil {
			target = self
		}
		fails = append(fails, e.toFinding(r, target, viol))
	}
	return fails
}

// evaluateEndpoint runs the endpoint rules of an endpoint's component on it. Failures are
// returned; passes and not-applicable verdicts go to Passed.
func (e *Evaluation) evaluateEndpoint(ep *inventory.Endpoint) []finding.Finding {
	var fails []finding.Finding
	self := endpointTarget(ep)
	for _, r := range e.endpoint {
		if len(r.EndpointComponents) > 0 && !slices.Contains(r.EndpointComponents, ep.Component) {
			continue
		}
		verdict := &nodeVerdict{}
		vs, ok := e.guard(r, self, func() []Violation {
			return r.Endpoint(&EndpointContext{Endpoint: ep, Options: e.opts, verdict: verdict})
		})
		if !ok {
			continue // neither a pass nor a failure: reported with the panics
		}
		fails = append(fails, e.verdict(r, self, vs, verdict)...)
	}
	return fails
}

// endpointTarget is the object endpoint findings are attached to: the component at its
// address (kubelet/10.0.0.5:10250), located at the host.
func endpointTarget(ep *inventory.Endpoint) *inventory.Object {
	o := &inventory.Object{Name: ep.Address}
	o.GVK.Kind = ep.Component
	if o.GVK.Kind == "" {
		o.GVK.Kind = "Endpoint"
	}
	o.Origin.Host = ep.Address
	return o
}

// nodeTarget is the object node findings are attached to: the component (kind
// kube-apiserver, named after the host, located where its command line was read) or the node.
func nodeTarget(n *inventory.Node, c *inventory.Component) *inventory.Object {
	o := &inventory.Object{Name: n.Host}
	o.Origin.Host = n.Host
	o.GVK.Kind = "Node"
	if c != nil {
		o.GVK.Kind = string(c.Kind)
		o.Origin.File = c.Path
	}
	return o
}

// ClusterKind is the kind findings about a cluster itself name: Cluster/<context>.
const ClusterKind = "Cluster"

// clusterTarget is the object that findings about the cluster itself are attached to.
func clusterTarget(c *inventory.Cluster) *inventory.Object {
	o := &inventory.Object{Name: c.Context}
	o.GVK.Kind = ClusterKind
	o.Origin.Cluster = c.Context
	return o
}

// apiVersion returns the apiVersion of gv, one string per group and version for all findings.
func (e *Evaluation) apiVersion(gv schema.GroupVersion) string {
	if gv.Group == "" {
		return gv.Version // no string to build
	}
	if s, ok := e.apiVersions.Load(gv); ok {
		return s.(string)
	}
	s, _ := e.apiVersions.LoadOrStore(gv, gv.String())
	return s.(string)
}

func (e *Evaluation) toFinding(r *Rule, o *inventory.Object, v Violation) finding.Finding {
	if v.Object != nil {
		o = v.Object
	}
	sev := r.Severity
	if v.Severity != nil {
		sev = *v.Severity
	}
	f := finding.Finding{
		RuleID:   r.ID,
		Title:    r.Title,
		Severity: sev,
		Object: finding.ObjectRef{
			APIVersion: e.apiVersion(o.GVK.GroupVersion()),
			Kind:       o.GVK.Kind, Namespace: o.Namespace, Name: o.Name, UID: o.UID,
		},
		// Copies, so that a finding does not pin the decoded document its strings came from.
		Container: strings.Clone(v.Container),
		Path:      v.Path,
		Location:  o.Locate(v.Path),
		Message:   v.Message,
		Remedy:    r.Remedy,
		Evidence:  v.Evidence,
		Fix:       e.patches(v.Fix),

		ObjectAt: finding.PositionOf(o.Locate("")),
		Related:  v.Related,
	}
	if v.Related != nil {
		for i := range v.Related.Checks {
			c := &v.Related.Checks[i]
			c.At = finding.PositionOf(o.Locate(c.Path))
			// A copy, as for the finding's container; most checks share the finding's.
			if c.Container == v.Container {
				c.Container = f.Container
			} else {
				c.Container = strings.Clone(c.Container)
			}
		}
	}
	return f
}

// patches is what a finding keeps of a violation's remedy (Options.Patches).
func (e *Evaluation) patches(fix []finding.Patch) []finding.Patch {
	if e.opts == nil || len(fix) == 0 {
		return fix
	}
	switch e.opts.Patches {
	case NoPatches:
		return nil
	case ChangePatches:
		if fix = finding.Changes(fix); len(fix) == 0 {
			return nil
		}
	}
	return fix
}
