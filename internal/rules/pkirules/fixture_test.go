package pkirules_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"sync"
	"testing"
	"time"

	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"palisade.dev/palisade/internal/flags"
	"palisade.dev/palisade/internal/inventory"
	"palisade.dev/palisade/internal/kubeletconfig"
)

// scanTime is when the fixtures' nodes are scanned.
var scanTime = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// Keys are generated once: RSA generation is slow under -race.
var (
	keysOnce  sync.Once
	ecKeys    []*ecdsa.PrivateKey
	rsaWeak   *rsa.PrivateKey
	ecWeak    *ecdsa.PrivateKey
	rsaStrong *rsa.PrivateKey
)

func keys(t testing.TB) {
	t.Helper()
	keysOnce.Do(func() {
		for range 24 {
			k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
			if err != nil {
				panic(err)
			}
			ecKeys = append(ecKeys, k)
		}
		var err error
		if rsaWeak, err = rsa.GenerateKey(rand.Reader, 1024); err != nil {
			panic(err)
		}
		if rsaStrong, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			panic(err)
		}
		if ecWeak, err = ecdsa.GenerateKey(elliptic.P224(), rand.Reader); err != nil {
			panic(err)
		}
	})
}

// cert describes a certificate to issue.
type cert struct {
	cn        string
	ca        bool
	noBC      bool // no basicConstraints extension
	dns       []string
	ips       []string
	notBefore time.Time
	notAfter  time.Time
	key       crypto.Signer
	sigAlg    x509.SignatureAlgorithm
}

// issued is a certificate with its key.
type issued struct {
	cert *x509.Certificate
	key  crypto.Signer
	pem  []byte
}

var serial int64

// issue signs spec with parent (self-signed when nil).
func issue(t testing.TB, spec cert, parent *issued) *issued {
	t.Helper()
	serial++
	if spec.notBefore.IsZero() {
		spec.notBefore = scanTime.Add(-24 * time.Hour)
	}
	if spec.notAfter.IsZero() {
		spec.notAfter = scanTime.Add(365 * 24 * time.Hour)
	}
	if spec.key == nil {
		spec.key = ecKeys[int(serial)%len(ecKeys)]
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: spec.cn},
		NotBefore: spec.notBefore, NotAfter: spec.notAfter, DNSNames: spec.dns,
		BasicConstraintsValid: !spec.noBC, IsCA: spec.ca, SignatureAlgorithm: spec.sigAlg,
		KeyUsage: x509.KeyUsageDigitalSignature,
	}
	if spec.ca {
		tmpl.KeyUsage |= x509.KeyUsageCertSign
	}
	for _, ip := range spec.ips {
		tmpl.IPAddresses = append(tmpl.IPAddresses, net.ParseIP(ip))
	}
	signer, parentCert := spec.key, tmpl
	if parent != nil {
		signer, parentCert = parent.key, parent.cert
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parentCert, spec.key.Public(), signer)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return &issued{cert: c, key: spec.key, pem: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})}
}

func keyPEM(t testing.TB, k crypto.Signer) []byte {
	t.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
}

func publicPEM(t testing.TB, k crypto.PublicKey) []byte {
	t.Helper()
	der, err := x509.MarshalPKIXPublicKey(k)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
}

// kubeadmNode is the control-plane node kubeadm sets up: its static pods, the kubelet, their
// certificates under /etc/kubernetes/pki and /var/lib/kubelet/pki, and the kubeconfigs.
type kubeadmNode struct {
	t     testing.TB
	node  *inventory.Node
	ca    *issued
	etcd  *issued
	proxy *issued
}

const (
	pki     = "/etc/kubernetes/pki/"
	etcdPKI = "/etc/kubernetes/pki/etcd/"
)

