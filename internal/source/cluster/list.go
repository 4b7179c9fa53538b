package cluster

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"

	"palisade.dev/palisade/internal/inventory"
)

// list reads every needed kind, stage by stage, several kinds at once within a stage.
func (s *scanner) list(ctx context.Context, facts *inventory.Cluster) {
	kinds, _ := Listable(s.opts.Kinds)
	var byStage [stages][]resource
	for _, k := range kinds {
		r := builtinResource(k)
		if s.opts.Namespace != "" && !r.Namespaced {
			continue // one namespace: its Namespace object is read below, nothing else cluster-wide
		}
		if facts.APIGroupVersions != nil && !facts.ServesGroupVersion(r.GVR.GroupVersion().String()) {
			if r.Optional {
				continue
			}
			s.gap(facts, r, "", fmt.Sprintf("the server does not serve %s, so %s objects were not listed", r.GVR.GroupVersion(), k))
			continue
		}
		if k == "Namespace" {
			continue // read first, below: every other kind may need the list of namespaces
		}
		byStage[r.Stage] = append(byStage[r.Stage], r)
	}
	dyn, err := dynamic.NewForConfig(s.cfg)
	if err != nil {
		s.addError(s.errorf("building a client: %v", err))
		return
	}
	s.dynamic = dyn
	s.namespaces = s.readNamespaces(ctx, facts)
	if s.opts.PodTemplates {
		byStage[stageControllers] = append(byStage[stageControllers], s.podTemplateResources(ctx, facts)...)
	}
	for _, rs := range byStage {
		sem := make(chan struct{}, s.opts.Parallel)
		var wg sync.WaitGroup
		for _, r := range rs {
			sem <- struct{}{}
			wg.Go(func() {
				defer func() { <-sem }()
				s.listKind(ctx, facts, r)
			})
		}
		wg.Wait()
	}
}

// readNamespaces lists the Namespace objects (or gets the one namespace of the scan) and
// returns their names.
func (s *scanner) readNamespaces(ctx context.Context, facts *inventory.Cluster) []string {
	r := builtinResource("Namespace")
	if s.opts.Namespace != "" {
		ns, err := s.client.CoreV1().Namespaces().Get(ctx, s.opts.Namespace, metav1.GetOptions{})
		switch {
		case err == nil:
			s.deliver(r, ns)
		case apierrors.IsNotFound(err):
			s.addError(s.errorf("namespace %q does not exist", s.opts.Namespace))
		default:
			s.gap(facts, r, s.opts.Namespace, describe(err, "reading namespace "+s.opts.Namespace))
		}
		return []string{s.opts.Namespace}
	}
	var names []string
	err := s.pages(ctx, r, "", func(o runtime.Object) {
		names = append(names, o.(metav1.Object).GetName())
		s.deliver(r, o)
	})
	if err != nil {
		s.gap(facts, r, "", listError(err, r, ""))
	}
	return names
}

// listKind lists one kind: cluster-wide when the scan covers every namespace, and, when the
// identity may not list it cluster-wide, namespace by namespace, so that a RoleBinding-scoped
// identity still scans what it may read and the gaps are exactly where it may not.
func (s *scanner) listKind(ctx context.Context, facts *inventory.Cluster, r resource) {
	switch {
	case !r.Namespaced:
		err := s.pages(ctx, r, "", s.deliverer(r))
		if r.Optional && apierrors.IsNotFound(err) {
			return // the definition is absent (discovery did not tell)
		}
		if err != nil {
			s.gap(facts, r, "", listError(err, r, ""))
		}
		return
	case s.opts.Namespace != "":
		if err := s.pages(ctx, r, s.opts.Namespace, s.deliverer(r)); err != nil {
			s.gap(facts, r, s.opts.Namespace, listError(err, r, s.opts.Namespace))
		}
		return
	}
	err := s.pages(ctx, r, "", s.deliverer(r))
	if err == nil {
		return
	}
	// A Watcher does not fall back to watching namespace by namespace: the identity it runs
	// as is given the kinds cluster-wide, and anything less is the gap reported here.
	if !apierrors.IsForbidden(err) || len(s.namespaces) == 0 || s.cache != nil {
		s.gap(facts, r, "", listError(err, r, ""))
		return
	}
	var denied []string
	for _, ns := range s.namespaces {
		if err := s.pages(ctx, r, ns, s.deliverer(r)); err != nil {
			if apierrors.IsForbidden(err) {
				denied = append(denied, ns)
				s.mu.Lock()
				facts.Gaps = append(facts.Gaps, inventory.Gap{Kind: r.Kind, Namespace: ns})
				s.mu.Unlock()
				continue
			}
			s.gap(facts, r, ns, listError(err, r, ns))
		}
	}
	if len(denied) > 0 {
		s.addError(s.errorf("forbidden: cannot list %s in %s: rules that read %s were not evaluated there (coverage gap)",
			resourceName(r), namespaceList(denied), r.Kind))
	}
}

