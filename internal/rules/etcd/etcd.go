// Package etcd holds the rules judged on an etcd server found on a node: TLS on its client
// and peer listeners, client-certificate authentication, self-signed automatic TLS, its own
// certificate authority, and listeners that anyone on the network can reach. Every setting
// is read as etcd reads it (package settings): the command-line flag, else its ETCD_* environment
// variable, or, when --config-file is given, that file alone. The rules judge what the node
// source recorded and never contact etcd; probing it is internal/probe's.
package etcd

import (
	"fmt"
	"net"
	"net/url"
	"strings"

	"palisade.dev/palisade/internal/inventory"
	"palisade.dev/palisade/internal/rules"
)

// Rules returns the package's rules.
func Rules() []rules.Rule {
	return []rules.Rule{
		filePairRule(clientTLS, clientSide),
		filePairRule(peerTLS, peerSide),
		mustBeTrueRule(clientCertAuth, clientSide),
		mustBeTrueRule(peerClientCertAuth, peerSide),
		autoTLSRule(clientAutoTLS, clientSide),
		autoTLSRule(peerAutoTLS, peerSide),
		trustedCARule(),
		clientPlainHTTPRule(),
		clientExposedRule(),
	}
}

var etcdOnly = []inventory.ComponentKind{inventory.Etcd}

// listener is one URL etcd listens on.
type listener struct {
	raw      string
	scheme   string
	host     string
	loopback bool
	// unix is a socket on the node's filesystem (unix:// or unixs://).
	unix bool
}

// parseListeners reads a comma-separated URL list as etcd does (flags.UniqueURLsFromFlag);
// the URLs that do not parse are returned apart (etcd refuses to start with them).
func parseListeners(list string) (out []listener, bad []string) {
	for _, raw := range strings.Split(list, ",") {
		raw = strings.TrimSpace(raw)
		if raw == "" {
			continue
		}
		u, err := url.Parse(raw)
		if err != nil || u.Scheme == "" {
			bad = append(bad, raw)
			continue
		}
		l := listener{raw: raw, scheme: strings.ToLower(u.Scheme), host: u.Hostname()}
		l.unix = l.scheme == "unix" || l.scheme == "unixs"
		l.loopback = l.unix || isLoopback(l.host)
		out = append(out, l)
	}
	return out, bad
}

// isLoopback reports whether host is only reachable from the node itself. An empty host or
// an unspecified address (0.0.0.0, ::) listens on every interface.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func (l listener) tls() bool { return l.scheme == "https" || l.scheme == "unixs" }

// describeListeners lists URLs for a message.
func describeListeners(ls []listener) string {
	out := make([]string, len(ls))
	for i, l := range ls {
		out[i] = l.raw
	}
	return strings.Join(out, ", ")
}

// everywhere says what a non-loopback address means.
func everywhere(l listener) string {
	ip := net.ParseIP(l.host)
	if l.host == "" || (ip != nil && ip.IsUnspecified()) {
		return fmt.Sprintf("%s listens on every interface of the node", l.raw)
	}
	return fmt.Sprintf("%s listens on a network address", l.raw)
}
