// Package manifest fills an inventory from Kubernetes manifests: files, folders, standard
// input, and whatever an Expander (Helm, Kustomize) renders from a folder. It decodes each YAML
// or JSON document once, into the typed k8s.io/api object for built-in kinds and plain data for
// the rest, records the position of every field, and reports what the API server would drop or
// reject. It never decides whether an object is secure: that is the rules' job.
package manifest

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"

	yaml "go.yaml.in/yaml/v3"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	k8sruntime "k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/kubernetes/scheme"

	corev1 "k8s.io/api/core/v1"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/inventory"
	"palisade.dev/palisade/internal/source/manifest/fastyaml"
)

// DefaultMaxDocumentSize bounds one YAML document. The API server refuses requests over 3 MiB,
// so a larger document cannot be a real object; files may be any size.
const DefaultMaxDocumentSize = 16 << 20

// Expander renders a folder that is not plain manifests (a Helm chart, a kustomization) into
// documents. Match is asked for every folder the walk enters; a folder that matches is not
// walked further.
type Expander interface {
	Name() string
	Match(dir string) bool
	Expand(ctx context.Context, dir string) ([]Document, error)
}

// ExpandError is an expansion failure that an Expander could place in a file it read (the
// chart template and line Helm reports, say), so the scan error points there rather than at
// the folder.
type ExpandError struct {
	Location finding.Location
	Err      error
}

func (e *ExpandError) Error() string { return e.Err.Error() }
func (e *ExpandError) Unwrap() error { return e.Err }

// expandErrorLocation is where an Expander's error is reported: its own location when it
// gives one, else the folder or file it was expanding.
func expandErrorLocation(path string, err error) finding.Location {
	if xe, ok := errors.AsType[*ExpandError](err); ok && xe.Location.File != "" {
		return xe.Location
	}
	return finding.Location{File: path}
}

// Options control a load.
type Options struct {
	// Namespace is given to namespaced objects that name none, as kubectl apply would.
	Namespace string
	// MaxDocumentSize bounds one document (DefaultMaxDocumentSize when zero).
	MaxDocumentSize int
	// Workers decode documents in parallel (GOMAXPROCS when zero).
	Workers   int
	Expanders []Expander
	// Stdin is read for the path "-".
	Stdin io.Reader
	// OnObject, when set, is called with every object as soon as it is decoded, on the
	// decoding goroutine (so concurrently), before it is added to the inventory.
	OnObject func(*inventory.Object)
}

// Result is what a load produced: the inventory and everything that could not be read.
type Result struct {
	Inventory *inventory.Inventory
	Errors    []finding.ScanError
	Files     int
	Documents int
}

// Load reads every path (file, folder or "-") and decodes all documents found.
func Load(ctx context.Context, paths []string, opts Options) *Result {
	if opts.Namespace == "" {
		opts.Namespace = "default"
	}
	if opts.MaxDocumentSize == 0 {
		opts.MaxDocumentSize = DefaultMaxDocumentSize
	}
	if opts.Workers == 0 {
		opts.Workers = runtime.GOMAXPROCS(0)
	}
	l := &loader{opts: opts, dec: newDecoder(opts.Namespace)}
	docs := make(chan docBatch, 2*opts.Workers)
	results := make(chan decoded, 4*opts.Workers)

	var wg sync.WaitGroup
	for range opts.Workers {
		wg.Go(func() {
			for batch := range docs {
				for _, d := range batch.docs {
					r := l.dec.decode(d)
					if opts.OnObject != nil {
						for _, o := range r.objects {
							opts.OnObject(o)
						}
					}
					results <- r
				}
				// Nothing decoded refers to a document's bytes: the room they were read into
				// serves other documents now.
				l.slabs.put(batch.slab)
			}
		})
	}
	go func() { wg.Wait(); close(results) }()
	go func() {
		defer close(docs)
		l.produce(ctx, paths, docs)
	}()

	var all []decoded
	for r := range results {
		all = append(all, r)
	}
	res := &Result{Inventory: inventory.New()}
	res.Errors = append(res.Errors, l.errors...)
	res.Files = l.files
	slices.SortFunc(all, func(a, b decoded) int {
		if a.order.seq != b.order.seq {
			return a.order.seq - b.order.seq
		}
		return a.order.doc - b.order.doc
	})
	for _, d := range all {
		res.Documents++
		res.Errors = append(res.Errors, d.errs...)
		for _, o := range d.objects {
			res.Inventory.Add(o)
		}
	}
	finding.SortErrors(res.Errors)
	return res
}

