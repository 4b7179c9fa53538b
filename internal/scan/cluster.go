package scan

import (
	"context"
	"fmt"
	"slices"
	"time"

	"k8s.io/client-go/rest"

	"palisade.dev/palisade/internal/cause"
	"palisade.dev/palisade/internal/distro"
	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/inventory"
	"palisade.dev/palisade/internal/rules"
	rbacrules "palisade.dev/palisade/internal/rules/rbac"
	"palisade.dev/palisade/internal/source/cluster"
	"palisade.dev/palisade/internal/suppress"
)

// ClusterRequest says which live cluster to scan and how.
type ClusterRequest struct {
	Config *rest.Config
	// Watcher, when set, reads the cluster from its informers' caches instead of listing it
	// (palisade operator); Config is then unused.
	Watcher *cluster.Watcher
	// Context names the cluster in findings and errors.
	Context string
	// Namespace limits the scan to one namespace; empty scans them all.
	Namespace string
	Catalog   *rules.Catalog
	// Rules are the rule settings. An empty KubernetesVersion is taken from the server; a
	// given one also stands for the server's version where rules judge it (version support).
	Rules    rules.Options
	Policy   *suppress.Policy
	Selected func(*rules.Rule) bool
	// Progress, when set, is called after each page read with the kind and the count so far.
	Progress func(kind string, read int)
	// SkipAnonymous skips the requests made without credentials.
	SkipAnonymous bool
	// Now is the scan's date (default time.Now).
	Now func() time.Time
	// Observe, when set, is called with every object listed, before its rules run and its
	// content is let go, from the goroutines that list them.
	Observe func(*inventory.Object)
	// SpoolDir is where the findings are spooled; empty for the system's temporary folder.
	SpoolDir string
}

// ClusterResult is a finished scan of one cluster.
type ClusterResult struct {
	Result
	// Cluster is what the scan observed about the cluster itself.
	Cluster *inventory.Cluster
	// Skipped counts objects not reported on their own because a scanned controller owns them.
	Skipped int
	// Passed are the passes and not-applicable verdicts of the node rules judged on the
	// control plane's mirror pods.
	Passed []finding.Finding
}

// Cluster scans a live cluster, read-only.
func Cluster(ctx context.Context, req ClusterRequest) *ClusterResult {
	opts := req.Rules
	opts.FromManifests = false
	selected := req.selector()
	eval := req.Catalog.NewEvaluation(&opts, selected)
	eval.Release = true
	eval.Keep = req.Policy.Reads()
	spooled := newSpooler(req.SpoolDir)
	if spooled != nil {
		eval.Sink = spooled.add
	}
	var chosen []*rules.Rule
	for _, r := range req.Catalog.All() {
		if selected(r) {
			chosen = append(chosen, r)
		}
	}
	// Which ServiceAccounts pods run as is read from each Pod before its content is let go.
	use := &rbacrules.PodUse{}
	read := func(ctx context.Context, opts cluster.Options) *cluster.Result {
		return cluster.Scan(ctx, req.Config, opts)
	}
	if req.Watcher != nil {
		read = req.Watcher.Scan
	}
	src := read(ctx, req.sourceOptions(chosen, cluster.Options{
		// Called once the version is known and before any object: rules that depend on the
		// Kubernetes version judge the server's, unless the user named one.
		OnVersion: func(gitVersion string) {
			if opts.KubernetesVersion != "" {
				return
			}
			if _, minor, _, err := distro.ParseVersion(gitVersion); err == nil {
				opts.KubernetesVersion = fmt.Sprintf("v1.%d", minor)
			}
		},
		OnObject: func(o *inventory.Object) {
			use.Add(o)
			if req.Observe != nil {
				req.Observe(o)
			}
			eval.Object(o)
		},
	}))
	inv := src.Inventory
	if req.Rules.KubernetesVersion != "" && inv.Cluster != nil && inv.Cluster.Version != "" {
		inv.Cluster.Version = req.Rules.KubernetesVersion
	}
	all := eval.Finish(inv)
	inv.DropDerived() // the rules' indexes: nothing reads them after Finish
	res := &ClusterResult{Cluster: inv.Cluster, Skipped: src.Skipped, Passed: eval.Passed}
	finding.Sort(res.Passed)
	res.Errors, res.Objects = append(append(src.Errors, eval.PanicErrors()...), eval.Errors()...), inv.Len()
	if spooled != nil {
		spooled.finish(&res.Result, all, inv, req.Policy, func(fs []finding.Finding) map[finding.ObjectRef]bool { return use.Mark(fs, inv) })
	} else {
		active := res.applyFolding(all, inv, req.Policy, true)
		use.Rank(active, inv)
		res.Active = finding.Slice(active)
	}
	return res
}

