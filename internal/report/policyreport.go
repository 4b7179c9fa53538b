package report

import (
	"bufio"
	"bytes"
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode/utf8"

	"k8s.io/apimachinery/pkg/util/validation"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/rules"
)

// The policy report is what the Kubernetes Policy WG's PolicyReport API (wgpolicyk8s.io
// v1alpha2) and its successor OpenReports (openreports.io v1alpha1) hold, so that Policy
// Reporter and other readers of those APIs show Palisade's results beside other engines': a
// YAML stream of one namespaced report per namespace with results, and one cluster report for
// everything else (cluster-scoped objects, nodes, endpoints, clusters themselves).
//
// One finding is one result: policy and rule are both the rule ID. A composite finding (the
// checks of one Pod Security Standards level) stays one result, with its checks listed in the
// properties, so that the report's fail count is Palisade's finding count and a pod that breaks
// five checks is one line in a viewer, not five. Suppressed findings are always results, as
// "skip" with their reason, as SARIF carries them; passes are "pass" (and what did not apply
// "skip") when ShowPassed; rules not applied to a namespace are "skip" results in it, and scan
// errors "error" results, never dropped. The summary counts the results.

// ReportAPI names the API group a policy report is written for.
type ReportAPI string

// The policy report APIs.
const (
	// PolicyReportAPI is wgpolicyk8s.io/v1alpha2, kinds PolicyReport and ClusterPolicyReport.
	PolicyReportAPI ReportAPI = "wgpolicyk8s"
	// OpenReportsAPI is openreports.io/v1alpha1, kinds Report and ClusterReport.
	OpenReportsAPI ReportAPI = "openreports"
)

// ReportAPIs lists the policy report APIs, the default first.
func ReportAPIs() []ReportAPI { return []ReportAPI{PolicyReportAPI, OpenReportsAPI} }

// ParseReportAPI reads a policy report API name; the empty name is the default.
func ParseReportAPI(name string) (ReportAPI, error) {
	if name == "" {
		return PolicyReportAPI, nil
	}
	for _, a := range ReportAPIs() {
		if strings.EqualFold(name, string(a)) {
			return a, nil
		}
	}
	return "", fmt.Errorf("unknown report API %q (want %s or %s)", name, PolicyReportAPI, OpenReportsAPI)
}

// reportKinds are the apiVersion and kinds of one API.
type reportKinds struct {
	apiVersion, namespaced, cluster string
	// source is whether the report itself has a source field (OpenReports) besides its results.
	source bool
}

func kindsOf(api ReportAPI) reportKinds {
	if api == OpenReportsAPI {
		return reportKinds{apiVersion: "openreports.io/v1alpha1", namespaced: "Report", cluster: "ClusterReport", source: true}
	}
	return reportKinds{apiVersion: "wgpolicyk8s.io/v1alpha2", namespaced: "PolicyReport", cluster: "ClusterPolicyReport"}
}

const (
	// managedByLabel marks every report Palisade writes, so that they can be listed and pruned
	// together (kubectl apply --prune -l app.kubernetes.io/managed-by=palisade).
	managedByLabel = "app.kubernetes.io/managed-by"
	// contextLabel names the kubeconfig context of a cluster scan's report.
	contextLabel = "palisade.dev/context"
	// scanErrorPolicy is the policy of an error result: what Palisade could not judge.
	scanErrorPolicy = "palisade/scan-error"
	// maxProperty bounds a property's text (a remedy, evidence): a report is an object in etcd,
	// which refuses objects over about 1.5 MiB, and a result is read in a table cell.
	maxProperty = 512
)

// prReport is one report, as writeYAML writes it (policyreport_yaml.go): its fields are
// the API's, in the API's order.
type prReport struct {
	APIVersion, Kind string
	Metadata         prMetadata
	Source           string // OpenReports only
	Summary          prSummary
	Results          []prResult
}

type prMetadata struct {
	Name, Namespace string
	Labels          map[string]string
	// Annotations are written only when set: by BuildPolicyReports, for the digest.
	Annotations map[string]string
}

type prSummary struct{ Pass, Fail, Warn, Error, Skip int }

