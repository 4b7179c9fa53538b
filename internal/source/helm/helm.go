// Package helm renders Helm charts (chart folders and packaged .tgz charts) with the Helm SDK,
// the way `helm template` does, and hands each rendered template to the manifest loader as
// documents that point back into the template that produced them. It renders only on the
// client: it never contacts a cluster or a chart repository, and it decides nothing about
// security.
package helm

import (
	"archive/tar"
	"cmp"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"

	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/engine"
	"helm.sh/helm/v3/pkg/release"
	sigsyaml "sigs.k8s.io/yaml"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/source/manifest"
)

// DefaultReleaseName is the release name `helm template` uses when none is given.
const DefaultReleaseName = "release-name"

// Options say how charts are rendered; they mirror the flags of `helm template`.
type Options struct {
	// ReleaseName is .Release.Name (DefaultReleaseName when empty).
	ReleaseName string
	// Namespace is .Release.Namespace ("default" when empty).
	Namespace string
	// KubeVersion is .Capabilities.KubeVersion, such as "1.31" or "v1.31.2"; when empty, the
	// Kubernetes version whose API types Palisade is built with.
	KubeVersion string
	// Values are what --values, --set, --set-string and --set-file give, with helm's meaning.
	Values Values
}

// Chart is the Expander for Helm charts.
type Chart struct {
	opts Options
	kube chartutil.KubeVersion
}

// New checks the options (the kube version parses, the values files read and parse) and
// returns the Expander.
func New(opts Options) (*Chart, error) {
	if opts.ReleaseName == "" {
		opts.ReleaseName = DefaultReleaseName
	}
	if err := chartutil.ValidateReleaseName(opts.ReleaseName); err != nil {
		return nil, fmt.Errorf("release name %q: %w", opts.ReleaseName, err)
	}
	if opts.Namespace == "" {
		opts.Namespace = "default"
	}
	c := &Chart{opts: opts, kube: defaultKubeVersion()}
	if opts.KubeVersion != "" {
		kv, err := chartutil.ParseKubeVersion(opts.KubeVersion)
		if err != nil {
			return nil, fmt.Errorf("kube version %q: %w", opts.KubeVersion, err)
		}
		c.kube = *kv
	}
	if _, err := opts.Values.Merge(); err != nil {
		return nil, err
	}
	return c, nil
}

// defaultKubeVersion is the version of the Kubernetes API types Palisade is built with
// (k8s.io/client-go v0.N.P serves Kubernetes v1.N.P), which is what `helm template` reports
// when helm is built with the same client; Helm's own default (v1.20) otherwise.
func defaultKubeVersion() chartutil.KubeVersion {
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, m := range info.Deps {
			if m.Path != "k8s.io/client-go" || !strings.HasPrefix(m.Version, "v0.") {
				continue
			}
			if kv, err := chartutil.ParseKubeVersion("v1." + strings.TrimPrefix(m.Version, "v0.")); err == nil {
				return *kv
			}
		}
	}
	return chartutil.DefaultCapabilities.KubeVersion
}

// Name implements manifest.Expander.
func (c *Chart) Name() string { return "helm" }

// Match reports whether dir is a chart: it holds a Chart.yaml.
func (c *Chart) Match(dir string) bool {
	info, err := os.Stat(filepath.Join(dir, chartutil.ChartfileName))
	return err == nil && info.Mode().IsRegular()
}

// MatchFile reports whether path is a packaged chart: a gzipped tar archive (.tgz) whose
// top folder holds a Chart.yaml.
func (c *Chart) MatchFile(p string) bool {
	if !strings.EqualFold(filepath.Ext(p), ".tgz") {
		return false
	}
	f, err := os.Open(p)
	if err != nil {
		return false
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		return false
	}
	tr := tar.NewReader(gz)
	// A chart archive lists Chart.yaml first; a bounded look keeps other archives cheap.
	for range 1000 {
		h, err := tr.Next()
		if err != nil {
			return false
		}
		dir, base := path.Split(path.Clean(h.Name))
		if base == chartutil.ChartfileName && strings.Count(dir, "/") == 1 {
			return true
		}
	}
	return false
}