// gap records that r could not be listed in ns ("" everywhere) and why.
func (s *scanner) gap(facts *inventory.Cluster, r resource, ns, why string) {
	s.mu.Lock()
	facts.Gaps = append(facts.Gaps, inventory.Gap{Kind: r.Kind, Namespace: ns})
	s.res.Errors = append(s.res.Errors, s.errorf("%s", why))
	s.mu.Unlock()
}

// pages lists r in ns ("" for all namespaces or a cluster-scoped kind) page by page and hands
// each item to each. Built-in kinds are read as protobuf into their typed lists, custom
// resources as JSON.
func (s *scanner) pages(ctx context.Context, r resource, ns string, each func(runtime.Object)) error {
	if s.cache != nil {
		items, err := s.cache.items(ctx, r, ns)
		if err != nil {
			return err
		}
		for _, it := range items {
			each(it)
		}
		if s.opts.Progress != nil {
			s.opts.Progress(r.Kind, len(items))
		}
		return nil
	}
	opts := metav1.ListOptions{Limit: s.opts.PageSize}
	read := 0
	for {
		var items []runtime.Object
		var next string
		if r.Typed {
			list, err := s.listTyped(ctx, r, ns, &opts)
			if err != nil {
				return err
			}
			if items, err = meta.ExtractList(list); err != nil {
				return fmt.Errorf("reading the items of a %s list: %w", r.Kind, err)
			}
			next = list.(metav1.ListInterface).GetContinue()
		} else {
			list, err := s.dynamic.Resource(r.GVR).Namespace(ns).List(ctx, opts)
			if err != nil {
				return err
			}
			for i := range list.Items {
				items = append(items, &list.Items[i])
			}
			next = list.GetContinue()
		}
		for _, it := range items {
			each(it)
		}
		read += len(items)
		if s.opts.Progress != nil {
			s.opts.Progress(r.Kind, read)
		}
		if next == "" {
			return nil
		}
		opts.Continue = next
	}
}

// listTyped requests one page of a built-in kind as protobuf.
func (s *scanner) listTyped(ctx context.Context, r resource, ns string, opts *metav1.ListOptions) (runtime.Object, error) {
	client, err := s.restClient(r.GVR.GroupVersion())
	if err != nil {
		return nil, err
	}
	list, err := newList(r)
	if err != nil {
		return nil, err
	}
	err = client.Get().
		NamespaceIfScoped(ns, ns != "").
		Resource(r.GVR.Resource).
		VersionedParams(opts, scheme.ParameterCodec).
		Do(ctx).
		Into(list)
	return list, err
}

// newList returns a new, empty typed list of r's kind.
func newList(r resource) (runtime.Object, error) {
	list, err := scheme.Scheme.New(r.GVR.GroupVersion().WithKind(r.Kind + "List"))
	if err != nil {
		return nil, fmt.Errorf("no list type for %s: %w", r.Kind, err)
	}
	return list, nil
}

// restClient returns the protobuf client of one group version, made once.
func (s *scanner) restClient(gv schema.GroupVersion) (rest.Interface, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c, ok := s.clients[gv]; ok {
		return c, nil
	}
	cfg := rest.CopyConfig(s.cfg)
	cfg.GroupVersion = &gv
	cfg.APIPath = "/apis"
	if gv.Group == "" {
		cfg.APIPath = "/api"
	}
	cfg.ContentType = runtime.ContentTypeProtobuf
	cfg.AcceptContentTypes = runtime.ContentTypeProtobuf + "," + runtime.ContentTypeJSON
	cfg.NegotiatedSerializer = scheme.Codecs.WithoutConversion()
	c, err := rest.RESTClientFor(cfg)
	if err != nil {
		return nil, fmt.Errorf("building a client for %s: %w", gv, err)
	}
	if s.clients == nil {
		s.clients = map[schema.GroupVersion]rest.Interface{}
	}
	s.clients[gv] = c
	return c, nil
}

