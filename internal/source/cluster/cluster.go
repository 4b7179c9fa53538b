// Package cluster reads a live Kubernetes cluster into an Inventory, read-only: it lists, page
// by page, the kinds the selected rules read (never Secrets), records what it observed about
// the cluster itself (version, discovery, the scan's identity, what anonymous callers get),
// and reports every kind it could not list, and where, as a coverage gap rather than as
// "there are none". It owns talking to the API server and nothing that judges what it reads.
package cluster

import (
	"context"
	"fmt"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/inventory"
)

// Options say what to read and how.
type Options struct {
	// Context names the cluster in findings and errors (the kubeconfig context).
	Context string
	// Namespace limits the scan to one namespace; empty scans every namespace. A scan of one
	// namespace lists no cluster-scoped kind but that Namespace itself.
	Namespace string
	// Kinds are the built-in kinds to list: what the selected rules read, and nothing more
	// (see Listable for what is always and never listed).
	Kinds []string
	// PodTemplates finds the custom resources whose schema holds a pod template and lists
	// them too, for the pod rules.
	PodTemplates bool
	// ControlPlane builds the control plane's nodes from its mirror pods in kube-system, for
	// the node rules that judge its flags; it needs Pod among Kinds.
	ControlPlane bool
	// PageSize is the limit of each list request (default 500).
	PageSize int64
	// Parallel is how many list requests run at once (default 4).
	Parallel int
	// SkipAnonymous skips the requests made without credentials.
	SkipAnonymous bool
	// OnVersion is called with the server's version once it is known, before any object.
	OnVersion func(gitVersion string)
	// OnObject is called with each object as it is read, from several goroutines at once.
	OnObject func(*inventory.Object)
	// Progress, when set, is called after each page with the kind and the number of objects
	// of that kind read so far.
	Progress func(kind string, read int)
	// Now is the scan's date (default time.Now).
	Now func() time.Time
}

// Result is what a scan read.
type Result struct {
	Inventory *inventory.Inventory
	// Errors are what could not be read: an unreachable server (then nothing else was read),
	// a kind the identity may not list (a coverage gap), a page that failed.
	Errors []finding.ScanError
	// Listed counts the objects read per kind; Skipped those left out because a scanned
	// controller owns them.
	Listed  map[string]int
	Skipped int
}

// Scan reads the cluster that cfg reaches.
func Scan(ctx context.Context, cfg *rest.Config, opts Options) *Result {
	s, err := newScanner(cfg, opts)
	res := &Result{Inventory: inventory.New(), Listed: map[string]int{}}
	if err != nil {
		res.Errors = append(res.Errors, s.errorf("connecting to %s: %v", cfg.Host, err))
		return res
	}
	s.res = res
	facts := &inventory.Cluster{Context: opts.Context, Server: cfg.Host, ScannedAt: s.now()}
	res.Inventory.Cluster = facts
	// The version answers first: when it fails, the server is unreachable or refuses the
	// credentials, and one clear error says so instead of one per kind.
	info, err := s.discovery.ServerVersion()
	if err != nil {
		res.Errors = append(res.Errors, s.errorf("%s", describe(err, "reading the server version from "+cfg.Host)))
		facts.Gaps = append(facts.Gaps, inventory.Gap{Kind: "*"})
		return res
	}
	facts.Version = info.GitVersion
	if opts.OnVersion != nil {
		opts.OnVersion(info.GitVersion)
	}
	s.observe(ctx, facts)
	s.list(ctx, facts)
	// The control plane's flags are judged from its mirror pods, when the scan covers
	// kube-system and read its pods.
	if (opts.Namespace == "" || opts.Namespace == "kube-system") && facts.Listed("Pod", "kube-system") && opts.ControlPlane {
		res.Inventory.Nodes = controlPlaneNodes(s.mirrors, facts.Distribution)
	}
	return res
}

type scanner struct {
	opts      Options
	cfg       *rest.Config
	discovery discovery.DiscoveryInterface
	client    kubernetes.Interface
	dynamic   dynamic.Interface
	res       *Result
	// cache, when set, serves every list from its informers instead of the API server.
	cache *Watcher
	// namespaces are the names of the namespaces scanned, for listing kinds namespace by
	// namespace when the identity may not list them cluster-wide.
	namespaces []string

	mu sync.Mutex
	// owners are the UIDs of scanned objects that own pods or other workloads.
	owners  map[types.UID]bool
	clients map[schema.GroupVersion]rest.Interface
	// mirrors are the control-plane components read from mirror pods, by node.
	mirrors map[string][]*inventory.Component
}

func newScanner(cfg *rest.Config, opts Options) (*scanner, error) {
	if opts.PageSize <= 0 {
		opts.PageSize = 500
	}
	if opts.Parallel <= 0 {
		opts.Parallel = 4
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	s := &scanner{opts: opts, cfg: cfg, owners: map[types.UID]bool{}}
	client, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return s, fmt.Errorf("building a client: %w", err)
	}
	s.client = client
	s.discovery = client.Discovery()
	return s, nil
}

func (s *scanner) now() time.Time { return s.opts.Now() }

// errorf makes a scan error located at the cluster.
func (s *scanner) errorf(format string, args ...any) finding.ScanError {
	return finding.ScanError{Location: finding.Location{Cluster: s.opts.Context}, Message: fmt.Sprintf(format, args...)}
}

func (s *scanner) addError(e finding.ScanError) {
	s.mu.Lock()
	s.res.Errors = append(s.res.Errors, e)
	s.mu.Unlock()
}
