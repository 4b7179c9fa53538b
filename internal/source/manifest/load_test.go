package manifest_test

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/inventory"
	"palisade.dev/palisade/internal/source/manifest"
)

// writeTree writes files (slash-separated relative paths to contents) under a new folder and
// returns the folder.
func writeTree(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, data := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// loadClean loads paths and fails the test on any load error.
func loadClean(t *testing.T, paths []string, opts manifest.Options) *manifest.Result {
	t.Helper()
	res := manifest.Load(context.Background(), paths, opts)
	for _, e := range res.Errors {
		t.Errorf("unexpected load error: %s: %s", e.Location, e.Message)
	}
	return res
}

func names(objs []*inventory.Object) []string {
	out := make([]string, len(objs))
	for i, o := range objs {
		out[i] = o.Name
	}
	return out
}

func configMap(name string) string {
	return "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: " + name + "\n"
}

func only(t *testing.T, res *manifest.Result) *inventory.Object {
	t.Helper()
	if res.Inventory.Len() != 1 {
		t.Fatalf("got %d objects (%v), want 1", res.Inventory.Len(), names(res.Inventory.Objects()))
	}
	return res.Inventory.Objects()[0]
}

func TestLoadInputs(t *testing.T) {
	tree := map[string]string{
		"b.yaml":              configMap("b"),
		"a/x.yml":             configMap("a-x"),
		"a/y.json":            `{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a-y"}}`,
		"c/d/e.YAML":          configMap("c-d-e"),
		".hidden/z.yaml":      configMap("hidden-folder"),
		"a/.h.yaml":           configMap("hidden-file"),
		"notes.txt":           configMap("not-a-manifest-name"),
		"a/.git/config.yaml":  configMap("vcs"),
		"c/d/values.yaml.bak": configMap("backup"),
	}
	t.Run("folder is walked recursively in name order, hidden entries skipped", func(t *testing.T) {
		dir := writeTree(t, tree)
		res := loadClean(t, []string{dir}, manifest.Options{})
		want := []string{"a-x", "a-y", "b", "c-d-e"}
		if got := names(res.Inventory.Objects()); !slices.Equal(got, want) {
			t.Errorf("objects %v, want %v", got, want)
		}
		if res.Files != 4 {
			t.Errorf("Files = %d, want 4", res.Files)
		}
	})
	t.Run("several paths are read in the order given", func(t *testing.T) {
		dir := writeTree(t, tree)
		res := loadClean(t, []string{filepath.Join(dir, "b.yaml"), filepath.Join(dir, "a"), filepath.Join(dir, "c/d/e.YAML")}, manifest.Options{})
		want := []string{"b", "a-x", "a-y", "c-d-e"}
		if got := names(res.Inventory.Objects()); !slices.Equal(got, want) {
			t.Errorf("objects %v, want %v", got, want)
		}
	})
	t.Run("a file is read whatever its extension when named explicitly", func(t *testing.T) {
		dir := writeTree(t, tree)
		o := only(t, loadClean(t, []string{filepath.Join(dir, "notes.txt")}, manifest.Options{}))
		if o.Name != "not-a-manifest-name" {
			t.Errorf("loaded %q", o.Name)
		}
	})
	t.Run("dash reads standard input", func(t *testing.T) {
		res := loadClean(t, []string{"-"}, manifest.Options{Stdin: strings.NewReader(configMap("from-stdin") + "---\n" + configMap("second"))})
		if got := names(res.Inventory.Objects()); !slices.Equal(got, []string{"from-stdin", "second"}) {
			t.Fatalf("objects %v", got)
		}
		o := res.Inventory.Objects()[1]
		if o.Origin.File != "-" || o.Origin.Document != 2 {
			t.Errorf("origin %+v, want file - document 2", o.Origin)
		}
		if loc := o.Locate("metadata.name"); loc.Line != 9 || loc.Column != 3 {
			t.Errorf("metadata.name at %d:%d, want 9:3", loc.Line, loc.Column)
		}
	})
	t.Run("JSON file", func(t *testing.T) {
		dir := writeTree(t, map[string]string{"pod.json": "{\n  \"apiVersion\": \"v1\",\n  \"kind\": \"Pod\",\n  \"metadata\": {\"name\": \"j\"},\n  \"spec\": {\"containers\": [{\"name\": \"c\", \"image\": \"i\"}]}\n}\n"})
		o := only(t, loadClean(t, []string{filepath.Join(dir, "pod.json")}, manifest.Options{}))
		if _, ok := o.Typed.(*corev1.Pod); !ok {
			t.Fatalf("typed %T, want *v1.Pod", o.Typed)
		}
		if loc := o.Locate("spec.containers[0].image"); loc.Line != 5 {
			t.Errorf("image at line %d, want 5", loc.Line)
		}
	})
}

func TestLoadDocumentStreams(t *testing.T) {
	tests := []struct {
		name  string
		input string
		// want lists name@document:line for each object.
		want []string
		// errors lists line:substring for each expected load error.
		errors []string
		check  func(t *testing.T, res *manifest.Result)
	}{
		{
			name:  "documents separated by markers, empty ones not counted",
			input: "---\n" + configMap("one") + "---\n---\n# only a comment\n---\n" + configMap("two") + "...\n",
			want:  []string{"one@1:2", "two@2:10"},
		},
		{
			name:  "an indented --- inside a block scalar is content",
			input: configMap("block") + "data:\n  script: |\n    echo start\n    ---\n    echo end\n",
			want:  []string{"block@1:1"},
			check: func(t *testing.T, res *manifest.Result) {
				cm := res.Inventory.Objects()[0].Typed.(*corev1.ConfigMap)
				if got := cm.Data["script"]; got != "echo start\n---\necho end\n" {
					t.Errorf("script = %q", got)
				}
			},
		},
		{
			name: "a --- at column 0 ends the document even inside a block scalar (YAML 1.2)",
			input: configMap("cut") + "data:\n  script: |\n    echo start\n---\n    echo end\n---\n" +
				configMap("after"),
			want:   []string{"cut@1:1", "after@3:11"},
			errors: []string{"9:document is not an object"},
		},
		{
			name: "a --- at column 0 ends the document even inside a quoted string (YAML 1.2)",
			input: configMap("quoted") + "data:\n  k: \"first\n---\n  rest\"\n---\n" +
				configMap("after"),
			want:   []string{"after@3:10"},
			errors: []string{"6:malformed YAML", "8:document is not an object"},
		},
		{
			name:  "content on the marker line starts the document there",
			input: "--- {apiVersion: v1, kind: ConfigMap, metadata: {name: inline}}\n--- # comment\n" + configMap("next"),
			want:  []string{"inline@1:1", "next@2:3"},
		},
		{
			name:   "---x splits as kubectl splits, and is an error there",
			input:  "apiVersion: example.dev/v1\nkind: Thing\nmetadata:\n  name: dashes\n---x: kept\n" + configMap("after"),
			want:   []string{"dashes@1:1", "after@3:6"},
			errors: []string{"5:invalid document separator"},
		},
		{
			name:  "byte order mark and CRLF line ends",
			input: "\ufeff" + strings.ReplaceAll(configMap("crlf")+"---\n"+configMap("crlf2"), "\n", "\r\n"),
			want:  []string{"crlf@1:1", "crlf2@2:6"},
		},
		{
			name:  "directives before a document",
			input: "%YAML 1.2\n---\n" + configMap("directive"),
			want:  []string{"directive@1:3"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := manifest.Load(context.Background(), []string{"-"}, manifest.Options{Stdin: strings.NewReader(tt.input)})
			var got []string
			for _, o := range res.Inventory.Objects() {
				got = append(got, o.Name+"@"+strconv.Itoa(int(o.Origin.Document))+":"+strconv.Itoa(o.Locate("").Line))
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("objects %v, want %v", got, tt.want)
			}
			var gotErrs []string
			for _, e := range res.Errors {
				gotErrs = append(gotErrs, strconv.Itoa(e.Location.Line)+":"+e.Message)
			}
			if len(gotErrs) != len(tt.errors) {
				t.Fatalf("errors %q, want %q", gotErrs, tt.errors)
			}
			for i, want := range tt.errors {
				line, sub, _ := strings.Cut(want, ":")
				if !strings.HasPrefix(gotErrs[i], line+":") || !strings.Contains(gotErrs[i], sub) {
					t.Errorf("error %q, want line %s and %q", gotErrs[i], line, sub)
				}
			}
			if tt.check != nil && len(got) > 0 {
				tt.check(t, res)
			}
		})
	}
}

func TestLoadLists(t *testing.T) {
	input := `apiVersion: v1
kind: List
items:
  - apiVersion: v1
    kind: ConfigMap
    metadata:
      name: first
  - apiVersion: apps/v1
    kind: Deployment
    metadata:
      name: second
    spec:
      selector: {matchLabels: {app: x}}
      template:
        metadata: {labels: {app: x}}
        spec:
          containers:
            - name: app
              image: registry.example/app:1
  - just a string
---
apiVersion: v1
kind: ServiceAccountList
items:
- apiVersion: v1
  kind: ServiceAccount
  metadata:
    name: third
`
	res := manifest.Load(context.Background(), []string{"-"}, manifest.Options{Stdin: strings.NewReader(input)})
	if got := names(res.Inventory.Objects()); !slices.Equal(got, []string{"first", "second", "third"}) {
		t.Fatalf("objects %v", got)
	}
	if len(res.Errors) != 1 || res.Errors[0].Location.Line != 20 || !strings.Contains(res.Errors[0].Message, "not an object") {
		t.Errorf("errors %v, want one at line 20 for the string item", res.Errors)
	}
	objs := res.Inventory.Objects()
	tests := []struct {
		obj        *inventory.Object
		item       int32
		path       string
		line, col  int
		typedCheck bool
	}{
		{objs[0], 1, "", 4, 5, true},
		{objs[0], 1, "metadata.name", 7, 7, true},
		{objs[1], 2, "kind", 9, 5, true},
		{objs[1], 2, "spec.template.spec.containers[0]", 18, 15, true},
		{objs[1], 2, "spec.template.spec.containers[0].image", 19, 15, true},
		{objs[2], 1, "metadata.name", 28, 5, true},
	}
	for _, tt := range tests {
		if tt.obj.Origin.Item != tt.item {
			t.Errorf("%s: item %d, want %d", tt.obj.Name, tt.obj.Origin.Item, tt.item)
		}
		if loc := tt.obj.Locate(tt.path); loc.Line != tt.line || loc.Column != tt.col {
			t.Errorf("%s %q at %d:%d, want %d:%d", tt.obj.Name, tt.path, loc.Line, loc.Column, tt.line, tt.col)
		}
		if tt.obj.Typed == nil {
			t.Errorf("%s: list item not decoded to its type", tt.obj.Name)
		}
	}
	if objs[2].Origin.Document != 2 {
		t.Errorf("third: document %d, want 2", objs[2].Origin.Document)
	}
}

func TestLoadCustomResources(t *testing.T) {
	tests := []struct {
		name, input        string
		specPath, metaPath string
		containerLine      int
	}{
		{
			name: "pod template at spec.template.spec",
			input: `apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata: {name: cr}
spec:
  template:
    metadata:
      annotations: {a: b}
    spec:
      containers:
        - name: app
          image: i
`,
			specPath: "spec.template.spec", metaPath: "spec.template.metadata", containerLine: 10,
		},
		{
			name: "pod template at spec.jobTemplate.spec.template.spec",
			input: `apiVersion: example.dev/v1
kind: ScheduledThing
metadata: {name: cr}
spec:
  jobTemplate:
    spec:
      template:
        spec:
          containers:
            - name: app
              image: i
`,
			specPath: "spec.jobTemplate.spec.template.spec", metaPath: "spec.jobTemplate.spec.template.metadata", containerLine: 10,
		},
		{
			name: "pod spec found by its shape",
			input: `apiVersion: example.dev/v1
kind: Runner
metadata: {name: cr}
spec:
  replicas: 2
  worker:
    podSpec:
      containers:
        - name: app
          image: i
`,
			specPath: "spec.worker.podSpec", metaPath: "spec.worker.metadata", containerLine: 9,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := only(t, loadClean(t, []string{"-"}, manifest.Options{Stdin: strings.NewReader(tt.input)}))
			if o.Typed != nil || o.Content == nil {
				t.Fatalf("unknown kind must be kept as content, got typed %T", o.Typed)
			}
			pod, ok := inventory.PodTemplateOf(o)
			if !ok {
				t.Fatal("no pod template found")
			}
			if pod.SpecPath != tt.specPath || pod.MetaPath != tt.metaPath {
				t.Errorf("paths %s, %s; want %s, %s", pod.SpecPath, pod.MetaPath, tt.specPath, tt.metaPath)
			}
			cs := pod.Containers()
			if len(cs) != 1 || cs[0].Name != "app" {
				t.Fatalf("containers %v", cs)
			}
			if loc := o.Locate(cs[0].Path); loc.Line != tt.containerLine {
				t.Errorf("container at line %d, want %d", loc.Line, tt.containerLine)
			}
			if o.Namespace != "default" || !o.NamespaceImplied {
				t.Errorf("namespace %q (implied %v), want default, implied", o.Namespace, o.NamespaceImplied)
			}
		})
	}
}