func (s *scanner) deliverer(r resource) func(runtime.Object) {
	return func(o runtime.Object) { s.deliver(r, o) }
}

// deliver turns one listed item into an inventory object and hands it on, unless a scanned
// controller owns it: a Deployment's ReplicaSets and their pods are the Deployment's pods, and
// are reported once, on the Deployment.
func (s *scanner) deliver(r resource, item runtime.Object) {
	m, err := meta.Accessor(item)
	if err != nil {
		return
	}
	owned := false
	s.mu.Lock()
	if ref := metav1.GetControllerOfNoCopy(m); ref != nil && s.owners[ref.UID] {
		owned = true
	}
	if r.Kind != "Pod" && (slices.Contains(workloadKinds, r.Kind) || !r.Typed) {
		s.owners[m.GetUID()] = true // it may own pods or other workloads, scanned or not
	}
	if owned {
		s.res.Skipped++
		s.mu.Unlock()
		return
	}
	if pod, ok := item.(*corev1.Pod); ok {
		if c, node, ok := mirrorComponent(pod); ok {
			if s.mirrors == nil {
				s.mirrors = map[string][]*inventory.Component{}
			}
			s.mirrors[node] = append(s.mirrors[node], c)
		}
	}
	if s.cache == nil { // a Watcher's transform did this on the cached object
		m.SetManagedFields(nil) // never read, often the largest part of an object
	}
	gvk := r.GVR.GroupVersion().WithKind(r.Kind)
	o := &inventory.Object{
		GVK: gvk, Namespace: m.GetNamespace(), Name: m.GetName(), UID: string(m.GetUID()),
		Labels: m.GetLabels(), Annotations: m.GetAnnotations(),
		Origin: inventory.Origin{Cluster: s.opts.Context},
	}
	if u, ok := item.(*unstructured.Unstructured); ok {
		o.GVK = u.GroupVersionKind()
		o.Content = u.Object
		attachPodTemplate(o)
	} else {
		if s.cache == nil {
			item.GetObjectKind().SetGroupVersionKind(gvk)
		}
		o.Typed = item
	}
	s.res.Inventory.Add(o)
	s.res.Listed[r.Kind]++
	s.mu.Unlock()
	if s.opts.OnObject != nil {
		s.opts.OnObject(o)
	}
}

// attachPodTemplate finds the pod template of a custom resource and decodes it, so that pod
// rules check it like a Deployment's.
func attachPodTemplate(o *inventory.Object) {
	metaContent, specContent, metaPath, specPath, ok := inventory.FindPodTemplate(o.Content)
	if !ok {
		return
	}
	t := inventory.PodTemplate{Meta: &metav1.ObjectMeta{}, Spec: &corev1.PodSpec{}, MetaPath: metaPath, SpecPath: specPath}
	if metaContent != nil {
		if err := runtime.DefaultUnstructuredConverter.FromUnstructured(metaContent, t.Meta); err != nil {
			return
		}
	}
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(specContent, t.Spec); err != nil {
		return
	}
	_ = o.SetShapePod(t)
}

// resourceName is how kubectl names a resource: deployments.apps, pods.
func resourceName(r resource) string {
	if r.GVR.Group == "" {
		return r.GVR.Resource
	}
	return r.GVR.Resource + "." + r.GVR.Group
}

// namespaceList names namespaces for a message, at most five of them.
func namespaceList(ns []string) string {
	if len(ns) == 1 {
		return "namespace " + ns[0]
	}
	if len(ns) <= 5 {
		return "namespaces " + strings.Join(ns, ", ")
	}
	return fmt.Sprintf("namespaces %s and %d more", strings.Join(ns[:5], ", "), len(ns)-5)
}

// listError says why listing r in ns failed.
func listError(err error, r resource, ns string) string {
	where := "cluster-wide"
	if ns != "" {
		where = "in namespace " + ns
	} else if !r.Namespaced {
		where = "(cluster-scoped)"
	}
	if apierrors.IsForbidden(err) {
		return fmt.Sprintf("forbidden: cannot list %s %s: rules that read %s were not evaluated there (coverage gap)", resourceName(r), where, r.Kind)
	}
	return fmt.Sprintf("%s: rules that read %s were not evaluated there (coverage gap)", describe(err, "listing "+resourceName(r)+" "+where), r.Kind)
}
