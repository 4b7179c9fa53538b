package pkirules

// Which files each component's configuration names, and what each is for.
//
// kube-apiserver (k8s.io/apiserver SecureServingOptions, DelegatingAuthenticationOptions;
// cmd/kube-apiserver options): serving --tls-cert-file/--tls-private-key-file and each
// --tls-sni-cert-key "cert,key[:names]"; client --kubelet-client-certificate/
// --kubelet-client-key, --etcd-certfile/--etcd-keyfile, --proxy-client-cert-file/
// --proxy-client-key-file; CA bundles --client-ca-file, --etcd-cafile,
// --kubelet-certificate-authority, --requestheader-client-ca-file, --oidc-ca-file; the
// service-account verification keys --service-account-key-file (repeatable: public keys,
// certificates or private keys, read as serviceaccount.ReadPublicKeys reads them) and the
// signing key --service-account-signing-key-file.
//
// etcd (embed.Config): serving --cert-file/--key-file and --peer-cert-file/--peer-key-file
// (a peer certificate serves and is presented as a client), client --client-cert-file/
// --client-key-file and --peer-client-cert-file/--peer-client-key-file, CA bundles
// --trusted-ca-file and --peer-trusted-ca-file; each read from the flag or its ETCD_*
// variable (inventory.Component.Setting).
//
// kube-controller-manager: serving --tls-cert-file/--tls-private-key-file; the CA that signs
// the cluster's CSRs --cluster-signing-cert-file/--cluster-signing-key-file; CA bundles
// --root-ca-file, --client-ca-file, --requestheader-client-ca-file; the service-account
// signing key --service-account-private-key-file.
//
// kube-scheduler: serving --tls-cert-file/--tls-private-key-file; CA bundles
// --client-ca-file, --requestheader-client-ca-file.
//
// kubelet (effective configuration, internal/kubeletconfig): serving tlsCertFile/
// tlsPrivateKeyFile (--tls-cert-file/--tls-private-key-file), CA bundle
// authentication.x509.clientCAFile (--client-ca-file).

import (
	"strings"

	"palisade.dev/palisade/internal/inventory"
	"palisade.dev/palisade/internal/kubeletconfig"
	"palisade.dev/palisade/internal/settings"
)

// use is what a file is for, which decides how it is read and what is judged of it.
type use int

const (
	// serving is a certificate a component serves TLS with (its names are judged).
	serving use = iota
	// client is a certificate a component presents to another.
	client
	// caBundle is a file of CA certificates a component verifies others against.
	caBundle
	// signer is a CA certificate a component signs certificates with, paired with its key.
	signer
	// publicKeys is a file of public keys (or certificates, or private keys, whose public
	// keys are taken) tokens are verified with.
	publicKeys
	// privateKey is a signing key with no certificate.
	privateKey
)

func (u use) String() string {
	switch u {
	case serving:
		return "serving certificate"
	case client:
		return "client certificate"
	case caBundle:
		return "CA bundle"
	case signer:
		return "signing CA certificate"
	case publicKeys:
		return "public key file"
	}
	return "private key"
}

// holdsCertificates reports whether the file is read as certificates.
func (u use) holdsCertificates() bool {
	return u == serving || u == client || u == caBundle || u == signer
}

// named is a file a setting of the component names.
type named struct {
	// label is the setting as written: "--tls-cert-file", "ETCD_CERT_FILE", "tlsCertFile".
	label string
	// from says where a setting that is not a command-line flag was read: " (config file
	// /var/lib/kubelet/config.yaml)"; "" for a flag.
	from string
	path string
}

// String is the setting as evidence: "--tls-cert-file=/etc/kubernetes/pki/apiserver.crt".
func (n named) String() string { return n.label + "=" + n.path + n.from }

// credential is one certificate (or key file) a component is configured with, and the
// private key given with it.
type credential struct {
	use  use
	file named
	// key is the certificate's private key; its path is "" when none is paired with it.
	key named
}

// pair is a component setting that names a file, and the setting naming its key.
type pair struct {
	use       use
	file, key string
}

