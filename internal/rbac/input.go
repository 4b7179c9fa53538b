package rbac

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	coreclient "k8s.io/client-go/kubernetes/typed/core/v1"
	rbacclient "k8s.io/client-go/kubernetes/typed/rbac/v1"

	"palisade.dev/palisade/internal/inventory"
)

// AddInventory keeps a manifest's object when it is one of the four kinds, with the
// namespace the manifest loader gave it (a namespace a RoleBinding or Role only implies is
// the one it would be created in), and reports whether it was kept.
func (s *Objects) AddInventory(o *inventory.Object) bool {
	switch v := o.Typed.(type) {
	case *rbacv1.Role:
		if v.Namespace != o.Namespace {
			v = v.DeepCopy()
			v.Namespace = o.Namespace
		}
		return s.Add(v)
	case *rbacv1.RoleBinding:
		if v.Namespace != o.Namespace {
			v = v.DeepCopy()
			v.Namespace = o.Namespace
		}
		return s.Add(v)
	case *rbacv1.ClusterRole, *rbacv1.ClusterRoleBinding:
		return s.Add(o.Typed)
	}
	return false
}

// listPage is how many objects one list call asks for.
const listPage = 500

// List reads the four kinds from a live cluster, page by page; it only reads.
func List(ctx context.Context, client rbacclient.RbacV1Interface) (*Objects, error) {
	objs := &Objects{}
	var err error
	if objs.Roles, err = listAll(ctx, "roles", func(o metav1.ListOptions) ([]rbacv1.Role, string, error) {
		l, err := client.Roles("").List(ctx, o)
		return l.Items, l.Continue, err
	}); err != nil {
		return nil, err
	}
	if objs.ClusterRoles, err = listAll(ctx, "clusterroles", func(o metav1.ListOptions) ([]rbacv1.ClusterRole, string, error) {
		l, err := client.ClusterRoles().List(ctx, o)
		return l.Items, l.Continue, err
	}); err != nil {
		return nil, err
	}
	if objs.RoleBindings, err = listAll(ctx, "rolebindings", func(o metav1.ListOptions) ([]rbacv1.RoleBinding, string, error) {
		l, err := client.RoleBindings("").List(ctx, o)
		return l.Items, l.Continue, err
	}); err != nil {
		return nil, err
	}
	if objs.ClusterRoleBindings, err = listAll(ctx, "clusterrolebindings", func(o metav1.ListOptions) ([]rbacv1.ClusterRoleBinding, string, error) {
		l, err := client.ClusterRoleBindings().List(ctx, o)
		return l.Items, l.Continue, err
	}); err != nil {
		return nil, err
	}
	return objs, nil
}

// listAll calls list, page by page, until the server says there is no more. The typed
// clients return an empty list, never nil, with their error.
func listAll[T any](ctx context.Context, what string, list func(metav1.ListOptions) ([]T, string, error)) ([]*T, error) {
	var out []*T
	opts := metav1.ListOptions{Limit: listPage}
	for {
		items, next, err := list(opts)
		if err != nil {
			return nil, fmt.Errorf("listing %s: %w", what, err)
		}
		for i := range items {
			out = append(out, &items[i])
		}
		if next == "" {
			return out, nil
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		opts.Continue = next
	}
}

// ListSurroundings reads from a live cluster what escalation paths need besides the RBAC
// objects: its ServiceAccounts, its Namespaces' labels and the ServiceAccount each Pod runs as.
// It only reads.
func ListSurroundings(ctx context.Context, client coreclient.CoreV1Interface) (*Surroundings, error) {
	sur := &Surroundings{NamespaceLabels: map[string]map[string]string{}}
	sas, err := listAll(ctx, "serviceaccounts", func(o metav1.ListOptions) ([]corev1.ServiceAccount, string, error) {
		l, err := client.ServiceAccounts("").List(ctx, o)
		return l.Items, l.Continue, err
	})
	if err != nil {
		return nil, err
	}
	for _, sa := range sas {
		sur.ServiceAccounts = append(sur.ServiceAccounts, NamespacedName{sa.Namespace, sa.Name})
	}
	namespaces, err := listAll(ctx, "namespaces", func(o metav1.ListOptions) ([]corev1.Namespace, string, error) {
		l, err := client.Namespaces().List(ctx, o)
		return l.Items, l.Continue, err
	})
	if err != nil {
		return nil, err
	}
	for _, ns := range namespaces {
		sur.NamespaceLabels[ns.Name] = ns.Labels
	}
	pods, err := listAll(ctx, "pods", func(o metav1.ListOptions) ([]corev1.Pod, string, error) {
		l, err := client.Pods("").List(ctx, o)
		return l.Items, l.Continue, err
	})
	if err != nil {
		return nil, err
	}
	for _, p := range pods {
		sur.AddMounted(p.Namespace, inventory.ServiceAccountOf(&p.Spec))
	}
	return sur, nil
}
