// Package etcdprobe holds the rules judged on what etcd's ports answered a probe from the
// network (palisade probe): whether etcd speaks plain HTTP, whether it completes a TLS
// handshake with a client that has no certificate, whether a caller without credentials
// counts its keys, and, with the client certificate the user gave, whether the Secrets it
// holds are encrypted at rest. They are the network proof beside the flag-based rules of
// package etcd (etcd/client-plain-http, etcd/client-cert-auth) and of package apiserver
// (--encryption-provider-config). The rules read the answers that internal/probe/etcd
// recorded in inventory.Endpoint, by their kinds (inventory.AnswerKind) and the proof's
// counts, never by the wording of their summaries, and never contact anything. An endpoint that did not answer, or answered but not as etcd, is not applicable,
// never a pass; no message or evidence holds a value read from etcd, since the prober keeps
// none.
package etcdprobe

import (
	"fmt"
	"net"
	"slices"
	"strings"

	"palisade.dev/palisade/internal/inventory"
	"palisade.dev/palisade/internal/rules"
)

// Rules returns the package's rules.
func Rules() []rules.Rule {
	return []rules.Rule{
		plainHTTPRule(),
		clientCertRule(),
		keysReadableRule(),
		encryptionRule(),
	}
}

// The endpoint components the rules judge, as the probe engine names them.
const (
	etcdClient = "etcd"
	etcdPeer   = "etcd-peer"
)

var bothPorts = []string{etcdClient, etcdPeer}

// The requests of etcd's prober (probe/etcd.VersionPath, RangePath; a test pins that they
// agree).
const (
	versionPath = "/version"
	rangePath   = "/v3/kv/range"
)

// certRequired reports whether the endpoint refused a TLS handshake without a client
// certificate.
func certRequired(ep *inventory.Endpoint) bool { return ep.TLS != nil && ep.TLS.ClientCertRequired }

// version is the answer to GET /version when it named etcd's version, else nil.
func version(ep *inventory.Endpoint) *inventory.Answer {
	a := ep.Answer("GET", versionPath)
	if a == nil || a.Status != 200 || a.Kind != inventory.AnswerEtcdVersion {
		return nil
	}
	return a
}

// versionEvidence says what GET /version answered, and what the prober said of it.
func versionEvidence(ep *inventory.Endpoint) string {
	a := ep.Answer("GET", versionPath)
	switch {
	case a == nil:
		return "GET /version not asked"
	case a.Error != "":
		return "GET /version: no answer (" + a.Error + ")"
	}
	return fmt.Sprintf("GET /version: HTTP %d", a.Status) + said(a)
}

// said is what the prober said of an answer, after a comma, or "" when it said nothing.
func said(a *inventory.Answer) string {
	if a.Summary == "" {
		return ""
	}
	return ", " + a.Summary
}

// rangeAnswer is the range request whose answer is of one of kinds, else nil.
func rangeAnswer(ep *inventory.Endpoint, kinds ...inventory.AnswerKind) *inventory.Answer {
	for i := range ep.Answers {
		a := &ep.Answers[i]
		if a.Method == "POST" && a.Path == rangePath && slices.Contains(kinds, a.Kind) {
			return a
		}
	}
	return nil
}

// unproven says why an answer proves nothing: what the prober said of it, and the error of
// the request when it failed.
func unproven(a *inventory.Answer) string {
	if a.Error != "" {
		return a.Summary + " (" + a.Error + ")"
	}
	return a.Summary
}

// loopback reports whether the endpoint's host is reachable only from its own node.
func loopback(ep *inventory.Endpoint) bool {
	if strings.EqualFold(ep.Host, "localhost") {
		return true
	}
	ip := net.ParseIP(ep.Host)
	return ip != nil && ip.IsLoopback()
}

// port says which of etcd's ports the endpoint is.
func port(ep *inventory.Endpoint) string {
	if ep.Component == etcdPeer {
		return "etcd's peer port at " + ep.Address
	}
	return "etcd at " + ep.Address
}

// The sources the rules cite. CIS IDs are those of the CIS Kubernetes Benchmark v1.10.0, as
// kube-bench encodes them in cfg/cis-1.10.
var (
	cisCertFile           = rules.CIS("2.1", "Ensure that the --cert-file and --key-file arguments are set as appropriate")
	cisClientCertAuth     = rules.CIS("2.2", "Ensure that the --client-cert-auth argument is set to true")
	cisPeerCertFile       = rules.CIS("2.4", "Ensure that the --peer-cert-file and --peer-key-file arguments are set as appropriate")
	cisPeerCertAuth       = rules.CIS("2.5", "Ensure that the --peer-client-cert-auth argument is set to true")
	cisEncryptionConfig   = rules.CIS("1.2.27", "Ensure that the --encryption-provider-config argument is set as appropriate")
	cisEncryptionProvider = rules.CIS("1.2.28", "Ensure that encryption providers are appropriately configured")

	docsTransportSecurity = rules.Docs("etcd: Transport security model", "https://etcd.io/docs/v3.5/op-guide/security/")
	docsOperatingEtcd     = rules.Docs("Operating etcd clusters for Kubernetes: securing etcd clusters", "https://kubernetes.io/docs/tasks/administer-cluster/configure-upgrade-etcd/#securing-etcd-clusters")
	docsGateway           = rules.Docs("etcd: Why gRPC gateway", "https://etcd.io/docs/v3.5/dev-guide/api_grpc_gateway/")
	docsEncryptData       = rules.Docs("Encrypting Confidential Data at Rest", "https://kubernetes.io/docs/tasks/administer-cluster/encrypt-data/")
)