// sourceOptions are what the cluster source reads for the chosen rules, with o's callbacks.
func (req *ClusterRequest) sourceOptions(chosen []*rules.Rule, o cluster.Options) cluster.Options {
	kinds, _ := ClusterKinds(chosen)
	o.Context, o.Namespace, o.Kinds = req.Context, req.Namespace, kinds
	o.PodTemplates = slices.ContainsFunc(chosen, hasScope(rules.ScopePod))
	o.ControlPlane = slices.ContainsFunc(chosen, hasScope(rules.ScopeNode))
	o.SkipAnonymous, o.Progress, o.Now = req.SkipAnonymous, req.Progress, req.Now
	return o
}

// ReadCluster reads what Cluster would read for req, through req.Watcher when set, and judges
// nothing: the operator fills its informers with it before it leads.
func ReadCluster(ctx context.Context, req ClusterRequest) *cluster.Result {
	selected := req.selector()
	var chosen []*rules.Rule
	for _, r := range req.Catalog.All() {
		if selected(r) {
			chosen = append(chosen, r)
		}
	}
	opts := req.sourceOptions(chosen, cluster.Options{})
	if req.Watcher != nil {
		return req.Watcher.Scan(ctx, opts)
	}
	return cluster.Scan(ctx, req.Config, opts)
}

// ClusterKinds returns, sorted, the built-in kinds a cluster scan lists for the selected
// rules: the workload kinds when a pod rule is selected, Pod when a node rule is (the control
// plane's mirror pods), the kinds object rules apply to and the kinds rules name in Reads and ReadsReleased,
// plus what the source always lists (cluster.Listable). A rule that applies to every kind
// ("*") asks for nothing of its own: it judges how manifests are written. Kinds the source
// does not know how to list are returned in unknown.
func ClusterKinds(rs []*rules.Rule) (kinds, unknown []string) {
	var want []string
	for _, r := range rs {
		switch r.Scope {
		case rules.ScopeNode:
			want = append(want, "Pod")
		case rules.ScopePod:
			want = append(want, cluster.WorkloadKinds()...)
		}
		for _, k := range r.Kinds {
			if k != "*" {
				want = append(want, k)
			}
		}
		want = append(want, r.Reads...)
		want = append(want, r.ReadsReleased...)
	}
	return cluster.Listable(want)
}

// hasScope says whether a rule is of scope.
func hasScope(scope rules.Scope) func(*rules.Rule) bool {
	return func(r *rules.Rule) bool { return r.Scope == scope }
}

// selector combines the request's selection with the config's.
func (req *ClusterRequest) selector() func(*rules.Rule) bool {
	return func(r *rules.Rule) bool {
		if req.Selected != nil && !req.Selected(r) {
			return false
		}
		return req.Policy == nil || req.Policy.Config == nil || req.Policy.Config.Selected(r)
	}
}

// apply suppresses and orders the findings of a finished evaluation, and returns the active
// ones.
func (res *Result) apply(all []finding.Finding, inv *inventory.Inventory, policy *suppress.Policy) []finding.Finding {
	return res.applyFolding(all, inv, policy, false)
}

// applyFolding suppresses and orders the findings of a finished evaluation and, when fold is
// set, folds the active findings of one cause into one (package cause). Object scans fold;
// benchmark-style audits (nodes, endpoints) do not, as each of their rules is a control an
// auditor reads on its own. Folding runs after suppression: a suppressed rule never hides an
// active one, and suppressed findings stay one per rule, each with its own reason. It
// returns the active findings and keeps the suppressed ones and the errors in res.
func (res *Result) applyFolding(all []finding.Finding, inv *inventory.Inventory, policy *suppress.Policy, fold bool) []finding.Finding {
	active := all
	if policy != nil {
		var errs []finding.ScanError
		active, res.Suppressed, errs = policy.Apply(all, inv)
		res.Errors = append(res.Errors, errs...)
	}
	finding.Sort(active)
	if fold {
		active = cause.Fold(active)
	}
	finding.Sort(res.Suppressed)
	finding.SortErrors(res.Errors)
	return active
}
