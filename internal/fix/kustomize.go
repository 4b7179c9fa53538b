package fix

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	yaml "go.yaml.in/yaml/v3"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/source/manifest"
)

// A kustomization writes each resource anew, so a remedy of a built object is made in the
// file that holds the field: the resource file of the base when the field's value comes from
// it, or the strategic-merge patch that sets it. Where that cannot be told (a JSON 6902
// patch, an inline patch, a patch chosen by labels, a transformer that may rewrite any
// field), the remedy stays advice, at the patch's line when one is to blame.

// Kustomizations places the findings of a run's kustomizations, reading each kustomization
// and source file once. The zero value is ready to use; it is for one goroutine.
type Kustomizations struct {
	patches map[string]patchesRead
	files   map[string][]sourceDoc
}

// patchesRead is what kustomizationPatches read for a folder.
type patchesRead struct {
	refs []patchRef
	ok   bool
}

func (k *Kustomizations) patchesOf(dir string) ([]patchRef, bool) {
	if r, ok := k.patches[dir]; ok {
		return r.refs, r.ok
	}
	refs, ok := kustomizationPatches(dir, map[string]bool{})
	if k.patches == nil {
		k.patches = map[string]patchesRead{}
	}
	k.patches[dir] = patchesRead{refs, ok}
	return refs, ok
}

func (k *Kustomizations) documents(file string) []sourceDoc {
	if docs, ok := k.files[file]; ok {
		return docs
	}
	var docs []sourceDoc
	if data, err := os.ReadFile(file); err == nil {
		docs = readDocuments(file, data)
	}
	if k.files == nil {
		k.files = map[string][]sourceDoc{}
	}
	k.files[file] = docs
	return docs
}

// Place retargets a finding about an object that the kustomization in dir built from
// rendered (the object as built) onto the file that holds its fields. It returns the finding
// with its Location and Fix in that file's terms and true when every field change of it can
// be made there; else the finding with its Location at the place to change by hand (a
// patch's line, or the resource as before) and false.
func (k *Kustomizations) Place(dir string, rendered []byte, f finding.Finding) (finding.Finding, bool) {
	var built yaml.Node
	if yaml.Unmarshal(rendered, &built) != nil || len(built.Content) != 1 || built.Content[0].Kind != yaml.MappingNode {
		return f, false
	}
	obj := built.Content[0]
	kind := scalarAt(obj, "kind")
	name := scalarAt(mappingValue(obj, "metadata"), "name")
	patches, ok := k.patchesOf(dir)
	if !ok || kind == "" || name == "" {
		return f, false
	}
	base, ok := pickDocument(k.documents(f.Location.File), kind, name)
	if !ok {
		return f, false
	}
	out := f
	out.Fix = nil
	var target *sourceDoc
	for _, p := range f.Fix {
		segs, err := parsePath(p.Path)
		if err != nil {
			return f, false
		}
		at, path, blame := place(obj, base, patches, kind, name, segs, p)
		switch {
		case at == nil && p.IsNote():
			continue // a note that has no place is left out, as in any file
		case at == nil:
			if blame.File == "" {
				return f, false
			}
			advice := f
			advice.Location = blame
			return advice, false
		case target != nil && (target.file != at.file || target.index != at.index):
			return f, false // one finding, one file: its fields are fixed together or not at all
		}
		if _, err := parsePath(path); err != nil {
			return f, false // a key the path form cannot write (one holding "]")
		}
		target = at
		p.Path = path
		out.Fix = append(out.Fix, p)
	}
	if target == nil {
		return f, false
	}
	out.Location = finding.Location{File: target.file, Document: target.index, Line: target.node.Line}
	out.Object = finding.ObjectRef{APIVersion: f.Object.APIVersion, Kind: kind, Name: scalarAt(mappingValue(target.node, "metadata"), "name")}
	return out, true
}

// sourceDoc is one document of a source file: a resource or a strategic-merge patch.
type sourceDoc struct {
	file  string
	index int // 1-based, as the manifest loader counts
	node  *yaml.Node
}