var (
	apiServerArgs = []string{
		"--advertise-address=10.0.0.5", "--client-ca-file=" + pki + "ca.crt", "--enable-admission-plugins=NodeRestriction",
		"--etcd-cafile=" + etcdPKI + "ca.crt", "--etcd-certfile=" + pki + "apiserver-etcd-client.crt", "--etcd-keyfile=" + pki + "apiserver-etcd-client.key",
		"--etcd-servers=https://127.0.0.1:2379", "--kubelet-client-certificate=" + pki + "apiserver-kubelet-client.crt",
		"--kubelet-client-key=" + pki + "apiserver-kubelet-client.key", "--proxy-client-cert-file=" + pki + "front-proxy-client.crt",
		"--proxy-client-key-file=" + pki + "front-proxy-client.key", "--requestheader-client-ca-file=" + pki + "front-proxy-ca.crt",
		"--service-account-key-file=" + pki + "sa.pub", "--service-account-signing-key-file=" + pki + "sa.key",
		"--tls-cert-file=" + pki + "apiserver.crt", "--tls-private-key-file=" + pki + "apiserver.key",
	}
	etcdArgs = []string{
		"--cert-file=" + etcdPKI + "server.crt", "--client-cert-auth=true", "--key-file=" + etcdPKI + "server.key",
		"--peer-cert-file=" + etcdPKI + "peer.crt", "--peer-client-cert-auth=true", "--peer-key-file=" + etcdPKI + "peer.key",
		"--peer-trusted-ca-file=" + etcdPKI + "ca.crt", "--trusted-ca-file=" + etcdPKI + "ca.crt",
	}
	controllerManagerArgs = []string{
		"--authentication-kubeconfig=/etc/kubernetes/controller-manager.conf", "--authorization-kubeconfig=/etc/kubernetes/controller-manager.conf",
		"--client-ca-file=" + pki + "ca.crt", "--cluster-signing-cert-file=" + pki + "ca.crt", "--cluster-signing-key-file=" + pki + "ca.key",
		"--kubeconfig=/etc/kubernetes/controller-manager.conf", "--requestheader-client-ca-file=" + pki + "front-proxy-ca.crt",
		"--root-ca-file=" + pki + "ca.crt", "--service-account-private-key-file=" + pki + "sa.key",
	}
	schedulerArgs = []string{
		"--authentication-kubeconfig=/etc/kubernetes/scheduler.conf", "--authorization-kubeconfig=/etc/kubernetes/scheduler.conf",
		"--kubeconfig=/etc/kubernetes/scheduler.conf",
	}
	kubeletArgs = []string{
		"--kubeconfig=/etc/kubernetes/kubelet.conf", "--config=/var/lib/kubelet/config.yaml",
	}
)

const kubeletConfig = `apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
authentication:
  x509:
    clientCAFile: /etc/kubernetes/pki/ca.crt
tlsCertFile: /var/lib/kubelet/pki/kubelet.crt
tlsPrivateKeyFile: /var/lib/kubelet/pki/kubelet.key
`

func component(kind inventory.ComponentKind, source inventory.SourceKind, path string, args []string) *inventory.Component {
	return &inventory.Component{Kind: kind, Source: source, Path: path, Args: args, Flags: flags.Parse(args, flags.ComponentSpec(string(kind)))}
}

