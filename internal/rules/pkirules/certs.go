package pkirules

// The certificate and key rules, one concern each, over the files of certComponents
// (named.go). Each rule judges every file of the uses it applies to, fails naming the setting,
// the file and the certificate, and passes with what it found in each file. A file that the
// node source did not read, or that is missing or does not parse, is left to pki/unreadable
// and named in the pass evidence or the not-applicable reason. On a node seen through the
// API server (Node.Remote) no file is known, and the rules do not apply.
//
// pki/certificate-expiry: every certificate of the file valid at the time of the scan and
//   for more than pki.DefaultWarn (30 days). Expired: critical; not yet valid: high; within
//   the window: medium; an expired CA in a bundle whose other CAs are valid: low.
// pki/weak-key: RSA keys of at least 2048 bits, elliptic curves of at least 256 bits
//   (certificates, service-account public and private keys).
// pki/weak-signature: no certificate signed with MD2, MD5 or SHA-1 (a self-signed CA's own
//   signature is never verified and is not judged).
// pki/ca-constraints: every certificate of a CA bundle or signing CA has basicConstraints
//   CA:TRUE and, when it has a keyUsage, keyCertSign.
// pki/serving-san: a serving certificate holds a DNS or IP subject alternative name.
// pki/key-mismatch: the private key given with a certificate is that certificate's key.
// pki/unreadable: every file a setting names exists and parses.

import (
	"crypto/x509"
	"fmt"
	"slices"
	"strings"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/pki"
	"palisade.dev/palisade/internal/rules"
)

// certSpec declares one certificate rule.
type certSpec struct {
	id, title   string
	severity    finding.Severity
	description string
	fields      []string
	allowed     []string
	refs        []rules.Reference
	remedy      string
	// uses selects the files the rule judges, and keys whether it judges the private keys of
	// pairs too; none names them for a component that has none ("serving certificate").
	uses func(use) bool
	keys bool
	none string
	// needsTime makes the rule not applicable when the scan time is unknown.
	needsTime bool
	check     func(ctx *rules.NodeContext, p parsed, v *verdicts)
}

// verdicts gathers a rule's failures and the evidence of what passed.
type verdicts struct {
	fails    []rules.Violation
	evidence []string
}

func (v *verdicts) fail(s named, severity finding.Severity, message, evidence string) {
	v.fails = append(v.fails, rules.Violation{Path: s.label, Message: message, Evidence: evidence, Severity: new(severity)})
}

// allFields are the settings the certificate rules read.
var allFields = []string{
	"kube-apiserver: --tls-cert-file, --tls-private-key-file, --tls-sni-cert-key, --kubelet-client-certificate, --kubelet-client-key, --etcd-certfile, --etcd-keyfile, --proxy-client-cert-file, --proxy-client-key-file, --client-ca-file, --etcd-cafile, --kubelet-certificate-authority, --requestheader-client-ca-file, --oidc-ca-file, --service-account-key-file, --service-account-signing-key-file",
	"etcd (flag or ETCD_* variable): --cert-file, --key-file, --peer-cert-file, --peer-key-file, --client-cert-file, --client-key-file, --peer-client-cert-file, --peer-client-key-file, --trusted-ca-file, --peer-trusted-ca-file",
	"kube-controller-manager: --tls-cert-file, --tls-private-key-file, --cluster-signing-cert-file, --cluster-signing-key-file, --root-ca-file, --client-ca-file, --requestheader-client-ca-file, --service-account-private-key-file",
	"kube-scheduler: --tls-cert-file, --tls-private-key-file, --client-ca-file, --requestheader-client-ca-file",
	"kubelet: tlsCertFile (--tls-cert-file), tlsPrivateKeyFile (--tls-private-key-file), authentication.x509.clientCAFile (--client-ca-file)",
}

func (sp certSpec) rule() rules.Rule {
	fields := sp.fields
	if fields == nil {
		fields = allFields
	}
	return rules.Rule{
		ID: sp.id, Title: sp.title, Severity: sp.severity, Area: rules.AreaNode, Scope: rules.ScopeNode,
		Components: certComponents, Description: sp.description, Fields: fields, Allowed: sp.allowed,
		References: sp.refs, Remedy: sp.remedy,
		Node: sp.evaluate,
	}
}

