// Package fastyaml decodes the YAML that Kubernetes manifests are written in, several times
// faster than a general YAML parser, into the same plain data, field positions and duplicate
// keys that the manifest loader's yaml.v3 path produces.
//
// It owns one fast path and nothing else: it reads block mappings and sequences, plain,
// quoted and block scalars, single-line flow collections, comments, anchors, aliases and
// merge keys of aliases (anchor.go), in one pass over the bytes, without building a node
// tree. Anything outside that subset (tags, complex keys, multi-line plain or quoted scalars,
// directives, tabs, a document that is not a map, an alias before its anchor, a merge key of
// a map written in place) and anything doubtful yields ErrUnsupported, and the caller decodes
// the document with yaml.v3 instead, which also words every syntax error. It must never
// accept a document yaml.v3 rejects nor give a different result for one it accepts; the
// loader's differential test and fuzz target hold it to that.
package fastyaml

import (
	"bytes"
	"encoding/binary"
	"errors"
	"strconv"
	"strings"
	"unicode/utf8"

	"palisade.dev/palisade/internal/inventory"
)

// ErrUnsupported says the document is outside the subset this package decodes (or is not
// valid YAML); decode it with a general YAML parser.
var ErrUnsupported = errors.New("fastyaml: document outside the supported subset")

// Limits below those of the loader's yaml.v3 path (10,000 levels, 1,000,000 values), so a
// document the fast path accepts never trips them there.
const (
	maxDepth  = 1000
	maxValues = 900_000
	// maxKeyLength keeps keys well inside YAML's limit on simple keys (1024 characters).
	maxKeyLength = 1000
)

// Document is a decoded manifest document.
type Document struct {
	// Nodes are the document's map (Nodes[0]) and everything in it, with scalars resolved as
	// kubectl resolves them. A Decoder reuses them: they are valid until its next Decode.
	Nodes []Node
	// Line and Column locate the map itself (its first key).
	Line, Column int
	// Duplicates are the keys that appear twice in one map, in document order.
	Duplicates []DuplicateKey
	// Anchored says the document defines anchors: some of its values may be copies of others
	// (aliases, merge keys), so that text written in one place is read in several.
	Anchored bool
	// Spans, from DecodeSpans only, say where each node is written: Spans[i] is Nodes[i]'s.
	// A Decoder reuses them as it reuses Nodes.
	Spans []Span
}

// Span is where one node of a document is written, as byte offsets in the document's data,
// for a reader that edits the text in place (package fix): together with the nodes it tells
// each value's and each key's place and, from the character there, how it is written.
type Span struct {
	// At is the node's first byte: a block map's first key, a block list's first "-", a flow
	// collection's "{" or "[", a scalar's first character (its quote or its block indicator,
	// "|" or ">"). A null written as nothing is at the end of its key's ":".
	At int32
	// End is just past a plain scalar's last character (spaces after it excluded), so that
	// data[At:End] is its text; for any other node it is At.
	End int32
	// Key is the first byte of the key of a map's entry (its quote, for a quoted key), or -1
	// for a list item and the document's map.
	Key int32
}

// Content returns the document's map as plain data.
func (d Document) Content() map[string]any {
	return Value(d.Nodes, 0).(map[string]any)
}

// DuplicateKey is a key written a second time in the same map; the later value wins.
type DuplicateKey struct {
	// Path is the key's field path (spec.containers[0].name).
	Path         string
	Line, Column int
}

// Decode decodes one YAML document (no "---" separator inside it) whose root is a map. It
// records the position of the map and of every key and list item in pos, with lines counted
// from 1 at the start of data, plus lineBase, then passed through mapLine when it is set.
// It returns ErrUnsupported, with pos in an undefined state, for anything it does not decode.
func Decode(data []byte, lineBase int, mapLine func(int) int, pos *inventory.PositionsBuilder) (Document, error) {
	var d Decoder
	return d.Decode(data, lineBase, mapLine, pos)
}

// Decoder decodes documents as Decode does, keeping the room it needs (its stacks of keys,
// values) from one document to the next. It is for one goroutine at a time; the nodes of the
// document it returns are its own, valid until the next Decode.
type Decoder struct {
	p parser
}

// Decode decodes one document; see the package function Decode.
func (d *Decoder) Decode(data []byte, lineBase int, mapLine func(int) int, pos *inventory.PositionsBuilder) (Document, error) {
	return d.decode(data, lineBase, mapLine, pos, false)
}

