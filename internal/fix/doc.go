package fix

import (
	"bytes"
	"slices"
	"strings"
	"unicode/utf8"

	yaml "go.yaml.in/yaml/v3"
)

// doc is one document's text with what the editor needs to write into it alike.
type doc struct {
	text  []byte
	lines []int // offset of each line's first byte
	json  bool  // the document is JSON: write JSON (no comments)
	eol   string
	// step is the document's indentation step for a nested mapping; seqStep how far list
	// items are indented below their key (0 for "key:\n- item", as kubectl writes).
	step, seqStep int
}

func newDoc(text []byte, lines []int, root *yaml.Node) *doc {
	d := &doc{text: text, lines: lines, eol: "\n", step: 2}
	if bytes.Contains(text, []byte("\r\n")) {
		d.eol = "\r\n"
	}
	first := bytes.TrimLeft(text, " \t\r\n")
	d.json = root.Style&yaml.FlowStyle != 0 && len(first) > 0 && first[0] == '{'
	d.step, d.seqStep = indentation(root)
	return d
}

// indentation finds the document's indentation step and list item indentation from its first
// nested block mapping and block list under a key.
func indentation(root *yaml.Node) (step, seqStep int) {
	step, seqStep = -1, -1
	var visit func(n *yaml.Node)
	visit = func(n *yaml.Node) {
		if n.Kind != yaml.MappingNode || n.Style&yaml.FlowStyle != 0 {
			return
		}
		for i := 0; i+1 < len(n.Content) && (step < 0 || seqStep < 0); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if v.Style&yaml.FlowStyle != 0 || len(v.Content) == 0 || v.Line == k.Line {
				continue
			}
			switch v.Kind {
			case yaml.MappingNode:
				if step < 0 && v.Content[0].Column > k.Column {
					step = v.Content[0].Column - k.Column
				}
				visit(v)
			case yaml.SequenceNode:
				if seqStep < 0 && v.Content[0].Column >= k.Column+2 {
					seqStep = v.Content[0].Column - 2 - k.Column
				}
				for _, it := range v.Content {
					visit(it)
				}
			}
		}
	}
	visit(root)
	if step <= 0 {
		step = 2
	}
	return step, max(seqStep, 0)
}

// splice replaces text[from:to] with with.
type splice struct {
	from, to int
	with     string
}

// overlaps reports whether two splices touch the same text: their ranges share a byte, or one
// inserts inside the range the other replaces. Insertions at one place do not overlap: they
// are written in the order they were made.
func (s splice) overlaps(o splice) bool {
	if max(s.from, o.from) < min(s.to, o.to) {
		return true
	}
	inside := func(at int, r splice) bool { return r.from < at && at < r.to }
	return s.from == s.to && inside(s.from, o) || o.from == o.to && inside(o.from, s)
}

// startsAt reports whether the splice o removes or replaces text starting where s is.
func (s splice) startsAt(o splice) bool { return o.to > o.from && o.from == s.from }

// applySplices writes the splices into text. Lines inserted at one place are ordered deepest
// first: the end of a nested mapping is also the end of the mappings that hold it, so a key
// added to the inner one must come before a key added to an outer one. A comment line comes
// after the keys of its indentation, right above the field it is about; otherwise splices at
// one place keep their order.
func applySplices(text []byte, sp []splice) []byte {
	slices.SortStableFunc(sp, func(a, b splice) int {
		if a.from != b.from || a.from != a.to || b.from != b.to {
			return a.from - b.from
		}
		ai, ac := a.lineShape()
		bi, bc := b.lineShape()
		if ai != bi {
			return bi - ai
		}
		switch {
		case ac && !bc:
			return 1
		case bc && !ac:
			return -1
		}
		return 0
	})
	var b bytes.Buffer
	grow := len(text)
	for _, s := range sp {
		grow += len(s.with)
	}
	b.Grow(grow)
	last := 0
	for _, s := range sp {
		b.Write(text[last:s.from])
		b.WriteString(s.with)
		last = s.to
	}
	b.Write(text[last:])
	return b.Bytes()
}

// lineShape is the indentation of the first line a splice writes and whether that line is a
// comment.
func (s splice) lineShape() (indent int, comment bool) {
	line := strings.TrimLeft(s.with, "\r\n")
	rest := strings.TrimLeft(line, " ")
	return len(line) - len(rest), strings.HasPrefix(rest, "#")
}

// offset is the byte offset of a node's first character.
func (d *doc) offset(n *yaml.Node) int {
	if n.Line < 1 || n.Line > len(d.lines) {
		return len(d.text)
	}
	off := d.lines[n.Line-1]
	for col := n.Column; col > 1 && off < len(d.text); col-- {
		_, size := utf8.DecodeRune(d.text[off:])
		off += size
	}
	return off
}

// lineEnd is the offset of the end of the line holding off (before its line break).
func (d *doc) lineEnd(off int) int {
	i := bytes.IndexByte(d.text[off:], '\n')
	if i < 0 {
		return len(d.text)
	}
	end := off + i
	if end > 0 && d.text[end-1] == '\r' {
		end--
	}
	return end
}

// nextLine is the offset of the line after the one holding off (len(text) at the end).
func (d *doc) nextLine(off int) int {
	i := bytes.IndexByte(d.text[off:], '\n')
	if i < 0 {
		return len(d.text)
	}
	return off + i + 1
}

// line returns the text of line l (0-based) without its line break.
func (d *doc) line(l int) []byte {
	start := d.lines[l]
	return d.text[start:d.lineEnd(start)]
}

