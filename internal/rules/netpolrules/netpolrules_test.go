package netpolrules_test

import (
	"testing"

	"palisade.dev/palisade/internal/testrules"
)

func TestFixtures(t *testing.T) {
	catalog := testrules.Builtin(t)
	testrules.Run(t, catalog, "testdata", nil)
}
