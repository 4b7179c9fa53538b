package operator_test

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"palisade.dev/palisade/internal/report"
	"palisade.dev/palisade/internal/rules"
	"palisade.dev/palisade/internal/rules/builtin"
	"palisade.dev/palisade/internal/scan"
	"palisade.dev/palisade/internal/source/cluster"
	"palisade.dev/palisade/internal/testapply"
	"palisade.dev/palisade/internal/testcluster"
)

func TestTmpProfile(t *testing.T) {
	dir := "/tmp/palisade-testcorpus-10000"
	c := testcluster.New(t, testcluster.Options{ExtraAPIServerFlags: []string{
		"--disable-admission-plugins=Priority,ResourceQuota,PodSecurity",
		"--service-cluster-ip-range=10.96.0.0/16",
	}})
	ctx := context.Background()
	if _, err := testapply.Apply(ctx, c.Config(testcluster.Admin), []string{dir}, 16); err != nil {
		t.Fatal(err)
	}
	catalog, _ := builtin.Catalog()
	cfg := c.Config(testcluster.Admin)
	cfg.QPS, cfg.Burst = 50, 100
	w, _ := cluster.NewWatcher(ctx, cfg)
	var prev []report.PolicyReportObject
	var prevSet *report.PolicyReportSet
	for i := 0; i < 4; i++ {
		t0 := time.Now()
		res := scan.Cluster(ctx, scan.ClusterRequest{Watcher: w, Context: "x", Catalog: catalog, Rules: rules.Options{PSSVersion: "latest", Patches: rules.NoPatches}})
		t1 := time.Now()
		set := report.BuildPolicyReports(&report.Input{Findings: res.Findings, Errors: res.Errors, Rules: catalog.All(), Now: time.Now()})
		t.Logf("watcher scan %s (%d objects, %d findings), digests %s (%d reports)", t1.Sub(t0), res.Objects, len(res.Findings), time.Since(t1), len(set.Objects))
		for j, o := range set.Objects {
			if prev != nil && prev[j].Digest != o.Digest {
				t.Logf("report %s changed digest", o.Name)
				os.WriteFile(fmt.Sprintf("/tmp/rep-%d-a.yaml", j), prevSet.YAML(j), 0o644)
				os.WriteFile(fmt.Sprintf("/tmp/rep-%d-b.yaml", j), set.YAML(j), 0o644)
			}
		}
		prev, prevSet = set.Objects, set
	}
	t0 := time.Now()
	cfg2 := c.Config(testcluster.Admin)
	res := scan.Cluster(ctx, scan.ClusterRequest{Config: cfg2, Context: "x", Catalog: catalog, Rules: rules.Options{PSSVersion: "latest", Patches: rules.NoPatches}})
	t.Logf("listing scan %s %d", time.Since(t0), res.Objects)
}
