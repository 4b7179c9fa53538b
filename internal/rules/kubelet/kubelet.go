// Package kubelet holds the rules judged on a node's kubelet: its effective configuration
// (the CIS 4.2 checks) and the permissions and ownership of the files it reads its
// configuration and credentials from (CIS 4.1). Every verdict names the effective value and
// where it came from (a flag, the config file, a drop-in, or the default that applies), never
// a flag's mere absence: a kubelet run without --config has anonymous authentication on,
// AlwaysAllow and the read-only port open by default. The rules read what the node source
// observed and never contact the kubelet.
package kubelet

import (
	"palisade.dev/palisade/internal/inventory"
	"palisade.dev/palisade/internal/kubeletconfig"
	"palisade.dev/palisade/internal/rules"
)

// Rules returns the package's rules.
func Rules() []rules.Rule {
	out := []rules.Rule{configValidRule()}
	out = append(out, settingRules()...)
	out = append(out, hostnameOverrideRule())
	out = append(out, fileRules()...)
	return out
}

// components are what every rule of the package judges.
var components = []inventory.ComponentKind{inventory.Kubelet}

// effective is the kubelet's effective configuration, from the node's settings model (as
// the node source computed it, or computed from its command line and the node's files).
func effective(ctx *rules.NodeContext) *kubeletconfig.Effective {
	s, _ := ctx.Settings() // the kubelet's settings are always known
	return s.Kubelet()
}
