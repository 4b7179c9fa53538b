package admissionpolicy_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"palisade.dev/palisade/internal/rules"
	"palisade.dev/palisade/internal/rules/admissionpolicy"
	"palisade.dev/palisade/internal/source/manifest"
)

const policy = `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata: {name: demo}
spec:
  matchConstraints:
    resourceRules:
    - {apiGroups: ["apps"], apiVersions: ["v1"], operations: ["CREATE"], resources: ["deployments"]}
  validations:
  - expression: "object.spec.replicas <= 5"
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata: {name: demo}
spec: {policyName: demo, validationActions: [Deny]}
`

// compileYAML loads YAML documents and compiles the policies among them.
func compileYAML(t testing.TB, text string) *admissionpolicy.Set {
	loaded := manifest.Load(context.Background(), []string{"-"}, manifest.Options{Stdin: strings.NewReader(text)})
	return admissionpolicy.Compile(loaded.Inventory.Objects(), admissionpolicy.Options{})
}

// TestCompileChecksWhatTheAPIServerChecks pins which policies and bindings become rules, and
// which are errors or coverage notes, as the API server would store or refuse them.
func TestCompileChecksWhatTheAPIServerChecks(t *testing.T) {
	tests := []struct {
		name       string
		text       string
		rules      int
		errs       []string
		notApplied []string
	}{
		{name: "a bound policy is a rule named after it", text: policy, rules: 1},
		{name: "v1beta1 is read as v1", text: strings.ReplaceAll(policy, "/v1\n", "/v1beta1\n"), rules: 1},
		{name: "v1alpha1 is not served", text: strings.ReplaceAll(policy, "/v1\n", "/v1alpha1\n"),
			errs: []string{"v1alpha1 ValidatingAdmissionPolicy is not served", "v1alpha1 ValidatingAdmissionPolicyBinding is not served"}},
		{name: "a policy without matchConstraints is refused",
			text: strings.Replace(policy, "  matchConstraints:\n    resourceRules:\n    - {apiGroups: [\"apps\"], apiVersions: [\"v1\"], operations: [\"CREATE\"], resources: [\"deployments\"]}\n", "", 1),
			errs: []string{"spec.matchConstraints is required"}},
		{name: "a policy without validations is refused",
			text: strings.Replace(policy, "  validations:\n  - expression: \"object.spec.replicas <= 5\"\n", "", 1),
			errs: []string{"a policy needs validations or auditAnnotations"}},
		{name: "a validation that is not a bool is an error naming it",
			text: strings.Replace(policy, "object.spec.replicas <= 5", "object.spec.replicas", 1),
			errs: []string{"spec.validations[0].expression does not compile"}},
		{name: "a severity annotation that is not a severity is an error",
			text: strings.Replace(policy, "metadata: {name: demo}\nspec:\n  match", "metadata: {name: demo, annotations: {palisade.dev/severity: severe}}\nspec:\n  match", 1),
			errs: []string{"annotation palisade.dev/severity: a string of 6 bytes that is not a severity"}},
		{name: "a policy defined twice is an error", text: policy + "---\n" + strings.Split(policy, "---\n")[0], rules: 1,
			errs: []string{"ValidatingAdmissionPolicy demo is defined twice"}},
		{name: "a name that cannot be a rule ID is an error at the name",
			text: strings.ReplaceAll(policy, "demo", "de--mo"),
			errs: []string{"ValidatingAdmissionPolicy de--mo: its name cannot name a rule"}},
		{name: "a binding without actions is refused, so its policy is unbound",
			text:       strings.Replace(policy, ", validationActions: [Deny]", "", 1),
			errs:       []string{"spec.validationActions is required"},
			notApplied: []string{"no ValidatingAdmissionPolicyBinding in the input binds"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := compileYAML(t, tc.text)
			if len(s.Rules) != tc.rules {
				t.Errorf("got %d rules, want %d", len(s.Rules), tc.rules)
			}
			for _, r := range s.Rules {
				if r.ID != "vap/demo" {
					t.Errorf("rule ID %s, want vap/demo", r.ID)
				}
				if err := r.Validate(); err != nil {
					t.Error(err)
				}
			}
			if len(s.Errors) != len(tc.errs) {
				t.Fatalf("got errors %v, want %q", s.Errors, tc.errs)
			}
			for i, e := range s.Errors {
				if !strings.Contains(e.Message, tc.errs[i]) {
					t.Errorf("error %d = %q, want it to contain %q", i, e.Message, tc.errs[i])
				}
			}
			notes := s.NotApplied()
			if len(notes) != len(tc.notApplied) {
				t.Fatalf("got notes %v, want %q", notes, tc.notApplied)
			}
			for i, n := range notes {
				if !strings.Contains(n.Reason, tc.notApplied[i]) {
					t.Errorf("note %d = %q, want it to contain %q", i, n.Reason, tc.notApplied[i])
				}
			}
		})
	}
}

// TestRulesFormACatalog pins that the rules made of policies form a catalog, names with dots
// included (a policy name is a DNS subdomain).
func TestRulesFormACatalog(t *testing.T) {
	s := compileYAML(t, strings.ReplaceAll(policy, "demo", "demo.example.com"))
	if _, err := rules.NewCatalog(s.Rules...); err != nil {
		t.Fatal(err)
	}
	if len(s.Rules) != 1 || s.Rules[0].ID != "vap/demo.example.com" {
		t.Fatalf("rules %v", s.Rules)
	}
}

// FuzzLoadPolicy feeds YAML to the loader and the policy compiler: whatever the document,
// compiling it never panics, and every error it gives is located in the input.
func FuzzLoadPolicy(f *testing.F) {
	f.Add([]byte(policy))
	f.Add([]byte(strings.ReplaceAll(policy, "/v1\n", "/v1beta1\n")))
	f.Add([]byte(strings.Replace(policy, "object.spec.replicas <= 5", "object.spec.replicas <=", 1)))
	f.Add([]byte(strings.Replace(policy, "validations:", "variables: [{name: x, expression: 'object.metadata.name'}]\n  matchConditions: [{name: y, expression: 'variables.x != \"\"'}]\n  paramKind: {apiVersion: v1, kind: ConfigMap}\n  validations:", 1)))
	f.Add([]byte("apiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingAdmissionPolicyBinding\nmetadata: {name: b}\nspec: {paramRef: {selector: {matchExpressions: [{key: a, operator: Bogus}]}}}\n"))
	f.Add([]byte("apiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingAdmissionPolicy\nmetadata: {name: x}\nspec: {failurePolicy: Maybe, matchConstraints: {resourceRules: [{}]}, auditAnnotations: [{key: k, valueExpression: '1'}]}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 1<<16 {
			return
		}
		loaded := manifest.Load(context.Background(), []string{"-"}, manifest.Options{Stdin: bytes.NewReader(data)})
		s := admissionpolicy.Compile(loaded.Inventory.Objects(), admissionpolicy.Options{})
		for _, e := range s.Errors {
			if e.Location.File != "-" {
				t.Errorf("error not located in the input: %v", e)
			}
		}
		if _, err := rules.NewCatalog(s.Rules...); err != nil && len(s.Rules) > 0 {
			// A policy name that is not a rule ID is refused by the catalog, which the scan
			// reports; it must not panic.
			_ = err
		}
		_ = s.NotApplied()
	})
}