type prResult struct {
	Policy, Rule, Result, Severity, Category, Message, Source string
	Scored                                                    bool
	Timestamp                                                 *prTimestamp
	Resources                                                 []prObjectRef
	Properties                                                map[string]string
}

type prTimestamp struct {
	Seconds int64
	Nanos   int32
}

// prObjectRef is a result's resource; UID only for an object read from a cluster.
type prObjectRef struct{ APIVersion, Kind, Namespace, Name, UID string }

// prScope is the report a result goes to: a namespace (empty for the cluster report) of a
// cluster context (empty for manifests, nodes and a single cluster).
type prScope struct{ context, namespace string }

// policyReports builds the reports of a scan, the cluster report first, then the namespaces'
// in order.
type policyReports struct {
	in      *Input
	kinds   reportKinds
	area    map[string]rules.Area
	stamp   *prTimestamp
	multi   bool // results of more than one cluster context: each context has its own reports
	reports map[prScope]*prReport
}

func writePolicyReport(w io.Writer, in *Input) error {
	in, err := in.held()
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	for i, r := range buildPolicyReports(in).sorted() {
		if i > 0 {
			bw.WriteString("---\n")
		}
		r.writeYAML(bw)
	}
	return bw.Flush()
}

// PolicyReportObject is one report of what -o policyreport writes, on its own: for writing
// it to a cluster (palisade operator) rather than to a file.
type PolicyReportObject struct {
	APIVersion, Kind, Namespace, Name string
	// Digest identifies the report's content but for the time its results are stamped with:
	// two scans that find the same have reports of the same digest, and a writer that keeps
	// digests writes only the reports that changed.
	Digest string
}

// DigestAnnotation holds, on each report of a PolicyReportSet, its Digest: a writer that
// starts afresh (a new leader) reads the digests of the reports in the cluster from their
// metadata alone, and rewrites only those that changed.
const DigestAnnotation = "palisade.dev/digest"

// PolicyReportSet is the reports of one scan, each with its digest, rendered one by one on
// demand: a writer that keeps digests renders only the reports that changed.
type PolicyReportSet struct {
	Objects []PolicyReportObject
	reports []*prReport
}

// BuildPolicyReports returns the reports of in, in the order -o policyreport writes them: the
// cluster report (always, so that a clean scan replaces an old one), then a report per
// namespace with results.
func BuildPolicyReports(in *Input) *PolicyReportSet {
	pr := buildPolicyReports(in)
	set := &PolicyReportSet{reports: pr.sorted()}
	set.Objects = make([]PolicyReportObject, len(set.reports))
	bw := bufio.NewWriter(io.Discard)
	for i, r := range set.reports {
		h := sha256.New()
		bw.Reset(h)
		r.writeDigest(bw)
		_ = bw.Flush() // a hash never fails
		set.Objects[i] = PolicyReportObject{APIVersion: r.APIVersion, Kind: r.Kind, Namespace: r.Metadata.Namespace,
			Name: r.Metadata.Name, Digest: hex.EncodeToString(h.Sum(nil))}
	}
	for i, r := range set.reports {
		r.Metadata.Annotations = map[string]string{DigestAnnotation: set.Objects[i].Digest}
	}
	return set
}

// YAML returns report i as one YAML document, as -o policyreport writes it but for the
// digest's annotation: a server-side apply patch as it is.
func (s *PolicyReportSet) YAML(i int) []byte {
	var b bytes.Buffer
	bw := bufio.NewWriter(&b)
	s.reports[i].writeYAML(bw)
	_ = bw.Flush() // a bytes.Buffer never fails
	return b.Bytes()
}

// buildPolicyReports sorts every finding, note and error of in into its report.
func buildPolicyReports(in *Input) *policyReports {
	pr := newPolicyReports(in)
	for i := range in.Findings {
		pr.addFinding(&in.Findings[i], "fail")
	}
	for i := range in.Suppressed {
		pr.addFinding(&in.Suppressed[i], "skip")
	}
	if in.ShowPassed {
		for i := range in.Passed {
			result := "pass"
			if in.Passed[i].Status == finding.NotApplicable {
				result = "skip"
			}
			pr.addFinding(&in.Passed[i], result)
		}
	}
	for _, na := range in.NotApplied {
		pr.addNotApplied(na)
	}
	for _, e := range in.Errors {
		pr.addError(e)
	}
	return pr
}

