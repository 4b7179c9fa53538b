package schema_test

import (
	"testing"

	"palisade.dev/palisade/internal/testrules"
)

// TestFixtures checks every fixture in testdata against the built-in catalog: each finding of
// the manifest rules stands on its line as a `# want:` comment.
func TestFixtures(t *testing.T) {
	catalog := testrules.Builtin(t)
	testrules.Run(t, catalog, "testdata", nil)
}
