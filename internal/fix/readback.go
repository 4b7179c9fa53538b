package fix

import (
	"fmt"
	"sync"

	"palisade.dev/palisade/internal/inventory"
	"palisade.dev/palisade/internal/source/manifest/fastyaml"
)

// fastReader is what a quick reading of an edited document keeps from one document to the
// next.
type fastReader struct {
	dec fastyaml.Decoder
	pos inventory.PositionsBuilder
}

var fastReaders = sync.Pool{New: func() any { return new(fastReader) }}

// readsBack reports whether the edited text of a document reads, through the manifest
// loader's fast decoder, with every patch of the round holding as meant. It is the quick
// form of the editor's read-back check for the last round of a document: the fast decoder
// reads the subset of YAML most manifests are written in several times faster than a node
// tree is built, and gives what the loader reads. false says only that the quick check
// cannot tell (a List, an anchor, a duplicate key, a document outside the subset, a value
// it does not compare): the document is then read back in full, as every other round is.
func readsBack(text []byte, applied []pending) bool {
	r := fastReaders.Get().(*fastReader)
	defer fastReaders.Put(r)
	r.pos.Reset()
	d, err := r.dec.Decode(text, 0, nil, &r.pos)
	if err != nil || len(d.Duplicates) > 0 || d.Anchored {
		// An anchored document is left to the full reading, as a document with a repeated key.
		return false
	}
	if kind, _ := fastyaml.StringAt(d.Nodes, fastyaml.Lookup(d.Nodes, 0, "kind")); len(kind) >= 4 && kind[len(kind)-4:] == "List" {
		return false
	}
	for _, pt := range applied {
		if pt.e.Item > 0 || !fastHolds(d.Nodes, pt) {
			return false
		}
	}
	return true
}

// fastHolds is verify on the fast decoder's nodes.
func fastHolds(nodes []fastyaml.Node, pt pending) bool {
	segs, p := pt.segs, pt.p
	at := fastWalk(nodes, segs)
	switch {
	case p.Remove:
		return at < 0
	case p.Rename != "":
		renamed := append(segs[:len(segs)-1:len(segs)-1], segment{key: p.Rename})
		return at < 0 && fastWalk(nodes, renamed) >= 0
	case p.Value == nil:
		return true
	}
	return at >= 0 && fastValueHolds(nodes, at, normalize(p.Value))
}

// fastWalk is the index of the node at the path, or -1 when the path does not exist.
func fastWalk(nodes []fastyaml.Node, segs []segment) int {
	at := 0
	for _, s := range segs {
		if !s.isIndex {
			if at = fastyaml.Lookup(nodes, at, s.key); at < 0 {
				return -1
			}
			continue
		}
		if nodes[at].Kind != fastyaml.List || s.index >= int(nodes[at].Len) {
			return -1
		}
		at++
		for range s.index {
			at = int(nodes[at].End)
		}
	}
	return at
}

// fastValueHolds is holds on the fast decoder's nodes; a mapping value (which expand splits
// into leaves before it reaches the editor) is left to the full check.
func fastValueHolds(nodes []fastyaml.Node, at int, v any) bool {
	n := &nodes[at]
	switch x := v.(type) {
	case []any:
		if n.Kind != fastyaml.List {
			return false
		}
		for _, it := range x {
			found := false
			for c, i := at+1, 0; i < int(n.Len) && !found; i++ {
				found = fastSameItem(nodes, c, it)
				c = int(nodes[c].End)
			}
			if !found {
				return false
			}
		}
		return true
	case []kv:
		return len(x) == 0 && n.Kind == fastyaml.Map
	}
	return fastScalarIs(n, v)
}

// fastSameItem is sameItem on the fast decoder's nodes.
func fastSameItem(nodes []fastyaml.Node, at int, it any) bool {
	kvs, ok := it.([]kv)
	if !ok {
		return fastScalarIs(&nodes[at], it)
	}
	for _, x := range kvs {
		if x.key == "name" {
			name, ok := fastyaml.StringAt(nodes, fastyaml.Lookup(nodes, at, "name"))
			return ok && name == fmt.Sprint(x.val)
		}
	}
	return false
}

func fastScalarIs(n *fastyaml.Node, v any) bool {
	switch n.Kind {
	case fastyaml.String:
		return equalScalar(n.Str, v)
	case fastyaml.Scalar:
		return n.Value != nil && equalScalar(n.Value, v)
	}
	return false
}