// DecodeSpans decodes one document as Decode does, and also records where each node is
// written, in Document.Spans. It accepts exactly the documents Decode accepts.
func (d *Decoder) DecodeSpans(data []byte, pos *inventory.PositionsBuilder) (Document, error) {
	return d.decode(data, 0, nil, pos, true)
}

func (d *Decoder) decode(data []byte, lineBase int, mapLine func(int) int, pos *inventory.PositionsBuilder, spans bool) (Document, error) {
	if !validText(data) {
		return Document{}, ErrUnsupported
	}
	p := &d.p
	p.reset(data, lineBase, mapLine, pos)
	p.spanning = spans
	defer p.release()
	// Nearly every line of a manifest holds one key or list item, "- key:" lines both.
	pos.Grow(bytes.Count(data, []byte("\n")) + bytes.Count(data, []byte("- ")) + 1)
	if !p.start() {
		return Document{}, ErrUnsupported
	}
	root := Document{Line: p.line(p.ln), Column: p.ind + 1}
	pos.SetRoot(root.Line, root.Column)
	if !p.mapping(p.ind, inventory.RootHash, 0) || p.ind >= 0 || p.marker {
		return Document{}, ErrUnsupported
	}
	root.Nodes = p.nodes
	root.Duplicates = p.dups
	root.Anchored = len(p.anchors) > 0
	if spans {
		root.Spans = p.spans
	}
	return root, nil
}

// reset readies the parser for a document, keeping the room of its stacks.
func (p *parser) reset(data []byte, lineBase int, mapLine func(int) int, pos *inventory.PositionsBuilder) {
	// The last document's nodes, the caller's until this call, are overwritten as this one is
	// read; what they held stays reachable only until then (clearing them first would write
	// every node twice).
	*p = parser{
		src: data, lineBase: lineBase, mapLine: mapLine, pos: pos,
		path: p.path[:0], nodes: p.nodes[:0], keys: Keys{p.keys.entries[:0]}, scratch: p.scratch[:0],
		recent: p.recent, anchors: p.anchors[:0], marks: p.marks[:0], merges: p.merges[:0], spans: p.spans[:0],
	}
	if p.recent == nil {
		p.recent = newRecent()
	}
}

// release lets go of the document's source and positions. The stacks of keys and the nodes
// keep what they last held until the next document overwrites it: only keys and values of the
// last documents, which clearing would cost a write for each.
func (p *parser) release() {
	p.src, p.mapLine, p.pos, p.dups = nil, nil, nil, nil
}

// validText reports whether data holds only characters YAML accepts, with "\n" as the only
// line break and no tab or byte order mark. Everything else is left to yaml.v3.
func validText(b []byte) bool {
	const (
		ones  = 0x0101010101010101
		highs = 0x8080808080808080
	)
	for i := 0; i < len(b); {
		// Eight ASCII bytes at once: none at or above 0x80, none below 0x20 but "\n", no DEL.
		for ; i+8 <= len(b); i += 8 {
			w := binary.LittleEndian.Uint64(b[i:])
			if w&highs != 0 {
				break
			}
			control := ^(w + (0x80-0x20)*ones) & highs // bytes below 0x20
			if control&^zeroBytes(w^'\n'*ones) != 0 || zeroBytes(w^0x7f*ones) != 0 {
				return false
			}
		}
		if i == len(b) {
			break
		}
		c := b[i]
		if c < utf8.RuneSelf {
			if (c < 0x20 && c != '\n') || c == 0x7f {
				return false
			}
			i++
			continue
		}
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size == 1 {
			return false
		}
		// YAML's printable set, less the line breaks NEL, LS and PS and the byte order mark.
		if !(r >= 0xA0 && r <= 0xD7FF || r >= 0xE000 && r <= 0xFFFD || r >= 0x10000) || r == 0x2028 || r == 0x2029 || r == 0xFEFF {
			return false
		}
		i += size
	}
	return true
}

// zeroBytes has the high bit set in each byte of w that is zero, exactly, for w without any
// high bit set.
func zeroBytes(w uint64) uint64 {
	const highs = 0x8080808080808080
	return ^(w + 0x7f7f7f7f7f7f7f7f) & highs
}

// isMarker reports whether a line starting at i is a document marker ("---" or "..." and then
// a space or the end of the line).
func isMarker(s []byte, i int) bool {
	if len(s)-i < 3 || (s[i] != '-' && s[i] != '.') || s[i+1] != s[i] || s[i+2] != s[i] {
		return false
	}
	return len(s)-i == 3 || s[i+3] == ' ' || s[i+3] == '\n'
}

