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
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"

	yaml "go.yaml.in/yaml/v3"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/encoding/unicode/utf32"
	"golang.org/x/text/transform"
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
	// FollowSymlinks follows the symbolic links met in a folder that resolve outside every
	// path given. Without it such a link is not followed and is a scan error: a scan of a
	// repository must not read the host (`ln -s / repo/x`) on the repository's say-so.
	FollowSymlinks bool
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
	produced := make(chan docBatch, 2*opts.Workers)
	docs := make(chan numberedBatch, 2*opts.Workers)
	results := make(chan batchResult, 4*opts.Workers)
	// Batches are decoded in parallel and consumed in the order they were read; inflight
	// bounds how many are read and not yet consumed, so that what waits for a slow batch (a
	// flood of errors, say) stays bounded.
	inflight := make(chan struct{}, 4*opts.Workers+4)

	var wg sync.WaitGroup
	for range opts.Workers {
		wg.Go(func() {
			for batch := range docs {
				out := batchResult{ord: batch.ord, docs: make([]decoded, 0, len(batch.docs))}
				for _, d := range batch.docs {
					out.docs = append(out.docs, l.dec.decode(d, opts.OnObject))
				}
				// Nothing decoded refers to a document's bytes: the room they were read into
				// serves other documents now.
				l.slabs.put(batch.slab)
				results <- out
			}
		})
	}
	go func() { wg.Wait(); close(results) }()
	go func() {
		defer close(docs)
		ord := 0
		for b := range produced {
			inflight <- struct{}{}
			docs <- numberedBatch{docBatch: b, ord: ord}
			ord++
		}
	}()
	go func() {
		defer close(produced)
		l.produce(ctx, paths, produced)
	}()

	res := &Result{Inventory: inventory.New()}
	errs := newErrorGroups()
	pending := map[int][]decoded{}
	next := 0
	for r := range results {
		pending[r.ord] = r.docs
		for {
			ds, ok := pending[next]
			if !ok {
				break
			}
			delete(pending, next)
			next++
			for _, d := range ds {
				res.Documents++
				for _, e := range d.errs {
					errs.add(e)
				}
				for _, o := range d.objects {
					res.Inventory.Add(o)
				}
			}
			<-inflight
		}
	}
	res.Errors = append(res.Errors, l.errors...)
	res.Errors = append(res.Errors, errs.list()...)
	res.Files = l.files
	finding.SortErrors(res.Errors)
	return res
}

// numberedBatch is a batch with its place in the order batches were read.
type numberedBatch struct {
	docBatch
	ord int
}

// batchResult is what the documents of one batch gave, in their order.
type batchResult struct {
	ord  int
	docs []decoded
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
	roots  []string // the real paths of the paths given
	// walkedOutside are the real paths of the folders outside roots walked so far.
	walkedOutside map[string]bool
}

func (l *loader) fail(loc finding.Location, format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.errors = append(l.errors, finding.ScanError{Location: loc, Message: fmt.Sprintf(format, args...)})
}

