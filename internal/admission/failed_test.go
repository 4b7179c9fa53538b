package admission

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	admissionv1 "k8s.io/api/admission/v1"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/policy"
	"palisade.dev/palisade/internal/rules"
)

// failingPolicy is a Rego policy that cannot judge a pod whose name is not a number: the
// built-in to_number fails, which a custom rule reports as an error, never as no violation.
const failingPolicy = `# METADATA
# title: Names are numbers
# description: A policy that fails on every pod whose name is not a number.
# custom:
#   id: custom/failing
#   severity: high
#   remedy: Fix the policy.
#   kinds: [Pod]
package failing

violation contains "x" if to_number(input.object.metadata.name) > 1
`

func TestRuleThatCannotJudgeFollowsTheFailurePolicy(t *testing.T) {
	erring := func(t *testing.T) *rules.Catalog {
		cat, err := rules.NewCatalog(rules.Rule{
			ID: "pod/cannot-judge", Title: "t", Description: "d", Remedy: "r", Area: rules.AreaWorkload, Scope: rules.ScopePod, Severity: finding.High,
			Pod: func(*rules.PodContext) []rules.Violation {
				return []rules.Violation{{Err: errors.New("evaluation failed")}}
			},
		})
		if err != nil {
			t.Fatal(err)
		}
		return cat
	}
	rego := func(t *testing.T) *rules.Catalog {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "failing.rego"), []byte(failingPolicy), 0o600); err != nil {
			t.Fatal(err)
		}
		base, err := rules.NewCatalog()
		if err != nil {
			t.Fatal(err)
		}
		cat, err := policy.Catalog(context.Background(), base, []string{dir}, policy.Options{})
		if err != nil {
			t.Fatal(err)
		}
		return cat
	}
	cases := []struct {
		name    string
		catalog func(*testing.T) *rules.Catalog
		id      string
		cfg     string
		allowed bool
		line    string
	}{
		{"a rule's error with failurePolicy Fail: refused", erring, "pod/cannot-judge", "", false, "pod/cannot-judge  could not be evaluated (the rule failed); refused by failurePolicy Fail."},
		{"a rule's error with failurePolicy Ignore: admitted with a warning", erring, "pod/cannot-judge", "failurePolicy: Ignore\n", true, "admitted by failurePolicy Ignore."},
		{"a Rego policy that fails: refused, never admitted as clean", rego, "custom/failing", "", false, "custom/failing  could not be evaluated (the rule failed); refused by failurePolicy Fail."},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := DefaultConfig()
			if c.cfg != "" {
				cfg = config(t, c.cfg)
			}
			e, err := New(c.catalog(t), cfg, nil)
			if err != nil {
				t.Fatal(err)
			}
			d := e.Review(context.Background(), request(t, admissionv1.Create, privilegedPod))
			if !slices.Equal(d.Failed, []string{c.id}) {
				t.Fatalf("failed rules %v, want [%s]", d.Failed, c.id)
			}
			if d.Response.Allowed != c.allowed {
				t.Fatalf("allowed=%v, want %v", d.Response.Allowed, c.allowed)
			}
			text := strings.Join(d.Response.Warnings, "\n")
			if d.Response.Result != nil {
				text += "\n" + d.Response.Result.Message
			}
			if !strings.Contains(text, c.line) {
				t.Errorf("response %q: want %q", text, c.line)
			}
		})
	}
}