// Expand renders the chart at p (a folder or a .tgz) and returns one document per object of
// every rendered template, NOTES.txt and partials excepted.
func (c *Chart) Expand(ctx context.Context, p string) ([]manifest.Document, error) {
	vals, err := c.opts.Values.Merge()
	if err != nil {
		return nil, err
	}
	return c.expand(ctx, p, rendering{releaseName: c.opts.ReleaseName, namespace: c.opts.Namespace, kube: c.kube, values: vals})
}

// Inflation is a chart rendering that a kustomization's helmCharts entry asks for: the
// settings of kustomize's HelmChart that `helm template` reads, the values already composed
// from the entry's values file, inline values and additional values files.
type Inflation struct {
	// ReleaseName is .Release.Name; the Chart's release name when empty.
	ReleaseName string
	// Namespace is .Release.Namespace; the Chart's namespace when empty.
	Namespace string
	// KubeVersion is .Capabilities.KubeVersion; the Chart's when empty.
	KubeVersion string
	// APIVersions are added to .Capabilities.APIVersions.
	APIVersions []string
	// Values are values documents in the order `helm template -f` takes them: a later one
	// wins, maps merge key by key.
	Values []map[string]any
	// IncludeCRDs adds the charts' crds/ files; SkipTests leaves out test hooks and
	// SkipHooks every hook, as helm template's --include-crds, --skip-tests and --no-hooks.
	IncludeCRDs, SkipTests, SkipHooks bool
}

// Inflate renders the chart folder dir as a kustomization's helmCharts entry asks, with the
// Helm SDK: what kustomize's chart inflation gets from `helm template`, without a helm binary.
func (c *Chart) Inflate(ctx context.Context, dir string, in Inflation) ([]manifest.Document, error) {
	r := rendering{
		releaseName: cmp.Or(in.ReleaseName, c.opts.ReleaseName), namespace: cmp.Or(in.Namespace, c.opts.Namespace),
		kube: c.kube, apiVersions: in.APIVersions, values: map[string]any{},
		includeCRDs: in.IncludeCRDs, skipTests: in.SkipTests, skipHooks: in.SkipHooks,
	}
	for _, v := range in.Values {
		r.values = mergeValues(r.values, v)
	}
	if err := chartutil.ValidateReleaseName(r.releaseName); err != nil {
		return nil, fmt.Errorf("release name %q: %w", r.releaseName, err)
	}
	if in.KubeVersion != "" {
		kv, err := chartutil.ParseKubeVersion(in.KubeVersion)
		if err != nil {
			return nil, fmt.Errorf("kube version %q: %w", in.KubeVersion, err)
		}
		r.kube = *kv
	}
	return c.expand(ctx, dir, r)
}

// rendering is what one `helm template` run is given besides the chart.
type rendering struct {
	releaseName, namespace string
	kube                   chartutil.KubeVersion
	apiVersions            []string
	values                 map[string]any
	includeCRDs            bool
	skipTests, skipHooks   bool
}

func (c *Chart) expand(ctx context.Context, p string, r rendering) ([]manifest.Document, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if info, err := os.Stat(p); err == nil && info.IsDir() {
		if err := checkLinks(ctx, p); err != nil {
			return nil, fmt.Errorf("loading chart: %w", err)
		}
	}
	chrt, err := loader.Load(p)
	if err != nil {
		return nil, chartLoadError(p, err)
	}
	files := templateFiles(p, chrt)
	rendered, err := render(chrt, r)
	if err != nil {
		return nil, renderError(templateSources(p, chrt, files), chrt, err)
	}
	sources := templateSources(p, chrt, files)
	var docs []manifest.Document
	if r.includeCRDs {
		// helm template --include-crds writes the crds/ files first, as they are.
		for _, crd := range chrt.CRDObjects() {
			file, ok := files[crd.File]
			if !ok {
				file = p
			}
			split, err := manifest.SplitDocuments(crd.File.Data, file)
			if err != nil {
				return docs, fmt.Errorf("chart %s: %s: %w", chrt.Name(), crd.Filename, err)
			}
			for _, d := range split {
				d.Template = filepath.ToSlash(crd.Filename)
				docs = append(docs, d)
			}
		}
	}
	names := make([]string, 0, len(rendered))
	for name := range rendered {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		out := rendered[name]
		base := path.Base(name)
		if base == "NOTES.txt" || strings.HasPrefix(base, "_") || strings.TrimSpace(out) == "" {
			continue
		}
		src, ok := sources[name]
		if !ok {
			src = templateSource{file: p}
		}
		split, err := manifest.SplitDocuments([]byte(out), src.file)
		if err != nil {
			return docs, fmt.Errorf("chart %s: template %s: %w", chrt.Name(), name, err)
		}
		lines := alignLines(src.data, []byte(out))
		mapLine := func(l int) int {
			if len(lines) == 0 {
				return l
			}
			return lines[min(max(l, 1), len(lines))-1]
		}
		for _, d := range split {
			if (r.skipHooks || r.skipTests) && d.Err == nil {
				if events := hookEvents(d.Data); len(events) > 0 && (r.skipHooks || slices.ContainsFunc(events, isTestEvent)) {
					continue
				}
			}
			d.Template = name
			d.MapLine = mapLine
			docs = append(docs, d)
		}
	}
	return docs, nil
}

