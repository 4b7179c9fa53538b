package kustomize

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	yaml "go.yaml.in/yaml/v3"
	"sigs.k8s.io/kustomize/api/konfig"

	"palisade.dev/palisade/internal/finding"
)

// A scan must not reach the network unless the user asks for it, and must give the same result
// offline. Kustomize fetches by itself whatever a kustomization names by URL, so before a build
// the kustomization tree is walked as Kustomize would resolve it on this disk (the root
// kustomization, then every local base, component and plugin folder it names, and theirs), and
// every entry Kustomize would fetch is collected. Nothing is fetched. The fields walked are the
// ones `kustomize localize` rewrites, Kustomize's own list of everything a kustomization loads.

// maxKustomizationDepth bounds how deep bases may nest. Kustomize has no bound of its own;
// a real tree is a few levels deep, and a deeper one is refused rather than built unchecked.
const maxKustomizationDepth = 64

// remoteReference is an entry of a kustomization that Kustomize would fetch.
type remoteReference struct {
	what  string // what the entry is: resource, component, patch ...
	entry string
	at    finding.Location
}

// remoteError is why a kustomization was not built: the first entry it would fetch, and how
// many more there are.
type remoteError struct {
	first remoteReference
	more  int
}

func (e *remoteError) Error() string {
	msg := fmt.Sprintf("remote %s %s: not fetched; Palisade does not reach the network during a scan unless --allow-remote-resources is given",
		e.first.what, shownEntry(e.first.entry))
	switch e.more {
	case 0:
		return msg
	case 1:
		return msg + " (1 more remote entry in this build)"
	}
	return fmt.Sprintf("%s (%d more remote entries in this build)", msg, e.more)
}

// errTooDeep is a kustomization whose bases nest deeper than maxKustomizationDepth.
var errTooDeep = fmt.Errorf("kustomizations nest more than %d deep: not built, since what they would fetch cannot all be checked", maxKustomizationDepth)

// checkRemote walks the kustomization in dir and returns, located at the entry, an error for
// the first entry Kustomize would fetch (or for nesting too deep to check); nil when the build
// reads only this disk.
func checkRemote(dir string) (finding.Location, error) {
	w := remoteWalk{visited: map[string]bool{}}
	w.kustomization(dir, 0, false)
	switch {
	case len(w.found) > 0:
		return w.found[0].at, &remoteError{first: w.found[0], more: len(w.found) - 1}
	case w.tooDeep != nil:
		return *w.tooDeep, errTooDeep
	}
	return finding.Location{}, nil
}

// remoteWalk collects the remote entries of a kustomization tree.
type remoteWalk struct {
	visited map[string]bool // kustomization folders walked, by real path and role
	found   []remoteReference
	tooDeep *finding.Location
}

// kustomization walks the kustomization file of dir. plugins is set for a kustomization
// named by generators, transformers or validators: its resources are plugin configurations.
func (w *remoteWalk) kustomization(dir string, depth int, plugins bool) {
	kfile, ok := kustomizationFile(dir)
	if !ok {
		return
	}
	// Kustomize resolves entries from the real folder; the path as given is kept when it is
	// the same one, so that errors name files as the user does.
	real, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return
	}
	if real != filepath.Clean(dir) {
		dir, kfile = real, filepath.Join(real, filepath.Base(kfile))
	}
	abs, err := filepath.Abs(real)
	if err != nil {
		return
	}
	key := fmt.Sprintf("%s\x00%t", abs, plugins)
	if w.visited[key] {
		return // a base shared by two overlays, or a cycle, which Kustomize reports itself
	}
	w.visited[key] = true
	docs := yamlDocuments(kfile)
	if len(docs) == 0 || docs[0].Kind != yaml.MappingNode {
		return // Kustomize reports a kustomization it cannot read, before it fetches anything
	}
	at := lineIn(kfile)
	top := docs[0]
	for i := 0; i+1 < len(top.Content); i += 2 {
		name, value := top.Content[i].Value, resolve(top.Content[i+1])
		switch name {
		case "resources", "bases":
			for _, e := range scalars(value) {
				w.root(dir, strings.TrimSuffix(name, "s"), e, at, depth, plugins)
			}
		case "components":
			for _, e := range scalars(value) {
				w.component(dir, e, at, depth)
			}
		case "generators", "transformers", "validators":
			for _, e := range scalars(value) {
				w.plugin(dir, strings.TrimSuffix(name, "s"), e, at, depth)
			}
		case "crds":
			w.files("CRD file", scalars(value), at)
		case "configurations":
			w.files("configuration file", scalars(value), at)
		case "patchesStrategicMerge":
			w.files("patch", scalars(value), at) // an inline patch is never a URL
		case "patches", "patchesJson6902":
			for _, item := range mappings(value) {
				w.files("patch", scalars(field(item, "path")), at)
			}
		case "replacements":
			for _, item := range mappings(value) {
				w.files("replacement file", scalars(field(item, "path")), at)
			}
		case "openapi":
			w.files("OpenAPI schema", scalars(field(value, "path")), at)
		case "configMapGenerator", "secretGenerator":
			for _, item := range mappings(value) {
				w.generatorSources(item, at)
			}
		case "helmCharts":
			for _, item := range mappings(value) {
				w.files("values file", scalars(field(item, "valuesFile")), at)
				w.files("values file", scalars(field(item, "additionalValuesFiles")), at)
			}
		case "helmChartInflationGenerator":
			for _, item := range mappings(value) {
				w.files("values file", scalars(field(item, "values")), at)
			}
		}
	}
}

