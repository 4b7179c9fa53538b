// Package operator runs Palisade inside a cluster as a continuous audit: it keeps the kinds
// the rules read in informers (a list, then a watch; never polling), judges the cluster with
// the rule catalog again within moments of any change and on a schedule, and keeps one policy
// report per namespace (and one for the cluster) equal to the findings, by server-side apply
// with one field manager. Replicas elect a leader through a Lease; only the leader writes,
// so two replicas never write twice. It serves Prometheus metrics, /healthz and /readyz.
//
// It owns the loop, the leader election and the writing of reports; what is read, and how it
// is judged, is the cluster source's (a Watcher) and the scan's, as for palisade cluster.
package operator

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/go-logr/logr"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/dynamic"
	coordinationv1 "k8s.io/client-go/kubernetes/typed/coordination/v1"
	"k8s.io/client-go/metadata"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/leaderelection"
	"k8s.io/client-go/tools/leaderelection/resourcelock"
	"k8s.io/klog/v2"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/report"
	"palisade.dev/palisade/internal/rules"
	"palisade.dev/palisade/internal/scan"
	"palisade.dev/palisade/internal/source/cluster"
	"palisade.dev/palisade/internal/suppress"
	"palisade.dev/palisade/internal/version"
)

// Config is what an operator judges and how it runs.
type Config struct {
	// Rest reaches the cluster, as the operator's identity.
	Rest *rest.Config
	// Context names the cluster in findings (default "in-cluster").
	Context  string
	Catalog  *rules.Catalog
	Rules    rules.Options
	Policy   *suppress.Policy
	Selected func(*rules.Rule) bool
	// ReportAPI is the policy report API written (default wgpolicyk8s.io/v1alpha2).
	ReportAPI report.ReportAPI
	// Rescan is how often the cluster is observed again and every report written from a
	// fresh evaluation, changes or not (default one hour).
	Rescan time.Duration
	// Settle is how long a change waits for others before the evaluation starts, so that a
	// rollout's objects are judged once (default 100 ms).
	Settle time.Duration
	// Retry is how soon a failed write is tried again (default 5 s).
	Retry time.Duration
	// Lease is the leader election's lock and timing.
	Lease Lease
	// Log receives what happens; Metrics count it. Both are required.
	Log     *slog.Logger
	Metrics *Metrics
	// Now is the clock results are stamped with (default time.Now).
	Now func() time.Time
}

// Lease is the Lease that replicas elect their leader through, and its timing (client-go's
// leader election; defaults 15 s, 10 s and 2 s).
type Lease struct {
	Namespace, Name string
	// Identity names this replica in the Lease (its pod name).
	Identity                             string
	Duration, RenewDeadline, RetryPeriod time.Duration
	// KeepOnExit leaves the lease held when Run ends, to expire as a crashed replica's does;
	// by default a replica that stops releases it, and another takes over at once.
	KeepOnExit bool
}

// Operator is a running continuous audit.
type Operator struct {
	cfg     Config
	watcher *cluster.Watcher
	writer  *writer
	// filled is closed once the informers have listed what the rules read.
	filled chan struct{}

	mu      sync.Mutex
	synced  bool  // the informers have listed what the rules read
	leading bool  // this replica holds the lease
	lastErr error // the last write's error, nil when it succeeded
	cycles  int   // evaluations finished since this replica last became leader
}

// New checks cfg and fills in its defaults.
func New(cfg Config) (*Operator, error) {
	if cfg.Rest == nil || cfg.Catalog == nil || cfg.Log == nil || cfg.Metrics == nil {
		return nil, errors.New("operator: the configuration needs a cluster, a catalog, a logger and metrics")
	}
	if cfg.Lease.Namespace == "" || cfg.Lease.Name == "" || cfg.Lease.Identity == "" {
		return nil, errors.New("operator: the lease needs a namespace, a name and this replica's identity")
	}
	if cfg.Context == "" {
		cfg.Context = "in-cluster"
	}
	if cfg.ReportAPI == "" {
		cfg.ReportAPI = report.PolicyReportAPI
	}
	cfg.Rescan = cmpOr(cfg.Rescan, time.Hour)
	cfg.Settle = cmpOr(cfg.Settle, 100*time.Millisecond)
	cfg.Retry = cmpOr(cfg.Retry, 5*time.Second)
	cfg.Lease.Duration = cmpOr(cfg.Lease.Duration, 15*time.Second)
	cfg.Lease.RenewDeadline = cmpOr(cfg.Lease.RenewDeadline, 10*time.Second)
	cfg.Lease.RetryPeriod = cmpOr(cfg.Lease.RetryPeriod, 2*time.Second)
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	dyn, err := dynamic.NewForConfig(cfg.Rest)
	if err != nil {
		return nil, fmt.Errorf("operator: building a client: %w", err)
	}
	disc, err := discovery.NewDiscoveryClientForConfig(cfg.Rest)
	if err != nil {
		return nil, fmt.Errorf("operator: building a discovery client: %w", err)
	}
	meta, err := metadata.NewForConfig(cfg.Rest)
	if err != nil {
		return nil, fmt.Errorf("operator: building a metadata client: %w", err)
	}
	return &Operator{cfg: cfg, writer: &writer{dyn: dyn, meta: meta, discovery: disc, api: cfg.ReportAPI, metrics: cfg.Metrics}}, nil
}

