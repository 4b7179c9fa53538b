package scan_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"

	"palisade.dev/palisade/internal/rules"
	"palisade.dev/palisade/internal/rules/builtin"
	"palisade.dev/palisade/internal/scan"
	"palisade.dev/palisade/internal/source/cluster"
	"palisade.dev/palisade/internal/testapply"
	"palisade.dev/palisade/internal/testcluster"
)

// BenchmarkCluster loads the 10k-object corpus into a test cluster through its API, then
// times, as the same identity, the bare listing of the kinds a scan reads (a plain client-go
// loop: paged, protobuf, one kind at a time, as fast as a client lists) against a whole
// `palisade cluster` scan with every rule on. It reports the scan's cost as a ratio of the
// listing, and the peak RSS of the palisade binary scanning that cluster.
func BenchmarkCluster(b *testing.B) {
	n := 10000
	if s := os.Getenv("PALISADE_BENCH_OBJECTS"); s != "" {
		n, _ = strconv.Atoi(s)
	}
	dir := corpus(b, n)
	// Without a controller manager, quotas have no usage and priority classes are not made,
	// and the corpus's namespaces enforce Pod Security Standards its pods break on purpose:
	// those admission plugins would refuse the corpus's pods. Its Services need more addresses,
	// and at 100k objects more node ports than the default range holds.
	c := testcluster.New(b, testcluster.Options{ExtraAPIServerFlags: []string{
		"--disable-admission-plugins=Priority,ResourceQuota,PodSecurity",
		"--service-cluster-ip-range=10.96.0.0/16",
		"--service-node-port-range=20000-65000",
	}})
	start := time.Now()
	applied, err := testapply.Apply(context.Background(), c.Config(testcluster.Admin), []string{dir}, 16)
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("created %d objects in %s (%d refused)", applied.Created, time.Since(start).Round(time.Millisecond), len(applied.Rejected))
	catalog, err := builtin.Catalog()
	if err != nil {
		b.Fatal(err)
	}
	kinds, _ := scan.ClusterKinds(catalog.All())
	cfg := c.Config(testcluster.Auditor)

	var listTime, scanTime time.Duration
	b.Run("list", func(b *testing.B) {
		t0, runs := time.Now(), 0
		for b.Loop() {
			runs++
			if err := listAll(cfg, kinds); err != nil {
				b.Fatal(err)
			}
		}
		listTime = time.Since(t0) / time.Duration(runs)
	})
	b.Run("scan", func(b *testing.B) {
		t0, runs := time.Now(), 0
		objects := 0
		for b.Loop() {
			runs++
			res := scan.Cluster(context.Background(), scan.ClusterRequest{
				Config: cfg, Context: "bench", Catalog: catalog, Rules: rules.Options{PSSVersion: "latest"},
			})
			if len(res.Errors) > 0 {
				b.Fatalf("scan errors: %v", res.Errors)
			}
			objects = res.Objects
		}
		scanTime = time.Since(t0) / time.Duration(runs)
		b.ReportMetric(float64(objects), "objects")
	})
	if listTime > 0 && scanTime > 0 {
		b.Logf("scan %s, bare listing %s: the scan costs %.2f× the listing", scanTime.Round(time.Millisecond), listTime.Round(time.Millisecond), float64(scanTime)/float64(listTime))
	}
	if rss, err := peakRSS(b, c); err != nil {
		b.Logf("peak RSS not measured: %v", err)
	} else {
		b.Logf("palisade cluster: peak RSS %.0f MiB", rss)
	}
}

// listAll lists every kind in every namespace, page by page, as protobuf (as JSON for a kind
// client-go does not know, such as AdminNetworkPolicy; one the cluster does not serve, or
// does not let the identity list, is skipped, as the scan skips it), and keeps nothing.
func listAll(cfg *rest.Config, kinds []string) error {
	for _, kind := range kinds {
		gvr, ok := cluster.Resource(kind)
		if !ok {
			return fmt.Errorf("no resource for %s", kind)
		}
		if !scheme.Scheme.Recognizes(gvr.GroupVersion().WithKind(kind + "List")) {
			if err := listDynamic(cfg, gvr); err != nil {
				return err
			}
			continue
		}
		c := rest.CopyConfig(cfg)
		gv := gvr.GroupVersion()
		c.GroupVersion, c.APIPath = &gv, "/apis"
		if gv.Group == "" {
			c.APIPath = "/api"
		}
		c.ContentType = runtime.ContentTypeProtobuf
		c.AcceptContentTypes = runtime.ContentTypeProtobuf
		c.NegotiatedSerializer = scheme.Codecs.WithoutConversion()
		client, err := rest.RESTClientFor(c)
		if err != nil {
			return err
		}
		opts := metav1.ListOptions{Limit: 500}
		for {
			list, err := scheme.Scheme.New(gv.WithKind(kind + "List"))
			if err != nil {
				return err
			}
			if err := client.Get().Resource(gvr.Resource).VersionedParams(&opts, scheme.ParameterCodec).Do(context.Background()).Into(list); err != nil {
				return fmt.Errorf("listing %s: %w", gvr.Resource, err)
			}
			next := list.(metav1.ListInterface).GetContinue()
			if next == "" {
				break
			}
			opts.Continue = next
		}
	}
	return nil
}

// listDynamic lists a resource client-go has no type for, page by page, as JSON.
func listDynamic(cfg *rest.Config, gvr schema.GroupVersionResource) error {
	client, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return err
	}
	opts := metav1.ListOptions{Limit: 500}
	for {
		list, err := client.Resource(gvr).List(context.Background(), opts)
		if apierrors.IsNotFound(err) || apierrors.IsForbidden(err) {
			return nil // not served by this cluster, or not to this identity: the scan skips it too
		}
		if err != nil {
			return fmt.Errorf("listing %s: %w", gvr.Resource, err)
		}
		if opts.Continue = list.GetContinue(); opts.Continue == "" {
			return nil
		}
	}
}

// peakRSS builds palisade and measures the peak resident memory of `palisade cluster` on c.
func peakRSS(b *testing.B, c *testcluster.Cluster) (float64, error) {
	if _, err := os.Stat("/usr/bin/time"); err != nil {
		return 0, fmt.Errorf("needs /usr/bin/time (Debian package: time)")
	}
	bin := filepath.Join(b.TempDir(), "palisade")
	if out, err := exec.Command("go", "build", "-o", bin, "../../cmd/palisade").CombinedOutput(); err != nil {
		return 0, fmt.Errorf("building palisade: %v\n%s", err, out)
	}
	var stderr bytes.Buffer
	cmd := exec.Command("/usr/bin/time", "-f", "%M", bin, "cluster", "--kubeconfig", c.Kubeconfig(), "--context", testcluster.Auditor, "-o", "json", "--output", os.DevNull, "--fail-on", "none")
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return 0, fmt.Errorf("palisade cluster: %v\n%s", err, stderr.String())
	}
	lines := strings.Split(strings.TrimSpace(stderr.String()), "\n")
	kib, err := strconv.ParseFloat(lines[len(lines)-1], 64)
	return kib / 1024, err
}