type loader struct {
	br     *bufio.Reader // the reader of the file being read
	docBuf bytes.Buffer  // the lines of the document being read
	slabs  slabPool      // the room the documents of file batches are kept in
	opts   Options
	dec    *decoder
	mu     sync.Mutex
	errors []finding.ScanError
	files  int
	seq    int
}

func (l *loader) fail(loc finding.Location, format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.errors = append(l.errors, finding.ScanError{Location: loc, Message: fmt.Sprintf(format, args...)})
}

// produce walks the paths and sends documents in batches, in a deterministic order.
func (l *loader) produce(ctx context.Context, paths []string, out chan<- docBatch) {
	for _, p := range paths {
		if ctx.Err() != nil {
			l.fail(finding.Location{File: p}, "scan cancelled: %v", ctx.Err())
			return
		}
		if p == "-" {
			l.readStream(p, l.opts.Stdin, out)
			continue
		}
		info, err := os.Stat(p)
		if err != nil {
			l.fail(finding.Location{File: p}, "cannot read: %v", unwrapPathError(err))
			continue
		}
		if info.IsDir() {
			l.walkDir(ctx, p, map[string]bool{}, out)
			continue
		}
		l.readFile(ctx, p, out)
	}
}

func unwrapPathError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// walkDir reads a folder recursively in name order, skipping hidden entries, following
// symbolic links to folders once (a link loop is reported, not followed forever), and
// handing folders that an Expander matches to it.
func (l *loader) walkDir(ctx context.Context, dir string, visiting map[string]bool, out chan<- docBatch) {
	real, err := filepath.EvalSymlinks(dir)
	if err != nil {
		l.fail(finding.Location{File: dir}, "cannot read folder: %v", unwrapPathError(err))
		return
	}
	if visiting[real] {
		l.fail(finding.Location{File: dir}, "symbolic link loop: %s leads back to %s; not followed again", dir, real)
		return
	}
	visiting[real] = true
	defer delete(visiting, real)

	for _, e := range l.opts.Expanders {
		if e.Match(dir) {
			l.expand(ctx, e, dir, out)
			return
		}
	}

	entries, err := os.ReadDir(dir)
	if err != nil {
		l.fail(finding.Location{File: dir}, "cannot read folder: %v", unwrapPathError(err))
		// ReadDir returns what it could read before the error; go on with that.
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") {
			continue
		}
		p := filepath.Join(dir, e.Name())
		mode := e.Type()
		if mode&fs.ModeSymlink != 0 {
			info, err := os.Stat(p)
			if err != nil {
				l.fail(finding.Location{File: p}, "cannot follow symbolic link: %v", unwrapPathError(err))
				continue
			}
			mode = info.Mode().Type()
		}
		switch {
		case mode.IsDir():
			l.walkDir(ctx, p, visiting, out)
		case mode.IsRegular() && (isManifestName(e.Name()) || l.expandsFile(p)):
			l.readFile(ctx, p, out)
		}
	}
}

// expandsFile reports whether an Expander renders this file (a packaged chart, say), so a
// folder walk offers it files that are not manifests by name.
func (l *loader) expandsFile(path string) bool {
	for _, e := range l.opts.Expanders {
		if m, ok := e.(interface{ MatchFile(string) bool }); ok && m.MatchFile(path) {
			return true
		}
	}
	return false
}

func isManifestName(name string) bool {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".yaml", ".yml", ".json":
		return true
	}
	return false
}

func (l *loader) readFile(ctx context.Context, path string, out chan<- docBatch) {
	for _, e := range l.opts.Expanders {
		if m, ok := e.(interface{ MatchFile(string) bool }); ok && m.MatchFile(path) {
			l.expand(ctx, e, path, out)
			return
		}
	}
	f, err := os.Open(path)
	if err != nil {
		l.fail(finding.Location{File: path}, "cannot read: %v", unwrapPathError(err))
		return
	}
	defer f.Close()
	l.readStream(path, f, out)
}

