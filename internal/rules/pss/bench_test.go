package pss_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"palisade.dev/palisade/internal/rules"
	"palisade.dev/palisade/internal/source/manifest"
	"palisade.dev/palisade/internal/testrules"
)

// BenchmarkEvaluate measures both pss rules over the fixture pods, most of which fail a check
// and so are located too.
func BenchmarkEvaluate(b *testing.B) {
	catalog := testrules.Builtin(b)
	files, _ := filepath.Glob(filepath.Join("testdata", "latest", "*.yaml"))
	res := manifest.Load(context.Background(), files, manifest.Options{})
	pss := func(r *rules.Rule) bool { return strings.HasPrefix(r.ID, "pss/") }
	opts := &rules.Options{PSSVersion: "latest", FromManifests: true}
	b.ReportAllocs()
	for b.Loop() {
		catalog.Evaluate(res.Inventory, opts, pss)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*res.Inventory.Len()), "ns/object")
}
