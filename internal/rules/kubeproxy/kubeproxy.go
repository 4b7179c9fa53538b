// Package kubeproxy holds the rules judged on a node's kube-proxy, from its command line as
// the node source read it. Each rule is one declaration over package setting.
package kubeproxy

// kube-proxy/metrics-bind-address: kube-proxy serves its metrics on loopback only.
//
// Restricted fields:
//   --metrics-bind-address (host:port; default 127.0.0.1:10249)
//
// Allowed values:
//   a loopback address (127.0.0.1, ::1, localhost), or the flag left to its default; not
//   applicable when kube-proxy reads a --config file and the flag is not given.
//
// References: CIS Kubernetes Benchmark v1.10.0 4.3.1; kube-proxy command line reference

import (
	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/inventory"
	"palisade.dev/palisade/internal/rules"
	"palisade.dev/palisade/internal/rules/setting"
)

// Rules returns the package's rules.
func Rules() []rules.Rule {
	return setting.Rules(setting.Rule{
		ID: "kube-proxy/metrics-bind-address", Title: "kube-proxy serves its metrics beyond loopback", Severity: finding.Low,
		Area: rules.AreaNode, Components: []inventory.ComponentKind{inventory.KubeProxy},
		Settings: []string{"metrics-bind-address"},
		Allowed:  []string{"127.0.0.1:10249 (the default), ::1 or localhost"},
		Description: "kube-proxy serves /metrics, /healthz and, with profiling, /debug/pprof on --metrics-bind-address " +
			"without authentication. Bound to a network address (0.0.0.0:10249 is a common way to let Prometheus scrape " +
			"it), it tells whoever reaches the node the node's Services, endpoints and proxy rules. A kube-proxy run " +
			"with --config and without the flag reads the address from that file's metricsBindAddress, which Palisade " +
			"does not read: the rule does not apply then.",
		References: []rules.Reference{
			rules.CIS("4.3.1", "Ensure that the kube-proxy metrics service is bound to localhost"),
			rules.Docs("kube-proxy command line reference", "https://kubernetes.io/docs/reference/command-line-tools-reference/kube-proxy/"),
		},
		Remedy: "Remove --metrics-bind-address or set it to 127.0.0.1:10249, and scrape the metrics from the node (a " +
			"hostNetwork agent) or through an authenticating proxy.",
		Judge: setting.UnlessInFile("metrics-bind-address", "config",
			setting.Loopback("metrics-bind-address", "kube-proxy serves its metrics without authentication on {value}, beyond loopback")),
	})
}
