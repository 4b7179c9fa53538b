package report_test

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"k8s.io/apiextensions-apiserver/pkg/apis/apiextensions"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	structuralschema "k8s.io/apiextensions-apiserver/pkg/apiserver/schema"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema/objectmeta"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema/pruning"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/validation"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	utiljson "k8s.io/apimachinery/pkg/util/json"
	apimachineryvalidation "k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/report"
	"palisade.dev/palisade/internal/testfiles"
)

// scanTime is the fixed time the policy report tests stamp results with.
var scanTime = time.Date(2026, time.December, 7, 8, 0, 0, 250_000_000, time.UTC)

// policyReportCases are the inputs the policy report is pinned and validated on, for both APIs.
func policyReportCases() []struct {
	name string
	in   func() *report.Input
} {
	return []struct {
		name string
		in   func() *report.Input
	}{
		{"manifests", sampleInput},
		{"manifests-show-passed", func() *report.Input { in := sampleInput(); in.ShowPassed = true; return in }},
		{"clusters", clusterInput},
		{"node", nodeInput},
		{"hostile-text", hostileInput},
	}
}

// hostileInput has findings whose names and messages are what a manifest may hold: quotes,
// line breaks, YAML syntax, long text, a namespace that is not a DNS label.
func hostileInput() *report.Input {
	long := strings.Repeat("remedy text é ", 200)
	return &report.Input{
		Command: "scan", Version: "dev", FailOn: finding.High,
		Findings: []finding.Finding{{
			RuleID: "policy/custom: x", Severity: finding.High, Title: "---\n- a: b",
			Object:  finding.ObjectRef{APIVersion: "v1", Kind: "Pod", Namespace: "Team_A", Name: "a\"b'c: {d}"},
			Message: "line one\nline two: - [x] |\t\"quoted\" & <b>bold</b>", Remedy: long, Evidence: "key: 'value'",
			Location: finding.Location{File: "dir with space/a:b.yaml", Line: 3, Column: 1},
		}},
		Errors: []finding.ScanError{{Message: "cannot decode object: field \"spec\" of type string, 12 bytes", Object: finding.ObjectRef{Kind: "Pod", Namespace: "other", Name: "x"}}},
	}
}

func TestPolicyReportGolden(t *testing.T) {
	tests := []struct {
		golden string
		in     func() *report.Input
		api    report.ReportAPI
	}{
		{"policyreport.golden", sampleInput, report.PolicyReportAPI},
		{"policyreport-openreports.golden", sampleInput, report.OpenReportsAPI},
		{"cluster-policyreport.golden", clusterInput, report.PolicyReportAPI},
		{"node-policyreport.golden", nodeInput, report.PolicyReportAPI},
		{"node-openreports.golden", nodeInput, report.OpenReportsAPI},
	}
	for _, tt := range tests {
		t.Run(tt.golden, func(t *testing.T) {
			got := writePolicyReport(t, tt.in(), tt.api)
			testfiles.Golden(t, filepath.Join("testdata", tt.golden), got)
			if again := writePolicyReport(t, tt.in(), tt.api); !bytes.Equal(got, again) {
				t.Error("two renderings of the same input differ: the policy report is not deterministic")
			}
		})
	}
}

func writePolicyReport(t *testing.T, in *report.Input, api report.ReportAPI) []byte {
	t.Helper()
	in.Now, in.ReportAPI = scanTime, api
	var b bytes.Buffer
	if err := report.Write(&b, "policyreport", in); err != nil {
		t.Fatalf("writing the policy report: %v", err)
	}
	return b.Bytes()
}

// crdSchemas are the published CRDs' schemas of the version Palisade writes, by kind.
type crdSchemas map[string]*apiextensions.JSONSchemaProps

// readCRD reads a CRD of deploy/operator/crds, the published CRDs palisade operator needs.
func readCRD(t *testing.T, file string) *apiextensionsv1.CustomResourceDefinition {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "deploy", "operator", "crds", file))
	if err != nil {
		t.Fatal(err)
	}
	var crd apiextensionsv1.CustomResourceDefinition
	if err := yaml.UnmarshalStrict(data, &crd); err != nil {
		t.Fatalf("reading %s: %v", file, err)
	}
	return &crd
}

func loadCRDs(t *testing.T, version string, files ...string) crdSchemas {
	t.Helper()
	out := crdSchemas{}
	for _, f := range files {
		crd := readCRD(t, f)
		for _, v := range crd.Spec.Versions {
			if v.Name != version {
				continue
			}
			var s apiextensions.JSONSchemaProps
			if err := apiextensionsv1.Convert_v1_JSONSchemaProps_To_apiextensions_JSONSchemaProps(v.Schema.OpenAPIV3Schema, &s, nil); err != nil {
				t.Fatalf("converting the schema of %s: %v", f, err)
			}
			out[crd.Spec.Group+"/"+version+"/"+crd.Spec.Names.Kind] = &s
		}
	}
	return out
}