// parser walks the document line by line. Between constructs it stands on a content line
// (one that is neither blank nor only a comment): ls is where the line starts, le where it
// ends (its "\n" or the end of data), ind its indentation, ln its number, and i the byte being
// read. At the end of the data ind is -1.
type parser struct {
	src      []byte
	lineBase int
	mapLine  func(int) int
	pos      *inventory.PositionsBuilder

	i, ls, le, ind, ln int
	// marker is set on reaching a document marker: the parser then unwinds, and the document
	// (which holds more than one) is left to yaml.v3.
	marker bool

	values  int
	dups    []DuplicateKey
	path    []segment // the keys and indexes above the value being read, for duplicates
	scratch []byte    // unescaped quoted and block scalars are built here
	nodes   []Node    // the document read so far
	recent  *recent   // the strings made lately
	keys    Keys      // the keys of the maps being read

	// Anchors, aliases and merge keys (anchor.go).
	anchors   []anchor // the anchors defined so far, in document order
	marks     []mark   // the positions recorded inside anchored values, by node
	anchoring int      // how many anchored values are being read
	merges    []int32  // the anchors merged into the maps being read, innermost last
	copied    int      // the nodes copied from anchored values

	// spanning asks for spans, one for each node, kept beside nodes.
	spanning bool
	spans    []Span
}

// Keys holds the keys of the maps a parser is reading, innermost last, to find the keys a
// map repeats: a repeated key's later value wins, and its earlier entry is marked superseded.
// Package jsonnode reads JSON objects with it too. The zero Keys is empty.
type Keys struct{ entries []entry }

// entry is one key of a map being read, and the index of its node.
type entry struct {
	key  string
	node int32
}

// linearKeys is how many entries of a map are searched one by one for a repeated key; a
// larger map is indexed.
const linearKeys = 32

// Len is how many keys are stacked: a map's keys are those stacked above the Len when it
// began.
func (k *Keys) Len() int { return len(k.entries) }

// Drop unstacks the keys above base, when the map whose keys they are has been read.
func (k *Keys) Drop(base int) { k.entries = k.entries[:base] }

// Repeated reports whether the map whose keys are stacked above base has key already, and
// stacks key, whose value's node is nodes[node]. The earlier entry with key is marked
// superseded. index is the map's own: it is built once the map has more than linearKeys
// entries.
func (k *Keys) Repeated(nodes []Node, base int, key string, node int32, index *map[string]int32) bool {
	stacked := k.entries[base:]
	k.entries = append(k.entries, entry{key: key, node: node})
	if *index == nil && len(stacked) < linearKeys {
		for i := len(stacked) - 1; i >= 0; i-- {
			if stacked[i].key == key {
				nodes[stacked[i].node].Superseded = true
				return true
			}
		}
		return false
	}
	if *index == nil {
		*index = make(map[string]int32, 2*len(stacked))
		for _, e := range stacked {
			(*index)[e.key] = e.node
		}
	}
	earlier, seen := (*index)[key]
	(*index)[key] = node
	if seen {
		nodes[earlier].Superseded = true
	}
	return seen
}

// Find returns the node of the last entry with key of the map whose keys are stacked above
// base, if it has one; index is the map's own, as Repeated keeps it.
func (k *Keys) Find(base int, key string, index map[string]int32) (int32, bool) {
	if index != nil {
		node, ok := index[key]
		return node, ok
	}
	for i := len(k.entries) - 1; i >= base; i-- {
		if k.entries[i].key == key {
			return k.entries[i].node, true
		}
	}
	return 0, false
}

// segment is one step of a field path: a key, or a list index when key is unset.
type segment struct {
	key   string
	index int
	isKey bool
}

func (p *parser) line(l int) int {
	l += p.lineBase
	if p.mapLine != nil {
		return p.mapLine(l)
	}
	return l
}

// start moves to the first content line, past an optional "---" marker, and reports whether
// it can begin a map.
func (p *parser) start() bool {
	p.le, p.ln = -1, 0
	p.advance()
	if p.marker && p.src[p.i] == '-' {
		p.marker = false
		p.i += 3
		if !p.endOfLine() {
			return false
		}
		p.advance()
	}
	return p.ind >= 0 && !p.marker && p.src[p.i] != '%'
}

