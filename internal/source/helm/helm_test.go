package helm_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/chartutil"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"

	"palisade.dev/palisade/internal/inventory"
	"palisade.dev/palisade/internal/source/helm"
	"palisade.dev/palisade/internal/source/manifest"
	"palisade.dev/palisade/internal/testfiles"
)

// exampleChart is the chart under examples/, named as a user in this folder would name it.
var exampleChart = filepath.Join("..", "..", "..", "examples", "helm", "web")

func newChart(t *testing.T, opts helm.Options) *helm.Chart {
	t.Helper()
	c, err := helm.New(opts)
	if err != nil {
		t.Fatalf("helm.New: %v", err)
	}
	return c
}

// load runs the manifest loader with the chart expander over paths.
func load(t *testing.T, c *helm.Chart, paths ...string) *manifest.Result {
	t.Helper()
	return manifest.Load(context.Background(), paths, manifest.Options{Namespace: "shop", Expanders: []manifest.Expander{c}})
}

func TestExampleChartDocuments(t *testing.T) {
	c := newChart(t, helm.Options{Namespace: "shop"})
	if !c.Match(exampleChart) {
		t.Fatalf("Match(%s) = false for a folder with Chart.yaml", exampleChart)
	}
	docs, err := c.Expand(context.Background(), exampleChart)
	if err != nil {
		t.Fatalf("Expand: %v", err)
	}
	var templates []string
	for _, d := range docs {
		templates = append(templates, d.Template)
		wantFile := filepath.Join(exampleChart, "templates", strings.TrimPrefix(d.Template, "web/templates/"))
		if d.File != wantFile {
			t.Errorf("template %s: File = %q, want %q", d.Template, d.File, wantFile)
		}
		if d.MapLine == nil {
			t.Errorf("template %s: no line mapping", d.Template)
		}
	}
	want := []string{"web/templates/deployment.yaml", "web/templates/networkpolicy.yaml", "web/templates/service.yaml", "web/templates/serviceaccount.yaml"}
	if !slices.Equal(templates, want) {
		t.Errorf("templates = %v, want %v (NOTES.txt and partials are not manifests)", templates, want)
	}
}

// TestExampleChartLocations pins that fields of rendered objects are located on the template
// line that wrote them.
func TestExampleChartLocations(t *testing.T) {
	res := load(t, newChart(t, helm.Options{Namespace: "shop"}), exampleChart)
	if len(res.Errors) > 0 {
		t.Fatalf("errors: %v", res.Errors)
	}
	deployment := filepath.Join(exampleChart, "templates", "deployment.yaml")
	dep := res.Inventory.Get("Deployment", "shop", "release-name-web")
	if dep == nil {
		t.Fatalf("no Deployment shop/release-name-web; objects: %v", names(res.Inventory))
	}
	tests := []struct {
		path   string
		text   string // the template line that holds it
		offset int    // or the line this far from it
	}{
		{"kind", "kind: Deployment", 0},
		{"metadata.name", "name: {{ include \"web.fullname\" . }}", 0},
		{"metadata.labels[app.kubernetes.io/name]", "{{- include \"web.labels\" . | nindent 4 }}", 0},
		{"spec.replicas", "replicas: {{ .Values.replicaCount }}", 0},
		{"spec.template.spec.securityContext.runAsNonRoot", "{{- toYaml .Values.podSecurityContext | nindent 8 }}", 0},
		{"spec.template.spec.containers[0].name", "- name: web", 0},
		{"spec.template.spec.containers[0].image", "image: {{ include \"web.image\" . | quote }}", 0},
		{"spec.template.spec.containers[0].securityContext.readOnlyRootFilesystem", "{{- toYaml .Values.securityContext | nindent 12 }}", 0},
		{"spec.template.spec.containers[0].resources.limits.memory", "{{- toYaml .Values.resources | nindent 12 }}", 0},
		{"spec.template.spec.containers[0].volumeMounts[0].mountPath", "mountPath: /tmp", 0},
		{"spec.template.spec.volumes[0].emptyDir.sizeLimit", "sizeLimit: 64Mi", 0},
		// A missing field is located at its nearest existing parent.
		{"spec.template.spec.containers[0].securityContext.seLinuxOptions", "{{- toYaml .Values.securityContext", -1},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			loc := dep.Locate(tt.path)
			if loc.File != deployment || loc.Template != "web/templates/deployment.yaml" {
				t.Errorf("Locate(%s) = %s (template %q), want file %s, template web/templates/deployment.yaml", tt.path, loc, loc.Template, deployment)
			}
			if want := testfiles.LineOf(t, deployment, tt.text) + tt.offset; loc.Line != want {
				t.Errorf("Locate(%s) line = %d, want %d (%q)", tt.path, loc.Line, want, tt.text)
			}
		})
	}
	if sa := res.Inventory.Get("ServiceAccount", "shop", "release-name-web"); sa == nil {
		t.Errorf("no ServiceAccount shop/release-name-web; objects: %v", names(res.Inventory))
	}
}

