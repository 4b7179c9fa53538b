package cli

import (
	"slices"
	"testing"
)

// TestExpanderOrder pins that a folder with both Chart.yaml and kustomization.yaml is
// rendered as a chart: Helm is offered folders first.
func TestExpanderOrder(t *testing.T) {
	var flags expanderFlags
	flags.releaseName = "release-name"
	ex, err := flags.expanders("default")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ex {
		names = append(names, e.Name())
	}
	if want := []string{"helm", "kustomize"}; !slices.Equal(names, want) {
		t.Errorf("expanders = %v, want %v", names, want)
	}
}
