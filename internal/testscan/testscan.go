// Package testscan holds what tests of a scan's results share: reading back the active
// findings, which a scan of manifests or of a cluster keeps in a spool rather than in memory.
package testscan

import (
	"testing"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/scan"
)

// Active reads a scan's active findings back, in their order, failing the test when they
// cannot be read.
func Active(t testing.TB, res *scan.Result) []finding.Finding {
	t.Helper()
	fs, err := finding.Collect(res.ActiveFindings())
	if err != nil {
		t.Fatalf("reading the scan's findings back: %v", err)
	}
	return fs
}
