package admission

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/testrules"
)

const head = "apiVersion: palisade.dev/v1alpha1\nkind: WebhookConfiguration\n"

const fullConfig = head + `namespace: palisade
defaultActions: {critical: deny, high: warn, medium: warn, low: audit, info: audit}
rules:
- {id: "pss/*", action: warn}
- {id: pod/privileged, action: deny}
exemptions:
- {namespace: legacy, reason: moves in Q3}
- {object: {kind: Deployment, namespace: ci, name: runner}, rules: [pod/privileged], reason: builds images}
- {user: "system:serviceaccount:ci:deployer", reason: break-glass}
- {group: "system:nodes", reason: mirror pods}
allowObjectExemptions: true
exemptNamespaces: [kube-system, monitoring]
exemptOwnNamespace: false
updates: onlyWorse
failurePolicy: Ignore
pssVersion: v1.33
kubernetesVersion: "1.33"
policies: [policies/, extra.rego]
`

func TestParseConfigReadsEveryField(t *testing.T) {
	cfg, err := ParseConfig([]byte(fullConfig), "webhook.yaml")
	if err != nil {
		t.Fatal(err)
	}
	switch {
	case cfg.Namespace != "palisade", cfg.DefaultActions[finding.High] != Warn, cfg.DefaultActions[finding.Low] != Audit,
		len(cfg.Rules) != 2, cfg.Rules[0].ID != "pss/*", cfg.Rules[1].Action != Deny, cfg.Rules[0].Line != 6,
		len(cfg.Exemptions) != 4, cfg.Exemptions[1].Object.Name != "runner", cfg.Exemptions[1].Rules[0] != "pod/privileged",
		cfg.Exemptions[3].Group != "system:nodes", !cfg.AllowObjectExemptions, len(cfg.ExemptNamespaces) != 2,
		cfg.ExemptOwnNamespace, cfg.Updates != UpdatesOnlyWorse, cfg.FailurePolicy != Ignore,
		cfg.PSSVersion != "v1.33", cfg.KubernetesVersion != "v1.33", len(cfg.Policies) != 2:
		t.Errorf("config read as %+v", cfg)
	}
	if _, err := New(testrules.Builtin(t), cfg, nil); err != nil {
		t.Errorf("New: %v", err)
	}
}

func TestParseConfigDefaults(t *testing.T) {
	cfg, err := ParseConfig([]byte(head), "webhook.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.DefaultActions[finding.Critical] != Deny || cfg.DefaultActions[finding.High] != Deny || cfg.DefaultActions[finding.Medium] != Warn ||
		cfg.FailurePolicy != Fail || cfg.Updates != UpdatesAll || !cfg.ExemptOwnNamespace || len(cfg.ExemptNamespaces) != 1 || cfg.AllowObjectExemptions {
		t.Errorf("defaults: %+v", cfg)
	}
}

func TestParseConfigErrors(t *testing.T) {
	cases := []struct {
		name, text, want string
	}{
		{"empty file", "", "empty"},
		{"malformed YAML", head + "rules: [\n", "malformed YAML"},
		{"two documents", head + "---\n" + head, "more than one"},
		{"wrong apiVersion", "apiVersion: v1\nkind: WebhookConfiguration\n", "apiVersion must be"},
		{"unknown key, with the closest", head + "failurPolicy: Fail\n", "webhook.yaml:3:1: configuration: unknown key (a string of 12 characters); did you mean failurePolicy?"},
		{"unknown key in an exemption", head + "exemptions: [{namespace: x, reason: y, wherefore: z}]\n", "webhook.yaml:3:40: exemptions[0]: unknown key"},
		{"unknown action", head + "rules: [{id: pod/privileged, action: block}]\n", "rules[0].action must be one of deny, warn, audit, not a string of 5 characters"},
		{"unknown severity", head + "defaultActions: {severe: deny}\n", "defaultActions: unknown key"},
		{"exemption without reason", head + "exemptions: [{namespace: x}]\n", "reason is missing"},
		{"exemption of two kinds", head + "exemptions: [{namespace: x, user: y, reason: z}]\n", "exactly one of"},
		{"object exemption without name", head + "exemptions: [{object: {kind: Pod}, reason: z}]\n", "object needs kind and name"},
		{"bad failure policy", head + "failurePolicy: Maybe\n", "failurePolicy must be one of Fail, Ignore"},
		{"bad updates", head + "updates: some\n", "updates must be one of all, onlyWorse"},
		{"boolean as string", head + "allowObjectExemptions: \"yes\"\n", "must be true or false, not a string of 3 characters"},
		{"bad kubernetes version", head + "kubernetesVersion: banana\n", "kubernetesVersion: want v1.N"},
		{"rule without action", head + "rules: [{id: pod/privileged}]\n", "action is missing"},
		{"key twice", head + "updates: all\nupdates: onlyWorse\n", "written twice"},
		{"not a mapping", "- a\n- b\n", "configuration must be a mapping, not a list"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParseConfig([]byte(c.text), "webhook.yaml")
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want one containing %q", err, c.want)
			}
			for _, secret := range []string{"failurPolicy", "block", "banana", "Maybe", "wherefore"} {
				if strings.Contains(err.Error(), secret) {
					t.Errorf("error quotes the file (%q): %v", secret, err)
				}
			}
		})
	}
}

