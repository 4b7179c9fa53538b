package etcdprobe_test

import (
	"strings"
	"testing"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/inventory"
	"palisade.dev/palisade/internal/rules/etcdprobe"
	"palisade.dev/palisade/internal/testrules"
)

type want struct {
	status   finding.Status
	severity finding.Severity // checked for failures
	message  string
	evidence string
}

func (w want) check(t *testing.T, name string, got testrules.Verdict, ok bool) {
	t.Helper()
	if !ok {
		t.Errorf("%s: no verdict", name)
		return
	}
	if got.Status != w.status {
		t.Errorf("%s: status %q, want %q (%s | %s)", name, got.Status, w.status, got.Message, got.Evidence)
		return
	}
	if w.status == finding.Fail && got.Severity != w.severity {
		t.Errorf("%s: severity %s, want %s", name, got.Severity, w.severity)
	}
	if !strings.Contains(got.Message, w.message) {
		t.Errorf("%s: message %q does not contain %q", name, got.Message, w.message)
	}
	if !strings.Contains(got.Evidence, w.evidence) {
		t.Errorf("%s: evidence %q does not contain %q", name, got.Evidence, w.evidence)
	}
}

var (
	pass = finding.Pass
	fail = finding.Fail
	na   = finding.NotApplicable
)

// endpoint is an etcd endpoint as the probe leaves it.
func endpoint(host, component, protocol string, tls *inventory.TLSFacts, answers ...inventory.Answer) *inventory.Endpoint {
	port := "2379"
	if component == "etcd-peer" {
		port = "2380"
	}
	return &inventory.Endpoint{Host: host, Address: host + ":" + port, Component: component, Reachable: protocol != "",
		Protocol: protocol, TLS: tls, Answers: answers}
}

var (
	version     = inventory.Answer{Method: "GET", Path: "/version", Status: 200, Summary: "etcd 3.7.0 (cluster version 3.7.0)", Kind: inventory.AnswerEtcdVersion}
	readable    = inventory.Answer{Method: "POST", Path: "/v3/kv/range", Status: 200, Summary: "312 keys readable under /registry/", Kind: inventory.AnswerKeysCounted}
	noGateway   = inventory.Answer{Method: "POST", Path: "/v3/kv/range", Status: 404, Summary: "keys not readable: no v3 gateway at this port (HTTP 404)", Kind: inventory.AnswerKeysRefused}
	etcdAuth    = inventory.Answer{Method: "POST", Path: "/v3/kv/range", Status: 400, Summary: "keys not readable: etcd answered HTTP 400: etcdserver: user name is empty", Kind: inventory.AnswerKeysRefused}
	openTLS     = &inventory.TLSFacts{Versions: []string{"TLS 1.2", "TLS 1.3"}}
	certNeeded  = &inventory.TLSFacts{ClientCertRequired: true}
	proofAnswer = func(summary string, sample inventory.SecretsSample) inventory.Answer {
		return inventory.Answer{Method: "POST", Path: "/v3/kv/range", Status: 200, Summary: summary, Kind: inventory.AnswerSecretsSampled, Secrets: &sample}
	}
)