// validateObject checks an object as the API server would on create: the CRD's schema, the
// object's metadata, and no field the schema does not know (which the server would drop
// silently, losing what Palisade wrote).
func validateObject(t *testing.T, schemas crdSchemas, obj map[string]any) field.ErrorList {
	t.Helper()
	apiVersion, _ := obj["apiVersion"].(string)
	kind, _ := obj["kind"].(string)
	s, ok := schemas[apiVersion+"/"+kind]
	if !ok {
		return field.ErrorList{field.NotSupported[string](field.NewPath("kind"), apiVersion+"/"+kind, nil)}
	}
	validator, _, err := validation.NewSchemaValidator(s)
	if err != nil {
		t.Fatal(err)
	}
	errs := validation.ValidateCustomResource(nil, obj, validator)
	structural, err := structuralschema.NewStructural(s)
	if err != nil {
		t.Fatal(err)
	}
	errs = append(errs, objectmeta.Validate(context.Background(), nil, obj, structural, true)...)
	meta, _ := obj["metadata"].(map[string]any)
	name, _ := meta["name"].(string)
	for _, msg := range apimachineryvalidation.IsDNS1123Subdomain(name) {
		errs = append(errs, field.Invalid(field.NewPath("metadata", "name"), name, msg))
	}
	labels := map[string]string{}
	if l, ok := meta["labels"].(map[string]any); ok {
		for k, v := range l {
			labels[k], _ = v.(string)
		}
	}
	errs = append(errs, metav1validation.ValidateLabels(labels, field.NewPath("metadata", "labels"))...)
	unknown := pruning.PruneWithOptions(obj, structural, true, structuralschema.UnknownFieldPathOptions{TrackUnknownFieldPaths: true})
	for _, p := range unknown {
		errs = append(errs, field.Forbidden(field.NewPath(p), "not in the CRD's schema: the API server would drop it"))
	}
	return errs
}

// decodeStream reads every document of a YAML stream as the API server reads JSON.
func decodeStream(t *testing.T, data []byte) []map[string]any {
	t.Helper()
	var out []map[string]any
	r := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(data)))
	for {
		doc, err := r.Read()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		if len(bytes.TrimSpace(doc)) == 0 {
			continue
		}
		j, err := yaml.YAMLToJSON(doc)
		if err != nil {
			t.Fatalf("document %d is not YAML: %v", len(out)+1, err)
		}
		var obj map[string]any
		if err := utiljson.Unmarshal(j, &obj); err != nil {
			t.Fatal(err)
		}
		out = append(out, obj)
	}
}

func TestPolicyReportsValidateAgainstTheirCRDs(t *testing.T) {
	apis := []struct {
		api     report.ReportAPI
		schemas crdSchemas
	}{
		{report.PolicyReportAPI, loadCRDs(t, "v1alpha2", "wgpolicyk8s.io_policyreports.yaml", "wgpolicyk8s.io_clusterpolicyreports.yaml")},
		{report.OpenReportsAPI, loadCRDs(t, "v1alpha1", "openreports.io_reports.yaml", "openreports.io_clusterreports.yaml")},
	}
	for _, a := range apis {
		if len(a.schemas) != 2 {
			t.Fatalf("%s: found %d schemas in the CRDs, want 2", a.api, len(a.schemas))
		}
		for _, c := range policyReportCases() {
			t.Run(string(a.api)+"/"+c.name, func(t *testing.T) {
				in := c.in()
				objs := decodeStream(t, writePolicyReport(t, in, a.api))
				if len(objs) == 0 {
					t.Fatal("no report written")
				}
				for _, obj := range objs {
					for _, e := range validateObject(t, a.schemas, obj) {
						t.Errorf("%s %v: %v", obj["kind"], obj["metadata"], e)
					}
				}
			})
		}
	}
}

