package manifest

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/inventory"
	"palisade.dev/palisade/internal/source/manifest/fastyaml"
	"palisade.dev/palisade/internal/source/manifest/jsonnode"
)

// Decoder decodes single documents exactly as Load decodes those of files, for a caller that
// holds an object's bytes rather than a path (an admission review). It keeps the caches of
// the typed decoding between documents and is safe for concurrent use.
type Decoder struct {
	d *decoder
	// nodes keeps the node buffers of DecodeJSON from one document to the next: no object
	// holds on to the nodes it was built from.
	nodes sync.Pool
}

// NewDecoder returns a decoder; namespace is given to namespaced objects that name none.
func NewDecoder(namespace string) *Decoder {
	return &Decoder{d: newDecoder(namespace), nodes: sync.Pool{New: func() any { return new([]fastyaml.Node) }}}
}

// maxKeptNodes is the most nodes a buffer kept for the next document may hold: one that a rare
// large object grew is let go.
const maxKeptNodes = 4096

// Decode decodes one YAML or JSON document (a List gives its items). file names the document
// in locations.
func (d *Decoder) Decode(file string, data []byte) ([]*inventory.Object, []finding.ScanError) {
	out := d.d.decode(Document{File: file, Index: 1, Line: 1, Data: data}, nil)
	return out.objects, out.errs
}

// DecodeJSON decodes one JSON object as Decode would, without its field positions (it has
// none worth giving: an API server's JSON is one line) and several times faster: package
// jsonnode reads the JSON into the nodes the YAML path makes (whole numbers int64, others
// float64), and from there the object is built by the same code. A List is not split: use
// Decode.
func (d *Decoder) DecodeJSON(file string, data []byte) (*inventory.Object, []finding.ScanError) {
	loc := finding.Location{File: file, Document: 1, Line: 1, Column: 1}
	buf := d.nodes.Get().(*[]fastyaml.Node)
	defer func() {
		if cap(*buf) <= maxKeptNodes {
			clear(*buf) // the nodes' strings belong to the object built from them
			*buf = (*buf)[:0]
			d.nodes.Put(buf)
		}
	}()
	nodes, err := jsonnode.ParseAppend(*buf, data)
	if err != nil {
		return nil, errAt(loc, "malformed JSON (%d bytes): %s", len(data), jsonProblem(err))
	}
	if nodes[0].Kind != fastyaml.Map {
		return nil, errAt(loc, "the JSON document is not an object")
	}
	*buf = nodes
	var pos inventory.PositionsBuilder
	pos.SetRoot(1, 1)
	return d.d.build(Document{File: file, Index: 1, Line: 1, Data: data}, loc, 0, &body{nodes: nodes}, pos.Build(), jsonDuplicates(nodes))
}

// jsonDuplicates returns the keys that a map of the JSON value at nodes[0] repeats, as the
// YAML path reports them: one for each repetition, in the order they are written, by path.
// The parser marks the entries a later one supersedes; most documents have none, and are not
// walked.
func jsonDuplicates(nodes []fastyaml.Node) []duplicateKey {
	if !slices.ContainsFunc(nodes, func(n fastyaml.Node) bool { return n.Superseded }) {
		return nil
	}
	var dups []duplicateKey
	var walk func(i int, path []string)
	walk = func(i int, path []string) {
		n := &nodes[i]
		if n.Kind != fastyaml.Map && n.Kind != fastyaml.List {
			return
		}
		var seen map[string]bool
		for j, c := i+1, 0; c < int(n.Len); c++ {
			e := &nodes[j]
			seg := "[" + strconv.Itoa(c) + "]"
			if n.Kind == fastyaml.Map {
				seg = e.Key
				if seen[seg] {
					dups = append(dups, duplicateKey{path: joinPath(path, seg), line: 1, col: 1}) // as the YAML path names them
				} else {
					if seen == nil {
						seen = map[string]bool{}
					}
					seen[seg] = true
				}
			}
			walk(j, append(path, seg))
			j = int(e.End)
		}
	}
	walk(0, nil)
	return dups
}

// jsonProblem describes a JSON error without quoting the document.
func jsonProblem(err error) string {
	var e *jsonnode.Error
	if !errors.As(err, &e) {
		return "it cannot be read"
	}
	switch e.Kind {
	case jsonnode.Truncated:
		return "it ends too early"
	case jsonnode.Trailing:
		return "more than one value"
	}
	return fmt.Sprintf("syntax error at byte %d", e.Offset)
}
