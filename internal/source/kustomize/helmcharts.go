package kustomize

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	yaml "go.yaml.in/yaml/v3"
	"helm.sh/helm/v3/pkg/chartutil"
	"sigs.k8s.io/kustomize/api/konfig"
	"sigs.k8s.io/kustomize/api/resource"
	"sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	kyaml "sigs.k8s.io/kustomize/kyaml/yaml"
	"sigs.k8s.io/kustomize/kyaml/yaml/merge2"
	sigsyaml "sigs.k8s.io/yaml"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/source/helm"
	"palisade.dev/palisade/internal/source/manifest"
)

// Kustomize inflates the charts a kustomization names in helmCharts (its
// HelmChartInflationGenerator) by running a helm binary, which may pull the chart from a
// repository first. Palisade runs no binary and downloads nothing. The build reads every
// kustomization file through buildFS, which renders the charts named there with the Helm
// SDK (package helm), from local folders only, where kustomize looks for them; Kustomize is
// then handed the kustomization without helmCharts, and each rendered document as a
// resource file of its own that exists only in buildFS. The documents carry the annotation
// kustomize puts on what a chart generates, so the build treats them the same (its namespace
// transformer leaves them to the chart), and each resource of the build is traced back to
// its chart template.

// errInflation stands, inside Kustomize, for the failure buildFS recorded; Expand reports
// that one instead of Kustomize's wrapping of it.
var errInflation = errors.New("a Helm chart could not be inflated")

// inflated is a document a chart rendered, served to Kustomize as a resource file.
type inflated struct {
	doc  manifest.Document // as the chart rendered it: its template, lines and line map
	data []byte            // what Kustomize reads: the document, marked helm-generated
}

// buildFS is the disk as one build sees it: the root kustomization asks for origin
// annotations (buildMetadata: [originAnnotations]), which is the only way the Kustomize API
// tells where each resource came from (Kustomize passes the setting on to every base), and
// the charts of every kustomization are inflated by Palisade rather than by Kustomize.
type buildFS struct {
	filesys.FileSystem
	ctx  context.Context
	root string // the real path of the kustomization built
	dir  string // the same folder as the user named it
	// helm renders charts; nil when Helm is not enabled, which makes helmCharts an error.
	helm *helm.Chart
	// namespaces is the namespace each kustomization folder (by real path) inherits from the
	// kustomization that names it, as Kustomize gives it to the charts that name none.
	namespaces map[string]string
	// virtual are the rendered documents by the absolute path they are served at, and
	// byOrigin the same by the path Kustomize's origin annotation gives (relative to root).
	virtual  map[string]*inflated
	byOrigin map[string]*inflated
	err      error // the first failure, reported for the whole build
}

func newBuildFS(ctx context.Context, root, dir string, chart *helm.Chart) *buildFS {
	return &buildFS{
		FileSystem: filesys.MakeFsOnDisk(), ctx: ctx, root: root, dir: dir, helm: chart,
		namespaces: map[string]string{}, virtual: map[string]*inflated{}, byOrigin: map[string]*inflated{},
	}
}

func (b *buildFS) ReadFile(path string) ([]byte, error) {
	if v, ok := b.virtual[path]; ok {
		return v.data, nil
	}
	data, err := b.FileSystem.ReadFile(path)
	if err != nil || !isKustomizationName(filepath.Base(path)) {
		return data, err
	}
	if data, err = b.inflateCharts(path, data); err != nil {
		return nil, err
	}
	if filepath.Dir(path) == b.root {
		data = withOriginAnnotations(data)
	}
	return data, nil
}

// CleanedAbs, Exists and IsDir know the rendered documents, which are not on the disk.
func (b *buildFS) CleanedAbs(path string) (filesys.ConfirmedDir, string, error) {
	if _, ok := b.virtual[path]; ok {
		return filesys.ConfirmedDir(filepath.Dir(path)), filepath.Base(path), nil
	}
	return b.FileSystem.CleanedAbs(path)
}

func (b *buildFS) Exists(path string) bool {
	_, ok := b.virtual[path]
	return ok || b.FileSystem.Exists(path)
}

func (b *buildFS) IsDir(path string) bool {
	if _, ok := b.virtual[path]; ok {
		return false
	}
	return b.FileSystem.IsDir(path)
}

// display is a path the build reads (links resolved) as the user names it: from the folder
// given.
func (b *buildFS) display(path string) string {
	if rel, err := filepath.Rel(b.root, path); err == nil {
		return filepath.Join(b.dir, rel)
	}
	return path
}

