package report_test

import (
	"encoding/json"
	"strings"
	"testing"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/report"
)

func TestText(t *testing.T) {
	tests := []struct {
		name     string
		adjust   func(*report.Input)
		want     []string
		dontWant []string
	}{
		{
			name:     "no colour unless asked",
			want:     []string{"Deployment/shop/web (apps/v1)  deploy/web.yaml:1:1", "CRITICAL pod/privileged  deploy/web.yaml:24:13"},
			dontWant: []string{"\x1b["},
		},
		{
			name:   "colour when asked",
			adjust: func(in *report.Input) { in.Color = true },
			want:   []string{"\x1b[1m\x1b[31mCRITICAL"},
		},
		{
			name:     "suppressed findings counted but not listed by default",
			want:     []string{"1 suppressed"},
			dontWant: []string{"node-exporter", "Suppressed findings"},
		},
		{
			name:   "suppressed findings listed with their reason on request",
			adjust: func(in *report.Input) { in.ShowSuppressed = true },
			want:   []string{"Suppressed findings (1)", "DaemonSet/monitoring/node-exporter", "suppressed by annotation: node-exporter reads"},
		},
		{
			name: "errors beside findings",
			want: []string{"Errors (1)\n  deploy/broken.yaml:3:7: yaml: mapping values", "CRITICAL pod/privileged", "1 error;", "The scan had errors"},
		},
		{
			name: "error about an object names it",
			adjust: func(in *report.Input) {
				in.Errors[0].Object = finding.ObjectRef{Kind: "Pod", Namespace: "a", Name: "b"}
			},
			want: []string{"deploy/broken.yaml:3:7: Pod/a/b: yaml: mapping"},
		},
		{
			name: "summary counts by severity and says the scan fails",
			want: []string{"Summary: 5 findings (1 critical, 1 high, 1 medium, 1 low, 1 info), 1 suppressed, 1 error; 4 objects in 5 files. Fails at --fail-on=high: 2 findings at or above high."},
		},
		{
			name:   "summary says the scan passes below the threshold",
			adjust: func(in *report.Input) { in.FailOn = finding.Critical; in.Findings = in.Findings[:1]; in.Errors = nil },
			want:   []string{"Summary: 1 finding (0 critical, 0 high, 0 medium, 0 low, 1 info), 1 suppressed, 0 errors; 4 objects in 5 files. Passes at --fail-on=critical."},
		},
		{
			name:   "fail-on none",
			adjust: func(in *report.Input) { in.FailOn = finding.Critical + 1 },
			want:   []string{"No finding fails the scan at --fail-on=none."},
		},
		{
			name: "a rule's remedy is printed at its first finding only",
			adjust: func(in *report.Input) {
				second := in.Findings[len(in.Findings)-1]
				second.Container, second.Location.Line = "sidecar", 40
				in.Findings = append(in.Findings, second)
			},
			want: []string{"container sidecar: spec.template.spec.containers[1].resources.limits.cpu\n      Container \"log-shipper\" sets no CPU limit (resources.limits.cpu).\n\nErrors"},
		},
		{
			name:     "a clean scan is one summary line",
			adjust:   func(in *report.Input) { in.Findings, in.Suppressed, in.Errors = nil, nil, nil },
			want:     []string{"Summary: 0 findings (0 critical, 0 high, 0 medium, 0 low, 0 info), 0 suppressed, 0 errors; 4 objects in 5 files. Passes at --fail-on=high.\n"},
			dontWant: []string{"\n\n", "Errors"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := string(render(t, "text", tt.adjust))
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("the report lacks %q:\n%s", w, out)
				}
			}
			for _, w := range tt.dontWant {
				if strings.Contains(out, w) {
					t.Errorf("the report has %q:\n%s", w, out)
				}
			}
		})
	}
}

func TestJSONSuppressed(t *testing.T) {
	var r struct {
		Suppressed struct {
			Count   int
			Listed  bool
			Reasons []struct {
				Source, Reason string
				Count          int
			}
			Findings []struct{ Rule string }
		}
	}
	for _, show := range []bool{false, true} {
		out := render(t, "json", func(in *report.Input) { in.ShowSuppressed = show })
		if err := json.Unmarshal(out, &r); err != nil {
			t.Fatal(err)
		}
		s := r.Suppressed
		if s.Count != 1 || s.Listed != show || len(s.Reasons) != 1 || s.Reasons[0].Source != "annotation" || s.Reasons[0].Count != 1 {
			t.Errorf("show=%v: suppressed = %+v; want a count of 1 and the annotation's reason always", show, s)
		}
		if wantListed := map[bool]int{false: 0, true: 1}[show]; len(s.Findings) != wantListed {
			t.Errorf("show=%v: %d suppressed findings listed, want %d", show, len(s.Findings), wantListed)
		}
	}
}

// sarifResults decodes what the SARIF tests look at.
type sarifDoc struct {
	Runs []struct {
		Tool struct {
			Driver struct {
				Rules []struct {
					ID         string
					Properties map[string]any
				}
			}
		}
		Invocations []struct {
			ExecutionSuccessful        bool
			ToolExecutionNotifications []struct{ Level string }
		}
		Results []struct {
			RuleID              string
			RuleIndex           int
			Level               string
			PartialFingerprints map[string]string
			Suppressions        []struct{ Kind, Status, Justification string }
		}
	}
}

