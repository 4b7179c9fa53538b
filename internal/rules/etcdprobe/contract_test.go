package etcdprobe

import (
	"testing"

	"palisade.dev/palisade/internal/probe/etcd"
)

// TestTheRulesReadTheProbersRequests pins that the rules look for the requests
// internal/probe/etcd makes; what each answer is, they read from its kind.
func TestTheRulesReadTheProbersRequests(t *testing.T) {
	for got, want := range map[string]string{versionPath: etcd.VersionPath, rangePath: etcd.RangePath} {
		if got != want {
			t.Errorf("the rules read %q where the prober asks %q", got, want)
		}
	}
}