func newKubeadmNode(t testing.TB) *kubeadmNode {
	t.Helper()
	keys(t)
	k := &kubeadmNode{t: t, node: &inventory.Node{Host: "cp-1", Distribution: "kubeadm", ScannedAt: scanTime, Files: map[string]*inventory.File{}}}
	k.node.Components = []*inventory.Component{
		component(inventory.KubeAPIServer, inventory.FromStaticPod, "/etc/kubernetes/manifests/kube-apiserver.yaml", apiServerArgs),
		component(inventory.Etcd, inventory.FromStaticPod, "/etc/kubernetes/manifests/etcd.yaml", etcdArgs),
		component(inventory.KubeControllerManager, inventory.FromStaticPod, "/etc/kubernetes/manifests/kube-controller-manager.yaml", controllerManagerArgs),
		component(inventory.KubeScheduler, inventory.FromStaticPod, "/etc/kubernetes/manifests/kube-scheduler.yaml", schedulerArgs),
		component(inventory.Kubelet, inventory.FromProcess, "/proc/900/cmdline", kubeletArgs),
	}
	k.ca = issue(t, cert{cn: "kubernetes", ca: true}, nil)
	k.etcd = issue(t, cert{cn: "etcd-ca", ca: true}, nil)
	k.proxy = issue(t, cert{cn: "front-proxy-ca", ca: true}, nil)
	k.put(pki+"ca.crt", k.ca.pem)
	k.put(pki+"ca.key", keyPEM(t, k.ca.key))
	k.put(etcdPKI+"ca.crt", k.etcd.pem)
	k.put(pki+"front-proxy-ca.crt", k.proxy.pem)
	k.pair(pki+"apiserver", cert{cn: "kube-apiserver", dns: []string{"cp-1", "kubernetes", "kubernetes.default", "kubernetes.default.svc", "kubernetes.default.svc.cluster.local"}, ips: []string{"10.96.0.1", "10.0.0.5"}}, k.ca)
	k.pair(pki+"apiserver-kubelet-client", cert{cn: "kube-apiserver-kubelet-client"}, k.ca)
	k.pair(pki+"apiserver-etcd-client", cert{cn: "kube-apiserver-etcd-client"}, k.etcd)
	k.pair(pki+"front-proxy-client", cert{cn: "front-proxy-client"}, k.proxy)
	k.pair(etcdPKI+"server", cert{cn: "cp-1", dns: []string{"cp-1", "localhost"}, ips: []string{"10.0.0.5", "127.0.0.1"}}, k.etcd)
	k.pair(etcdPKI+"peer", cert{cn: "cp-1", dns: []string{"cp-1", "localhost"}, ips: []string{"10.0.0.5", "127.0.0.1"}}, k.etcd)
	sa := ecKeys[0]
	k.put(pki+"sa.key", keyPEM(t, sa))
	k.put(pki+"sa.pub", publicPEM(t, sa.Public()))
	kubeletCA := issue(t, cert{cn: "cp-1-ca@1700000000", ca: true}, nil)
	serving := issue(t, cert{cn: "cp-1@1700000000", dns: []string{"cp-1"}}, kubeletCA)
	k.put("/var/lib/kubelet/pki/kubelet.crt", serving.pem)
	k.put("/var/lib/kubelet/pki/kubelet.key", keyPEM(t, serving.key))
	k.put("/var/lib/kubelet/config.yaml", []byte(kubeletConfig))
	// The node source computes the kubelet's effective configuration once.
	kubelet := k.component(inventory.Kubelet)
	kubelet.Config = kubeletconfig.Resolve(kubelet.Flags, k.node.File)
	client := issue(t, cert{cn: "system:node:cp-1"}, k.ca)
	k.put("/var/lib/kubelet/pki/kubelet-client-current.pem", append(append([]byte{}, client.pem...), keyPEM(t, client.key)...))
	k.kubeconfig("/etc/kubernetes/admin.conf", "kubernetes-admin", k.userCert("kubernetes-admin"))
	k.kubeconfig("/etc/kubernetes/super-admin.conf", "kubernetes-super-admin", k.userCert("kubernetes-super-admin"))
	k.kubeconfig("/etc/kubernetes/controller-manager.conf", "system:kube-controller-manager", k.userCert("system:kube-controller-manager"))
	k.kubeconfig("/etc/kubernetes/scheduler.conf", "system:kube-scheduler", k.userCert("system:kube-scheduler"))
	k.kubeconfig("/etc/kubernetes/kubelet.conf", "system:node:cp-1", &clientcmdapi.AuthInfo{
		ClientCertificate: "/var/lib/kubelet/pki/kubelet-client-current.pem", ClientKey: "/var/lib/kubelet/pki/kubelet-client-current.pem"})
	return k
}

// put records a file the node source read.
func (k *kubeadmNode) put(path string, data []byte) {
	k.node.Files[path] = &inventory.File{Path: path, Exists: true, Mode: 0o600, Data: data}
}

// pair issues a certificate and writes it and its key as base.crt and base.key.
func (k *kubeadmNode) pair(base string, spec cert, parent *issued) *issued {
	c := issue(k.t, spec, parent)
	k.put(base+".crt", c.pem)
	k.put(base+".key", keyPEM(k.t, c.key))
	return c
}

func (k *kubeadmNode) userCert(cn string) *clientcmdapi.AuthInfo {
	c := issue(k.t, cert{cn: cn}, k.ca)
	return &clientcmdapi.AuthInfo{ClientCertificateData: c.pem, ClientKeyData: keyPEM(k.t, c.key)}
}

// kubeconfig writes a kubeconfig with one cluster, one user and one context using both.
func (k *kubeadmNode) kubeconfig(path, user string, auth *clientcmdapi.AuthInfo, edit ...func(*clientcmdapi.Config)) {
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters["kubernetes"] = &clientcmdapi.Cluster{Server: "https://10.0.0.5:6443", CertificateAuthorityData: k.ca.pem}
	cfg.AuthInfos[user] = auth
	cfg.Contexts[user+"@kubernetes"] = &clientcmdapi.Context{Cluster: "kubernetes", AuthInfo: user}
	cfg.CurrentContext = user + "@kubernetes"
	for _, e := range edit {
		e(cfg)
	}
	data, err := clientcmd.Write(*cfg)
	if err != nil {
		k.t.Fatal(err)
	}
	k.put(path, data)
}

// component returns the node's component of a kind.
func (k *kubeadmNode) component(kind inventory.ComponentKind) *inventory.Component {
	return k.node.ComponentsOf(kind)[0]
}

// setArgs replaces a component's command line.
func (k *kubeadmNode) setArgs(kind inventory.ComponentKind, args ...string) {
	c := k.component(kind)
	c.Args, c.Flags, c.Config = args, flags.Parse(args, flags.ComponentSpec(string(kind))), nil
}
