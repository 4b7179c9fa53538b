package pss_test

import (
	"path/filepath"
	"testing"

	"palisade.dev/palisade/internal/rules"
	"palisade.dev/palisade/internal/testrules"
)

// TestFixtures runs the fixtures of each folder at the Pod Security Standards version the
// folder is named after.
func TestFixtures(t *testing.T) {
	catalog := testrules.Builtin(t)
	for _, version := range []string{"latest", "v1.24", "v1.22", "v1.18"} {
		t.Run(version, func(t *testing.T) {
			testrules.Run(t, catalog, filepath.Join("testdata", version), &rules.Options{PSSVersion: version, FromManifests: true})
		})
	}
}
