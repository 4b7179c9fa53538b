// Package testprereq ends a test whose prerequisite (a test cluster's programs, a browser) is
// missing: under CI=true, where the test command provides every prerequisite, the test fails;
// elsewhere it is skipped, with the reason. It is for tests only.
package testprereq

import (
	"os"
	"testing"
)

// Missing ends the test: what names the prerequisite, err says why it is missing.
func Missing(tb testing.TB, what string, err error) {
	tb.Helper()
	if os.Getenv("CI") == "true" {
		tb.Fatalf("%s unavailable: %v", what, err)
		return
	}
	tb.Skipf("%s unavailable (with CI=true this test fails): %v", what, err)
}
