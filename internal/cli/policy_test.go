package cli_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const policies = "testdata/policies"

func TestCustomPoliciesRunLikeBuiltInRules(t *testing.T) {
	dir := t.TempDir()
	broken := filepath.Join(dir, "broken.rego")
	os.WriteFile(broken, []byte("# METADATA\n# title: t\n# description: d\n# custom:\n#   id: custom/broken\n#   severity: high\n#   remedy: r\n#   kinds: [Deployment]\npackage broken\n\nviolation contains \"x\" if {\n  x := 1 +\n}\n"), 0o600)
	failing := filepath.Join(dir, "failing.rego")
	os.WriteFile(failing, []byte("# METADATA\n# title: t\n# description: d\n# custom:\n#   id: custom/failing\n#   severity: high\n#   remedy: r\n#   kinds: [Deployment]\npackage failing\n\nviolation contains \"x\" if to_number(input.object.metadata.name) > 1\n"), 0o600)
	notPolicy := filepath.Join(dir, "cm.yaml")
	os.WriteFile(notPolicy, []byte("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n"), 0o600)
	withConfig := t.TempDir()
	os.WriteFile(filepath.Join(withConfig, ".palisade.yaml"), []byte("version: 1\npolicies: [policies]\nrules:\n  enable: [custom/no-latest-tag]\n"), 0o600)
	os.CopyFS(filepath.Join(withConfig, "policies"), os.DirFS(policies))
	vap := filepath.Join(dir, "vap.yaml")
	os.WriteFile(vap, []byte(`apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata: {name: few-replicas}
spec:
  failurePolicy: Fail
  matchConstraints:
    resourceRules:
    - {apiGroups: [apps], apiVersions: [v1], operations: [CREATE, UPDATE], resources: [deployments]}
  validations:
  - expression: "object.spec.template.spec.containers.all(c, !c.image.endsWith(':latest'))"
    message: no image tagged latest
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata: {name: few-replicas}
spec:
  policyName: few-replicas
  validationActions: [Deny]
`), 0o600)
	manifest, _ := os.ReadFile("testdata/policy-workloads.yaml")
	os.WriteFile(filepath.Join(withConfig, "app.yaml"), manifest, 0o600)
	// A config that selects only the rules of its ValidatingAdmissionPolicies.
	vapConfig := t.TempDir()
	vapText, _ := os.ReadFile(vap)
	os.WriteFile(filepath.Join(vapConfig, "vap.yaml"), vapText, 0o600)
	os.WriteFile(filepath.Join(vapConfig, ".palisade.yaml"), []byte("version: 1\npolicies: [vap.yaml]\nrules:\n  enable: [vap/*]\n"), 0o600)
	os.WriteFile(filepath.Join(vapConfig, "app.yaml"), manifest, 0o600)

	for _, tc := range []struct {
		name     string
		args     []string
		wantCode int
		stdout   []string
		stderr   []string
	}{
		{"a custom rule is listed in rules", []string{"rules", "--policy", policies}, 0,
			[]string{"custom/no-latest-tag", "medium", "custom", "pod", "Images are pinned, never tagged latest"}, nil},
		{"a custom rule is explained", []string{"explain", "custom/no-latest-tag", "--policy", policies}, 0,
			[]string{"Images are pinned, never tagged latest", "Pin every image to a version tag", "containers[*].image", "Defined in: testdata/policies/no-latest-tag.rego:1", "https://kubernetes.io/docs/concepts/containers/images/#image-names"}, nil},
		{"a custom rule's JSON names where it is written", []string{"explain", "custom/no-latest-tag", "--policy", policies, "-o", "json"}, 0,
			[]string{`"origin": "testdata/policies/no-latest-tag.rego:1"`, `"helpUri": ""`}, nil},
		{"a custom rule unknown without its policy", []string{"explain", "custom/no-latest-tag"}, 2, nil, []string{`unknown rule "custom/no-latest-tag"`}},
		{"a scan finds at the line of the path the policy returns", []string{"scan", "--policy", policies, "--rule", "custom/*", "--fail-on", "medium", "-o", "compact", "testdata/policy-workloads.yaml"}, 1,
			[]string{"testdata/policy-workloads.yaml:15:9: medium custom/no-latest-tag: container app runs an image that is not pinned"}, nil},
		{"a cluster scan takes the flag too", []string{"cluster", "--policy", filepath.Join(dir, "missing"), "--kubeconfig", filepath.Join(dir, "none")}, 2,
			nil, []string{"loading policies: policy " + filepath.Join(dir, "missing") + ": no such file or directory"}},
		{"a policy that does not compile is named with its line", []string{"scan", "--policy", broken, "testdata/policy-workloads.yaml"}, 2,
			nil, []string{broken + ":13:1: rego_parse_error"}},
		{"a policy that fails on an object is a scan error there", []string{"scan", "--policy", failing, "--rule", "custom/*", "-o", "compact", "testdata/policy-workloads.yaml"}, 2,
			[]string{"testdata/policy-workloads.yaml:1:1: error: Deployment/shop/web: rule custom/failing: evaluation failed (eval_builtin_error at " + failing + ":11)"}, nil},
		{"a scan judges the ValidatingAdmissionPolicies of a policy file", []string{"scan", "--policy", vap, "--fail-on", "high", "-o", "compact", "testdata/policy-workloads.yaml"}, 1,
			[]string{"testdata/policy-workloads.yaml:1:1: high vap/few-replicas", "no image tagged latest"}, nil},
		{"--rule selects the rules of ValidatingAdmissionPolicies by family", []string{"scan", "--policy", vap, "--rule", "vap/*", "--fail-on", "high", "-o", "compact", "testdata/policy-workloads.yaml"}, 1,
			[]string{"high vap/few-replicas", "1 finding"}, nil},
		{"--rule selects a ValidatingAdmissionPolicy's rule by name", []string{"scan", "--policy", vap, "--rule", "vap/few-replicas", "--fail-on", "high", "-o", "compact", "testdata/policy-workloads.yaml"}, 1,
			[]string{"high vap/few-replicas", "1 finding"}, nil},
		{"--skip-rule skips the rules of ValidatingAdmissionPolicies", []string{"scan", "--policy", vap, "--rule", "vap/*", "--skip-rule", "vap/few-replicas", "-o", "compact", "testdata/policy-workloads.yaml"}, 0,
			[]string{"0 findings"}, nil},
		{"a misspelt ValidatingAdmissionPolicy name in --rule is an error, with the name meant", []string{"scan", "--policy", vap, "--rule", "vap/few-replica", "-o", "compact", "testdata/policy-workloads.yaml"}, 2,
			[]string{`unknown rule "vap/few-replica": no ValidatingAdmissionPolicy of the input or of --policy has that name (did you mean "vap/few-replicas"?)`}, nil},
		{"a misspelt ValidatingAdmissionPolicy name in --skip-rule is an error too", []string{"scan", "--policy", vap, "--skip-rule", "vap/few-replicaz", "-o", "compact", "testdata/policy-workloads.yaml"}, 2,
			[]string{`unknown rule "vap/few-replicaz"`}, nil},
		{"a ValidatingAdmissionPolicy name with no policy at all is an error", []string{"scan", "--rule", "vap/few-replicas", "-o", "compact", "testdata/policy-workloads.yaml"}, 2,
			[]string{`unknown rule "vap/few-replicas": no ValidatingAdmissionPolicy of the input or of --policy has that name`}, nil},
		{"a prefix of ValidatingAdmissionPolicy names selects what it matches", []string{"scan", "--policy", vap, "--rule", "vap/few-*", "--fail-on", "high", "-o", "compact", "testdata/policy-workloads.yaml"}, 1,
			[]string{"high vap/few-replicas", "1 finding"}, nil},
		{"--rule names the families of custom rules without their policies", []string{"scan", "--rule", "custom/*", "--rule", "gatekeeper/*", "-o", "compact", "testdata/policy-workloads.yaml"}, 0,
			[]string{"0 findings"}, nil},
		{"--rule still refuses a typo of a built-in ID", []string{"scan", "--policy", vap, "--rule", "vap/*", "--rule", "pod/privilegd", "testdata/policy-workloads.yaml"}, 2,
			nil, []string{`unknown rule "pod/privilegd" (did you mean "pod/privileged"?)`}},
		{"the config's selection keeps the rules of its ValidatingAdmissionPolicies", []string{"scan", "--fail-on", "high", "-o", "compact", filepath.Join(vapConfig, "app.yaml")}, 1,
			[]string{"high vap/few-replicas", "1 finding"}, nil},
		{"a cluster scan refuses ValidatingAdmissionPolicies it would not judge", []string{"cluster", "--policy", vap, "--kubeconfig", filepath.Join(dir, "none")}, 2,
			nil, []string{vap + ":1:1: ValidatingAdmissionPolicy in a policy file: this command does not judge ValidatingAdmissionPolicies"}},
		{"rules lists the catalog beside a file of ValidatingAdmissionPolicies", []string{"rules", "--policy", vap}, 0,
			[]string{"pod/privileged"}, nil},
		{"another kind in a policy file is an error naming it", []string{"scan", "--policy", notPolicy, "testdata/policy-workloads.yaml"}, 2,
			nil, []string{notPolicy + ":1:1: a policy file holds a ConfigMap (v1)"}},
		{"the config's policies join the catalog", []string{"scan", "-o", "compact", filepath.Join(withConfig, "app.yaml")}, 0,
			[]string{"app.yaml:15:9: medium custom/no-latest-tag", "1 finding"}, nil},
		{"gatekeeper constraints judge a streaming scan, data.inventory, namespace labels and expansion included",
			[]string{"scan", "--policy", "../policy/testdata/gatekeeper", "--rule", "gatekeeper/*", "--fail-on", "none", "-o", "compact", "../policy/testdata/gatekeeper-objects.yaml"}, 0,
			[]string{
				"gatekeeper-objects.yaml:13:1: critical gatekeeper/psp-host-namespace: Sharing the host namespace is not allowed: privileged-in-restricted",
				"gatekeeper-objects.yaml:26:1: high gatekeeper/psp-privileged-container: Privileged container is not allowed: app",
				"gatekeeper-objects.yaml:63:1: high gatekeeper/psp-pods-allowed-user-ranges: Container app is attempting to run as disallowed user 0",
				"gatekeeper-objects.yaml:86:1: info gatekeeper/unique-ingress-host: ingress host conflicts with an existing ingress <shop.example.com>",
				"gatekeeper-objects.yaml:94:1: info gatekeeper/unique-ingress-host",
				"gatekeeper-objects.yaml:122:3: high gatekeeper/psp-privileged-container: [Implied by expand-deployments] Privileged container is not allowed: app",
				"7 findings",
			}, nil},
		{"policy test passes", []string{"policy", "test", filepath.Join(policies, "no-latest-tag.rego"), filepath.Join(policies, "no-latest-tag_test.rego")}, 0,
			[]string{"PASS: 3/3"}, nil},
		{"policy test fails", []string{"policy", "test", policies}, 1,
			[]string{"test_pinned_is_wrongly_expected_to_fail: FAIL", "PASS: 3/4", "FAIL: 1/4"}, nil},
		{"policy test without tests proves nothing", []string{"policy", "test", filepath.Join(policies, "no-latest-tag.rego")}, 2,
			nil, []string{"no tests (rules named test_*) in 1 files"}},
		{"policy test of a policy that does not compile", []string{"policy", "test", broken}, 2,
			nil, []string{broken + ":13:1: rego_parse_error"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := run(t, tc.args...)
			if code != tc.wantCode {
				t.Errorf("exit code %d, want %d\nstdout: %s\nstderr: %s", code, tc.wantCode, out, errOut)
			}
			for _, w := range tc.stdout {
				if !strings.Contains(out, w) {
					t.Errorf("stdout does not say %q:\n%s", w, out)
				}
			}
			for _, w := range tc.stderr {
				if !strings.Contains(errOut, w) {
					t.Errorf("stderr does not say %q:\n%s", w, errOut)
				}
			}
		})
	}
}

func TestCustomRuleSARIFDoesNotPointAtTheBuiltInReference(t *testing.T) {
	code, out, errOut := run(t, "scan", "--policy", policies, "--rule", "custom/*", "-o", "sarif", "testdata/policy-workloads.yaml")
	if code != 0 || !strings.Contains(out, `"id": "custom/no-latest-tag"`) {
		t.Fatalf("exit %d, stderr %s, stdout %s", code, errOut, out)
	}
	if strings.Contains(out, "rules#custom-no-latest-tag") {
		t.Errorf("the SARIF report points a custom rule at the built-in reference:\n%s", out)
	}
}
