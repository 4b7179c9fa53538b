package cli_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"

	"palisade.dev/palisade/internal/testapply"
	"palisade.dev/palisade/internal/testcluster"
)

// adminPolicyCRDs define AdminNetworkPolicy and BaselineAdminNetworkPolicy of
// policy.networking.k8s.io/v1alpha1 as a cluster whose network plugin implements them does.
// sigs.k8s.io/network-policy-api v0.3.0 carries the v1alpha1 Go types but ships definitions
// only for their successor, ClusterNetworkPolicy, so these are written here, with the spec
// left to the types the engine decodes it into. Groups under k8s.io need the approval
// annotation to be accepted.
func adminPolicyCRDs() string {
	var b strings.Builder
	for _, kind := range []string{"AdminNetworkPolicy", "BaselineAdminNetworkPolicy"} {
		plural := strings.TrimSuffix(strings.ToLower(kind), "y") + "ies"
		fmt.Fprintf(&b, `---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: %[2]s.policy.networking.k8s.io
  annotations: {api-approved.kubernetes.io: "https://github.com/kubernetes-sigs/network-policy-api/pull/30"}
spec:
  group: policy.networking.k8s.io
  scope: Cluster
  names: {plural: %[2]s, singular: %[3]s, kind: %[1]s, listKind: %[1]sList}
  versions:
  - name: v1alpha1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec: {type: object, x-kubernetes-preserve-unknown-fields: true}
`, kind, plural, strings.ToLower(kind))
	}
	return b.String()
}

// netpolAdminManifests are two namespaces (NSX, NSY; TOKEN marks them as this test's), an
// AdminNetworkPolicy that denies TCP 80 from NSX into NSY, and a baseline that denies NSY
// into NSX where no NetworkPolicy isolates.
const netpolAdminManifests = `
apiVersion: v1
kind: Namespace
metadata: {name: NSX, labels: {anp-test: TOKEN, tier: front}}
---
apiVersion: v1
kind: Namespace
metadata: {name: NSY, labels: {anp-test: TOKEN, tier: back}}
---
apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata: {name: anp-TOKEN}
spec:
  priority: 5
  subject: {namespaces: {matchLabels: {anp-test: TOKEN, tier: back}}}
  ingress:
  - name: no-web-from-front
    action: Deny
    from: [{namespaces: {matchLabels: {anp-test: TOKEN, tier: front}}}]
    ports: [{portNumber: {protocol: TCP, port: 80}}]
---
apiVersion: policy.networking.k8s.io/v1alpha1
kind: BaselineAdminNetworkPolicy
metadata: {name: default}
spec:
  subject: {namespaces: {matchLabels: {anp-test: TOKEN, tier: front}}}
  ingress:
  - action: Deny
    from: [{namespaces: {matchLabels: {anp-test: TOKEN, tier: back}}}]
`

// TestNetpolReadsAdminPoliciesFromACluster lists AdminNetworkPolicies and the baseline as
// palisade netpol --kubeconfig does: a cluster without their definitions is read without an
// error, an identity that may not list them is told so (a coverage gap), and once it may, the
// connections equal those of the manifests.
func TestNetpolReadsAdminPoliciesFromACluster(t *testing.T) {
	c := testCluster.Require(t)
	ctx := context.Background()
	// The token is a label value too: a leading letter keeps YAML from reading it as a number.
	token := fmt.Sprintf("t%06x", rand.Uint32()&0xffffff)
	namespaces := []string{"anp-x-" + token, "anp-y-" + token}
	auditor := []string{"--kubeconfig", c.Kubeconfig(), "--context", testcluster.Auditor}
	dir := t.TempDir()
	write := func(name, text string) string {
		file := filepath.Join(dir, name)
		if err := os.WriteFile(file, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return file
	}
	apply := func(file string) {
		applied, err := testapply.Apply(ctx, c.Config(testcluster.Admin), []string{file}, 4)
		if err != nil || len(applied.Rejected) > 0 {
			t.Fatalf("applying %s: %v %v", filepath.Base(file), err, applied.Rejected)
		}
	}
	disc := c.Client(testcluster.Admin).Discovery()
	if _, err := disc.ServerResourcesForGroupVersion("policy.networking.k8s.io/v1alpha1"); err == nil {
		t.Fatal("the cluster defines the admin network policies before the test installs them")
	}
	if code, _, errOut := runWithStdin(t, "", append([]string{"netpol", "-o", "json"}, auditor...)...); code != 0 || strings.Contains(errOut, "AdminNetworkPolicy") {
		t.Fatalf("without the definitions: exit %d, stderr %q; want 0 and nothing about AdminNetworkPolicies", code, errOut)
	}

	apply(write("crds.yaml", adminPolicyCRDs()))
	// Other tests share the cluster: they must find it as this test did, without the
	// definitions and without the grant, whether this test passes or not.
	t.Cleanup(func() { removeAdminPolicyDefinitions(t, c) })
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		if _, err := disc.ServerResourcesForGroupVersion("policy.networking.k8s.io/v1alpha1"); err == nil {
			break
		} else if time.Now().After(deadline) {
			t.Fatalf("the definitions are not served: %v", err)
		}
	}
	text := strings.NewReplacer("NSX", namespaces[0], "NSY", namespaces[1], "TOKEN", token).Replace(netpolAdminManifests)
	for _, ns := range namespaces {
		text += netpolClusterWorkloads(ns)
	}
	file := write("netpol.yaml", text)
	apply(file)
	dyn := dynamic.NewForConfigOrDie(c.Config(testcluster.Admin))
	t.Cleanup(func() {
		for _, o := range [][2]string{{"adminnetworkpolicies", "anp-" + token}, {"baselineadminnetworkpolicies", "default"}} {
			gvr := schema.GroupVersionResource{Group: "policy.networking.k8s.io", Version: "v1alpha1", Resource: o[0]}
			if err := dyn.Resource(gvr).Delete(ctx, o[1], metav1.DeleteOptions{}); err != nil {
				t.Errorf("deleting %s %s: %v", o[0], o[1], err)
			}
		}
	})

	code, _, errOut := runWithStdin(t, "", append([]string{"netpol", "-o", "json"}, auditor...)...)
	if code != 2 || !strings.Contains(errOut, "forbidden: cannot list adminnetworkpolicies") || !strings.Contains(errOut, "coverage gap") {
		t.Fatalf("an identity that may not list AdminNetworkPolicies: exit %d, stderr %q; want 2 and the coverage gap", code, errOut)
	}
	grantAdminPolicyReading(t, c)

	fromFiles := netpolConnections(t, namespaces, "-f", file)
	fromCluster := netpolConnections(t, namespaces, auditor...)
	x, y := namespaces[0]+"/Pod/a", namespaces[1]+"/Pod/a"
	tests := []struct {
		name string
		line string
		want bool
	}{
		{"the AdminNetworkPolicy takes TCP 80 out of what the front reaches", x + " => " + y + " : TCP 1-79,81-65535; UDP 1-65535; SCTP 1-65535", true},
		{"the baseline denies the back into the front", y + " => " + x, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			found := slices.ContainsFunc(fromFiles, func(l string) bool { return strings.HasPrefix(l, tt.line) })
			if found != tt.want {
				t.Errorf("a line %q: %v, want %v, in:\n%s", tt.line, found, tt.want, strings.Join(fromFiles, "\n"))
			}
		})
	}
	if !slices.Equal(fromFiles, fromCluster) {
		t.Errorf("manifests:\n%s\ncluster:\n%s", strings.Join(fromFiles, "\n"), strings.Join(fromCluster, "\n"))
	}
}

