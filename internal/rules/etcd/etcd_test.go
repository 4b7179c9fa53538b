package etcd_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"strings"
	"testing"
	"time"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/flags"
	"palisade.dev/palisade/internal/inventory"
	"palisade.dev/palisade/internal/rules"
	"palisade.dev/palisade/internal/rules/etcd"
	"palisade.dev/palisade/internal/testrules"
)

// etcdSpec is how etcd parses its booleans (Go's flag package: bare or with =value).
var etcdSpec = flags.Spec{"client-cert-auth": flags.Bool, "auto-tls": flags.Bool, "peer-client-cert-auth": flags.Bool, "peer-auto-tls": flags.Bool}

func etcdProcess(env map[string]string, args ...string) *inventory.Component {
	return &inventory.Component{Kind: inventory.Etcd, Source: inventory.FromProcess, Path: "/proc/42/cmdline", PID: 42,
		Args: args, Flags: flags.Parse(args, etcdSpec), Env: env}
}

func apiServer(args ...string) *inventory.Component {
	return &inventory.Component{Kind: inventory.KubeAPIServer, Source: inventory.FromStaticPod, Path: "/etc/kubernetes/manifests/kube-apiserver.yaml",
		Args: args, Flags: flags.Parse(args, nil)}
}

// kubeadm is the etcd of a kubeadm control-plane node, single member.
var kubeadm = []string{
	"--advertise-client-urls=https://10.0.0.5:2379", "--cert-file=/etc/kubernetes/pki/etcd/server.crt", "--client-cert-auth=true",
	"--data-dir=/var/lib/etcd", "--key-file=/etc/kubernetes/pki/etcd/server.key", "--listen-client-urls=https://127.0.0.1:2379,https://10.0.0.5:2379",
	"--listen-peer-urls=https://10.0.0.5:2380", "--peer-cert-file=/etc/kubernetes/pki/etcd/peer.crt", "--peer-client-cert-auth=true",
	"--peer-key-file=/etc/kubernetes/pki/etcd/peer.key", "--peer-trusted-ca-file=/etc/kubernetes/pki/etcd/ca.crt",
	"--trusted-ca-file=/etc/kubernetes/pki/etcd/ca.crt",
}

// with returns kubeadm's arguments with some replaced or removed (a name with no "=").
func with(changes ...string) []string {
	out := append([]string(nil), kubeadm...)
	for _, c := range changes {
		name, _, _ := strings.Cut(c, "=")
		kept := out[:0]
		for _, a := range out {
			if n, _, _ := strings.Cut(a, "="); n != name {
				kept = append(kept, a)
			}
		}
		out = kept
		if strings.Contains(c, "=") {
			out = append(out, c)
		}
	}
	return out
}

// evaluate runs the rule id over the node (cp-1 when it names no host) and returns its one
// verdict; a failure sits on the etcd component of cp-1.
func evaluate(t *testing.T, id string, node *inventory.Node) testrules.Verdict {
	t.Helper()
	if node.Host == "" {
		node.Host = "cp-1"
	}
	vs := testrules.Node(t, testrules.Rules(t, etcd.Rules()...), id, node, nil)
	if len(vs) != 1 {
		t.Fatalf("%d verdicts, want 1: %v", len(vs), vs)
	}
	v := vs[0]
	if v.Status == finding.Fail && (v.Kind != "etcd" || v.Name != "cp-1") {
		t.Errorf("failure attached to %s %s", v.Kind, v.Name)
	}
	return v
}

type want = testrules.Want

var (
	pass = finding.Pass
	fail = finding.Fail
	na   = finding.NotApplicable
)

