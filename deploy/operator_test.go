package deploy_test

import (
	"bytes"
	"context"
	"slices"
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"

	"palisade.dev/palisade/internal/cli"
	"palisade.dev/palisade/internal/operator"
	"palisade.dev/palisade/internal/rules/builtin"
	"palisade.dev/palisade/internal/scan"
	"palisade.dev/palisade/internal/source/cluster"
	"palisade.dev/palisade/internal/source/manifest"
)

func TestOperatorManifestsScanCleanUnderTheStrictestProfile(t *testing.T) {
	var out, errOut bytes.Buffer
	code := cli.Execute(context.Background(), []string{"scan", "operator", "--fail-on", "info", "--no-annotation-exemptions"},
		cli.Streams{In: &bytes.Buffer{}, Out: &out, Err: &errOut})
	if code != 0 {
		t.Errorf("palisade scan deploy/operator exited %d:\n%s%s", code, out.String(), errOut.String())
	}
}

// TestOperatorRolesGrantExactlyWhatItReadsAndWrites holds deploy/operator's roles to list and
// watch of the kinds the catalog's rules read (and of the CRDs, for custom resources that run
// pods), to writing its policy reports and to its Lease: a rule that reads a new kind must
// come with a grant, and a grant nothing needs is privilege to take away. The operator tests
// run the operator with these roles on a real cluster.
func TestOperatorRolesGrantExactlyWhatItReadsAndWrites(t *testing.T) {
	loaded := manifest.Load(context.Background(), []string{"operator/rbac.yaml"}, manifest.Options{})
	if len(loaded.Errors) > 0 {
		t.Fatal(loaded.Errors)
	}
	clusterRole := loaded.Inventory.Get("ClusterRole", "", "palisade-operator")
	role := loaded.Inventory.Get("Role", "palisade-operator", "palisade-operator-leader-election")
	if clusterRole == nil || role == nil {
		t.Fatal("operator/rbac.yaml lacks its ClusterRole or its Role")
	}
	catalog, err := builtin.Catalog()
	if err != nil {
		t.Fatal(err)
	}
	kinds, _ := scan.ClusterKinds(catalog.All())
	want := []string{"list apiextensions.k8s.io/customresourcedefinitions", "watch apiextensions.k8s.io/customresourcedefinitions"}
	for _, k := range kinds {
		gvr, ok := cluster.Resource(k)
		if !ok {
			t.Fatalf("no resource for %s", k)
		}
		want = append(want, "list "+gvr.Group+"/"+gvr.Resource, "watch "+gvr.Group+"/"+gvr.Resource)
	}
	for _, gvr := range operator.ReportResources() {
		for _, v := range operator.ReportVerbs {
			want = append(want, v+" "+gvr.Group+"/"+gvr.Resource)
		}
	}
	slices.Sort(want)
	if got := grants(t, clusterRole.Typed.(*rbacv1.ClusterRole).Rules); !slices.Equal(got, want) {
		t.Errorf("the operator's ClusterRole grants\n%v\nbut it reads and writes\n%v", got, want)
	}
	wantLease := []string{"create coordination.k8s.io/leases", "get coordination.k8s.io/leases", "update coordination.k8s.io/leases"}
	if got := grants(t, role.Typed.(*rbacv1.Role).Rules); !slices.Equal(got, wantLease) {
		t.Errorf("the operator's Role grants %v, want %v", got, wantLease)
	}
}
