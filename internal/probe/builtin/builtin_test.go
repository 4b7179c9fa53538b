package builtin_test

import (
	"testing"

	"palisade.dev/palisade/internal/probe"
	"palisade.dev/palisade/internal/probe/builtin"
)

// TestEveryComponentHasAProber pins that each component a target may name is asked by a
// prober, and that the TLS posture is scanned.
func TestEveryComponentHasAProber(t *testing.T) {
	req := builtin.Request(builtin.DefaultEtcdPrefix)
	if req.Posture == nil {
		t.Error("no TLS posture scan")
	}
	for _, component := range probe.Components() {
		t.Run(component, func(t *testing.T) {
			if req.Probers[component] == nil {
				t.Errorf("no prober for %s", component)
			}
		})
	}
	if len(req.Probers) != len(probe.Components()) {
		t.Errorf("%d probers for %d components", len(req.Probers), len(probe.Components()))
	}
}
