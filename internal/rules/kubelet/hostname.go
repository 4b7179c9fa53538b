package kubelet

// kubelet/hostname-override: the kubelet registers under the node's own hostname.
//
// Restricted fields:
//   --hostname-override (a flag only; KubeletConfiguration has no such field)
//
// Allowed values:
//   not given. Cloud providers that need it (EKS with the external cloud provider, for
//   instance) set it to the name the provider knows the instance by; the finding then is a
//   reminder that the certificate the kubelet requests names that host.
//
// References: CIS Kubernetes Benchmark v1.10.0 4.2.7

import (
	"fmt"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/rules"
)

func hostnameOverrideRule() rules.Rule {
	return rules.Rule{
		ID: "kubelet/hostname-override", Title: "Kubelet overrides its hostname", Severity: finding.Low,
		Area: rules.AreaKubelet, Scope: rules.ScopeNode, Components: components,
		Description: "--hostname-override makes the kubelet register the node, and request its serving certificate, " +
			"under another name than the machine's. A mismatch between the two breaks TLS verification between the " +
			"API server and the kubelet, which invites turning it off. Some cloud providers set it on purpose.",
		Fields:     []string{"--hostname-override"},
		Allowed:    []string{"not given"},
		References: []rules.Reference{cisHostnameOverride},
		Remedy:     "Remove --hostname-override from the kubelet's command line unless the cloud provider requires it.",
		Node: func(ctx *rules.NodeContext) []rules.Violation {
			c := ctx.Component
			if c.Flags != nil {
				if v := c.Flags.Lookup("hostname-override"); v.Given {
					return []rules.Violation{{Path: "--hostname-override",
						Message:  fmt.Sprintf("The kubelet registers the node as %q instead of its hostname.", v.String()),
						Evidence: fmt.Sprintf("%s (flag --hostname-override)", v.Last.Arg)}}
				}
			}
			ctx.Pass("--hostname-override is not given")
			return nil
		},
	}
}
