package rbac_test

import (
	"testing"

	"palisade.dev/palisade/internal/testrules"
)

// TestFixtures runs every fixture of testdata as a manifest scan.
func TestFixtures(t *testing.T) {
	testrules.Run(t, testrules.Builtin(t), "testdata", nil)
}