func TestLoadPositions(t *testing.T) {
	input := `apiVersion: v1
kind: Pod
metadata:
  name: p
  annotations:
    container.apparmor.security.beta.kubernetes.io/app: runtime/default
spec:
  containers:
  - name: app
    image: i
    ports: [{containerPort: 80}, {containerPort: 443}]
  -   name: side
      image: j
`
	o := only(t, loadClean(t, []string{"-"}, manifest.Options{Stdin: strings.NewReader(input)}))
	tests := []struct {
		path      string
		line, col int
		exact     bool
	}{
		{"metadata.annotations[container.apparmor.security.beta.kubernetes.io/app]", 6, 5, true},
		{"spec.containers[0]", 9, 5, true},
		{"spec.containers[0].name", 9, 5, true},
		{"spec.containers[1]", 12, 7, true},
		{"spec.containers[1].image", 13, 7, true},
		{"spec.containers[0].ports[1]", 11, 34, true},
		{"spec.containers[0].ports[1].containerPort", 11, 35, true},
		// Missing fields are located at their nearest existing parent.
		{"spec.containers[1].securityContext.runAsNonRoot", 12, 7, false},
		{"spec.securityContext", 7, 1, false},
	}
	for _, tt := range tests {
		line, col, exact := o.Positions.Locate(tt.path)
		if line != tt.line || col != tt.col || exact != tt.exact {
			t.Errorf("%s at %d:%d (exact %v), want %d:%d (exact %v)", tt.path, line, col, exact, tt.line, tt.col, tt.exact)
		}
	}
}