func TestRulesJudgeWhatEtcdAnswered(t *testing.T) {
	for _, tc := range []struct {
		name string
		rule string
		ep   *inventory.Endpoint
		want want
	}{
		// etcd/probe-plain-http
		{"plain HTTP answered as etcd", "etcd/probe-plain-http", endpoint("10.0.0.5", "etcd", "http", nil, version, readable),
			want{status: fail, severity: finding.Critical, message: "etcd at 10.0.0.5:2379 answers plain HTTP: no encryption and no client certificates", evidence: "GET /version: HTTP 200, etcd 3.7.0"}},
		{"plain HTTP on loopback is critical too", "etcd/probe-plain-http", endpoint("127.0.0.1", "etcd", "http", nil, version),
			want{status: fail, severity: finding.Critical}},
		{"peer port in plain HTTP", "etcd/probe-plain-http", endpoint("10.0.0.5", "etcd-peer", "http", nil, version),
			want{status: fail, severity: finding.Critical, message: "etcd's peer port at 10.0.0.5:2380 answers plain HTTP: replication"}},
		{"plain HTTP that is not etcd", "etcd/probe-plain-http", endpoint("10.0.0.5", "etcd", "http", nil,
			inventory.Answer{Method: "GET", Path: "/version", Status: 200, Summary: "unexpected answer: not etcd's version (12 bytes)", Kind: inventory.AnswerUnexpected}),
			want{status: na, message: "answers plain HTTP, but not as etcd (GET /version: HTTP 200, unexpected answer"}},
		{"TLS", "etcd/probe-plain-http", endpoint("10.0.0.5", "etcd", "https", openTLS, version),
			want{status: pass, evidence: "10.0.0.5:2379 speaks TLS (TLS 1.2, TLS 1.3)"}},
		{"closed", "etcd/probe-plain-http", &inventory.Endpoint{Host: "10.0.0.9", Address: "10.0.0.9:2379", Component: "etcd", Error: "connection refused"},
			want{status: na, message: "Nothing answered at 10.0.0.9:2379 (connection refused)."}},
		{"nonsense", "etcd/probe-plain-http", &inventory.Endpoint{Host: "10.0.0.9", Address: "10.0.0.9:2379", Component: "etcd", Reachable: true, Error: `unexpected answer: "SSH-2.0"`},
			want{status: na, message: `neither in TLS nor in HTTP: unexpected answer: "SSH-2.0"`}},

		// etcd/probe-client-cert-auth
		{"handshake without a certificate on a network address", "etcd/probe-client-cert-auth", endpoint("10.0.0.5", "etcd", "https", openTLS, version, readable),
			want{status: fail, severity: finding.Critical, message: "critical because the address is not loopback", evidence: "TLS handshake without a client certificate succeeded; GET /version: HTTP 200, etcd 3.7.0"}},
		{"handshake without a certificate on loopback", "etcd/probe-client-cert-auth", endpoint("127.0.0.1", "etcd", "https", openTLS, version),
			want{status: fail, severity: finding.High, message: "high rather than critical because a loopback address is not reachable from other hosts"}},
		{"localhost", "etcd/probe-client-cert-auth", endpoint("localhost", "etcd-peer", "https", openTLS, version),
			want{status: fail, severity: finding.High, message: "etcd's peer port at localhost:2380 completes a TLS handshake"}},
		{"certificate required", "etcd/probe-client-cert-auth", endpoint("10.0.0.5", "etcd", "https", certNeeded),
			want{status: pass, evidence: "refused a TLS handshake without a client certificate for want of one"}},
		{"plain HTTP has no handshake", "etcd/probe-client-cert-auth", endpoint("10.0.0.5", "etcd", "http", nil, version),
			want{status: na, message: "etcd/probe-plain-http judges it"}},
		{"TLS but not etcd", "etcd/probe-client-cert-auth", endpoint("10.0.0.5", "etcd", "https", openTLS,
			inventory.Answer{Method: "GET", Path: "/version", Status: 404, Summary: "no version: HTTP 404"}),
			want{status: na, message: "does not answer as etcd (GET /version: HTTP 404, no version: HTTP 404)"}},

		// etcd/probe-keys-readable
		{"keys counted", "etcd/probe-keys-readable", endpoint("10.0.0.5", "etcd", "https", openTLS, version, readable),
			want{status: fail, severity: finding.Critical, message: "lets a caller without credentials read its keys: it counted them (312 keys readable under /registry/)",
				evidence: "POST /v3/kv/range (count only, no value fetched) without credentials: HTTP 200, 312 keys readable under /registry/"}},
		{"one key", "etcd/probe-keys-readable", endpoint("10.0.0.5", "etcd", "http", nil, version,
			inventory.Answer{Method: "POST", Path: "/v3/kv/range", Status: 200, Summary: "1 key readable under /registry/", Kind: inventory.AnswerKeysCounted}),
			want{status: fail, severity: finding.Critical, message: "it counted them (1 key readable under /registry/)"}},
		{"no keys, still readable", "etcd/probe-keys-readable", endpoint("10.0.0.5", "etcd", "http", nil, version,
			inventory.Answer{Method: "POST", Path: "/v3/kv/range", Status: 200, Summary: "0 keys readable under /registry/", Kind: inventory.AnswerKeysCounted}),
			want{status: fail, severity: finding.Critical}},
		{"etcd's authentication refuses", "etcd/probe-keys-readable", endpoint("10.0.0.5", "etcd", "https", openTLS, version, etcdAuth),
			want{status: pass, evidence: "HTTP 400, keys not readable: etcd answered HTTP 400: etcdserver: user name is empty"}},
		{"no gateway on the peer port", "etcd/probe-keys-readable", endpoint("10.0.0.5", "etcd-peer", "http", nil, version, noGateway),
			want{status: pass, evidence: "no v3 gateway at this port"}},
		{"certificate required", "etcd/probe-keys-readable", endpoint("10.0.0.5", "etcd", "https", certNeeded),
			want{status: pass, evidence: "no request without credentials reaches etcd"}},
		{"no answer", "etcd/probe-keys-readable", endpoint("10.0.0.5", "etcd", "http", nil, version,
			inventory.Answer{Method: "POST", Path: "/v3/kv/range", Error: "timed out", Summary: "no answer", Kind: inventory.AnswerKeysUnproven}),
			want{status: na, message: "did not answer the count-only range as etcd: no answer (timed out)"}},
		{"nonsense", "etcd/probe-keys-readable", endpoint("10.0.0.5", "etcd", "http", nil, version,
			inventory.Answer{Method: "POST", Path: "/v3/kv/range", Status: 200, Summary: "unexpected answer: HTTP 200 that is not an etcd range answer (5 bytes)", Kind: inventory.AnswerKeysUnproven}),
			want{status: na, message: "unexpected answer"}},
		{"not asked", "etcd/probe-keys-readable", endpoint("10.0.0.5", "etcd", "http", nil, version),
			want{status: na, message: "no count-only range was asked"}},
		{"the proof's range is not the anonymous one", "etcd/probe-keys-readable", endpoint("10.0.0.5", "etcd", "https", openTLS, version,
			proofAnswer("3 of 3 Secrets under /registry/secrets/ sampled: 3 in plain text (protobuf)", inventory.SecretsSample{Prefix: "/registry/secrets/", Total: 3, Sampled: 3, Encrypted: 0, Plain: 3})),
			want{status: na, message: "no count-only range was asked"}},

		// etcd/probe-secrets-encryption
		{"all encrypted", "etcd/probe-secrets-encryption", endpoint("10.0.0.5", "etcd", "https", certNeeded,
			proofAnswer("20 of 20 Secrets under /registry/secrets/ sampled: 20 encrypted with aescbc (key key1)", inventory.SecretsSample{Prefix: "/registry/secrets/", Total: 20, Sampled: 20, Encrypted: 20, Plain: 0})),
			want{status: pass, evidence: "20 of 20 Secrets under /registry/secrets/ sampled: 20 encrypted with aescbc (key key1)"}},
		{"encrypted by several providers", "etcd/probe-secrets-encryption", endpoint("10.0.0.5", "etcd", "https", certNeeded,
			proofAnswer("50 of 312 Secrets under /registry/secrets/ sampled: 45 encrypted with kms v2 (key vault), 5 encrypted with aescbc (key old)", inventory.SecretsSample{Prefix: "/registry/secrets/", Total: 312, Sampled: 50, Encrypted: 50, Plain: 0})),
			want{status: pass, evidence: "45 encrypted with kms v2 (key vault), 5 encrypted with aescbc (key old)"}},
		{"all plain text", "etcd/probe-secrets-encryption", endpoint("10.0.0.5", "etcd", "https", certNeeded,
			proofAnswer("20 of 20 Secrets under /registry/secrets/ sampled: 19 in plain text (protobuf), 1 in plain text (JSON)", inventory.SecretsSample{Prefix: "/registry/secrets/", Total: 20, Sampled: 20, Encrypted: 0, Plain: 20})),
			want{status: fail, severity: finding.Critical, message: "Secrets are stored in etcd in plain text: all 20 of the 20 sampled under /registry/secrets/ (of 20)",
				evidence: "19 in plain text (protobuf), 1 in plain text (JSON)"}},
		{"partly encrypted", "etcd/probe-secrets-encryption", endpoint("10.0.0.5", "etcd", "https", certNeeded,
			proofAnswer("50 of 312 Secrets under /registry/secrets/ sampled: 30 encrypted with aescbc (key key1), 20 in plain text (protobuf)", inventory.SecretsSample{Prefix: "/registry/secrets/", Total: 312, Sampled: 50, Encrypted: 30, Plain: 20})),
			want{status: fail, severity: finding.High,
				message: "20 of the 50 sampled under /registry/secrets/ (of 312) are plain text, 30 encrypted. Encryption is configured, but objects written before it are not re-encrypted; " +
					"rewrite every Secret so that it is stored encrypted: kubectl get secrets -A -o json | kubectl replace -f -"}},
		{"nothing Kubernetes wrote", "etcd/probe-secrets-encryption", endpoint("10.0.0.5", "etcd", "https", certNeeded,
			proofAnswer("2 of 2 Secrets under /registry/secrets/ sampled: 2 in no form the API server writes", inventory.SecretsSample{Prefix: "/registry/secrets/", Total: 2, Sampled: 2, Encrypted: 0, Plain: 0})),
			want{status: na, message: "none of the 2 values sampled"}},
		{"no Secrets", "etcd/probe-secrets-encryption", endpoint("10.0.0.5", "etcd", "https", certNeeded,
			proofAnswer("no Secrets under /registry/secrets/", inventory.SecretsSample{Prefix: "/registry/secrets/"})),
			want{status: na, message: "holds no Secrets under /registry/secrets/: nothing to prove (if the API server's --etcd-prefix is not /registry"}},
		{"proof refused", "etcd/probe-secrets-encryption", endpoint("10.0.0.5", "etcd", "https", certNeeded,
			inventory.Answer{Method: "POST", Path: "/v3/kv/range", Error: "remote error: tls: bad certificate", Summary: "not made: etcd refused the client certificate given", Kind: inventory.AnswerSecretsUnproven}),
			want{status: na, message: "not proven on 10.0.0.5:2379: not made: etcd refused the client certificate given (remote error: tls: bad certificate)"}},
		{"no credentials", "etcd/probe-secrets-encryption", endpoint("10.0.0.5", "etcd", "https", certNeeded),
			want{status: na, message: "give etcd's client certificate, key and CA (palisade probe --etcd-cert, --etcd-key, --etcd-ca)"}},
		{"unreachable", "etcd/probe-secrets-encryption", &inventory.Endpoint{Host: "10.0.0.9", Address: "10.0.0.9:2379", Component: "etcd", Error: "timed out"},
			want{status: na, message: "Nothing answered at 10.0.0.9:2379 (timed out)."}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := testrules.Index(t, testrules.Endpoints(t, testrules.Rules(t, etcdprobe.Rules()...), "", nil, tc.ep))[tc.rule+" "+tc.ep.Address]
			tc.want.check(t, tc.rule, got, ok)
		})
	}
}

func TestTheProofIsJudgedOnTheClientPortOnly(t *testing.T) {
	peer := endpoint("10.0.0.5", "etcd-peer", "https", certNeeded)
	other := &inventory.Endpoint{Host: "10.0.0.5", Address: "10.0.0.5:10250", Component: "kubelet", Reachable: true, Protocol: "http"}
	got := testrules.Index(t, testrules.Endpoints(t, testrules.Rules(t, etcdprobe.Rules()...), "", nil, peer, other))
	if _, ok := got["etcd/probe-secrets-encryption 10.0.0.5:2380"]; ok {
		t.Errorf("the encryption proof was judged on the peer port")
	}
	for key := range got {
		if strings.HasSuffix(key, ":10250") {
			t.Errorf("%s: an etcd rule judged a kubelet", key)
		}
	}
	if len(got) != 3 {
		t.Errorf("%d verdicts on the peer port, want 3: %v", len(got), got)
	}
}