// advance moves to the next content line after the current one.
func (p *parser) advance() {
	j := p.le + 1
	p.ln++
	for j < len(p.src) {
		k := j
		for k < len(p.src) && p.src[k] == ' ' {
			k++
		}
		if k == len(p.src) {
			break
		}
		switch p.src[k] {
		case '\n':
			j = k + 1
			p.ln++
			continue
		case '#':
			e := bytes.IndexByte(p.src[k:], '\n')
			if e < 0 {
				j = len(p.src)
				continue
			}
			j = k + e + 1
			p.ln++
			continue
		}
		p.land(j, k)
		return
	}
	p.ls, p.i, p.le, p.ind = len(p.src), len(p.src), len(p.src), -1
}

// land stands the parser on the content line that starts at ls and whose first non-space
// character is at i.
func (p *parser) land(ls, i int) {
	p.ls, p.i, p.ind = ls, i, i-ls
	if e := bytes.IndexByte(p.src[i:], '\n'); e >= 0 {
		p.le = i + e
	} else {
		p.le = len(p.src)
	}
	if p.ind == 0 && isMarker(p.src, i) {
		p.marker, p.ind = true, -2
	}
}

// endOfLine skips spaces and reports whether only a comment (after at least one space) or
// nothing is left on the line.
func (p *parser) endOfLine() bool {
	j := p.i
	for j < p.le && p.src[j] == ' ' {
		j++
	}
	if j == p.le {
		return true
	}
	return p.src[j] == '#' && j > p.i
}

// isEntry reports whether the current line is a list entry ("-" then a space or the end of
// the line) at its indentation.
func (p *parser) isEntry() bool {
	j := p.ls + p.ind
	return p.src[j] == '-' && (j+1 == p.le || p.src[j+1] == ' ')
}

func (p *parser) count() bool {
	p.values++
	return p.values <= maxValues
}

// mapping reads a block map whose keys stand at column n (0-based), starting at p.i on the
// current line. It returns at the first content line indented less than n, or at one indented
// exactly n that is not a key (the caller decides whether that line is valid).
func (p *parser) mapping(n int, h inventory.PathHash, depth int) bool {
	if depth > maxDepth || !p.count() {
		return false
	}
	// The keys are stacked until the map ends, to find repeated ones.
	self := p.open(Map, p.i)
	base, merges := p.keys.Len(), len(p.merges)
	var mergedAt int32         // the first node after the merge key
	var index map[string]int32 // the keys of a large map
	for {
		keyAt := p.i
		key, col, ok := p.key()
		if !ok {
			return false
		}
		if key == "<<" && p.src[p.ls+col] == '<' {
			// A merge key: what it merges is added when the map ends, below its own keys.
			if len(p.merges) > merges || !p.mergeValue(false) || !p.endOfLine() {
				return false
			}
			mergedAt = int32(len(p.nodes))
			p.advance()
		} else {
			kh := h.Key(key)
			node := int32(len(p.nodes))
			// A repeated key keeps the position of its first occurrence, as the loader records it.
			if p.keys.Repeated(p.nodes, base, key, node, &index) {
				p.dups = append(p.dups, DuplicateKey{Path: p.render(key), Line: p.line(p.ln), Column: col + 1})
			} else {
				p.at(node, kh, p.line(p.ln), col+1)
			}
			p.path = append(p.path, segment{key: key, isKey: true})
			ok = p.mapValue(n, kh, depth)
			p.path = p.path[:len(p.path)-1]
			if !ok {
				return false
			}
			p.nodes[node].Key = key
			if p.spanning {
				p.spans[node].Key = int32(keyAt)
			}
		}
		switch {
		case p.ind < n:
			if !p.merge(base, merges, mergedAt, &index, h, depth) {
				return false
			}
			p.closeMap(self, base)
			return true
		case p.ind > n:
			return false
		}
		if p.isEntry() {
			return false
		}
		p.i = p.ls + n
	}
}

// open starts a map or list node written from at and returns its index.
func (p *parser) open(k Kind, at int) int {
	p.span(at, at)
	p.nodes = append(p.nodes, Node{Kind: k})
	return len(p.nodes) - 1
}

// span records where the node about to be appended is written, when spans are asked for.
func (p *parser) span(at, end int) {
	if p.spanning {
		p.spans = append(p.spans, Span{At: int32(at), End: int32(end), Key: -1})
	}
}

// closeMap ends the map node at self, whose keys are stacked above base.
func (p *parser) closeMap(self, base int) {
	p.nodes[self].Len = int32(p.keys.Len() - base)
	p.nodes[self].End = int32(len(p.nodes))
	p.keys.Drop(base)
}

