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
	"palisade.dev/palisade/internal/rules/setting"
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

var (
	clientTLS = setting.Rule{
		ID: "etcd/client-tls", Title: "etcd serves clients without its own TLS certificate", Severity: finding.High, References: []rules.Reference{cisCertFile},
		Description: "etcd holds every object of the cluster, Secrets included. Without --cert-file and --key-file its client " +
			"listener speaks plain HTTP (or a self-signed certificate with --auto-tls): the API server's traffic, every Secret " +
			"in it, can be read and changed on the way.",
		Remedy: "Give etcd a serving certificate and key issued by its own CA: --cert-file and --key-file (kubeadm: " +
			"/etc/kubernetes/pki/etcd/server.crt and server.key), and https:// client URLs.",
	}
	peerTLS = setting.Rule{
		ID: "etcd/peer-tls", Title: "etcd members talk to each other without TLS certificates", Severity: finding.Medium, References: []rules.Reference{cisPeerCertFile},
		Description: "Members of an etcd cluster replicate every write to each other over the peer listener. Without " +
			"--peer-cert-file and --peer-key-file that traffic, every Secret included, is plain text on the network.",
		Remedy: "Give each member a peer certificate and key (--peer-cert-file, --peer-key-file; kubeadm: " +
			"/etc/kubernetes/pki/etcd/peer.crt and peer.key) and https:// peer URLs.",
	}
	clientCertAuth = setting.Rule{
		ID: "etcd/client-cert-auth", Title: "etcd accepts clients without a client certificate", Severity: finding.High, References: []rules.Reference{cisClientCertAuth},
		Description: "With --client-cert-auth=true etcd serves only clients presenting a certificate signed by its " +
			"--trusted-ca-file. Without it, anyone who reaches the client port reads and writes every key, which is " +
			"every object of the cluster, unless etcd's own authentication is enabled.",
		Remedy: "Start etcd with --client-cert-auth=true and --trusted-ca-file naming etcd's CA, and give the API server " +
			"a client certificate from it (--etcd-certfile, --etcd-keyfile).",
	}
	peerClientCertAuth = setting.Rule{
		ID: "etcd/peer-client-cert-auth", Title: "etcd accepts peers without a client certificate", Severity: finding.Medium, References: []rules.Reference{cisPeerCertAuth},
		Description: "With --peer-client-cert-auth=true a member accepts peer connections only from members presenting a " +
			"certificate signed by --peer-trusted-ca-file. Without it, anyone who reaches the peer port can pose as a member.",
		Remedy: "Start etcd with --peer-client-cert-auth=true and --peer-trusted-ca-file naming the peers' CA.",
	}
	clientAutoTLS = setting.Rule{
		ID: "etcd/auto-tls", Title: "etcd makes itself a self-signed client certificate", Severity: finding.Medium, References: []rules.Reference{cisAutoTLS},
		Description: "--auto-tls=true makes etcd generate a self-signed certificate for its client listener when none is " +
			"given. Clients cannot verify it, so they either skip verification or fail; traffic is encrypted but not " +
			"authenticated.",
		Remedy: "Remove --auto-tls (or set it to false) and give etcd a certificate from a CA: --cert-file, --key-file.",
	}
	peerAutoTLS = setting.Rule{
		ID: "etcd/peer-auto-tls", Title: "etcd makes itself a self-signed peer certificate", Severity: finding.Medium, References: []rules.Reference{cisPeerAutoTLS},
		Description: "--peer-auto-tls=true makes each member generate a self-signed peer certificate when none is given: " +
			"peer traffic is encrypted, but members cannot tell a peer from an impostor.",
		Remedy: "Remove --peer-auto-tls (or set it to false) and give each member a peer certificate from a CA: " +
			"--peer-cert-file, --peer-key-file.",
	}
)

// tlsRule completes a declaration of this file: the settings it reads, the values it allows,
// its judge, and the references every rule of the file cites.
func tlsRule(r setting.Rule, read, allowed []string, judge setting.Judge) rules.Rule {
	r.Area, r.Components, r.Settings, r.Allowed, r.Judge = rules.AreaEtcd, etcdOnly, read, allowed, judge
	r.References = append(r.References, docsTransportSecurity, docsEtcdConfiguration)
	return r.Rule()
}

