package cli_test

import (
	"context"
	"maps"
	"path/filepath"
	"slices"
	"strconv"
	"testing"

	"palisade.dev/palisade/internal/testapply"
	"palisade.dev/palisade/internal/testcluster"
	"palisade.dev/palisade/internal/testcorpus"
)

// fixedFixtures are the manifests whose fixed objects the API server judges: the examples
// that are files (not charts or kustomizations, which fix never edits), the fixtures of the
// manifest rules, and a generated corpus.
var fixedFixtures = []string{
	"../../examples/insecure",
	"../../examples/hardened",
	"../rules/securitycontext/testdata",
	"../rules/podspec/testdata",
	"../rules/pss/testdata",
	"../rules/namespace/testdata",
	"../rules/schema/testdata",
	"../rules/secrets/testdata",
}

// TestFixedObjectsAreStillAcceptedByTheAPIServer fixes every fixture and asks the real API
// server, with a server-side dry run, to accept each object: every object it accepted before
// the fix it must accept after, and the files fix writes for namespaces are accepted too. A
// remedy that writes an invalid value, or a field where the API has none, fails here.
func TestFixedObjectsAreStillAcceptedByTheAPIServer(t *testing.T) {
	c := testCluster.Require(t)
	ctx := context.Background()
	dir := t.TempDir()
	for i, src := range fixedFixtures {
		copyTree(t, src, filepath.Join(dir, strconv.Itoa(i)))
	}
	if _, err := testcorpus.Generate(filepath.Join(dir, "corpus"), 300, 7); err != nil {
		t.Fatal(err)
	}
	cfg := c.Config(testcluster.Admin)
	before, err := testapply.DryRun(ctx, cfg, []string{dir}, 4)
	if err != nil {
		t.Fatal(err)
	}
	code, _, errOut := runWithStdin(t, "", "fix", "--fail-on", "none", dir)
	if code != 0 {
		t.Fatalf("fix: exit %d: %s", code, errOut)
	}
	written, _ := filepath.Glob(filepath.Join(dir, "*", "namespace-*.palisade.yaml"))
	if len(written) == 0 {
		t.Error("fix wrote no namespace file, so none was judged")
	}
	after, err := testapply.DryRun(ctx, cfg, []string{dir}, 4)
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range slices.Sorted(maps.Keys(after)) {
		if _, was := before[key]; !was {
			t.Errorf("the API server accepted %s before the fix and refuses it after: %s", key, after[key])
		}
	}
	accepted := 0
	for key := range before {
		if _, still := after[key]; !still {
			accepted++
		}
	}
	t.Logf("%d objects refused before the fix, %d after; the fix made %d acceptable", len(before), len(after), accepted)
	if testing.Verbose() {
		for _, key := range slices.Sorted(maps.Keys(after)) {
			t.Logf("refused before and after: %s: %.200s", key, after[key])
		}
	}
}