func (sp certSpec) evaluate(ctx *rules.NodeContext) []rules.Violation {
	if ctx.Node.Remote {
		ctx.NotApplicable(remoteReason)
		return nil
	}
	if sp.needsTime && ctx.Node.ScannedAt.IsZero() {
		ctx.NotApplicable("The time of the scan is not known, so certificate dates cannot be judged.")
		return nil
	}
	ps, states := load(ctx, ctx.Memo, sp.uses, sp.keys)
	var v verdicts
	judged := 0
	for _, p := range ps {
		if sp.applies(p) {
			judged++
			sp.check(ctx, p, &v)
		}
	}
	if len(v.fails) > 0 {
		return v.fails
	}
	var skipped []string
	for _, st := range states {
		if st.problem == "" && !st.notRead {
			continue
		}
		skipped = append(skipped, st.skipped())
	}
	if judged == 0 {
		reason := fmt.Sprintf("%s names no %s.", ctx.Component.Kind, sp.none)
		if len(skipped) > 0 {
			reason = fmt.Sprintf("No %s of %s could be judged: %s.", sp.none, ctx.Component.Kind, joinEvidence(skipped))
		}
		ctx.NotApplicable(reason)
		return nil
	}
	ctx.Pass(joinEvidence(append(v.evidence, skipped...)))
	return nil
}

// applies reports whether the rule judges a parsed credential.
func (sp certSpec) applies(p parsed) bool {
	return sp.uses(p.use) && (!sp.keys || p.key.path != "" && p.signer != nil)
}

// skipped says why a file was not judged.
func (st fileState) skipped() string {
	if st.notRead {
		return st.setting.String() + " was not read by the node source"
	}
	return st.setting.String() + " " + st.problem + " (see pki/unreadable)"
}

func isCertificate(u use) bool { return u.holdsCertificates() }

// describe is a file's certificates as evidence: "CN=kube-apiserver, expires 2027-01-02 (in
// 37 days)", or for several the first to expire.
func describe(certs []*x509.Certificate, ctx *rules.NodeContext) string {
	first := certs[0]
	for _, c := range certs[1:] {
		if c.NotAfter.Before(first.NotAfter) {
			first = c
		}
	}
	s := fmt.Sprintf("%s, expires %s (%s)", pki.Subject(first), first.NotAfter.UTC().Format(dateOnly), until(first.NotAfter, ctx.Node.ScannedAt))
	if ctx.Node.ScannedAt.IsZero() {
		s = fmt.Sprintf("%s, expires %s", pki.Subject(first), first.NotAfter.UTC().Format(dateOnly))
	}
	if len(certs) > 1 {
		s = fmt.Sprintf("%d certificates, the first to expire %s", len(certs), s)
	}
	return s
}

// texts joins problems as clauses.
func texts(ps []pki.Problem) string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.Text()
	}
	return strings.Join(out, "; ")
}

// --- pki/certificate-expiry

func expiryRule() rules.Rule {
	return certSpec{
		id: "pki/certificate-expiry", title: "Certificates the components use are valid and not about to expire",
		severity: finding.Critical,
		description: "A component whose serving certificate has expired is refused by every client; an expired client " +
			"certificate is refused by the server it calls (the API server by etcd or the kubelets); an expired CA makes " +
			"every certificate it signed fail. kubeadm's certificates last a year and are renewed only by an upgrade or " +
			"kubeadm certs renew, so a cluster not upgraded for a year stops. Every certificate of each file is judged " +
			"at the time of the scan, intermediates and every CA of a bundle included.",
		allowed: []string{"every certificate valid at the time of the scan and for more than 30 days after it"},
		refs:    []rules.Reference{docsKubeadmCerts, docsPKI, docsKubeletRotation},
		remedy: "Renew the certificate before it expires (kubeadm: kubeadm certs check-expiration, then kubeadm certs renew " +
			"and restart the control-plane static pods; the kubelet: rotateCertificates and serverTLSBootstrap), and " +
			"remove CAs that have expired from bundles.",
		uses: isCertificate, none: "certificate file", needsTime: true,
		check: checkExpiry,
	}.rule()
}