func TestNewRefusesUnknownRuleIDsWithTheClosest(t *testing.T) {
	cases := []struct{ name, text, want string }{
		{"rules entry", head + "rules: [{id: pod/privilegd, action: warn}]\n", `webhook.yaml:3:14: rules: unknown rule "pod/privilegd" (did you mean "pod/privileged"?)`},
		{"exemption rules", head + "exemptions: [{namespace: x, rules: [pod/privileged, pod/run-as-nonroot], reason: y}]\n", `webhook.yaml:3:53: exemptions[0].rules: unknown rule "pod/run-as-nonroot" (did you mean "pod/run-as-non-root"?)`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg, err := ParseConfig([]byte(c.text), "webhook.yaml")
			if err != nil {
				t.Fatal(err)
			}
			_, err = New(testrules.Builtin(t), cfg, nil)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want %q", err, c.want)
			}
		})
	}
}

func TestLoadConfigResolvesPoliciesAgainstItsFolder(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "webhook.yaml")
	if err := os.WriteFile(file, []byte(head+"policies: [policies/, /abs/p.rego]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := LoadConfig(file)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Policies[0] != filepath.Join(dir, "policies") || cfg.Policies[1] != "/abs/p.rego" {
		t.Errorf("policies %q", cfg.Policies)
	}
	if _, err := LoadConfig(filepath.Join(dir, "missing.yaml")); err == nil {
		t.Error("a missing file loaded")
	}
}

// FuzzParseConfig pins that no configuration makes parsing panic, and that an accepted one
// has the invariants the engine relies on.
func FuzzParseConfig(f *testing.F) {
	f.Add([]byte(fullConfig))
	f.Add([]byte(head))
	f.Add([]byte(head + "rules: &a [*a]\n"))
	f.Add([]byte(head + "exemptions: [{object: null, reason: x}]\n"))
	f.Add([]byte("{"))
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := ParseConfig(data, "fuzz.yaml")
		if err != nil {
			return
		}
		for _, ex := range cfg.Exemptions {
			if ex.Reason == "" {
				t.Fatal("an exemption without a reason was accepted")
			}
		}
		for _, r := range cfg.Rules {
			if actionRank(r.Action) < 0 || r.ID == "" || (r.Action != Deny && r.Action != Warn && r.Action != Audit) {
				t.Fatalf("rule entry accepted as %+v", r)
			}
		}
		if cfg.FailurePolicy != Fail && cfg.FailurePolicy != Ignore {
			t.Fatal("failure policy accepted as something else")
		}
	})
}
