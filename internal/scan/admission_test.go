package scan_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/rules"
	"palisade.dev/palisade/internal/scan"
	"palisade.dev/palisade/internal/source/manifest"
	"palisade.dev/palisade/internal/testfiles"
	"palisade.dev/palisade/internal/testscan"
)

// The policies below follow the examples of the Kubernetes documentation
// (https://kubernetes.io/docs/reference/access-authn-authz/validating-admission-policy/).

const replicaLimitPolicy = `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata:
  name: replica-limit.example.com
spec:
  failurePolicy: Fail
  paramKind: {apiVersion: v1, kind: ConfigMap}
  matchConstraints:
    resourceRules:
    - apiGroups: ["apps"]
      apiVersions: ["v1"]
      operations: ["CREATE", "UPDATE"]
      resources: ["deployments"]
  validations:
  - expression: "object.spec.replicas <= int(params.data.maxReplicas)"
    reason: Invalid
`

func replicaLimitBinding(actions, notFound string) string {
	return `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata:
  name: replica-limit-binding
spec:
  policyName: replica-limit.example.com
  validationActions: [` + actions + `]
  paramRef:
    name: replica-limit
    namespace: default
    parameterNotFoundAction: ` + notFound + `
`
}

const replicaLimitParam = `apiVersion: v1
kind: ConfigMap
metadata: {name: replica-limit, namespace: default}
data: {maxReplicas: "3"}
`

func deployment(name, ns string, replicas int, labels string) string {
	return fmt.Sprintf(`apiVersion: apps/v1 # want
kind: Deployment
metadata:
  name: %s
  namespace: %s
  labels: {%s}
spec:
  replicas: %d
  selector: {matchLabels: {app: %s}}
  template:
    metadata: {labels: {app: %s}}
    spec:
      containers: [{name: app, image: registry.example.com/app:1}]
`, name, ns, labels, replicas, name, name)
}

func deploymentWithoutReplicas(name string) string {
	return fmt.Sprintf(`apiVersion: apps/v1 # want
kind: Deployment
metadata: {name: %s, namespace: default}
spec:
  selector: {matchLabels: {app: %s}}
  template:
    metadata: {labels: {app: %s}}
    spec:
      containers: [{name: app, image: app:1}]
`, name, name, name)
}

const noPrivilegedPolicy = `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata:
  name: no-privileged
spec:
  matchConstraints:
    resourceRules:
    - apiGroups: [""]
      apiVersions: ["v1"]
      operations: ["CREATE", "UPDATE"]
      resources: ["pods"]
  validations:
  - expression: "object.spec.containers.all(c, !has(c.securityContext) || !has(c.securityContext.privileged) || !c.securityContext.privileged)"
    message: "privileged containers are not allowed"
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata:
  name: no-privileged
spec:
  policyName: no-privileged
  validationActions: [Deny]
`

func pod(name string, privileged bool) string {
	return fmt.Sprintf(`apiVersion: v1 # want
kind: Pod
metadata: {name: %s, namespace: default}
spec:
  containers:
  - name: app
    image: app:1
    securityContext: {privileged: %t}
`, name, privileged)
}

func requireTeamLabel(actions, bindingExtra string) string {
	return `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata:
  name: require-team
spec:
  matchConstraints:
    resourceRules:
    - apiGroups: ["apps"]
      apiVersions: ["v1"]
      operations: ["CREATE"]
      resources: ["deployments"]
  validations:
  - expression: "has(object.metadata.labels) && 'team' in object.metadata.labels"
    messageExpression: "'the Deployment ' + object.metadata.name + ' has no team label'"
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata:
  name: require-team
spec:
  policyName: require-team
  validationActions: [` + actions + `]
` + bindingExtra
}

const trustedRegistryPolicy = `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata:
  name: trusted-registry
spec:
  matchConstraints:
    resourceRules:
    - apiGroups: ["apps"]
      apiVersions: ["v1"]
      operations: ["CREATE"]
      resources: ["deployments"]
  matchConditions:
  - name: not-exempt
    expression: "!has(object.metadata.labels) || !('exempt' in object.metadata.labels)"
  variables:
  - name: containers
    expression: "object.spec.template.spec.containers"
  validations:
  - expression: "variables.containers.all(c, c.image.startsWith('registry.example.com/'))"
    messageExpression: "'images must come from registry.example.com'"
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata:
  name: trusted-registry
spec:
  policyName: trusted-registry
  validationActions: [Deny]
`

