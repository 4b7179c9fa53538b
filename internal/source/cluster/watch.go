package cluster

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/cache"

	"palisade.dev/palisade/internal/inventory"
)

// Watcher keeps what Scan lists in informers' caches (a list, then a watch, per resource) and
// reads a cluster from them as Scan reads it from the API server: the same kinds, the same
// owners left out, the same gaps. A scan through a Watcher makes no list request once its
// informers are synced, so it can run again whenever an object changes.
//
// Informers start on a scan's first request for a resource and run until the context given
// to NewWatcher ends. A resource whose list fails (forbidden, not served) is the scan's gap,
// as with Scan, and its informer is stopped; the next scan tries again. What the cluster says
// about itself (version, identity, anonymous access) is observed on the first scan and after
// Refresh, not on every scan.
type Watcher struct {
	ctx     context.Context
	cfg     *rest.Config
	changed chan struct{}

	mu        sync.Mutex
	informers map[watchKey]*watched
	facts     *inventory.Cluster // observed; nil until the first scan and after Refresh
	lists     *scanner           // made once: it holds the protobuf clients of each group
}

type watchKey struct {
	gvr schema.GroupVersionResource
	ns  string
}

// watched is one running informer and the last error of its list or watch.
type watched struct {
	informer cache.SharedIndexInformer
	stop     context.CancelFunc
	mu       sync.Mutex
	err      error
}

func (w *watched) lastError() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.err
}

// NewWatcher returns a Watcher of the cluster cfg reaches; its informers run until ctx ends.
func NewWatcher(ctx context.Context, cfg *rest.Config) (*Watcher, error) {
	s, err := newScanner(cfg, Options{})
	if err != nil {
		return nil, err
	}
	if s.dynamic, err = dynamic.NewForConfig(cfg); err != nil {
		return nil, fmt.Errorf("building a client: %w", err)
	}
	return &Watcher{ctx: ctx, cfg: cfg, changed: make(chan struct{}, 1), informers: map[watchKey]*watched{}, lists: s}, nil
}

// Changed receives a value after any object the informers hold was added, changed or deleted
// (after their initial lists); several changes between two receives are one value.
func (w *Watcher) Changed() <-chan struct{} { return w.changed }

// Objects counts the objects the informers hold.
func (w *Watcher) Objects() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	n := 0
	for _, in := range w.informers {
		n += len(in.informer.GetStore().ListKeys())
	}
	return n
}

// Refresh makes the next scan observe the cluster again (version, served groups, identity,
// anonymous access, distribution).
func (w *Watcher) Refresh() {
	w.mu.Lock()
	w.facts = nil
	w.mu.Unlock()
}

// Scan reads the cluster from the informers' caches, starting those it needs, as Scan does
// from the API server. opts.Namespace must be empty: a Watcher watches every namespace.
func (w *Watcher) Scan(ctx context.Context, opts Options) *Result {
	opts.Namespace = ""
	s, err := newScanner(w.cfg, opts)
	res := &Result{Inventory: inventory.New(), Listed: map[string]int{}}
	if err != nil {
		res.Errors = append(res.Errors, s.errorf("connecting to %s: %v", w.cfg.Host, err))
		return res
	}
	s.res, s.cache, s.dynamic = res, w, w.lists.dynamic
	w.mu.Lock()
	known := w.facts
	w.mu.Unlock()
	var facts *inventory.Cluster
	if known != nil {
		copied := *known
		copied.Gaps = nil
		copied.ScannedAt = s.now()
		facts = &copied
	} else {
		facts = &inventory.Cluster{Context: opts.Context, Server: w.cfg.Host, ScannedAt: s.now()}
		info, err := s.discovery.ServerVersion()
		if err != nil {
			res.Errors = append(res.Errors, s.errorf("%s", describe(err, "reading the server version from "+w.cfg.Host)))
			facts.Gaps = append(facts.Gaps, inventory.Gap{Kind: "*"})
			res.Inventory.Cluster = facts
			return res
		}
		facts.Version = info.GitVersion
		s.observe(ctx, facts)
		kept := *facts
		w.mu.Lock()
		w.facts = &kept
		w.mu.Unlock()
	}
	res.Inventory.Cluster = facts
	if opts.OnVersion != nil {
		opts.OnVersion(facts.Version)
	}
	s.list(ctx, facts)
	if facts.Listed("Pod", "kube-system") && opts.ControlPlane {
		res.Inventory.Nodes = controlPlaneNodes(s.mirrors, facts.Distribution)
	}
	return res
}

// items returns what the informer of r in ns holds, starting it and waiting for its first
// list when it is new. A list that fails before the informer has synced is returned as the
// error, and the informer is stopped.
func (w *Watcher) items(ctx context.Context, r resource, ns string) ([]runtime.Object, error) {
	key := watchKey{gvr: r.GVR, ns: ns}
	w.mu.Lock()
	in, ok := w.informers[key]
	if !ok {
		var err error
		if in, err = w.start(r, ns); err != nil {
			w.mu.Unlock()
			return nil, err
		}
		w.informers[key] = in
	}
	w.mu.Unlock()
	synced := in.informer.HasSyncedChecker().Done()
	for !in.informer.HasSynced() {
		if err := in.lastError(); err != nil {
			w.mu.Lock()
			if w.informers[key] == in {
				delete(w.informers, key)
			}
			w.mu.Unlock()
			in.stop()
			return nil, err
		}
		select {
		case <-synced:
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-w.ctx.Done():
			return nil, w.ctx.Err()
		case <-time.After(10 * time.Millisecond):
		}
	}
	stored := in.informer.GetStore().List()
	out := make([]runtime.Object, 0, len(stored))
	for _, o := range stored {
		if ro, ok := o.(runtime.Object); ok {
			out = append(out, ro)
		}
	}
	// In the order the API server lists them (by namespace, then name), so that a scan
	// through the Watcher reads the cluster in the order Scan does and reports the same.
	slices.SortFunc(out, func(a, b runtime.Object) int {
		ma, _ := a.(metav1.Object)
		mb, _ := b.(metav1.Object)
		if ma == nil || mb == nil {
			return 0
		}
		return cmp.Or(strings.Compare(ma.GetNamespace(), mb.GetNamespace()), strings.Compare(ma.GetName(), mb.GetName()))
	})
	return out, nil
}