// TestLoadScalarsAsKubectl compares how plain scalars are typed with sigs.k8s.io/yaml, the
// library kubectl uses: YAML 1.1 booleans (yes/no/on/off/y/n), numbers, nulls.
func TestLoadScalarsAsKubectl(t *testing.T) {
	scalars := []string{
		"yes", "Yes", "YES", "no", "No", "on", "On", "off", "OFF", "y", "Y", "n", "N", "true", "False",
		`"yes"`, "'on'", "~", "null", "Null", "", "12", "-3", "0x1F", "1.5", "1e3", "0.5e-2",
		"0755", "0o17", "1_000", "12:30", "2001-12-14", "v1.2", "1.2.3", "abc", "!!str 12", "!!str yes",
		"'0755'", "+12", "0b101", "-0",
	}
	var b strings.Builder
	b.WriteString("apiVersion: example.dev/v1\nkind: Scalars\nmetadata: {name: s}\nvalues:\n")
	for i, s := range scalars {
		b.WriteString("  k" + strconv.Itoa(i) + ": " + s + "\n")
	}
	o := only(t, loadClean(t, []string{"-"}, manifest.Options{Stdin: strings.NewReader(b.String())}))
	got, _ := o.Content["values"].(map[string]any)

	var doc map[string]any
	if err := yaml.Unmarshal([]byte(b.String()), &doc); err != nil {
		t.Fatal(err)
	}
	want, _ := doc["values"].(map[string]any)
	for i, s := range scalars {
		k := "k" + strconv.Itoa(i)
		g, w := got[k], want[k]
		if !sameScalar(g, w) {
			t.Errorf("%s: got %#v, kubectl reads %#v", s, g, w)
		}
	}
}