func newPolicyReports(in *Input) *policyReports {
	pr := &policyReports{in: in, kinds: kindsOf(in.ReportAPI), area: map[string]rules.Area{}, reports: map[prScope]*prReport{}}
	for _, r := range in.Rules {
		pr.area[r.ID] = r.Area
	}
	if !in.Now.IsZero() {
		pr.stamp = &prTimestamp{Seconds: in.Now.Unix(), Nanos: int32(in.Now.Nanosecond())}
	}
	contexts := map[string]bool{}
	for _, c := range in.Clusters {
		contexts[c.Context] = true
	}
	pr.multi = len(contexts) > 1
	// The cluster report is always written, so that a clean scan still replaces an old one.
	if !pr.multi {
		pr.report(prScope{})
	}
	for c := range contexts {
		pr.report(prScope{context: c})
	}
	return pr
}

// report returns the report of a scope, creating it.
func (pr *policyReports) report(s prScope) *prReport {
	if !pr.multi {
		s.context = ""
	}
	if r, ok := pr.reports[s]; ok {
		return r
	}
	r := &prReport{APIVersion: pr.kinds.apiVersion, Kind: pr.kinds.cluster,
		Metadata: prMetadata{Name: reportName(s), Labels: map[string]string{managedByLabel: ToolName}}}
	if s.namespace != "" {
		r.Kind, r.Metadata.Namespace = pr.kinds.namespaced, s.namespace
	}
	if s.context != "" {
		r.Metadata.Labels[contextLabel] = labelValue(s.context)
	}
	if pr.kinds.source {
		r.Source = ToolName
	}
	pr.reports[s] = r
	return r
}

// reportName is a report's name: palisade-NAMESPACE, or palisade-cluster for the cluster
// report, after the context when a scan covers several clusters; always a DNS subdomain.
func reportName(s prScope) string {
	name := "cluster"
	if s.namespace != "" {
		name = s.namespace
	}
	if s.context != "" {
		name = s.context + "-" + name
	}
	return dnsSubdomain(ToolName + "-" + name)
}

// dnsSubdomain makes a name an RFC 1123 subdomain, as object names must be: lower case, other
// characters than letters, digits, '-' and '.' turned into '-', at most 253 characters, ending
// in a letter or digit.
func dnsSubdomain(s string) string {
	b := []byte(strings.ToLower(s))
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.') {
			b[i] = '-'
		}
	}
	if len(b) > 253 {
		b = b[:253]
	}
	return strings.TrimRight(string(b), "-.")
}

// labelValue makes a text a label value: at most 63 characters of letters, digits, '-', '_'
// and '.', beginning and ending with a letter or digit.
func labelValue(s string) string {
	b := []byte(s)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_') {
			b[i] = '-'
		}
	}
	if len(b) > 63 {
		b = b[:63]
	}
	return strings.Trim(string(b), "-_.")
}

// scopeOf is the report of an object seen at a location: its namespace's, or the cluster
// report for a namespace no cluster could have (a manifest's typo), which no report can be in.
func scopeOf(obj finding.ObjectRef, at finding.Location) prScope {
	ns := obj.Namespace
	if len(validation.IsDNS1123Label(ns)) > 0 {
		ns = ""
	}
	return prScope{context: at.Cluster, namespace: ns}
}

func (pr *policyReports) add(s prScope, res prResult) {
	r := pr.report(s)
	res.Source, res.Scored, res.Timestamp = ToolName, true, pr.stamp
	r.Results = append(r.Results, res)
	switch res.Result {
	case "pass":
		r.Summary.Pass++
	case "fail":
		r.Summary.Fail++
	case "warn":
		r.Summary.Warn++
	case "error":
		r.Summary.Error++
	case "skip":
		r.Summary.Skip++
	}
}