var componentFiles = map[inventory.ComponentKind][]pair{
	inventory.KubeAPIServer: {
		{serving, "tls-cert-file", "tls-private-key-file"},
		{client, "kubelet-client-certificate", "kubelet-client-key"},
		{client, "etcd-certfile", "etcd-keyfile"},
		{client, "proxy-client-cert-file", "proxy-client-key-file"},
		{caBundle, "client-ca-file", ""},
		{caBundle, "etcd-cafile", ""},
		{caBundle, "kubelet-certificate-authority", ""},
		{caBundle, "requestheader-client-ca-file", ""},
		{caBundle, "oidc-ca-file", ""},
		{privateKey, "service-account-signing-key-file", ""},
	},
	inventory.Etcd: {
		{serving, "cert-file", "key-file"},
		{serving, "peer-cert-file", "peer-key-file"},
		{client, "client-cert-file", "client-key-file"},
		{client, "peer-client-cert-file", "peer-client-key-file"},
		{caBundle, "trusted-ca-file", ""},
		{caBundle, "peer-trusted-ca-file", ""},
	},
	inventory.KubeControllerManager: {
		{serving, "tls-cert-file", "tls-private-key-file"},
		{signer, "cluster-signing-cert-file", "cluster-signing-key-file"},
		{caBundle, "root-ca-file", ""},
		{caBundle, "client-ca-file", ""},
		{caBundle, "requestheader-client-ca-file", ""},
		{privateKey, "service-account-private-key-file", ""},
	},
	inventory.KubeScheduler: {
		{serving, "tls-cert-file", "tls-private-key-file"},
		{caBundle, "client-ca-file", ""},
		{caBundle, "requestheader-client-ca-file", ""},
	},
}

// kubeletFiles are the kubelet's, by configuration field.
var kubeletFiles = []pair{
	{serving, "tlsCertFile", "tlsPrivateKeyFile"},
	{caBundle, "authentication.x509.clientCAFile", ""},
}

// credentials lists the files the component's configuration names, in the order of the
// tables above; settings that are not given or are empty are left out.
func credentials(s *settings.Component) []credential {
	var out []credential
	if s.Of.Kind == inventory.Kubelet {
		e := s.Kubelet()
		for _, p := range kubeletFiles {
			cr := credential{use: p.use, file: kubeletSetting(e, p.file)}
			if p.key != "" {
				cr.key = kubeletSetting(e, p.key)
			}
			if cr.file.path != "" {
				out = append(out, cr)
			}
		}
		return out
	}
	for _, p := range componentFiles[s.Of.Kind] {
		cr := credential{use: p.use, file: flagSetting(s, p.file)}
		if p.key != "" {
			cr.key = flagSetting(s, p.key)
		}
		if cr.file.path != "" {
			out = append(out, cr)
		}
	}
	if s.Of.Kind == inventory.KubeAPIServer {
		out = append(out, apiServerLists(s.Of)...)
	}
	return out
}

// apiServerLists are the API server's repeatable settings: each --tls-sni-cert-key and each
// --service-account-key-file.
func apiServerLists(c *inventory.Component) []credential {
	var out []credential
	for _, o := range c.Flags.Occurrences("tls-sni-cert-key") {
		certKey, _, _ := strings.Cut(o.Value, ":")
		cert, key, _ := strings.Cut(certKey, ",")
		cert, key = strings.TrimSpace(cert), strings.TrimSpace(key)
		if cert == "" {
			continue
		}
		cr := credential{use: serving, file: named{label: "--tls-sni-cert-key", path: cert}}
		if key != "" {
			cr.key = named{label: "--tls-sni-cert-key", path: key}
		}
		out = append(out, cr)
	}
	for _, o := range c.Flags.Occurrences("service-account-key-file") {
		if p := strings.TrimSpace(o.Value); p != "" {
			out = append(out, credential{use: publicKeys, file: named{label: "--service-account-key-file", path: p}})
		}
	}
	return out
}

// flagSetting reads a setting of a component by its flag's name, labelled by the flag, or for
// etcd by the ETCD_* variable that gave it.
func flagSetting(s *settings.Component, flag string) named {
	v := s.Get(flag)
	if strings.TrimSpace(v.Given()) == "" {
		return named{}
	}
	label := "--" + flag
	// The source names an environment variable as "... environment ETCD_CERT_FILE".
	if i := strings.LastIndex(v.Source(), " environment "); v.Kind == settings.Environment && i >= 0 {
		label = v.Source()[i+len(" environment "):]
	}
	return named{label: label, path: strings.TrimSpace(v.Value)}
}

// kubeletSetting reads a field of the kubelet's effective configuration; a value set by a
// flag is labelled with the flag, one from a file with the field and the file.
func kubeletSetting(e *kubeletconfig.Effective, path string) named {
	f := e.Get(path)
	if !f.Set || strings.TrimSpace(f.Value) == "" {
		return named{}
	}
	if f.Source.Kind == kubeletconfig.Flag {
		return named{label: f.Source.Where, path: f.Value}
	}
	return named{label: path, from: " (" + f.Source.String() + ")", path: f.Value}
}