// sameScalar compares a loaded value with what sigs.k8s.io/yaml gives after its JSON round
// trip (numbers come back as float64 there).
func sameScalar(got, want any) bool {
	switch g := got.(type) {
	case int64:
		w, ok := want.(float64)
		return ok && float64(g) == w
	case float64:
		w, ok := want.(float64)
		return ok && (g == w || g != g && w != w)
	}
	return reflect.DeepEqual(got, want)
}

func TestLoadBooleansInTypedFields(t *testing.T) {
	input := `apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  hostNetwork: off
  automountServiceAccountToken: no
  securityContext:
    runAsNonRoot: yes
  containers:
    - name: app
      image: i
      securityContext:
        readOnlyRootFilesystem: On
`
	o := only(t, loadClean(t, []string{"-"}, manifest.Options{Stdin: strings.NewReader(input)}))
	pod := o.Typed.(*corev1.Pod)
	if pod.Spec.HostNetwork || pod.Spec.AutomountServiceAccountToken == nil || *pod.Spec.AutomountServiceAccountToken {
		t.Errorf("hostNetwork %v, automount %v; want false, false", pod.Spec.HostNetwork, pod.Spec.AutomountServiceAccountToken)
	}
	if sc := pod.Spec.SecurityContext; sc.RunAsNonRoot == nil || !*sc.RunAsNonRoot {
		t.Errorf("runAsNonRoot %v, want true", sc.RunAsNonRoot)
	}
	if sc := pod.Spec.Containers[0].SecurityContext; sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem {
		t.Errorf("readOnlyRootFilesystem %v, want true", sc.ReadOnlyRootFilesystem)
	}
}