// produce walks the paths and sends documents in batches, in a deterministic order.
func (l *loader) produce(ctx context.Context, paths []string, out chan<- docBatch) {
	l.roots = resolveRoots(paths)
	ctx = context.WithValue(ctx, scopeKey{}, Scope{Roots: l.roots, FollowSymlinks: l.opts.FollowSymlinks})
	stdinRead := false
	for _, p := range paths {
		if ctx.Err() != nil {
			l.fail(finding.Location{File: p}, "scan cancelled: %v", ctx.Err())
			return
		}
		if p == "-" {
			if stdinRead {
				l.fail(finding.Location{File: p}, "standard input is given more than once; it can be read only once")
				continue
			}
			stdinRead = true
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

// resolveRoots returns the real paths (absolute, links resolved) of the paths given: a link
// met in a walk is followed when it resolves inside one of them. A path that cannot be
// resolved gives none; reading it reports why.
func resolveRoots(paths []string) []string {
	var roots []string
	for _, p := range paths {
		if p == "-" {
			continue
		}
		if real, err := realPath(p); err == nil {
			roots = append(roots, real)
		}
	}
	return roots
}

// realPath is p absolute, every symbolic link in it resolved.
func realPath(p string) (string, error) {
	abs, err := filepath.Abs(p)
	if err != nil {
		return "", err
	}
	return filepath.EvalSymlinks(abs)
}

// insideRoots reports whether the real path real is one of the paths given or lies inside
// one of them.
func (l *loader) insideRoots(real string) bool {
	return Scope{Roots: l.roots}.Contains(real)
}

// Scope is what an Expander needs to know of the scan to keep to it as the walk does: the
// paths given, links resolved, and whether symbolic links may lead out of them.
type Scope struct {
	Roots          []string
	FollowSymlinks bool
}

// Contains reports whether the real path real (absolute, links resolved) is one of the
// scope's roots or lies inside one.
func (s Scope) Contains(real string) bool {
	for _, root := range s.Roots {
		rel, err := filepath.Rel(root, real)
		if err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			return true
		}
	}
	return false
}

type scopeKey struct{}

// ScopeOf returns the scope of the scan an Expander is called from.
func ScopeOf(ctx context.Context) (Scope, bool) {
	s, ok := ctx.Value(scopeKey{}).(Scope)
	return s, ok
}

func unwrapPathError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// walkDir reads a folder recursively in name order, skipping hidden entries, following
// symbolic links that resolve inside the paths given (a link loop is reported, not followed
// forever; a link out of them is reported and not followed unless FollowSymlinks), and
// handing folders that an Expander matches to it.
func (l *loader) walkDir(ctx context.Context, dir string, visiting map[string]bool, out chan<- docBatch) {
	real, err := realPath(dir)
	if err != nil {
		l.fail(finding.Location{File: dir}, "cannot read folder: %v", unwrapPathError(err))
		return
	}
	if visiting[real] {
		l.fail(finding.Location{File: dir}, "symbolic link loop: %s leads back to a folder that holds it; not followed again", dir)
		return
	}
	visiting[real] = true
	defer delete(visiting, real)
	if !l.insideRoots(real) {
		// Only FollowSymlinks leads out of the paths given. There, links can reach one folder
		// many ways (/proc alone holds thousands of links back into the host): each folder
		// out there is walked once, so a walk of the host ends.
		if l.walkedOutside[real] {
			return
		}
		if l.walkedOutside == nil {
			l.walkedOutside = map[string]bool{}
		}
		l.walkedOutside[real] = true
	}

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
		link := mode&fs.ModeSymlink != 0
		if link {
			info, err := os.Stat(p)
			if err != nil {
				l.fail(finding.Location{File: p}, "cannot follow symbolic link: %v", unwrapPathError(err))
				continue
			}
			mode = info.Mode().Type()
		}
		read := mode.IsRegular() && (isManifestName(e.Name()) || l.expandsFile(p))
		if link && (mode.IsDir() || read) && !l.opts.FollowSymlinks {
			// Only a link the walk would follow is judged: one to a file that is not a
			// manifest is skipped like the file itself.
			real, err := realPath(p)
			if err != nil {
				l.fail(finding.Location{File: p}, "cannot follow symbolic link: %v", unwrapPathError(err))
				continue
			}
			if !l.insideRoots(real) {
				l.fail(finding.Location{File: p}, "points outside the scanned folder; not followed (scan its target too, or pass --follow-symlinks)")
				continue
			}
		}
		switch {
		case mode.IsDir():
			l.walkDir(ctx, p, visiting, out)
		case read:
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

	// The one reader is reused for every file: files are read one after another.
	if l.br == nil {
		l.br = bufio.NewReaderSize(r, streamBufferSize)
	}
	br := l.br
	br.Reset(r)
	if dec := unicodeDecoder(br); dec != nil {
		// YAML may be UTF-16 or UTF-32 with a byte order mark (PowerShell writes UTF-16):
		// it is read as UTF-8, its lines and characters where they were.
		br = bufio.NewReaderSize(transform.NewReader(br, dec), streamBufferSize)
	}
	// A NUL byte in the first block means a binary file, not YAML.
	if head, _ := br.Peek(8 << 10); bytes.IndexByte(head, 0) >= 0 {
		line := bytes.Count(head[:bytes.IndexByte(head, 0)], []byte("\n")) + 1
		if looksUTF16(head) {
			l.fail(finding.Location{File: name, Line: line}, "UTF-16 text without a byte order mark; save it as UTF-8, or as UTF-16 with a byte order mark")
			return
		}
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

// unicodeDecoder returns the decoder to UTF-8 of a stream that starts with the byte order mark
// of UTF-16 or UTF-32 (the encodings YAML allows besides UTF-8), or nil. The decoder drops the
// mark.
func unicodeDecoder(br *bufio.Reader) transform.Transformer {
	head, _ := br.Peek(4)
	switch {
	case bytes.HasPrefix(head, []byte{0xff, 0xfe, 0, 0}):
		return utf32.UTF32(utf32.LittleEndian, utf32.ExpectBOM).NewDecoder()
	case bytes.HasPrefix(head, []byte{0, 0, 0xfe, 0xff}):
		return utf32.UTF32(utf32.BigEndian, utf32.ExpectBOM).NewDecoder()
	case bytes.HasPrefix(head, []byte{0xff, 0xfe}):
		return unicode.UTF16(unicode.LittleEndian, unicode.ExpectBOM).NewDecoder()
	case bytes.HasPrefix(head, []byte{0xfe, 0xff}):
		return unicode.UTF16(unicode.BigEndian, unicode.ExpectBOM).NewDecoder()
	}
	return nil
}

// looksUTF16 reports whether text holds NUL bytes the way ASCII written as UTF-16 does: at
// every other byte.
func looksUTF16(head []byte) bool {
	head = head[:len(head)&^1]
	if len(head) < 2 {
		return false
	}
	var even, odd int
	for i := 0; i < len(head); i += 2 {
		if head[i] == 0 {
			even++
		}
		if head[i+1] == 0 {
			odd++
		}
	}
	half := len(head) / 2
	return even > half*3/4 && odd == 0 || odd > half*3/4 && even == 0
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

// decode decodes one document into its objects, calling use (when set) with each of them,
// in order, before it returns.
func (d *decoder) decode(doc Document, use func(*inventory.Object)) (out decoded) {
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
	if doc.Column <= 1 { // the fast path counts columns from the start of a line
		if objects, errs, ok := d.fast(doc, use); ok {
			out.objects, out.errs = objects, errs
			return out
		}
	}
	root, err := parseYAML(doc.Data)
	if err != nil {
		line, col, msg := yamlErrorPlace(doc.Data, err)
		if line > 0 {
			if line == 1 && col > 0 && doc.Column > 1 {
				col += doc.Column - 1
			}
			line += doc.Line - 1
			if doc.MapLine != nil {
				line = doc.MapLine(line)
			}
		}
		fail(line, "malformed YAML: %s", msg)
		if line > 0 && col > 0 {
			out.errs[len(out.errs)-1].Location.Column = col
		}
		return out
	}
	if root == nil {
		return out // an empty document, or only comments
	}
	body := root.Content[0]
	if body.Kind != yaml.MappingNode {
		fail(doc.Line+body.Line-1, "document is not an object (it is %s); a manifest must be a map with apiVersion and kind", nodeKindName(body))
		return out
	}
	c := &converter{lineBase: doc.Line - 1, mapLine: doc.MapLine, firstCol: max(doc.Column-1, 0)}
	var items []listItem
	d.flatten(body, 0, c, &items, &out.errs, loc)
	budget := 0 // shared by the items of a List: aliases cannot multiply work through them
	for _, it := range items {
		o, errs := d.object(doc, it.node, it.item, &budget)
		out.errs = append(out.errs, errs...)
		if o != nil {
			out.objects = append(out.objects, o)
		}
	}
	if use != nil {
		for _, o := range out.objects {
			use(o)
		}
	}
	return out
}

// maxListDepth bounds how deep Lists inside Lists are flattened. kubectl flattens them at any
// depth, but no tool writes more than a few levels (kubectl get gives one; wrapping a
// rendered List in another gives two or three); sixteen is far past that and keeps a
// pathological document from costing more than its size.
const maxListDepth = 16

// listItem is one object of a document: the document's map, or an item of a List in it.
type listItem struct {
	node *yaml.Node
	item int // 1-based over all items of the document, 0 for the document itself
}

// isList reports whether the map is a List (its kind ends in "List" and it has items), as
// kubectl tells them apart, and returns its kind and items.
func isList(n *yaml.Node) (kind string, items *yaml.Node, ok bool) {
	k, list := mapValue(n, "kind"), mapValue(n, "items")
	if k == nil || list == nil || k.Kind != yaml.ScalarNode || !strings.HasSuffix(k.Value, "List") {
		return "", nil, false
	}
	return k.Value, list, true
}

// flatten adds the objects of a document's map to items: the map itself, or the items of a
// List, and of Lists in those, at any depth up to maxListDepth.
func (d *decoder) flatten(n *yaml.Node, depth int, c *converter, items *[]listItem, errs *[]finding.ScanError, loc finding.Location) {
	kind, list, ok := isList(n)
	if !ok {
		if depth == 0 {
			*items = append(*items, listItem{node: n})
		} else {
			*items = append(*items, listItem{node: n, item: len(*items) + 1})
		}
		return
	}
	at := func(n *yaml.Node) finding.Location {
		l := loc
		l.Line, l.Column = c.line(n.Line), c.col(n)
		return l
	}
	if depth >= maxListDepth {
		*errs = append(*errs, errAt(at(n), "%s nested in more than %d Lists; its items were not read", finding.DescribeName(kind), maxListDepth)...)
		return
	}
	if list.Kind != yaml.SequenceNode {
		if !isNull(list) {
			*errs = append(*errs, errAt(at(list), "%s: items must be a list", finding.DescribeName(kind))...)
		}
		return
	}
	for _, it := range list.Content {
		target := it
		for target.Kind == yaml.AliasNode && target.Alias != nil {
			target = target.Alias
		}
		if target.Kind == yaml.MappingNode {
			if _, _, nested := isList(target); nested {
				if target != it {
					// Through aliases, nested Lists would multiply their items at every level.
					*errs = append(*errs, errAt(at(it), "a List given as an alias inside a List; write it out")...)
					continue
				}
				d.flatten(it, depth+1, c, items, errs, loc)
				continue
			}
		}
		*items = append(*items, listItem{node: it, item: len(*items) + 1})
	}
}

// parseYAML parses one document with yaml.v3 and returns its root (nil when the document is
// empty or only comments). yaml.v3 reads the first value of its input and ignores text after
// it when that value is a flow collection or a scalar ("{a: 1} {b: 2}", "'x' y"): such text is
// an error here, at its line, never silently dropped.
func parseYAML(data []byte) (*yaml.Node, error) {
	// One decoder reads the document and, where yaml.v3 would stop early, what follows it: the
	// document is parsed once.
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var root yaml.Node
	if err := dec.Decode(&root); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, nil
		}
		return nil, err
	}
	if root.Kind == 0 || (root.Kind == yaml.DocumentNode && (len(root.Content) == 0 || isNull(root.Content[0]))) {
		return nil, nil
	}
	if body := root.Content[0]; body.Kind == yaml.ScalarNode || body.Style&yaml.FlowStyle != 0 {
		var next yaml.Node
		switch err := dec.Decode(&next); {
		case errors.Is(err, io.EOF):
		case err != nil:
			return nil, errTrailing(err)
		default:
			return nil, fmt.Errorf("line %d: text after the document's value; a document holds one value", next.Line)
		}
	}
	return &root, nil
}

// errTrailing words the error yaml.v3 gives for text after a document's value.
func errTrailing(err error) error {
	line, msg := yamlErrorLine(err)
	if msg != "did not find expected <document start>" {
		return err
	}
	return fmt.Errorf("line %d: text after the document's value; a document holds one value", line+1)
}

// yamlErrorPlace finds where a yaml.v3 error is: the line it names, or, for the errors it
// gives without one (invalid UTF-8, control characters), the first such character, found
// again in the data. It returns the message without the line and without any quoted input.
func yamlErrorPlace(data []byte, err error) (line, col int, msg string) {
	line, msg = yamlErrorLine(err)
	if yamlParserErrors[msg] {
		// yaml.v3 counts the lines of its parser's errors (not its scanner's) from 0, and
		// leaves out line 0.
		line++
	}
	if line == 0 {
		if l, c, what := firstBadCharacter(data); l > 0 {
			return l, c, what
		}
	}
	return line, 0, finding.StripQuoted(msg)
}

// yamlParserErrors are the messages of yaml.v3's parser (go.yaml.in/yaml/v3 parserc.go);
// the other syntax errors are its scanner's.
var yamlParserErrors = map[string]bool{
	"did not find expected <stream-start>":   true,
	"did not find expected <document start>": true,
	"did not find expected ',' or ']'":       true,
	"did not find expected ',' or '}'":       true,
	"did not find expected '-' indicator":    true,
	"did not find expected key":              true,
	"did not find expected node content":     true,
	"found duplicate %YAML directive":        true,
	"found duplicate %TAG directive":         true,
	"found incompatible YAML document":       true,
	"found undefined tag handle":             true,
}

// firstBadCharacter finds the first byte sequence that YAML does not allow in a stream: one
// that is not UTF-8, or a control character. It returns its line and column (in characters)
// and what it is.
func firstBadCharacter(data []byte) (line, col int, what string) {
	line, col = 1, 1
	for i := 0; i < len(data); {
		r, size := utf8.DecodeRune(data[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			return line, col, "the text is not valid UTF-8 here"
		case r == '\n':
			line, col = line+1, 0
		case r < 0x20 && r != '\t' && r != '\r', r == 0x7f, r >= 0x80 && r < 0xa0 && r != 0x85, r == 0xfffe, r == 0xffff:
			return line, col, fmt.Sprintf("control character U+%04X is not allowed in YAML", r)
		}
		col++
		i += size
	}
	return 0, 0, ""
}

func (d *decoder) object(doc Document, n *yaml.Node, item int, budget *int) (*inventory.Object, []finding.ScanError) {
	c := &converter{lineBase: doc.Line - 1, mapLine: doc.MapLine, firstCol: max(doc.Column-1, 0), expanded: *budget}
	defer func() { *budget = c.expanded }()
	line := c.line(n.Line)
	loc := finding.Location{File: doc.File, Document: doc.Index, Line: line, Column: c.col(n), Template: doc.Template}
	c.pos.SetRoot(line, loc.Column)
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
	return d.build(doc, loc, item, &body{nodes: fastyaml.AppendValue(nil, "", content), content: content}, c.pos.Build(), c.dups)
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
func (d *decoder) build(doc Document, loc finding.Location, item int, b *body, positions *inventory.Positions, dups []duplicateKey) (*inventory.Object, []finding.ScanError) {
	apiVersion, kind := b.str("apiVersion"), b.str("kind")
	switch {
	case apiVersion == "" && kind == "":
		return nil, errAt(loc, "not a Kubernetes object: apiVersion and kind are missing")
	case apiVersion == "":
		return nil, errAt(loc, "%s: apiVersion is missing", finding.DescribeName(kind))
	case kind == "":
		return nil, errAt(loc, "apiVersion %s: kind is missing", finding.DescribeName(apiVersion))
	}
	gv, err := schema.ParseGroupVersion(apiVersion)
	switch {
	case err != nil: // its message quotes the apiVersion
		err = errors.New("it must be group/version or, for the core group, a version alone")
	case gv.Version == "":
		err = errors.New("the version is empty") // "apps/" parses, but names no version
	}
	if err != nil {
		return nil, errAt(loc, "%s: invalid apiVersion %s: %v", finding.DescribeName(kind), finding.DescribeName(apiVersion), err)
	}
	o := &inventory.Object{
		GVK:       gv.WithKind(kind),
		Origin:    inventory.Origin{File: doc.File, Template: doc.Template, Document: index32(doc.Index), Item: index32(item)},
		Positions: positions,
	}
	if len(dups) > 0 {
		issues := make([]inventory.FieldIssue, len(dups))
		for i, dup := range dups {
			issues[i] = inventory.FieldIssue{Kind: inventory.DuplicateKey, Path: dup.path, Field: lastKey(dup.path)}
		}
		o.AddIssues(issues...)
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
			return o, errAt(loc, "%s %s: pod template: %v", finding.DescribeName(kind), finding.DescribeName(o.Name), err)
		}
		return o, nil
	}
	walk, err := d.strict.decodeTyped(typed, b.nodes)
	if err != nil {
		return nil, errAt(loc, "%s %s: cannot decode: %v", finding.DescribeName(kind), finding.DescribeName(o.Name), err)
	}
	if len(walk.errs) > 0 {
		var errs []finding.ScanError
		for _, te := range walk.errs {
			l := loc
			l.Line, l.Column, _ = positions.Locate(te.path)
			errs = append(errs, finding.ScanError{Location: l, Object: o.Ref(),
				Message: fmt.Sprintf("%s %s: %s %s; the API server would reject this object, so it was not checked",
					finding.DescribeName(kind), finding.DescribeName(o.Name), finding.DescribePath(te.path), te.msg)})
		}
		return nil, errs
	}
	issues := walk.issues
	o.Typed = typed
	if current := d.asReplacement(o.GVK, b.nodes); current != nil {
		// A version no longer served: judged as the version that replaced it reads it.
		o.Typed = current
	}
	o.AddIssues(issues...)
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
			return fmt.Errorf("%s.%s %s", part.path, finding.DescribePath(first.path), first.msg)
		}
		for _, is := range walk.issues {
			is.Path = part.path + "." + is.Path
			if is.Suggestion != "" {
				is.Suggestion = part.path + "." + is.Suggestion
			}
			issues = append(issues, is)
		}
	}
	o.AddIssues(issues...)
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
		switch n.Tag {
		case "!!null":
			return "null"
		case "!!bool":
			return "a boolean"
		case "!!int", "!!float":
			return "a number"
		}
		return finding.DescribeString(n.Value)
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

// index32 is a document's or item's index as an Origin holds it: one past what an int32 holds
// (a stream of over two billion documents) stays at its largest.
func index32(i int) int32 { return int32(min(i, math.MaxInt32)) }
