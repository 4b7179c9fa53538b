// Package kustomize builds kustomizations with the Kustomize API, as `kustomize build` does
// with its default load restrictions, and hands each resource of the build to the manifest
// loader as a document that points back into the file the resource came from. Unless told
// otherwise it builds only kustomizations that read nothing but this disk: it never lets
// Kustomize fetch a remote base or file on its own. It decides nothing about security.
package kustomize

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	yaml "go.yaml.in/yaml/v3"
	"sigs.k8s.io/kustomize/api/konfig"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/api/resource"
	"sigs.k8s.io/kustomize/api/types"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/source/helm"
	"palisade.dev/palisade/internal/source/manifest"
)

// Kustomization is the Expander for kustomizations.
type Kustomization struct {
	// AllowRemoteResources lets Kustomize fetch what a kustomization names by URL (git
	// repositories, http(s) files), as `kustomize build` does. Without it, a kustomization
	// that names any is not built: the scan reaches no network and gives the same result
	// offline.
	AllowRemoteResources bool
	// Helm renders the charts that kustomizations name in helmCharts, as `kustomize build
	// --enable-helm` inflates them, but with the Helm SDK and from local chart folders only.
	// When nil, a kustomization with helmCharts is a scan error that says to pass
	// --enable-helm.
	Helm *helm.Chart
}

// New returns the Expander; it builds only kustomizations that read nothing but this disk.
func New() *Kustomization { return &Kustomization{} }

// Name implements manifest.Expander.
func (k *Kustomization) Name() string { return "kustomize" }

// Match reports whether dir holds a kustomization file (kustomization.yaml,
// kustomization.yml or Kustomization).
func (k *Kustomization) Match(dir string) bool {
	_, ok := kustomizationFile(dir)
	return ok
}

// kustomizationFile is the kustomization file of dir, if it has one.
func kustomizationFile(dir string) (string, bool) {
	for _, name := range konfig.RecognizedKustomizationFileNames() {
		p := filepath.Join(dir, name)
		if info, err := os.Stat(p); err == nil && info.Mode().IsRegular() {
			return p, true
		}
	}
	return "", false
}

// Expand builds the kustomization in dir and returns one document per resource.
func (k *Kustomization) Expand(ctx context.Context, dir string) ([]manifest.Document, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	kfile, _ := kustomizationFile(dir)
	if !k.AllowRemoteResources {
		if at, err := checkRemote(dir); err != nil {
			return nil, &manifest.ExpandError{Location: at, Err: fmt.Errorf("building %s: %w", dir, err)}
		}
	}
	fail := func(err error) error {
		return &manifest.ExpandError{Location: finding.Location{File: kfile}, Err: fmt.Errorf("building %s: %w", dir, err)}
	}
	root, err := filepath.Abs(dir)
	if err == nil {
		root, err = filepath.EvalSymlinks(root)
	}
	if err != nil {
		return nil, fail(err)
	}
	disk := newBuildFS(ctx, root, dir, k.Helm)
	resources, err := krusty.MakeKustomizer(krusty.MakeDefaultOptions()).Run(disk, root)
	if disk.err != nil {
		return nil, disk.err
	}
	if err != nil {
		return nil, buildError(dir, kfile, err)
	}
	sources := sourceFiles{}
	var docs []manifest.Document
	for _, r := range resources.Resources() {
		origin, err := r.GetOrigin()
		if err != nil {
			return nil, fail(fmt.Errorf("reading the origin of %s: %w", r.CurId(), err))
		}
		// Build metadata is Kustomize's, not the user's: it must not reach the rules.
		if err := r.SetOrigin(nil); err != nil {
			return nil, fail(err)
		}
		if err := r.ClearTransformations(); err != nil {
			return nil, fail(err)
		}
		data, err := r.AsYAML()
		if err != nil {
			return nil, fail(fmt.Errorf("writing %s: %w", r.CurId(), err))
		}
		// Without an origin on this disk (a remote base), the kustomization folder is all
		// that can be named, and no line of it.
		doc := manifest.Document{File: dir, Line: 1, Data: data, MapLine: func(int) int { return 1 }}
		if v, ok := disk.inflatedOrigin(origin); ok {
			doc.File, doc.Template = v.doc.File, v.doc.Template
			doc.MapLine = sources.renderedLineMap(v, r.GetKind(), r.GetName(), data)
		} else if file, ok := originFile(dir, origin); ok {
			doc.File = file
			doc.MapLine = sources.lineMap(file, r.GetKind(), r.GetName(), data)
		}
		docs = append(docs, doc)
	}
	return docs, nil
}

