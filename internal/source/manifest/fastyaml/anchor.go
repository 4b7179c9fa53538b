package fastyaml

import (
	"cmp"
	"slices"

	"palisade.dev/palisade/internal/inventory"
)

// Anchors (&name), aliases (*name) and merge keys (<<: *name), read as the loader's yaml.v3
// path reads them (yaml.v3 builds the node tree, convert.go expands it):
//
//   - An alias stands for a copy of the value its anchor was given, whatever that value is: a
//     scalar (resolved where it was written), a map or a list. It names the latest anchor of
//     that name before it: an anchor may be given again, and the aliases after that point
//     name the new value.
//   - The key or list item an alias stands at has the alias's position; what the copied value
//     holds keeps the positions it has where the anchored value was written, so that a
//     finding inside it points at the lines that wrote it.
//   - A merge key adds to its map the entries of a map alias, or of a list of map aliases,
//     that the map does not have: the map's own keys written after it win, and of the merged
//     maps the earlier one wins. Merged keys have no position of their own (a finding on one
//     points at its map); their values hold what they held where written. A key written only
//     before the merge key that a merged map sets too is left to yaml.v3 (see merge).
//   - A merged or copied value is a copy of what was read, duplicate-key reports included: a
//     value that repeats a key is left to yaml.v3, whose path reports the repeat again at
//     each alias (and merges the first occurrence, not the last).
//
// Everything else is left to yaml.v3, which also words the errors: an alias before its anchor
// or inside the value its anchor is given (a value inside itself), an anchor on an empty
// value or on a key, a merge key whose value is not an alias of a map or a flow list of them,
// two merge keys in one map. Copies are bounded (maxCopied, and the document's size), so an
// alias bomb ("billion laughs") is left to yaml.v3's path, which refuses it with its own
// bound (maxExpandedNodes in convert.go) well above this one.

// anchor is a value given an anchor.
type anchor struct {
	start, end int32 // the name, in the document
	node       int32 // the value's node
	dups       int32 // len(dups) when the value began
	open       bool  // the value is being read
	repeats    bool  // the value repeats a key somewhere
}

// mark is the position of the key or list item whose node is nodes[node], recorded while an
// anchored value is read so that copies of it can be given the same positions.
type mark struct {
	node, line, col int32
}

const (
	// maxAnchors bounds the anchors of a document, as aliases look them up one by one.
	maxAnchors = 100
	// maxCopied bounds the nodes copied by aliases and merge keys, with the document's size:
	// the loader's yaml.v3 path counts each at most three times against its own bound of a
	// million (an alias, its value, a merge), so it never refuses a document this accepts.
	maxCopied = 250_000
)

// at records the position of the key or list item whose node is nodes[node].
func (p *parser) at(node int32, h inventory.PathHash, line, col int) {
	p.pos.Add(h, line, col)
	if p.anchoring > 0 {
		p.marks = append(p.marks, mark{node: node, line: int32(line), col: int32(col)})
	}
}

// name reads the name of an anchor or alias whose indicator is at p.i and returns where it
// is. yaml.v3 makes a name of ASCII letters, digits, '_' and '-'; here it must be followed by
// a space or the end of the line, or in a flow collection by ',', ']' or '}'.
func (p *parser) name(flow bool) (start, end int, ok bool) {
	start = p.i + 1
	end = start
	for end < p.le && isNameChar(p.src[end]) {
		end++
	}
	if end == start || end-start > maxKeyLength {
		return 0, 0, false
	}
	if end < p.le && p.src[end] != ' ' {
		if c := p.src[end]; !flow || c != ',' && c != ']' && c != '}' {
			return 0, 0, false
		}
	}
	p.i = end
	return start, end, true
}

func isNameChar(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c == '_' || c == '-'
}

// define reads an anchor at p.i and starts its value, the next node; done ends it.
func (p *parser) define(flow bool) (int, bool) {
	start, end, ok := p.name(flow)
	// A reader that asks for spans (DecodeSpans) edits the text in place, where a copy made
	// by an alias or a merge key is not text of its own: anchors are left to yaml.v3 for it,
	// and so are the aliases and merge keys, which need one.
	if p.spanning || !ok || len(p.anchors) == maxAnchors {
		return 0, false
	}
	p.anchors = append(p.anchors, anchor{
		start: int32(start), end: int32(end), node: int32(len(p.nodes)), dups: int32(len(p.dups)), open: true,
	})
	p.anchoring++
	return len(p.anchors) - 1, true
}

// done ends the value of anchor a, read if ok.
func (p *parser) done(a int, ok bool) bool {
	p.anchoring--
	an := &p.anchors[a]
	an.open, an.repeats = false, len(p.dups) > int(an.dups)
	return ok
}

// anchored reads a value with an anchor at p.i, in a block collection at column parent: a
// map's value, or a list item (item set), whose content may follow on the lines below.
func (p *parser) anchored(parent int, h inventory.PathHash, depth int, item bool) bool {
	colon := p.i
	a, ok := p.define(false)
	if !ok {
		return false
	}
	switch {
	case p.endOfLine():
		p.advance()
		if item {
			ok = p.ind > parent && p.itemBelow(h, depth) // no empty item
		} else {
			ok = p.below(parent, h, depth, colon)
		}
	default:
		for p.src[p.i] == ' ' {
			p.i++
		}
		// A second anchor, an anchored alias, or an anchored key ("- &a b: c", read as
		// inline's item unset refuses it) are left to yaml.v3.
		ok = p.src[p.i] != '&' && p.src[p.i] != '*' && p.inline(parent, h, depth, false)
	}
	return p.done(a, ok)
}

