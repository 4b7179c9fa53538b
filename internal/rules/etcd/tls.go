package etcd

// The TLS settings of etcd's two listeners, declared as data over three mechanisms.
//
// etcd/client-tls (CIS 2.1), etcd/peer-tls (CIS 2.4): a certificate and key for the listener.
//   Restricted fields: --cert-file, --key-file; --peer-cert-file, --peer-key-file (or their
//   ETCD_* variables, or client-/peer-transport-security in --config-file).
//   Allowed values: both set.
//
// etcd/client-cert-auth (CIS 2.2), etcd/peer-client-cert-auth (CIS 2.5): clients (members)
//   must present a certificate signed by the trusted CA.
//   Restricted fields: --client-cert-auth; --peer-client-cert-auth.
//   Allowed values: true (etcd's default is false).
//
// etcd/auto-tls (CIS 2.3), etcd/peer-auto-tls (CIS 2.6): etcd must not make itself a
//   self-signed certificate.
//   Restricted fields: --auto-tls; --peer-auto-tls.
//   Allowed values: unset or false. etcd ignores auto TLS when a certificate and key are
//   given (embed.Config.ClientSelfCert: "ignoring client auto TLS since certs given"), so the
//   flag is then reported at low severity, as inert but misleading.
//
// The peer rules judge a member whose peer listeners are all on loopback (a single-member
// etcd, as kubeadm runs one) at low severity: no other member talks to it. kube-bench fails
// those at full weight.
//
// References: CIS Kubernetes Benchmark v1.10.0 2.1-2.6; https://etcd.io/docs/v3.5/op-guide/security/

import (
	"fmt"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/rules"
	"palisade.dev/palisade/internal/settings"
)

// side is one of etcd's listeners.
type side struct {
	name      string // "client", "peer"
	certFlag  string
	keyFlag   string
	authFlag  string
	autoFlag  string
	listeners string // the flag listing its URLs
}

var (
	clientSide = side{name: "client", certFlag: "cert-file", keyFlag: "key-file", authFlag: "client-cert-auth", autoFlag: "auto-tls", listeners: "listen-client-urls"}
	peerSide   = side{name: "peer", certFlag: "peer-cert-file", keyFlag: "peer-key-file", authFlag: "peer-client-cert-auth", autoFlag: "peer-auto-tls", listeners: "listen-peer-urls"}
)

// onlyLoopback reports whether every listener of the side is on loopback, and names them.
func (sd side) onlyLoopback(s *settings.Component) (bool, string) {
	ls, _ := parseListeners(s.Get(sd.listeners).Value)
	for _, l := range ls {
		if !l.loopback {
			return false, describeListeners(ls)
		}
	}
	return len(ls) > 0, describeListeners(ls)
}

// spec declares one rule of this file.
type spec struct {
	id, title   string
	side        side
	severity    finding.Severity
	ref         rules.Reference
	description string
	remedy      string
}

