package etcdprobe

// etcd/probe-client-cert-auth: etcd completes a TLS handshake with a client that presents no
// certificate, proven by the handshake and by etcd answering GET /version over it. The flag
// rules etcd/client-cert-auth and etcd/peer-client-cert-auth read --client-cert-auth and
// --peer-client-cert-auth; this one proves what a caller on the network is let do.
//
// Restricted fields:
//   whether etcd's client port (2379) and peer port (2380) refuse a TLS client without a
//   certificate
//
// Allowed values:
//   the handshake refused for want of a client certificate (pass). A handshake that succeeds
//   is critical on any address but loopback, since pods reach the node's addresses through
//   the pod network; on loopback it is high: only the node itself reaches the port, but
//   every process on it and every pod with hostNetwork does. An endpoint in plain HTTP (see
//   etcd/probe-plain-http), or one that does not answer as etcd, is not applicable.
//
// References: CIS Kubernetes Benchmark v1.10.0 2.2, 2.5; https://etcd.io/docs/v3.5/op-guide/security/

import (
	"fmt"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/inventory"
	"palisade.dev/palisade/internal/rules"
)

func clientCertRule() rules.Rule {
	return rules.Rule{
		ID:       "etcd/probe-client-cert-auth",
		Title:    "etcd accepts TLS clients without a certificate (probed)",
		Severity: finding.Critical,
		Area:     rules.AreaEtcd,
		Scope:    rules.ScopeEndpoint,
		Description: "Palisade opens a TLS connection to etcd's client and peer ports without a client certificate. " +
			"etcd with client-certificate authentication refuses it; etcd without it serves whoever connects, and " +
			"TLS then only encrypts what that stranger reads. Critical on an address the network reaches, since pods " +
			"reach the node's addresses; high on loopback, which only the node's own processes and hostNetwork pods " +
			"reach.",
		Fields:             []string{"the TLS handshake of etcd's client port (2379) and peer port (2380) without a client certificate"},
		Allowed:            []string{"refused for want of a client certificate"},
		References:         []rules.Reference{cisClientCertAuth, cisPeerCertAuth, docsTransportSecurity, docsOperatingEtcd},
		EndpointComponents: bothPorts,
		Remedy: "Require client certificates: --client-cert-auth=true with --trusted-ca-file (a CA of etcd's own) for " +
			"clients, --peer-client-cert-auth=true with --peer-trusted-ca-file for peers; give the API server " +
			"--etcd-certfile, --etcd-keyfile and --etcd-cafile.",
		Endpoint: rules.Answering(checkClientCert),
	}
}

func checkClientCert(ctx *rules.EndpointContext) []rules.Violation {
	ep := ctx.Endpoint
	switch {
	case ep.Protocol != "https":
		ctx.NotApplicable(fmt.Sprintf("%s speaks plain HTTP: there is no TLS handshake to judge (etcd/probe-plain-http judges it)", ep.Address))
		return nil
	case ep.TLS == nil:
		ctx.NotApplicable(fmt.Sprintf("%s speaks TLS, but the probe recorded no handshake", ep.Address))
		return nil
	case certRequired(ep):
		ctx.Pass(fmt.Sprintf("%s refused a TLS handshake without a client certificate for want of one", ep.Address))
		return nil
	case version(ep) == nil:
		ctx.NotApplicable(fmt.Sprintf("%s completes a TLS handshake without a client certificate, but does not answer as etcd (%s)", ep.Address, versionEvidence(ep)))
		return nil
	}
	v := rules.Violation{
		Path: ep.Address,
		Message: fmt.Sprintf("%s completes a TLS handshake with a client that has no certificate and answers it: "+
			"whoever reaches %s is served, and %s", port(ep), ep.Host, reach(ep)),
		Evidence: "TLS handshake without a client certificate succeeded; " + versionEvidence(ep),
	}
	if loopback(ep) {
		high := finding.High
		v.Severity = &high
	}
	return []rules.Violation{v}
}

// reach says who reaches the endpoint's address, and so why the finding is critical or high.
func reach(ep *inventory.Endpoint) string {
	if loopback(ep) {
		return "that is every process of the node and every pod with hostNetwork; high rather than critical because a loopback address is not reachable from other hosts or from pods on the pod network"
	}
	return "that includes every pod, since pods reach the node's addresses through the pod network; critical because the address is not loopback"
}