// expand renders a folder or file with an Expander and sends its documents as one batch, in
// the order the Expander gives them.
func (l *loader) expand(ctx context.Context, e Expander, path string, out chan<- docBatch) {
	docs, err := e.Expand(ctx, path)
	if err != nil {
		l.fail(expandErrorLocation(path, err), "%s: %v", e.Name(), err)
	}
	l.mu.Lock()
	l.files++
	l.seq++
	seq := l.seq
	l.mu.Unlock()
	for i := range docs {
		docs[i].Index = i + 1
		docs[i].seq = seq
	}
	if len(docs) > 0 {
		out <- docBatch{docs: docs}
	}
}

// readStream splits one file or standard input into documents and sends them in batches.
func (l *loader) readStream(name string, r io.Reader, out chan<- docBatch) {
	if r == nil {
		l.fail(finding.Location{File: name}, "no standard input to read")
		return
	}
	l.mu.Lock()
	l.files++
	l.seq++
	seq := l.seq
	l.mu.Unlock()

	// A NUL byte in the first block means a binary file, not YAML. The one reader is reused
	// for every file: files are read one after another.
	if l.br == nil {
		l.br = bufio.NewReaderSize(r, streamBufferSize)
	}
	br := l.br
	br.Reset(r)
	if head, _ := br.Peek(8 << 10); bytes.IndexByte(head, 0) >= 0 {
		line := bytes.Count(head[:bytes.IndexByte(head, 0)], []byte("\n")) + 1
		l.fail(finding.Location{File: name, Line: line}, "binary file (it contains NUL bytes); not a manifest")
		return
	}
	const batchSize = 32
	var batch docBatch
	send := func() {
		out <- batch
		batch = docBatch{}
	}
	// The documents of a batch are kept in one slab, which the worker that decodes the batch
	// hands back; a document too large for a slab gets room of its own.
	keep := func(data []byte) []byte {
		if len(data) > slabSize/4 {
			return bytes.Clone(data)
		}
		if batch.slab != nil && len(*batch.slab)+len(data) > cap(*batch.slab) {
			send()
		}
		if batch.slab == nil {
			batch.slab = l.slabs.get()
		}
		s := *batch.slab
		*batch.slab = append(s, data...)
		return (*batch.slab)[len(s):len(*batch.slab):len(*batch.slab)]
	}
	documents := 0
	err := splitStreamInto(br, name, l.opts.MaxDocumentSize, &l.docBuf, keep, func(d Document) error {
		documents++
		d.seq = seq
		batch.docs = append(batch.docs, d)
		if len(batch.docs) == batchSize {
			send()
		}
		return nil
	})
	if len(batch.docs) > 0 {
		send()
	}
	l.slabs.put(batch.slab) // a slab that holds no document (the last was too large, say)
	if l.docBuf.Cap() > 1<<20 {
		l.docBuf = bytes.Buffer{} // let a rare huge document's room go
	}
	if err != nil {
		l.fail(finding.Location{File: name}, "reading stopped: %v", unwrapPathError(err))
	} else if documents == 0 {
		l.fail(finding.Location{File: name}, "no Kubernetes object in it: it is empty or holds only comments")
	}
}

// docBatch is documents sent to the workers together, and the slab that holds their bytes
// (nil when each has its own).
type docBatch struct {
	docs []Document
	slab *[]byte
}

// slabSize is the room of a slab: the documents of a batch of usual manifests.
const slabSize = 64 << 10

// slabPool keeps the slabs that decoded batches hand back.
type slabPool struct{ pool sync.Pool }

func (p *slabPool) get() *[]byte {
	if s, ok := p.pool.Get().(*[]byte); ok {
		return s
	}
	s := make([]byte, 0, slabSize)
	return &s
}

func (p *slabPool) put(s *[]byte) {
	if s != nil {
		*s = (*s)[:0]
		p.pool.Put(s)
	}
}