// root is an entry that Kustomize loads as a file and, failing that, as a kustomization root
// (resources, bases, and the entries of generators, transformers and validators): fetched
// when it is an http(s) URL or a git repository, walked when it is a local folder.
func (w *remoteWalk) root(dir, what string, e *yaml.Node, at locator, depth int, plugins bool) {
	local := localPath(dir, e.Value)
	info, statErr := os.Stat(local)
	isFile := statErr == nil && info.Mode().IsRegular()
	switch {
	case isRemoteFile(e.Value) || (isGitRepository(e.Value) && !isFile):
		w.found = append(w.found, remoteReference{what: what, entry: e.Value, at: at(e)})
	case statErr != nil:
	case info.IsDir():
		w.enter(local, depth, plugins, at(e))
	case isFile && plugins:
		w.pluginConfigs(yamlDocuments(local), lineIn(local))
	}
}

// component is an entry of components: always a kustomization root, never a file.
func (w *remoteWalk) component(dir string, e *yaml.Node, at locator, depth int) {
	if isGitRepository(e.Value) {
		w.found = append(w.found, remoteReference{what: "component", entry: e.Value, at: at(e)})
		return
	}
	if info, err := os.Stat(localPath(dir, e.Value)); err == nil && info.IsDir() {
		w.enter(localPath(dir, e.Value), depth, false, at(e))
	}
}

// plugin is an entry of generators, transformers or validators: a plugin configuration
// written inline, or a file or folder that holds them.
func (w *remoteWalk) plugin(dir, what string, e *yaml.Node, at locator, depth int) {
	if inline := documentsOf([]byte(e.Value)); strings.Contains(e.Value, "\n") || (len(inline) > 0 && inline[0].Kind == yaml.MappingNode) {
		// Lines inside an inline configuration are not lines of the file: place all on the entry.
		w.pluginConfigs(inline, func(*yaml.Node) finding.Location { return at(e) })
		return
	}
	w.root(dir, what, e, at, depth, true)
}

func (w *remoteWalk) enter(dir string, depth int, plugins bool, from finding.Location) {
	if depth+1 > maxKustomizationDepth {
		if w.tooDeep == nil {
			w.tooDeep = &from
		}
		return
	}
	w.kustomization(dir, depth+1, plugins)
}

