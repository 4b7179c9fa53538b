package scan_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"palisade.dev/palisade/internal/rules"
	"palisade.dev/palisade/internal/rules/builtin"
	"palisade.dev/palisade/internal/scan"
	"palisade.dev/palisade/internal/testcorpus"
)

// corpus returns the folder of the deterministic benchmark corpus of n objects (package
// testcorpus), generated into the temporary folder the first time and kept for later runs.
func corpus(b *testing.B, n int) string {
	b.Helper()
	dir := filepath.Join(os.TempDir(), fmt.Sprintf("palisade-testcorpus-%d", n))
	if err := testcorpus.Ensure(dir, n, 1); err != nil {
		b.Fatal(err)
	}
	return dir
}

// BenchmarkManifests scans the generated corpus with every rule on, and reports objects per
// second and the peak heap.
func BenchmarkManifests(b *testing.B) {
	catalog, err := builtin.Catalog()
	if err != nil {
		b.Fatal(err)
	}
	for _, n := range []int{1000, 10000} {
		dir := corpus(b, n)
		b.Run(fmt.Sprintf("objects=%d", n), func(b *testing.B) {
			var objects int
			start, runs := time.Now(), 0
			for b.Loop() {
				runs++
				res := scan.Manifests(context.Background(), scan.Request{
					Paths: []string{dir}, Catalog: catalog, Rules: rules.Options{PSSVersion: "latest"},
				})
				objects = res.Objects
				if len(res.Errors) > 0 {
					b.Fatalf("scan errors: %v", res.Errors[0])
				}
			}
			b.ReportMetric(float64(objects*runs)/time.Since(start).Seconds(), "objects/s")
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			b.ReportMetric(float64(ms.HeapSys)/(1<<20), "heap-sys-MiB")
		})
	}
}