// hookEvents are the events of the helm.sh/hook annotation of a rendered document, none when
// it is not a hook (or does not parse: the loader reports that).
func hookEvents(data []byte) []string {
	var doc struct {
		Metadata struct {
			Annotations map[string]string `json:"annotations"`
		} `json:"metadata"`
	}
	if err := sigsyaml.Unmarshal(data, &doc); err != nil {
		return nil
	}
	hook, ok := doc.Metadata.Annotations[release.HookAnnotation]
	if !ok {
		return nil
	}
	var events []string
	for _, e := range strings.Split(hook, ",") {
		if e = strings.ToLower(strings.TrimSpace(e)); e != "" {
			events = append(events, e)
		}
	}
	return events
}

// isTestEvent reports whether a hook event makes the hook a chart test, which
// `helm template --skip-tests` leaves out ("test-success" is the older name of "test").
func isTestEvent(e string) bool { return e == string(release.HookTest) || e == "test-success" }

// render does what `helm template` does before printing: dependencies resolved from the
// values, release values and capabilities composed, every template executed.
func render(chrt *chart.Chart, r rendering) (map[string]string, error) {
	switch chrt.Metadata.Type {
	case "", "application":
	default:
		return nil, fmt.Errorf("%s charts are not installable", chrt.Metadata.Type)
	}
	if err := checkDependencies(chrt); err != nil {
		return nil, err
	}
	vals := r.values
	if err := chartutil.ProcessDependenciesWithMerge(chrt, vals); err != nil {
		return nil, err
	}
	if chrt.Metadata.KubeVersion != "" && !chartutil.IsCompatibleRange(chrt.Metadata.KubeVersion, r.kube.String()) {
		return nil, fmt.Errorf("chart requires kubeVersion %s, which is incompatible with Kubernetes %s (set --kube-version)", chrt.Metadata.KubeVersion, r.kube.String())
	}
	caps := chartutil.DefaultCapabilities.Copy()
	caps.KubeVersion = r.kube
	caps.APIVersions = append(caps.APIVersions, r.apiVersions...)
	rel := chartutil.ReleaseOptions{Name: r.releaseName, Namespace: r.namespace, Revision: 1, IsInstall: true}
	top, err := chartutil.ToRenderValues(chrt, vals, rel, caps)
	if err != nil {
		return nil, err
	}
	return engine.Engine{}.Render(chrt, top)
}