func (b *buildFS) fail(at finding.Location, err error) error {
	if b.err == nil {
		if xe, ok := errors.AsType[*manifest.ExpandError](err); ok && xe.Location.File != "" {
			at = xe.Location
		}
		b.err = &manifest.ExpandError{Location: at, Err: fmt.Errorf("building %s: %w", b.dir, err)}
	}
	return errInflation
}

// inflateCharts renders the charts the kustomization file kfile names and returns the
// kustomization without them, the rendered documents added to its resources. A file that
// does not parse is returned as it is, for Kustomize to report.
func (b *buildFS) inflateCharts(kfile string, data []byte) ([]byte, error) {
	var doc yaml.Node
	if yaml.Unmarshal(data, &doc) != nil || doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return data, nil
	}
	var k types.Kustomization
	if sigsyaml.Unmarshal(data, &k) != nil {
		return data, nil
	}
	dir := filepath.Dir(kfile)
	namespace := cmp.Or(k.Namespace, b.namespaces[dir])
	for _, e := range slices.Concat(k.Resources, k.Bases, k.Components) {
		if strings.Contains(e, "://") {
			continue
		}
		if real, err := filepath.EvalSymlinks(filepath.Join(dir, e)); err == nil {
			b.namespaces[real] = namespace
		}
	}
	legacy, legacyGlobals := types.SplitHelmParameters(k.HelmChartInflationGenerator)
	charts := slices.Concat(k.HelmCharts, legacy)
	if len(charts) == 0 {
		return data, nil
	}
	globals := legacyGlobals
	if k.HelmGlobals != nil {
		globals = *k.HelmGlobals
	}
	top := doc.Content[0]
	at := finding.Location{File: b.display(kfile)}
	items := chartEntries(top)
	if b.helm == nil {
		if len(items) > 0 {
			at.Line = items[0].Line
		}
		return nil, b.fail(at, errors.New("the kustomization inflates Helm charts (helmCharts); pass --enable-helm to palisade scan to render them from their local folders (Palisade never downloads a chart)"))
	}
	var entries []string
	for i, chart := range charts {
		if i < len(items) {
			at.Line = items[i].Line
		}
		if chart.Namespace == "" {
			chart.Namespace = namespace
		}
		docs, err := b.inflate(dir, globals, chart)
		if err != nil {
			return nil, b.fail(at, fmt.Errorf("helm chart %s: %w", chart.Name, err))
		}
		for _, d := range docs {
			if d.Err != nil {
				return nil, b.fail(at, fmt.Errorf("helm chart %s: template %s: %w", chart.Name, d.Template, d.Err))
			}
			marked, ok, err := markHelmGenerated(d.Data)
			if err != nil {
				loc := finding.Location{File: d.File, Line: d.Line, Template: d.Template}
				if d.MapLine != nil {
					loc.Line = d.MapLine(d.Line)
				}
				return nil, b.fail(loc, fmt.Errorf("helm chart %s: template %s: %w", chart.Name, d.Template, err))
			}
			if !ok {
				continue // an empty document
			}
			name := fmt.Sprintf(".palisade-helm-%d.yaml", len(b.virtual)+1)
			abs := filepath.Join(dir, name)
			v := &inflated{doc: d, data: marked}
			b.virtual[abs] = v
			if rel, err := filepath.Rel(b.root, abs); err == nil {
				b.byOrigin[rel] = v
			}
			entries = append(entries, name)
		}
	}
	return withoutCharts(&doc, entries, data), nil
}

// chartEntries are the items of helmCharts (then of helmChartInflationGenerator), in the
// order Kustomize inflates them, for the line each is written on.
func chartEntries(top *yaml.Node) []*yaml.Node {
	var out []*yaml.Node
	for _, key := range []string{"helmCharts", "helmChartInflationGenerator"} {
		if v := value(top, key); v != nil && v.Kind == yaml.SequenceNode {
			out = append(out, v.Content...)
		}
	}
	return out
}

