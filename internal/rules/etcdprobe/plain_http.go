package etcdprobe

// etcd/probe-plain-http: etcd's client or peer port answers plain HTTP, proven by etcd
// answering GET /version without TLS. The flag rule etcd/client-plain-http reads the URLs
// etcd was told to listen on; this one proves what a caller on the network reaches.
//
// Restricted fields:
//   the protocol of etcd's client port (2379) and peer port (2380)
//
// Allowed values:
//   TLS (pass). Plain HTTP answered by etcd is critical on either port: on the client port
//   whoever reaches it reads and writes every object of the cluster; on the peer port
//   replication, which carries every write, crosses the network in clear text and no peer
//   certificate is asked for. Plain HTTP answered by something else, or nothing answering, is
//   not applicable.
//
// References: CIS Kubernetes Benchmark v1.10.0 2.1, 2.4; https://etcd.io/docs/v3.5/op-guide/security/

import (
	"fmt"
	"strings"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/inventory"
	"palisade.dev/palisade/internal/rules"
)

func plainHTTPRule() rules.Rule {
	return rules.Rule{
		ID:       "etcd/probe-plain-http",
		Title:    "etcd answers plain HTTP (probed)",
		Severity: finding.Critical,
		Area:     rules.AreaEtcd,
		Scope:    rules.ScopeEndpoint,
		Description: "Palisade connects to etcd's client and peer ports and asks GET /version. etcd answering in plain " +
			"HTTP has no TLS at all: on the client port no encryption and no client certificates, so whoever reaches " +
			"the port reads and writes every object of the cluster, Secrets included; on the peer port replication " +
			"traffic, which carries every write, crosses the network in clear text and anyone may speak to the member " +
			"as a peer.",
		Fields:             []string{"the protocol of etcd's client port (2379) and peer port (2380)"},
		Allowed:            []string{"TLS"},
		References:         []rules.Reference{cisCertFile, cisPeerCertFile, docsTransportSecurity, docsOperatingEtcd},
		EndpointComponents: bothPorts,
		Remedy: "Serve etcd over TLS only: https:// URLs in --listen-client-urls and --listen-peer-urls, with " +
			"--cert-file, --key-file, --client-cert-auth=true and --trusted-ca-file for clients, and --peer-cert-file, " +
			"--peer-key-file, --peer-client-cert-auth=true and --peer-trusted-ca-file for peers.",
		Endpoint: rules.Answering(checkPlainHTTP),
	}
}

func checkPlainHTTP(ctx *rules.EndpointContext) []rules.Violation {
	ep := ctx.Endpoint
	if ep.Protocol == "https" {
		ctx.Pass(fmt.Sprintf("%s speaks TLS%s", ep.Address, tlsVersions(ep)))
		return nil
	}
	if version(ep) == nil {
		ctx.NotApplicable(fmt.Sprintf("%s answers plain HTTP, but not as etcd (%s)", ep.Address, versionEvidence(ep)))
		return nil
	}
	message := fmt.Sprintf("%s answers plain HTTP: no encryption and no client certificates, so whoever reaches it reads and writes every object of the cluster, Secrets included", port(ep))
	if ep.Component == etcdPeer {
		message = fmt.Sprintf("%s answers plain HTTP: replication, which carries every write (Secrets included), crosses the network in clear text, and whoever reaches the port is asked for no peer certificate", port(ep))
	}
	return []rules.Violation{{
		Path:     ep.Address,
		Message:  message,
		Evidence: "plain HTTP without credentials: " + versionEvidence(ep),
	}}
}

// tlsVersions names the TLS versions the endpoint accepted, when the probe scanned them.
func tlsVersions(ep *inventory.Endpoint) string {
	if ep.TLS == nil || len(ep.TLS.Versions) == 0 {
		return ""
	}
	return " (" + strings.Join(ep.TLS.Versions, ", ") + ")"
}
