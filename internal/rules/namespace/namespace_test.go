package namespace_test

import (
	"testing"

	"palisade.dev/palisade/internal/rules/ruletest"
)

func TestFixtures(t *testing.T) {
	catalog := ruletest.Builtin(t)
	ruletest.Run(t, catalog, "testdata", nil)
}