func deploymentImage(name, image, labels string) string {
	return fmt.Sprintf(`apiVersion: apps/v1 # want
kind: Deployment
metadata: {name: %s, namespace: default, labels: {%s}}
spec:
  selector: {matchLabels: {app: x}}
  template:
    metadata: {labels: {app: x}}
    spec:
      containers: [{name: app, image: %q}]
`, name, labels, image)
}

func failurePolicy(policy, expression string) string {
	return `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata:
  name: max-replicas
spec:
  failurePolicy: ` + policy + `
  matchConstraints:
    resourceRules:
    - apiGroups: ["apps"]
      apiVersions: ["v1"]
      operations: ["CREATE"]
      resources: ["deployments"]
  validations:
  - expression: "` + expression + `"
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata:
  name: max-replicas
spec:
  policyName: max-replicas
  validationActions: [Deny]
`
}

func namespace(name, labels string) string {
	return fmt.Sprintf("apiVersion: v1\nkind: Namespace\nmetadata: {name: %s, labels: {%s}}\n", name, labels)
}

const prodOnly = `  matchResources:
    namespaceSelector:
      matchLabels: {env: prod}
`

// wantFinding is a finding a case expects: on the line of the document's "# want" marker
// (the n-th marker of the file), from the rule, at the severity, with a message containing msg.
type wantFinding struct {
	marker   int
	rule     string
	severity finding.Severity
	msg      string
}