// decoded is what one document gave.
type decoded struct {
	order   struct{ seq, doc int }
	objects []*inventory.Object
	errs    []finding.ScanError
}

type decoder struct {
	namespace string
	strict    strictChecker
	fastRoom  sync.Pool // *fastRoom
	// podLocations caches where Go types hold their pod (legacy.go): reflect.Type ->
	// *podLocation.
	podLocations sync.Map
}

func newDecoder(namespace string) *decoder { return &decoder{namespace: namespace} }

func (d *decoder) decode(doc Document) (out decoded) {
	out.order.seq, out.order.doc = doc.seq, doc.Index
	loc := finding.Location{File: doc.File, Document: doc.Index, Line: doc.Line, Column: 1, Template: doc.Template}
	fail := func(line int, format string, args ...any) {
		l := loc
		if line > 0 {
			l.Line = line
		}
		out.errs = append(out.errs, finding.ScanError{Location: l, Message: fmt.Sprintf(format, args...)})
	}
	if doc.Err != nil {
		fail(0, "%v", doc.Err)
		return out
	}
	if objects, errs, ok := d.fast(doc); ok {
		out.objects, out.errs = objects, errs
		return out
	}
	var root yaml.Node
	if err := yaml.Unmarshal(doc.Data, &root); err != nil {
		line, msg := yamlErrorLine(err)
		if line > 0 {
			line += doc.Line - 1
			if doc.MapLine != nil {
				line = doc.MapLine(line)
			}
		}
		fail(line, "malformed YAML: %s", msg)
		return out
	}
	if root.Kind == 0 || (root.Kind == yaml.DocumentNode && (len(root.Content) == 0 || isNull(root.Content[0]))) {
		return out // an empty document, or only comments
	}
	body := root.Content[0]
	if body.Kind != yaml.MappingNode {
		fail(doc.Line+body.Line-1, "document is not an object (it is %s); a manifest must be a map with apiVersion and kind", nodeKindName(body))
		return out
	}
	items := []*yaml.Node{body}
	itemPaths := []int{0}
	if k := mapValue(body, "kind"); k != nil && strings.HasSuffix(k.Value, "List") && mapValue(body, "items") != nil {
		list := mapValue(body, "items")
		if list.Kind != yaml.SequenceNode && !isNull(list) {
			fail(doc.Line+list.Line-1, "%s: items must be a list", k.Value)
			return out
		}
		items, itemPaths = nil, nil
		for i, it := range list.Content {
			items = append(items, it)
			itemPaths = append(itemPaths, i+1)
		}
	}
	for i, it := range items {
		o, errs := d.object(doc, it, itemPaths[i])
		out.errs = append(out.errs, errs...)
		if o != nil {
			out.objects = append(out.objects, o)
		}
	}
	return out
}

func (d *decoder) object(doc Document, n *yaml.Node, item int) (*inventory.Object, []finding.ScanError) {
	c := &converter{lineBase: doc.Line - 1, mapLine: doc.MapLine}
	line := c.line(n.Line)
	loc := finding.Location{File: doc.File, Document: doc.Index, Line: line, Column: n.Column, Template: doc.Template}
	c.pos.SetRoot(line, n.Column)
	v, err := c.convert(n, inventory.RootHash, 0)
	if err != nil {
		// The converter's errors start with the line they concern: report them there.
		l := loc
		msg := err.Error()
		if line, rest := yamlErrorLine(err); line > 0 {
			l.Line, l.Column, msg = line, 0, rest
		}
		return nil, errAt(l, "%s", msg)
	}
	content, ok := v.(map[string]any)
	if !ok {
		return nil, errAt(loc, "list item is not an object (it is %s)", nodeKindName(n))
	}
	return d.build(doc, loc, item, &body{nodes: fastyaml.AppendValue(nil, "", content), content: content}, &c.pos, c.dups)
}

// body is a document's map: its nodes, which the typed decoder reads, and the same as plain
// data, made only for a kind without a Go type.
type body struct {
	nodes   []node // the map is nodes[0]
	content map[string]any
}

// data returns the body as plain data.
func (b *body) data() map[string]any {
	if b.content == nil {
		b.content = fastyaml.Value(b.nodes, 0).(map[string]any)
	}
	return b.content
}

