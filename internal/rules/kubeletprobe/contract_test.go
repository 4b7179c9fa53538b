package kubeletprobe

import (
	"testing"

	"palisade.dev/palisade/internal/probe/kubelet"
)

// TestTheRulesAskWhatTheProberAsks pins that the rules name the components and requests the
// way internal/probe/kubelet does; the answers' kinds are shared through inventory.
func TestTheRulesAskWhatTheProberAsks(t *testing.T) {
	for _, tt := range []struct {
		name          string
		rules, prober string
	}{
		{"main port component", kubeletMain, kubelet.Component},
		{"read-only port component", kubeletReadOnly, kubelet.ReadOnlyComponent},
		{"pod list path", pathPods, kubelet.PathPods},
		{"running pod list path", pathRunningPods, kubelet.PathRunningPods},
		{"command endpoint prefix", runPrefix, kubelet.RunPrefix},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if tt.rules != tt.prober {
				t.Errorf("the rules read %q where the prober writes %q", tt.rules, tt.prober)
			}
		})
	}
}
