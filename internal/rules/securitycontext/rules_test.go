package securitycontext_test

import (
	"path/filepath"
	"testing"

	"palisade.dev/palisade/internal/rules"
	"palisade.dev/palisade/internal/testrules"
)

// TestFixtures checks every fixture in testdata against the built-in catalog at the latest
// Kubernetes version.
func TestFixtures(t *testing.T) {
	testrules.Run(t, testrules.Builtin(t), "testdata", nil)
}

// TestFixturesBeforeSeccompAnnotationRemoval checks the fixtures whose findings depend on
// Kubernetes 1.26 or older, where the seccomp annotations still took effect.
func TestFixturesBeforeSeccompAnnotationRemoval(t *testing.T) {
	testrules.Run(t, testrules.Builtin(t), filepath.Join("testdata", "v1.26"),
		&rules.Options{PSSVersion: "v1.26", KubernetesVersion: "v1.26", FromManifests: true})
}
