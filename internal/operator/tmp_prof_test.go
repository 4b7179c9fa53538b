package operator_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/dynamic"

	"palisade.dev/palisade/internal/report"
	"palisade.dev/palisade/internal/rules"
	"palisade.dev/palisade/internal/rules/builtin"
	"palisade.dev/palisade/internal/scan"
	"palisade.dev/palisade/internal/testapply"
	"palisade.dev/palisade/internal/testcluster"
	"palisade.dev/palisade/internal/testcorpus"
)

func TestTmpProfile(t *testing.T) {
	dir := filepath.Join(os.TempDir(), fmt.Sprintf("palisade-testcorpus-%d", 1000))
	if err := testcorpus.Ensure(dir, 1000, 1); err != nil {
		t.Fatal(err)
	}
	c := testcluster.New(t, testcluster.Options{ExtraAPIServerFlags: []string{
		"--disable-admission-plugins=Priority,ResourceQuota,PodSecurity",
		"--service-cluster-ip-range=10.96.0.0/16",
	}})
	ctx := context.Background()
	if _, err := testapply.Apply(ctx, c.Config(testcluster.Admin), []string{dir, "../../deploy/operator/crds/wgpolicyk8s.io_policyreports.yaml", "../../deploy/operator/crds/wgpolicyk8s.io_clusterpolicyreports.yaml"}, 16); err != nil {
		t.Fatal(err)
	}
	catalog, _ := builtin.Catalog()
	cfg := c.Config(testcluster.Admin)
	res := scan.Cluster(ctx, scan.ClusterRequest{Config: cfg, Context: "x", Catalog: catalog, Rules: rules.Options{PSSVersion: "latest", Patches: rules.NoPatches}})
	set := report.BuildPolicyReports(&report.Input{Findings: res.Findings, Errors: res.Errors, Rules: catalog.All(), Now: time.Now()})
	dyn := dynamic.NewForConfigOrDie(cfg)
	for round := 0; round < 2; round++ {
		for i, o := range set.Objects {
			y := set.YAML(i)
			gvr := policyReports
			if o.Namespace == "" {
				gvr = clusterPolicyReports
			}
			t0 := time.Now()
			_, err := dyn.Resource(gvr).Namespace(o.Namespace).Patch(ctx, o.Name, types.ApplyPatchType, y, metav1.PatchOptions{FieldManager: "x", Force: new(true)})
			t.Logf("round %d apply %s: %d KB in %s (%v)", round, o.Name, len(y)/1024, time.Since(t0), err)
		}
	}
}