// start makes and runs the informer of r in ns.
func (w *Watcher) start(r resource, ns string) (*watched, error) {
	var lw *cache.ListWatch
	var example runtime.Object
	gvk := r.GVR.GroupVersion().WithKind(r.Kind)
	if r.Typed {
		client, err := w.lists.restClient(r.GVR.GroupVersion())
		if err != nil {
			return nil, err
		}
		if example, err = scheme.Scheme.New(gvk); err != nil {
			return nil, fmt.Errorf("no type for %s: %w", r.Kind, err)
		}
		lw = &cache.ListWatch{
			ListWithContextFunc: func(ctx context.Context, opts metav1.ListOptions) (runtime.Object, error) {
				return w.lists.listTyped(ctx, r, ns, &opts)
			},
			WatchFuncWithContext: func(ctx context.Context, opts metav1.ListOptions) (watch.Interface, error) {
				opts.Watch = true
				return client.Get().NamespaceIfScoped(ns, ns != "").Resource(r.GVR.Resource).
					VersionedParams(&opts, scheme.ParameterCodec).Watch(ctx)
			},
		}
	} else {
		res := w.lists.dynamic.Resource(r.GVR).Namespace(ns)
		example = &unstructured.Unstructured{}
		lw = &cache.ListWatch{
			ListWithContextFunc: func(ctx context.Context, opts metav1.ListOptions) (runtime.Object, error) {
				return res.List(ctx, opts)
			},
			WatchFuncWithContext: func(ctx context.Context, opts metav1.ListOptions) (watch.Interface, error) {
				return res.Watch(ctx, opts)
			},
		}
	}
	informer := cache.NewSharedIndexInformerWithOptions(lw, example, cache.SharedIndexInformerOptions{ObjectDescription: resourceName(r)})
	in := &watched{informer: informer}
	// What deliver would change on a listed object is done once, here: the cache's objects
	// are shared and never written after.
	if err := informer.SetTransform(func(o any) (any, error) {
		if m, ok := o.(metav1.Object); ok {
			m.SetManagedFields(nil)
		}
		if ro, ok := o.(runtime.Object); ok && r.Typed {
			ro.GetObjectKind().SetGroupVersionKind(gvk)
		}
		return o, nil
	}); err != nil {
		return nil, err
	}
	if err := informer.SetWatchErrorHandlerWithContext(func(_ context.Context, _ *cache.Reflector, err error) {
		in.mu.Lock()
		in.err = err
		in.mu.Unlock()
	}); err != nil {
		return nil, err
	}
	notify := func() {
		select {
		case w.changed <- struct{}{}:
		default:
		}
	}
	if _, err := informer.AddEventHandler(cache.ResourceEventHandlerDetailedFuncs{
		AddFunc: func(_ any, initial bool) {
			if !initial {
				notify()
			}
		},
		UpdateFunc: func(old, cur any) {
			if judgedTheSame(old, cur) {
				return
			}
			notify()
		},
		DeleteFunc: func(any) { notify() },
	}); err != nil {
		return nil, err
	}
	ctx, stop := context.WithCancel(w.ctx)
	in.stop = stop
	go informer.RunWithContext(ctx)
	return in, nil
}

// judgedTheSame says whether an update leaves the object as the rules see it: a resync (the
// same version), or a change of status alone, which controllers and kubelets make all the time
// and which no rule reads but a pod's phase and address. An object with a generation changes
// its spec only with a new generation; labels, annotations and owners are compared too.
func judgedTheSame(old, cur any) bool {
	a, ok1 := old.(metav1.Object)
	b, ok2 := cur.(metav1.Object)
	if !ok1 || !ok2 {
		return false
	}
	if a.GetResourceVersion() == b.GetResourceVersion() {
		return true
	}
	if !maps.Equal(a.GetLabels(), b.GetLabels()) || !maps.Equal(a.GetAnnotations(), b.GetAnnotations()) ||
		!equality.Semantic.DeepEqual(a.GetOwnerReferences(), b.GetOwnerReferences()) {
		return false
	}
	if pa, ok := old.(*corev1.Pod); ok {
		pb, ok := cur.(*corev1.Pod)
		return ok && pa.Status.Phase == pb.Status.Phase && pa.Status.PodIP == pb.Status.PodIP &&
			slices.Equal(pa.Status.PodIPs, pb.Status.PodIPs) && equality.Semantic.DeepEqual(pa.Spec, pb.Spec)
	}
	if _, typed := old.(*unstructured.Unstructured); typed {
		return false // a custom resource's spec may change without a new generation
	}
	return a.GetGeneration() != 0 && a.GetGeneration() == b.GetGeneration()
}