// inflate renders one helmCharts entry of the kustomization in dir, as Kustomize's
// HelmChartInflationGenerator would with `helm template`: the chart is found where
// Kustomize looks for it, and values files are read under dir only, as Kustomize's load
// restrictions allow.
func (b *buildFS) inflate(dir string, globals types.HelmGlobals, chart types.HelmChart) ([]manifest.Document, error) {
	if chart.Name == "" {
		return nil, errors.New("the chart name is empty")
	}
	home := cmp.Or(globals.ChartHome, types.HelmDefaultHome)
	if !filepath.IsAbs(home) {
		home = filepath.Join(dir, home)
	}
	if chart.Version != "" && chart.Repo != "" {
		home = filepath.Join(home, chart.Name+"-"+chart.Version) // where kustomize pulls it to
	}
	chartDir := filepath.Join(home, chart.Name)
	if info, err := os.Stat(chartDir); err != nil || !info.IsDir() {
		return nil, fmt.Errorf("no chart folder at %s; Palisade renders only local charts and never downloads one: put the chart there first (as kustomize build would pull it%s)",
			b.display(chartDir), pullHint(chart, home, b))
	}
	if err := b.inside(dir, chartDir); err != nil {
		return nil, err
	}
	values, err := b.values(dir, chartDir, chart)
	if err != nil {
		return nil, err
	}
	return b.helm.Inflate(b.ctx, b.display(chartDir), helm.Inflation{
		ReleaseName: chart.ReleaseName, Namespace: chart.Namespace, KubeVersion: chart.KubeVersion,
		APIVersions: chart.ApiVersions, Values: values,
		IncludeCRDs: chart.IncludeCRDs, SkipTests: chart.SkipTests, SkipHooks: chart.SkipHooks,
	})
}

// pullHint is the helm pull command that puts a chart where kustomize looks for it, when
// the entry says where the chart comes from.
func pullHint(chart types.HelmChart, home string, b *buildFS) string {
	if chart.Repo == "" {
		return ""
	}
	cmd := "helm pull " + chart.Name + " --repo " + chart.Repo
	if strings.HasPrefix(chart.Repo, "oci://") {
		cmd = "helm pull " + strings.TrimSuffix(chart.Repo, "/") + "/" + chart.Name
	}
	if chart.Version != "" {
		cmd += " --version " + chart.Version
	}
	return ": " + cmd + " --untar --untardir " + b.display(home)
}

// inside fails unless path, links resolved, lies in dir, the folder of the kustomization
// that reads it: kustomize's load restrictions (LoadRestrictionsRootOnly) allow no more.
func (b *buildFS) inside(dir, path string) error {
	real, err := filepath.EvalSymlinks(path)
	if err != nil {
		return err
	}
	rel, err := filepath.Rel(dir, real)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return fmt.Errorf("%s is outside the kustomization's folder %s, which kustomize build does not read from", b.display(path), b.display(dir))
	}
	return nil
}

// readInside reads a file that a helmCharts entry names, relative to dir, where kustomize
// would read it.
func (b *buildFS) readInside(dir, file string) ([]byte, error) {
	if strings.Contains(file, "://") {
		return nil, fmt.Errorf("values file %s is a URL; Palisade never downloads a file: copy it next to the kustomization", file)
	}
	if !filepath.IsAbs(file) {
		file = filepath.Join(dir, file)
	}
	if err := b.inside(dir, file); err != nil {
		return nil, fmt.Errorf("values file: %w", err)
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("reading values file %s: %w", b.display(file), unwrapPath(err))
	}
	return data, nil
}

// values composes the values of a helmCharts entry as kustomize does: the values file (the
// chart's values.yaml unless valuesFile names another) with valuesInline by valuesMerge
// (override: inline values win; merge: the file's win; replace: the inline values alone),
// then every additionalValuesFiles file, each as a later `helm template -f`.
func (b *buildFS) values(dir, chartDir string, chart types.HelmChart) ([]map[string]any, error) {
	mode := cmp.Or(chart.ValuesMerge, "override")
	if !slices.Contains([]string{"merge", "override", "replace"}, mode) {
		return nil, fmt.Errorf("valuesMerge must be one of merge, override, replace (it is a string of %d characters)", len(mode))
	}
	var first []byte
	if mode != "replace" || len(chart.ValuesInline) == 0 {
		var err error
		if chart.ValuesFile == "" {
			// The chart's own values.yaml; a chart may have none.
			first, err = b.readInside(dir, filepath.Join(chartDir, chartutil.ValuesfileName))
			if errors.Is(err, os.ErrNotExist) {
				first, err = nil, nil
			}
		} else {
			first, err = b.readInside(dir, chart.ValuesFile)
		}
		if err != nil {
			return nil, err
		}
	}
	if len(chart.ValuesInline) > 0 {
		merged, err := mergeInline(first, chart.ValuesInline, mode)
		if err != nil {
			return nil, err
		}
		first = merged
	}
	var out []map[string]any
	files := [][]byte{first}
	for _, f := range chart.AdditionalValuesFiles {
		data, err := b.readInside(dir, f)
		if err != nil {
			return nil, err
		}
		files = append(files, data)
	}
	for i, data := range files {
		v, err := chartutil.ReadValues(data)
		if err != nil {
			return nil, fmt.Errorf("parsing values (document %d of the values given): %w", i+1, err)
		}
		out = append(out, v)
	}
	return out, nil
}

