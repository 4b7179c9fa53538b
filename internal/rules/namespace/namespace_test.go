package namespace_test

import (
	"testing"

	"palisade.dev/palisade/internal/rules/builtin"
	"palisade.dev/palisade/internal/rules/ruletest"
)

func TestFixtures(t *testing.T) {
	catalog, err := builtin.Catalog()
	if err != nil {
		t.Fatal(err)
	}
	ruletest.Run(t, catalog, "testdata", nil)
}
