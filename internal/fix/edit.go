// Package fix owns applying remedies to manifest files: it turns the finding.Patch values that
// rules attach to their findings into edits of a file's bytes in which only the lines a patch
// changes differ. It finds fields through the positions of a go.yaml.in/yaml/v3 node tree
// (built from the manifest loader's fast decoder where that reads the document, by yaml.v3
// elsewhere: the same tree either way) and splices the original text, so comments, key order, indentation, quoting, flow style, anchors, document
// separators, CRLF line endings and a missing final newline stay as they were; it never
// re-marshals a document. It never judges an object (rules do) and refuses, with a reason, an
// edit it cannot make safely: through an alias or anchor, a merge key, a duplicate key, a
// multi-line scalar.
package fix

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"unicode/utf8"

	yaml "go.yaml.in/yaml/v3"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/source/manifest"
)

// Edit is the patches for one object of a file.
type Edit struct {
	// Document is the 1-based index of the object's document, counted as the manifest loader
	// counts them (inventory.Origin.Document).
	Document int
	// Item is the 1-based index of the object in a List document (inventory.Origin.Item), or 0;
	// when 0 and the document is a List, the item is the one Object names.
	Item    int
	Object  finding.ObjectRef
	Patches []finding.Patch
}

// Refusal is why a file is left alone: one patch could not be applied safely.
type Refusal struct {
	Document int
	Path     string
	Reason   string
}

func (r *Refusal) Error() string {
	if r.Path == "" {
		return fmt.Sprintf("document %d: %s", r.Document, r.Reason)
	}
	return fmt.Sprintf("document %d, %s: %s", r.Document, r.Path, r.Reason)
}

// errRefused carries a reason up to the patch being applied, which adds where.
type errRefused string

func (e errRefused) Error() string { return string(e) }

func refuse(format string, args ...any) error { return errRefused(fmt.Sprintf(format, args...)) }

// Apply applies the edits to a file's bytes and returns the new bytes and how many patches
// changed something (a patch whose field already holds its value changes nothing). Either
// every patch applies or none does: on a *Refusal the file is to be left as it was.
func Apply(src []byte, edits []Edit) ([]byte, int, error) {
	room := treeRooms.Get().(*treeRoom)
	defer treeRooms.Put(room)
	return apply(src, edits, room.read)
}

// apply is Apply with the documents' node trees read by read.
func apply(src []byte, edits []Edit, read treeReader) ([]byte, int, error) {
	if len(edits) == 0 {
		return src, 0, nil
	}
	if !utf8.Valid(src) {
		return nil, 0, &Refusal{Reason: "the file is not UTF-8 text; Palisade edits only UTF-8 files"}
	}
	docs, err := manifest.SplitDocumentsTogether(src, "")
	if err != nil {
		return nil, 0, &Refusal{Reason: "the file cannot be split into documents"}
	}
	lines := lineStarts(src)
	byDoc := map[int][]Edit{}
	for _, e := range edits {
		byDoc[e.Document] = append(byDoc[e.Document], e)
	}
	var out bytes.Buffer
	out.Grow(len(src) + 256)
	last, applied, found := 0, 0, 0
	for _, d := range docs {
		es, ok := byDoc[d.Index]
		if !ok {
			continue
		}
		found++
		if d.Err != nil {
			return nil, 0, &Refusal{Document: d.Index, Reason: "the document could not be read"}
		}
		start, ok := docStart(src, lines, d)
		if !ok {
			return nil, 0, &Refusal{Document: d.Index, Reason: "the document's place in the file cannot be told"}
		}
		text, n, err := applyDocument(d.Data, es, read)
		if err != nil {
			if r, ok := err.(*Refusal); ok {
				r.Document = d.Index
			}
			return nil, 0, err
		}
		applied += n
		out.Write(src[last:start])
		out.Write(text)
		last = start + len(d.Data)
	}
	if found != len(byDoc) {
		return nil, 0, &Refusal{Reason: "a patched document is not in the file"}
	}
	out.Write(src[last:])
	res := out.Bytes()
	if applied == 0 {
		return src, 0, nil
	}
	after, err := manifest.CountDocuments(res)
	if err != nil || after != len(docs) {
		return nil, 0, &Refusal{Reason: "the edited file would split into other documents"}
	}
	return res, applied, nil
}

