package clustercontext_test

import (
	"context"
	"os"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"palisade.dev/palisade/internal/admission"
	"palisade.dev/palisade/internal/admission/clustercontext"
	"palisade.dev/palisade/internal/testcluster"
)

var cluster = testcluster.Shared{}

func TestMain(m *testing.M) { os.Exit(cluster.Main(m)) }

var _ admission.ClusterContext = (*clustercontext.Informers)(nil)

// TestInformersSeeTheClusterWithLeastPrivilege pins that the informers work with Rules alone
// (list and watch of namespaces, serviceaccounts and limitranges), report Synced once their
// caches are, and follow what is created afterwards.
func TestInformersSeeTheClusterWithLeastPrivilege(t *testing.T) {
	c := cluster.Require(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	admin := c.Client(testcluster.Admin)
	ns := c.NewNamespace(t)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	_, err := admin.RbacV1().ClusterRoles().Create(ctx, &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: "palisade-webhook-test"}, Rules: clustercontext.Rules()}, metav1.CreateOptions{})
	must(err)
	_, err = admin.RbacV1().ClusterRoleBindings().Create(ctx, &rbacv1.ClusterRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: "palisade-webhook-test"},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "palisade-webhook-test"},
		Subjects:   []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: testcluster.User}},
	}, metav1.CreateOptions{})
	must(err)
	no := false
	_, err = admin.CoreV1().ServiceAccounts(ns).Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "app"}, AutomountServiceAccountToken: &no,
		Secrets: []corev1.ObjectReference{{Name: "legacy-token"}}}, metav1.CreateOptions{})
	must(err)

	inf, err := clustercontext.New(c.Client(testcluster.User), 0)
	must(err)
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	inf.Start(runCtx)
	// RBAC may take a moment to reach the authorizer's cache: the informers retry.
	if !inf.WaitForSync(ctx) || !inf.Synced() {
		t.Fatal("the informers did not sync with list and watch of the three resources")
	}
	if got, ok := inf.Namespace(ns); !ok || got.Name != ns {
		t.Errorf("namespace %s not found", ns)
	}
	sa, ok := inf.ServiceAccount(ns, "app")
	if !ok || sa.AutomountServiceAccountToken == nil || *sa.AutomountServiceAccountToken {
		t.Fatalf("service account: %v %+v", ok, sa)
	}
	if len(sa.Secrets) > 0 {
		t.Error("the cache keeps the service account's secret references, which no rule reads")
	}
	if _, ok := inf.ServiceAccount(ns, "absent"); ok {
		t.Error("an absent service account was found")
	}

	_, err = admin.CoreV1().LimitRanges(ns).Create(ctx, &corev1.LimitRange{ObjectMeta: metav1.ObjectMeta{Name: "defaults"},
		Spec: corev1.LimitRangeSpec{Limits: []corev1.LimitRangeItem{{Type: corev1.LimitTypeContainer,
			Default: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("500m")}}}}}, metav1.CreateOptions{})
	must(err)
	deadline := time.Now().Add(30 * time.Second)
	for len(inf.LimitRanges(ns)) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("a LimitRange created after the sync never reached the cache")
		}
		time.Sleep(50 * time.Millisecond)
	}
}
