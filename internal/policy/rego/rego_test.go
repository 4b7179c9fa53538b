package rego_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/inventory"
	"palisade.dev/palisade/internal/policy/rego"
	"palisade.dev/palisade/internal/rules"
	"palisade.dev/palisade/internal/source/manifest"
)

const header = `# METADATA
# title: Containers run with a read-only root filesystem
# description: A writable root filesystem lets an intruder change the image's binaries.
# custom:
#   id: custom/read-only-root
#   severity: medium
#   remedy: Set securityContext.readOnlyRootFilesystem to true.
#   scope: pod
package custom.readonly
`

const podPolicy = header + `
violation contains {"msg": "the container's root filesystem is writable", "path": ["containers", i, "securityContext"], "container": c.name} if {
	some i, c in input.pod.spec.containers
	not c.securityContext.readOnlyRootFilesystem
}
`

const objectPolicy = `# METADATA
# title: Services are not of type NodePort
# description: A NodePort opens a port on every node.
# custom:
#   id: custom/no-node-port
#   severity: high
#   remedy: Use a ClusterIP Service behind an Ingress.
#   kinds: [Service]
package custom.nodeport

deny contains {"msg": "the Service is a NodePort", "path": "spec.type"} if input.object.spec.type == "NodePort"
`

const workloads = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: app
        image: nginx:1.27
        securityContext:
          readOnlyRootFilesystem: false
---
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  type: NodePort
  ports: [{port: 80}]