// removeAdminPolicyDefinitions deletes the definitions adminPolicyCRDs installed and the grant
// grantAdminPolicyReading made, and waits until discovery no longer serves the group.
func removeAdminPolicyDefinitions(t *testing.T, c *testcluster.Cluster) {
	t.Helper()
	ctx := context.Background()
	admin := c.Client(testcluster.Admin)
	for _, err := range []error{
		admin.RbacV1().ClusterRoleBindings().Delete(ctx, "read-admin-network-policies", metav1.DeleteOptions{}),
		admin.RbacV1().ClusterRoles().Delete(ctx, "read-admin-network-policies", metav1.DeleteOptions{}),
	} {
		if err != nil && !apierrors.IsNotFound(err) {
			t.Errorf("removing the grant: %v", err)
		}
	}
	crds := dynamic.NewForConfigOrDie(c.Config(testcluster.Admin)).Resource(schema.GroupVersionResource{Group: "apiextensions.k8s.io", Version: "v1", Resource: "customresourcedefinitions"})
	for _, plural := range []string{"adminnetworkpolicies", "baselineadminnetworkpolicies"} {
		if err := crds.Delete(ctx, plural+".policy.networking.k8s.io", metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) {
			t.Errorf("deleting the definition of %s: %v", plural, err)
		}
	}
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		if _, err := admin.Discovery().ServerResourcesForGroupVersion("policy.networking.k8s.io/v1alpha1"); err != nil {
			return
		}
		if time.Now().After(deadline) {
			t.Errorf("the cluster still serves policy.networking.k8s.io/v1alpha1 30 s after its definitions were deleted")
			return
		}
	}
}

// grantAdminPolicyReading lets the auditor read the admin network policies, as an operator
// would grant a scanner.
func grantAdminPolicyReading(t *testing.T, c *testcluster.Cluster) {
	t.Helper()
	ctx := context.Background()
	admin := c.Client(testcluster.Admin)
	role := &rbacv1.ClusterRole{
		ObjectMeta: metav1.ObjectMeta{Name: "read-admin-network-policies"},
		Rules:      []rbacv1.PolicyRule{{Verbs: []string{"get", "list", "watch"}, APIGroups: []string{"policy.networking.k8s.io"}, Resources: []string{"*"}}},
	}
	if _, err := admin.RbacV1().ClusterRoles().Create(ctx, role, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatal(err)
	}
	binding := &rbacv1.ClusterRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: "read-admin-network-policies"},
		RoleRef:    rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "ClusterRole", Name: role.Name},
		Subjects:   []rbacv1.Subject{{Kind: "User", Name: testcluster.Auditor}},
	}
	if _, err := admin.RbacV1().ClusterRoleBindings().Create(ctx, binding, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatal(err)
	}
	// Authorization follows the binding within moments.
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		code, _, errOut := runWithStdin(t, "", "netpol", "-o", "json", "--kubeconfig", c.Kubeconfig(), "--context", testcluster.Auditor)
		if code == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the auditor still may not read the admin network policies: %s", errOut)
		}
	}
}
