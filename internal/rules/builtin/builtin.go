// Package builtin composes Palisade's built-in rule catalog from the area packages. It owns
// the list of areas and nothing else.
package builtin

import (
	"slices"

	"palisade.dev/palisade/internal/rules"
	"palisade.dev/palisade/internal/rules/apiserver"
	"palisade.dev/palisade/internal/rules/apiserverprobe"
	"palisade.dev/palisade/internal/rules/cluster"
	"palisade.dev/palisade/internal/rules/etcd"
	"palisade.dev/palisade/internal/rules/etcdprobe"
	"palisade.dev/palisade/internal/rules/files"
	"palisade.dev/palisade/internal/rules/kubelet"
	"palisade.dev/palisade/internal/rules/kubeletprobe"
	"palisade.dev/palisade/internal/rules/kubeproxy"
	"palisade.dev/palisade/internal/rules/namespace"
	"palisade.dev/palisade/internal/rules/netpolrules"
	"palisade.dev/palisade/internal/rules/pkirules"
	"palisade.dev/palisade/internal/rules/podspec"
	"palisade.dev/palisade/internal/rules/pss"
	"palisade.dev/palisade/internal/rules/rbac"
	"palisade.dev/palisade/internal/rules/schema"
	"palisade.dev/palisade/internal/rules/secrets"
	"palisade.dev/palisade/internal/rules/securitycontext"
	"palisade.dev/palisade/internal/rules/tlsprobe"
)

// Catalog returns a new catalog of every built-in rule.
func Catalog() (*rules.Catalog, error) {
	return rules.NewCatalog(slices.Concat(
		schema.Rules(),
		securitycontext.Rules(),
		podspec.Rules(),
		secrets.Rules(),
		pss.Rules(),
		namespace.Rules(),
		netpolrules.Rules(),
		rbac.Rules(),
		cluster.Rules(),
		kubelet.Rules(),
		kubeproxy.Rules(),
		kubeletprobe.Rules(),
		apiserver.Rules(),
		apiserverprobe.Rules(),
		etcd.Rules(),
		etcdprobe.Rules(),
		files.Rules(),
		pkirules.Rules(),
		tlsprobe.Rules(),
	)...)
}