func TestRules(t *testing.T) {
	tests := []struct {
		name string
		rule string
		node *inventory.Node
		want want
	}{
		// 2.1
		{"no key file", "etcd/client-tls", node(etcdProcess(nil, with("--key-file")...)),
			want{Status: fail, Severity: finding.High, Message: "has no TLS certificate and key of its own (--key-file not set)"}},
		{"an empty variable is ignored, as etcd ignores it", "etcd/client-tls", node(etcdProcess(map[string]string{"ETCD_CERT_FILE": "", "ETCD_KEY_FILE": "/e/k"}, with("--cert-file", "--key-file")...)),
			want{Status: fail, Severity: finding.High, Message: "(--cert-file not set)"}},
		{"nothing and auto TLS", "etcd/client-tls", node(etcdProcess(nil, "--auto-tls")),
			want{Status: fail, Severity: finding.High, Message: "(--cert-file and --key-file not set); --auto-tls makes it use a self-signed certificate"}},
		// 2.2
		{"client-cert-auth false", "etcd/client-cert-auth", node(etcdProcess(nil, with("--client-cert-auth=false")...)), want{Status: fail, Severity: finding.High, Message: "serves clients that present no certificate"}},
		{"not a boolean", "etcd/client-cert-auth", node(etcdProcess(map[string]string{"ETCD_CLIENT_CERT_AUTH": "yes"}, with("--client-cert-auth")...)), want{Status: fail, Severity: finding.High, Message: "ETCD_CLIENT_CERT_AUTH=yes is not a boolean"}},
		// 2.3
		{"auto TLS unset", "etcd/auto-tls", node(etcdProcess(nil, kubeadm...)), want{Status: pass, Evidence: "etcd's default false applies"}},
		{"auto TLS false", "etcd/auto-tls", node(etcdProcess(nil, with("--auto-tls=false")...)), want{Status: pass, Evidence: "--auto-tls=false"}},
		{"auto TLS without certificates", "etcd/auto-tls", node(etcdProcess(nil, "--auto-tls", "--listen-client-urls=https://0.0.0.0:2379")),
			want{Status: fail, Severity: finding.Medium, Message: "uses a self-signed certificate it made itself"}},
		{"auto TLS ignored beside certificates", "etcd/auto-tls", node(etcdProcess(nil, with("--auto-tls=true")...)),
			want{Status: fail, Severity: finding.Low, Message: "etcd ignores it because --cert-file is given"}},
		// 2.4-2.6 and the single member on loopback
		{"peer certificates", "etcd/peer-tls", node(etcdProcess(nil, kubeadm...)), want{Status: pass, Evidence: "--peer-key-file="}},
		{"no peer certificates, peers on the network", "etcd/peer-tls", node(etcdProcess(nil, with("--peer-cert-file", "--peer-key-file")...)),
			want{Status: fail, Severity: finding.Medium, Message: "etcd's peer listener has no TLS certificate"}},
		{"no peer certificates, a single member on loopback", "etcd/peer-tls", node(etcdProcess(nil, with("--peer-cert-file", "--peer-key-file", "--listen-peer-urls=http://127.0.0.1:2380")...)),
			want{Status: fail, Severity: finding.Low, Message: "the peer listener is on loopback only (http://127.0.0.1:2380)"}},
		{"no peer flags at all: the default peer URL is loopback", "etcd/peer-client-cert-auth", node(etcdProcess(nil)),
			want{Status: fail, Severity: finding.Low, Message: "on loopback only (http://localhost:2380)"}},
		{"peer client-cert-auth", "etcd/peer-client-cert-auth", node(etcdProcess(nil, kubeadm...)), want{Status: pass}},
		{"peer auto TLS", "etcd/peer-auto-tls", node(etcdProcess(nil, "--peer-auto-tls=true", "--listen-peer-urls=https://10.0.0.5:2380")),
			want{Status: fail, Severity: finding.Medium, Message: "members skip verification"}},
		// 2.7
		{"etcd's own CA", "etcd/trusted-ca", node(etcdProcess(nil, kubeadm...), apiServer("--client-ca-file=/etc/kubernetes/pki/ca.crt")),
			want{Status: pass, Evidence: "kube-apiserver (static-pod /etc/kubernetes/manifests/kube-apiserver.yaml) flag --client-ca-file=/etc/kubernetes/pki/ca.crt"}},
		{"no API server to compare with", "etcd/trusted-ca", node(etcdProcess(nil, kubeadm...)), want{Status: pass, Evidence: "no kube-apiserver with --client-ca-file on this node"}},
		{"the API server's client CA file", "etcd/trusted-ca", node(etcdProcess(nil, with("--trusted-ca-file=/etc/kubernetes/pki/ca.crt")...), apiServer("--client-ca-file=/etc/kubernetes/pki/./ca.crt")),
			want{Status: fail, Severity: finding.High, Message: "the same CA file the API server trusts"}},
		{"no trusted CA with client-cert-auth", "etcd/trusted-ca", node(etcdProcess(nil, with("--trusted-ca-file")...)),
			want{Status: fail, Severity: finding.High, Message: "against the node's system roots"}},
		{"no trusted CA, no client-cert-auth", "etcd/trusted-ca", node(etcdProcess(nil)),
			want{Status: fail, Severity: finding.Medium, Message: "cannot require client certificates"}},
		// listeners
		{"an HTTP-only listener over plain HTTP", "etcd/client-plain-http", node(etcdProcess(nil, with("--listen-client-http-urls=http://127.0.0.1:2381")...)),
			want{Status: fail, Severity: finding.High, Message: "on http://127.0.0.1:2381"}},
		{"loopback HTTP is not exposed", "etcd/client-exposed", node(etcdProcess(nil, "--listen-client-urls=http://127.0.0.1:2379,http://[::1]:2379,unix://etcd.sock")), want{Status: pass}},
		{"TLS with client-cert-auth is not exposed", "etcd/client-exposed", node(etcdProcess(nil, kubeadm...)), want{Status: pass, Evidence: "--client-cert-auth=true"}},
		{"every interface over HTTP", "etcd/client-exposed", node(etcdProcess(nil, "--listen-client-urls=http://0.0.0.0:2379")),
			want{Status: fail, Severity: finding.Critical, Message: "http://0.0.0.0:2379 listens on every interface of the node over plain HTTP"}},
		{"a node address with TLS but no client certificates", "etcd/client-exposed", node(etcdProcess(map[string]string{"ETCD_LISTEN_CLIENT_URLS": "https://10.0.0.5:2379"}, "--cert-file=/c", "--key-file=/k")),
			want{Status: fail, Severity: finding.Critical, Message: "https://10.0.0.5:2379 listens on a network address with TLS but without client-certificate authentication", Evidence: "environment ETCD_LISTEN_CLIENT_URLS"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.want.Check(t, evaluate(t, tt.rule, tt.node))
		})
	}
}