// firstError is the message of the first of errs, for a log line.
func firstError(errs []finding.ScanError) string {
	if len(errs) == 0 {
		return ""
	}
	return errs[0].Message
}

func cmpOr(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}

// Ready returns nil when the operator does its job: its informers have synced and, on the
// leader, the last write succeeded. Otherwise it says why not.
func (o *Operator) Ready() error {
	o.mu.Lock()
	defer o.mu.Unlock()
	switch {
	case !o.synced:
		return errors.New("the informers have not listed the cluster yet")
	case o.leading && o.lastErr != nil:
		return o.lastErr
	case o.leading && o.cycles == 0:
		return errors.New("the first evaluation as leader has not finished")
	}
	return nil
}

// Leading says whether this replica holds the lease.
func (o *Operator) Leading() bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.leading
}

// Run watches the cluster and, while this replica leads, keeps the reports. It returns when
// ctx ends; a lost lease makes it a candidate again.
func (o *Operator) Run(ctx context.Context) error {
	// client-go's leader election and informers log through the context's logger: to the
	// operator's log, as JSON lines, rather than to klog's global one.
	ctx = klog.NewContext(ctx, logr.FromSlogHandler(o.cfg.Log.Handler()))
	w, err := cluster.NewWatcher(ctx, o.cfg.Rest)
	if err != nil {
		return fmt.Errorf("operator: %w", err)
	}
	o.watcher = w
	// Every replica fills its informers at once, so that a follower that takes over has
	// the cluster in memory already; a leader judges it once they are full.
	o.filled = make(chan struct{})
	go func() {
		defer close(o.filled)
		res := scan.ReadCluster(ctx, o.request())
		// A server that does not answer is tried again, until it does.
		for res.Inventory.Cluster == nil || res.Inventory.Cluster.Version == "" {
			o.cfg.Log.Error("reading the cluster", "errors", len(res.Errors), "first", firstError(res.Errors), "retry", o.cfg.Retry.String())
			select {
			case <-ctx.Done():
				return
			case <-time.After(o.cfg.Retry):
			}
			res = scan.ReadCluster(ctx, o.request())
		}
		o.mu.Lock()
		o.synced = true
		o.mu.Unlock()
		o.cfg.Log.Info("informers synced", "objects", res.Inventory.Len(), "errors", len(res.Errors))
	}()
	client, err := coordinationv1.NewForConfig(o.cfg.Rest)
	if err != nil {
		return fmt.Errorf("operator: building a client: %w", err)
	}
	lock := &resourcelock.LeaseLock{
		LeaseMeta:  metav1.ObjectMeta{Namespace: o.cfg.Lease.Namespace, Name: o.cfg.Lease.Name},
		Client:     client,
		LockConfig: resourcelock.ResourceLockConfig{Identity: o.cfg.Lease.Identity},
	}
	for ctx.Err() == nil {
		elector, err := leaderelection.NewLeaderElector(leaderelection.LeaderElectionConfig{
			Lock:            lock,
			LeaseDuration:   o.cfg.Lease.Duration,
			RenewDeadline:   o.cfg.Lease.RenewDeadline,
			RetryPeriod:     o.cfg.Lease.RetryPeriod,
			ReleaseOnCancel: !o.cfg.Lease.KeepOnExit,
			Name:            o.cfg.Lease.Name,
			Callbacks: leaderelection.LeaderCallbacks{
				OnStartedLeading: o.lead,
				OnStoppedLeading: func() {
					o.setLeading(false)
					o.cfg.Log.Info("stopped leading", "lease", o.cfg.Lease.Namespace+"/"+o.cfg.Lease.Name)
				},
			},
		})
		if err != nil {
			return fmt.Errorf("operator: %w", err)
		}
		elector.Run(ctx)
	}
	return nil
}

func (o *Operator) setLeading(v bool) {
	o.mu.Lock()
	o.leading = v
	if v {
		o.cycles, o.lastErr = 0, nil
	}
	o.mu.Unlock()
	if v {
		o.cfg.Metrics.leader.Set(1)
	} else {
		o.cfg.Metrics.leader.Set(0)
	}
}

