package cli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"palisade.dev/palisade/internal/cli"
	"palisade.dev/palisade/internal/testfiles"
)

// runWithStdin executes a palisade command line with the given standard input and returns its
// exit code, stdout and stderr.
func runWithStdin(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := cli.Execute(context.Background(), args, cli.Streams{In: strings.NewReader(stdin), Out: &out, Err: &errOut})
	return code, out.String(), errOut.String()
}

// jsonReport is the part of the JSON report these tests read.
type jsonReport struct {
	Findings []jsonFinding    `json:"findings"`
	Errors   []jsonErrorEntry `json:"errors"`
}

type jsonFinding struct {
	Rule     string `json:"rule"`
	Severity string `json:"severity"`
	Object   struct {
		Kind, Namespace, Name string
	} `json:"object"`
	Container string `json:"container"`
	Path      string `json:"path"`
	Evidence  string `json:"evidence"`
	Location  struct {
		File                   string `json:"file"`
		Document, Line, Column int
	} `json:"location"`
}

type jsonErrorEntry struct {
	Message  string `json:"message"`
	Location struct {
		Cluster string `json:"cluster"`
	} `json:"location"`
}

func scanReport(t *testing.T, stdin string, args ...string) (int, jsonReport, string) {
	t.Helper()
	code, out, errOut := runWithStdin(t, stdin, append([]string{"scan", "-o", "json"}, args...)...)
	var rep jsonReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("report is not JSON (%v); stderr: %s\n%s", err, errOut, out)
	}
	return code, rep, errOut
}

func TestHardenedExampleScansClean(t *testing.T) {
	code, rep, errOut := scanReport(t, "", "../../examples/hardened")
	if code != 0 || len(rep.Findings) != 0 || len(rep.Errors) != 0 {
		t.Fatalf("exit %d, %d findings, %d errors; want a clean scan; stderr: %s\n%+v", code, len(rep.Findings), len(rep.Errors), errOut, rep)
	}
}

// TestInsecureExampleFindings pins the complete set of findings of the insecure example, one
// line each (location, rule, object, container, field), in testdata/insecure-example.golden.
func TestInsecureExampleFindings(t *testing.T) {
	code, rep, errOut := scanReport(t, "", "../../examples/insecure")
	if code != 1 {
		t.Fatalf("exit %d, want 1 (findings at or above high); stderr: %s", code, errOut)
	}
	if len(rep.Errors) > 0 {
		t.Fatalf("scan errors: %+v", rep.Errors)
	}
	var lines []string
	for _, f := range rep.Findings {
		lines = append(lines, fmt.Sprintf("%s:%d:%d %s %s %s/%s/%s %s %s", filepath.ToSlash(f.Location.File), f.Location.Line, f.Location.Column,
			f.Severity, f.Rule, f.Object.Kind, f.Object.Namespace, f.Object.Name, f.Container, f.Path))
	}
	got := strings.Join(lines, "\n") + "\n"
	testfiles.Golden(t, filepath.Join("testdata", "insecure-example.golden"), []byte(got))
	// The example's typos are each caught where they are written.
	for _, rule := range []string{"manifest/unknown-field", "manifest/invalid-value"} {
		if !strings.Contains(got, " "+rule+" ") {
			t.Errorf("the insecure example should report %s", rule)
		}
	}
}

func TestScanExitCodes(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	privileged := write("privileged.yaml", `apiVersion: v1
kind: Pod
metadata: {name: p, namespace: ns}
spec:
  containers:
  - name: c
    image: registry.example/app@sha256:`+strings.Repeat("a", 64)+`
    securityContext: {privileged: true}
`)
	malformed := write("malformed.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: [x\n")
	configMap := write("cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: ns}\n")

	cases := []struct {
		name string
		args []string
		want int
	}{
		{"no finding at or above fail-on exits 0", []string{"scan", configMap, "--fail-on", "critical"}, 0},
		{"a critical finding exits 1", []string{"scan", privileged}, 1},
		{"fail-on none never fails on findings", []string{"scan", privileged, "--fail-on", "none"}, 0},
		{"scan errors exit 2 even beside findings", []string{"scan", privileged, malformed}, 2},
		{"a missing path exits 2", []string{"scan", filepath.Join(dir, "missing.yaml")}, 2},
		{"an unknown rule ID exits 2", []string{"scan", configMap, "--rule", "pod/run-as-nonroot"}, 2},
		{"an unknown format exits 2", []string{"scan", configMap, "-o", "yaml"}, 2},
		{"an unknown severity exits 2", []string{"scan", configMap, "--fail-on", "severe"}, 2},
		{"an invalid PSS version exits 2", []string{"scan", configMap, "--pss-version", "1.30"}, 2},
		{"an invalid Kubernetes version exits 2", []string{"scan", configMap, "--kubernetes-version", "1.30.1"}, 2},
		{"two reports to stdout exit 2", []string{"scan", configMap, "-o", "json", "-o", "sarif"}, 2},
		{"an unknown report API exits 2", []string{"scan", configMap, "-o", "policyreport", "--report-api", "kyverno"}, 2},
		{"a link base that is not a web URL exits 2", []string{"scan", configMap, "-o", "markdown", "--link-base", "javascript:alert(1)"}, 2},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, _, errOut := run(t, c.args...)
			if code != c.want {
				t.Errorf("exit %d, want %d; stderr: %s", code, c.want, errOut)
			}
		})
	}
}

func TestScanErrorsAreReportedBesideFindings(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "a.yaml"), []byte("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: c\n    image: x\n    securityContext: {privileged: true}\n---\nkind: [\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, rep, _ := scanReport(t, "", dir)
	if code != 2 {
		t.Fatalf("exit %d, want 2", code)
	}
	if len(rep.Errors) != 1 || !strings.Contains(rep.Errors[0].Message, "malformed YAML") {
		t.Errorf("errors = %+v, want one malformed YAML error", rep.Errors)
	}
	var privileged bool
	for _, f := range rep.Findings {
		privileged = privileged || f.Rule == "pod/privileged"
	}
	if !privileged {
		t.Error("the valid document before the malformed one was not scanned")
	}
}

func TestScanReadsStdin(t *testing.T) {
	code, rep, errOut := scanReport(t, "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: ns}\nspec:\n  hostPID: true\n  containers:\n  - {name: c, image: x}\n", "-", "--rule", "pod/host-pid")
	if code != 1 || len(rep.Findings) != 1 || rep.Findings[0].Location.File != "-" || rep.Findings[0].Location.Line != 5 {
		t.Fatalf("exit %d, findings %+v; stderr %s", code, rep.Findings, errOut)
	}
}

func TestSeveralReportsInOneRun(t *testing.T) {
	dir := t.TempDir()
	sarif, junit := filepath.Join(dir, "r.sarif"), filepath.Join(dir, "r.xml")
	code, out, errOut := run(t, "scan", "../../examples/insecure", "-o", "text", "-o", "sarif="+sarif, "-o", "junit="+junit)
	if code != 1 {
		t.Fatalf("exit %d; stderr %s", code, errOut)
	}
	if !strings.Contains(out, "Summary:") {
		t.Errorf("text report missing on stdout:\n%s", out)
	}
	for _, p := range []string{sarif, junit} {
		if b, err := os.ReadFile(p); err != nil || len(b) == 0 {
			t.Errorf("%s not written: %v", p, err)
		}
	}
}