// closeList ends the list node at self, of n items.
func (p *parser) closeList(self, n int) {
	p.nodes[self].Len = int32(n)
	p.nodes[self].End = int32(len(p.nodes))
}

// scalar appends a scalar's node, written at src[at:end].
func (p *parser) scalar(n Node, at, end int) {
	p.span(at, end)
	n.End = int32(len(p.nodes) + 1)
	p.nodes = append(p.nodes, n)
}

// str appends a string's node, written from at.
func (p *parser) str(s string, at int) {
	p.span(at, at)
	p.nodes = append(p.nodes, Node{Str: s, Kind: String, End: int32(len(p.nodes) + 1)})
}

// key reads a key and its ':' at p.i and returns it with its 0-based column.
func (p *parser) key() (string, int, bool) {
	start := p.i
	col := start - p.ls
	var key string
	switch c := p.src[start]; c {
	case '"', '\'':
		s, ok := p.quoted()
		if !ok {
			return "", 0, false
		}
		key = s
		for p.i < p.le && p.src[p.i] == ' ' {
			p.i++
		}
		if p.i == p.le || p.src[p.i] != ':' {
			return "", 0, false
		}
	default:
		if !plainStart(p.src, start, p.le) {
			return "", 0, false
		}
		end, colon := p.scanPlain(start)
		if colon < 0 || end == start {
			return "", 0, false
		}
		key = p.intern(p.src[start:end])
		p.i = colon
	}
	if p.i-start > maxKeyLength || !(p.i+1 == p.le || p.src[p.i+1] == ' ') {
		return "", 0, false
	}
	p.i++ // the ':'
	return key, col, true
}

// mapValue reads the value of a key in a map at column n, from just after the ':'.
func (p *parser) mapValue(n int, h inventory.PathHash, depth int) bool {
	colon := p.i
	if !p.endOfLine() {
		for p.src[p.i] == ' ' {
			p.i++
		}
		switch p.src[p.i] {
		case '&':
			return p.anchored(n, h, depth, false)
		case '*':
			return p.alias(h, depth, false) && p.lineEnds()
		}
		return p.inline(n, h, depth, false)
	}
	p.advance()
	return p.below(n, h, depth, colon)
}

// below reads the value of a key in a map at column n that is written on the lines below the
// key, the current line: a block collection, or nothing (null), whose span is at colon, the
// end of the key's ':'.
func (p *parser) below(n int, h inventory.PathHash, depth, colon int) bool {
	switch {
	case p.ind > n:
		if p.isEntry() {
			return p.sequence(p.ind, h, depth+1)
		}
		return p.mapping(p.ind, h, depth+1)
	case p.ind == n && p.isEntry():
		// A list written at its key's indentation.
		return p.sequence(n, h, depth+1)
	}
	if !p.count() {
		return false
	}
	p.scalar(Node{}, colon, colon)
	return true
}

// sequence reads a block list whose "-" stand at column m, starting on the current line.
func (p *parser) sequence(m int, h inventory.PathHash, depth int) bool {
	if depth > maxDepth || !p.count() {
		return false
	}
	self := p.open(List, p.ls+m)
	for idx := 0; ; idx++ {
		p.i = p.ls + m + 1
		ih := h.Index(idx)
		p.path = append(p.path, segment{index: idx})
		var ok bool
		if p.endOfLine() {
			p.advance()
			if p.ind <= m {
				return false // an empty item
			}
			p.at(int32(len(p.nodes)), ih, p.line(p.ln), p.ind+1)
			ok = p.itemBelow(ih, depth+1)
		} else {
			for p.src[p.i] == ' ' {
				p.i++
			}
			p.at(int32(len(p.nodes)), ih, p.line(p.ln), p.i-p.ls+1)
			switch p.src[p.i] {
			case '&':
				ok = p.anchored(m, ih, depth+1, true)
			case '*':
				ok = p.alias(ih, depth+1, false) && p.lineEnds()
			default:
				ok = p.inline(m, ih, depth+1, true)
			}
		}
		p.path = p.path[:len(p.path)-1]
		if !ok {
			return false
		}
		switch {
		case p.ind > m:
			return false
		case p.ind < m || !p.isEntry():
			p.closeList(self, idx+1)
			return true
		}
	}
}

