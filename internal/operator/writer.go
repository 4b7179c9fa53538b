package operator

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/metadata"

	"palisade.dev/palisade/internal/report"
)

// FieldManager is the one field manager of every report the operator writes.
const FieldManager = "palisade-operator"

// managedBy selects the reports Palisade writes (report.PolicyReportObjects labels them).
const managedBy = "app.kubernetes.io/managed-by=palisade"

// writeParallel is how many reports are written at once.
const writeParallel = 4

// reportKey names one report in the cluster.
type reportKey struct {
	kind, namespace, name string
}

// writer keeps the cluster's policy reports equal to the last evaluation's: it applies the
// reports whose content changed, by server-side apply with one field manager, and deletes
// the reports of namespaces that no longer have results.
type writer struct {
	dyn       dynamic.Interface
	meta      metadata.Interface
	discovery discovery.DiscoveryInterface
	api       report.ReportAPI
	metrics   *Metrics
	// written holds the digest of each report in the cluster, as far as the writer knows;
	// listed is false until the reports already there (of an earlier leader) were listed.
	written map[reportKey]string
	listed  bool
}

// ErrReportAPIMissing is the cause of a write when the cluster does not serve the policy
// report API: its CustomResourceDefinitions are not installed.
var ErrReportAPIMissing = errors.New("the cluster does not serve the policy report API")

// resources are the namespaced and cluster report resources of the writer's API.
func (w *writer) resources() (apiVersion string, namespaced, cluster schema.GroupVersionResource) {
	if w.api == report.OpenReportsAPI {
		gv := schema.GroupVersion{Group: "openreports.io", Version: "v1alpha1"}
		return gv.String(), gv.WithResource("reports"), gv.WithResource("clusterreports")
	}
	gv := schema.GroupVersion{Group: "wgpolicyk8s.io", Version: "v1alpha2"}
	return gv.String(), gv.WithResource("policyreports"), gv.WithResource("clusterpolicyreports")
}

func (w *writer) resource(kind string) schema.GroupVersionResource {
	_, namespaced, cluster := w.resources()
	if strings.HasPrefix(kind, "Cluster") {
		return cluster
	}
	return namespaced
}

// served says whether the cluster serves both report resources; when it does not, the error
// says which CustomResourceDefinitions to install.
func (w *writer) served() error {
	apiVersion, namespaced, cluster := w.resources()
	list, err := w.discovery.ServerResourcesForGroupVersion(apiVersion)
	if err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("asking whether the cluster serves %s: %w", apiVersion, err)
	}
	have := map[string]bool{}
	if list != nil {
		for _, r := range list.APIResources {
			have[r.Name] = true
		}
	}
	for _, r := range []schema.GroupVersionResource{namespaced, cluster} {
		if !have[r.Resource] {
			return fmt.Errorf("%w: %s is not served; install the CustomResourceDefinition %s.%s (deploy/operator/crds)", ErrReportAPIMissing, r.GroupResource(), r.Resource, r.Group)
		}
	}
	return nil
}

// sync writes the reports of set that changed, and deletes the other reports Palisade
// wrote. It returns every error, joined; what failed is tried again on the next sync.
func (w *writer) sync(ctx context.Context, set *report.PolicyReportSet) error {
	if err := w.served(); err != nil {
		return err
	}
	if !w.listed {
		if err := w.listExisting(ctx); err != nil {
			w.metrics.writeErrors.WithLabelValues("list").Inc()
			return err
		}
		w.listed = true
	}
	var (
		mu   sync.Mutex
		errs []error
		wg   sync.WaitGroup
	)
	// The API server takes most of a write's time (a namespace's report is often hundreds of
	// kilobytes): several at once.
	sem := make(chan struct{}, writeParallel)
	want := make(map[reportKey]bool, len(set.Objects))
	var changed []int
	for i, o := range set.Objects {
		key := reportKey{o.Kind, o.Namespace, o.Name}
		want[key] = true
		if d, ok := w.written[key]; !ok || d != o.Digest {
			changed = append(changed, i)
		}
	}
	for _, i := range changed {
		o := set.Objects[i]
		key := reportKey{o.Kind, o.Namespace, o.Name}
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			_, err := w.dyn.Resource(w.resource(o.Kind)).Namespace(o.Namespace).Patch(ctx, o.Name, types.ApplyPatchType, set.YAML(i),
				metav1.PatchOptions{FieldManager: FieldManager, Force: new(true)})
			mu.Lock()
			defer mu.Unlock()
			if apierrors.HasStatusCause(err, corev1.NamespaceTerminatingCause) {
				// The namespace is being deleted, its report with it: nothing to write.
				delete(w.written, key)
				return
			}
			if err != nil {
				w.metrics.writeErrors.WithLabelValues("apply").Inc()
				delete(w.written, key)
				errs = append(errs, fmt.Errorf("applying %s %s: %w", o.Kind, path(key), err))
				return
			}
			w.metrics.writes.WithLabelValues("apply").Inc()
			w.written[key] = o.Digest
		})
	}
	wg.Wait()
	for key := range w.written {
		if want[key] {
			continue
		}
		err := w.dyn.Resource(w.resource(key.kind)).Namespace(key.namespace).Delete(ctx, key.name, metav1.DeleteOptions{})
		if err != nil && !apierrors.IsNotFound(err) {
			w.metrics.writeErrors.WithLabelValues("delete").Inc()
			errs = append(errs, fmt.Errorf("deleting %s %s: %w", key.kind, path(key), err))
			continue
		}
		w.metrics.writes.WithLabelValues("delete").Inc()
		delete(w.written, key)
	}
	return errors.Join(errs...)
}

// listExisting records the reports Palisade wrote before (an earlier leader's) with the
// digest each carries, reading their metadata alone: on the first sync, only those whose
// content changed are written again, and those of namespaces with nothing left are deleted.
func (w *writer) listExisting(ctx context.Context) error {
	_, namespaced, cluster := w.resources()
	kinds := map[schema.GroupVersionResource]string{namespaced: "PolicyReport", cluster: "ClusterPolicyReport"}
	if w.api == report.OpenReportsAPI {
		kinds = map[schema.GroupVersionResource]string{namespaced: "Report", cluster: "ClusterReport"}
	}
	w.written = map[reportKey]string{}
	for gvr, kind := range kinds {
		list, err := w.meta.Resource(gvr).List(ctx, metav1.ListOptions{LabelSelector: managedBy})
		if err != nil {
			return fmt.Errorf("listing the %s Palisade wrote: %w", gvr.GroupResource(), err)
		}
		for _, it := range list.Items {
			w.written[reportKey{kind, it.Namespace, it.Name}] = it.Annotations[report.DigestAnnotation]
		}
	}
	return nil
}

func path(k reportKey) string {
	if k.namespace == "" {
		return k.name
	}
	return k.namespace + "/" + k.name
}

// ReportResources are the resources the operator writes, of every report API: what its role
// must let it list, create, patch and delete, and nothing else.
func ReportResources() []schema.GroupVersionResource {
	var out []schema.GroupVersionResource
	for _, api := range report.ReportAPIs() {
		_, namespaced, cluster := (&writer{api: api}).resources()
		out = append(out, namespaced, cluster)
	}
	return out
}

// ReportVerbs are what the operator does with its reports: list those there when it starts
// leading, apply (create, patch) and delete.
var ReportVerbs = []string{"list", "create", "patch", "delete"}