// consequence says what an expired certificate of a use breaks.
func (u use) consequence() string {
	switch u {
	case serving:
		return "clients refuse to connect to it"
	case client:
		return "the server it is presented to refuses it"
	case signer:
		return "certificates signed with it do not verify"
	}
	return "certificates it signed no longer verify against it"
}

func checkExpiry(ctx *rules.NodeContext, p parsed, v *verdicts) {
	probs := pki.CheckDates(p.certs, pki.Policy{At: ctx.Node.ScannedAt})
	ev := p.file.String() + ": " + describe(p.certs, ctx)
	if len(probs) == 0 {
		v.evidence = append(v.evidence, ev)
		return
	}
	severity := dateSeverity(probs)
	msg := fmt.Sprintf("%s (%s): %s", p.file.String(), p.use, texts(probs))
	if severity >= finding.High {
		msg += "; " + p.use.consequence()
	}
	// A CA bundle keeps verifying through its valid CAs: an expired one is dead weight.
	if p.use == caBundle && len(probs) < len(p.certs) && severity == finding.Critical {
		severity = finding.Low
		msg += "; the bundle's other CAs are valid, so only certificates signed by the expired one are refused: remove it"
	}
	v.fail(p.file, severity, msg, ev)
}

// --- pki/weak-key

func weakKeyRule() rules.Rule {
	return certSpec{
		id: "pki/weak-key", title: "Certificates and keys the components use are strong enough",
		severity: finding.High,
		description: "An RSA key under 2048 bits or an elliptic curve under 256 bits can be broken with resources an " +
			"attacker can rent: whoever breaks a CA's key signs any identity, whoever breaks a serving key impersonates " +
			"the component, and whoever breaks the service-account signing key mints tokens for any service account. " +
			"NIST SP 800-131A disallows them.",
		allowed: []string{"RSA of 2048 bits or more", "ECDSA on P-256 or larger", "Ed25519"},
		refs:    []rules.Reference{docsNIST, docsPKI},
		remedy: "Reissue the certificate with an RSA key of at least 2048 bits or an ECDSA P-256 key (kubeadm: " +
			"encryptionAlgorithm in ClusterConfiguration), and replace weak service-account keys (keeping the old " +
			"public key in --service-account-key-file until the tokens it signed expire).",
		uses: func(use) bool { return true }, none: "certificate or key file",
		check: checkWeakKey,
	}.rule()
}

func checkWeakKey(_ *rules.NodeContext, p parsed, v *verdicts) {
	var descs, weak []string
	switch {
	case len(p.certs) > 0:
		for _, c := range p.certs {
			descs = append(descs, pki.KeyDescription(c.PublicKey))
		}
		for _, pr := range pki.CheckKeyStrength(p.certs, pki.Policy{}) {
			weak = append(weak, pr.Text())
		}
	case len(p.pubs) > 0:
		for i, k := range p.pubs {
			descs = append(descs, pki.KeyDescription(k))
			if msg := pki.CheckKey(k, pki.Policy{}); msg != "" {
				weak = append(weak, fmt.Sprintf("key %d %s", i+1, msg))
			}
		}
	case p.signer != nil:
		descs = append(descs, pki.KeyDescription(p.signer.Public()))
		if msg := pki.CheckKey(p.signer.Public(), pki.Policy{}); msg != "" {
			weak = append(weak, "the key "+msg)
		}
	}
	ev := p.file.String() + ": " + strings.Join(descs, ", ")
	if len(weak) == 0 {
		v.evidence = append(v.evidence, ev)
		return
	}
	v.fail(p.file, finding.High, fmt.Sprintf("%s (%s): %s", p.file.String(), p.use, strings.Join(weak, "; ")), ev)
}

// --- pki/weak-signature

