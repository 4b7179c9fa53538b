package pkirules

// The kubeconfig rules judge, once per node, the kubeconfigs the components' flags name
// (--kubeconfig of the kubelet, controller manager, scheduler and kube-proxy, and the
// controller manager's and scheduler's --authentication-kubeconfig and
// --authorization-kubeconfig) and kubeadm's kubeconfigs in /etc/kubernetes that the node has,
// each parsed as client-go parses it (clientcmd.Load). Findings are attached to the file.
//
// kubeconfig/insecure-skip-tls-verify: no cluster entry sets insecure-skip-tls-verify: true
//   (high when a context uses it, low for an entry no context uses).
// kubeconfig/embedded-client-cert: every user's client certificate (client-certificate-data,
//   or the file client-certificate names when the node source read it) valid at the time of
//   the scan and for more than 30 days.
// kubeconfig/static-token: no user holds a bearer token, a token file or a basic-auth
//   password: long-lived credentials that leak with the file. Tokens are classified without
//   ever being printed: a JWT with or without an expiry, a bootstrap token, an opaque token.
// kubeconfig/unreadable: a kubeconfig a flag names exists and parses; a well-known one that
//   is present parses.

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/url"
	"path"
	"regexp"
	"slices"
	"strings"
	"time"

	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/inventory"
	"palisade.dev/palisade/internal/pki"
	"palisade.dev/palisade/internal/rules"
)

// wellKnownKubeconfigs are kubeadm's, judged when the node has them.
var wellKnownKubeconfigs = []string{
	"/etc/kubernetes/admin.conf", "/etc/kubernetes/super-admin.conf", "/etc/kubernetes/controller-manager.conf",
	"/etc/kubernetes/scheduler.conf", "/etc/kubernetes/kubelet.conf",
}

// kubeconfigFlags are the flags naming kubeconfigs, per component.
var kubeconfigFlags = map[inventory.ComponentKind][]string{
	inventory.Kubelet:               {"kubeconfig"},
	inventory.KubeControllerManager: {"kubeconfig", "authentication-kubeconfig", "authorization-kubeconfig"},
	inventory.KubeScheduler:         {"kubeconfig", "authentication-kubeconfig", "authorization-kubeconfig"},
	inventory.KubeProxy:             {"kubeconfig"},
}

// kubeconfigFile is a kubeconfig on the node and what names it.
type kubeconfigFile struct {
	path string
	// namedBy are the flags naming it ("kubelet --kubeconfig"); empty for a well-known file
	// no flag names.
	namedBy []string
}

// String names the file and why it is judged: "/etc/kubernetes/kubelet.conf (kubelet
// --kubeconfig)".
func (k kubeconfigFile) String() string {
	if len(k.namedBy) == 0 {
		return k.path + " (kubeadm)"
	}
	// "kube-scheduler --kubeconfig, --authentication-kubeconfig": the component once.
	parts := make([]string, len(k.namedBy))
	last := ""
	for i, by := range k.namedBy {
		kind, flag, _ := strings.Cut(by, " ")
		parts[i] = by
		if kind == last {
			parts[i] = flag
		}
		last = kind
	}
	return k.path + " (" + strings.Join(parts, ", ") + ")"
}

// kubeconfigsOf lists the node's kubeconfigs, sorted by path: every one a flag names, and the
// well-known ones the node source found.
func kubeconfigsOf(n *inventory.Node) []kubeconfigFile {
	byPath := map[string]*kubeconfigFile{}
	for _, c := range n.Components {
		for _, flag := range kubeconfigFlags[c.Kind] {
			v := c.Flags.Lookup(flag)
			p := strings.TrimSpace(v.String())
			if !v.Given || p == "" {
				continue
			}
			k := byPath[p]
			if k == nil {
				k = &kubeconfigFile{path: p}
				byPath[p] = k
			}
			if by := string(c.Kind) + " --" + flag; !slices.Contains(k.namedBy, by) {
				k.namedBy = append(k.namedBy, by)
			}
		}
	}
	for _, p := range wellKnownKubeconfigs {
		if f := n.File(p); f != nil && f.Exists && byPath[p] == nil {
			byPath[p] = &kubeconfigFile{path: p}
		}
	}
	out := make([]kubeconfigFile, 0, len(byPath))
	for _, k := range byPath {
		out = append(out, *k)
	}
	slices.SortFunc(out, func(a, b kubeconfigFile) int { return strings.Compare(a.path, b.path) })
	return out
}