// TestScanJudgesAdmissionPolicies pins how scan evaluates the ValidatingAdmissionPolicies of
// its input: what the API server would refuse, warn about or audit is a finding at the
// object's line, with the policy's own message; what it cannot judge is a coverage note or an
// error, never a pass.
func TestScanJudgesAdmissionPolicies(t *testing.T) {
	tests := []struct {
		name string
		// docs are the documents of the one input file, in order.
		docs     []string
		given    []string // policies given beside the input (--policy)
		complete bool
		// stdin gives the input on standard input rather than as a file.
		stdin bool
		want  []wantFinding
		// errors and notes are substrings of the scan errors and coverage notes expected, in
		// order; each must match one error or note, and there must be no other.
		errors, notes []string
	}{
		{name: "a replicas limit from a ConfigMap param refuses the deployment over it, the policy after the objects",
			docs: []string{deployment("big", "default", 5, ""), deployment("small", "default", 2, ""),
				replicaLimitParam, replicaLimitPolicy, replicaLimitBinding("Deny", "Deny")},
			want: []wantFinding{{0, "vap/replica-limit.example.com", finding.High,
				"ValidatingAdmissionPolicy 'replica-limit.example.com' with binding 'replica-limit-binding' denied request: failed expression: object.spec.replicas <= int(params.data.maxReplicas)"}}},
		{name: "policies on standard input judge the objects before them",
			docs: []string{deployment("big", "default", 5, ""), deployment("small", "default", 2, ""),
				replicaLimitParam, replicaLimitPolicy, replicaLimitBinding("Deny", "Deny")},
			stdin: true,
			want:  []wantFinding{{0, "vap/replica-limit.example.com", finding.High, "denied request"}}},
		{name: "a missing param with parameterNotFoundAction Deny refuses every object the binding matches",
			docs: []string{deployment("small", "default", 2, ""), replicaLimitPolicy, replicaLimitBinding("Deny", "Deny")},
			want: []wantFinding{{0, "vap/replica-limit.example.com", finding.High, "no params found for policy binding with `Deny` parameterNotFoundAction"}}},
		{name: "a missing param with parameterNotFoundAction Allow admits the object unjudged, and says so",
			docs:  []string{deployment("big", "default", 5, ""), replicaLimitPolicy, replicaLimitBinding("Deny", "Allow")},
			notes: []string{"finds no params in the input for default/big, and its parameterNotFoundAction Allow admits the object unjudged"}},
		{name: "privileged containers are refused with the policy's message, unprivileged ones admitted",
			docs: []string{pod("root", true), pod("plain", false), noPrivilegedPolicy},
			want: []wantFinding{{0, "vap/no-privileged", finding.High, "denied request: privileged containers are not allowed"}}},
		{name: "a required label is reported with the policy's messageExpression",
			docs: []string{requireTeamLabel("Deny", ""), deployment("anon", "default", 1, ""), deployment("owned", "default", 1, "team: a")},
			want: []wantFinding{{0, "vap/require-team", finding.High, "the Deployment anon has no team label"}}},
		{name: "variables and matchConditions are evaluated as the API server evaluates them",
			docs: []string{trustedRegistryPolicy, deploymentImage("docker", "docker.io/app:1", ""),
				deploymentImage("exempt", "docker.io/app:1", "exempt: 'yes'"), deploymentImage("ours", "registry.example.com/app:1", "")},
			want: []wantFinding{{0, "vap/trusted-registry", finding.High, "images must come from registry.example.com"}}},
		{name: "a binding's Warn action gives a warning at medium",
			docs: []string{requireTeamLabel("Warn", ""), deployment("anon", "default", 1, "")},
			want: []wantFinding{{0, "vap/require-team", finding.Medium, "Validation failed for ValidatingAdmissionPolicy 'require-team' with binding 'require-team': the Deployment anon has no team label"}}},
		{name: "a binding's Audit action gives a finding at info",
			docs: []string{requireTeamLabel("Audit", ""), deployment("anon", "default", 1, "")},
			want: []wantFinding{{0, "vap/require-team", finding.Info, "would record in the audit log"}}},
		{name: "the severity annotation sets the severity of a Deny",
			docs: []string{strings.Replace(requireTeamLabel("Deny", ""), "name: require-team\nspec:\n  matchConstraints",
				"name: require-team\n  annotations: {palisade.dev/severity: critical}\nspec:\n  matchConstraints", 1),
				deployment("anon", "default", 1, "")},
			want: []wantFinding{{0, "vap/require-team", finding.Critical, "has no team label"}}},
		{name: "a binding's namespaceSelector judges only the namespaces it selects",
			docs: []string{namespace("prod", "env: prod"), namespace("dev", "env: dev"), requireTeamLabel("Deny", prodOnly),
				deployment("a", "prod", 1, ""), deployment("b", "dev", 1, "")},
			want: []wantFinding{{0, "vap/require-team", finding.High, "has no team label"}}},
		{name: "a namespaceSelector over a namespace the input does not define is a coverage note",
			docs:  []string{requireTeamLabel("Deny", prodOnly), deployment("a", "shop", 1, "")},
			notes: []string{"read the labels of namespaces the input does not define"}},
		{name: "with --namespaces-complete, a namespace the input does not define has no labels",
			docs: []string{requireTeamLabel("Deny", prodOnly), deployment("a", "shop", 1, "")}, complete: true},
		{name: "a policy without a binding is not enforced, and says so",
			docs:  []string{strings.Split(noPrivilegedPolicy, "---\n")[0], pod("root", true)},
			notes: []string{"no ValidatingAdmissionPolicyBinding in the input binds the ValidatingAdmissionPolicy no-privileged"}},
		{name: "a binding of a policy the input lacks is a coverage note",
			docs:  []string{strings.Split(noPrivilegedPolicy, "---\n")[1], pod("root", true)},
			notes: []string{"binds the policy no-privileged, which is not in the input"}},
		{name: "an expression that does not compile is an error naming the policy and the expression",
			docs: []string{strings.Replace(noPrivilegedPolicy, "object.spec.containers.all(", "object.spec.containers.every(", 1), pod("root", true)},
			errors: []string{"input.yaml:13:5: ValidatingAdmissionPolicy no-privileged: spec.validations[0].expression does not compile: " +
				"ERROR: <input>:1:29: undeclared reference to 'every' (in container '') (and 4 more errors)"}},
		{name: "a runtime error under failurePolicy Fail refuses the object",
			docs: []string{failurePolicy("Fail", "object.metadata.labels.team != ''"), deploymentWithoutReplicas("unset")},
			want: []wantFinding{{0, "vap/max-replicas", finding.High, "the policy could not be evaluated (expression 'object.metadata.labels.team != ''' resulted in error: no such key: labels), and its failurePolicy Fail refuses the object"}}},
		{name: "a runtime error under failurePolicy Ignore admits the object unjudged, and says so",
			docs:  []string{failurePolicy("Ignore", "object.metadata.labels.team != ''"), deploymentWithoutReplicas("unset")},
			notes: []string{"the policy could not be evaluated on Deployment default/unset (expression 'object.metadata.labels.team != ''' resulted in error: no such key: labels), and its failurePolicy Ignore admits it unjudged"}},
		{name: "an object is judged with the defaults the API server gives it: a Deployment without replicas has one",
			docs: []string{failurePolicy("Fail", "object.spec.replicas <= 5 && object.spec.template.spec.containers.all(c, c.imagePullPolicy == 'IfNotPresent')"),
				deploymentWithoutReplicas("unset"), deploymentImage("untagged", "app", "")},
			want: []wantFinding{{1, "vap/max-replicas", finding.High, "failed expression"}}},
		{name: "an expression that asks the authorizer is not applied, and says so",
			docs: []string{strings.Replace(noPrivilegedPolicy, `expression: "object.spec.containers.all(`,
				`expression: "authorizer.group('').resource('pods').check('create').allowed() || object.spec.containers.all(`, 1), pod("root", true)},
			notes: []string{"asks the authorizer about the requesting user"}},
		{name: "policies given beside the input judge it with the input's own",
			docs:  []string{deployment("big", "default", 5, ""), replicaLimitParam},
			given: []string{replicaLimitPolicy, replicaLimitBinding("Warn", "Deny")},
			want:  []wantFinding{{0, "vap/replica-limit.example.com", finding.Medium, "object.spec.replicas <= int(params.data.maxReplicas)"}}},
		{name: "a paramRef without parameterNotFoundAction is refused by the API server, so an error",
			docs: []string{deployment("big", "default", 5, ""), replicaLimitParam, replicaLimitPolicy,
				strings.Replace(replicaLimitBinding("Deny", "Deny"), "    parameterNotFoundAction: Deny\n", "", 1)},
			errors: []string{"input.yaml:44:3: ValidatingAdmissionPolicyBinding replica-limit-binding: spec.paramRef.parameterNotFoundAction is required"},
			notes:  []string{"no ValidatingAdmissionPolicyBinding in the input binds the ValidatingAdmissionPolicy replica-limit.example.com"}},
		{name: "a binding that Deny and Warn at once is refused by the API server, so an error",
			docs:   []string{requireTeamLabel("Deny, Warn", ""), deployment("anon", "default", 1, "")},
			errors: []string{"ValidatingAdmissionPolicyBinding require-team: Deny and Warn cannot be used together"},
			notes:  []string{"no ValidatingAdmissionPolicyBinding in the input binds the ValidatingAdmissionPolicy require-team"}},
	}
	catalog, err := rules.NewCatalog()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			file := filepath.Join(dir, "input.yaml")
			testfiles.Write(t, dir, map[string]string{"input.yaml": strings.Join(tc.docs, "---\n")})
			req := scan.Request{Paths: []string{file}, Catalog: catalog, NamespacesComplete: tc.complete}
			if len(tc.given) > 0 {
				testfiles.Write(t, dir, map[string]string{"policies/p.yaml": strings.Join(tc.given, "---\n")})
				req.AdmissionPolicies = manifest.Load(context.Background(), []string{filepath.Join(dir, "policies")}, manifest.Options{}).Inventory.Objects()
			}
			located := file
			if tc.stdin {
				data, err := os.ReadFile(file)
				if err != nil {
					t.Fatal(err)
				}
				req.Paths, located = []string{"-"}, "-"
				req.Load.Stdin = bytes.NewReader(data)
			}
			res := scan.Manifests(context.Background(), req)
			checkFindings(t, file, located, testscan.Active(t, res), tc.want)
			var errs, notes []string
			for _, e := range res.Errors {
				errs = append(errs, strings.TrimPrefix(e.Error(), dir+string(os.PathSeparator)))
			}
			for _, n := range res.NotApplied {
				notes = append(notes, strings.Join(n.Rules, ",")+": "+n.Reason)
			}
			checkSubstrings(t, "error", errs, tc.errors)
			checkSubstrings(t, "coverage note", notes, tc.notes)
		})
	}
}