// flowAnchored reads a value with an anchor at p.i inside a flow collection.
func (p *parser) flowAnchored(h inventory.PathHash, depth int) bool {
	a, ok := p.define(true)
	if !ok {
		return false
	}
	ok = p.flowSpace()
	if ok {
		switch p.src[p.i] {
		case ',', ']', '}', '&', '*':
			ok = false // an anchored empty value, a second anchor, an anchored alias
		default:
			ok = p.flowValue(h, depth)
		}
	}
	return p.done(a, ok)
}

// target reads an alias at p.i and returns the anchor it names.
func (p *parser) target(flow bool) (int, bool) {
	start, end, ok := p.name(flow)
	if !ok {
		return 0, false
	}
	name := p.src[start:end]
	for a := len(p.anchors) - 1; a >= 0; a-- {
		an := &p.anchors[a]
		if string(p.src[an.start:an.end]) == string(name) {
			return a, !an.open && !an.repeats
		}
	}
	return 0, false // an alias before its anchor
}

// alias reads an alias at p.i and appends a copy of the value it names, at path hash h.
func (p *parser) alias(h inventory.PathHash, depth int, flow bool) bool {
	a, ok := p.target(flow)
	return ok && p.copyValue(int(p.anchors[a].node), h, depth)
}

// copyValue appends a copy of the value at nodes[src] (without its key), as the value at path
// hash h, and records the positions of what it holds.
func (p *parser) copyValue(src int, h inventory.PathHash, depth int) bool {
	end := int(p.nodes[src].End)
	p.copied += end - src
	p.values += end - src
	if p.copied > min(len(p.src)+1024, maxCopied) || p.values > maxValues {
		return false
	}
	dst := len(p.nodes)
	p.nodes = append(p.nodes, p.nodes[src:end]...)
	shift := int32(dst - src)
	for i := dst; i < len(p.nodes); i++ {
		p.nodes[i].End += shift
	}
	p.nodes[dst].Key, p.nodes[dst].Superseded = "", false
	if k := p.nodes[dst].Kind; k != Map && k != List {
		return true
	}
	m, _ := slices.BinarySearchFunc(p.marks, int32(src+1), func(mk mark, node int32) int { return cmp.Compare(mk.node, node) })
	return p.replay(src, dst, h, depth+1, &m)
}

// replay records, for the entries or items of the collection copied from nodes[src] to
// nodes[dst] (at path hash h) and everything inside them, the positions recorded where they
// were read. p.marks[*m] is the first mark not before them.
func (p *parser) replay(src, dst int, h inventory.PathHash, depth int, m *int) bool {
	if depth > maxDepth {
		return false
	}
	n := p.nodes[dst]
	shift := dst - src
	for c, j := 0, dst+1; c < int(n.Len); c++ {
		var ch inventory.PathHash
		if n.Kind == Map {
			ch = h.Key(p.nodes[j].Key)
		} else {
			ch = h.Index(c)
		}
		s := int32(j - shift)
		for *m < len(p.marks) && p.marks[*m].node < s {
			*m++
		}
		if *m < len(p.marks) && p.marks[*m].node == s {
			mk := p.marks[*m]
			p.at(int32(j), ch, int(mk.line), int(mk.col))
		}
		if k := p.nodes[j].Kind; k == Map || k == List {
			if !p.replay(j-shift, j, ch, depth+1, m) {
				return false
			}
		}
		j = int(p.nodes[j].End)
	}
	return true
}

// mergeValue reads the value of a merge key, from p.i on the key's line: an alias of a map,
// or a flow list of them. The maps are merged when the map being read ends.
func (p *parser) mergeValue(flow bool) bool {
	for p.i < p.le && p.src[p.i] == ' ' {
		p.i++
	}
	if p.i == p.le {
		return false
	}
	switch p.src[p.i] {
	case '*':
		return p.mergeTarget(flow)
	case '[':
		p.i++
		for {
			if !p.flowSpace() || p.src[p.i] != '*' || !p.mergeTarget(true) || !p.flowSpace() {
				return false
			}
			switch p.src[p.i] {
			case ']':
				p.i++
				return true
			case ',':
				p.i++
			default:
				return false
			}
		}
	}
	return false
}

// mergeTarget reads an alias of a map at p.i, to be merged.
func (p *parser) mergeTarget(flow bool) bool {
	a, ok := p.target(flow)
	if !ok || p.nodes[p.anchors[a].node].Kind != Map {
		return false
	}
	p.merges = append(p.merges, int32(a))
	return true
}

// merge adds to the map being read (its keys stacked above base, at path hash h) the entries
// of the maps its merge key names (p.merges above merges) that it does not have. mergedAt is
// the first node read after the merge key.
//
// A key the map sets only before its merge key, and that a merged map sets too, is left to
// yaml.v3: kubectl's reader (sigs.k8s.io/yaml over yaml.v2, decode.go: merge) applies a merge
// key where it stands, so that the merged value replaces the one written before it, and the
// loader's yaml.v3 path reads it so and reports the replaced key as a duplicate, where YAML's
// merge key and yaml.v3 itself would keep the map's own value.
func (p *parser) merge(base, merges int, mergedAt int32, index *map[string]int32, h inventory.PathHash, depth int) bool {
	for _, a := range p.merges[merges:] {
		t := int(p.anchors[a].node)
		for c, j := 0, t+1; c < int(p.nodes[t].Len); c++ {
			next := int(p.nodes[j].End)
			key := p.nodes[j].Key
			if own, ok := p.keys.Find(base, key, *index); ok {
				if own < mergedAt {
					return false
				}
			} else {
				node := int32(len(p.nodes))
				if !p.copyValue(j, h.Key(key), depth) {
					return false
				}
				p.nodes[node].Key = key
				p.keys.Repeated(p.nodes, base, key, node, index)
			}
			j = next
		}
	}
	p.merges = p.merges[:merges]
	return true
}
