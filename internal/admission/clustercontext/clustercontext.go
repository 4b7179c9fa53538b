// Package clustercontext owns the webhook's view of the cluster: the namespaces, service
// accounts and limit ranges that admission rules read, kept by client-go shared informers so
// that no review asks the API server anything. It needs list and watch on those three
// resources and nothing else (Rules); it judges nothing.
package clustercontext

import (
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	listersv1 "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
)

// Rules are the RBAC rules the informers need, for the webhook's ClusterRole: list and watch
// of namespaces, serviceaccounts and limitranges, cluster-wide; no get, no write, no secrets.
func Rules() []rbacv1.PolicyRule {
	return []rbacv1.PolicyRule{{
		APIGroups: []string{""},
		Resources: []string{"namespaces", "serviceaccounts", "limitranges"},
		Verbs:     []string{"list", "watch"},
	}}
}

// Informers is the cluster context of admission.Engine, read from shared informers' caches.
type Informers struct {
	factory    informers.SharedInformerFactory
	namespaces listersv1.NamespaceLister
	accounts   listersv1.ServiceAccountLister
	limits     listersv1.LimitRangeLister
	synced     []cache.InformerSynced
}

// New prepares the informers over client; resync 0 relies on watches alone. Start runs them.
func New(client kubernetes.Interface, resync time.Duration) (*Informers, error) {
	f := informers.NewSharedInformerFactory(client, resync)
	ns, sa, lr := f.Core().V1().Namespaces(), f.Core().V1().ServiceAccounts(), f.Core().V1().LimitRanges()
	// The caches keep only what rules read: a ServiceAccount's token setting, not its secrets
	// list; no object keeps its managed fields.
	if err := sa.Informer().SetTransform(trimServiceAccount); err != nil {
		return nil, fmt.Errorf("preparing the service account informer: %w", err)
	}
	for _, inf := range []cache.SharedIndexInformer{ns.Informer(), lr.Informer()} {
		if err := inf.SetTransform(trimManagedFields); err != nil {
			return nil, fmt.Errorf("preparing an informer: %w", err)
		}
	}
	return &Informers{
		factory:    f,
		namespaces: ns.Lister(),
		accounts:   sa.Lister(),
		limits:     lr.Lister(),
		synced:     []cache.InformerSynced{ns.Informer().HasSynced, sa.Informer().HasSynced, lr.Informer().HasSynced},
	}, nil
}

func trimManagedFields(obj any) (any, error) {
	if m, ok := obj.(metav1.Object); ok {
		m.SetManagedFields(nil)
	}
	return obj, nil
}

func trimServiceAccount(obj any) (any, error) {
	if sa, ok := obj.(*corev1.ServiceAccount); ok {
		sa.Secrets, sa.ImagePullSecrets, sa.ManagedFields = nil, nil, nil
	}
	return obj, nil
}

// Start runs the informers until ctx ends.
func (c *Informers) Start(ctx context.Context) { c.factory.Start(ctx.Done()) }

// WaitForSync blocks until every cache has synced or ctx ends, and reports which.
func (c *Informers) WaitForSync(ctx context.Context) bool {
	return cache.WaitForCacheSync(ctx.Done(), c.synced...)
}

// Synced reports whether every cache has synced.
func (c *Informers) Synced() bool {
	for _, s := range c.synced {
		if !s() {
			return false
		}
	}
	return true
}

// Namespace returns the namespace of that name.
func (c *Informers) Namespace(name string) (*corev1.Namespace, bool) {
	ns, err := c.namespaces.Get(name)
	return ns, err == nil
}

// ServiceAccount returns the service account.
func (c *Informers) ServiceAccount(namespace, name string) (*corev1.ServiceAccount, bool) {
	sa, err := c.accounts.ServiceAccounts(namespace).Get(name)
	return sa, err == nil
}

// LimitRanges returns the namespace's limit ranges.
func (c *Informers) LimitRanges(namespace string) []*corev1.LimitRange {
	lrs, err := c.limits.LimitRanges(namespace).List(labels.Everything())
	if err != nil {
		return nil
	}
	return lrs
}