func TestLoadMergeKeys(t *testing.T) {
	input := `apiVersion: v1
kind: ConfigMap
metadata:
  name: merged
  labels: &base
    app: web
    tier: front
data:
  <<: [*base, {extra: x, app: ignored}]
  tier: back
`
	o := only(t, loadClean(t, []string{"-"}, manifest.Options{Stdin: strings.NewReader(input)}))
	cm := o.Typed.(*corev1.ConfigMap)
	want := map[string]string{"app": "web", "tier": "back", "extra": "x"}
	if !reflect.DeepEqual(cm.Data, want) {
		t.Errorf("data %v, want %v", cm.Data, want)
	}
	if loc := o.Locate("data.tier"); loc.Line != 10 {
		t.Errorf("data.tier at line %d, want 10", loc.Line)
	}
	if len(o.Issues()) != 0 {
		t.Errorf("merged keys reported as issues: %+v", o.Issues())
	}
}

func TestLoadNamespaces(t *testing.T) {
	input := `apiVersion: v1
kind: ConfigMap
metadata: {name: implied}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: explicit, namespace: team}
---
apiVersion: v1
kind: Namespace
metadata: {name: team, namespace: ignored}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: reader, namespace: ignored}
---
apiVersion: example.dev/v1
kind: Widget
metadata: {name: custom}
`
	res := loadClean(t, []string{"-"}, manifest.Options{Stdin: strings.NewReader(input), Namespace: "scan-ns"})
	want := map[string]struct {
		ns      string
		implied bool
	}{
		"implied":  {"scan-ns", true},
		"explicit": {"team", false},
		"team":     {"", false},
		"reader":   {"", false},
		"custom":   {"scan-ns", true},
	}
	for _, o := range res.Inventory.Objects() {
		w := want[o.Name]
		if o.Namespace != w.ns || o.NamespaceImplied != w.implied {
			t.Errorf("%s %s: namespace %q (implied %v), want %q (implied %v)", o.GVK.Kind, o.Name, o.Namespace, o.NamespaceImplied, w.ns, w.implied)
		}
	}
	if res.Inventory.Len() != len(want) {
		t.Errorf("%d objects, want %d", res.Inventory.Len(), len(want))
	}
}

func TestLoadDropsSecretValues(t *testing.T) {
	input := `apiVersion: v1
kind: Secret
metadata: {name: creds}
data:
  password: c2VjcmV0
stringData:
  token: plain-secret
---
apiVersion: v1
kind: List
items:
  - apiVersion: v1
    kind: Secret
    metadata: {name: in-list}
    data: {key: c2VjcmV0}
`
	res := loadClean(t, []string{"-"}, manifest.Options{Stdin: strings.NewReader(input)})
	if res.Inventory.Len() != 2 {
		t.Fatalf("%d objects, want 2", res.Inventory.Len())
	}
	for _, o := range res.Inventory.Objects() {
		s := o.Typed.(*corev1.Secret)
		for k, v := range s.Data {
			if len(v) != 0 {
				t.Errorf("%s: data[%s] kept", o.Name, k)
			}
		}
		for k, v := range s.StringData {
			if v != "" {
				t.Errorf("%s: stringData[%s] kept", o.Name, k)
			}
		}
		if len(s.Data)+len(s.StringData) == 0 {
			t.Errorf("%s: keys dropped too; rules may need to know which keys exist", o.Name)
		}
		if o.Content != nil {
			t.Errorf("%s: plain content kept", o.Name)
		}
	}
}

