package admission

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	admissionv1 "k8s.io/api/admission/v1"

	"palisade.dev/palisade/internal/testfiles"
)

// TestResponsesAreGolden pins, byte for byte, what the benchmark's reviews answer (the
// AdmissionResponse kubectl users are shown, and the hits the server logs) under the default
// configuration: the privileged pod with many findings, the root Deployment and the hardened
// pod, in testdata/responses.golden. Whatever the engine stops building for a review, what it
// answers must not change.
func TestResponsesAreGolden(t *testing.T) {
	e := engine(t, nil, nil)
	var out strings.Builder
	for _, c := range []struct{ name, object string }{
		{"Pod/privileged", privilegedPod},
		{"Deployment/root", rootDeployment},
		{"Pod/hardened", hardenedPod},
	} {
		d := e.Review(context.Background(), request(t, admissionv1.Create, c.object))
		if d.Err != nil {
			t.Fatalf("%s: %v", c.name, d.Err)
		}
		b, err := json.MarshalIndent(struct {
			Response *admissionv1.AdmissionResponse
			Hits     []Hit
			Panics   []string
			Failed   []string
			Unjudged []string
		}{d.Response, d.Hits, d.Panics, d.Failed, d.Unjudged}, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		out.WriteString("=== " + c.name + "\n")
		out.Write(b)
		out.WriteString("\n")
	}
	testfiles.Golden(t, filepath.Join("testdata", "responses.golden"), []byte(out.String()))
}