// checkDependencies fails when Chart.yaml declares a dependency that charts/ does not hold,
// as `helm template` does.
func checkDependencies(chrt *chart.Chart) error {
	var missing []string
	for _, req := range chrt.Metadata.Dependencies {
		if !slices.ContainsFunc(chrt.Dependencies(), func(d *chart.Chart) bool { return d.Name() == req.Name }) {
			missing = append(missing, req.Name)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("Chart.yaml declares dependencies missing from charts/: %s (run helm dependency build)", strings.Join(missing, ", "))
	}
	return nil
}

// templateSource is where a template lives on disk and what it says.
type templateSource struct {
	file string
	data []byte
}

// templateFiles maps every template and file (crds/ among them) of the chart as loaded (before dependencies are
// processed, which renames aliased subcharts) to its file: inside the chart folder as the
// user named it, or the archive it was read from.
func templateFiles(root string, chrt *chart.Chart) map[*chart.File]string {
	out := map[*chart.File]string{}
	var walk func(c *chart.Chart, loc string, archived bool)
	walk = func(c *chart.Chart, loc string, archived bool) {
		for _, t := range slices.Concat(c.Templates, c.Files) {
			if archived {
				out[t] = loc
			} else {
				out[t] = filepath.Join(loc, filepath.FromSlash(t.Name))
			}
		}
		for _, dep := range c.Dependencies() {
			if archived {
				walk(dep, loc, true)
				continue
			}
			depLoc, depArchived := subchartLocation(loc, dep.Name())
			walk(dep, depLoc, depArchived)
		}
	}
	info, err := os.Stat(root)
	walk(chrt, root, err == nil && !info.IsDir())
	return out
}

// templateSources maps the render name of every template of the processed chart
// (chart/templates/x.yaml, chart/charts/alias/templates/y.yaml) to its source. An aliased
// subchart is a copy that shares its template files, so files found before processing
// still apply.
func templateSources(root string, chrt *chart.Chart, files map[*chart.File]string) map[string]templateSource {
	out := map[string]templateSource{}
	var walk func(c *chart.Chart)
	walk = func(c *chart.Chart) {
		for _, t := range c.Templates {
			file, ok := files[t]
			if !ok {
				file = root
			}
			out[path.Join(c.ChartFullPath(), t.Name)] = templateSource{file: file, data: t.Data}
		}
		for _, dep := range c.Dependencies() {
			walk(dep)
		}
	}
	walk(chrt)
	return out
}

// subchartLocation finds the folder or archive under the parent's charts/ that holds the
// subchart called name. Helm knows a subchart by its Chart.yaml name, not by its folder, so
// the folders' Chart.yaml files are read to find it.
func subchartLocation(parentDir, name string) (string, bool) {
	chartsDir := filepath.Join(parentDir, "charts")
	entries, _ := os.ReadDir(chartsDir)
	for _, e := range entries {
		p := filepath.Join(chartsDir, e.Name())
		if e.IsDir() {
			if meta, err := chartutil.LoadChartfile(filepath.Join(p, chartutil.ChartfileName)); err == nil && meta.Name == name {
				return p, false
			}
		}
	}
	for _, e := range entries {
		if !e.IsDir() && strings.HasPrefix(e.Name(), name+"-") && strings.HasSuffix(e.Name(), ".tgz") {
			return filepath.Join(chartsDir, e.Name()), true
		}
	}
	return chartsDir, true
}

// helmErrorPosition finds "name:line" or "name:line:column" in Helm's template errors, as in
// `execution error at (web/templates/deployment.yaml:12:20): ...`.
var helmErrorPosition = regexp.MustCompile(`([A-Za-z0-9_.\-/]+):(\d+)(?::(\d+))?`)

// renderError places a rendering error at the template and line Helm reports.
func renderError(sources map[string]templateSource, chrt *chart.Chart, err error) error {
	wrapped := fmt.Errorf("rendering chart %s: %w", chrt.Name(), err)
	for _, m := range helmErrorPosition.FindAllStringSubmatch(err.Error(), -1) {
		src, ok := sources[m[1]]
		if !ok {
			continue
		}
		line, _ := strconv.Atoi(m[2])
		col, _ := strconv.Atoi(m[3])
		return &manifest.ExpandError{
			Location: finding.Location{File: src.file, Line: line, Column: col, Template: m[1]},
			Err:      wrapped,
		}
	}
	return wrapped
}

// yamlErrorLine finds the line of a YAML error ("yaml: line 3: ...").
var yamlErrorLine = regexp.MustCompile(`line (\d+)`)

// chartLoadError says that the chart could not be loaded, pointing at Chart.yaml when the
// error is about it.
func chartLoadError(p string, err error) error {
	wrapped := fmt.Errorf("loading chart: %w", err)
	msg := err.Error()
	info, statErr := os.Stat(p)
	if statErr != nil || !info.IsDir() || !strings.Contains(msg, chartutil.ChartfileName) && !strings.Contains(msg, "chart.metadata") {
		return wrapped
	}
	loc := finding.Location{File: filepath.Join(p, chartutil.ChartfileName)}
	if m := yamlErrorLine.FindStringSubmatch(msg); m != nil {
		loc.Line, _ = strconv.Atoi(m[1])
	}
	return &manifest.ExpandError{Location: loc, Err: wrapped}
}

// readLocalFile reads a values file; Palisade reads only local files, never URLs.
func readLocalFile(p string) ([]byte, error) {
	if strings.TrimSpace(p) == "-" {
		return nil, errors.New("values cannot be read from standard input (it may hold the manifests to scan)")
	}
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(f)
}
