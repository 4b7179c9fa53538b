// Package testapply creates the objects of manifest files in a test cluster through its API,
// as `kubectl create -f` would, so that tests and benchmarks can scan the same objects from
// files and from a live cluster. It is for tests only.
package testapply

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/restmapper"

	"palisade.dev/palisade/internal/inventory"
	"palisade.dev/palisade/internal/source/manifest"
)

// Result is what Apply did.
type Result struct {
	Created int
	// Rejected are the objects the API server refused as invalid (an AppArmor profile
	// written "runtime/defailt", say), by "Kind/namespace/name", with its reason: manifests
	// may hold what a cluster cannot.
	Rejected map[string]string
}

// clients are what Apply and DryRun talk to the API server with.
type clients struct {
	mapper *restmapper.DeferredDiscoveryRESTMapper
	dyn    dynamic.Interface
	client kubernetes.Interface
}

// load reads the manifests at paths and makes the clients of cfg.
func load(ctx context.Context, cfg *rest.Config, paths []string) (*manifest.Result, clients, error) {
	loaded := manifest.Load(ctx, paths, manifest.Options{})
	if len(loaded.Errors) > 0 {
		return nil, clients{}, fmt.Errorf("reading %v: %v", paths, loaded.Errors[0])
	}
	cfg = rest.CopyConfig(cfg)
	cfg.WarningHandler = rest.NoWarnings{} // deprecated annotations in test corpora, say
	disc, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		return nil, clients{}, err
	}
	c := clients{mapper: restmapper.NewDeferredDiscoveryRESTMapper(memory.NewMemCacheClient(disc))}
	if c.dyn, err = dynamic.NewForConfig(cfg); err != nil {
		return nil, clients{}, err
	}
	if c.client, err = kubernetes.NewForConfig(cfg); err != nil {
		return nil, clients{}, err
	}
	return loaded, c, nil
}

// Apply creates every object of the manifests at paths, Namespaces first, with parallel
// requests at once, and a "default" ServiceAccount in each namespace that has none (the
// controller manager would make it; without it the API server refuses Pods). Objects that
// already exist are left alone.
func Apply(ctx context.Context, cfg *rest.Config, paths []string, parallel int) (*Result, error) {
	res := &Result{Rejected: map[string]string{}}
	loaded, c, err := load(ctx, cfg, paths)
	if err != nil {
		return res, err
	}
	mapper, dyn, client := c.mapper, c.dyn, c.client
	// Namespaces first, then ServiceAccounts (the API server refuses a Pod whose
	// ServiceAccount does not exist yet), then CustomResourceDefinitions (until they are
	// served, their objects have no resource), then everything else.
	var namespaces, accounts, definitions, others []*inventory.Object
	for _, o := range loaded.Inventory.Objects() {
		switch o.GVK.Kind {
		case "Namespace":
			namespaces = append(namespaces, o)
		case "ServiceAccount":
			accounts = append(accounts, o)
		case "CustomResourceDefinition":
			definitions = append(definitions, o)
		default:
			others = append(others, o)
		}
	}
	for i, stage := range [][]*inventory.Object{namespaces, accounts, definitions, others} {
		if err := createAll(ctx, dyn, mapper, stage, parallel, res); err != nil {
			return res, err
		}
		switch i {
		case 0:
			for _, ns := range loaded.Inventory.Namespaces() {
				if err := defaultAccount(ctx, client, ns); err != nil {
					return res, err
				}
			}
		case 2:
			if err := awaitServed(ctx, client, definitions); err != nil {
				return res, err
			}
			mapper.Reset()
		}
	}
	return res, nil
}

// awaitServed waits until the API server serves the kind of every CustomResourceDefinition of
// defs, which takes a moment after each is created.
func awaitServed(ctx context.Context, client kubernetes.Interface, defs []*inventory.Object) error {
	for _, d := range defs {
		u, err := unstructuredOf(d)
		if err != nil {
			return err
		}
		group, _, _ := unstructured.NestedString(u.Object, "spec", "group")
		plural, _, _ := unstructured.NestedString(u.Object, "spec", "names", "plural")
		versions, _, _ := unstructured.NestedSlice(u.Object, "spec", "versions")
		for _, v := range versions {
			m, _ := v.(map[string]any)
			name, _ := m["name"].(string)
			if served, _ := m["served"].(bool); !served || name == "" {
				continue
			}
			deadline := time.Now().Add(time.Minute)
			for {
				list, err := client.Discovery().ServerResourcesForGroupVersion(group + "/" + name)
				if err == nil && slices.ContainsFunc(list.APIResources, func(r metav1.APIResource) bool { return r.Name == plural }) {
					break
				}
				if time.Now().After(deadline) {
					return fmt.Errorf("the API server does not serve %s.%s/%s a minute after its definition was created", plural, group, name)
				}
				select {
				case <-ctx.Done():
					return ctx.Err()
				case <-time.After(100 * time.Millisecond):
				}
			}
		}
	}
	return nil
}

// defaultAccount creates the "default" ServiceAccount of namespace ns, which the controller
// manager would make, unless it exists.
func defaultAccount(ctx context.Context, client kubernetes.Interface, ns string) error {
	sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "default"}}
	if _, err := client.CoreV1().ServiceAccounts(ns).Create(ctx, sa, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("creating ServiceAccount default in %s: %w", ns, err)
	}
	return nil
}