// pluginConfigs checks the files that Kustomize's built-in plugins load. Plugins other than
// the built-in ones are not run by the build (krusty's default plugin configuration), so
// they fetch nothing.
func (w *remoteWalk) pluginConfigs(docs []*yaml.Node, at locator) {
	for _, d := range docs {
		if d.Kind != yaml.MappingNode || scalar(d, "apiVersion") != konfig.BuiltinPluginApiVersion {
			continue
		}
		switch scalar(d, "kind") {
		case "ConfigMapGenerator", "SecretGenerator":
			w.generatorSources(d, at)
		case "HelmChartInflationGenerator":
			w.files("values file", scalars(field(d, "valuesFile")), at)
			w.files("values file", scalars(field(d, "additionalValuesFiles")), at)
		case "PatchTransformer", "PatchJson6902Transformer":
			w.files("patch", scalars(field(d, "path")), at)
		case "PatchStrategicMergeTransformer":
			w.files("patch", scalars(field(d, "paths")), at)
		case "ReplacementTransformer":
			for _, item := range mappings(field(d, "replacements")) {
				w.files("replacement file", scalars(field(item, "path")), at)
			}
		}
	}
}

// generatorSources checks the files of a ConfigMap or Secret generator: env, envs, and files
// written as PATH or KEY=PATH.
func (w *remoteWalk) generatorSources(gen *yaml.Node, at locator) {
	w.files("env file", scalars(field(gen, "env")), at)
	w.files("env file", scalars(field(gen, "envs")), at)
	for _, e := range scalars(field(gen, "files")) {
		// As Kustomize reads a file source: one = separates a key from the path; with more,
		// the entry is an error, and nothing is loaded.
		source := *e
		switch strings.Count(source.Value, "=") {
		case 0:
		case 1:
			_, source.Value, _ = strings.Cut(source.Value, "=")
		default:
			continue
		}
		w.files("generator file", []*yaml.Node{&source}, at)
	}
}

// files checks entries that Kustomize loads only as files: fetched when they are http(s) URLs.
func (w *remoteWalk) files(what string, entries []*yaml.Node, at locator) {
	for _, e := range entries {
		if isRemoteFile(e.Value) {
			w.found = append(w.found, remoteReference{what: what, entry: e.Value, at: at(e)})
		}
	}
}

// locator places a node of a file.
type locator func(*yaml.Node) finding.Location

func lineIn(file string) locator {
	return func(n *yaml.Node) finding.Location {
		return finding.Location{File: file, Line: n.Line, Column: n.Column}
	}
}

// localPath is where Kustomize looks for entry on this disk, relative to the kustomization.
func localPath(dir, entry string) string {
	if filepath.IsAbs(entry) {
		return entry
	}
	return filepath.Join(dir, filepath.FromSlash(entry))
}

// yamlDocuments parses every document of file; what cannot be read or parsed gives none,
// and is left for Kustomize to report.
func yamlDocuments(file string) []*yaml.Node {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil
	}
	return documentsOf(data)
}

func documentsOf(data []byte) []*yaml.Node {
	var docs []*yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for {
		var doc yaml.Node
		if err := dec.Decode(&doc); err != nil {
			return docs // the end, or what Kustomize will report
		}
		if len(doc.Content) > 0 {
			docs = append(docs, resolve(doc.Content[0]))
		}
	}
}

// resolve follows an alias to the node it names.
func resolve(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && i < 16; i++ {
		n = n.Alias
	}
	return n
}

// scalars are the scalar entries of a list, or the value itself when it is a scalar.
func scalars(n *yaml.Node) []*yaml.Node {
	n = resolve(n)
	switch {
	case n == nil:
		return nil
	case n.Kind == yaml.ScalarNode:
		return []*yaml.Node{n}
	case n.Kind != yaml.SequenceNode:
		return nil
	}
	var out []*yaml.Node
	for _, c := range n.Content {
		if c = resolve(c); c != nil && c.Kind == yaml.ScalarNode {
			out = append(out, c)
		}
	}
	return out
}

// mappings are the mapping entries of a list.
func mappings(n *yaml.Node) []*yaml.Node {
	n = resolve(n)
	if n == nil || n.Kind != yaml.SequenceNode {
		return nil
	}
	var out []*yaml.Node
	for _, c := range n.Content {
		if c = resolve(c); c != nil && c.Kind == yaml.MappingNode {
			out = append(out, c)
		}
	}
	return out
}

// field is the value of key in mapping m, aliases followed; nil when m is not a mapping.
func field(m *yaml.Node, key string) *yaml.Node {
	if m = resolve(m); m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	return resolve(value(m, key))
}
