package rbac_test

import (
	"testing"

	"palisade.dev/palisade/internal/rules/ruletest"
)

// TestFixtures runs every fixture of testdata as a manifest scan.
func TestFixtures(t *testing.T) {
	ruletest.Run(t, ruletest.Builtin(t), "testdata", nil)
}