// lineStarts returns the offset of every line's first byte.
func lineStarts(b []byte) []int {
	out := make([]int, 1, 1+bytes.Count(b, []byte{'\n'}))
	for i := 0; ; {
		nl := bytes.IndexByte(b[i:], '\n')
		if nl < 0 {
			return out
		}
		i += nl + 1
		out = append(out, i)
	}
}

// docStart is the offset in src of a document's first byte, from its line and (rune) column,
// checked against its data.
func docStart(src []byte, lines []int, d manifest.Document) (int, bool) {
	if d.Line < 1 || d.Line > len(lines) {
		return 0, false
	}
	off := lines[d.Line-1]
	if d.Line == 1 && bytes.HasPrefix(src, []byte("\xef\xbb\xbf")) {
		off += 3
	}
	for col := max(d.Column, 1); col > 1 && off < len(src); col-- {
		_, size := utf8.DecodeRune(src[off:])
		off += size
	}
	if off+len(d.Data) > len(src) || !bytes.Equal(src[off:off+len(d.Data)], d.Data) {
		return 0, false
	}
	return off, true
}

// expand turns a patch whose value is a non-empty mapping into one patch per leaf, so that an
// existing part of the mapping is kept and only what is missing or different is written.
func expand(patches []finding.Patch) []finding.Patch {
	var out []finding.Patch
	for _, p := range patches {
		kvs, ok := asMapping(p.Value)
		if !ok || len(kvs) == 0 || p.Remove {
			out = append(out, p)
			continue
		}
		for i, kv := range kvs {
			sub := finding.Patch{Path: p.Path + "." + kv.key, Value: kv.val}
			if len(kv.key) == 0 || bytes.ContainsAny([]byte(kv.key), ".[]") {
				sub.Path = p.Path + "[" + kv.key + "]"
			}
			if i == 0 {
				sub.Comment = p.Comment
			}
			out = append(out, expand([]finding.Patch{sub})...)
		}
	}
	return out
}

// pending is one patch still to apply to a document, with the edit it belongs to.
type pending struct {
	e    Edit
	p    finding.Patch
	segs []segment
}

// applyDocument applies the edits of one document and returns its new text and how many
// patches changed something. It works in rounds, each reading the text once: a patch joins a
// round unless it touches a mapping or list another patch of the round changes, except that
// new keys of a block mapping (whole lines at its end) go in together as long as they are
// different keys. What a round wrote is read back once and every patch of it checked; the
// patches left out go to the next round, which reads the new text. A document is thus read
// a few times, not twice per patch; the last round's text is read back by the loader's fast
// decoder where it can (readsBack), which costs a fraction of a node tree.
func applyDocument(text []byte, es []Edit, read treeReader) ([]byte, int, error) {
	var todo []pending
	for _, e := range es {
		for _, p := range expand(e.Patches) {
			segs, err := parsePath(p.Path)
			if err != nil {
				return nil, 0, &Refusal{Path: p.Path, Reason: err.Error()}
			}
			todo = append(todo, pending{e, p, segs})
		}
	}
	applied := 0
	d, root, err := parseText(text, read)
	for len(todo) > 0 {
		if err != nil {
			return nil, 0, refusal(err, todo[0].p)
		}
		r := round{claims: map[*yaml.Node]*claim{}}
		var deferred []pending
		for _, pt := range todo {
			done, err := r.add(d, root, pt)
			var why errRefused
			if err != nil && pt.p.IsNote() && errors.As(err, &why) {
				// A TODO comment that cannot be placed is left out: it changes nothing, and
				// the remedies of the file still apply.
				continue
			}
			if err != nil {
				return nil, 0, refusal(err, pt.p)
			}
			if !done {
				deferred = append(deferred, pt)
			}
		}
		if len(r.applied) == 0 {
			break // every patch left holds already
		}
		text = applySplices(text, r.splices)
		if len(deferred) == 0 && readsBack(text, r.applied) {
			// The last round: nothing is left to place, so the document needs no node tree
			// of its new text, only the check that it reads as meant.
			return text, applied + len(r.applied), nil
		}
		if d, root, err = parseText(text, read); err != nil {
			return nil, 0, refusal(refuse("the edited document would not read back (%v)", err), r.applied[0].p)
		}
		for _, pt := range r.applied {
			if err := verify(d, root, pt); err != nil {
				return nil, 0, refusal(err, pt.p)
			}
		}
		applied += len(r.applied)
		todo = deferred
	}
	return text, applied, nil
}

