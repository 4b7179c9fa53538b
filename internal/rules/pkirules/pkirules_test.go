package pkirules_test

import (
	"crypto/x509"
	"strings"
	"testing"
	"time"

	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/inventory"
	"palisade.dev/palisade/internal/rules"
	"palisade.dev/palisade/internal/rules/pkirules"
	"palisade.dev/palisade/internal/testrules"
)

// on keeps the verdicts about the component of kind (about the node for ""); none fails the
// test.
func on(t *testing.T, kind inventory.ComponentKind, vs []testrules.Verdict) []testrules.Verdict {
	t.Helper()
	want := string(kind)
	if kind == "" {
		want = "Node"
	}
	var out []testrules.Verdict
	for _, v := range vs {
		if v.Kind == want {
			out = append(out, v)
		}
	}
	if len(out) == 0 {
		t.Fatalf("no verdict on %q among %v", want, vs)
	}
	return out
}

type want struct {
	status   finding.Status
	severity finding.Severity // checked for failures
	message  string
	evidence string
}

// check finds a verdict matching w among got.
func (w want) check(t *testing.T, got []testrules.Verdict) {
	t.Helper()
	for _, g := range got {
		if g.Status == w.status && (w.status != finding.Fail || g.Severity == w.severity) &&
			strings.Contains(g.Message, w.message) && strings.Contains(g.Evidence, w.evidence) {
			return
		}
	}
	t.Errorf("no verdict %+v among:", w)
	for _, g := range got {
		t.Logf("  %s %s: %s | %s | %s", g.Status, g.Severity, g.Message, g.Evidence, g.Kind+" "+g.File)
	}
}

var (
	pass = finding.Pass
	fail = finding.Fail
	na   = finding.NotApplicable
)

const (
	api  = inventory.KubeAPIServer
	etcd = inventory.Etcd
	kcm  = inventory.KubeControllerManager
	sch  = inventory.KubeScheduler
	kl   = inventory.Kubelet
)

func days(n int) time.Duration { return time.Duration(n) * 24 * time.Hour }