// accumulationError is how Kustomize names the entry of resources: that failed.
var accumulationError = regexp.MustCompile(`accumulating resources from '([^']+)'`)

// buildError places a failed build at its kustomization file, on the line of the entry of
// resources: that failed when Kustomize names one, and says plainly when that entry is a
// local path that does not exist (Kustomize's own message then tells how it tried it as a
// file and as a folder).
func buildError(dir, kfile string, err error) error {
	loc := finding.Location{File: kfile}
	if strings.Contains(err.Error(), "must specify --enable-helm") {
		// A HelmChartInflationGenerator named by generators: Kustomize's own, which runs a
		// helm binary. (Kustomize's message would also quote the generator's configuration.)
		return &manifest.ExpandError{Location: loc, Err: fmt.Errorf("building %s: a HelmChartInflationGenerator named in generators is not run (it would run a helm binary); name the chart in helmCharts instead, which palisade scan --enable-helm renders from its local folder", dir)}
	}
	wrapped := fmt.Errorf("building %s: %w", dir, err)
	m := accumulationError.FindStringSubmatch(err.Error())
	if m == nil {
		return &manifest.ExpandError{Location: loc, Err: wrapped}
	}
	entry := m[1]
	if data, readErr := os.ReadFile(kfile); readErr == nil {
		for i, l := range strings.Split(string(data), "\n") {
			if t := strings.TrimSpace(l); strings.HasPrefix(t, "-") && strings.Trim(strings.TrimSpace(t[1:]), `"'`) == entry {
				loc.Line = i + 1
				break
			}
		}
	}
	if !strings.Contains(entry, "://") && !filepath.IsAbs(entry) {
		if _, statErr := os.Lstat(filepath.Join(dir, entry)); errors.Is(statErr, fs.ErrNotExist) {
			wrapped = fmt.Errorf("building %s: resource %s: no such file or folder", dir, entry)
		}
	}
	return &manifest.ExpandError{Location: loc, Err: wrapped}
}

// originFile is the file a resource came from, as the user would name it: the resource file
// for resources, the kustomization that configured it for generated ones. Remote resources
// (from a git repository or an http(s) URL) have none on this disk.
func originFile(dir string, origin *resource.Origin) (string, bool) {
	switch {
	case origin == nil || origin.Repo != "" || isRemoteFile(origin.Path):
		return "", false
	case origin.Path != "":
		return filepath.Join(dir, origin.Path), true
	case origin.ConfiguredIn != "":
		return filepath.Join(dir, origin.ConfiguredIn), true
	}
	return "", false
}

func isKustomizationName(name string) bool {
	for _, n := range konfig.RecognizedKustomizationFileNames() {
		if n == name {
			return true
		}
	}
	return false
}

// withOriginAnnotations adds originAnnotations to the kustomization's buildMetadata. A file
// that does not parse is left as it is, for Kustomize to report.
func withOriginAnnotations(data []byte) []byte {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil || doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
		return data
	}
	top := doc.Content[0]
	if top.Kind != yaml.MappingNode {
		return data
	}
	item := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: types.OriginAnnotations}
	for i := 0; i+1 < len(top.Content); i += 2 {
		if top.Content[i].Value != "buildMetadata" {
			continue
		}
		list := top.Content[i+1]
		if list.Kind != yaml.SequenceNode {
			return data
		}
		for _, v := range list.Content {
			if v.Value == types.OriginAnnotations {
				return data
			}
		}
		list.Content = append(list.Content, item)
		return marshal(&doc, data)
	}
	top.Content = append(top.Content,
		&yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: "buildMetadata"},
		&yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Content: []*yaml.Node{item}})
	return marshal(&doc, data)
}

func marshal(doc *yaml.Node, original []byte) []byte {
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(doc); err != nil {
		return original
	}
	return buf.Bytes()
}
