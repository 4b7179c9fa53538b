package etcd

// etcd/trusted-ca: etcd trusts a CA of its own for client certificates (CIS 2.7).
//
// Restricted fields:
//   --trusted-ca-file of etcd; compared with --client-ca-file of a kube-apiserver on the same
//   node
//
// Allowed values:
//   set, and neither the same file nor a file holding the same certificate as the API
//   server's --client-ca-file. A shared CA is a hole: every client certificate the cluster
//   CA signs (each user's, each kubelet's, every CSR an approver signed) is then accepted by
//   etcd, which gives full access to every key. Without --trusted-ca-file, etcd with
//   --client-cert-auth verifies client certificates against the node's system roots. When no
//   API server runs on the node, or its client CA is not set, only the flag is judged; when
//   a file was not read, the paths are compared.
//
// References: CIS Kubernetes Benchmark v1.10.0 2.7 (manual in the benchmark: Palisade checks
// what it can see); https://etcd.io/docs/v3.5/op-guide/security/

import (
	"bytes"
	"fmt"
	"path/filepath"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/inventory"
	"palisade.dev/palisade/internal/pki"
	"palisade.dev/palisade/internal/rules"
	"palisade.dev/palisade/internal/settings"
)

func trustedCARule() rules.Rule {
	return rules.Rule{
		ID:       "etcd/trusted-ca",
		Title:    "etcd does not trust a CA of its own for client certificates",
		Severity: finding.High,
		Area:     rules.AreaEtcd,
		Scope:    rules.ScopeNode,
		Description: "etcd accepts the client certificates its --trusted-ca-file signed. That CA must be etcd's own: when it " +
			"is the cluster CA the API server trusts for users (--client-ca-file), every user's and kubelet's client " +
			"certificate also opens etcd, with full access to every object. Without the flag, client certificates are " +
			"verified against the node's system roots.",
		Fields:     []string{"--trusted-ca-file", "kube-apiserver --client-ca-file"},
		Allowed:    []string{"set, to a CA not shared with the API server's --client-ca-file"},
		References: []rules.Reference{cisUniqueCA, docsTransportSecurity, docsOperatingEtcd},
		Remedy: "Create a CA for etcd alone (kubeadm: /etc/kubernetes/pki/etcd/ca.crt), sign etcd's serving and peer " +
			"certificates and the API server's etcd client certificate with it, and set --trusted-ca-file to it.",
		Components: etcdOnly,
		Node: func(ctx *rules.NodeContext) []rules.Violation {
			return judge(ctx, checkTrustedCA)
		},
	}
}

func checkTrustedCA(ctx *rules.NodeContext, s *settings.Component) []rules.Violation {
	ca := s.Get("trusted-ca-file")
	if !ca.Set() {
		v := rules.Violation{Path: "--trusted-ca-file", Evidence: ca.Observed("")}
		if auth, _ := s.Get("client-cert-auth").Bool(); auth {
			v.Message = "etcd has no --trusted-ca-file: it verifies client certificates against the node's system roots, so a certificate from any CA the system trusts is accepted"
		} else {
			v.Message = "etcd has no --trusted-ca-file, so it cannot require client certificates from a CA of its own"
			v.Severity = new(finding.Medium)
		}
		return []rules.Violation{v}
	}
	evidence := ca.Observed("")
	compared := false
	for _, api := range ctx.Node.ComponentsOf(inventory.KubeAPIServer) {
		apiSettings, _ := ctx.SettingsOf(api)
		apiCA := apiSettings.Get("client-ca-file")
		clientCA := apiCA.Given()
		if clientCA == "" {
			continue
		}
		compared = true
		evidence += "; " + apiCA.Source() + "=" + clientCA
		if filepath.Clean(clientCA) == filepath.Clean(ca.Value) {
			return []rules.Violation{{
				Path: "--trusted-ca-file",
				Message: fmt.Sprintf("etcd trusts %s, the same CA file the API server trusts for user and kubelet client certificates: every client certificate of the cluster opens etcd, with full access to every object",
					ca.Value),
				Evidence: evidence,
			}}
		}
		if shared := sharedCertificate(ctx.Node, ca.Value, clientCA); shared != "" {
			return []rules.Violation{{
				Path: "--trusted-ca-file",
				Message: fmt.Sprintf("etcd's %s and the API server's %s hold the same CA certificate (%s): every client certificate of the cluster opens etcd, with full access to every object",
					ca.Value, clientCA, shared),
				Evidence: evidence,
			}}
		}
	}
	if !compared {
		evidence += "; no kube-apiserver with --client-ca-file on this node to compare with"
	}
	ctx.Pass(evidence)
	return nil
}

// sharedCertificate returns the subject of a certificate both files hold, or "" when they
// share none or either file was not read or does not parse (the pki rules report that).
func sharedCertificate(n *inventory.Node, a, b string) string {
	fa, fb := n.File(a), n.File(b)
	if fa == nil || fb == nil || fa.Data == nil || fb.Data == nil {
		return ""
	}
	ca, err := pki.ParseCertificates(a, fa.Data)
	if err != nil {
		return ""
	}
	cb, err := pki.ParseCertificates(b, fb.Data)
	if err != nil {
		return ""
	}
	for _, x := range ca {
		for _, y := range cb {
			if bytes.Equal(x.Raw, y.Raw) {
				return pki.Subject(x)
			}
		}
	}
	return ""
}