// loadedKubeconfig is a kubeconfig that parsed.
type loadedKubeconfig struct {
	kubeconfigFile
	cfg *clientcmdapi.Config
}

// kubeconfigState is what became of one kubeconfig.
type kubeconfigState struct {
	kubeconfigFile
	notRead bool
	problem string
}

// maxParseError bounds a parse error quoted in a message, so that no more of the file than
// a parser's short context can appear.
const maxParseError = 160

// sharedKubeconfigs is loadKubeconfigs once per node, for the four kubeconfig rules. The
// result is read, never changed, by the rules that share it.
func sharedKubeconfigs(ctx *rules.NodeContext) ([]loadedKubeconfig, []kubeconfigState) {
	type loaded struct {
		ok     []loadedKubeconfig
		states []kubeconfigState
	}
	l := ctx.Memo("pkirules/kubeconfigs", func() any {
		ok, states := loadKubeconfigs(ctx.Node)
		return loaded{ok, states}
	}).(loaded)
	return l.ok, l.states
}

// loadKubeconfigs reads and parses the node's kubeconfigs.
func loadKubeconfigs(n *inventory.Node) (ok []loadedKubeconfig, states []kubeconfigState) {
	for _, k := range kubeconfigsOf(n) {
		st := kubeconfigState{kubeconfigFile: k}
		c := readFile(n, k.path)
		switch {
		case c.notRead || c.problem != "":
			st.notRead, st.problem = c.notRead, c.problem
		default:
			cfg, err := clientcmd.Load(c.data)
			if err != nil {
				msg := err.Error()
				if len(msg) > maxParseError {
					msg = msg[:maxParseError] + "..."
				}
				st.problem = "does not parse as a kubeconfig: " + msg
			} else {
				ok = append(ok, loadedKubeconfig{kubeconfigFile: k, cfg: cfg})
			}
		}
		states = append(states, st)
	}
	return ok, states
}

// kubeconfigSpec declares one kubeconfig rule.
type kubeconfigSpec struct {
	id, title   string
	severity    finding.Severity
	description string
	fields      []string
	allowed     []string
	refs        []rules.Reference
	remedy      string
	needsTime   bool
	// none names what the rule judges for a node where no kubeconfig has any.
	none  string
	check func(ctx *rules.NodeContext, k loadedKubeconfig, v *kubeconfigVerdicts)
}

// kubeconfigVerdicts gathers a kubeconfig rule's failures and evidence; judged counts the
// entries judged.
type kubeconfigVerdicts struct {
	fails    []rules.Violation
	evidence []string
	judged   int
}

func (v *kubeconfigVerdicts) fail(n *inventory.Node, k loadedKubeconfig, field string, severity finding.Severity, message, evidence string) {
	v.fails = append(v.fails, rules.Violation{Object: fileTarget(n, k.path), Path: field, Message: message, Evidence: evidence, Severity: new(severity)})
}

var kubeconfigFields = []string{
	"kubeconfigs named by --kubeconfig (kubelet, kube-controller-manager, kube-scheduler, kube-proxy), --authentication-kubeconfig and --authorization-kubeconfig (kube-controller-manager, kube-scheduler)",
	"/etc/kubernetes/admin.conf, super-admin.conf, controller-manager.conf, scheduler.conf, kubelet.conf",
}

func (sp kubeconfigSpec) rule() rules.Rule {
	fields := append(slices.Clone(sp.fields), kubeconfigFields...)
	return rules.Rule{
		ID: sp.id, Title: sp.title, Severity: sp.severity, Area: rules.AreaNode, Scope: rules.ScopeNode,
		Description: sp.description, Fields: fields, Allowed: sp.allowed, References: sp.refs, Remedy: sp.remedy,
		Node: sp.evaluate,
	}
}