var wantMarker = regexp.MustCompile(`# want\s*$`)

// checkFindings compares findings with the wanted ones, located at the markers of file.
func checkFindings(t *testing.T, file, located string, got []finding.Finding, want []wantFinding) {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var markers []int
	for i, l := range strings.Split(string(data), "\n") {
		if wantMarker.MatchString(l) {
			markers = append(markers, i+1)
		}
	}
	var gotKeys []string
	for _, f := range got {
		gotKeys = append(gotKeys, fmt.Sprintf("%s %s line %d: %s", f.RuleID, f.Severity, f.Location.Line, f.Message))
	}
	if len(got) != len(want) {
		t.Fatalf("got %d findings, want %d:\n%s", len(got), len(want), strings.Join(gotKeys, "\n"))
	}
	for i, w := range want {
		f := got[i]
		if f.RuleID != w.rule || f.Severity != w.severity || f.Location.Line != markers[w.marker] || !strings.Contains(f.Message, w.msg) {
			t.Errorf("finding %d = %s\nwant %s %s line %d: ...%s...", i, gotKeys[i], w.rule, w.severity, markers[w.marker], w.msg)
		}
		if f.Location.File != located {
			t.Errorf("finding %d is located in %s, want %s", i, f.Location.File, located)
		}
	}
}

