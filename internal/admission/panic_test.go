package admission

import (
	"context"
	"slices"
	"strings"
	"testing"

	admissionv1 "k8s.io/api/admission/v1"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/rules"
)

// panicking is a catalog with one rule that panics on every pod and one that reports.
func panicking(t *testing.T, sev finding.Severity) *rules.Catalog {
	t.Helper()
	rule := func(id string, sev finding.Severity, check func(*rules.PodContext) []rules.Violation) rules.Rule {
		return rules.Rule{ID: id, Title: "t", Description: "d", Remedy: "Do this. Then that.", Area: rules.AreaWorkload, Scope: rules.ScopePod, Severity: sev, Pod: check}
	}
	cat, err := rules.NewCatalog(
		rule("pod/boom", sev, func(ctx *rules.PodContext) []rules.Violation {
			var m map[string]int
			m[ctx.Object.Name]++
			return nil
		}),
		rule("pod/fine", finding.Low, func(*rules.PodContext) []rules.Violation { return []rules.Violation{{Path: "spec", Message: "noted"}} }),
	)
	if err != nil {
		t.Fatal(err)
	}
	return cat
}

func TestRulePanicRecovered(t *testing.T) {
	cases := []struct {
		name    string
		sev     finding.Severity
		cfg     string
		allowed bool
		line    string // in the deny message or a warning
	}{
		{"deny rule, failurePolicy Fail: refused", finding.Critical, "", false, "pod/boom  could not be evaluated (the rule failed); refused by failurePolicy Fail."},
		{"deny rule, failurePolicy Ignore: admitted with a warning", finding.Critical, "failurePolicy: Ignore\n", true, "pod/boom  could not be evaluated (the rule failed); admitted by failurePolicy Ignore."},
		{"warn rule: admitted with a warning", finding.Low, "", true, "pod/boom  could not be evaluated (the rule failed)."},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := DefaultConfig()
			if c.cfg != "" {
				cfg = config(t, c.cfg)
			}
			e, err := New(panicking(t, c.sev), cfg, nil)
			if err != nil {
				t.Fatal(err)
			}
			d := e.Review(context.Background(), request(t, admissionv1.Create, privilegedPod))
			if !slices.Equal(d.Panics, []string{"pod/boom"}) {
				t.Fatalf("panics %v", d.Panics)
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
			if !slices.ContainsFunc(d.Hits, func(h Hit) bool { return h.RuleID == "pod/fine" }) {
				t.Error("the other rule's hit is lost")
			}
		})
	}
}
