package scan_test

import (
	"context"
	"reflect"
	"testing"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/rules"
	"palisade.dev/palisade/internal/rules/ruletest"
	"palisade.dev/palisade/internal/scan"
	"palisade.dev/palisade/internal/source/manifest"
	"palisade.dev/palisade/internal/testcorpus"
)

// TestStreamingScanFindsWhatABatchScanFinds pins the streaming design: rules evaluated as each
// object is decoded, with objects released once no later rule reads them, find exactly what
// the same rules find over a complete inventory that keeps every object whole.
func TestStreamingScanFindsWhatABatchScanFinds(t *testing.T) {
	dir := t.TempDir()
	if _, err := testcorpus.Generate(dir, 1000, 1); err != nil {
		t.Fatal(err)
	}
	catalog := ruletest.Builtin(t)
	opts := rules.Options{PSSVersion: "latest", FromManifests: true}

	streamed := scan.Manifests(context.Background(), scan.Request{Paths: []string{dir}, Catalog: catalog, Rules: opts})
	if len(streamed.Errors) > 0 {
		t.Fatalf("scan errors: %v", streamed.Errors)
	}
	loaded := manifest.Load(context.Background(), []string{dir}, manifest.Options{})
	batch := catalog.Evaluate(loaded.Inventory, &opts, nil)
	finding.Sort(batch)

	if len(streamed.Findings) == 0 {
		t.Fatal("the corpus gave no finding; it is built to have many")
	}
	if len(streamed.Findings) != len(batch) {
		t.Fatalf("streaming found %d, batch %d", len(streamed.Findings), len(batch))
	}
	for i := range batch {
		if !reflect.DeepEqual(streamed.Findings[i], batch[i]) {
			t.Fatalf("finding %d differs:\nstreamed %+v\nbatch    %+v", i, streamed.Findings[i], batch[i])
		}
	}
	if streamed.Objects != loaded.Inventory.Len() {
		t.Errorf("streaming counted %d objects, the load %d", streamed.Objects, loaded.Inventory.Len())
	}
}
