package manifest_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"palisade.dev/palisade/internal/source/manifest"
)

// streamCase is an input read from standard input and what it must give: each object as
// name@document:line:column of the object, each field as name.path@line:column, and each error
// as line:column:substring (column 0: any).
type streamCase struct {
	name   string
	input  string
	want   []string
	fields []string
	errors []string
}

func runStreamCases(t *testing.T, tests []streamCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := manifest.Load(context.Background(), []string{"-"}, manifest.Options{Stdin: strings.NewReader(tt.input)})
			var got []string
			for _, o := range res.Inventory.Objects() {
				loc := o.Locate("")
				got = append(got, fmt.Sprintf("%s@%d:%d:%d", o.Name, o.Origin.Document, loc.Line, loc.Column))
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("objects %v, want %v", got, tt.want)
			}
			for _, f := range tt.fields {
				ref, want, _ := strings.Cut(f, "@")
				name, path, _ := strings.Cut(ref, ".")
				found := false
				for _, o := range res.Inventory.Objects() {
					if o.Name == name {
						found = true
						loc := o.Locate(path)
						if g := fmt.Sprintf("%d:%d", loc.Line, loc.Column); g != want {
							t.Errorf("%s %s at %s, want %s", name, path, g, want)
						}
					}
				}
				if !found {
					t.Errorf("no object %s", name)
				}
			}
			var gotErrs []string
			for _, e := range res.Errors {
				gotErrs = append(gotErrs, fmt.Sprintf("%d:%d:%s", e.Location.Line, e.Location.Column, e.Message))
			}
			if len(gotErrs) != len(tt.errors) {
				t.Fatalf("errors %q, want %q", gotErrs, tt.errors)
			}
			for i, want := range tt.errors {
				line, rest, _ := strings.Cut(want, ":")
				col, sub, _ := strings.Cut(rest, ":")
				gl, grest, _ := strings.Cut(gotErrs[i], ":")
				gc, _, _ := strings.Cut(grest, ":")
				if gl != line || (col != "0" && gc != col) || !strings.Contains(gotErrs[i], sub) {
					t.Errorf("error %q, want at %s:%s and %q", gotErrs[i], line, col, sub)
				}
			}
		})
	}
}

func jsonConfigMap(name string) string {
	return `{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "` + name + `"}}`
}

// TestLoadJSONStreams pins that a stream of JSON objects is read object by object, as
// kubectl's YAMLOrJSONDecoder reads it, with the position of every object and field, and that
// text after an object is judged, never ignored.
func TestLoadJSONStreams(t *testing.T) {
	runStreamCases(t, []streamCase{
		{
			name:   "objects on lines of their own",
			input:  jsonConfigMap("one") + "\n" + jsonConfigMap("two") + "\n",
			want:   []string{"one@1:1:1", "two@2:2:1"},
			fields: []string{"two.metadata.name@2:56"},
		},
		{
			name:   "objects back to back on one line",
			input:  jsonConfigMap("one") + jsonConfigMap("two") + "  " + jsonConfigMap("three"),
			want:   []string{"one@1:1:1", "two@2:1:71", "three@3:1:143"},
			fields: []string{"two.metadata@1:113", "three.metadata.name@1:198"},
		},
		{
			name: "multi-line objects with blank lines and comments between them",
			input: "# rendered\n{\n  \"apiVersion\": \"v1\",\n  \"kind\": \"ConfigMap\",\n  \"metadata\": {\"name\": \"one\"}\n}\n\n" +
				"# next\n{\n  \"apiVersion\": \"v1\",\n  \"kind\": \"ConfigMap\",\n  \"metadata\": {\"name\": \"two\"}\n}\n",
			want:   []string{"one@1:2:1", "two@2:9:1"},
			fields: []string{"two.kind@11:3", "one.metadata.name@5:16"},
		},
		{
			name:  "a JSON stream after a separator",
			input: configMap("yaml") + "---\n" + jsonConfigMap("one") + jsonConfigMap("two") + "\n",
			want:  []string{"yaml@1:1:1", "one@2:6:1", "two@3:6:71"},
		},
		{
			name:   "text after an object that is not an object is an error there",
			input:  jsonConfigMap("one") + " GITHUB_TOKEN=ghp_0123456789abcdefghij0123456789abcdef\n",
			want:   []string{"one@1:1:1"},
			errors: []string{"1:0:document is not an object (it is a string of 53 characters)"},
		},
		{
			name:   "a list after an object is an error there",
			input:  jsonConfigMap("one") + "\n[1, 2]\n",
			want:   []string{"one@1:1:1"},
			errors: []string{"2:0:document is not an object (it is a list)"},
		},
		{
			name:  "YAML after a JSON object is read as YAML, as kubectl reads it",
			input: jsonConfigMap("one") + "\n" + configMap("two"),
			want:  []string{"one@1:1:1", "two@2:2:1"},
		},
		{
			name:   "a malformed object after a good one is an error at its line",
			input:  jsonConfigMap("one") + "\n{\"apiVersion\": \"v1\",\n \"kind\" \"ConfigMap\"}\n",
			want:   []string{"one@1:1:1"},
			errors: []string{"2:0:malformed YAML: did not find expected ',' or '}'"},
		},
		{
			name:   "YAML flow maps back to back: the text after the first is an error",
			input:  "{apiVersion: v1, kind: ConfigMap, metadata: {name: one}}\n{apiVersion: v1, kind: ConfigMap, metadata: {name: two}}\n",
			errors: []string{"2:0:text after the document's value"},
		},
		{
			name:   "a quoted scalar followed by more text is an error, not the first value alone",
			input:  "'first' second\n---\n" + configMap("after"),
			want:   []string{"after@2:3:1"},
			errors: []string{"1:0:malformed YAML"},
		},
		{
			name:  "one JSON object with trailing white space stays one document",
			input: jsonConfigMap("one") + "  \n\n",
			want:  []string{"one@1:1:1"},
		},
	})
}

