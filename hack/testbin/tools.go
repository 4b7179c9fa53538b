//go:build tools

// Package testbin pins the Kubernetes and etcd programs the test cluster
// builds; build.sh compiles them into a cache folder keyed by version.
package testbin

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager"
	_ "k8s.io/kubernetes/cmd/kubemark"
)