// peerSeverity lowers a peer finding to low when no other member can reach the listener.
func (sd side) peerSeverity(s *settings.Component, f *setting.Failure) {
	if sd.name != "peer" {
		return
	}
	if only, urls := sd.onlyLoopback(s); only {
		f.Severity = new(finding.Low)
		f.Message += fmt.Sprintf("; the peer listener is on loopback only (%s), a single member no other member talks to", urls)
	}
}

// filePairRule requires the listener's certificate and key.
func filePairRule(r setting.Rule, sd side) rules.Rule {
	cert, key := sd.certFlag, sd.keyFlag
	return tlsRule(r, []string{cert, key}, []string{"both set"}, func(v setting.Values) setting.Verdict {
		c, k := v.Get(cert), v.Get(key)
		if c.Set() && k.Set() {
			return setting.Verdict{Evidence: c.Observed("") + "; " + k.Observed("")}
		}
		var missing []string
		for _, m := range []settings.Setting{c, k} {
			if !m.Set() {
				missing = append(missing, "--"+m.Name)
			}
		}
		f := setting.Failure{
			Setting: cert,
			Message: fmt.Sprintf("etcd's %s listener has no TLS certificate and key of its own (%s not set)",
				sd.name, joinAnd(missing)),
			Evidence: c.Observed("") + "; " + k.Observed(""),
		}
		if auto, _ := v.Get(sd.autoFlag).Bool(); auto {
			f.Message += fmt.Sprintf("; --%s makes it use a self-signed certificate nobody can verify", sd.autoFlag)
		}
		sd.peerSeverity(v.Of, &f)
		return setting.Verdict{Failures: []setting.Failure{f}}
	})
}

// mustBeTrueRule requires the side's client-certificate authentication to be true.
func mustBeTrueRule(r setting.Rule, sd side) rules.Rule {
	flag := sd.authFlag
	return tlsRule(r, []string{flag}, []string{"true"}, func(v setting.Values) setting.Verdict {
		st := v.Get(flag)
		on, err := st.Bool()
		if err == nil && on {
			return setting.Verdict{Evidence: st.Observed("")}
		}
		f := setting.Failure{Setting: flag, Evidence: st.Observed("false")}
		switch {
		case err != nil:
			f.Message = err.Error()
		case sd.name == "client":
			f.Message = "etcd serves clients that present no certificate: whoever reaches its client port reads and writes every object of the cluster, Secrets included"
		default:
			f.Message = "etcd accepts peer connections without a member certificate: whoever reaches its peer port can pose as a member"
		}
		sd.peerSeverity(v.Of, &f)
		return setting.Verdict{Failures: []setting.Failure{f}}
	})
}

// autoTLSRule forbids self-signed automatic TLS.
func autoTLSRule(r setting.Rule, sd side) rules.Rule {
	flag := sd.autoFlag
	return tlsRule(r, []string{flag}, []string{"unset", "false"}, func(v setting.Values) setting.Verdict {
		st := v.Get(flag)
		on, err := st.Bool()
		if err == nil && !on {
			return setting.Verdict{Evidence: st.Observed("false")}
		}
		f := setting.Failure{Setting: flag, Evidence: st.Observed("")}
		cert, key := v.Get(sd.certFlag), v.Get(sd.keyFlag)
		switch {
		case err != nil:
			f.Message = err.Error()
		case cert.Set() || key.Set():
			// embed.Config.ClientSelfCert / PeerSelfCert return early when certificates are given.
			f.Severity = new(finding.Low)
			f.Message = fmt.Sprintf("--%s=true is set, but etcd ignores it because --%s is given (it logs \"ignoring %s auto TLS since certs given\"); remove it so that the configuration says what etcd does",
				flag, sd.certFlag, sd.name)
			f.Evidence += "; " + cert.Observed("")
		default:
			f.Message = fmt.Sprintf("etcd's %s listener uses a self-signed certificate it made itself (--%s=true): nobody can verify it, so %s skip verification",
				sd.name, flag, map[string]string{"client": "clients", "peer": "members"}[sd.name])
			sd.peerSeverity(v.Of, &f)
		}
		return setting.Verdict{Failures: []setting.Failure{f}}
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