func (sp kubeconfigSpec) evaluate(ctx *rules.NodeContext) []rules.Violation {
	if ctx.Node.Remote {
		ctx.NotApplicable(remoteReason)
		return nil
	}
	if sp.needsTime && ctx.Node.ScannedAt.IsZero() {
		ctx.NotApplicable("The time of the scan is not known, so certificate dates cannot be judged.")
		return nil
	}
	ok, states := sharedKubeconfigs(ctx)
	if len(states) == 0 {
		ctx.NotApplicable("No kubeconfig is named by a component's flag on this node, and none of kubeadm's (" + strings.Join(wellKnownKubeconfigs, ", ") + ") was found.")
		return nil
	}
	var v kubeconfigVerdicts
	for _, k := range ok {
		sp.check(ctx, k, &v)
	}
	if len(v.fails) > 0 {
		return v.fails
	}
	var skipped []string
	for _, st := range states {
		switch {
		case st.notRead:
			skipped = append(skipped, st.String()+" was not read by the node source")
		case st.problem != "":
			skipped = append(skipped, st.String()+" "+st.problem+" (see kubeconfig/unreadable)")
		}
	}
	if v.judged == 0 {
		reason := "No kubeconfig on this node has " + sp.none + "."
		if len(skipped) > 0 {
			reason += " Not judged: " + joinEvidence(skipped) + "."
		}
		ctx.NotApplicable(reason)
		return nil
	}
	ctx.Pass(joinEvidence(append(v.evidence, skipped...)))
	return nil
}

// usedClusters and usedUsers are the entries some context of the kubeconfig refers to.
func usedBy(cfg *clientcmdapi.Config, user bool) map[string]bool {
	out := map[string]bool{}
	for _, c := range cfg.Contexts {
		if c == nil {
			continue
		}
		if user {
			out[c.AuthInfo] = true
		} else {
			out[c.Cluster] = true
		}
	}
	return out
}

// sortedKeys returns a map's keys in order, so that verdicts are stable.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// serverOf is a cluster's server URL without any user information in it.
func serverOf(c *clientcmdapi.Cluster) string {
	u, err := url.Parse(c.Server)
	if err != nil {
		return "a server URL that does not parse"
	}
	u.User = nil
	return u.String()
}

// --- kubeconfig/insecure-skip-tls-verify

func insecureSkipVerifyRule() rules.Rule {
	return kubeconfigSpec{
		id: "kubeconfig/insecure-skip-tls-verify", title: "Kubeconfigs verify the API server's certificate",
		severity: finding.High,
		description: "A cluster entry with insecure-skip-tls-verify: true makes the client accept any certificate from " +
			"the server: anyone on the network path can pose as the API server, and receives the client's credentials " +
			"(a bearer token is replayable) and every answer it would have sent. A component's kubeconfig that skips " +
			"verification takes its instructions from whoever answers.",
		fields:  []string{"clusters[].cluster.insecure-skip-tls-verify"},
		allowed: []string{"false or unset, with certificate-authority or certificate-authority-data naming the cluster CA"},
		refs:    []rules.Reference{docsKubeconfig, docsPKI},
		remedy: "Remove insecure-skip-tls-verify and set certificate-authority-data to the cluster CA (kubeadm: " +
			"/etc/kubernetes/pki/ca.crt); if the server's certificate lacks the name used, add it to the certificate " +
			"rather than skipping verification.",
		none:  "a cluster entry",
		check: checkInsecureSkipVerify,
	}.rule()
}

