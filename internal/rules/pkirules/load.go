package pkirules

import (
	"crypto"
	"crypto/x509"
	"fmt"

	"k8s.io/client-go/util/keyutil"

	"palisade.dev/palisade/internal/inventory"
	"palisade.dev/palisade/internal/pki"
	"palisade.dev/palisade/internal/rules"
)

// content is a file's bytes, or why there are none. notRead is set when the node source did
// not read the file (or only stat'ed it), which is no fault of the file; problem says what
// is wrong with a file that was looked at.
type content struct {
	data    []byte
	notRead bool
	problem string
}

// readFile looks up a file a setting names.
func readFile(n *inventory.Node, path string) content {
	f := n.File(path)
	switch {
	case f == nil:
		return content{notRead: true}
	case !f.Exists:
		return content{problem: "does not exist on the node"}
	case f.Err != "":
		return content{problem: "could not be read: " + f.Err}
	case f.IsDir:
		return content{problem: "is a directory, not a file"}
	case f.Data == nil:
		return content{notRead: true}
	}
	return content{data: f.Data}
}

// parsed is a credential with what could be read of it.
type parsed struct {
	credential
	certs []*x509.Certificate
	// pubs are the keys of a public key file.
	pubs []crypto.PublicKey
	// signer is the private key of a pair, or the key of a private key file.
	signer crypto.Signer
}

// fileState is what became of one file a setting names: read and parsed, not read by the
// source, or with a problem (missing, unreadable, not parsing).
type fileState struct {
	setting named
	what    string
	use     use
	notRead bool
	problem string
}

// load reads and parses the credentials of the uses a rule judges, with the private keys of
// pairs when keys is set (parsing a key is the costly part). Every file read is reported in
// states, in order; credentials whose main file could not be parsed are left out of parsed.
func load(ctx *rules.NodeContext, memo memoizer, uses func(use) bool, keys bool) (out []parsed, states []fileState) {
	n := ctx.Node
	s, reason := ctx.Settings()
	if reason != "" {
		return nil, nil // etcd's configuration file cannot be read: the etcd rules say why
	}
	for _, cr := range credentials(s) {
		if !uses(cr.use) {
			continue
		}
		p := parsed{credential: cr}
		ok, st := parseMain(n, memo, &p)
		states = append(states, st)
		if keys && cr.key.path != "" {
			states = append(states, parseKey(n, &p))
		}
		if ok {
			out = append(out, p)
		}
	}
	return out, states
}

// parseMain reads the credential's main file into p.
func parseMain(n *inventory.Node, memo memoizer, p *parsed) (bool, fileState) {
	st := fileState{setting: p.file, what: p.use.String(), use: p.use}
	c := readFile(n, p.file.path)
	if c.notRead || c.problem != "" {
		st.notRead, st.problem = c.notRead, c.problem
		return false, st
	}
	var err error
	switch {
	case p.use.holdsCertificates():
		p.certs, err = parseCertificates(memo, p.file.path, c.data)
	case p.use == publicKeys:
		p.pubs, err = readPublicKeys(p.file.path, c.data)
	default:
		p.signer, err = pki.ParsePrivateKey(p.file.path, c.data)
	}
	if err != nil {
		st.problem = "does not parse: " + err.Error()
		if f := n.File(p.file.path); f != nil && f.Truncated {
			st.problem += " (the file is larger than the node source reads, and only its start was read)"
		}
		return false, st
	}
	return true, st
}

// parseKey reads the private key of a pair into p.
func parseKey(n *inventory.Node, p *parsed) fileState {
	st := fileState{setting: p.key, what: "private key of the " + p.use.String(), use: p.use}
	c := readFile(n, p.key.path)
	if c.notRead || c.problem != "" {
		st.notRead, st.problem = c.notRead, c.problem
		return st
	}
	key, err := pki.ParsePrivateKey(p.key.path, c.data)
	if err != nil {
		st.problem = "does not parse: " + err.Error()
		return st
	}
	p.signer = key
	return st
}

// readPublicKeys reads a service-account key file as the API server does
// (k8s.io/kubernetes pkg/serviceaccount.ReadPublicKeys): the public keys of its RSA and
// ECDSA keys, public or private, else the public keys of its certificates.
func readPublicKeys(name string, data []byte) ([]crypto.PublicKey, error) {
	keys, err := keyutil.ParsePublicKeysPEM(data)
	if err == nil {
		out := make([]crypto.PublicKey, len(keys))
		for i, k := range keys {
			out[i] = k
		}
		return out, nil
	}
	certs, certErr := pki.ParseCertificates(name, data)
	if certErr != nil {
		return nil, fmt.Errorf("reading %s: no RSA or ECDSA public key, private key or certificate in it", name)
	}
	out := make([]crypto.PublicKey, len(certs))
	for i, c := range certs {
		out[i] = c.PublicKey
	}
	return out, nil
}

// memoizer shares what a node's rules parse (rules.NodeContext.Memo).
type memoizer func(key string, compute func() any) any

// parseCertificates parses a certificate file once per node for every rule and component that
// judges it. The certificates are read, never changed, by those who share them.
func parseCertificates(memo memoizer, path string, data []byte) ([]*x509.Certificate, error) {
	type parsedCerts struct {
		certs []*x509.Certificate
		err   error
	}
	r := memo("pkirules/certificates:"+path, func() any {
		certs, err := pki.ParseCertificates(path, data)
		return parsedCerts{certs, err}
	}).(parsedCerts)
	return r.certs, r.err
}