func TestCertificateRules(t *testing.T) {
	tests := []struct {
		name string
		rule string
		kind inventory.ComponentKind
		edit func(k *kubeadmNode)
		want want
	}{
		// pki/certificate-expiry
		{"kubeadm's certificates are valid for a year", "pki/certificate-expiry", api, nil,
			want{status: pass, evidence: "--tls-cert-file=/etc/kubernetes/pki/apiserver.crt: CN=kube-apiserver, expires 2027-03-01 (in 365 days)"}},
		{"an expired serving certificate", "pki/certificate-expiry", api, func(k *kubeadmNode) {
			k.pair(pki+"apiserver", cert{cn: "kube-apiserver", dns: []string{"kubernetes"}, notBefore: scanTime.Add(-days(400)), notAfter: scanTime.Add(-days(3))}, k.ca)
		}, want{status: fail, severity: finding.Critical, message: "--tls-cert-file=/etc/kubernetes/pki/apiserver.crt (serving certificate): certificate 1 (CN=kube-apiserver) expired on 2026-02-26", evidence: "(3 days ago)"}},
		{"a client certificate expiring within 30 days", "pki/certificate-expiry", api, func(k *kubeadmNode) {
			k.pair(pki+"apiserver-etcd-client", cert{cn: "kube-apiserver-etcd-client", notAfter: scanTime.Add(days(12))}, k.etcd)
		}, want{status: fail, severity: finding.Medium, message: "--etcd-certfile=/etc/kubernetes/pki/apiserver-etcd-client.crt (client certificate): certificate 1 (CN=kube-apiserver-etcd-client) expires on 2026-03-13", evidence: "in 12 days"}},
		{"a certificate not yet valid", "pki/certificate-expiry", etcd, func(k *kubeadmNode) {
			k.pair(etcdPKI+"peer", cert{cn: "cp-1", dns: []string{"cp-1"}, notBefore: scanTime.Add(days(2))}, k.etcd)
		}, want{status: fail, severity: finding.High, message: "--peer-cert-file=/etc/kubernetes/pki/etcd/peer.crt (serving certificate): certificate 1 (CN=cp-1) is not valid before"}},
		{"an expired CA beside a valid one in a bundle", "pki/certificate-expiry", api, func(k *kubeadmNode) {
			old := issue(t, cert{cn: "kubernetes-old", ca: true, notBefore: scanTime.Add(-days(4000)), notAfter: scanTime.Add(-days(1))}, nil)
			k.put(pki+"ca.crt", append(append([]byte{}, k.ca.pem...), old.pem...))
		}, want{status: fail, severity: finding.Low, message: "certificate 2 (CN=kubernetes-old) expired on", evidence: "--client-ca-file=/etc/kubernetes/pki/ca.crt: 2 certificates, the first to expire CN=kubernetes-old"}},
		{"the only CA expired", "pki/certificate-expiry", kcm, func(k *kubeadmNode) {
			k.ca = issue(t, cert{cn: "kubernetes", ca: true, notBefore: scanTime.Add(-days(4000)), notAfter: scanTime.Add(-time.Hour * 5)}, nil)
			k.put(pki+"ca.crt", k.ca.pem)
		}, want{status: fail, severity: finding.Critical, message: "--root-ca-file=/etc/kubernetes/pki/ca.crt (CA bundle): certificate 1 (CN=kubernetes) expired on", evidence: "(5 hours ago)"}},
		{"an expired intermediate in a serving chain", "pki/certificate-expiry", sch, func(k *kubeadmNode) {
			inter := issue(t, cert{cn: "intermediate", ca: true, notAfter: scanTime.Add(-days(1))}, k.ca)
			leaf := issue(t, cert{cn: "kube-scheduler", dns: []string{"localhost"}}, inter)
			k.put("/etc/sched/tls.crt", append(append([]byte{}, leaf.pem...), inter.pem...))
			k.put("/etc/sched/tls.key", keyPEM(t, leaf.key))
			k.setArgs(sch, "--tls-cert-file=/etc/sched/tls.crt", "--tls-private-key-file=/etc/sched/tls.key")
		}, want{status: fail, severity: finding.Critical, message: "certificate 2 (CN=intermediate) expired"}},
		{"the scan time is unknown", "pki/certificate-expiry", api, func(k *kubeadmNode) { k.node.ScannedAt = time.Time{} },
			want{status: na, message: "The time of the scan is not known"}},
		{"a node seen through the API server", "pki/certificate-expiry", api, func(k *kubeadmNode) { k.node.Remote = true },
			want{status: na, message: "seen through the API server"}},
		{"etcd's certificate named by its environment", "pki/certificate-expiry", etcd, func(k *kubeadmNode) {
			c := k.component(etcd)
			k.setArgs(etcd)
			c.Env = map[string]string{"ETCD_CERT_FILE": etcdPKI + "server.crt", "ETCD_KEY_FILE": etcdPKI + "server.key"}
		}, want{status: pass, evidence: "ETCD_CERT_FILE=/etc/kubernetes/pki/etcd/server.crt: CN=cp-1, expires"}},
		{"the kubelet's certificate from its config file", "pki/certificate-expiry", kl, nil,
			want{status: pass, evidence: "tlsCertFile=/var/lib/kubelet/pki/kubelet.crt (config file /var/lib/kubelet/config.yaml): CN=cp-1@1700000000, expires"}},
		{"the kubelet's certificate from its flag", "pki/certificate-expiry", kl, func(k *kubeadmNode) {
			k.setArgs(kl, "--tls-cert-file=/var/lib/kubelet/pki/kubelet.crt", "--tls-private-key-file=/var/lib/kubelet/pki/kubelet.key")
		}, want{status: pass, evidence: "--tls-cert-file=/var/lib/kubelet/pki/kubelet.crt: CN=cp-1@1700000000"}},
		{"a component naming no certificate", "pki/certificate-expiry", sch, nil,
			want{status: na, message: "kube-scheduler names no certificate file."}},
		{"files not read are named in the evidence", "pki/certificate-expiry", api, func(k *kubeadmNode) { delete(k.node.Files, pki+"front-proxy-ca.crt") },
			want{status: pass, evidence: "--requestheader-client-ca-file=/etc/kubernetes/pki/front-proxy-ca.crt was not read by the node source"}},
		{"a missing file is left to pki/unreadable", "pki/certificate-expiry", api, func(k *kubeadmNode) {
			k.node.Files[pki+"apiserver.crt"] = &inventory.File{Path: pki + "apiserver.crt"}
		}, want{status: pass, evidence: "--tls-cert-file=/etc/kubernetes/pki/apiserver.crt does not exist on the node (see pki/unreadable)"}},

		// pki/weak-key
		{"ECDSA P-256 keys", "pki/weak-key", api, nil,
			want{status: pass, evidence: "--tls-cert-file=/etc/kubernetes/pki/apiserver.crt: ECDSA P-256"}},
		{"an RSA 2048 certificate", "pki/weak-key", api, func(k *kubeadmNode) {
			k.pair(pki+"apiserver", cert{cn: "kube-apiserver", dns: []string{"kubernetes"}, key: rsaStrong}, k.ca)
		}, want{status: pass, evidence: "--tls-cert-file=/etc/kubernetes/pki/apiserver.crt: RSA 2048"}},
		{"an RSA 1024 serving certificate", "pki/weak-key", api, func(k *kubeadmNode) {
			k.pair(pki+"apiserver", cert{cn: "kube-apiserver", dns: []string{"kubernetes"}, key: rsaWeak}, k.ca)
		}, want{status: fail, severity: finding.High, message: "--tls-cert-file=/etc/kubernetes/pki/apiserver.crt (serving certificate): certificate 1 (CN=kube-apiserver) has an RSA key of 1024 bits", evidence: "RSA 1024"}},
		{"a P-224 CA", "pki/weak-key", etcd, func(k *kubeadmNode) {
			k.put(etcdPKI+"ca.crt", issue(t, cert{cn: "etcd-ca", ca: true, key: ecWeak}, nil).pem)
		}, want{status: fail, severity: finding.High, message: "--trusted-ca-file=/etc/kubernetes/pki/etcd/ca.crt (CA bundle): certificate 1 (CN=etcd-ca) has an ECDSA key on P-224"}},
		{"a weak service-account public key", "pki/weak-key", api, func(k *kubeadmNode) { k.put(pki+"sa.pub", publicPEM(t, rsaWeak.Public())) },
			want{status: fail, severity: finding.High, message: "--service-account-key-file=/etc/kubernetes/pki/sa.pub (public key file): key 1 has an RSA key of 1024 bits"}},
		{"a weak service-account signing key", "pki/weak-key", kcm, func(k *kubeadmNode) { k.put(pki+"sa.key", keyPEM(t, rsaWeak)) },
			want{status: fail, severity: finding.High, message: "--service-account-private-key-file=/etc/kubernetes/pki/sa.key (private key): the key has an RSA key of 1024 bits"}},
		{"a service-account key file of certificates", "pki/weak-key", api, func(k *kubeadmNode) { k.put(pki+"sa.pub", k.ca.pem) },
			want{status: pass, evidence: "--service-account-key-file=/etc/kubernetes/pki/sa.pub: ECDSA P-256"}},

		// pki/weak-signature
		{"SHA-256 signatures", "pki/weak-signature", api, nil,
			want{status: pass, evidence: "--tls-cert-file=/etc/kubernetes/pki/apiserver.crt: signed with ECDSA-SHA256"}},
		{"a certificate signed with SHA-1", "pki/weak-signature", api, func(k *kubeadmNode) {
			rsaCA := issue(t, cert{cn: "rsa-ca", ca: true, key: rsaStrong}, nil)
			k.pair(pki+"apiserver-kubelet-client", cert{cn: "kube-apiserver-kubelet-client", sigAlg: x509.SHA1WithRSA}, rsaCA)
		}, want{status: fail, severity: finding.High, message: "--kubelet-client-certificate=/etc/kubernetes/pki/apiserver-kubelet-client.crt (client certificate): certificate 1 (CN=kube-apiserver-kubelet-client) is signed with SHA1-RSA"}},
		{"a self-signed CA's own SHA-1 signature is not relied on", "pki/weak-signature", etcd, func(k *kubeadmNode) {
			k.put(etcdPKI+"ca.crt", issue(t, cert{cn: "etcd-ca", ca: true, key: rsaStrong, sigAlg: x509.SHA1WithRSA}, nil).pem)
		}, want{status: pass, evidence: "--trusted-ca-file=/etc/kubernetes/pki/etcd/ca.crt: signed with SHA1-RSA"}},

		// pki/ca-constraints
		{"kubeadm's CAs", "pki/ca-constraints", kcm, nil,
			want{status: pass, evidence: "--cluster-signing-cert-file=/etc/kubernetes/pki/ca.crt: CN=kubernetes: CA:TRUE, keyCertSign"}},
		{"a leaf certificate given as the client CA", "pki/ca-constraints", api, func(k *kubeadmNode) {
			k.setArgs(api, append(append([]string{}, apiServerArgs...), "--client-ca-file="+pki+"apiserver.crt")...)
		}, want{status: fail, severity: finding.High, message: "--client-ca-file=/etc/kubernetes/pki/apiserver.crt (CA bundle): certificate 1 (CN=kube-apiserver) is used as a CA but has no basicConstraints CA:TRUE", evidence: "CA:FALSE"}},
		{"a CA without basic constraints", "pki/ca-constraints", kl, func(k *kubeadmNode) {
			k.put(pki+"ca.crt", issue(t, cert{cn: "old-ca", noBC: true}, nil).pem)
		}, want{status: fail, severity: finding.High, message: "authentication.x509.clientCAFile=/etc/kubernetes/pki/ca.crt (config file /var/lib/kubelet/config.yaml) (CA bundle)", evidence: "no basicConstraints"}},
		{"the scheduler names no CA", "pki/ca-constraints", sch, nil, want{status: na, message: "kube-scheduler names no CA file."}},

		// pki/serving-san
		{"serving names", "pki/serving-san", api, nil,
			want{status: pass, evidence: "--tls-cert-file=/etc/kubernetes/pki/apiserver.crt: DNS:cp-1, DNS:kubernetes, DNS:kubernetes.default, DNS:kubernetes.default.svc, DNS:kubernetes.default.svc.cluster.local, IP:10.96.0.1, and 1 more"}},
		{"a serving certificate with a common name only", "pki/serving-san", etcd, func(k *kubeadmNode) {
			k.pair(etcdPKI+"server", cert{cn: "cp-1"}, k.etcd)
		}, want{status: fail, severity: finding.Medium, message: "--cert-file=/etc/kubernetes/pki/etcd/server.crt (serving certificate): certificate 1 (CN=cp-1) has no DNS or IP subject alternative name"}},
		{"client certificates need no names", "pki/serving-san", kcm, nil, want{status: na, message: "kube-controller-manager names no serving certificate."}},
		{"an SNI certificate", "pki/serving-san", api, func(k *kubeadmNode) {
			k.pair("/etc/sni/public", cert{cn: "api.example.com"}, k.ca)
			k.setArgs(api, append(append([]string{}, apiServerArgs...), "--tls-sni-cert-key=/etc/sni/public.crt,/etc/sni/public.key:api.example.com")...)
		}, want{status: fail, severity: finding.Medium, message: "--tls-sni-cert-key=/etc/sni/public.crt (serving certificate)"}},

		// pki/key-mismatch
		{"matching pairs", "pki/key-mismatch", api, nil,
			want{status: pass, evidence: "--tls-private-key-file=/etc/kubernetes/pki/apiserver.key matches --tls-cert-file=/etc/kubernetes/pki/apiserver.crt (ECDSA P-256)"}},
		{"a key of another certificate", "pki/key-mismatch", api, func(k *kubeadmNode) {
			k.put(pki+"apiserver.key", keyPEM(t, ecKeys[len(ecKeys)-1]))
		}, want{status: fail, severity: finding.Medium, message: "--tls-cert-file=/etc/kubernetes/pki/apiserver.crt and --tls-private-key-file=/etc/kubernetes/pki/apiserver.key: certificate 1 (CN=kube-apiserver) does not match the private key given with it (another ECDSA P-256 key)"}},
		{"a key of another algorithm", "pki/key-mismatch", kcm, func(k *kubeadmNode) { k.put(pki+"ca.key", keyPEM(t, rsaStrong)) },
			want{status: fail, severity: finding.Medium, message: "(a RSA 2048 key; the certificate holds a ECDSA P-256 key)"}},
		{"a key the source did not read", "pki/key-mismatch", sch, func(k *kubeadmNode) {
			k.setArgs(sch, "--tls-cert-file=/etc/kubernetes/pki/apiserver.crt", "--tls-private-key-file=/etc/sched/missing.key")
		}, want{status: na, message: "No certificate and private key pair of kube-scheduler could be judged: --tls-private-key-file=/etc/sched/missing.key was not read by the node source."}},

		// pki/unreadable
		{"every file read", "pki/unreadable", api, nil,
			want{status: pass, evidence: "read and parsed: --tls-cert-file=/etc/kubernetes/pki/apiserver.crt; --tls-private-key-file=/etc/kubernetes/pki/apiserver.key"}},
		{"a missing certificate", "pki/unreadable", api, func(k *kubeadmNode) {
			k.node.Files[pki+"apiserver.crt"] = &inventory.File{Path: pki + "apiserver.crt"}
		}, want{status: fail, severity: finding.High, message: "--tls-cert-file=/etc/kubernetes/pki/apiserver.crt (serving certificate) does not exist on the node: kube-apiserver does not start with it"}},
		{"a file that does not parse", "pki/unreadable", etcd, func(k *kubeadmNode) { k.put(etcdPKI+"ca.crt", []byte("not PEM")) },
			want{status: fail, severity: finding.High, message: "--trusted-ca-file=/etc/kubernetes/pki/etcd/ca.crt (CA bundle) does not parse: reading /etc/kubernetes/pki/etcd/ca.crt: no PEM CERTIFICATE block in it"}},
		{"a key that does not parse", "pki/unreadable", api, func(k *kubeadmNode) { k.put(pki+"apiserver.key", k.ca.pem) },
			want{status: fail, severity: finding.High, message: "--tls-private-key-file=/etc/kubernetes/pki/apiserver.key (private key of the serving certificate) does not parse"}},
		{"a file that could not be read", "pki/unreadable", kl, func(k *kubeadmNode) {
			k.node.Files["/var/lib/kubelet/pki/kubelet.key"] = &inventory.File{Path: "/var/lib/kubelet/pki/kubelet.key", Exists: true, Err: "permission denied"}
		}, want{status: fail, severity: finding.High, message: "tlsPrivateKeyFile=/var/lib/kubelet/pki/kubelet.key (config file /var/lib/kubelet/config.yaml) (private key of the serving certificate) could not be read: permission denied"}},
		{"a truncated file", "pki/unreadable", kcm, func(k *kubeadmNode) {
			f := k.node.Files[pki+"ca.crt"]
			f.Data, f.Truncated = f.Data[:40], true
		}, want{status: fail, severity: finding.High, message: "the file is larger than the node source reads"}},
		{"files not read", "pki/unreadable", etcd, func(k *kubeadmNode) {
			for p := range k.node.Files {
				if strings.HasPrefix(p, etcdPKI) {
					delete(k.node.Files, p)
				}
			}
		}, want{status: na, message: "Not read: the node source did not read --cert-file=/etc/kubernetes/pki/etcd/server.crt;"}},
		{"some files not read", "pki/unreadable", etcd, func(k *kubeadmNode) { delete(k.node.Files, etcdPKI+"peer.key") },
			want{status: pass, evidence: "not read by the node source: --peer-key-file=/etc/kubernetes/pki/etcd/peer.key"}},
		{"unreadable on a remote node", "pki/unreadable", api, func(k *kubeadmNode) { k.node.Remote = true; k.node.Files = nil },
			want{status: na, message: "seen through the API server"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k := newKubeadmNode(t)
			if tt.edit != nil {
				tt.edit(k)
			}
			tt.want.check(t, on(t, tt.kind, testrules.Node(t, testrules.Rules(t, pkirules.Rules()...), tt.rule, k.node, nil)))
		})
	}
}

// TestEveryRulePassesOnAKubeadmNode pins that a healthy node has no failures at all.
func TestEveryRulePassesOnAKubeadmNode(t *testing.T) {
	k := newKubeadmNode(t)
	c, err := rules.NewCatalog(pkirules.Rules()...)
	if err != nil {
		t.Fatal(err)
	}
	inv := inventory.New()
	inv.Nodes = []*inventory.Node{k.node}
	e := c.NewEvaluation(&rules.Options{}, nil)
	for _, f := range e.Finish(inv) {
		t.Errorf("%s on %s: %s | %s", f.RuleID, f.Object.Kind, f.Message, f.Evidence)
	}
	passed := 0
	for _, p := range e.Passed {
		if p.Status == finding.Pass {
			passed++
		}
	}
	// 7 certificate rules on 5 components, less the scheduler's and controller manager's
	// not-applicable ones, and 4 kubeconfig rules on the node.
	if passed < 30 {
		for _, p := range e.Passed {
			t.Logf("%s %s %s: %s", p.Status, p.RuleID, p.Object.Kind, p.Message)
		}
		t.Errorf("%d passes", passed)
	}
}

var _ = clientcmdapi.NewConfig
