package kubeproxy_test

import (
	"testing"

	"palisade.dev/palisade/internal/rules/kubeproxy"
	"palisade.dev/palisade/internal/testrules"
)

// TestMetricsBindAddressMustBeLoopback judges whole node trees, one per source of kube-proxy's
// --metrics-bind-address: the flag (every interface, a node address, loopback), its default,
// and a --config file with and without the flag beside it; want.txt beside each says the
// verdict and the source it names.
func TestMetricsBindAddressMustBeLoopback(t *testing.T) {
	testrules.NodeTrees(t, testrules.Rules(t, kubeproxy.Rules()...), "testdata/nodes", nil)
}
