// Package deploy_test holds Palisade's own in-cluster manifests to its advice: they scan clean
// under every rule, and the scanner's ClusterRole grants exactly what a scan reads, which is
// enough to scan a real cluster without a coverage gap.
package deploy_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"slices"
	"testing"

	authenticationv1 "k8s.io/api/authentication/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"

	"palisade.dev/palisade/internal/cli"
	"palisade.dev/palisade/internal/rules/builtin"
	"palisade.dev/palisade/internal/scan"
	"palisade.dev/palisade/internal/source/cluster"
	"palisade.dev/palisade/internal/source/manifest"
	"palisade.dev/palisade/internal/testapply"
	"palisade.dev/palisade/internal/testcluster"
)

var testCluster testcluster.Shared

func TestMain(m *testing.M) { os.Exit(testCluster.Main(m)) }

func TestDeployScansCleanUnderEveryRule(t *testing.T) {
	var out, errOut bytes.Buffer
	code := cli.Execute(context.Background(), []string{"scan", ".", "--fail-on", "info"}, cli.Streams{In: &bytes.Buffer{}, Out: &out, Err: &errOut})
	if code != 0 {
		t.Errorf("palisade scan deploy/ exited %d:\n%s%s", code, out.String(), errOut.String())
	}
}

// scannerRole reads the ClusterRole of rbac.yaml.
func scannerRole(t *testing.T) *rbacv1.ClusterRole {
	t.Helper()
	loaded := manifest.Load(context.Background(), []string{"rbac.yaml"}, manifest.Options{})
	if len(loaded.Errors) > 0 {
		t.Fatal(loaded.Errors)
	}
	o := loaded.Inventory.Get("ClusterRole", "", "palisade-scanner")
	if o == nil {
		t.Fatal("rbac.yaml has no ClusterRole palisade-scanner")
	}
	return o.Typed.(*rbacv1.ClusterRole)
}

// TestScannerRoleGrantsExactlyWhatAScanReads compares the role's grants with the kinds the
// catalog's rules make a scan list: a rule that reads a new kind must come with a grant, and a
// grant no rule needs is privilege to take away.
func TestScannerRoleGrantsExactlyWhatAScanReads(t *testing.T) {
	catalog, err := builtin.Catalog()
	if err != nil {
		t.Fatal(err)
	}
	kinds, _ := scan.ClusterKinds(catalog.All())
	want := []string{"get /namespaces", "list /nodes", "list apiextensions.k8s.io/customresourcedefinitions"}
	for _, k := range kinds {
		gvr, ok := cluster.Resource(k)
		if !ok {
			t.Fatalf("no resource for %s", k)
		}
		want = append(want, "list "+gvr.Group+"/"+gvr.Resource)
	}
	got := grants(t, scannerRole(t).Rules)
	slices.Sort(want)
	want = slices.Compact(want) // nodes are listed for their labels, and as a kind rules read
	if !slices.Equal(got, want) {
		t.Errorf("the scanner's ClusterRole grants\n%v\nbut a scan reads\n%v", got, want)
	}
}

// TestScannerRoleSufficesOnARealCluster creates deploy/'s namespace and RBAC in a real cluster
// and scans every namespace as the scanner's ServiceAccount: nothing may be out of its reach.
func TestScannerRoleSufficesOnARealCluster(t *testing.T) {
	c := testCluster.Require(t)
	ctx := context.Background()
	if _, err := testapply.Apply(ctx, c.Config(testcluster.Admin), []string{"namespace.yaml", "rbac.yaml"}, 4); err != nil {
		t.Fatal(err)
	}
	admin := c.Client(testcluster.Admin)
	token, err := admin.CoreV1().ServiceAccounts("palisade").CreateToken(ctx, "palisade",
		&authenticationv1.TokenRequest{Spec: authenticationv1.TokenRequestSpec{ExpirationSeconds: new(int64(600))}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("requesting a token for the scanner's ServiceAccount: %v", err)
	}
	cfg := rest.AnonymousClientConfig(c.Config(testcluster.Admin))
	cfg.BearerToken = token.Status.Token
	catalog, err := builtin.Catalog()
	if err != nil {
		t.Fatal(err)
	}
	res := scan.Cluster(ctx, scan.ClusterRequest{Config: cfg, Context: "in-cluster", Catalog: catalog})
	if len(res.Errors) > 0 {
		t.Errorf("scanning as the scanner's ServiceAccount: %v", res.Errors)
	}
	if id := res.Cluster.Identity; id.User != "system:serviceaccount:palisade:palisade" || id.ClusterAdmin {
		t.Errorf("identity %+v, want the palisade ServiceAccount, not cluster-admin", id)
	}
	if res.Objects == 0 {
		t.Error("the scan read nothing")
	}
}

// TestNodeAuditNeedsOnlyItsExplainedExemptions scans the node audit's manifests: they pass
// every rule but the ones reading a node's processes and files must break, and those are
// exempted on the objects themselves, with the reason.
func TestNodeAuditNeedsOnlyItsExplainedExemptions(t *testing.T) {
	var out, errOut bytes.Buffer
	code := cli.Execute(context.Background(), []string{"scan", "node-audit", "--fail-on", "info", "--show-suppressed", "-o", "json"},
		cli.Streams{In: &bytes.Buffer{}, Out: &out, Err: &errOut})
	var rep struct {
		Findings   []json.RawMessage `json:"findings"`
		Suppressed struct {
			Findings []struct {
				Rule   string `json:"rule"`
				Object struct{ Kind string }
			} `json:"findings"`
		} `json:"suppressed"`
	}
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatalf("%v: %s", err, errOut.String())
	}
	if code != 0 || len(rep.Findings) != 0 {
		t.Fatalf("exit code %d, %d findings: %s", code, len(rep.Findings), out.String())
	}
	exempted := map[string]bool{}
	for _, f := range rep.Suppressed.Findings {
		exempted[f.Object.Kind+" "+f.Rule] = true
	}
	var got []string
	for k := range exempted {
		got = append(got, k)
	}
	slices.Sort(got)
	want := []string{"DaemonSet pod/dangerous-capabilities", "DaemonSet pod/host-path", "DaemonSet pod/host-pid", "DaemonSet pod/run-as-non-root",
		"DaemonSet pod/run-as-root-user", "DaemonSet pss/baseline", "DaemonSet pss/restricted",
		"Job pod/dangerous-capabilities", "Job pod/host-path", "Job pod/host-pid", "Job pod/run-as-non-root",
		"Job pod/run-as-root-user", "Job pss/baseline", "Job pss/restricted", "Namespace namespace/pod-security-enforce"}
	if !slices.Equal(got, want) {
		t.Errorf("exemptions the node audit needs:\n got %v\nwant %v", got, want)
	}
}

// grants lists what RBAC rules allow, one "verb group/resource" each, sorted; a rule naming
// resource names or non-resource URLs is unexpected in Palisade's own roles.
func grants(t *testing.T, rs []rbacv1.PolicyRule) []string {
	t.Helper()
	var out []string
	for _, r := range rs {
		if len(r.ResourceNames) > 0 || len(r.NonResourceURLs) > 0 {
			t.Errorf("unexpected rule %+v", r)
		}
		for _, g := range r.APIGroups {
			for _, res := range r.Resources {
				for _, v := range r.Verbs {
					out = append(out, v+" "+g+"/"+res)
				}
			}
		}
	}
	slices.Sort(out)
	return out
}