func names(inv *inventory.Inventory) []string {
	var out []string
	for _, o := range inv.Objects() {
		out = append(out, o.GVK.Kind+" "+o.Namespace+"/"+o.Name)
	}
	return out
}

func TestValueOverrides(t *testing.T) {
	dir := t.TempDir()
	valuesFile := filepath.Join(dir, "prod.yaml")
	testfiles.Write(t, dir, map[string]string{
		"prod.yaml":  "replicaCount: 4\nimage:\n  tag: \"1.26\"\n  digest: \"\"\nsecurityContext:\n  privileged: true\n",
		"later.yaml": "replicaCount: 6\n",
		"banner.txt": "from a file",
	})
	tests := []struct {
		name   string
		values helm.Values
		check  func(t *testing.T, d *appsv1.Deployment)
	}{
		{
			name:   "defaults from values.yaml",
			values: helm.Values{},
			check: func(t *testing.T, d *appsv1.Deployment) {
				wantInt(t, "replicas", *d.Spec.Replicas, 2)
				wantString(t, "image", container(d).Image, "nginxinc/nginx-unprivileged:1.27-alpine@sha256:65e3e85dbaed8ba248841d9d58a899b6197106c23cb0ff1a132b7bfe0547e4c0")
			},
		},
		{
			name:   "a values file merges into the chart's values",
			values: helm.Values{Files: []string{valuesFile}},
			check: func(t *testing.T, d *appsv1.Deployment) {
				wantInt(t, "replicas", *d.Spec.Replicas, 4)
				wantString(t, "image", container(d).Image, "nginxinc/nginx-unprivileged:1.26")
				if sc := container(d).SecurityContext; sc.Privileged == nil || !*sc.Privileged || sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem {
					t.Errorf("securityContext = %+v, want privileged from the file and readOnlyRootFilesystem kept from the chart", sc)
				}
			},
		},
		{
			name:   "a later values file wins",
			values: helm.Values{Files: []string{valuesFile, filepath.Join(dir, "later.yaml")}},
			check: func(t *testing.T, d *appsv1.Deployment) {
				wantInt(t, "replicas", *d.Spec.Replicas, 6)
			},
		},
		{
			name:   "--set wins over values files",
			values: helm.Values{Files: []string{valuesFile}, Set: []string{"replicaCount=9", "image.digest=sha256:abc"}},
			check: func(t *testing.T, d *appsv1.Deployment) {
				wantInt(t, "replicas", *d.Spec.Replicas, 9)
				wantString(t, "image", container(d).Image, "nginxinc/nginx-unprivileged:1.26@sha256:abc")
			},
		},
		{
			name:   "--set-string keeps a number a string",
			values: helm.Values{Strings: []string{"image.tag=1.27"}, Set: []string{"image.digest=null"}},
			check: func(t *testing.T, d *appsv1.Deployment) {
				wantString(t, "image", container(d).Image, "nginxinc/nginx-unprivileged:1.27")
			},
		},
		{
			name:   "--set-file reads the value from a file",
			values: helm.Values{FromFiles: []string{"image.tag=" + filepath.Join(dir, "banner.txt")}, Set: []string{"image.digest="}},
			check: func(t *testing.T, d *appsv1.Deployment) {
				wantString(t, "image", container(d).Image, "nginxinc/nginx-unprivileged:from a file")
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := load(t, newChart(t, helm.Options{Values: tt.values}), exampleChart)
			if len(res.Errors) > 0 {
				t.Fatalf("errors: %v", res.Errors)
			}
			o := res.Inventory.Get("Deployment", "shop", "release-name-web")
			if o == nil {
				t.Fatalf("no Deployment; objects: %v", names(res.Inventory))
			}
			tt.check(t, o.Typed.(*appsv1.Deployment))
		})
	}
}

