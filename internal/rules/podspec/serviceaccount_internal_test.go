package podspec

import (
	"cmp"
	"fmt"
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"palisade.dev/palisade/internal/inventory"
)

// boundAccountOneByOne is what boundAccount answers, read from every binding for each account
// asked about: the reference its index is held to.
func boundAccountOneByOne(inv *inventory.Inventory, namespace, name string) bool {
	grants := func(subjects []rbacv1.Subject, bindingNS string) bool {
		for _, s := range subjects {
			switch {
			case s.Kind == rbacv1.ServiceAccountKind && s.Name == name && cmp.Or(s.Namespace, bindingNS) == namespace:
				return true
			case s.Kind == rbacv1.GroupKind && (s.Name == "system:serviceaccounts" || s.Name == "system:serviceaccounts:"+namespace):
				return true
			}
		}
		return false
	}
	for _, o := range inv.ByKind("RoleBinding") {
		if o.Typed == nil && o.Namespace == namespace {
			return true
		}
		if rb, ok := o.Typed.(*rbacv1.RoleBinding); ok && rb.Namespace == namespace && grants(rb.Subjects, rb.Namespace) {
			return true
		}
	}
	for _, o := range inv.ByKind("ClusterRoleBinding") {
		if o.Typed == nil {
			return true
		}
		if crb, ok := o.Typed.(*rbacv1.ClusterRoleBinding); ok && grants(crb.Subjects, "") {
			return true
		}
	}
	return false
}

// TestBoundAccountReadsEveryBindingOnce pins which accounts the bindings grant, case by case,
// and holds the index boundAccount reads to reading every binding for every account asked
// about.
func TestBoundAccountReadsEveryBindingOnce(t *testing.T) {
	sa := func(ns, name string) rbacv1.Subject {
		return rbacv1.Subject{Kind: rbacv1.ServiceAccountKind, Namespace: ns, Name: name}
	}
	group := func(name string) rbacv1.Subject { return rbacv1.Subject{Kind: rbacv1.GroupKind, Name: name} }
	user := func(name string) rbacv1.Subject { return rbacv1.Subject{Kind: rbacv1.UserKind, Name: name} }
	rb := func(ns string, subjects ...rbacv1.Subject) *inventory.Object {
		o := &inventory.Object{Namespace: ns, Name: "rb", Typed: &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Namespace: ns}, Subjects: subjects}}
		o.GVK.Kind = "RoleBinding"
		return o
	}
	crb := func(subjects ...rbacv1.Subject) *inventory.Object {
		o := &inventory.Object{Name: "crb", Typed: &rbacv1.ClusterRoleBinding{Subjects: subjects}}
		o.GVK.Kind = "ClusterRoleBinding"
		return o
	}
	released := func(o *inventory.Object) *inventory.Object { o.Typed = nil; return o }
	type account struct{ ns, name string }
	accounts := []account{{"shop", "web"}, {"shop", "db"}, {"ops", "web"}, {"ops", "agent"}, {"", "web"}}

	tests := []struct {
		name     string
		bindings []*inventory.Object
		granted  []account
	}{
		{"no binding grants nothing", nil, nil},
		{"a RoleBinding grants its own namespace's account by name", []*inventory.Object{rb("shop", sa("", "web"))}, []account{{"shop", "web"}}},
		{"a RoleBinding naming its namespace grants the same account", []*inventory.Object{rb("shop", sa("shop", "web"))}, []account{{"shop", "web"}}},
		{"a RoleBinding does not reach another namespace's account", []*inventory.Object{rb("shop", sa("ops", "web"))}, nil},
		{"a RoleBinding to the group of every account grants its namespace's", []*inventory.Object{rb("shop", group("system:serviceaccounts"))}, []account{{"shop", "web"}, {"shop", "db"}}},
		{"a RoleBinding to its namespace's group grants its namespace's accounts", []*inventory.Object{rb("shop", group("system:serviceaccounts:shop"))}, []account{{"shop", "web"}, {"shop", "db"}}},
		{"a RoleBinding to another namespace's group grants nothing", []*inventory.Object{rb("shop", group("system:serviceaccounts:ops"))}, nil},
		{"a released RoleBinding is taken to grant its namespace's accounts", []*inventory.Object{released(rb("ops"))}, []account{{"ops", "web"}, {"ops", "agent"}}},
		{"users and other groups grant no account", []*inventory.Object{rb("shop", user("web"), group("system:authenticated")), crb(user("system:serviceaccount:shop:web"))}, nil},
		{"a ClusterRoleBinding grants the account it names", []*inventory.Object{crb(sa("ops", "agent"))}, []account{{"ops", "agent"}}},
		{"a ClusterRoleBinding's account without a namespace is no namespace's", []*inventory.Object{crb(sa("", "web"))}, []account{{"", "web"}}},
		{"a ClusterRoleBinding to the group of every account grants every account", []*inventory.Object{crb(group("system:serviceaccounts"))}, accounts},
		{"a ClusterRoleBinding to a namespace's group grants that namespace's accounts", []*inventory.Object{crb(group("system:serviceaccounts:ops"))}, []account{{"ops", "web"}, {"ops", "agent"}}},
		{"a released ClusterRoleBinding is taken to grant every account", []*inventory.Object{released(crb())}, accounts},
		{"grants add up", []*inventory.Object{rb("shop", sa("", "db")), crb(sa("ops", "web"))}, []account{{"shop", "db"}, {"ops", "web"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			inv := inventory.New()
			for _, o := range tc.bindings {
				inv.Add(o)
			}
			want := map[account]bool{}
			for _, a := range tc.granted {
				want[a] = true
			}
			for _, a := range accounts {
				got, ref := boundAccount(inv, a.ns, a.name), boundAccountOneByOne(inv, a.ns, a.name)
				if got != want[a] || got != ref {
					t.Errorf("account %s/%s: granted %v, want %v (reading every binding: %v)", a.ns, a.name, got, want[a], ref)
				}
			}
		})
	}
}

// BenchmarkBoundAccount asks about an account of each namespace of a large input: the index is
// read in constant time, where reading every binding for each account grows with the product
// of accounts and bindings (one-by-one, the reference).
func BenchmarkBoundAccount(b *testing.B) {
	inv := inventory.New()
	const namespaces, perNS = 500, 20
	for n := range namespaces {
		ns := fmt.Sprintf("ns-%d", n)
		for i := range perNS {
			o := &inventory.Object{Namespace: ns, Name: fmt.Sprintf("rb-%d", i), Typed: &rbacv1.RoleBinding{
				ObjectMeta: metav1.ObjectMeta{Namespace: ns},
				Subjects:   []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: fmt.Sprintf("sa-%d", i)}},
			}}
			o.GVK.Kind = "RoleBinding"
			inv.Add(o)
		}
	}
	for _, way := range []struct {
		name  string
		bound func(*inventory.Inventory, string, string) bool
	}{{"indexed", boundAccount}, {"one-by-one", boundAccountOneByOne}} {
		b.Run(way.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				for n := range namespaces {
					way.bound(inv, fmt.Sprintf("ns-%d", n), "sa-7")
				}
			}
		})
	}
}