// TestPolicyReportCountsEveryVerdict holds each report's summary to its results, and the
// results to the input: every finding, suppressed finding, listed pass, coverage note and
// error is one result.
func TestPolicyReportCountsEveryVerdict(t *testing.T) {
	for _, c := range policyReportCases() {
		t.Run(c.name, func(t *testing.T) {
			in := c.in()
			want := map[string]int{"fail": len(in.Findings), "skip": len(in.Suppressed), "error": len(in.Errors)}
			for _, na := range in.NotApplied {
				want["skip"] += len(na.Rules) * max(len(na.Namespaces), 1)
			}
			if in.ShowPassed {
				for _, p := range in.Passed {
					if p.Status == finding.NotApplicable {
						want["skip"]++
					} else {
						want["pass"]++
					}
				}
			}
			got := map[string]int{}
			for _, obj := range decodeStream(t, writePolicyReport(t, in, report.PolicyReportAPI)) {
				results, _ := obj["results"].([]any)
				counted := map[string]int{}
				for _, r := range results {
					verdict := r.(map[string]any)["result"].(string)
					counted[verdict]++
					got[verdict]++
				}
				summary, _ := obj["summary"].(map[string]any)
				for _, verdict := range []string{"pass", "fail", "warn", "error", "skip"} {
					if n, _ := summary[verdict].(int64); int(n) != counted[verdict] {
						t.Errorf("%s: summary.%s is %d, the results hold %d", obj["kind"], verdict, n, counted[verdict])
					}
				}
			}
			for _, verdict := range []string{"pass", "fail", "error", "skip"} {
				if got[verdict] != want[verdict] {
					t.Errorf("%d %s results, want %d", got[verdict], verdict, want[verdict])
				}
			}
		})
	}
}

func TestParseReportAPI(t *testing.T) {
	tests := []struct {
		name, in string
		want     report.ReportAPI
		wantErr  bool
	}{
		{"empty is the Policy WG's API", "", report.PolicyReportAPI, false},
		{"wgpolicyk8s", "wgpolicyk8s", report.PolicyReportAPI, false},
		{"openreports in any case", "OpenReports", report.OpenReportsAPI, false},
		{"an unknown API is refused", "kyverno", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := report.ParseReportAPI(tt.in)
			if (err != nil) != tt.wantErr || got != tt.want {
				t.Errorf("ParseReportAPI(%q) = %q, %v; want %q (error %v)", tt.in, got, err, tt.want, tt.wantErr)
			}
		})
	}
}

// TestPolicyReportObjectsAreTheStreamsDocuments pins that the reports the operator writes one
// by one are the documents -o policyreport writes, each named as its metadata says and
// annotated with its digest.
func TestPolicyReportObjectsAreTheStreamsDocuments(t *testing.T) {
	for _, tc := range policyReportCases() {
		for _, api := range report.ReportAPIs() {
			t.Run(tc.name+"/"+string(api), func(t *testing.T) {
				stream := writePolicyReport(t, tc.in(), api)
				in := tc.in()
				in.Now, in.ReportAPI = scanTime, api
				set := report.BuildPolicyReports(in)
				objects := set.Objects
				docs := make([]string, len(objects))
				for i, o := range objects {
					yaml := set.YAML(i)
					// Quoted when a YAML reader could take it for a number (6e1...).
					annotation := "  annotations:\n    " + report.DigestAnnotation + ": " + o.Digest + "\n"
					if quoted := strings.Replace(annotation, o.Digest, `"`+o.Digest+`"`, 1); strings.Contains(string(yaml), quoted) {
						annotation = quoted
					}
					if !strings.Contains(string(yaml), annotation) {
						t.Errorf("report %s does not carry its digest %s", o.Name, o.Digest)
					}
					docs[i] = strings.Replace(string(yaml), annotation, "", 1)
					got := decodeStream(t, yaml)
					if len(got) != 1 {
						t.Fatalf("report %s holds %d documents, want 1", o.Name, len(got))
					}
					meta, _ := got[0]["metadata"].(map[string]any)
					if got[0]["kind"] != o.Kind || got[0]["apiVersion"] != o.APIVersion || meta["name"] != o.Name || (meta["namespace"] != nil && meta["namespace"] != o.Namespace) {
						t.Errorf("report %s/%s %s/%s: its YAML says %v %v %v", o.Kind, o.APIVersion, o.Namespace, o.Name, got[0]["kind"], got[0]["apiVersion"], meta)
					}
				}
				if joined := strings.Join(docs, "---\n"); joined != string(stream) {
					t.Errorf("the reports joined differ from the stream:\n%s\nstream:\n%s", joined, stream)
				}
				// The digest ignores the time: the same findings an hour later are the same.
				later := tc.in()
				later.Now, later.ReportAPI = scanTime.Add(time.Hour), api
				for i, o := range report.BuildPolicyReports(later).Objects {
					if o.Digest != objects[i].Digest || o.Digest == "" {
						t.Errorf("report %s: digest %q an hour later, %q before", o.Name, o.Digest, objects[i].Digest)
					}
				}
			})
		}
	}
}