// lastLine is the last line (0-based) of what starts on line first at indentation indent:
// the following lines indented deeper belong to it, and, when dash, list items at the same
// indentation (key:\n- item). Blank and comment lines after it are not part of it.
func (d *doc) lastLine(first, indent int, dash bool) int {
	last := first
	for l := first + 1; l < len(d.lines); l++ {
		if d.lines[l] >= len(d.text) {
			break
		}
		text := d.line(l)
		trimmed := bytes.TrimLeft(text, " ")
		if len(bytes.TrimSpace(trimmed)) == 0 || trimmed[0] == '#' {
			continue
		}
		ind := len(text) - len(trimmed)
		if ind > indent || (dash && ind == indent && (bytes.HasPrefix(trimmed, []byte("- ")) || string(bytes.TrimSpace(trimmed)) == "-")) {
			last = l
			continue
		}
		break
	}
	return last
}

// located is how far a path reaches into an object.
type located struct {
	// nodes[i] is the node at the first i segments (nodes[0] the object); keys[i] its key
	// node when segment i-1 is a key.
	nodes []*yaml.Node
	keys  []*yaml.Node
	found int // how many segments exist
}

func (l *located) node() *yaml.Node { return l.nodes[l.found] }

// object picks the object of an edit: the document's root, or an item of a List.
func (d *doc) object(root *yaml.Node, e Edit) (*yaml.Node, error) {
	items := mappingValue(root, "items")
	kind := mappingValue(root, "kind")
	isList := items != nil && items.Kind == yaml.SequenceNode && kind != nil && strings.HasSuffix(kind.Value, "List")
	if !isList {
		if e.Item > 0 {
			return nil, refuse("the document is not a List")
		}
		return root, nil
	}
	if err := noAnchors(root); err != nil {
		return nil, err
	}
	if err := noAnchors(items); err != nil {
		return nil, err
	}
	if e.Item > 0 {
		if e.Item > len(items.Content) {
			return nil, refuse("the List has %d items, not %d", len(items.Content), e.Item)
		}
		return items.Content[e.Item-1], nil
	}
	var match []*yaml.Node
	for _, it := range items.Content {
		if it.Kind != yaml.MappingNode {
			continue
		}
		k, meta := mappingValue(it, "kind"), mappingValue(it, "metadata")
		if k == nil || k.Value != e.Object.Kind || meta == nil {
			continue
		}
		name, ns := mappingValue(meta, "name"), mappingValue(meta, "namespace")
		if name == nil || name.Value != e.Object.Name {
			continue
		}
		if ns != nil && e.Object.Namespace != "" && ns.Value != e.Object.Namespace {
			continue
		}
		match = append(match, it)
	}
	if len(match) != 1 {
		return nil, refuse("the List holds %d items of that kind and name", len(match))
	}
	return match[0], nil
}

func mappingValue(m *yaml.Node, key string) *yaml.Node {
	if m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

// noAnchors refuses a node that is an alias or bears an anchor: an edit through it would
// change every place that shares it.
func noAnchors(n *yaml.Node) error {
	switch {
	case n.Kind == yaml.AliasNode:
		return refuse("the path goes through an alias (*%d characters); Palisade does not edit shared values", len(n.Value))
	case n.Anchor != "":
		return refuse("the path goes through an anchored value (&); Palisade does not edit shared values")
	}
	return nil
}

// walk follows a path as far as it exists.
func (d *doc) walk(obj *yaml.Node, segs []segment) (*located, error) {
	loc := &located{nodes: []*yaml.Node{obj}, keys: []*yaml.Node{nil}}
	if err := noAnchors(obj); err != nil {
		return nil, err
	}
	n := obj
	for _, s := range segs {
		var next, key *yaml.Node
		switch n.Kind {
		case yaml.MappingNode:
			if s.isIndex {
				return nil, refuse("a list index where the document has a mapping")
			}
			for i := 0; i+1 < len(n.Content); i += 2 {
				k := n.Content[i]
				if k.Kind == yaml.ScalarNode && k.Value == "<<" && k.Tag == "!!merge" {
					return nil, refuse("the path goes through a mapping with a merge key (<<)")
				}
				if k.Kind == yaml.AliasNode {
					return nil, refuse("the path goes through a mapping with an alias key")
				}
				if k.Kind == yaml.ScalarNode && k.Value == s.key {
					if next != nil {
						return nil, refuse("the mapping holds the key twice")
					}
					key, next = k, n.Content[i+1]
				}
			}
		case yaml.SequenceNode:
			if !s.isIndex {
				return nil, refuse("a field name where the document has a list")
			}
			if s.index >= len(n.Content) {
				return nil, refuse("the list has no item %d", s.index)
			}
			next = n.Content[s.index]
		case yaml.ScalarNode:
			if n.Tag == "!!null" {
				return loc, nil
			}
			return nil, refuse("a scalar where the path needs a mapping or list")
		default:
			return nil, refuse("an unexpected node where the path goes on")
		}
		if next == nil {
			return loc, nil
		}
		if err := noAnchors(next); err != nil {
			return nil, err
		}
		if key != nil {
			if err := noAnchors(key); err != nil {
				return nil, err
			}
		}
		loc.nodes = append(loc.nodes, next)
		loc.keys = append(loc.keys, key)
		loc.found++
		n = next
	}
	return loc, nil
}

// isFlow reports whether a collection node is written in flow style.
func isFlow(n *yaml.Node) bool { return n.Style&yaml.FlowStyle != 0 }

// indentOf is the indentation a node's column gives (characters before it on its line).
func indentOf(n *yaml.Node) int { return n.Column - 1 }

// onlyBlankBefore reports whether nothing but spaces precede off on its line.
func (d *doc) onlyBlankBefore(off int) bool {
	start := bytes.LastIndexByte(d.text[:off], '\n') + 1
	return len(bytes.Trim(d.text[start:off], " ")) == 0
}