func weakSignatureRule() rules.Rule {
	return certSpec{
		id: "pki/weak-signature", title: "Certificates the components use are signed with a strong algorithm",
		severity: finding.High,
		description: "A certificate signed with MD5 or SHA-1 can be forged by a chosen-prefix collision, and Go (so every " +
			"Kubernetes component) refuses to verify such signatures since Go 1.18: a component presenting one is " +
			"refused, or its peers were configured to skip verification. A self-signed CA's own signature is never " +
			"verified and is not judged.",
		allowed: []string{"SHA-256 or stronger (RSA, RSA-PSS, ECDSA), Ed25519"},
		refs:    []rules.Reference{docsGoSHA1, docsNIST},
		remedy:  "Reissue the certificate signed with SHA-256 or stronger (openssl: -sha256; cfssl and kubeadm do so by default).",
		uses:    isCertificate, none: "certificate file",
		check: checkWeakSignature,
	}.rule()
}

func checkWeakSignature(_ *rules.NodeContext, p parsed, v *verdicts) {
	var algs []string
	for _, c := range p.certs {
		if a := c.SignatureAlgorithm.String(); !slices.Contains(algs, a) {
			algs = append(algs, a)
		}
	}
	ev := p.file.String() + ": signed with " + strings.Join(algs, ", ")
	probs := pki.CheckSignatures(p.certs)
	if len(probs) == 0 {
		v.evidence = append(v.evidence, ev)
		return
	}
	v.fail(p.file, finding.High, fmt.Sprintf("%s (%s): %s", p.file.String(), p.use, texts(probs)), ev)
}

// --- pki/ca-constraints

func caConstraintsRule() rules.Rule {
	return certSpec{
		id: "pki/ca-constraints", title: "Files given as CAs hold CA certificates",
		severity: finding.High,
		description: "A file given as a CA (--client-ca-file, --etcd-cafile, --trusted-ca-file, --kubelet-certificate-" +
			"authority, --root-ca-file, the controller manager's signing certificate ...) must hold certificates with " +
			"basicConstraints CA:TRUE, and keyCertSign in their keyUsage when they have one. A leaf certificate given " +
			"there usually means the wrong file was configured: verification against it fails, which invites " +
			"turning verification off.",
		fields: []string{
			"kube-apiserver: --client-ca-file, --etcd-cafile, --kubelet-certificate-authority, --requestheader-client-ca-file, --oidc-ca-file",
			"etcd: --trusted-ca-file, --peer-trusted-ca-file", "kube-controller-manager: --cluster-signing-cert-file, --root-ca-file, --client-ca-file, --requestheader-client-ca-file",
			"kube-scheduler: --client-ca-file, --requestheader-client-ca-file", "kubelet: authentication.x509.clientCAFile (--client-ca-file)",
		},
		allowed: []string{"certificates with basicConstraints CA:TRUE and, with a keyUsage, keyCertSign"},
		refs:    []rules.Reference{docsRFC5280, cisClientCA, docsPKI},
		remedy:  "Point the setting at the CA's certificate (kubeadm: /etc/kubernetes/pki/ca.crt, etcd/ca.crt, front-proxy-ca.crt), not at a certificate the CA issued.",
		uses:    func(u use) bool { return u == caBundle || u == signer }, none: "CA file",
		check: checkCA,
	}.rule()
}

func checkCA(_ *rules.NodeContext, p parsed, v *verdicts) {
	var ok []string
	for _, c := range p.certs {
		ok = append(ok, pki.Subject(c)+": "+caSummary(c))
	}
	ev := p.file.String() + ": " + strings.Join(ok, ", ")
	probs := pki.CheckCA(p.certs)
	if len(probs) == 0 {
		v.evidence = append(v.evidence, ev)
		return
	}
	severity := finding.Low
	for _, pr := range probs {
		switch {
		case pr.Kind == pki.NotCA:
			severity = finding.High
		case p.certs[pr.Index].KeyUsage != 0:
			severity = max(severity, finding.Medium)
		}
	}
	v.fail(p.file, severity, fmt.Sprintf("%s (%s): %s", p.file.String(), p.use, texts(probs)), ev)
}