// refusal turns an error of the editor into a Refusal of the patch p.
func refusal(err error, p finding.Patch) error {
	var why errRefused
	if errors.As(err, &why) {
		return &Refusal{Path: p.Path, Reason: string(why)}
	}
	return err
}

// round is the patches applied together to one reading of a document.
type round struct {
	claims  map[*yaml.Node]*claim
	splices []splice
	applied []pending
	// inserts are the round's new keys of block mappings that later patches may extend.
	inserts map[newKeyAt]*insertion
}

// newKeyAt is a key a round adds to a block mapping.
type newKeyAt struct {
	mapping *yaml.Node
	key     string
}

// insertion is the lines that add one key: the value written so far, and which splice of the
// round writes it.
type insertion struct {
	value  any
	splice int
}

// swapsScalar reports whether a patch rewrites the scalar value of a mapping's key in place:
// its text, and a comment at the end of its line, never reach the start of a line, where new
// keys of the mapping go, so it claims only its key (with a final line break: at the end of
// a document without one, a comment would otherwise meet the new lines at the same offset).
func (d *doc) swapsScalar(loc *located, pt pending) bool {
	p := pt.p
	if p.Remove || p.Rename != "" || p.Value == nil || loc.found != len(pt.segs) || loc.found == 0 ||
		pt.segs[loc.found-1].isIndex || len(d.text) == 0 || d.text[len(d.text)-1] != '\n' {
		return false
	}
	n := loc.node()
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		return false
	}
	switch normalize(p.Value).(type) {
	case bool, int64, float64, string:
		return true
	}
	return false
}

// extend writes the patch pt into the key the round adds already (set writes nothing else
// where a path goes on past a missing key), when the patch sets a field under it: securityContext.runAsNonRoot and securityContext.capabilities.drop on a
// container without a securityContext are written as one securityContext, in one round,
// rather than one round (and one reading of the document) for each.
func (r *round) extend(d *doc, m *yaml.Node, loc *located, pt pending) bool {
	key := pt.segs[loc.found].key
	ins := r.inserts[newKeyAt{m, key}]
	if ins == nil || slices.ContainsFunc(pt.segs[loc.found:], func(s segment) bool { return s.isIndex }) {
		return false
	}
	merged, ok := mergeValues(ins.value, insertedValue(loc, pt))
	if !ok {
		return false
	}
	sp, err := d.insertPair(m, key, merged, "")
	if err != nil || len(sp) != 1 {
		return false
	}
	r.splices[ins.splice] = sp[0]
	ins.value = merged
	r.applied = append(r.applied, pt)
	return true
}

// record notes a new key of a block mapping, for extend.
func (r *round) record(d *doc, m *yaml.Node, loc *located, pt pending, sp []splice) {
	if len(sp) != 1 || d.json {
		return
	}
	if r.inserts == nil {
		r.inserts = map[newKeyAt]*insertion{}
	}
	r.inserts[newKeyAt{m, pt.segs[loc.found].key}] = &insertion{insertedValue(loc, pt), len(r.splices)}
}