func container(d *appsv1.Deployment) *corev1.Container { return &d.Spec.Template.Spec.Containers[0] }

func wantInt(t *testing.T, what string, got, want int32) {
	t.Helper()
	if got != want {
		t.Errorf("%s = %d, want %d", what, got, want)
	}
}

func wantString(t *testing.T, what, got, want string) {
	t.Helper()
	if got != want {
		t.Errorf("%s = %q, want %q", what, got, want)
	}
}

func TestReleaseNamespaceAndKubeVersion(t *testing.T) {
	dir := t.TempDir()
	testfiles.Write(t, dir, map[string]string{
		"Chart.yaml": "apiVersion: v2\nname: probe\nversion: 1.0.0\n",
		"templates/cm.yaml": `apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}-info
  namespace: {{ .Release.Namespace }}
data:
  kube: {{ .Capabilities.KubeVersion.Version | quote }}
  minor: {{ .Capabilities.KubeVersion.Minor | quote }}
`,
	})
	tests := []struct {
		name                     string
		opts                     helm.Options
		wantName, wantNS, wantKV string
	}{
		{"helm template's defaults", helm.Options{}, "release-name-info", "default", ""},
		{"given release, namespace and kube version", helm.Options{ReleaseName: "shop", Namespace: "prod", KubeVersion: "v1.31.2"}, "shop-info", "prod", "v1.31.2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := load(t, newChart(t, tt.opts), dir)
			if len(res.Errors) > 0 {
				t.Fatalf("errors: %v", res.Errors)
			}
			o := res.Inventory.Get("ConfigMap", tt.wantNS, tt.wantName)
			if o == nil {
				t.Fatalf("no ConfigMap %s/%s; objects: %v", tt.wantNS, tt.wantName, names(res.Inventory))
			}
			kv := o.Typed.(*corev1.ConfigMap).Data["kube"]
			if tt.wantKV != "" && kv != tt.wantKV {
				t.Errorf("Capabilities.KubeVersion = %q, want %q", kv, tt.wantKV)
			}
			if tt.wantKV == "" && !strings.HasPrefix(kv, "v1.") {
				t.Errorf("default Capabilities.KubeVersion = %q, want a v1.N version", kv)
			}
		})
	}
}

func TestNewRejectsBadOptions(t *testing.T) {
	tests := []struct {
		name string
		opts helm.Options
		want string
	}{
		{"kube version that does not parse", helm.Options{KubeVersion: "one.two"}, "kube version"},
		{"release name that is not a DNS name", helm.Options{ReleaseName: "Not_Valid"}, "release name"},
		{"values file that does not exist", helm.Options{Values: helm.Values{Files: []string{"no-such-values.yaml"}}}, "no-such-values.yaml"},
		{"--set that does not parse", helm.Options{Values: helm.Values{Set: []string{"a[=1"}}}, "--set"},
		{"values from standard input", helm.Options{Values: helm.Values{Files: []string{"-"}}}, "standard input"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := helm.New(tt.opts)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("New error = %v, want one mentioning %q", err, tt.want)
			}
		})
	}
}