func TestLoadRecordsFieldIssues(t *testing.T) {
	input := `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: np
  annotation: {a: b}
spec:
  podSelector: {}
  ingress:
    - form:
        - podSelector: {}
`
	o := only(t, loadClean(t, []string{"-"}, manifest.Options{Stdin: strings.NewReader(input)}))
	want := []inventory.FieldIssue{
		{Kind: inventory.UnknownField, Path: "metadata.annotation", Field: "annotation", Parent: "ObjectMeta", Suggestion: "metadata.annotations", SuggestedField: "annotations"},
		{Kind: inventory.UnknownField, Path: "spec.ingress[0].form", Field: "form", Parent: "NetworkPolicyIngressRule", Suggestion: "spec.ingress[0].from", SuggestedField: "from"},
	}
	// The issues of one object come in no particular order; findings are sorted later.
	got := slices.Clone(o.Issues())
	slices.SortFunc(got, func(a, b inventory.FieldIssue) int { return strings.Compare(a.Path, b.Path) })
	if !reflect.DeepEqual(got, want) {
		t.Errorf("issues\n%+v\nwant\n%+v", o.Issues(), want)
	}
	lines := map[string]int{"metadata.annotation": 5, "spec.ingress[0].form": 9}
	for _, is := range o.Issues() {
		if loc := o.Locate(is.Path); loc.Line != lines[is.Path] {
			t.Errorf("%s at line %d, want %d (the unknown key itself)", is.Path, loc.Line, lines[is.Path])
		}
	}
}

// TestLoadSuggestsTheLevelMeant pins where a field written at the wrong level is said to
// belong: the nearest place the name exists, preferring regular containers.
func TestLoadSuggestsTheLevelMeant(t *testing.T) {
	input := `apiVersion: apps/v1
kind: Deployment
metadata: {name: d}
spec:
  selector: {matchLabels: {app: d}}
  template:
    annotations: {a: b}
    securityContext: {runAsNonRoot: true}
    metadata: {labels: {app: d}}
    spec:
      securityContext:
        readOnlyRootFilesystem: true
      containers:
        - name: app
          image: i
          runAsNonRoot: true
`
	o := only(t, loadClean(t, []string{"-"}, manifest.Options{Stdin: strings.NewReader(input)}))
	want := map[string]string{
		"spec.template.annotations":                                 "spec.template.metadata.annotations",
		"spec.template.securityContext":                             "spec.template.spec.securityContext",
		"spec.template.spec.securityContext.readOnlyRootFilesystem": "spec.template.spec.containers[].securityContext.readOnlyRootFilesystem",
		"spec.template.spec.containers[0].runAsNonRoot":             "spec.template.spec.containers[].securityContext.runAsNonRoot",
	}
	got := map[string]string{}
	for _, is := range o.Issues() {
		if !is.WrongLevel {
			t.Errorf("%s: not reported at the wrong level (%+v)", is.Path, is)
		}
		got[is.Path] = is.Suggestion
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("suggestions\n%v\nwant\n%v", got, want)
	}
}

// TestLoadLocatesDuplicateKeysDeterministically pins that a key written twice is located at
// its first occurrence whatever else the document holds, so findings do not move around.
func TestLoadLocatesDuplicateKeysDeterministically(t *testing.T) {
	for _, extra := range []int{0, 1, 5, 20, 100, 500} {
		var b strings.Builder
		b.WriteString("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: dup\ndata:\n")
		for i := range extra {
			b.WriteString("  k" + strconv.Itoa(i) + ": v\n")
		}
		first := 6 + extra
		b.WriteString("  twice: one\n")
		for i := range extra {
			b.WriteString("  m" + strconv.Itoa(i) + ": v\n")
		}
		b.WriteString("  twice: two\n")
		o := only(t, loadClean(t, []string{"-"}, manifest.Options{Stdin: strings.NewReader(b.String())}))
		if len(o.Issues()) != 1 || o.Issues()[0].Kind != inventory.DuplicateKey || o.Issues()[0].Path != "data.twice" {
			t.Fatalf("%d other keys: issues %+v, want one duplicate data.twice", extra, o.Issues())
		}
		if got := o.Typed.(*corev1.ConfigMap).Data["twice"]; got != "two" {
			t.Errorf("%d other keys: value %q, want the last one", extra, got)
		}
		if loc := o.Locate("data.twice"); loc.Line != first {
			t.Errorf("%d other keys: data.twice at line %d, want its first occurrence, line %d", extra, loc.Line, first)
		}
	}
}