// insertedValue is what a patch that adds a key writes under it: its value in the mappings
// of the missing keys, with its comment beside the value.
func insertedValue(loc *located, pt pending) any {
	v := normalize(pt.p.Value)
	if pt.p.Comment != "" {
		v = noted{v, pt.p.Comment}
	}
	return nest(pt.segs[loc.found+1:], v)
}

// mergeValues puts the mapping b into the mapping a, keys of a first; false when they set
// the same field or either is not a mapping with keys.
func mergeValues(a, b any) (any, bool) {
	x, okA := a.([]kv)
	y, okB := b.([]kv)
	if !okA || !okB || len(x) == 0 || len(y) == 0 {
		return nil, false
	}
	out := slices.Clone(x)
	for _, e := range y {
		i := slices.IndexFunc(out, func(o kv) bool { return o.key == e.key })
		if i < 0 {
			out = append(out, e)
			continue
		}
		v, ok := mergeValues(out[i].val, e.val)
		if !ok {
			return nil, false
		}
		out[i] = kv{e.key, v}
	}
	return out, true
}

// claim is what a round changes in one mapping or list: new keys at the end of a block
// mapping and scalar values rewritten in place, each key once, or anything else (then
// nothing more).
type claim struct {
	other bool
	keys  []string
}

// add applies a patch to the round when it touches nothing the round changes already, and
// reports whether the patch is done (applied, or already holding); false leaves it to the
// next round.
func (r *round) add(d *doc, root *yaml.Node, pt pending) (bool, error) {
	obj, err := d.object(root, pt.e)
	if err != nil {
		return false, err
	}
	loc, err := d.walk(obj, pt.segs)
	if err != nil {
		return false, err
	}
	p := pt.p
	n := loc.node()
	newKey := !p.Remove && p.Rename == "" && p.Value != nil && loc.found < len(pt.segs) &&
		n.Kind == yaml.MappingNode && !isFlow(n) && len(n.Content) > 0
	parent := n
	if !newKey && loc.found > 0 {
		parent = loc.nodes[loc.found-1]
	}
	// A note is a comment line: it changes no mapping, so it claims none, but it must not land
	// where another patch of the round removes or replaces text.
	note := p.IsNote()
	swap := d.swapsScalar(loc, pt)
	c := r.claims[parent]
	switch {
	case c == nil || note:
	case newKey && !c.other && !slices.Contains(c.keys, pt.segs[loc.found].key):
	case swap && !c.other && !slices.Contains(c.keys, pt.segs[loc.found-1].key):
	case newKey && !c.other:
		return r.extend(d, n, loc, pt), nil
	default:
		return false, nil
	}
	sp, err := d.splicesFor(loc, pt.segs, p)
	if err != nil || len(sp) == 0 {
		return err == nil, err
	}
	for _, a := range sp {
		if slices.ContainsFunc(r.splices, a.overlaps) || note && slices.ContainsFunc(r.splices, a.startsAt) {
			return false, nil
		}
	}
	if note {
		r.splices = append(r.splices, sp...)
		r.applied = append(r.applied, pt)
		return true, nil
	}
	if c == nil {
		c = &claim{}
		r.claims[parent] = c
	}
	switch {
	case newKey:
		r.record(d, n, loc, pt, sp)
		c.keys = append(c.keys, pt.segs[loc.found].key)
	case swap:
		c.keys = append(c.keys, pt.segs[loc.found-1].key)
	default:
		c.other = true
	}
	r.splices = append(r.splices, sp...)
	r.applied = append(r.applied, pt)
	return true, nil
}