// TestSubcharts pins that subcharts render, from a folder (found by its Chart.yaml name, and
// through an alias) or an archive, and that disabled ones do not.
func TestSubcharts(t *testing.T) {
	dir := t.TempDir()
	parent := filepath.Join(dir, "shop")
	testfiles.Write(t, parent, map[string]string{
		"Chart.yaml": `apiVersion: v2
name: shop
version: 1.0.0
dependencies:
  - name: cache
    version: 1.0.0
    alias: session-cache
  - name: queue
    version: 2.0.0
  - name: metrics
    version: 1.0.0
    condition: metrics.enabled
`,
		"values.yaml":             "metrics:\n  enabled: false\n",
		"templates/app.yaml":      "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\n",
		"charts/redis/Chart.yaml": "apiVersion: v2\nname: cache\nversion: 1.0.0\n",
		"charts/redis/templates/cm.yaml": `apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Chart.Name }}
`,
		"charts/metrics/Chart.yaml":        "apiVersion: v2\nname: metrics\nversion: 1.0.0\n",
		"charts/metrics/templates/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: metrics\n",
		"queue-src/Chart.yaml":             "apiVersion: v2\nname: queue\nversion: 2.0.0\n",
		"queue-src/templates/cm.yaml":      "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: queue\n",
	})
	queue, err := loader.Load(filepath.Join(parent, "queue-src"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(filepath.Join(parent, "queue-src")); err != nil {
		t.Fatal(err)
	}
	archive, err := chartutil.Save(queue, filepath.Join(parent, "charts"))
	if err != nil {
		t.Fatal(err)
	}

	docs, err := newChart(t, helm.Options{}).Expand(context.Background(), parent)
	if err != nil {
		t.Fatalf("Expand: %v", err)
	}
	got := map[string]string{}
	for _, d := range docs {
		got[d.Template] = d.File
	}
	want := map[string]string{
		"shop/templates/app.yaml":                     filepath.Join(parent, "templates", "app.yaml"),
		"shop/charts/session-cache/templates/cm.yaml": filepath.Join(parent, "charts", "redis", "templates", "cm.yaml"),
		"shop/charts/queue/templates/cm.yaml":         archive,
	}
	if len(got) != len(want) {
		t.Errorf("rendered templates = %v, want %v", got, want)
	}
	for tmpl, file := range want {
		if got[tmpl] != file {
			t.Errorf("template %s: File = %q, want %q", tmpl, got[tmpl], file)
		}
	}
}

// TestPackagedChart pins that a .tgz chart is rendered when named and when found in a folder.
func TestPackagedChart(t *testing.T) {
	chrt, err := loader.Load(exampleChart)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	archive, err := chartutil.Save(chrt, dir)
	if err != nil {
		t.Fatal(err)
	}
	testfiles.Write(t, dir, map[string]string{
		"not-a-chart.tgz": "plain text, not an archive",
		"plain.yaml":      "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: plain\n",
	})
	c := newChart(t, helm.Options{})
	if !c.MatchFile(archive) {
		t.Errorf("MatchFile(%s) = false for a packaged chart", archive)
	}
	if c.MatchFile(filepath.Join(dir, "not-a-chart.tgz")) {
		t.Errorf("MatchFile = true for a .tgz that is not a chart")
	}
	if c.MatchFile(filepath.Join(dir, "plain.yaml")) {
		t.Errorf("MatchFile = true for a manifest")
	}
	for _, path := range []string{archive, dir} {
		t.Run(filepath.Base(path), func(t *testing.T) {
			res := load(t, c, path)
			if len(res.Errors) > 0 {
				t.Fatalf("errors: %v", res.Errors)
			}
			o := res.Inventory.Get("Deployment", "shop", "release-name-web")
			if o == nil {
				t.Fatalf("no Deployment from the archive; objects: %v", names(res.Inventory))
			}
			loc := o.Locate("spec.template.spec.containers[0].image")
			wantLine := testfiles.LineOf(t, filepath.Join(exampleChart, "templates", "deployment.yaml"), "image: {{ include")
			if loc.File != archive || loc.Template != "web/templates/deployment.yaml" || loc.Line != wantLine {
				t.Errorf("image located at %s template %q, want %s:%d template web/templates/deployment.yaml", loc, loc.Template, archive, wantLine)
			}
		})
	}
}

// TestBrokenCharts pins that a chart that cannot render is one error, located at what Helm
// blames, and that the other paths of the scan still load.
func TestBrokenCharts(t *testing.T) {
	tests := []struct {
		name     string
		files    map[string]string
		wantFile string // relative to the chart
		wantLine int
		wantMsg  []string
	}{
		{
			name: "missing required value",
			files: map[string]string{
				"Chart.yaml":        "apiVersion: v2\nname: broken\nversion: 1.0.0\n",
				"templates/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  a: {{ required \"databaseHost is required\" .Values.databaseHost }}\n",
			},
			wantFile: "templates/cm.yaml", wantLine: 6,
			wantMsg: []string{"chart broken", "broken/templates/cm.yaml:6", "databaseHost is required"},
		},
		{
			name: "template that does not parse",
			files: map[string]string{
				"Chart.yaml":        "apiVersion: v2\nname: broken\nversion: 1.0.0\n",
				"templates/ok.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ok\n",
				"templates/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name\n",
			},
			wantFile: "templates/cm.yaml", wantLine: 5,
			wantMsg: []string{"chart broken", "broken/templates/cm.yaml:5", "unclosed action"},
		},
		{
			name: "Chart.yaml without a name",
			files: map[string]string{
				"Chart.yaml":        "apiVersion: v2\nversion: 1.0.0\n",
				"templates/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n",
			},
			wantFile: "Chart.yaml",
			wantMsg:  []string{"loading chart", "name is required"},
		},
		{
			name: "Chart.yaml that is not YAML",
			files: map[string]string{
				"Chart.yaml": "apiVersion: v2\nname: [broken\nversion: 1.0.0\n",
			},
			wantFile: "Chart.yaml", wantLine: 2,
			wantMsg: []string{"loading chart", "Chart.yaml"},
		},
		{
			name: "dependency missing from charts/",
			files: map[string]string{
				"Chart.yaml": "apiVersion: v2\nname: broken\nversion: 1.0.0\ndependencies:\n  - name: postgresql\n    version: 1.0.0\n",
			},
			wantMsg: []string{"chart broken", "postgresql"},
		},
		{
			name: "library chart",
			files: map[string]string{
				"Chart.yaml": "apiVersion: v2\nname: broken\nversion: 1.0.0\ntype: library\n",
			},
			wantMsg: []string{"library charts are not installable"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			chartDir := filepath.Join(dir, "broken")
			testfiles.Write(t, chartDir, tt.files)
			testfiles.Write(t, dir, map[string]string{"plain.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: plain\n"})

			res := load(t, newChart(t, helm.Options{}), dir, exampleChart)
			if len(res.Errors) != 1 {
				t.Fatalf("errors = %v, want exactly one", res.Errors)
			}
			e := res.Errors[0]
			wantFile := chartDir
			if tt.wantFile != "" {
				wantFile = filepath.Join(chartDir, filepath.FromSlash(tt.wantFile))
			}
			if e.Location.File != wantFile || e.Location.Line != tt.wantLine {
				t.Errorf("error at %s (line %d), want %s line %d: %s", e.Location.File, e.Location.Line, wantFile, tt.wantLine, e.Message)
			}
			for _, w := range tt.wantMsg {
				if !strings.Contains(e.Message, w) {
					t.Errorf("error %q does not mention %q", e.Message, w)
				}
			}
			if res.Inventory.Get("ConfigMap", "shop", "plain") == nil || res.Inventory.Get("Deployment", "shop", "release-name-web") == nil {
				t.Errorf("the other paths did not load; objects: %v", names(res.Inventory))
			}
		})
	}
}