func (pr *policyReports) addFinding(f *finding.Finding, result string) {
	res := prResult{
		Policy: f.RuleID, Rule: f.RuleID, Result: result, Severity: f.Severity.String(),
		Category: string(pr.area[f.RuleID]), Message: oneLine(f.Message),
		Resources: objectRefs(f.Object), Properties: map[string]string{},
	}
	props := res.Properties
	setProperty(props, "title", f.Title)
	setProperty(props, "path", f.Path)
	setProperty(props, "container", f.Container)
	setProperty(props, "location", locationOf(f.Location))
	setProperty(props, "evidence", f.Evidence)
	setProperty(props, "remedy", f.Remedy)
	setProperty(props, "alsoBreaks", strings.Join(f.AlsoBreaks(), ", "))
	if f.Related != nil && len(f.Related.Checks) > 0 {
		ids := make([]string, 0, len(f.Related.Checks))
		for _, c := range f.Related.Checks {
			if !slices.Contains(ids, c.ID) {
				ids = append(ids, c.ID)
			}
		}
		setProperty(props, "checks", strings.Join(ids, ", "))
	}
	if s := f.Suppression; s != nil {
		setProperty(props, "suppressedBy", s.Source)
		setProperty(props, "suppressionReason", s.Reason)
	}
	props["fingerprint"] = fingerprint(*f)
	pr.add(scopeOf(f.Object, f.Location), res)
}

// addNotApplied adds a skip result for each rule not applied to each namespace.
func (pr *policyReports) addNotApplied(na finding.NotApplied) {
	namespaces := na.Namespaces
	if len(namespaces) == 0 {
		namespaces = []string{""}
	}
	for _, ns := range namespaces {
		for _, id := range na.Rules {
			res := prResult{Policy: id, Rule: id, Result: "skip", Category: string(pr.area[id]),
				Message: id + " was not applied: " + oneLine(na.Reason)}
			if ns != "" {
				res.Resources = []prObjectRef{{APIVersion: "v1", Kind: "Namespace", Name: ns}}
			}
			pr.add(scopeOf(finding.ObjectRef{Namespace: ns}, finding.Location{}), res)
		}
	}
}

// addError adds an error result: what Palisade could not judge, in the report of its object
// when it concerns one.
func (pr *policyReports) addError(e finding.ScanError) {
	res := prResult{Policy: scanErrorPolicy, Result: "error", Message: oneLine(e.Message), Resources: objectRefs(e.Object)}
	if loc := locationOf(e.Location); loc != "" {
		res.Properties = map[string]string{"location": loc}
	}
	pr.add(scopeOf(e.Object, e.Location), res)
}

func objectRefs(o finding.ObjectRef) []prObjectRef {
	if o == (finding.ObjectRef{}) {
		return nil
	}
	return []prObjectRef{{APIVersion: o.APIVersion, Kind: o.Kind, Namespace: o.Namespace, Name: o.Name, UID: o.UID}}
}

// locationOf is where a result was observed: file:line:column, a host's file, or nothing for a
// live object (its report already names the object).
func locationOf(l finding.Location) string {
	if l.File == "" && l.Host == "" {
		return ""
	}
	return l.String()
}

// setProperty sets a property when the value is not empty, on one line and cut to maxProperty
// bytes at a character boundary, with an ellipsis when cut.
func setProperty(props map[string]string, key, value string) {
	value = oneLine(value)
	if value == "" {
		return
	}
	props[key] = cutText(value, maxProperty)
}

// cutText cuts a text to at most n bytes at a character boundary, ending in "…" when cut.
func cutText(s string, n int) string {
	if len(s) <= n {
		return s
	}
	const ellipsis = "…"
	end := n - len(ellipsis)
	for end > 0 && !utf8.RuneStart(s[end]) {
		end--
	}
	return s[:end] + ellipsis
}

// sorted lists the reports: the cluster reports first, then the namespaces', by context and
// name.
func (pr *policyReports) sorted() []*prReport {
	scopes := make([]prScope, 0, len(pr.reports))
	for s := range pr.reports {
		scopes = append(scopes, s)
	}
	namespaced := func(s prScope) int {
		if s.namespace == "" {
			return 0
		}
		return 1
	}
	slices.SortFunc(scopes, func(a, b prScope) int {
		return cmp.Or(cmp.Compare(namespaced(a), namespaced(b)), cmp.Compare(a.context, b.context), cmp.Compare(a.namespace, b.namespace))
	})
	out := make([]*prReport, len(scopes))
	for i, s := range scopes {
		out[i] = pr.reports[s]
	}
	return out
}