`

// judge evaluates rules on the objects of a YAML stream and returns findings and errors.
func judge(t *testing.T, rs []rules.Rule, yaml string) ([]finding.Finding, []finding.ScanError) {
	t.Helper()
	cat, err := rules.NewCatalog(rs...)
	if err != nil {
		t.Fatal(err)
	}
	ev := cat.NewEvaluation(&rules.Options{}, nil)
	res := manifest.Load(context.Background(), []string{"-"}, manifest.Options{Stdin: strings.NewReader(yaml), OnObject: ev.Object})
	if len(res.Errors) > 0 {
		t.Fatalf("load: %v", res.Errors)
	}
	fs := ev.Finish(res.Inventory)
	finding.Sort(fs)
	return fs, ev.Errors()
}

func load(t *testing.T, files ...rego.File) []rules.Rule {
	t.Helper()
	rs, err := rego.Rules(context.Background(), files, rego.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

func TestPolicyFindingsAreLocatedAtThePathTheyReturn(t *testing.T) {
	rs := load(t, rego.File{Name: "readonly.rego", Data: []byte(podPolicy)}, rego.File{Name: "nodeport.rego", Data: []byte(objectPolicy)})
	fs, errs := judge(t, rs, workloads)
	if len(errs) > 0 {
		t.Fatalf("errors: %v", errs)
	}
	var got []string
	for _, f := range fs {
		got = append(got, f.RuleID+" "+f.Path+" "+f.Location.String()+" "+f.Container)
	}
	want := []string{
		"custom/read-only-root spec.template.spec.containers[0].securityContext -:13:9 app",
		"custom/no-node-port spec.type -:21:3 ",
	}
	if !slices.Equal(got, want) {
		t.Errorf("findings:\n got %q\nwant %q", got, want)
	}
	if fs[0].Severity != finding.Medium || fs[0].Remedy == "" || fs[0].Title != "Containers run with a read-only root filesystem" {
		t.Errorf("metadata not carried: %+v", fs[0])
	}
}

func TestViolationShapes(t *testing.T) {
	for _, tc := range []struct {
		name     string
		item     any
		base     string
		wantPath string
		wantErr  string
	}{
		{"a message alone is at the object", "bad", "", "", ""},
		{"a message alone of a pod policy is at the pod spec", "bad", "spec.template.spec", "spec.template.spec", ""},
		{"a dotted path is kept", map[string]any{"msg": "m", "path": "spec.containers[0].image"}, "", "spec.containers[0].image", ""},
		{"an array path becomes dotted", map[string]any{"msg": "m", "path": []any{"spec", "containers", 2.0, "image"}}, "", "spec.containers[2].image", ""},
		{"a key with a dot or slash is bracketed", map[string]any{"msg": "m", "path": []any{"metadata", "annotations", "example.com/x"}}, "", "metadata.annotations[example.com/x]", ""},
		{"a pod policy's path is below the pod spec", map[string]any{"msg": "m", "path": []any{"containers", 0}}, "spec.template.spec", "spec.template.spec.containers[0]", ""},
		{"a message that is not a string is an error", map[string]any{"msg": 3.0}, "", "", "msg must be a string"},
		{"a path of another type is an error", map[string]any{"msg": "m", "path": true}, "", "", "path must be a string or an array"},
		{"a negative index is an error", map[string]any{"msg": "m", "path": []any{"a", -1.0}}, "", "", "path segments"},
		{"a number is not a violation", 3.0, "", "", "a violation is a message or an object"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			vs := rego.Violations([]any{tc.item}, tc.base)
			if len(vs) != 1 {
				t.Fatalf("got %d violations", len(vs))
			}
			if tc.wantErr != "" {
				if vs[0].Err == nil || !strings.Contains(vs[0].Err.Error(), tc.wantErr) {
					t.Fatalf("error = %v, want %q", vs[0].Err, tc.wantErr)
				}
				return
			}
			if vs[0].Err != nil || vs[0].Path != tc.wantPath {
				t.Errorf("path = %q (err %v), want %q", vs[0].Path, vs[0].Err, tc.wantPath)
			}
		})
	}
}

func TestLoadErrorsNameTheFileAndLine(t *testing.T) {
	for _, tc := range []struct {
		name, src string
		want      []string
	}{
		{"a syntax error", header + "violation contains x if {\n", []string{"p.rego:11:", "rego_parse_error"}},
		{"a compile error", header + "violation contains x if { x := undefined_function(1) }\n", []string{"p.rego:10:", "rego_type_error"}},
		{"violations without an id never run silently", "package p\n\nviolation contains \"x\" if true\n", []string{"p.rego:1:", "no custom.id"}},
		{"an id outside custom/ would take a built-in's place", strings.Replace(podPolicy, "custom/read-only-root", "pod/privileged", 1), []string{"p.rego:1:", "must be custom/"}},
		{"a misspelt metadata key is named", strings.Replace(podPolicy, "remedy:", "remedi:", 1), []string{"unknown key custom.remedi", `did you mean "remedy"`, "custom.remedy is required"}},
		{"a bad severity", strings.Replace(podPolicy, "severity: medium", "severity: urgent", 1), []string{"custom.severity"}},
		{"an object policy names its kinds", strings.Replace(podPolicy, "scope: pod", "scope: object", 1), []string{"custom.kinds is required"}},
		{"metadata without a violation rule", header, []string{"defines no violation"}},
		{"the network is out of a policy's reach", header + "violation contains x if { x := http.send({\"method\": \"get\", \"url\": \"http://example.com\"}) }\n", []string{"p.rego:10:", "undefined function http.send"}},
		{"Palisade's environment is out of a policy's reach", header + "violation contains x if { x := opa.runtime().env.HOME }\n", []string{"p.rego:10:", "undefined function opa.runtime"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := rego.Rules(context.Background(), []rego.File{{Name: "p.rego", Data: []byte(tc.src)}}, rego.Options{})
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
		})
	}
}

func TestPolicyThatCannotJudgeIsAScanErrorOnTheObject(t *testing.T) {
	for _, tc := range []struct {
		name, body string
		timeout    time.Duration
		want       string
	}{
		{"a runtime error", `violation contains "x" if { x := to_number(input.object.metadata.name) }`, 0, "evaluation failed (eval_builtin_error at p.rego:"},
		{"a conflict", "violation := 1 if true\nviolation := 2 if true", 0, "evaluation failed (eval_conflict_error"},
		{"a result that is not a set", `violation := "x"`, 0, "not a set of violations"},
		{"a policy that runs too long", `violation contains "x" if { count([y | some y in numbers.range(1, 100000000)]) > 0 }`, 50 * time.Millisecond, "did not finish within 50ms"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := strings.Replace(objectPolicy, "deny contains", "ignored contains", 1) + tc.body + "\n"
			rs, err := rego.Rules(context.Background(), []rego.File{{Name: "p.rego", Data: []byte(src)}}, rego.Options{Timeout: tc.timeout})
			if err != nil {
				t.Fatal(err)
			}
			fs, errs := judge(t, rs, workloads)
			if len(fs) != 0 {
				t.Errorf("findings %v, want none", fs)
			}
			if len(errs) != 1 || !strings.Contains(errs[0].Message, tc.want) || errs[0].Location.Line != 16 || errs[0].Object.Kind != "Service" {
				t.Fatalf("errors = %v, want one on the Service saying %q", errs, tc.want)
			}
			if !strings.HasPrefix(errs[0].Message, "rule custom/no-node-port: ") {
				t.Errorf("error %q does not name the rule", errs[0].Message)
			}
		})
	}
}

func TestInputShape(t *testing.T) {
	const shape = `# METADATA
# title: t
# description: d
# custom:
#   id: custom/shape
#   severity: info
#   remedy: r
#   kinds: ["*"]
package shape

violation contains sprintf("%s %s/%s %s %s %s", [input.kind.kind, input.namespace, input.name, input.object.apiVersion, input.pod.specPath, input.object.spec.template.spec.containers[0].name]) if input.pod
violation contains sprintf("%s %s %v", [input.kind.kind, input.object.spec.type, input.object.spec.ports[0].port]) if not input.pod
`
	rs := load(t, rego.File{Name: "shape.rego", Data: []byte(shape)})
	fs, errs := judge(t, rs, workloads)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	var got []string
	for _, f := range fs {
		got = append(got, f.Message)
	}
	want := []string{"Deployment default/web apps/v1 spec.template.spec app", "Service NodePort 80"}
	if !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
	_ = inventory.Object{}
}