// patchRef is one patch a kustomization applies.
type patchRef struct {
	file     string // the patch file; the kustomization itself for an inline patch
	line     int    // where the patch is named (or written)
	inline   bool
	json6902 []jsonOp // a JSON 6902 patch's operations; nil for a strategic-merge patch
	docs     []sourceDoc
	// target is the patch's target selector: kind and name when given, and whether it selects
	// by anything else (labels, annotations), which Palisade does not judge.
	kind, name string
	selector   bool
	targeted   bool
}

type jsonOp struct {
	path []string
	line int
}

// kustomizationPatches reads the patches of the kustomization in dir and of the local
// kustomizations it builds on. false when the kustomization does something to fields that
// Palisade does not follow (replacements, transformers, components, a remote base).
func kustomizationPatches(dir string, seen map[string]bool) ([]patchRef, bool) {
	kfile, ok := kustomizationIn(dir)
	if !ok || seen[kfile] {
		return nil, ok
	}
	seen[kfile] = true
	data, err := os.ReadFile(kfile)
	if err != nil {
		return nil, false
	}
	var root yaml.Node
	if yaml.Unmarshal(data, &root) != nil || len(root.Content) != 1 || root.Content[0].Kind != yaml.MappingNode {
		return nil, false
	}
	k := root.Content[0]
	var out []patchRef
	for i := 0; i+1 < len(k.Content); i += 2 {
		key, v := k.Content[i].Value, k.Content[i+1]
		switch key {
		case "replacements", "transformers", "components", "vars", "helmCharts", "helmChartInflationGenerator", "crds", "openapi", "validators":
			return nil, false
		case "resources", "bases":
			for _, r := range v.Content {
				sub := filepath.Join(dir, r.Value)
				if strings.Contains(r.Value, "://") {
					return nil, false
				}
				if info, err := os.Stat(sub); err == nil && info.IsDir() {
					more, ok := kustomizationPatches(sub, seen)
					if !ok {
						return nil, false
					}
					out = append(out, more...)
				}
			}
		case "patchesStrategicMerge":
			for _, p := range v.Content {
				ref, ok := readPatch(dir, kfile, p.Value, "", p.Line)
				if !ok {
					return nil, false
				}
				out = append(out, ref)
			}
		case "patches", "patchesJson6902":
			for _, p := range v.Content {
				ref, ok := readPatch(dir, kfile, scalarAt(p, "path"), scalarAt(p, "patch"), p.Line)
				if !ok {
					return nil, false
				}
				if t := mappingValue(p, "target"); t != nil {
					ref.targeted = true
					ref.kind, ref.name = scalarAt(t, "kind"), scalarAt(t, "name")
					ref.selector = scalarAt(t, "labelSelector") != "" || scalarAt(t, "annotationSelector") != "" ||
						strings.ContainsAny(ref.name, `^$*+?()[]{}|\`)
				}
				if key == "patchesJson6902" && ref.json6902 == nil {
					ref.json6902 = []jsonOp{}
				}
				out = append(out, ref)
			}
		}
	}
	return out, true
}

// kustomizationIn is the kustomization file of dir.
func kustomizationIn(dir string) (string, bool) {
	for _, name := range []string{"kustomization.yaml", "kustomization.yml", "Kustomization"} {
		p := filepath.Join(dir, name)
		if info, err := os.Stat(p); err == nil && info.Mode().IsRegular() {
			return p, true
		}
	}
	return "", false
}

// readPatch reads one patch: from its file, or written inline in the kustomization (then
// only the kustomization's line can be named).
func readPatch(dir, kfile, path, inline string, line int) (patchRef, bool) {
	ref := patchRef{file: kfile, line: line, inline: true}
	data := []byte(inline)
	if path != "" {
		if strings.Contains(path, "://") {
			return ref, false
		}
		var err error
		ref = patchRef{file: filepath.Join(dir, path), line: 1}
		if data, err = os.ReadFile(ref.file); err != nil {
			return ref, false
		}
	}
	ops, isJSON, ok := readJSONPatch(data)
	if !ok {
		return ref, false
	}
	if isJSON {
		ref.json6902 = ops
		return ref, true
	}
	ref.docs = readDocuments(ref.file, data)
	return ref, len(ref.docs) > 0 || len(bytes.TrimSpace(data)) == 0
}

// readJSONPatch reads a JSON 6902 patch (a list of operations, in YAML or JSON); isJSON is
// false for anything else, which Kustomize reads as a strategic-merge patch.
func readJSONPatch(data []byte) (ops []jsonOp, isJSON, ok bool) {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		// Several documents, say: a strategic-merge patch file, read document by document.
		return nil, false, true
	}
	if len(root.Content) != 1 || root.Content[0].Kind != yaml.SequenceNode {
		return nil, false, true
	}
	for _, op := range root.Content[0].Content {
		path := scalarAt(op, "path")
		if !strings.HasPrefix(path, "/") {
			return nil, true, false
		}
		var segs []string
		for _, s := range strings.Split(path[1:], "/") {
			segs = append(segs, strings.ReplaceAll(strings.ReplaceAll(s, "~1", "/"), "~0", "~"))
		}
		ops = append(ops, jsonOp{segs, op.Line})
		if from := scalarAt(op, "from"); from != "" {
			ops = append(ops, jsonOp{strings.Split(strings.TrimPrefix(from, "/"), "/"), op.Line})
		}
	}
	return ops, true, true
}

// readDocuments parses the documents of a file that are mappings.
func readDocuments(file string, data []byte) []sourceDoc {
	split, err := manifest.SplitDocuments(data, file)
	if err != nil {
		return nil
	}
	var out []sourceDoc
	for _, d := range split {
		var n yaml.Node
		if d.Err != nil || yaml.Unmarshal(d.Data, &n) != nil || len(n.Content) != 1 || n.Content[0].Kind != yaml.MappingNode {
			continue
		}
		node := n.Content[0]
		shiftLines(node, d.Line-1)
		out = append(out, sourceDoc{file, d.Index, node})
	}
	return out
}

// shiftLines makes a document's node lines lines of its file.
func shiftLines(n *yaml.Node, by int) {
	n.Line += by
	for _, c := range n.Content {
		shiftLines(c, by)
	}
}

// pickDocument finds the document that holds the object of that kind built under name: the
// one of that name, or else (a namePrefix or nameSuffix added to it) the one with the longest
// name that name contains.
func pickDocument(docs []sourceDoc, kind, name string) (*sourceDoc, bool) {
	var best *sourceDoc
	for i := range docs {
		d := &docs[i]
		if scalarAt(d.node, "kind") != kind {
			continue
		}
		n := scalarAt(mappingValue(d.node, "metadata"), "name")
		switch {
		case n == name:
			return d, true
		case n != "" && strings.Contains(name, n) && (best == nil || len(n) > len(scalarAt(mappingValue(best.node, "metadata"), "name"))):
			best = d
		}
	}
	return best, best != nil
}

// place finds the document that holds the field at segs of the built object obj and the
// field's path there. It returns no document, and the place to blame when there is one,
// when the field cannot be edited safely.
func place(obj *yaml.Node, base *sourceDoc, patches []patchRef, kind, name string, segs []segment, p finding.Patch) (*sourceDoc, string, finding.Location) {
	baseName := scalarAt(mappingValue(base.node, "metadata"), "name")
	var setter *sourceDoc
	var setterPath string
	for _, ref := range patches {
		if !ref.selects(kind, name, baseName) {
			continue
		}
		// The document keeps the advice apart from findings without a place (the patch file's
		// first, or the kustomization, for a patch written in it).
		blame := finding.Location{File: ref.file, Document: 1, Line: ref.line}
		if ref.json6902 != nil {
			for _, op := range ref.json6902 {
				if jsonTouches(op.path, segs) {
					blame.Line = op.line
					return nil, "", blame
				}
			}
			continue
		}
		for i := range ref.docs {
			d := &ref.docs[i]
			if !ref.patches(d, kind, name, baseName) {
				continue
			}
			path, sets, touches, line := followPatch(obj, d.node, segs)
			switch {
			case touches && (ref.inline || !sets || setter != nil):
				blame.Line = line
				if !ref.inline {
					blame.Document = d.index
				}
				return nil, "", blame
			case sets:
				setter, setterPath = d, path
			}
		}
	}
	if setter != nil {
		if p.Remove && fieldIn(obj, base.node, segs) {
			return nil, "", finding.Location{File: setter.file, Document: setter.index, Line: setter.node.Line}
		}
		return setter, setterPath, finding.Location{}
	}
	if path, ok := translate(obj, base.node, segs); ok {
		if !sameField(obj, base.node, segs) {
			return nil, "", finding.Location{}
		}
		return base, path, finding.Location{}
	}
	// A list item the resource lacks (a sidecar container) comes from the one strategic-merge
	// patch that holds it, where the field then goes.
	var holder *sourceDoc
	var holderPath string
	for _, ref := range patches {
		if ref.json6902 != nil || !ref.selects(kind, name, baseName) {
			continue
		}
		for i := range ref.docs {
			d := &ref.docs[i]
			if !ref.patches(d, kind, name, baseName) {
				continue
			}
			path, ok := translate(obj, d.node, segs)
			if !ok || !sameField(obj, d.node, segs) {
				continue
			}
			if holder != nil || ref.inline {
				return nil, "", finding.Location{}
			}
			holder, holderPath = d, path
		}
	}
	if holder == nil {
		return nil, "", finding.Location{}
	}
	return holder, holderPath, finding.Location{}
}

// selects reports whether a patch may apply to the object (kind, built name, name in its
// resource file). A patch chosen by labels or a pattern is taken to apply.
func (r patchRef) selects(kind, name, baseName string) bool {
	if !r.targeted {
		return true // a strategic-merge patch names its object in its documents
	}
	if r.selector {
		return true
	}
	return (r.kind == "" || r.kind == kind) && (r.name == "" || r.name == name || r.name == baseName)
}

// patches reports whether the document d of a strategic-merge patch applies to the object:
// the patch's target chose it, or the document names it (by its name in its resource file or
// as built).
func (r patchRef) patches(d *sourceDoc, kind, name, baseName string) bool {
	if r.targeted {
		return true
	}
	n := scalarAt(mappingValue(d.node, "metadata"), "name")
	return scalarAt(d.node, "kind") == kind && (n == baseName || n == name)
}

// jsonTouches reports whether a JSON 6902 operation's path and a field path lead one into
// the other. An operation that appends to a list ("-") is taken to reach its items.
func jsonTouches(op []string, segs []segment) bool {
	for i := 0; i < len(op) && i < len(segs); i++ {
		s := segs[i]
		switch {
		case op[i] == "-" && s.isIndex:
			return true
		case s.isIndex && op[i] == strconv.Itoa(s.index), !s.isIndex && op[i] == s.key:
		default:
			return false
		}
	}
	return true
}

// followPatch follows a field path of the built object obj into a strategic-merge patch
// document, list items by their names. sets: the patch holds the field itself (path is the
// field's path in the patch); touches: it holds the field or something that replaces or
// deletes it (a directive, a value where the path goes on); line is where.
func followPatch(obj, patch *yaml.Node, segs []segment) (path string, sets, touches bool, line int) {
	b, o, n := strings.Builder{}, obj, patch
	for i, s := range segs {
		if mappingValue(n, "$patch") != nil || mappingValue(n, "$retainKeys") != nil {
			return "", false, true, n.Line
		}
		if s.isIndex {
			item, at, ok := sameNamedItem(o, n, s.index)
			if !ok {
				return "", false, n.Kind == yaml.SequenceNode, n.Line
			}
			if item == nil {
				return "", false, false, 0
			}
			o, n = o.Content[s.index], item
			b.WriteString("[" + strconv.Itoa(at) + "]")
			continue
		}
		if n.Kind != yaml.MappingNode {
			return "", false, true, n.Line
		}
		next := mappingValue(n, s.key)
		if next == nil {
			if mappingValue(n, "$setElementOrder/"+s.key) != nil || mappingValue(n, "$deleteFromPrimitiveList/"+s.key) != nil {
				return "", false, true, n.Line
			}
			return "", false, false, 0
		}
		writeKey(&b, s.key, i)
		if o != nil {
			o = mappingValue(o, s.key)
		}
		n = next
	}
	return b.String(), true, true, n.Line
}

// sameNamedItem finds in the list src the item that is item i of the built list built: the
// item of the same name. ok is false when the lists are not lists of named items; item nil
// when src has no item of that name.
func sameNamedItem(built, src *yaml.Node, i int) (item *yaml.Node, at int, ok bool) {
	if built == nil || built.Kind != yaml.SequenceNode || src.Kind != yaml.SequenceNode || i >= len(built.Content) {
		return nil, 0, false
	}
	name := scalarAt(built.Content[i], "name")
	if name == "" {
		return nil, 0, false
	}
	for j, c := range src.Content {
		if scalarAt(c, "name") == name {
			return c, j, true
		}
	}
	return nil, 0, true
}

// translate is the path in the resource document src of the field at segs of the built
// object, list items by their names; false when src lacks a named item on the way (a patch
// added it) or a list is not of named items.
func translate(built, src *yaml.Node, segs []segment) (string, bool) {
	var b strings.Builder
	o, n := built, src
	for i, s := range segs {
		if n == nil && s.isIndex {
			return "", false
		}
		if n == nil {
			writeKey(&b, s.key, i)
			continue
		}
		if s.isIndex {
			item, at, ok := sameNamedItem(o, n, s.index)
			if !ok || item == nil {
				return "", false
			}
			o, n = o.Content[s.index], item
			b.WriteString("[" + strconv.Itoa(at) + "]")
			continue
		}
		writeKey(&b, s.key, i)
		if o != nil {
			o = mappingValue(o, s.key)
		}
		if n.Kind != yaml.MappingNode {
			return "", false
		}
		n = mappingValue(n, s.key)
	}
	return b.String(), true
}

// fieldIn reports whether the resource document src holds the field at segs of the built
// object.
func fieldIn(built, src *yaml.Node, segs []segment) bool {
	_, n := fieldAt(built, src, segs)
	return n != nil
}

// sameField reports whether the field at segs reads the same in the built object and in its
// resource document: the value comes from the resource, not from a transformer.
func sameField(built, src *yaml.Node, segs []segment) bool {
	o, n := fieldAt(built, src, segs)
	if o == nil || n == nil {
		return o == nil && n == nil
	}
	var a, b any
	if o.Decode(&a) != nil || n.Decode(&b) != nil {
		return false
	}
	return equalPlain(a, b)
}

// fieldAt is the field at segs in the built object and in its resource document.
func fieldAt(built, src *yaml.Node, segs []segment) (*yaml.Node, *yaml.Node) {
	o, n := built, src
	for _, s := range segs {
		if o == nil && n == nil {
			break
		}
		if s.isIndex {
			var item *yaml.Node
			if n != nil {
				item, _, _ = sameNamedItem(o, n, s.index)
			}
			if o != nil && o.Kind == yaml.SequenceNode && s.index < len(o.Content) {
				o = o.Content[s.index]
			} else {
				o = nil
			}
			n = item
			continue
		}
		if o != nil {
			o = mappingValue(o, s.key)
		}
		if n != nil {
			n = mappingValue(n, s.key)
		}
	}
	return o, n
}

func equalPlain(a, b any) bool {
	x, err1 := yaml.Marshal(a)
	y, err2 := yaml.Marshal(b)
	return err1 == nil && err2 == nil && bytes.Equal(x, y)
}

// writeKey writes a key of a field path: .key, or [key] for a key holding dots or brackets.
func writeKey(b *strings.Builder, key string, i int) {
	switch {
	case key == "" || strings.ContainsAny(key, ".[]"):
		b.WriteString("[" + key + "]")
	case i > 0:
		b.WriteString("." + key)
	default:
		b.WriteString(key)
	}
}

// scalarAt is the scalar value of key in mapping m, or "".
func scalarAt(m *yaml.Node, key string) string {
	if m == nil {
		return ""
	}
	if v := mappingValue(m, key); v != nil && v.Kind == yaml.ScalarNode {
		return v.Value
	}
	return ""
}
