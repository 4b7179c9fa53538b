package fix

import (
	"sort"
	"strings"
	"sync"
	"unicode/utf8"

	yaml "go.yaml.in/yaml/v3"

	"palisade.dev/palisade/internal/source/manifest/fastyaml"
)

// fastTree reads a document through the manifest loader's fast decoder and builds from what
// it decoded, and where each node is written, the node tree yaml.v3 builds for the document:
// the same kinds, styles, tags, values, lines and columns, in the same order. The editor
// finds fields and writes its splices from that tree alone, so a document read either way
// is edited alike, byte for byte; the fast decoder reads the subset of YAML most manifests
// are written in several times faster than yaml.v3 builds a tree. A document written as
// JSON is read by jsonDoc into the same nodes. A document outside both (an anchor, an
// alias, a tag, a multi-line flow collection or quoted scalar, a tab, a carriage return,
// ...) is left to yaml.v3: ok is then false. lines are the offsets of the
// text's lines (lineStarts).
//
// What the tree leaves out, the editor never reads: comments (the editor reads the text
// around a field), and the position of a null written as nothing (the editor places that
// from its key).
//
// The tree is laid out in room, and valid until room's next reading.
func fastTree(text []byte, lines []int, room *treeRoom) (root *yaml.Node, ok bool) {
	r := fastReaders.Get().(*fastReader)
	defer fastReaders.Put(r)
	r.pos.Reset()
	d, err := r.dec.DecodeSpans(text, &r.pos)
	if err != nil {
		if !room.json.read(text) {
			return nil, false
		}
		d.Nodes, d.Spans = room.json.nodes, room.json.spans
	}
	if len(d.Spans) != len(d.Nodes) || len(d.Nodes) == 0 {
		return nil, false
	}
	keys, content := 0, 0
	for i := range d.Nodes {
		switch n := &d.Nodes[i]; n.Kind {
		case fastyaml.Map:
			keys += int(n.Len)
			content += 2 * int(n.Len)
		case fastyaml.List:
			content += int(n.Len)
		}
	}
	b := treeBuilder{
		text: text, lines: lines, nodes: d.Nodes, spans: d.Spans, line: -1,
		slab: room.nodesFor(len(d.Nodes) + keys), content: room.contentFor(content),
	}
	return b.build(0), true
}

// treeRoom is where the trees of one file's documents are laid out, one after the other:
// every node in one slab, every Content in another, kept from one reading to the next, so
// that reading a document allocates little more than its scalars' text.
type treeRoom struct {
	nodes   []yaml.Node
	content []*yaml.Node
	json    jsonDoc // what a JSON document is read into
}

var treeRooms = sync.Pool{New: func() any { return new(treeRoom) }}

// read reads a document's node tree through the fast decoder where it reads the document
// (fastTree), laid out in the room, else through yaml.v3: either way the same tree.
func (r *treeRoom) read(text []byte, lines []int) (*yaml.Node, error) {
	if root, ok := fastTree(text, lines, r); ok {
		return root, nil
	}
	return yamlTree(text, lines)
}

func (r *treeRoom) nodesFor(n int) []yaml.Node {
	if cap(r.nodes) < n {
		r.nodes = make([]yaml.Node, n)
	}
	return r.nodes[:n]
}

func (r *treeRoom) contentFor(n int) []*yaml.Node {
	if cap(r.content) < n {
		r.content = make([]*yaml.Node, n)
	}
	return r.content[:n]
}

// treeBuilder lays out one document's tree in a room's slabs.
type treeBuilder struct {
	text    []byte
	lines   []int
	nodes   []fastyaml.Node
	spans   []fastyaml.Span
	slab    []yaml.Node
	content []*yaml.Node
	// line is the line (0-based) of the last offset placed: nodes come in the order they are
	// written, so the search for the next one starts there; ascii is where that line's first
	// character beyond ASCII is (its end when it has none), before which a column is a count
	// of bytes.
	line, ascii int
}

func (b *treeBuilder) node() *yaml.Node {
	n := &b.slab[0]
	*n = yaml.Node{} // what the room's last reading left there
	b.slab = b.slab[1:]
	return n
}

func (b *treeBuilder) children(n int) []*yaml.Node {
	c := b.content[:n:n]
	b.content = b.content[n:]
	return c
}