// lead keeps the reports while ctx (the lease) lasts: an evaluation at once, then one after
// each change (once changes settle), one on the schedule, and a retry after a failed write.
func (o *Operator) lead(ctx context.Context) {
	o.setLeading(true)
	o.cfg.Log.Info("leading", "lease", o.cfg.Lease.Namespace+"/"+o.cfg.Lease.Name, "identity", o.cfg.Lease.Identity, "version", version.Version)
	// A new leader knows only what the reports there say of themselves: it reads their
	// digests, and rewrites or deletes those that differ from its first evaluation.
	o.writer.listed = false
	select {
	case <-ctx.Done():
		return
	case <-o.filled:
	}
	rescan := time.NewTicker(o.cfg.Rescan)
	defer rescan.Stop()
	var retry <-chan time.Time
	trigger := "start"
	for {
		if err := o.cycle(ctx, trigger); err != nil {
			retry = time.After(o.cfg.Retry)
		} else {
			retry = nil
		}
		// A change that came in during the last evaluation has waited long enough: the next
		// one starts at once.
		select {
		case <-o.watcher.Changed():
			trigger = "change"
			continue
		default:
		}
		select {
		case <-ctx.Done():
			return
		case <-o.watcher.Changed():
			trigger = "change"
			// Changes that come together (a rollout's objects) are judged together.
			select {
			case <-ctx.Done():
				return
			case <-time.After(o.cfg.Settle):
			}
		case <-rescan.C:
			trigger = "schedule"
			o.watcher.Refresh()
		case <-retry:
			trigger = "retry"
		}
	}
}

// cycle evaluates the cluster and writes the reports that changed.
func (o *Operator) cycle(ctx context.Context, trigger string) error {
	start := time.Now()
	// A change that comes in while the evaluation runs starts the next one.
	select {
	case <-o.watcher.Changed():
	default:
	}
	res := o.evaluate(ctx)
	defer res.Close()
	if ctx.Err() != nil {
		return ctx.Err()
	}
	o.cfg.Metrics.duration.WithLabelValues(trigger).Observe(time.Since(start).Seconds())
	// The policy reports are objects the operator holds to compare and apply, so it holds
	// the findings too. Findings that cannot be read back write no report: a report without
	// them would pass what was never shown.
	findings, err := finding.Collect(res.ActiveFindings())
	if err != nil {
		err = fmt.Errorf("reading the findings of the evaluation back: %w", err)
		o.mu.Lock()
		o.lastErr = err
		o.cycles++
		o.mu.Unlock()
		o.cfg.Log.Error("writing the policy reports", "error", err.Error())
		return err
	}
	written := time.Now()
	in := &report.Input{
		Command: "operator", Version: version.Version, Targets: []string{o.cfg.Context},
		Findings: findings, Suppressed: res.Suppressed, Errors: res.Errors,
		Rules: o.cfg.Catalog.All(), Now: o.cfg.Now(), ReportAPI: o.cfg.ReportAPI,
	}
	err = o.writer.sync(ctx, report.BuildPolicyReports(in))
	o.cfg.Metrics.writeDuration.Observe(time.Since(written).Seconds())
	o.cfg.Metrics.setFindings(findings)
	o.cfg.Metrics.scanErrors.Set(float64(len(res.Errors)))
	o.cfg.Metrics.objects.Set(float64(o.watcher.Objects()))
	o.mu.Lock()
	o.lastErr = err
	o.cycles++
	o.mu.Unlock()
	if err != nil {
		if errors.Is(err, ErrReportAPIMissing) {
			o.cfg.Log.Error("cannot write the policy reports", "error", err.Error(), "retry", o.cfg.Retry.String())
		} else {
			o.cfg.Log.Error("writing the policy reports", "error", err.Error())
		}
		return err
	}
	o.cfg.Log.Debug("reports up to date", "trigger", trigger, "findings", len(findings), "errors", len(res.Errors),
		"objects", res.Objects, "duration", time.Since(start).String())
	return nil
}

// evaluate judges the cluster from the informers' caches, as palisade cluster judges it.
func (o *Operator) evaluate(ctx context.Context) *scan.ClusterResult {
	return scan.Cluster(ctx, o.request())
}

func (o *Operator) request() scan.ClusterRequest {
	return scan.ClusterRequest{
		Watcher: o.watcher, Context: o.cfg.Context,
		Catalog: o.cfg.Catalog, Rules: o.cfg.Rules, Policy: o.cfg.Policy, Selected: o.cfg.Selected,
	}
}