func node(cs ...*inventory.Component) *inventory.Node {
	return &inventory.Node{Components: cs, Files: map[string]*inventory.File{}}
}

// TestConfigFileReplacesFlagsAndEnvironment pins the configuration files etcd cannot read:
// what it reads from one is judged on the config-file node tree (TestNodeTrees).
func TestConfigFileReplacesFlagsAndEnvironment(t *testing.T) {
	file := func(data string) map[string]*inventory.File {
		return map[string]*inventory.File{"/etc/etcd/etcd.yaml": {Path: "/etc/etcd/etcd.yaml", Exists: true, Data: []byte(data), Mode: 0o600}}
	}
	// The flags say client-cert-auth; etcd ignores them once it reads a configuration file.
	withFile := func(data string) *inventory.Node {
		n := node(etcdProcess(map[string]string{"ETCD_CONFIG_FILE": "/etc/etcd/etcd.yaml"}, "--client-cert-auth=true"))
		if data != "-" {
			n.Files = file(data)
		}
		return n
	}
	tests := []struct {
		name string
		rule string
		node *inventory.Node
		want want
	}{
		{"a file the source did not read", "etcd/client-tls", withFile("-"), want{Status: na, Message: "etcd reads its settings from /etc/etcd/etcd.yaml only (etcd (process /proc/42/cmdline) environment ETCD_CONFIG_FILE)"}},
		{"a file that does not parse", "etcd/client-tls", withFile("client-transport-security: [\n"), want{Status: na, Message: "etcd's configuration file /etc/etcd/etcd.yaml does not parse"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.want.Check(t, evaluate(t, tt.rule, tt.node))
		})
	}
	missing := node(etcdProcess(nil, "--config-file=/etc/etcd/etcd.yaml"))
	missing.Files["/etc/etcd/etcd.yaml"] = &inventory.File{Path: "/etc/etcd/etcd.yaml"}
	want{Status: na, Message: "which does not exist on the node"}.Check(t, evaluate(t, "etcd/client-tls", missing))
}

func TestTrustedCASharedWithTheAPIServerByContent(t *testing.T) {
	ca := caPEM(t, "kubernetes")
	other := caPEM(t, "etcd-ca")
	n := func(etcdCA, apiCA []byte) *inventory.Node {
		nd := node(etcdProcess(nil, with("--trusted-ca-file=/etc/etcd/ca.crt")...), apiServer("--client-ca-file=/etc/kubernetes/pki/ca.crt"))
		nd.Files["/etc/etcd/ca.crt"] = &inventory.File{Path: "/etc/etcd/ca.crt", Exists: true, Data: etcdCA}
		nd.Files["/etc/kubernetes/pki/ca.crt"] = &inventory.File{Path: "/etc/kubernetes/pki/ca.crt", Exists: true, Data: apiCA}
		return nd
	}
	want{Status: fail, Severity: finding.High, Message: "hold the same CA certificate (CN=kubernetes)"}.Check(t, evaluate(t, "etcd/trusted-ca", n(append(other, ca...), ca)))
	want{Status: pass}.Check(t, evaluate(t, "etcd/trusted-ca", n(other, ca)))
}

func caPEM(t testing.TB, cn string) []byte {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: cn}, NotBefore: time.Now(), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}

func TestRulesOfOtherComponentsDoNotApply(t *testing.T) {
	n := node(apiServer("--client-ca-file=/ca.crt"))
	want{Status: na, Message: "No etcd was found on this node."}.Check(t, evaluate(t, "etcd/client-tls", n))
}

func BenchmarkRulesOnOneNode(b *testing.B) {
	c, err := rules.NewCatalog(etcd.Rules()...)
	if err != nil {
		b.Fatal(err)
	}
	inv := inventory.New()
	inv.Nodes = []*inventory.Node{{Host: "cp-1", Components: []*inventory.Component{etcdProcess(nil, kubeadm...), apiServer("--client-ca-file=/etc/kubernetes/pki/ca.crt")}}}
	b.ReportAllocs()
	for b.Loop() {
		e := c.NewEvaluation(&rules.Options{}, nil)
		e.Finish(inv)
	}
}

// TestNodeTrees judges whole node trees, one per source of etcd's settings: its flags, its
// ETCD_* environment, a flag over the environment, its configuration file over both, and its
// defaults; want.txt beside each says the verdicts and the source each one names.
func TestNodeTrees(t *testing.T) {
	testrules.NodeTrees(t, testrules.Rules(t, etcd.Rules()...), "testdata/nodes", nil)
}
