package etcd

// etcd/client-plain-http: etcd's client URLs use TLS.
//
// Restricted fields:
//   --listen-client-urls (default http://localhost:2379), --listen-client-http-urls
//
// Allowed values:
//   https:// and unixs:// URLs only. An http:// (or unix://) listener has neither encryption
//   nor client certificates: whoever reaches it, on loopback every process of the node and
//   every hostNetwork pod, reads and writes every object of the cluster.
//
// etcd/client-exposed: a client listener that others can reach demands a client certificate.
//
// Restricted fields:
//   --listen-client-urls, --listen-client-http-urls, --client-cert-auth
//
// Allowed values:
//   every listener on loopback (127.0.0.0/8, ::1, localhost, a unix socket), or
//   --client-cert-auth=true with only TLS listeners. A listener on another address without
//   both is critical: pods reach the node's addresses, and etcd holds every Secret. A
//   private control-plane network does not make it safe, since the pod network routes to it.
//
// References: CIS Kubernetes Benchmark v1.10.0 2.1 and 2.2; https://etcd.io/docs/v3.5/op-guide/security/;
// https://kubernetes.io/docs/tasks/administer-cluster/configure-upgrade-etcd/#securing-etcd-clusters

import (
	"fmt"
	"strings"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/rules"
	"palisade.dev/palisade/internal/settings"
)

// clientListeners returns etcd's client listeners and the evidence of where they came from.
func clientListeners(s *settings.Component) (ls []listener, evidence string) {
	urls := s.Get("listen-client-urls")
	list := urls.Value
	parts := []string{urls.Observed(urls.Default)}
	ls, bad := parseListeners(list)
	if httpURLs := s.Get("listen-client-http-urls"); httpURLs.Set() {
		more, badMore := parseListeners(httpURLs.Value)
		ls, bad = append(ls, more...), append(bad, badMore...)
		parts = append(parts, httpURLs.Observed(""))
	}
	if len(bad) > 0 {
		parts = append(parts, "URLs that do not parse (etcd refuses to start with them): "+strings.Join(bad, ", "))
	}
	return ls, strings.Join(parts, "; ")
}

func clientPlainHTTPRule() rules.Rule {
	return rules.Rule{
		ID:       "etcd/client-plain-http",
		Title:    "etcd serves clients over plain HTTP",
		Severity: finding.High,
		Area:     rules.AreaEtcd,
		Scope:    rules.ScopeNode,
		Description: "An http:// client URL has no encryption and no client certificates: whoever reaches it reads and " +
			"writes every key of etcd, which is every object of the cluster, Secrets included. On loopback that is every " +
			"process of the node and every pod with hostNetwork. etcd's default client URL is http://localhost:2379.",
		Fields:     []string{"--listen-client-urls", "--listen-client-http-urls"},
		Allowed:    []string{"https:// or unixs:// URLs only"},
		References: []rules.Reference{cisCertFile, docsTransportSecurity, docsOperatingEtcd},
		Remedy: "Serve clients over TLS only: https:// URLs in --listen-client-urls (and --listen-client-http-urls), with " +
			"--cert-file, --key-file, --client-cert-auth=true and --trusted-ca-file.",
		Components: etcdOnly,
		Node: func(ctx *rules.NodeContext) []rules.Violation {
			return judge(ctx, func(ctx *rules.NodeContext, s *settings.Component) []rules.Violation {
				ls, evidence := clientListeners(s)
				var plain []listener
				for _, l := range ls {
					if !l.tls() {
						plain = append(plain, l)
					}
				}
				if len(plain) == 0 {
					ctx.Pass(evidence)
					return nil
				}
				return []rules.Violation{{
					Path: "--listen-client-urls",
					Message: fmt.Sprintf("etcd serves clients without TLS on %s: no encryption and no client certificates, so whoever reaches it reads and writes every object of the cluster",
						describeListeners(plain)),
					Evidence: evidence,
				}}
			})
		},
	}
}

func clientExposedRule() rules.Rule {
	return rules.Rule{
		ID:       "etcd/client-exposed",
		Title:    "etcd's client port is reachable from the network without client-certificate authentication",
		Severity: finding.Critical,
		Area:     rules.AreaEtcd,
		Scope:    rules.ScopeNode,
		Description: "etcd listening on an address other than loopback, without TLS client-certificate authentication, " +
			"serves every object of the cluster, Secrets included, to whoever reaches that address. Pods reach the " +
			"node's addresses through the pod network, so a private control-plane network is no protection.",
		Fields:     []string{"--listen-client-urls", "--listen-client-http-urls", "--client-cert-auth"},
		Allowed:    []string{"only loopback listeners", "--client-cert-auth=true with only TLS listeners"},
		References: []rules.Reference{cisClientCertAuth, cisCertFile, docsTransportSecurity, docsOperatingEtcd},
		Remedy: "Require client certificates (--client-cert-auth=true, --trusted-ca-file, https:// client URLs), or listen " +
			"on loopback only when the API server runs on the same node.",
		Components: etcdOnly,
		Node: func(ctx *rules.NodeContext) []rules.Violation {
			return judge(ctx, func(ctx *rules.NodeContext, s *settings.Component) []rules.Violation {
				ls, evidence := clientListeners(s)
				auth := s.Get("client-cert-auth")
				authOn, _ := auth.Bool()
				evidence += "; " + auth.Observed("false")
				var open []string
				for _, l := range ls {
					switch {
					case l.loopback:
					case !l.tls():
						open = append(open, everywhere(l)+" over plain HTTP")
					case !authOn:
						open = append(open, everywhere(l)+" with TLS but without client-certificate authentication")
					}
				}
				if len(open) == 0 {
					ctx.Pass(evidence)
					return nil
				}
				return []rules.Violation{{
					Path: "--listen-client-urls",
					Message: "etcd serves every object of the cluster, Secrets included, to whoever reaches it: " + strings.Join(open, "; ") +
						"; pods reach the node's addresses through the pod network",
					Evidence: evidence,
				}}
			})
		},
	}
}