func checkInsecureSkipVerify(ctx *rules.NodeContext, k loadedKubeconfig, v *kubeconfigVerdicts) {
	used := usedBy(k.cfg, false)
	for _, name := range sortedKeys(k.cfg.Clusters) {
		c := k.cfg.Clusters[name]
		if c == nil {
			continue
		}
		v.judged++
		field := fmt.Sprintf("clusters[%s].cluster.insecure-skip-tls-verify", name)
		if !c.InsecureSkipTLSVerify {
			how := "verifies the server against the system roots"
			switch {
			case len(c.CertificateAuthorityData) > 0:
				how = "verifies the server against its certificate-authority-data"
			case c.CertificateAuthority != "":
				how = "verifies the server against " + c.CertificateAuthority
			}
			v.evidence = append(v.evidence, fmt.Sprintf("%s cluster %q (%s) %s", k.String(), name, serverOf(c), how))
			continue
		}
		msg := fmt.Sprintf("%s: cluster %q sets insecure-skip-tls-verify: true: clients using it accept any certificate from %s, so anyone on the path can pose as the API server and receive their credentials",
			k.String(), name, serverOf(c))
		severity := finding.High
		if !used[name] {
			severity = finding.Low
			msg += "; no context of the file uses this cluster entry"
		}
		v.fail(ctx.Node, k, field, severity, msg, fmt.Sprintf("%s cluster %q: insecure-skip-tls-verify: true", k.String(), name))
	}
}

// --- kubeconfig/embedded-client-cert

func clientCertExpiryRule() rules.Rule {
	return kubeconfigSpec{
		id: "kubeconfig/embedded-client-cert", title: "Client certificates in kubeconfigs are valid and not about to expire",
		severity: finding.Critical, needsTime: true,
		description: "The controller manager, the scheduler, the kubelet and the administrator authenticate to the API " +
			"server with the client certificate of their kubeconfig. kubeadm embeds one-year certificates in " +
			"admin.conf, controller-manager.conf and scheduler.conf: once one expires, that component can no longer " +
			"reach the API server and the control plane stops reconciling. The kubelet's (kubelet.conf naming " +
			"/var/lib/kubelet/pki/kubelet-client-current.pem) is rotated only with rotateCertificates.",
		fields:  []string{"users[].user.client-certificate-data", "users[].user.client-certificate"},
		allowed: []string{"every certificate valid at the time of the scan and for more than 30 days after it"},
		refs:    []rules.Reference{docsKubeadmCerts, docsKubeletRotation, docsAuthn},
		remedy: "Renew the kubeconfigs' certificates (kubeadm certs renew admin.conf, controller-manager.conf, " +
			"scheduler.conf, or all; then restart the static pods), and let the kubelet rotate its own " +
			"(rotateCertificates: true).",
		none:  "a user with a client certificate",
		check: checkClientCertExpiry,
	}.rule()
}

func checkClientCertExpiry(ctx *rules.NodeContext, k loadedKubeconfig, v *kubeconfigVerdicts) {
	used := usedBy(k.cfg, true)
	for _, name := range sortedKeys(k.cfg.AuthInfos) {
		u := k.cfg.AuthInfos[name]
		if u == nil {
			continue
		}
		field := fmt.Sprintf("users[%s].user.client-certificate-data", name)
		where := fmt.Sprintf("%s user %q", k.String(), name)
		data := u.ClientCertificateData
		if len(data) == 0 && u.ClientCertificate != "" {
			p := u.ClientCertificate
			if !path.IsAbs(p) {
				p = path.Join(path.Dir(k.path), p)
			}
			field = fmt.Sprintf("users[%s].user.client-certificate", name)
			where += " client-certificate " + p
			c := readFile(ctx.Node, p)
			if c.notRead || c.problem != "" {
				why := "was not read by the node source"
				if c.problem != "" {
					why = c.problem
				}
				v.evidence = append(v.evidence, where+" "+why+": not judged")
				continue
			}
			data = c.data
		}
		if len(data) == 0 {
			continue
		}
		v.judged++
		certs, err := pki.ParseCertificates(where, data)
		if err != nil {
			v.fail(ctx.Node, k, field, finding.High, fmt.Sprintf("%s: the client certificate does not parse (%v): the client cannot authenticate with it", where, err), where)
			continue
		}
		ev := where + ": " + describe(certs, ctx)
		probs := pki.CheckDates(certs, pki.Policy{At: ctx.Node.ScannedAt})
		if len(probs) == 0 {
			v.evidence = append(v.evidence, ev)
			continue
		}
		severity := dateSeverity(probs)
		msg := where + ": " + texts(probs)
		if severity >= finding.High {
			msg += "; the API server refuses it, so whatever uses this kubeconfig cannot authenticate"
		}
		if !used[name] {
			severity = finding.Low
			msg += "; no context of the file uses this user entry"
		}
		v.fail(ctx.Node, k, field, severity, msg, ev)
	}
}