// mergeInline merges inline values with the values file as kustomize does, with kyaml's
// merge2 (whose lists and nulls behave as kustomize's do).
func mergeInline(file []byte, inline map[string]any, mode string) ([]byte, error) {
	if mode == "replace" {
		return sigsyaml.Marshal(inline)
	}
	fileNode, err := kyaml.Parse(string(file))
	if err != nil {
		return nil, fmt.Errorf("parsing the values file: %w", err)
	}
	inlineNode, err := kyaml.FromMap(inline)
	if err != nil {
		return nil, fmt.Errorf("reading valuesInline: %w", err)
	}
	var merged *kyaml.RNode
	if mode == "override" {
		merged, err = merge2.Merge(inlineNode, fileNode.Copy(), kyaml.MergeOptions{})
	} else {
		merged, err = merge2.Merge(fileNode, inlineNode.Copy(), kyaml.MergeOptions{})
	}
	if err != nil {
		return nil, fmt.Errorf("merging valuesInline with the values file: %w", err)
	}
	m, err := merged.Map()
	if err != nil {
		return nil, fmt.Errorf("merging valuesInline with the values file: %w", err)
	}
	return sigsyaml.Marshal(m)
}

// markHelmGenerated adds to a rendered document the annotation kustomize puts on what a
// chart inflation generates; ok is false for a document with nothing in it.
func markHelmGenerated(data []byte) (_ []byte, ok bool, _ error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		line, _ := yamlLine(err)
		return nil, false, fmt.Errorf("the chart rendered malformed YAML (line %d of the document)", line)
	}
	if doc.Kind == 0 || len(doc.Content) == 0 || doc.Content[0].Tag == "!!null" {
		return nil, false, nil
	}
	top := doc.Content[0]
	if top.Kind != yaml.MappingNode {
		return nil, false, errors.New("the chart rendered a document that is not an object")
	}
	meta := value(top, "metadata")
	if meta == nil || meta.Kind != yaml.MappingNode {
		meta = &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
		setValue(top, "metadata", meta)
	}
	ann := value(meta, "annotations")
	if ann == nil || ann.Kind != yaml.MappingNode {
		ann = &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
		setValue(meta, "annotations", ann)
	}
	setValue(ann, konfig.HelmGeneratedAnnotation, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: "true"})
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(&doc); err != nil {
		return nil, false, fmt.Errorf("writing the rendered document: %w", err)
	}
	return buf.Bytes(), true, nil
}

// setValue sets key in the mapping m, replacing its value when it has one.
func setValue(m *yaml.Node, key string, v *yaml.Node) {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			m.Content[i+1] = v
			return
		}
	}
	m.Content = append(m.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: key}, v)
}

// withoutCharts is the kustomization without its charts, the rendered documents named in
// its resources instead.
func withoutCharts(doc *yaml.Node, entries []string, original []byte) []byte {
	top := doc.Content[0]
	var kept []*yaml.Node
	var resources *yaml.Node
	for i := 0; i+1 < len(top.Content); i += 2 {
		switch top.Content[i].Value {
		case "helmCharts", "helmGlobals", "helmChartInflationGenerator":
			continue
		case "resources":
			resources = top.Content[i+1]
		}
		kept = append(kept, top.Content[i], top.Content[i+1])
	}
	top.Content = kept
	if len(entries) > 0 {
		if resources == nil || resources.Kind != yaml.SequenceNode {
			resources = &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
			setValue(top, "resources", resources)
		}
		for _, e := range entries {
			resources.Content = append(resources.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: e})
		}
	}
	return marshal(doc, original)
}

// yamlLine is the line of a yaml.v3 error ("yaml: line 7: ..."), 0 when it names none.
func yamlLine(err error) (int, bool) {
	var line int
	_, scanErr := fmt.Sscanf(strings.TrimPrefix(err.Error(), "yaml: "), "line %d:", &line)
	return line, scanErr == nil
}

func unwrapPath(err error) error {
	if pe, ok := errors.AsType[*os.PathError](err); ok {
		return pe.Err
	}
	return err
}

// inflatedOrigin is the rendered document a resource of the build came from, if any.
func (b *buildFS) inflatedOrigin(origin *resource.Origin) (*inflated, bool) {
	if origin == nil || origin.Repo != "" || origin.Path == "" {
		return nil, false
	}
	v, ok := b.byOrigin[filepath.Clean(origin.Path)]
	return v, ok
}
