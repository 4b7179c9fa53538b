package settings

import "palisade.dev/palisade/internal/inventory"

// Defaults are the components' defaults of the settings Palisade reads, in one place, by
// component and flag name (the kubelet's come from package kubeletconfig, which knows the two
// columns of its defaults). A setting missing here has no default Palisade relies on.
//
// Sources:
//   - etcd: go.etcd.io/etcd/server/v3 embed/config.go (DefaultListenClientURLs,
//     DefaultListenPeerURLs).
//   - kube-apiserver: k8s.io/apiserver/pkg/server/options/serving.go (--secure-port 6443,
//     --bind-address 0.0.0.0); the legacy --insecure-bind-address was 127.0.0.1, and
//     --insecure-port is 0 (off) since Kubernetes 1.20.
//   - kube-proxy: cmd/kube-proxy/app/options.go (--metrics-bind-address 127.0.0.1:10249).
var Defaults = map[inventory.ComponentKind]map[string]string{
	inventory.Etcd: {
		"listen-client-urls": "http://localhost:2379",
		"listen-peer-urls":   "http://localhost:2380",
	},
	inventory.KubeAPIServer: {
		"secure-port":           "6443",
		"bind-address":          "0.0.0.0",
		"insecure-port":         "0",
		"insecure-bind-address": "127.0.0.1",
	},
	inventory.KubeProxy: {
		"metrics-bind-address": "127.0.0.1:10249",
	},
}