var (
	clientTLS = spec{
		id: "etcd/client-tls", title: "etcd serves clients without its own TLS certificate", side: clientSide, severity: finding.High, ref: cisCertFile,
		description: "etcd holds every object of the cluster, Secrets included. Without --cert-file and --key-file its client " +
			"listener speaks plain HTTP (or a self-signed certificate with --auto-tls): the API server's traffic, every Secret " +
			"in it, can be read and changed on the way.",
		remedy: "Give etcd a serving certificate and key issued by its own CA: --cert-file and --key-file (kubeadm: " +
			"/etc/kubernetes/pki/etcd/server.crt and server.key), and https:// client URLs.",
	}
	peerTLS = spec{
		id: "etcd/peer-tls", title: "etcd members talk to each other without TLS certificates", side: peerSide, severity: finding.Medium, ref: cisPeerCertFile,
		description: "Members of an etcd cluster replicate every write to each other over the peer listener. Without " +
			"--peer-cert-file and --peer-key-file that traffic, every Secret included, is plain text on the network.",
		remedy: "Give each member a peer certificate and key (--peer-cert-file, --peer-key-file; kubeadm: " +
			"/etc/kubernetes/pki/etcd/peer.crt and peer.key) and https:// peer URLs.",
	}
	clientCertAuth = spec{
		id: "etcd/client-cert-auth", title: "etcd accepts clients without a client certificate", side: clientSide, severity: finding.High, ref: cisClientCertAuth,
		description: "With --client-cert-auth=true etcd serves only clients presenting a certificate signed by its " +
			"--trusted-ca-file. Without it, anyone who reaches the client port reads and writes every key, which is " +
			"every object of the cluster, unless etcd's own authentication is enabled.",
		remedy: "Start etcd with --client-cert-auth=true and --trusted-ca-file naming etcd's CA, and give the API server " +
			"a client certificate from it (--etcd-certfile, --etcd-keyfile).",
	}
	peerClientCertAuth = spec{
		id: "etcd/peer-client-cert-auth", title: "etcd accepts peers without a client certificate", side: peerSide, severity: finding.Medium, ref: cisPeerCertAuth,
		description: "With --peer-client-cert-auth=true a member accepts peer connections only from members presenting a " +
			"certificate signed by --peer-trusted-ca-file. Without it, anyone who reaches the peer port can pose as a member.",
		remedy: "Start etcd with --peer-client-cert-auth=true and --peer-trusted-ca-file naming the peers' CA.",
	}
	clientAutoTLS = spec{
		id: "etcd/auto-tls", title: "etcd makes itself a self-signed client certificate", side: clientSide, severity: finding.Medium, ref: cisAutoTLS,
		description: "--auto-tls=true makes etcd generate a self-signed certificate for its client listener when none is " +
			"given. Clients cannot verify it, so they either skip verification or fail; traffic is encrypted but not " +
			"authenticated.",
		remedy: "Remove --auto-tls (or set it to false) and give etcd a certificate from a CA: --cert-file, --key-file.",
	}
	peerAutoTLS = spec{
		id: "etcd/peer-auto-tls", title: "etcd makes itself a self-signed peer certificate", side: peerSide, severity: finding.Medium, ref: cisPeerAutoTLS,
		description: "--peer-auto-tls=true makes each member generate a self-signed peer certificate when none is given: " +
			"peer traffic is encrypted, but members cannot tell a peer from an impostor.",
		remedy: "Remove --peer-auto-tls (or set it to false) and give each member a peer certificate from a CA: " +
			"--peer-cert-file, --peer-key-file.",
	}
)

func (sp spec) rule(fields, allowed []string, check func(*rules.NodeContext, *settings.Component) []rules.Violation) rules.Rule {
	return rules.Rule{
		ID: sp.id, Title: sp.title, Severity: sp.severity, Area: rules.AreaEtcd, Scope: rules.ScopeNode,
		Components:  etcdOnly,
		Description: sp.description,
		Fields:      fields,
		Allowed:     allowed,
		References:  []rules.Reference{sp.ref, docsTransportSecurity, docsEtcdConfiguration},
		Remedy:      sp.remedy,
		Node:        func(ctx *rules.NodeContext) []rules.Violation { return judge(ctx, check) },
	}
}

// peerSeverity lowers a peer finding to low when no other member can reach the listener.
func (sp spec) peerSeverity(s *settings.Component, v *rules.Violation) {
	if sp.side.name != "peer" {
		return
	}
	if only, urls := sp.side.onlyLoopback(s); only {
		v.Severity = ptr(finding.Low)
		v.Message += fmt.Sprintf("; the peer listener is on loopback only (%s), a single member no other member talks to", urls)
	}
}

