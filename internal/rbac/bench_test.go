package rbac_test

import (
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"palisade.dev/palisade/internal/rbac"
	"palisade.dev/palisade/internal/source/manifest"
)

var benchKeep = flag.String("rbac.keep", "", "write the benchmarks' generated manifests into this folder too (to time the CLI on them)")

// benchSizes: bindings, with a fifth as many Roles and a fiftieth as many ClusterRoles (10k
// Roles and 50k bindings at the largest), over 200 namespaces. A ClusterRole in 100 of those
// that may is aggregated (about 7 at 1k bindings, 700 at 50k); a real cluster has a dozen.
var benchSizes = []int{1_000, 10_000, 50_000}

// benchSet generates the set of a size, the same each time.
func benchSet(bindings int) *rbac.Objects {
	namespaces := make([]string, 200)
	for i := range namespaces {
		namespaces[i] = fmt.Sprintf("ns-%d", i)
	}
	g := &generator{rng: rand.New(rand.NewPCG(1, uint64(bindings))), namespaces: namespaces, aggregateOneIn: 100}
	return g.set(bindings/50, bindings/5, bindings)
}

// secretsAnywhere is who-can get secrets -A.
var secretsAnywhere = rbac.Attributes{Verb: "get", Resource: "secrets"}

func BenchmarkBuild(b *testing.B) {
	for _, n := range benchSizes {
		objs := benchSet(n)
		b.Run(fmt.Sprintf("bindings=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				rbac.Build(objs, rbac.FromManifests)
			}
		})
	}
}

func BenchmarkWhoCanSecretsAllNamespaces(b *testing.B) {
	for _, n := range benchSizes {
		x := rbac.Build(benchSet(n), rbac.FromManifests)
		b.Run(fmt.Sprintf("bindings=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			var grants int
			for b.Loop() {
				grants = len(x.WhoCan(secretsAnywhere, rbac.AllNamespaces))
			}
			b.ReportMetric(float64(grants), "grants")
		})
	}
}

// BenchmarkFromFiles is the whole of `rbac who-can get secrets -A -f DIR` but printing:
// reading the manifests, indexing, answering. peak-heap-MB is the largest live heap seen
// after an iteration's garbage collection points (runtime.MemStats.HeapSys bounds it).
func BenchmarkFromFiles(b *testing.B) {
	for _, n := range benchSizes {
		dir := b.TempDir()
		if *benchKeep != "" {
			dir = filepath.Join(*benchKeep, fmt.Sprintf("bindings-%d", n))
			if err := os.MkdirAll(dir, 0o755); err != nil {
				b.Fatal(err)
			}
		}
		writeManifests(b, filepath.Join(dir, "rbac.yaml"), benchSet(n))
		b.Run(fmt.Sprintf("bindings=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			var peak uint64
			for b.Loop() {
				res := manifest.Load(context.Background(), []string{dir}, manifest.Options{})
				objs := &rbac.Objects{}
				for _, o := range res.Inventory.Objects() {
					objs.AddInventory(o)
				}
				x := rbac.Build(objs, rbac.FromManifests)
				x.WhoCan(secretsAnywhere, rbac.AllNamespaces)
				var ms runtime.MemStats
				runtime.ReadMemStats(&ms)
				peak = max(peak, ms.HeapSys)
			}
			b.ReportMetric(float64(peak)/(1<<20), "heap-sys-MB")
		})
	}
}