// itemBelow reads a list item written on the lines below its dash, from the current line,
// which is indented more than the dash.
func (p *parser) itemBelow(h inventory.PathHash, depth int) bool {
	if p.isEntry() {
		return p.sequence(p.ind, h, depth)
	}
	return p.mapping(p.ind, h, depth)
}

// lineEnds reports whether only a comment or nothing is left on the line, and then moves to
// the next content line.
func (p *parser) lineEnds() bool {
	if !p.endOfLine() {
		return false
	}
	p.advance()
	return true
}

// inline reads a value that starts at p.i on the current line, inside a block collection at
// column parent. In a list item (item set) it may be a compact map or list.
func (p *parser) inline(parent int, h inventory.PathHash, depth int, item bool) bool {
	col := p.i - p.ls
	switch c := p.src[p.i]; c {
	case '|', '>':
		if !p.count() {
			return false
		}
		at := p.i
		s, ok := p.blockScalar(parent)
		if !ok {
			return false
		}
		p.str(s, at)
		return true
	case '[', '{':
		if !p.flow(h, depth+1) || !p.endOfLine() {
			return false
		}
		p.advance()
		return true
	case '"', '\'':
		start := p.i
		s, ok := p.quoted()
		if !ok {
			return false
		}
		if item && p.isKeyIndicator() {
			p.i = start
			return p.mapping(col, h, depth+1)
		}
		if !p.endOfLine() || !p.count() {
			return false
		}
		p.str(s, start)
		p.advance()
		return true
	case '-':
		if item && (p.i+1 == p.le || p.src[p.i+1] == ' ') {
			return p.sequence(col, h, depth+1)
		}
	}
	start := p.i
	if !plainStart(p.src, start, p.le) {
		return false
	}
	end, colon := p.scanPlain(start)
	if colon >= 0 {
		if !item {
			return false // "a: b: c"
		}
		return p.mapping(col, h, depth+1)
	}
	if end == start || !p.count() {
		return false
	}
	p.scalar(p.resolvePlain(p.src[start:end]), start, end)
	p.advance()
	return true
}

// isKeyIndicator reports whether a ':' that makes what was just read a key follows p.i.
func (p *parser) isKeyIndicator() bool {
	j := p.i
	for j < p.le && p.src[j] == ' ' {
		j++
	}
	return j < p.le && p.src[j] == ':' && (j+1 == p.le || p.src[j+1] == ' ')
}

// scanPlain scans a plain scalar in block context from start to the end of the line or a
// comment, and returns where it ends (trailing spaces excluded) and, when a ':' followed by a
// space or the end of the line comes first, where that ':' is (else -1).
func (p *parser) scanPlain(start int) (end, colon int) {
	s := p.src[:p.le]
	stop := p.le // a comment, " #", ends the scalar
	for j := start; ; {
		k := bytes.IndexByte(s[j:], '#')
		if k < 0 {
			break
		}
		if k += j; k > start && s[k-1] == ' ' {
			stop = k - 1
			break
		}
		j = k + 1
	}
	for j := start; ; {
		k := bytes.IndexByte(s[j:stop], ':')
		if k < 0 {
			break
		}
		if k += j; k+1 == p.le || s[k+1] == ' ' {
			return trimSpaces(s, start, k), k
		}
		j = k + 1
	}
	return trimSpaces(s, start, stop), -1
}

// trimSpaces returns where s[start:end] ends without its trailing spaces.
func trimSpaces(s []byte, start, end int) int {
	for end > start && s[end-1] == ' ' {
		end--
	}
	return end
}

// plainStart reports whether a plain scalar may start at s[i] in block context: not with an
// indicator, except "-" followed by something other than a space.
func plainStart(s []byte, i, end int) bool {
	switch s[i] {
	case '-':
		return i+1 < end && s[i+1] != ' '
	case '?', ':', ',', '[', ']', '{', '}', '#', '&', '*', '!', '|', '>', '\'', '"', '%', '@', '`':
		return false
	}
	return true
}

// render gives the field path of key below the current path, as the loader writes it.
func (p *parser) render(key string) string {
	var b strings.Builder
	for _, s := range p.path {
		if s.isKey {
			if b.Len() > 0 && !strings.HasPrefix(s.key, "[") {
				b.WriteByte('.')
			}
			b.WriteString(s.key)
			continue
		}
		b.WriteByte('[')
		b.WriteString(strconv.Itoa(s.index))
		b.WriteByte(']')
	}
	if b.Len() > 0 && !strings.HasPrefix(key, "[") {
		b.WriteByte('.')
	}
	b.WriteString(key)
	return b.String()
}