// splicesFor is what applying one patch at loc writes; nothing when the field holds already.
func (d *doc) splicesFor(loc *located, segs []segment, p finding.Patch) ([]splice, error) {
	switch {
	case p.Remove:
		if loc.found < len(segs) {
			return nil, nil
		}
		return d.remove(loc)
	case p.Rename != "":
		if loc.found < len(segs) {
			return nil, nil
		}
		return d.rename(loc, p.Rename)
	case p.Value == nil && p.Comment != "":
		return d.note(loc, p.Comment)
	case p.Value == nil:
		return nil, refuse("the patch neither sets nor removes the field")
	}
	return d.set(loc, segs, normalize(p.Value), p.Comment)
}

// verify checks, in the edited document, that the patched field reads as the patch meant:
// the editor's own safeguard against writing what it did not intend.
func verify(d *doc, root *yaml.Node, pt pending) error {
	obj, err := d.object(root, pt.e)
	if err != nil {
		return refuse("the edited document would not read back (%v)", err)
	}
	segs, p := pt.segs, pt.p
	loc, err := d.walk(obj, segs)
	if err != nil {
		return refuse("the edited document would not read back (%v)", err)
	}
	switch {
	case p.Remove:
		if loc.found == len(segs) {
			return refuse("the edited document still holds the field")
		}
	case p.Rename != "":
		renamed, err := d.walk(obj, append(segs[:len(segs)-1:len(segs)-1], segment{key: p.Rename}))
		if err != nil || loc.found == len(segs) || renamed.found < len(segs) {
			return refuse("the edited document does not read back with the field renamed")
		}
	case p.Value == nil:
	default:
		if loc.found < len(segs) || !holds(loc.node(), normalize(p.Value)) {
			return refuse("the edited document does not read back with the value")
		}
	}
	return nil
}

// holds reports whether node n holds value v (for a list, every item of v).
func holds(n *yaml.Node, v any) bool {
	if items, ok := v.([]any); ok {
		if n.Kind != yaml.SequenceNode {
			return false
		}
		for _, it := range items {
			if !slices.ContainsFunc(n.Content, func(c *yaml.Node) bool { return sameItem(c, it) }) {
				return false
			}
		}
		return true
	}
	if kvs, ok := v.([]kv); ok && len(kvs) == 0 {
		return n.Kind == yaml.MappingNode
	}
	var got any
	if err := n.Decode(&got); err != nil {
		return false
	}
	return equalScalar(got, v)
}

// parseText reads one document, which must be a mapping, with its node tree read by read.
func parseText(text []byte, read treeReader) (*doc, *yaml.Node, error) {
	if otherLineBreaks(text) {
		return nil, nil, refuse("the document breaks lines with a lone carriage return or a Unicode line separator")
	}
	lines := lineStarts(text)
	root, err := read(text, lines)
	if err != nil {
		return nil, nil, err
	}
	return newDoc(text, lines, root), root, nil
}

// treeReader reads the node tree of a document whose lines start at lines (lineStarts); the
// root must be a mapping. A tree may be valid only until the reader's next reading: a
// document's editor reads its text anew only once it is done with the last tree.
type treeReader func(text []byte, lines []int) (*yaml.Node, error)

// yamlTree reads one document's node tree with yaml.v3.
func yamlTree(text []byte, _ []int) (*yaml.Node, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(text, &root); err != nil {
		return nil, refuse("the document does not read as YAML")
	}
	if root.Kind != yaml.DocumentNode || len(root.Content) != 1 || root.Content[0].Kind != yaml.MappingNode {
		return nil, refuse("the document is not a mapping")
	}
	return root.Content[0], nil
}

// otherLineBreaks reports whether text breaks lines other than with \n or \r\n: YAML also
// reads a lone \r (and the parser NEL, LS and PS) as one, which would shift every position.
func otherLineBreaks(text []byte) bool {
	for i := 0; ; i++ {
		cr := bytes.IndexByte(text[i:], '\r')
		if cr < 0 {
			break
		}
		if i += cr; i+1 == len(text) || text[i+1] != '\n' {
			return true
		}
	}
	return bytes.Contains(text, []byte("\u0085")) || bytes.Contains(text, []byte("\u2028")) || bytes.Contains(text, []byte("\u2029"))
}