// checkSubstrings checks that each wanted text is in its own item of got, and that got has no
// other item.
func checkSubstrings(t *testing.T, what string, got, want []string) {
	t.Helper()
	left := slices.Clone(got)
	for _, w := range want {
		i := slices.IndexFunc(left, func(g string) bool { return strings.Contains(g, w) })
		if i < 0 {
			t.Errorf("no %s contains %q; got:\n%s", what, w, strings.Join(got, "\n"))
			continue
		}
		left = slices.Delete(left, i, i+1)
	}
	for _, g := range left {
		t.Errorf("unexpected %s: %s", what, g)
	}
}

// TestAdmissionPoliciesJudgeConcurrently pins that policies judged on the decoding goroutines,
// several at once, find what they find on one: each object once per policy, none lost.
func TestAdmissionPoliciesJudgeConcurrently(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{"policies.yaml": strings.Join([]string{requireTeamLabel("Deny", ""), noPrivilegedPolicy,
		replicaLimitPolicy, replicaLimitBinding("Warn", "Deny"), replicaLimitParam}, "---\n")}
	for f := range 8 {
		var docs []string
		for i := range 40 {
			docs = append(docs, deployment(fmt.Sprintf("d%d-%d", f, i), "default", i%7, map[bool]string{true: "team: a"}[i%3 == 0]),
				pod(fmt.Sprintf("p%d-%d", f, i), i%2 == 0))
		}
		files[fmt.Sprintf("objects-%d.yaml", f)] = strings.Join(docs, "---\n")
	}
	testfiles.Write(t, dir, files)
	catalog, err := rules.NewCatalog()
	if err != nil {
		t.Fatal(err)
	}
	count := func(workers int) map[string]int {
		res := scan.Manifests(context.Background(), scan.Request{Paths: []string{dir}, Catalog: catalog, Load: manifest.Options{Workers: workers}})
		if len(res.Errors) > 0 || len(res.NotApplied) > 0 {
			t.Fatalf("errors %v, notes %v", res.Errors, res.NotApplied)
		}
		n := map[string]int{}
		for _, f := range testscan.Active(t, res) {
			n[f.RuleID+" "+f.Severity.String()]++
		}
		return n
	}
	one, many := count(1), count(4)
	want := map[string]int{
		"vap/require-team high":                8 * (40 - 14), // i%3 != 0
		"vap/no-privileged high":               8 * 20,
		"vap/replica-limit.example.com medium": 8 * 16, // i%7 in 4..6: 16 of 0..39
	}
	if fmt.Sprint(one) != fmt.Sprint(many) {
		t.Errorf("one worker found %v, four %v", one, many)
	}
	for k, n := range want {
		if one[k] != n {
			t.Errorf("%s: %d findings, want %d (all: %v)", k, one[k], n, one)
		}
	}
}
