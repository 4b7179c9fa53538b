package inventory

import "time"

// Endpoint is a network endpoint a probe asked, the way an attacker would and without doing
// harm, and what it answered: proof of what a configuration claims. Endpoint-scope rules
// judge it.
type Endpoint struct {
	// Host and Port are where the probe connected; Address is host:port.
	Host    string
	Port    int
	Address string
	// Component is what the endpoint is: "kubelet", "kubelet-read-only", "etcd", "etcd-peer",
	// "kube-apiserver", "kube-apiserver-insecure", as the target named it or as its answers
	// told (its port's default when nothing answered), or "unknown" when its answers fit no
	// component.
	Component string
	// Identified says what the answers that told Component were, or what the answers that fit
	// no component were ("GET /version: 200, etcd's version; GET /members: 404"); "" when the
	// target named the component, or nothing answered.
	Identified string
	// Reachable is false when nothing answered (Error says why: refused, timed out, no
	// route); a closed port is a fact, not an error of the scan.
	Reachable bool
	Error     string
	// Protocol is what the endpoint speaks: "https", "http", or "" when it answered neither.
	Protocol string
	// TLS is what the TLS handshake showed; nil for plain HTTP or an unreachable endpoint.
	TLS *TLSFacts
	// Answers are the requests made and what came back, in order.
	Answers []Answer
	// ProbedAt is when the probe ran; certificate dates are judged at it.
	ProbedAt time.Time
}

// TLSFacts are what TLS handshakes with an endpoint showed.
type TLSFacts struct {
	// Versions are the protocol versions the endpoint accepted ("TLS 1.0" ... "TLS 1.3").
	Versions []string
	// WeakCiphers are the weak cipher suites it accepted (Go's names).
	WeakCiphers []string
	// ClientCertRequired is true when a handshake without a client certificate failed for
	// want of one (etcd with client-cert auth).
	ClientCertRequired bool
	// Chain is the serving certificate chain, leaf first, as PEM.
	Chain [][]byte
	// VerifiedBy names the CA the chain was verified against, or "" when it was not (no CA
	// given, or verification failed: VerifyError says why).
	VerifiedBy  string
	VerifyError string
}

// Answer is one request and its answer.
type Answer struct {
	Method string
	Path   string
	// Status is the HTTP status; 0 when the request got no HTTP answer (Error says why).
	Status int
	Error  string
	// Summary says what the answer disclosed, with every value redacted ("12 pods in 3
	// namespaces, 7 images; env values redacted"), or what a proof found ("20 Secrets
	// sampled: 20 encrypted with aescbc").
	Summary string
	// Kind is what the prober recognised the answer as: rules judge by it, never by the
	// wording of Summary, which is for people.
	Kind AnswerKind
	// Secrets is what the encryption proof found, on an answer of kind AnswerSecretsSampled;
	// nil on any other.
	Secrets *SecretsSample
}

// SecretsSample counts how the Secrets an encryption proof read were stored. It holds no key
// and no value.
type SecretsSample struct {
	// Prefix is where Secrets are stored: the API server's --etcd-prefix and secrets/.
	Prefix string
	// Total is the number of Secrets under Prefix; Sampled how many were read.
	Total, Sampled int
	// Encrypted and Plain are the Secrets read that an encryption provider wrote and that
	// are in plain text (protobuf or JSON); the rest are in no form the API server writes.
	Encrypted, Plain int
}

// AnswerKind is what a prober recognised an answer as. It lives here, beside the answers,
// because it is the contract between the probers that write answers and the rules that judge
// them, and neither side may import the other. The zero value is an answer given no kind.
type AnswerKind uint8

const (
	// AnswerUnexpected is an answer that is not what the component answers: anything may
	// listen on a port, so such an answer proves nothing either way.
	AnswerUnexpected AnswerKind = iota + 1
	// AnswerCommandReachable is a kubelet's 404 "pod does not exist" to POST /run on a pod
	// that does not exist: it looked the pod up, so the caller got past authentication and
	// authorization of the command endpoints.
	AnswerCommandReachable
	// AnswerCommandRan is a command run in a container at the request of a caller without
	// credentials (palisade probe --active).
	AnswerCommandRan
	// AnswerAPIServer is a success kube-apiserver gave (its version, health, discovery, a
	// list of objects): Summary says what it disclosed.
	AnswerAPIServer
	// AnswerEtcdVersion is etcd's answer to GET /version, naming its version.
	AnswerEtcdVersion
	// AnswerKeysCounted is etcd counting, for a caller without credentials, the keys under
	// the API server's prefix (a count-only range): the same request without count_only
	// reads them.
	AnswerKeysCounted
	// AnswerKeysRefused is etcd refusing that count: a client certificate required, its own
	// authentication, or no gRPC gateway on the port.
	AnswerKeysRefused
	// AnswerKeysUnproven is that count getting no answer, or one that is not etcd's.
	AnswerKeysUnproven
	// AnswerSecretsSampled is the first answer of the encryption proof, made with the
	// client certificate the user gave: Answer.Secrets says how the Secrets read were
	// stored (none when there are none).
	AnswerSecretsSampled
	// AnswerSecretsUnproven is the first answer of an encryption proof that could not be
	// made (the certificate refused, no answer, an answer that is not etcd's).
	AnswerSecretsUnproven
)

// Answer returns the first answer to method and path, or nil.
func (e *Endpoint) Answer(method, path string) *Answer {
	for i := range e.Answers {
		if e.Answers[i].Method == method && e.Answers[i].Path == path {
			return &e.Answers[i]
		}
	}
	return nil
}