// str returns the string at the path of keys, or "" when there is none.
func (b *body) str(keys ...string) string {
	i := 0
	for _, k := range keys {
		i = fastyaml.Lookup(b.nodes, i, k)
	}
	s, _ := fastyaml.StringAt(b.nodes, i)
	return s
}

// errAt is the one scan error of a document that could not become an object.
func errAt(l finding.Location, format string, args ...any) []finding.ScanError {
	return []finding.ScanError{{Location: l, Message: fmt.Sprintf(format, args...)}}
}

// build makes the inventory object of one manifest from its data, its field positions (the
// root already set) and its duplicate keys.
func (d *decoder) build(doc Document, loc finding.Location, item int, b *body, pos *inventory.PositionsBuilder, dups []duplicateKey) (*inventory.Object, []finding.ScanError) {
	apiVersion, kind := b.str("apiVersion"), b.str("kind")
	switch {
	case apiVersion == "" && kind == "":
		return nil, errAt(loc, "not a Kubernetes object: apiVersion and kind are missing")
	case apiVersion == "":
		return nil, errAt(loc, "%s: apiVersion is missing", kind)
	case kind == "":
		return nil, errAt(loc, "apiVersion %s: kind is missing", apiVersion)
	}
	gv, err := schema.ParseGroupVersion(apiVersion)
	if err == nil && gv.Version == "" {
		err = errors.New("the version is empty") // "apps/" parses, but names no version
	}
	if err != nil {
		return nil, errAt(loc, "%s: invalid apiVersion %q: %v", kind, apiVersion, err)
	}
	positions := pos.Build()
	o := &inventory.Object{
		GVK:       gv.WithKind(kind),
		Origin:    inventory.Origin{File: doc.File, Template: doc.Template, Document: doc.Index, Item: item},
		Positions: positions,
	}
	for _, dup := range dups {
		o.Issues = append(o.Issues, inventory.FieldIssue{Kind: inventory.DuplicateKey, Path: dup.path, Field: lastSegment(dup.path)})
	}
	if meta := fastyaml.Lookup(b.nodes, 0, "metadata"); meta >= 0 {
		if s, ok := fastyaml.StringAt(b.nodes, fastyaml.Lookup(b.nodes, meta, "name")); ok {
			o.Name = s
		} else if s, ok := fastyaml.StringAt(b.nodes, fastyaml.Lookup(b.nodes, meta, "generateName")); ok {
			o.Name = s
		}
		o.Namespace = b.str("metadata", "namespace")
	}

	typed, err := scheme.Scheme.New(o.GVK)
	if err != nil {
		// A kind Palisade has no type for: keep it as data, and look for a pod template.
		content := b.data()
		meta, _ := content["metadata"].(map[string]any)
		o.Content = content
		o.Labels, o.Annotations = stringMap(meta["labels"]), stringMap(meta["annotations"])
		d.placeNamespace(o)
		if err := d.attachShapePod(o); err != nil {
			return o, errAt(loc, "%s %s: pod template: %v", kind, o.Name, err)
		}
		return o, nil
	}
	walk, err := d.strict.decodeTyped(typed, b.nodes)
	if err != nil {
		return nil, errAt(loc, "%s %s: cannot decode: %v", kind, o.Name, err)
	}
	if len(walk.errs) > 0 {
		var errs []finding.ScanError
		for _, te := range walk.errs {
			l := loc
			l.Line, l.Column, _ = positions.Locate(te.path)
			errs = append(errs, finding.ScanError{Location: l, Object: o.Ref(),
				Message: fmt.Sprintf("%s %s: %s %s; the API server would reject this object, so it was not checked", kind, o.Name, te.path, te.msg)})
		}
		return nil, errs
	}
	issues := walk.issues
	o.Typed = typed
	if current := d.asReplacement(o.GVK, b.nodes); current != nil {
		// A version no longer served: judged as the version that replaced it reads it.
		o.Typed = current
	}
	o.Issues = append(o.Issues, issues...)
	if acc, ok := o.Typed.(metav1.Object); ok {
		o.Labels, o.Annotations = acc.GetLabels(), acc.GetAnnotations()
	}
	if !inventory.HasKnownPodTemplate(o.Typed) {
		// A kind or version whose pod PodTemplateOf does not list: found by its Go type.
		if t, ok := d.podTemplateIn(o.Typed); ok {
			if err := o.SetShapePod(t); err != nil {
				return nil, errAt(loc, "%s %s: pod template: %v", kind, o.Name, err)
			}
		}
	}
	d.placeNamespace(o)
	d.asMeant(o, b.nodes)
	redactSecret(o.Typed)
	return o, nil
}