// --- kubeconfig/static-token

func staticTokenRule() rules.Rule {
	return kubeconfigSpec{
		id: "kubeconfig/static-token", title: "Kubeconfigs hold no static tokens or passwords",
		severity: finding.High,
		description: "A bearer token or a basic-auth password in a kubeconfig on a node is a credential that works from " +
			"anywhere, for as long as the server accepts it, and cannot be bound to the node: a legacy service-account " +
			"token lasts until its Secret is deleted, a static token until the API server's token file changes. " +
			"Client certificates (rotated) or an exec credential plugin are preferred. Tokens are classified " +
			"(a JWT with or without an expiry, a bootstrap token, an opaque token) and never printed.",
		fields:  []string{"users[].user.token", "users[].user.tokenFile", "users[].user.username/password"},
		allowed: []string{"unset: client certificates, an exec plugin, or a short-lived projected token"},
		refs:    []rules.Reference{docsAuthn, docsKubeconfig},
		remedy: "Replace the token or password with a client certificate (kubeadm kubeconfig user) or an exec credential " +
			"plugin, and revoke it: delete the service-account token Secret, remove the token from --token-auth-file.",
		none:  "a user entry",
		check: checkStaticToken,
	}.rule()
}

func checkStaticToken(ctx *rules.NodeContext, k loadedKubeconfig, v *kubeconfigVerdicts) {
	for _, name := range sortedKeys(k.cfg.AuthInfos) {
		u := k.cfg.AuthInfos[name]
		if u == nil {
			continue
		}
		v.judged++
		where := fmt.Sprintf("%s user %q", k.String(), name)
		found := false
		if u.Token != "" {
			found = true
			kind, severity := classifyToken(u.Token, ctx.Node.ScannedAt)
			v.fail(ctx.Node, k, fmt.Sprintf("users[%s].user.token", name), severity,
				fmt.Sprintf("%s holds a bearer token, %s: anyone who reads the file can use it from anywhere", where, kind),
				where+": token set ("+kind+"; not shown)")
		}
		if u.TokenFile != "" {
			found = true
			v.fail(ctx.Node, k, fmt.Sprintf("users[%s].user.tokenFile", name), finding.High,
				fmt.Sprintf("%s reads a bearer token from %s: a static credential that anyone who reads that file can use from anywhere", where, u.TokenFile),
				where+": tokenFile="+u.TokenFile)
		}
		if u.Password != "" {
			found = true
			v.fail(ctx.Node, k, fmt.Sprintf("users[%s].user.password", name), finding.High,
				fmt.Sprintf("%s holds a basic-auth password: a static credential in plain text (the API server has not accepted basic authentication since v1.19, so it is either for another server or left over)", where),
				where+": username and password set (not shown)")
		}
		if !found {
			v.evidence = append(v.evidence, where+": "+authKind(u))
		}
	}
}

// authKind says how a user without a static credential authenticates.
func authKind(u *clientcmdapi.AuthInfo) string {
	switch {
	case len(u.ClientCertificateData) > 0 || u.ClientCertificate != "":
		return "client certificate"
	case u.Exec != nil:
		return "exec plugin " + u.Exec.Command
	case u.AuthProvider != nil:
		return "auth provider " + u.AuthProvider.Name
	}
	return "no credential"
}

// bootstrapToken is the form of a bootstrap token (k8s.io/cluster-bootstrap/token/api:
// BootstrapTokenPattern).
var bootstrapToken = regexp.MustCompile(`^[a-z0-9]{6}\.[a-z0-9]{16}$`)

// jwtClaims are the claims of a token that say how long it lives.
type jwtClaims struct {
	Exp *json.Number `json:"exp"`
	Iss string       `json:"iss"`
}