// build makes the node of nodes[i] and everything inside it.
func (b *treeBuilder) build(i int) *yaml.Node {
	fn, sp := &b.nodes[i], b.spans[i]
	n := b.node()
	n.Line, n.Column = b.place(int(sp.At))
	switch fn.Kind {
	case fastyaml.Map:
		n.Kind, n.Tag = yaml.MappingNode, "!!map"
		if b.text[sp.At] == '{' {
			n.Style = yaml.FlowStyle
		}
		n.Content = b.children(2 * int(fn.Len))
		for j, c := i+1, 0; c < int(fn.Len); c++ {
			n.Content[2*c] = b.key(j)
			n.Content[2*c+1] = b.build(j)
			j = int(b.nodes[j].End)
		}
	case fastyaml.List:
		n.Kind, n.Tag = yaml.SequenceNode, "!!seq"
		if b.text[sp.At] == '[' {
			n.Style = yaml.FlowStyle
		}
		n.Content = b.children(int(fn.Len))
		for j, c := i+1, 0; c < int(fn.Len); c++ {
			n.Content[c] = b.build(j)
			j = int(b.nodes[j].End)
		}
	default:
		n.Kind = yaml.ScalarNode
		switch {
		case fn.Kind == fastyaml.String && sp.End == sp.At:
			// Quoted or a block scalar: yaml.v3 tags it a string whatever it holds.
			n.Value, n.Tag, n.Style = fn.Str, "!!str", scalarStyle(b.text[sp.At])
		case fn.Kind == fastyaml.String:
			n.Value = fn.Str // a plain scalar the decoder keeps as its text
		default:
			n.Value = string(b.text[sp.At:sp.End])
		}
		if n.Tag == "" {
			n.Tag = plainTag(n)
		}
	}
	return n
}

// key makes the key node of the map entry nodes[j].
func (b *treeBuilder) key(j int) *yaml.Node {
	k := b.node()
	at := int(b.spans[j].Key)
	k.Kind, k.Value = yaml.ScalarNode, b.nodes[j].Key
	k.Line, k.Column = b.place(at)
	if style := scalarStyle(b.text[at]); style != 0 {
		k.Style, k.Tag = style, "!!str"
	} else {
		k.Tag = plainTag(k)
	}
	return k
}

// plainTag is the tag yaml.v3 resolves a plain scalar to, as its resolve decides from its
// resolveTable and resolveMap (go.yaml.in/yaml/v3, resolve.go), without its general path for
// the scalars most keys and values of a manifest are:
//   - a scalar whose first character is none of those that may begin a number, a boolean, a
//     null or a merge key is a string;
//   - one that begins with a letter that may begin a boolean or a null (yYnNtTfFoO) is one
//     of those when resolveMap names it so, else a string (yaml.v3 tries nothing else);
//   - a decimal number without a sign, a leading zero or a separator, short enough for an
//     int64, is an integer (it is no timestamp, which needs a '-' after four digits);
//   - one that begins with a digit or a sign and holds a character that none of the numbers
//     and timestamps yaml.v3 tries may hold (a quantity such as 128Mi or 100m) is a string.
func plainTag(n *yaml.Node) string {
	v := n.Value
	if v == "" {
		return n.ShortTag()
	}
	switch c := v[0]; {
	case '0' <= c && c <= '9' || c == '+' || c == '-':
		if '1' <= c && c <= '9' && len(v) <= 18 && decimal(v) || v == "0" {
			return "!!int"
		}
		if strings.IndexFunc(v, notNumeric) >= 0 {
			return "!!str"
		}
	case strings.IndexByte("yYnNtTfFoO", c) >= 0:
		switch v {
		case "true", "True", "TRUE", "false", "False", "FALSE":
			return "!!bool"
		case "null", "Null", "NULL":
			return "!!null"
		}
		return "!!str"
	case strings.IndexByte(".~<", c) < 0:
		return "!!str"
	}
	return n.ShortTag()
}

// notNumeric reports whether r is none of the characters yaml.v3's resolve may read as part
// of a number (an integer in any base, with '_' separators, or a float: strconv's syntax and
// its yamlStyleFloat) or of a timestamp (its parseTimestamp's layouts): digits, hexadecimal
// letters, the base prefixes' letters, signs, '.', '_', ':', the separators of a timestamp
// (' ', 't', 'T') and its zone ('Z'), and the exponent and special values of a float
// ('p', 'i', 'n', 'f', 'y', 't' of inf, infinity, nan).
func notNumeric(r rune) bool {
	switch {
	case '0' <= r && r <= '9':
		return false
	case r < utf8.RuneSelf && strings.IndexByte("abcdefABCDEFxXoObBpPiInNtTyYzZ+-._: ", byte(r)) >= 0:
		return false
	}
	return true
}

// decimal reports whether s is all decimal digits.
func decimal(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// scalarStyle is the style of a scalar whose first character is c.
func scalarStyle(c byte) yaml.Style {
	switch c {
	case '"':
		return yaml.DoubleQuotedStyle
	case '\'':
		return yaml.SingleQuotedStyle
	case '|':
		return yaml.LiteralStyle
	case '>':
		return yaml.FoldedStyle
	}
	return 0
}

// place is the 1-based line and column (in characters, as yaml.v3 counts them) of offset at.
func (b *treeBuilder) place(at int) (line, column int) {
	l := b.line
	if l < 0 || b.lines[l] > at || l+1 < len(b.lines) && b.lines[l+1] <= at {
		l = sort.Search(len(b.lines), func(i int) bool { return b.lines[i] > at }) - 1
	}
	start := b.lines[l]
	if l != b.line {
		b.line, b.ascii = l, len(b.text)
		for i := start; i < len(b.text) && b.text[i] != '\n'; i++ {
			if b.text[i] >= utf8.RuneSelf {
				b.ascii = i
				break
			}
		}
	}
	if at <= b.ascii {
		return l + 1, at - start + 1
	}
	return l + 1, utf8.RuneCount(b.text[start:at]) + 1
}