// placeNamespace gives a namespaced object without a namespace the scan's namespace, and
// clears the namespace of cluster-scoped kinds.
func (d *decoder) placeNamespace(o *inventory.Object) {
	if inventory.ClusterScoped(o.GVK) {
		o.Namespace = ""
		return
	}
	if o.Namespace == "" {
		o.Namespace, o.NamespaceImplied = d.namespace, true
	}
}

// redactSecret drops the values of a Secret as soon as it is decoded: no rule needs them, and
// a scanner must not hold credentials it does not need.
func redactSecret(obj k8sruntime.Object) {
	s, ok := obj.(*corev1.Secret)
	if !ok {
		return
	}
	for k := range s.Data {
		s.Data[k] = nil
	}
	for k := range s.StringData {
		s.StringData[k] = ""
	}
}

func (d *decoder) attachShapePod(o *inventory.Object) error {
	meta, spec, metaPath, specPath, ok := inventory.FindPodTemplate(o.Content)
	if !ok {
		return nil
	}
	t := inventory.PodTemplate{Meta: &metav1.ObjectMeta{}, Spec: &corev1.PodSpec{}, MetaPath: metaPath, SpecPath: specPath}
	// The template is decoded as strictly as a built-in workload's: its unknown fields are
	// the object's issues, with their paths in the object.
	var issues []inventory.FieldIssue
	for _, part := range []struct {
		dst     any
		content map[string]any
		path    string
	}{{t.Meta, meta, metaPath}, {t.Spec, spec, specPath}} {
		if part.content == nil {
			continue
		}
		walk, err := d.strict.decodeTyped(part.dst, fastyaml.AppendValue(nil, "", part.content))
		if err != nil {
			return fmt.Errorf("%s: %w", part.path, err)
		}
		if len(walk.errs) > 0 {
			// Maps are walked in random order: report the same error every time.
			first := slices.MinFunc(walk.errs, func(a, b typeError) int { return strings.Compare(a.path, b.path) })
			return fmt.Errorf("%s.%s %s", part.path, first.path, first.msg)
		}
		for _, is := range walk.issues {
			is.Path = part.path + "." + is.Path
			if is.Suggestion != "" {
				is.Suggestion = part.path + "." + is.Suggestion
			}
			issues = append(issues, is)
		}
	}
	o.Issues = append(o.Issues, issues...)
	return o.SetShapePod(t)
}

func stringMap(v any) map[string]string {
	m, ok := v.(map[string]any)
	if !ok {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		if s, ok := v.(string); ok {
			out[k] = s
		}
	}
	return out
}

func lastSegment(path string) string {
	if i := strings.LastIndexAny(path, ".["); i >= 0 {
		return strings.TrimSuffix(path[i+1:], "]")
	}
	return path
}

func mapValue(m *yaml.Node, key string) *yaml.Node {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.Tag == "!!null"
}

func nodeKindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		return fmt.Sprintf("the value %q", truncate(n.Value, 40))
	case yaml.AliasNode:
		return "an alias"
	}
	return "not a map"
}

// yamlErrorLine pulls the line number out of a yaml.v3 error ("yaml: line 7: ...").
func yamlErrorLine(err error) (int, string) {
	msg := err.Error()
	msg = strings.TrimPrefix(msg, "yaml: ")
	var line int
	if _, scanErr := fmt.Sscanf(msg, "line %d:", &line); scanErr == nil {
		if i := strings.Index(msg, ":"); i >= 0 {
			msg = strings.TrimSpace(msg[i+1:])
		}
		return line, msg
	}
	return 0, msg
}