func createAll(ctx context.Context, dyn dynamic.Interface, mapper *restmapper.DeferredDiscoveryRESTMapper, objs []*inventory.Object, parallel int, res *Result) error {
	var (
		mu       sync.Mutex
		firstErr error
		wg       sync.WaitGroup
	)
	sem := make(chan struct{}, max(1, parallel))
	for _, o := range objs {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			err := create(ctx, dyn, mapper, o)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				res.Created++
			case apierrors.IsAlreadyExists(err):
			case apierrors.IsInvalid(err):
				res.Rejected[o.GVK.Kind+"/"+o.Namespace+"/"+o.Name] = err.Error()
			case firstErr == nil:
				firstErr = fmt.Errorf("creating %s %s/%s: %w", o.GVK.Kind, o.Namespace, o.Name, err)
			}
		})
	}
	wg.Wait()
	return firstErr
}

// unstructuredOf is o as the dynamic client sends it.
func unstructuredOf(o *inventory.Object) (*unstructured.Unstructured, error) {
	content := o.Content
	if o.Typed != nil {
		var err error
		if content, err = runtime.DefaultUnstructuredConverter.ToUnstructured(o.Typed); err != nil {
			return nil, err
		}
	}
	u := &unstructured.Unstructured{Object: content}
	u.SetGroupVersionKind(o.GVK)
	return u, nil
}

// resourceOf is o as the dynamic client sends it, and the client of its resource.
func resourceOf(dyn dynamic.Interface, mapper *restmapper.DeferredDiscoveryRESTMapper, o *inventory.Object) (*unstructured.Unstructured, dynamic.ResourceInterface, error) {
	u, err := unstructuredOf(o)
	if err != nil {
		return nil, nil, err
	}
	mapping, err := mapper.RESTMapping(o.GVK.GroupKind(), o.GVK.Version)
	if err != nil {
		return nil, nil, err
	}
	if mapping.Scope.Name() == "namespace" {
		return u, dyn.Resource(mapping.Resource).Namespace(o.Namespace), nil
	}
	return u, dyn.Resource(mapping.Resource), nil
}

func create(ctx context.Context, dyn dynamic.Interface, mapper *restmapper.DeferredDiscoveryRESTMapper, o *inventory.Object) error {
	u, r, err := resourceOf(dyn, mapper, o)
	if err != nil {
		return err
	}
	_, err = r.Create(ctx, u, metav1.CreateOptions{})
	return err
}

// DryRun judges every object of the manifests at paths as the API server would on create
// with dryRun=All, or, for an object that exists already (a Namespace, or one an earlier
// test created), on a dry-run replace of it: the object is judged as written, never merged
// with what the cluster holds. Nothing but the namespaces the objects need (created for
// real, with their "default" ServiceAccount) is written. It returns the objects the API
// server refused, by "Kind/namespace/name", with the reason; an error is a failure to ask,
// not a refusal.
func DryRun(ctx context.Context, cfg *rest.Config, paths []string, parallel int) (rejected map[string]string, err error) {
	rejected = map[string]string{}
	loaded, c, err := load(ctx, cfg, paths)
	if err != nil {
		return rejected, err
	}
	mapper, dyn, client := c.mapper, c.dyn, c.client
	for _, ns := range loaded.Inventory.Namespaces() {
		n := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}
		if _, err := client.CoreV1().Namespaces().Create(ctx, n, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
			return rejected, fmt.Errorf("creating Namespace %s: %w", ns, err)
		}
		if err := defaultAccount(ctx, client, ns); err != nil {
			return rejected, err
		}
	}
	var (
		mu       sync.Mutex
		firstErr error
		wg       sync.WaitGroup
	)
	sem := make(chan struct{}, max(1, parallel))
	for _, o := range loaded.Inventory.Objects() {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			err := applyDryRun(ctx, dyn, mapper, o)
			mu.Lock()
			defer mu.Unlock()
			_, refused := err.(apierrors.APIStatus)
			switch {
			case err == nil:
			case refused && !apierrors.IsInternalError(err) && !apierrors.IsServerTimeout(err) && !apierrors.IsTimeout(err):
				rejected[o.GVK.Kind+"/"+o.Namespace+"/"+o.Name] = err.Error()
			case meta.IsNoMatchError(err):
				rejected[o.GVK.Kind+"/"+o.Namespace+"/"+o.Name] = "the API server serves no " + o.GVK.String()
			case o.Name == "":
				rejected[o.GVK.Kind+"/"+o.Namespace+"/"] = "no name to apply by"
			case firstErr == nil:
				firstErr = fmt.Errorf("applying %s %s/%s: %w", o.GVK.Kind, o.Namespace, o.Name, err)
			}
		})
	}
	wg.Wait()
	return rejected, firstErr
}

func applyDryRun(ctx context.Context, dyn dynamic.Interface, mapper *restmapper.DeferredDiscoveryRESTMapper, o *inventory.Object) error {
	u, r, err := resourceOf(dyn, mapper, o)
	if err != nil {
		return err
	}
	dryRun := []string{metav1.DryRunAll}
	_, err = r.Create(ctx, u, metav1.CreateOptions{DryRun: dryRun})
	if !apierrors.IsAlreadyExists(err) || o.Name == "" {
		return err
	}
	live, err := r.Get(ctx, o.Name, metav1.GetOptions{})
	if err != nil {
		return err
	}
	u.SetResourceVersion(live.GetResourceVersion())
	_, err = r.Update(ctx, u, metav1.UpdateOptions{DryRun: dryRun})
	return err
}
