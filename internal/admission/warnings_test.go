package admission

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	admissionv1 "k8s.io/api/admission/v1"

	"palisade.dev/palisade/internal/finding"
)

// manyContainers is a Deployment whose containers each break most pod rules: more warnings
// than the API server keeps.
func manyContainers(n int) string {
	var b strings.Builder
	b.WriteString("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: many, namespace: apps}\nspec:\n" +
		"  selector: {matchLabels: {app: many}}\n  template:\n    metadata: {labels: {app: many}}\n    spec:\n      containers:\n")
	for i := range n {
		fmt.Fprintf(&b, "      - {name: container-with-a-long-name-%d, image: \"registry.example/app:1.0\", securityContext: {runAsUser: 0}}\n", i)
	}
	return b.String()
}

func TestWarningsFitWhatTheAPIServerKeeps(t *testing.T) {
	// Every hit warns, whatever its severity, so that the warnings outgrow the budget.
	allWarn := engine(t, config(t, "defaultActions: {critical: warn, high: warn, medium: warn, low: warn, info: warn}\n"), nil)
	for _, c := range []struct {
		name     string
		e        *Engine
		object   string
		leftOut  bool
		minWarns int
	}{
		{"a privileged pod's warnings all fit", engine(t, nil, nil), privilegedPod, false, 10},
		{"eight containers' warnings are cut to the budget and the rest named", allWarn, manyContainers(8), true, 10},
	} {
		t.Run(c.name, func(t *testing.T) {
			d := c.e.Review(context.Background(), request(t, admissionv1.Create, c.object))
			ws := d.Response.Warnings
			if len(ws) < c.minWarns {
				t.Fatalf("%d warnings, want at least %d", len(ws), c.minWarns)
			}
			total := 0
			for _, w := range ws {
				n := utf8.RuneCountInString(w)
				if n > maxWarning {
					t.Errorf("a warning of %d characters, over %d: %q", n, maxWarning, w)
				}
				if !utf8.ValidString(w) {
					t.Errorf("a warning cut inside a character: %q", w)
				}
				total += n
			}
			if total > warningBudget+maxWarning {
				t.Errorf("the warnings total %d characters, over %d", total, warningBudget+maxWarning)
			}
			last := ws[len(ws)-1]
			if got := strings.HasPrefix(last, "palisade: ") && strings.Contains(last, "more warnings left out"); got != c.leftOut {
				t.Fatalf("last warning %q: names the left-out hits = %v, want %v", last, got, c.leftOut)
			}
			warned := 0
			for _, h := range d.Hits {
				if h.Action == Warn && h.Exempt == "" {
					warned++
				}
			}
			shown := len(ws)
			if c.leftOut {
				var n int
				if _, err := fmt.Sscanf(last, "palisade: %d more", &n); err != nil {
					t.Fatalf("last warning %q: %v", last, err)
				}
				shown = len(ws) - 1 + n
			}
			if shown != warned {
				t.Errorf("%d warnings stand for %d hits, want every hit warned or named", shown, warned)
			}
		})
	}
}

func TestWarningsComeMostSevereFirst(t *testing.T) {
	cfg := config(t, "defaultActions: {critical: warn, high: warn, medium: warn, low: warn, info: warn}\n")
	e := engine(t, cfg, nil)
	d := e.Review(context.Background(), request(t, admissionv1.Create, manyContainers(8)))
	severity := map[string]finding.Severity{}
	for _, h := range d.Hits {
		if s, ok := severity[h.RuleID]; !ok || h.Severity > s {
			severity[h.RuleID] = h.Severity
		}
	}
	prev := finding.Severity(1 << 30)
	for _, w := range d.Response.Warnings {
		id, _, _ := strings.Cut(w, " ")
		s, ok := severity[id]
		if !ok {
			continue // the left-out summary
		}
		if s > prev {
			t.Errorf("warning of %s (%v) after a less severe one (%v)", id, s, prev)
		}
		prev = s
	}
}

func TestCut(t *testing.T) {
	for _, c := range []struct {
		name, in string
		n        int
		want     string
	}{
		{"text that fits is kept", "short text", 20, "short text"},
		{"text of exactly n bytes is kept", "abcde", 5, "abcde"},
		{"a cut ends after the last whole word", "one two three four", 14, "one two…"},
		{"a long word is cut inside", strings.Repeat("x", 50), 10, strings.Repeat("x", 7) + "…"},
		{"multi-byte characters are never split", "ééééééééé", 8, "éé…"},
		{"punctuation before the cut is dropped", "alpha beta; gamma", 15, "alpha beta…"},
		{"a cut in the middle of a long text keeps the start", "prefix: " + strings.Repeat("y", 10) + " tail", 18, "prefix…"},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, n := cut([]byte(c.in), 0, c.n)
			if string(got) != c.want || n != len(got) || !utf8.Valid(got) {
				t.Errorf("cut(%q, %d) = %q, %d; want %q, %d", c.in, c.n, got, n, c.want, len(c.want))
			}
		})
	}
}
