package podspec_test

import (
	"slices"
	"strings"
	"testing"

	"palisade.dev/palisade/internal/testrules"
)

// TestResourceRequestsOneFindingPerContainer pins that a container missing both requests is one
// finding naming both, at resources.requests, and one missing one request is a finding at that
// request's field.
func TestResourceRequestsOneFindingPerContainer(t *testing.T) {
	const pods = `apiVersion: v1
kind: Pod
metadata: {name: none, namespace: shop}
spec:
  containers:
  - {name: app, image: app:1}
---
apiVersion: v1
kind: Pod
metadata: {name: memory-only, namespace: shop}
spec:
  containers:
  - {name: app, image: app:1, resources: {requests: {memory: 64Mi}}}
`
	var got []string
	for _, f := range testrules.ManifestText(t, testrules.Builtin(t), "pod/resource-requests", nil, pods) {
		got = append(got, f.Object.Name+" "+f.Path)
		if f.Object.Name == "none" && !strings.Contains(f.Message, "sets no cpu and no memory request") {
			t.Errorf("message %q should name both requests", f.Message)
		}
	}
	want := []string{"memory-only spec.containers[0].resources.requests.cpu", "none spec.containers[0].resources.requests"}
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("findings = %q, want %q", got, want)
	}
}