// caSummary is what a certificate says of being a CA: "CA:TRUE, keyCertSign".
func caSummary(c *x509.Certificate) string {
	s := "CA:FALSE"
	switch {
	case !c.BasicConstraintsValid:
		s = "no basicConstraints"
	case c.IsCA:
		s = "CA:TRUE"
	}
	switch {
	case c.KeyUsage == 0:
		s += ", no keyUsage"
	case c.KeyUsage&x509.KeyUsageCertSign != 0:
		s += ", keyCertSign"
	default:
		s += ", keyUsage without keyCertSign"
	}
	return s
}

// --- pki/serving-san

func servingSANRule() rules.Rule {
	return certSpec{
		id: "pki/serving-san", title: "Serving certificates name their hosts in subject alternative names",
		severity: finding.Medium,
		description: "Go verifies a server's name against the certificate's DNS and IP subject alternative names only; " +
			"the common name has not counted since Go 1.15. A serving certificate without them is refused by every " +
			"client that verifies it, so clients that still connect skip verification, and anyone on the path can " +
			"impersonate the component.",
		fields: []string{
			"kube-apiserver: --tls-cert-file, --tls-sni-cert-key", "etcd: --cert-file, --peer-cert-file",
			"kube-controller-manager, kube-scheduler: --tls-cert-file", "kubelet: tlsCertFile (--tls-cert-file)",
		},
		allowed: []string{"a DNS or IP subject alternative name"},
		refs:    []rules.Reference{docsGoCN, cisAPIServerTLS, cisEtcdCertFile, cisKubeletTLS, docsPKI},
		remedy: "Reissue the serving certificate with the names and addresses clients use as subject alternative names " +
			"(kubeadm: apiServer.certSANs, etcd.local.serverCertSANs and peerCertSANs; the kubelet: serverTLSBootstrap).",
		uses: func(u use) bool { return u == serving }, none: "serving certificate",
		check: checkServingNames,
	}.rule()
}

// maxNames bounds the names listed in evidence.
const maxNames = 6

func checkServingNames(_ *rules.NodeContext, p parsed, v *verdicts) {
	probs := pki.CheckServingNames(p.certs)
	if len(probs) > 0 {
		v.fail(p.file, finding.Medium, fmt.Sprintf("%s (%s): %s", p.file.String(), p.use, texts(probs)),
			p.file.String()+": "+pki.Subject(p.certs[0])+", no subject alternative name")
		return
	}
	names := strings.Split(pki.Names(p.certs[0]), ", ")
	if len(names) > maxNames {
		names = append(names[:maxNames], fmt.Sprintf("and %d more", len(names)-maxNames))
	}
	v.evidence = append(v.evidence, p.file.String()+": "+strings.Join(names, ", "))
}

// --- pki/key-mismatch

func keyMismatchRule() rules.Rule {
	return certSpec{
		id: "pki/key-mismatch", title: "Private keys match the certificates they are given with",
		severity: finding.Medium,
		description: "A component refuses to start when the private key it is given is not its certificate's " +
			"(crypto/tls: private key does not match public key). A running component with a mismatched pair on disk " +
			"was started with other files, or one of them was replaced since: it will fail at its next restart.",
		fields: []string{
			"kube-apiserver: --tls-cert-file/--tls-private-key-file, --tls-sni-cert-key, --kubelet-client-certificate/--kubelet-client-key, --etcd-certfile/--etcd-keyfile, --proxy-client-cert-file/--proxy-client-key-file",
			"etcd: --cert-file/--key-file, --peer-cert-file/--peer-key-file, --client-cert-file/--client-key-file, --peer-client-cert-file/--peer-client-key-file",
			"kube-controller-manager: --tls-cert-file/--tls-private-key-file, --cluster-signing-cert-file/--cluster-signing-key-file",
			"kube-scheduler: --tls-cert-file/--tls-private-key-file", "kubelet: tlsCertFile/tlsPrivateKeyFile",
		},
		allowed: []string{"the key file holds the private key of the certificate file's first certificate"},
		refs:    []rules.Reference{docsPKI},
		remedy:  "Give the component the key its certificate was issued for, or reissue the certificate for the key; renew both together (kubeadm certs renew does).",
		uses:    isCertificate, keys: true,
		none:  "certificate and private key pair",
		check: checkKeyPair,
	}.rule()
}