func decodeSARIF(t *testing.T, adjust func(*report.Input)) sarifDoc {
	t.Helper()
	var d sarifDoc
	if err := json.Unmarshal(render(t, "sarif", adjust), &d); err != nil {
		t.Fatal(err)
	}
	if len(d.Runs) != 1 {
		t.Fatalf("%d runs, want 1", len(d.Runs))
	}
	return d
}

func TestSARIF(t *testing.T) {
	d := decodeSARIF(t, nil)
	run := d.Runs[0]
	t.Run("every evaluated rule is described", func(t *testing.T) {
		if got, want := len(run.Tool.Driver.Rules), len(sampleRules()); got != want {
			t.Errorf("%d rules described, want %d", got, want)
		}
	})
	t.Run("results point at their rule", func(t *testing.T) {
		for _, r := range run.Results {
			if run.Tool.Driver.Rules[r.RuleIndex].ID != r.RuleID {
				t.Errorf("result of %s has ruleIndex %d, which is %s", r.RuleID, r.RuleIndex, run.Tool.Driver.Rules[r.RuleIndex].ID)
			}
		}
	})
	t.Run("levels follow severities", func(t *testing.T) {
		want := map[string]string{"pod/privileged": "error", "pod/run-as-non-root": "error", "namespace/default-deny": "warning", "pod/cpu-limit": "note", "pod/image-digest": "note"}
		for _, r := range run.Results {
			if w, ok := want[r.RuleID]; ok && r.Level != w {
				t.Errorf("%s: level %s, want %s", r.RuleID, r.Level, w)
			}
		}
	})
	t.Run("security severities GitHub reads", func(t *testing.T) {
		want := map[string]any{"pod/privileged": "9.5", "pod/host-path": "8.0", "namespace/default-deny": "5.5", "pod/cpu-limit": "3.0", "pod/image-digest": nil}
		for _, r := range run.Tool.Driver.Rules {
			if w, ok := want[r.ID]; ok && r.Properties["security-severity"] != w {
				t.Errorf("%s: security-severity %v, want %v", r.ID, r.Properties["security-severity"], w)
			}
		}
	})
	t.Run("suppressed findings are results with a suppression", func(t *testing.T) {
		var found bool
		for _, r := range run.Results {
			if r.RuleID == "pod/host-path" {
				found = true
				if len(r.Suppressions) != 1 || r.Suppressions[0].Kind != "inSource" || r.Suppressions[0].Justification == "" {
					t.Errorf("suppressions = %+v; want one inSource with the annotation's reason", r.Suppressions)
				}
			}
		}
		if !found {
			t.Error("the suppressed finding is missing")
		}
	})
	t.Run("errors make the run unsuccessful", func(t *testing.T) {
		inv := run.Invocations[0]
		if inv.ExecutionSuccessful || len(inv.ToolExecutionNotifications) != 2 || inv.ToolExecutionNotifications[0].Level != "error" {
			t.Errorf("invocation = %+v; want unsuccessful with one error notification and one note", inv)
		}
		clean := decodeSARIF(t, func(in *report.Input) { in.Errors = nil })
		if !clean.Runs[0].Invocations[0].ExecutionSuccessful {
			t.Error("a scan without errors is reported unsuccessful")
		}
	})
	t.Run("a rule not applied to a namespace is a note that names the rule and keeps the run successful", func(t *testing.T) {
		clean := decodeSARIF(t, func(in *report.Input) { in.Errors = nil })
		inv := clean.Runs[0].Invocations[0]
		if !inv.ExecutionSuccessful || len(inv.ToolExecutionNotifications) != 1 {
			t.Fatalf("invocation = %+v; want successful with one note", inv)
		}
		if n := inv.ToolExecutionNotifications[0]; n.Level != "note" {
			t.Errorf("notification level = %q, want note", n.Level)
		}
	})
	t.Run("config exemptions are external suppressions", func(t *testing.T) {
		d := decodeSARIF(t, func(in *report.Input) { in.Suppressed[0].Suppression.Source = "config" })
		for _, r := range d.Runs[0].Results {
			if r.RuleID == "pod/host-path" && r.Suppressions[0].Kind != "external" {
				t.Errorf("kind %s, want external", r.Suppressions[0].Kind)
			}
		}
	})
}

func TestFingerprints(t *testing.T) {
	prints := func(adjust func(*report.Input)) []string {
		var out []string
		for _, r := range decodeSARIF(t, adjust).Runs[0].Results {
			out = append(out, r.PartialFingerprints["palisade/v1"])
		}
		return out
	}
	base := prints(nil)
	seen := map[string]bool{}
	for _, p := range base {
		if seen[p] {
			t.Errorf("two findings share the fingerprint %s", p)
		}
		seen[p] = true
	}
	moved := prints(func(in *report.Input) {
		for i := range in.Findings {
			in.Findings[i].Location.Line += 7
			in.Findings[i].Message += " (reworded)"
		}
	})
	if strings.Join(moved, ",") != strings.Join(base, ",") {
		t.Error("fingerprints changed when lines moved and messages were reworded")
	}
	renamed := prints(func(in *report.Input) { in.Findings[0].Object.Name = "other" })
	if renamed[0] == base[0] {
		t.Error("the fingerprint did not change with the object's name")
	}
}