// classifyToken says what kind of bearer token a kubeconfig holds, and how bad that is,
// without revealing any of it: a JWT's claims are read for its expiry and issuer only.
func classifyToken(token string, at time.Time) (string, finding.Severity) {
	if bootstrapToken.MatchString(token) {
		return "a bootstrap token (its expiry is in its Secret in kube-system, which a node scan does not see)", finding.Medium
	}
	claims, ok := parseJWT(token)
	if !ok {
		return "an opaque token (a static token file's or a provider's), valid until the server stops accepting it", finding.High
	}
	if claims.Exp == nil {
		if claims.Iss == "kubernetes/serviceaccount" {
			return "a legacy service-account token, which never expires", finding.High
		}
		return "a JWT without an expiry", finding.High
	}
	sec, err := claims.Exp.Int64()
	if err != nil {
		if f, ferr := claims.Exp.Float64(); ferr == nil {
			sec, err = int64(f), nil
		}
	}
	if err != nil {
		return "a JWT whose expiry does not parse", finding.High
	}
	exp := time.Unix(sec, 0).UTC()
	if !at.IsZero() && exp.Before(at) {
		return fmt.Sprintf("a JWT that expired on %s (%s), so it no longer authenticates", exp.Format(dateOnly), until(exp, at)), finding.Low
	}
	if at.IsZero() {
		return fmt.Sprintf("a JWT that expires on %s", exp.Format(dateOnly)), finding.Medium
	}
	return fmt.Sprintf("a JWT that expires on %s (%s)", exp.Format(dateOnly), until(exp, at)), finding.Medium
}

// parseJWT reads the claims of a compact JWS (header.payload.signature); ok is false for
// anything else.
func parseJWT(token string) (jwtClaims, bool) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 || parts[0] == "" || parts[1] == "" {
		return jwtClaims{}, false
	}
	var header struct {
		Alg string `json:"alg"`
	}
	h, err := base64.RawURLEncoding.DecodeString(parts[0])
	if err != nil || json.Unmarshal(h, &header) != nil || header.Alg == "" {
		return jwtClaims{}, false
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return jwtClaims{}, false
	}
	var c jwtClaims
	if err := json.Unmarshal(payload, &c); err != nil {
		return jwtClaims{}, false
	}
	return c, true
}

// --- kubeconfig/unreadable

func kubeconfigUnreadableRule() rules.Rule {
	return rules.Rule{
		ID: "kubeconfig/unreadable", Title: "Kubeconfigs the components name exist and parse",
		Severity: finding.High, Area: rules.AreaNode, Scope: rules.ScopeNode,
		Description: "A kubeconfig a component's --kubeconfig names that is missing or does not parse stops the " +
			"component at its next start; one of kubeadm's that does not parse breaks whatever uses it. Either " +
			"leaves the other kubeconfig rules nothing to judge. A file the node source did not read is not a " +
			"failure and is named as such.",
		Fields:     kubeconfigFields,
		Allowed:    []string{"every kubeconfig a flag names exists and parses; every one of kubeadm's that is present parses"},
		References: []rules.Reference{docsKubeconfig},
		Remedy:     "Restore the kubeconfig (kubeadm: kubeadm init phase kubeconfig, or kubeadm certs renew), or correct the flag.",
		Node:       checkKubeconfigUnreadable,
	}
}

func checkKubeconfigUnreadable(ctx *rules.NodeContext) []rules.Violation {
	if ctx.Node.Remote {
		ctx.NotApplicable(remoteReason)
		return nil
	}
	_, states := sharedKubeconfigs(ctx)
	if len(states) == 0 {
		ctx.NotApplicable("No kubeconfig is named by a component's flag on this node, and none of kubeadm's was found.")
		return nil
	}
	var out []rules.Violation
	var read, notRead []string
	for _, st := range states {
		switch {
		case st.problem != "":
			msg := st.String() + " " + st.problem
			if len(st.namedBy) > 0 && strings.HasPrefix(st.problem, "does not exist") {
				msg += ": the component does not start with it, or the file was removed since it started"
			}
			out = append(out, rules.Violation{Object: fileTarget(ctx.Node, st.path), Message: msg, Evidence: st.String()})
		case st.notRead:
			notRead = append(notRead, st.String())
		default:
			read = append(read, st.String())
		}
	}
	return unreadableVerdict(ctx, out, read, notRead)
}