// filePairRule requires the listener's certificate and key.
func filePairRule(sp spec) rules.Rule {
	cert, key := sp.side.certFlag, sp.side.keyFlag
	return sp.rule([]string{"--" + cert, "--" + key}, []string{"both set"}, func(ctx *rules.NodeContext, s *settings.Component) []rules.Violation {
		c, k := s.Get(cert), s.Get(key)
		if c.Set() && k.Set() {
			ctx.Pass(c.Observed("") + "; " + k.Observed(""))
			return nil
		}
		var missing []string
		for _, m := range []struct {
			flag string
			s    settings.Setting
		}{{cert, c}, {key, k}} {
			if !m.s.Set() {
				missing = append(missing, "--"+m.flag)
			}
		}
		v := rules.Violation{
			Path: "--" + cert,
			Message: fmt.Sprintf("etcd's %s listener has no TLS certificate and key of its own (%s not set)",
				sp.side.name, joinAnd(missing)),
			Evidence: c.Observed("") + "; " + k.Observed(""),
		}
		if auto, _ := s.Get(sp.side.autoFlag).Bool(); auto {
			v.Message += fmt.Sprintf("; --%s makes it use a self-signed certificate nobody can verify", sp.side.autoFlag)
		}
		sp.peerSeverity(s, &v)
		return []rules.Violation{v}
	})
}

// mustBeTrueRule requires a boolean setting to be true.
func mustBeTrueRule(sp spec) rules.Rule {
	flag := sp.side.authFlag
	return sp.rule([]string{"--" + flag}, []string{"true"}, func(ctx *rules.NodeContext, s *settings.Component) []rules.Violation {
		st := s.Get(flag)
		on, err := st.Bool()
		if err == nil && on {
			ctx.Pass(st.Observed(""))
			return nil
		}
		v := rules.Violation{Path: "--" + flag, Evidence: st.Observed("false")}
		switch {
		case err != nil:
			v.Message = err.Error()
		case sp.side.name == "client":
			v.Message = "etcd serves clients that present no certificate: whoever reaches its client port reads and writes every object of the cluster, Secrets included"
		default:
			v.Message = "etcd accepts peer connections without a member certificate: whoever reaches its peer port can pose as a member"
		}
		sp.peerSeverity(s, &v)
		return []rules.Violation{v}
	})
}

// autoTLSRule forbids self-signed automatic TLS.
func autoTLSRule(sp spec) rules.Rule {
	flag := sp.side.autoFlag
	return sp.rule([]string{"--" + flag}, []string{"unset", "false"}, func(ctx *rules.NodeContext, s *settings.Component) []rules.Violation {
		st := s.Get(flag)
		on, err := st.Bool()
		if err == nil && !on {
			ctx.Pass(st.Observed("false"))
			return nil
		}
		v := rules.Violation{Path: "--" + flag, Evidence: st.Observed("")}
		cert, key := s.Get(sp.side.certFlag), s.Get(sp.side.keyFlag)
		switch {
		case err != nil:
			v.Message = err.Error()
		case cert.Set() || key.Set():
			// embed.Config.ClientSelfCert / PeerSelfCert return early when certificates are given.
			v.Severity = ptr(finding.Low)
			v.Message = fmt.Sprintf("--%s=true is set, but etcd ignores it because --%s is given (it logs \"ignoring %s auto TLS since certs given\"); remove it so that the configuration says what etcd does",
				flag, sp.side.certFlag, sp.side.name)
			v.Evidence += "; " + cert.Observed("")
		default:
			v.Message = fmt.Sprintf("etcd's %s listener uses a self-signed certificate it made itself (--%s=true): nobody can verify it, so %s skip verification",
				sp.side.name, flag, map[string]string{"client": "clients", "peer": "members"}[sp.side.name])
			sp.peerSeverity(s, &v)
		}
		return []rules.Violation{v}
	})
}

func joinAnd(items []string) string {
	switch len(items) {
	case 0:
		return ""
	case 1:
		return items[0]
	}
	out := items[0]
	for _, it := range items[1 : len(items)-1] {
		out += ", " + it
	}
	return out + " and " + items[len(items)-1]
}

func ptr[T any](v T) *T { return &v }
