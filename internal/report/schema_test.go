package report_test

import (
	"bytes"
	"encoding/xml"
	"os"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/report"
)

// compileSchema compiles a JSON Schema file, asserting formats (uri, uri-reference ...) too.
func compileSchema(t *testing.T, path string) *jsonschema.Schema {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("opening the schema: %v", err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatalf("reading the schema %s: %v", path, err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource(path, doc); err != nil {
		t.Fatalf("adding the schema %s: %v", path, err)
	}
	s, err := c.Compile(path)
	if err != nil {
		t.Fatalf("compiling the schema %s: %v", path, err)
	}
	return s
}

func validate(t *testing.T, s *jsonschema.Schema, out []byte) {
	t.Helper()
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(out))
	if err != nil {
		t.Fatalf("the report is not JSON: %v", err)
	}
	if err := s.Validate(inst); err != nil {
		t.Errorf("the report does not match the schema: %v\n%s", err, out)
	}
}

// inputVariants are the inputs every machine-readable format must describe validly: the
// sample, the sample listing its suppressed findings, a clean scan, and findings that are not
// in a file (standard input, a cluster) or that name rules the input did not list.
func inputVariants() map[string]func(*report.Input) {
	return map[string]func(*report.Input){
		"sample":          nil,
		"show suppressed": func(in *report.Input) { in.ShowSuppressed = true },
		"clean scan": func(in *report.Input) {
			in.Findings, in.Suppressed, in.Errors, in.Targets = nil, nil, nil, nil
		},
		"fail-on none": func(in *report.Input) { in.FailOn = finding.Critical + 1 },
		"outside files": func(in *report.Input) {
			in.Findings[0].Location = finding.Location{File: "-", Document: 3, Line: 2, Column: 1}
			in.Findings[1].Location = finding.Location{Cluster: "prod-eu"}
			in.Findings[1].ObjectAt = finding.Position{}
			in.Findings[2].Location.File = "/abs/path with space/web.yaml"
			in.Errors = append(in.Errors, finding.ScanError{Message: "context deadline exceeded"},
				finding.ScanError{Object: finding.ObjectRef{Kind: "Pod", Name: "p"}, Message: "spec.containers: wrong type"})
		},
		"rules not listed": func(in *report.Input) { in.Rules = nil },
		"clusters":         func(in *report.Input) { *in = *clusterInput() },
		"node audit":       func(in *report.Input) { *in = *nodeInput() },
		"node audit, passes counted only": func(in *report.Input) {
			*in = *nodeInput()
			in.ShowPassed = false
		},
	}
}

func TestJSONMatchesDocumentedSchema(t *testing.T) {
	schema := compileSchema(t, "../../docs/report.schema.json")
	for name, adjust := range inputVariants() {
		t.Run(name, func(t *testing.T) { validate(t, schema, render(t, "json", adjust)) })
	}
}

func TestSARIFMatchesOfficialSchema(t *testing.T) {
	schema := compileSchema(t, "testdata/sarif-schema-2.1.0.json")
	for name, adjust := range inputVariants() {
		t.Run(name, func(t *testing.T) { validate(t, schema, render(t, "sarif", adjust)) })
	}
}

// TestJUnitStructure checks what JUnit consumers (the Ant/Jenkins schema, GitLab) rely on:
// a testsuites root whose counts add up from its suites, suites whose counts add up from
// their cases, every case named and classed, and at most one outcome per case.
func TestJUnitStructure(t *testing.T) {
	type outcome struct {
		Message string `xml:"message,attr"`
		Type    string `xml:"type,attr"`
	}
	type testcase struct {
		Name      string   `xml:"name,attr"`
		Classname string   `xml:"classname,attr"`
		Time      *string  `xml:"time,attr"`
		Failure   *outcome `xml:"failure"`
		Error     *outcome `xml:"error"`
		Skipped   *outcome `xml:"skipped"`
	}
	type counts struct {
		Tests    int `xml:"tests,attr"`
		Failures int `xml:"failures,attr"`
		Errors   int `xml:"errors,attr"`
		Skipped  int `xml:"skipped,attr"`
	}
	type testsuite struct {
		Name string `xml:"name,attr"`
		counts
		Cases []testcase `xml:"testcase"`
	}
	type testsuites struct {
		XMLName xml.Name `xml:"testsuites"`
		counts
		Suites []testsuite `xml:"testsuite"`
	}
	for name, adjust := range inputVariants() {
		t.Run(name, func(t *testing.T) {
			out := render(t, "junit", adjust)
			var root testsuites
			if err := xml.Unmarshal(out, &root); err != nil {
				t.Fatalf("the report is not JUnit XML: %v\n%s", err, out)
			}
			var total counts
			for _, s := range root.Suites {
				var c counts
				if s.Name == "" || len(s.Cases) == 0 {
					t.Errorf("suite %q is unnamed or has no test case", s.Name)
				}
				for _, tc := range s.Cases {
					if tc.Name == "" || tc.Classname == "" || tc.Time == nil {
						t.Errorf("suite %s: a test case lacks name, classname or time: %+v", s.Name, tc)
					}
					n := 0
					for _, o := range []*outcome{tc.Failure, tc.Error, tc.Skipped} {
						if o != nil {
							n++
						}
					}
					if n > 1 {
						t.Errorf("suite %s: case %q has %d outcomes", s.Name, tc.Name, n)
					}
					c.Tests++
					switch {
					case tc.Failure != nil:
						c.Failures++
					case tc.Error != nil:
						c.Errors++
					case tc.Skipped != nil:
						c.Skipped++
					}
				}
				if c != s.counts {
					t.Errorf("suite %s says %+v, its cases add up to %+v", s.Name, s.counts, c)
				}
				total.Tests += c.Tests
				total.Failures += c.Failures
				total.Errors += c.Errors
				total.Skipped += c.Skipped
			}
			if total != root.counts {
				t.Errorf("testsuites says %+v, its suites add up to %+v", root.counts, total)
			}
		})
	}
}

func TestJUnitKeepsXMLValid(t *testing.T) {
	out := render(t, "junit", func(in *report.Input) {
		in.Errors = []finding.ScanError{{Location: finding.Location{File: "bin.yaml"}, Message: "binary file: starts with \x00\x01\x02 ]]> <tag>"}}
	})
	if err := xml.Unmarshal(out, new(struct {
		XMLName xml.Name `xml:"testsuites"`
	})); err != nil {
		t.Fatalf("control characters and ]]> in a message broke the XML: %v", err)
	}
	if !strings.Contains(string(out), "\uFFFD") {
		t.Errorf("control characters were not replaced:\n%s", out)
	}
}

// TestSchemasRejectBrokenReports proves the validations above can fail: a report with a value
// its schema does not allow is rejected.
func TestSchemasRejectBrokenReports(t *testing.T) {
	tests := []struct {
		name, format, schema, from, to string
	}{
		{"JSON with an unknown severity", "json", "../../docs/report.schema.json", `"severity": "high"`, `"severity": "severe"`},
		{"JSON without schemaVersion", "json", "../../docs/report.schema.json", `"schemaVersion"`, `"version"`},
		{"SARIF with an unknown level", "sarif", "testdata/sarif-schema-2.1.0.json", `"level": "error"`, `"level": "fatal"`},
		{"SARIF with a line 0", "sarif", "testdata/sarif-schema-2.1.0.json", `"startLine": 22`, `"startLine": 0`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := string(render(t, tt.format, nil))
			if !strings.Contains(out, tt.from) {
				t.Fatalf("the %s report has no %s to break", tt.format, tt.from)
			}
			broken := strings.Replace(out, tt.from, tt.to, 1)
			inst, err := jsonschema.UnmarshalJSON(strings.NewReader(broken))
			if err != nil {
				t.Fatal(err)
			}
			if compileSchema(t, tt.schema).Validate(inst) == nil {
				t.Errorf("the schema accepted a report with %s", tt.to)
			}
		})
	}
}

// TestDocumentedExampleMatchesSchema keeps the example in docs/report-json.md honest.
func TestDocumentedExampleMatchesSchema(t *testing.T) {
	doc, err := os.ReadFile("../../docs/report-json.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(doc), "```json\n")
	example, _, closed := strings.Cut(rest, "```")
	if !ok || !closed {
		t.Fatal("docs/report-json.md has no ```json example")
	}
	validate(t, compileSchema(t, "../../docs/report.schema.json"), []byte(example))
}