func checkKeyPair(_ *rules.NodeContext, p parsed, v *verdicts) {
	ev := fmt.Sprintf("%s (%s); %s (%s)", p.file.String(), pki.KeyDescription(p.certs[0].PublicKey), p.key.String(), pki.KeyDescription(p.signer.Public()))
	probs := pki.CheckKeyPair(p.certs, p.signer)
	if len(probs) == 0 {
		v.evidence = append(v.evidence, fmt.Sprintf("%s matches %s (%s)", p.key.String(), p.file.String(), pki.KeyDescription(p.signer.Public())))
		return
	}
	v.fail(p.key, finding.Medium, fmt.Sprintf("%s and %s: %s", p.file.String(), p.key.String(), texts(probs)), ev)
}

// --- pki/unreadable

func unreadableRule() rules.Rule {
	return rules.Rule{
		ID: "pki/unreadable", Title: "Certificate and key files the components name exist and parse",
		Severity: finding.High, Area: rules.AreaNode, Scope: rules.ScopeNode, Components: certComponents,
		Description: "A certificate, key or CA file a component's setting names that is missing, unreadable or does not " +
			"parse as PEM stops the component at its next start (or, for a CA bundle read on change, makes every " +
			"verification against it fail), and leaves the other pki rules nothing to judge. A file the node source " +
			"did not read is not a failure and is named as such.",
		Fields:     allFields,
		Allowed:    []string{"every named file exists, is readable, and holds PEM certificates or keys that parse"},
		References: []rules.Reference{cisAPIServerTLS, cisEtcdCertFile, cisKubeletTLS, docsPKI},
		Remedy:     "Restore the file the setting names (kubeadm: kubeadm init phase certs), or correct the setting.",
		Node:       checkUnreadable,
	}
}

func checkUnreadable(ctx *rules.NodeContext) []rules.Violation {
	if ctx.Node.Remote {
		ctx.NotApplicable(remoteReason)
		return nil
	}
	_, states := load(ctx, ctx.Memo, func(use) bool { return true }, true)
	if len(states) == 0 {
		ctx.NotApplicable(fmt.Sprintf("%s names no certificate or key file.", ctx.Component.Kind))
		return nil
	}
	var out []rules.Violation
	var read, notRead []string
	for _, st := range states {
		switch {
		case st.problem != "":
			msg := fmt.Sprintf("%s (%s) %s", st.setting.String(), st.what, st.problem)
			if strings.HasPrefix(st.problem, "does not exist") {
				msg += fmt.Sprintf(": %s does not start with it, or the file was removed since it started", ctx.Component.Kind)
			}
			out = append(out, rules.Violation{Path: st.setting.label, Message: msg, Evidence: st.setting.String()})
		case st.notRead:
			notRead = append(notRead, st.setting.String())
		default:
			read = append(read, st.setting.String())
		}
	}
	return unreadableVerdict(ctx, out, read, notRead)
}

// unreadableVerdict ends the unreadable-file rules: their failures, else not applicable when
// the node source read none of the files, else a pass naming what was read and what was not.
func unreadableVerdict(ctx *rules.NodeContext, out []rules.Violation, read, notRead []string) []rules.Violation {
	if len(out) > 0 {
		return out
	}
	if len(read) == 0 {
		ctx.NotApplicable("Not read: the node source did not read " + joinEvidence(notRead) + ".")
		return nil
	}
	ev := "read and parsed: " + joinEvidence(read)
	if len(notRead) > 0 {
		ev += "; not read by the node source: " + joinEvidence(notRead)
	}
	ctx.Pass(ev)
	return nil
}

// dateSeverity grades certificate date problems by the worst of them: an expired certificate
// is refused (critical), one not yet valid too (high), one expiring soon is an outage to come
// (medium).
func dateSeverity(probs []pki.Problem) finding.Severity {
	severity := finding.Medium
	for _, pr := range probs {
		switch pr.Kind {
		case pki.Expired:
			severity = max(severity, finding.Critical)
		case pki.NotYetValid:
			severity = max(severity, finding.High)
		}
	}
	return severity
}