const goodObject = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: good\n"

func assertOneError(t *testing.T, errs []finding.ScanError, file string, line int, cause string) {
	t.Helper()
	if len(errs) != 1 {
		var msgs []string
		for _, e := range errs {
			msgs = append(msgs, e.Location.String()+": "+e.Message)
		}
		t.Fatalf("%d errors, want 1:\n%s", len(errs), strings.Join(msgs, "\n"))
	}
	e := errs[0]
	if e.Location.File != file {
		t.Errorf("error names %q, want %q", e.Location.File, file)
	}
	if e.Location.Line != line {
		t.Errorf("error at line %d, want %d (%s)", e.Location.Line, line, e.Message)
	}
	if !strings.Contains(e.Message, cause) {
		t.Errorf("error %q does not say %q", e.Message, cause)
	}
}

// TestLoadEmptyKeys pins that an empty map key, unknown to the type or written twice, is
// reported like any other key.
func TestLoadEmptyKeys(t *testing.T) {
	input := "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: empty\n  \"\": unknown\ndata: {\"\": a, \"\": b}\n"
	o := only(t, loadClean(t, []string{"-"}, manifest.Options{Stdin: strings.NewReader(input)}))
	var kinds []string
	for _, is := range o.Issues() {
		kinds = append(kinds, string(is.Kind)+" "+is.Path)
	}
	slices.Sort(kinds)
	want := []string{"duplicate-key data.", "unknown-field metadata."}
	if !slices.Equal(kinds, want) {
		t.Errorf("issues %q, want %q", kinds, want)
	}
}

// TestLoadIsDeterministic loads inputs whose problems are found while walking maps, whose
// order Go randomises: the result must be the same every time.
func TestLoadIsDeterministic(t *testing.T) {
	inputs := map[string]string{
		"a custom resource whose pod template has several fields of the wrong type": `apiVersion: example.dev/v1
kind: Runner
metadata: {name: r}
spec:
  template:
    spec:
      initContainers: not-a-list
      containers:
        - name: app
          image: {not: a-string}
      hostNetwork: maybe-not
`,
	}
	for name, input := range inputs {
		t.Run(name, func(t *testing.T) {
			var first []string
			for i := range 20 {
				res := manifest.Load(context.Background(), []string{"-"}, manifest.Options{Stdin: strings.NewReader(input)})
				var got []string
				for _, e := range res.Errors {
					got = append(got, e.Location.String()+": "+e.Message)
				}
				if i == 0 {
					first = got
					continue
				}
				if !slices.Equal(got, first) {
					t.Fatalf("load %d gave\n%q\nthe first gave\n%q", i+1, got, first)
				}
			}
		})
	}
}

// TestLoadCustomResourcePodTemplateIssues pins that the pod template of a custom resource is
// decoded as strictly as a Deployment's: its unknown fields are reported with the paths of
// the custom resource.
func TestLoadCustomResourcePodTemplateIssues(t *testing.T) {
	input := `apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata: {name: r}
spec:
  template:
    metadata:
      annotation: {a: b}
    spec:
      securityContext:
        readOnlyRootFilesystem: true
      containers:
        - name: app
          image: i
          imagePullPolicy: Always
          comand: [run]
`
	o := only(t, loadClean(t, []string{"-"}, manifest.Options{Stdin: strings.NewReader(input)}))
	got := map[string]string{}
	for _, is := range o.Issues() {
		got[is.Path] = is.Suggestion
	}
	want := map[string]string{
		"spec.template.metadata.annotation":                         "spec.template.metadata.annotations",
		"spec.template.spec.securityContext.readOnlyRootFilesystem": "spec.template.spec.containers[].securityContext.readOnlyRootFilesystem",
		"spec.template.spec.containers[0].comand":                   "spec.template.spec.containers[0].command",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("issues\n%v\nwant\n%v", got, want)
	}
	for path := range want {
		if _, _, exact := o.Positions.Locate(path); !exact {
			t.Errorf("%s is not located exactly", path)
		}
	}
}
