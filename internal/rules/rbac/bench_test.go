package rbac_test

import (
	"fmt"
	"strings"
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"palisade.dev/palisade/internal/inventory"
	"palisade.dev/palisade/internal/rules"
	"palisade.dev/palisade/internal/testrules"
)

// rbacInventory builds a cluster-sized RBAC inventory: n bindings, half ClusterRoleBindings and
// half RoleBindings, each with three subjects, bound to one of 200 ClusterRoles (a fifth of
// them aggregated from labelled ones, one in fifty granting everything) or to a Role of its
// namespace; one binding in ten names a role that does not exist.
func rbacInventory(n int) *inventory.Inventory {
	inv := inventory.New()
	gvk := func(kind string) schema.GroupVersionKind {
		return schema.GroupVersionKind{Group: "rbac.authorization.k8s.io", Version: "v1", Kind: kind}
	}
	const roles = 200
	for i := range roles {
		cr := &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("role-%d", i), Labels: map[string]string{"tier": fmt.Sprint(i % 10)}}}
		switch {
		case i%5 == 0:
			cr.AggregationRule = &rbacv1.AggregationRule{ClusterRoleSelectors: []metav1.LabelSelector{{MatchLabels: map[string]string{"tier": fmt.Sprint(i%10 + 1)}}}}
		case i%50 == 1:
			cr.Rules = []rbacv1.PolicyRule{{APIGroups: []string{"*"}, Resources: []string{"*"}, Verbs: []string{"*"}}}
		default:
			cr.Rules = []rbacv1.PolicyRule{
				{APIGroups: []string{""}, Resources: []string{"pods", "services"}, Verbs: []string{"get", "list", "watch"}},
				{APIGroups: []string{"apps"}, Resources: []string{"deployments"}, Verbs: []string{"*"}},
			}
		}
		inv.Add(&inventory.Object{GVK: gvk("ClusterRole"), Name: cr.Name, Labels: cr.Labels, Typed: cr})
	}
	for i := range n {
		ns := fmt.Sprintf("ns-%d", i%100)
		subjects := []rbacv1.Subject{
			{Kind: rbacv1.UserKind, Name: fmt.Sprintf("user-%d", i)},
			{Kind: rbacv1.GroupKind, Name: "system:masters"},
			{Kind: rbacv1.ServiceAccountKind, Name: "sa", Namespace: ns},
		}
		ref := rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: fmt.Sprintf("role-%d", i%roles)}
		switch {
		case i%10 == 9:
			ref.Name = fmt.Sprintf("gone-%d", i)
		case i%97 == 0:
			ref.Name = "cluster-admin"
		}
		if i%2 == 0 {
			b := &rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("crb-%d", i)}, RoleRef: ref, Subjects: subjects}
			inv.Add(&inventory.Object{GVK: gvk("ClusterRoleBinding"), Name: b.Name, Typed: b})
			continue
		}
		if i%3 == 0 {
			role := &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("r-%d", i), Namespace: ns},
				Rules: []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"configmaps"}, Verbs: []string{"get"}}}}
			inv.Add(&inventory.Object{GVK: gvk("Role"), Namespace: ns, Name: role.Name, Typed: role})
			ref = rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: role.Name}
		}
		b := &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("rb-%d", i), Namespace: ns}, RoleRef: ref, Subjects: subjects}
		inv.Add(&inventory.Object{GVK: gvk("RoleBinding"), Namespace: ns, Name: b.Name, Typed: b})
	}
	return inv
}

// BenchmarkRBACRules measures the rbac rules over 10,000 and 50,000 bindings, as a live
// cluster's (the controller has aggregated the ClusterRoles) and as manifests (aggregation
// computed for every binding to an aggregated role).
func BenchmarkRBACRules(b *testing.B) {
	for _, n := range []int{10000, 50000} {
		b.Run(fmt.Sprintf("bindings=%d", n), func(b *testing.B) { benchmarkRBACRules(b, n) })
	}
}

func benchmarkRBACRules(b *testing.B, n int) {
	catalog := testrules.Builtin(b)
	inv := rbacInventory(n)
	selected := func(r *rules.Rule) bool { return strings.HasPrefix(r.ID, "rbac/") }
	for _, mode := range []struct {
		name string
		opts *rules.Options
	}{
		{"live", &rules.Options{PSSVersion: "latest"}},
		{"manifests", &rules.Options{PSSVersion: "latest", FromManifests: true}},
	} {
		b.Run(mode.name, func(b *testing.B) {
			findings := len(catalog.Evaluate(inv, mode.opts, selected))
			b.ReportAllocs()
			for b.Loop() {
				catalog.Evaluate(inv, mode.opts, selected)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/binding")
			b.ReportMetric(float64(findings), "findings")
		})
	}
}
