package scan_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"palisade.dev/palisade/internal/rules"
	"palisade.dev/palisade/internal/rules/builtin"
	"palisade.dev/palisade/internal/scan"
)

// corpus writes (once per size, into the test's cache folder) the deterministic benchmark
// corpus of shared/bench/gen-corpus.
func corpus(b *testing.B, n int) string {
	b.Helper()
	gen, err := filepath.Abs(filepath.Join("..", "..", "..", "shared", "bench", "gen-corpus"))
	if err != nil {
		b.Fatal(err)
	}
	if _, err := os.Stat(gen); err != nil {
		b.Fatalf("benchmark corpus generator not found at ../shared/bench/gen-corpus: %v", err)
	}
	dir := filepath.Join(os.TempDir(), fmt.Sprintf("palisade-corpus-%d", n))
	if _, err := os.Stat(filepath.Join(dir, ".done")); err == nil {
		return dir
	}
	os.RemoveAll(dir)
	if out, err := exec.Command(gen, fmt.Sprint(n), dir).CombinedOutput(); err != nil {
		b.Fatalf("gen-corpus %d: %v\n%s", n, err, out)
	}
	if err := os.WriteFile(filepath.Join(dir, ".done"), nil, 0o644); err != nil {
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