// TestLoadSeparatorsAsKubectl pins where a stream splits: at every line that starts with
// "---", as k8s.io/apimachinery's YAML reader splits, with a comment or white space after the
// marker or not, and with an error where that reader refuses the line.
func TestLoadSeparatorsAsKubectl(t *testing.T) {
	role := "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: role\n"
	binding := "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata:\n  name: binding\n" +
		"roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: role}\n"
	runStreamCases(t, []streamCase{
		{
			name:  "---# text, as a Helm chart renders it when a template trims the newline",
			input: role + "---# Source: chart/templates/rbac.yaml\n" + binding,
			want:  []string{"role@1:1:1", "binding@2:6:1"},
		},
		{
			name:  "--- # text",
			input: role + "--- # next\n" + binding,
			want:  []string{"role@1:1:1", "binding@2:6:1"},
		},
		{
			name:  "--- followed by a tab",
			input: role + "---\t\n" + binding,
			want:  []string{"role@1:1:1", "binding@2:6:1"},
		},
		{
			name:  "--- followed by spaces and a CR",
			input: role + "---   \r\n" + binding,
			want:  []string{"role@1:1:1", "binding@2:6:1"},
		},
		{
			name:  "--- followed by a no-break space and a comment",
			input: role + "---\u00a0# c\n" + binding,
			want:  []string{"role@1:1:1", "binding@2:6:1"},
		},
		{
			name:   "---x is refused by kubectl: an error at its line, and the documents around it are read",
			input:  role + "---x\n" + binding,
			want:   []string{"role@1:1:1", "binding@3:6:1"},
			errors: []string{"5:0:invalid document separator"},
		},
		{
			name:   "---- is refused by kubectl too",
			input:  role + "----\n" + binding,
			want:   []string{"role@1:1:1", "binding@3:6:1"},
			errors: []string{"5:0:invalid document separator"},
		},
		{
			name:  "a pod after ---# in a plain file is judged, not lost behind a syntax error",
			input: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: first\nspec:\n  containers: [{name: a, image: a}]\n---#\napiVersion: v1\nkind: Pod\nmetadata:\n  name: second\nspec:\n  containers: [{name: b, image: b}]\n",
			want:  []string{"first@1:1:1", "second@2:8:1"},
		},
	})
}

// TestLoadNestedLists pins that Lists inside Lists are flattened at any depth up to a bound,
// every item keeping its position, and that past the bound the rest is an error.
func TestLoadNestedLists(t *testing.T) {
	var deepWant []string
	for i := range 16 {
		deepWant = append(deepWant, fmt.Sprintf("level%d@1:%d:%d", i+1, 4+6*i, 2*i+3))
	}
	runStreamCases(t, []streamCase{
		{
			name: "a List in a List",
			input: `apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: ConfigMap
  metadata: {name: outer}
- apiVersion: v1
  kind: List
  items:
  - apiVersion: v1
    kind: ConfigMap
    metadata: {name: inner}
  - apiVersion: v1
    kind: PodList
    items:
    - apiVersion: v1
      kind: Pod
      metadata: {name: innermost}
      spec:
        containers: [{name: c, image: i}]
- apiVersion: v1
  kind: ConfigMap
  metadata: {name: last}
`,
			want:   []string{"outer@1:4:3", "inner@1:10:5", "innermost@1:16:7", "last@1:21:3"},
			fields: []string{"innermost.spec.containers[0].image@20:32", "inner.metadata.name@12:16"},
		},
		{
			name:  "Lists in a JSON List",
			input: `{"apiVersion": "v1", "kind": "List", "items": [{"apiVersion": "v1", "kind": "List", "items": [{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "deep"}}]}]}`,
			want:  []string{"deep@1:1:95"},
		},
		{
			name:   "Lists nested deeper than the bound are an error, the items above it are read",
			input:  deepList(20),
			want:   deepWant,
			errors: []string{"97:33:List nested in more than 16 Lists"},
		},
		{
			name:   "a List given through an alias inside a List is refused, not multiplied",
			input:  "apiVersion: v1\nkind: List\nitems:\n- &l {apiVersion: v1, kind: List, items: [{apiVersion: v1, kind: ConfigMap, metadata: {name: x}}]}\n- *l\n",
			want:   []string{"x@1:4:43"},
			errors: []string{"5:3:a List given as an alias inside a List"},
		},
	})
}

// deepList nests depth Lists, each holding a ConfigMap (levelN) and then the next List.
func deepList(depth int) string {
	var b strings.Builder
	b.WriteString("apiVersion: v1\n")
	for i := range depth {
		ind := strings.Repeat("  ", i)
		b.WriteString(ind + "kind: List\n" + ind + "items:\n")
		b.WriteString(ind + "- apiVersion: v1\n" + ind + "  kind: ConfigMap\n" + ind + "  metadata: {name: level" + fmt.Sprint(i+1) + "}\n")
		if i < depth-1 {
			b.WriteString(ind + "- apiVersion: v1\n")
		}
	}
	return b.String()
}
