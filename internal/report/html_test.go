package report_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/report"
)

// reachabilityInput is the sample scan with the reachability of its NetworkPolicies.
func reachabilityInput() *report.Input {
	in := sampleInput()
	in.Reachability = &report.Reachability{
		Classes: 3, CrossNamespace: true,
		Namespaces: []report.NamespaceReachability{
			{Namespace: "prod", Workloads: 1, FromOtherNamespaces: 1, FromOutside: 1, ToOutside: 1},
			{Namespace: "shop", Workloads: 2, Policies: 3, FromOtherNamespaces: 0, FromOutside: 1, ToOutside: 0},
		},
		Problems: []string{"shop/web: spec.ingress[0].from[0].ipBlock.cidr is not a CIDR (a string of 9 characters)"},
	}
	return in
}

func TestHTMLGolden(t *testing.T) {
	testGoldenInputs(t, "html", []goldenInput{
		{"html.golden", reachabilityInput},
		{"node-html.golden", nodeInput},
		{"cluster-html.golden", clusterInput},
	})
}

// pageData is the JSON the page embeds, read back.
type pageData struct {
	Rules []struct {
		ID, Title, Area, Help string
	}
	Findings   [][]any
	Suppressed [][]any
	Strings    []string
}

// embeddedData reads the data of a page back from its script element.
func embeddedData(t testing.TB, page string) pageData {
	t.Helper()
	const open = `<script type="application/json" id="report-data">`
	_, rest, ok := strings.Cut(page, open)
	if !ok {
		t.Fatal("the page has no data element")
	}
	raw, _, ok := strings.Cut(rest, "</script>")
	if !ok {
		t.Fatal("the data element is not closed")
	}
	var d pageData
	if err := json.Unmarshal([]byte(raw), &d); err != nil {
		t.Fatalf("the embedded data of %d bytes is not JSON: %v", len(raw), err)
	}
	return d
}

func TestHTMLShows(t *testing.T) {
	noErrors := func(in *report.Input) { in.Errors, in.NotApplied = nil, nil }
	tests := []struct {
		name    string
		adjust  func(*report.Input)
		want    []string
		notWant []string
	}{
		{"a scan with errors says it is incomplete and shows them on top",
			func(in *report.Input) { in.Findings = nil },
			[]string{`verdict incomplete`, `id="errors-banner"`, "1 error: what Palisade could not read", "deploy/broken.yaml:3:7: yaml: mapping values"},
			[]string{`verdict passed`}},
		{"a failing scan with errors still shows the errors banner",
			nil,
			[]string{`verdict failed`, `id="errors-banner"`, `id="coverage-banner"`, "1 coverage note", "namespace/default-deny not applied to prod"},
			nil},
		{"a clean scan shows no banner and says so",
			func(in *report.Input) { noErrors(in); in.Findings = nil },
			[]string{`verdict passed`, "None: every input was read and judged."},
			[]string{`id="errors-banner"`, `id="coverage-banner"`}},
		{"the summary counts by severity, area, namespace and rule",
			nil,
			[]string{`id="chart-severity"`, `<title>critical: 1</title>`, `<title>Workloads: 4</title>`, `<title>Namespaces: 1</title>`,
				`<title>shop: 4</title>`, `<title>pod/privileged: 1</title>`, `data-key="area" data-value="workload"`, `class="threshold"`},
			nil},
		{"the suppressed findings have their tab whatever --show-suppressed says",
			nil,
			[]string{`data-tab="suppressed" aria-selected="false">Suppressed (1)`},
			nil},
		{"a manifest scan has no benchmark tab, nor a reachability tab without policies",
			nil,
			nil,
			[]string{`data-tab="benchmark"`, `data-tab="reachability"`}},
		{"the reachability tab shows each namespace and the engine's problems",
			func(in *report.Input) { *in = *reachabilityInput() },
			[]string{`data-tab="reachability"`, "<tr><td>shop</td><td>2</td><td>3</td><td>0</td><td>1</td><td>0</td></tr>", "warning: shop/web: spec.ingress[0]", "palisade netpol -o html"},
			[]string{`id="reachability-note"`}},
		{"too many classes of workloads leave the reach across namespaces uncounted, and say so",
			func(in *report.Input) {
				*in = *reachabilityInput()
				in.Reachability.CrossNamespace, in.Reachability.Classes = false, 20000
			},
			[]string{`id="reachability-note"`, "20000 classes", "<tr><td>shop</td><td>2</td><td>3</td><td>not counted</td><td>1</td><td>0</td></tr>"},
			nil},
		{"the node benchmark lists every verdict by CIS ID",
			func(in *report.Input) { *in = *nodeInput() },
			[]string{`data-tab="benchmark"`, `1 failed, 1 passed, 1 not applicable`, `class="status-fail">fail`, `class="status-pass">pass`, `class="status-not-applicable">not-applicable`},
			nil},
		{"text of the input is escaped in the markup",
			func(in *report.Input) {
				in.Targets = []string{`<img src=x onerror=alert(1)>`}
				in.Errors[0].Message = `</script><script>alert(1)</script>`
			},
			[]string{"&lt;img src=x onerror=alert(1)&gt;", "&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;"},
			[]string{`<img src=x`, "<script>alert(1)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			page := string(render(t, "html", tt.adjust))
			for _, w := range tt.want {
				if !strings.Contains(page, w) {
					t.Errorf("the page lacks %q", w)
				}
			}
			for _, w := range tt.notWant {
				if strings.Contains(page, w) {
					t.Errorf("the page has %q", w)
				}
			}
		})
	}
}

func TestHTMLDataHoldsEveryFinding(t *testing.T) {
	in := sampleInput()
	var b bytes.Buffer
	if err := report.Write(&b, "html", in); err != nil {
		t.Fatal(err)
	}
	d := embeddedData(t, b.String())
	if len(d.Findings) != len(in.Findings) || len(d.Suppressed) != len(in.Suppressed) {
		t.Fatalf("%d findings and %d suppressed in the page, want %d and %d", len(d.Findings), len(d.Suppressed), len(in.Findings), len(in.Suppressed))
	}
	str := func(v any) string { return d.Strings[int(v.(float64))] }
	for i, row := range d.Findings {
		f := in.Findings[i]
		rule := d.Rules[int(row[0].(float64))]
		if rule.ID != f.RuleID || row[11] != f.Message || str(row[12]) != f.Evidence || str(row[13]) != f.Remedy {
			t.Errorf("row %d is %v (rule %s), want the finding of %s: %q", i, row, rule.ID, f.RuleID, f.Message)
		}
		if obj := str(row[3]) + row[4].(string); obj != f.Object.String() {
			t.Errorf("row %d names the object %q, want %q", i, obj, f.Object.String())
		}
		if loc := fmt.Sprintf("%s:%v:%v", str(row[6]), row[7], row[8]); loc != f.Location.String() {
			t.Errorf("row %d is at %q, want %q", i, loc, f.Location.String())
		}
		if finding.Severity(row[1].(float64)) != f.Severity {
			t.Errorf("row %d has severity %v, want %s", i, row[1], f.Severity)
		}
	}
	if got := str(d.Suppressed[0][14]); got != "annotation: node-exporter reads the node's /proc by design" {
		t.Errorf("the suppressed finding's note is %q", got)
	}
}
