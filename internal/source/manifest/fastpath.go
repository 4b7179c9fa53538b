package manifest

import (
	"strings"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/inventory"
	"palisade.dev/palisade/internal/source/manifest/fastyaml"
)

// fast decodes a document with fastyaml, which reads the YAML that manifests are usually
// written in several times faster than yaml.v3 and gives the same data, positions and
// duplicate keys. It reports false, having decided nothing, for a document outside that
// subset, for a List (whose items become objects of their own) and for a document that
// repeats its kind; decode then takes the yaml.v3 path, which also words every YAML error.
//
// It calls use (when set) with the object before the positions builder is reused: the object's
// positions are the builder's room until then (PositionsBuilder.Borrow), so that an object
// released by use copies out only the few positions it keeps, and any other is given a sorted
// copy of its own when use returns.
func (d *decoder) fast(doc Document, use func(*inventory.Object)) ([]*inventory.Object, []finding.ScanError, bool) {
	// The parser's stacks and the positions builder are reused from document to document.
	room, _ := d.fastRoom.Get().(*fastRoom)
	if room == nil {
		room = new(fastRoom)
	}
	defer func() { room.pos.Reset(); d.fastRoom.Put(room) }()
	pos := &room.pos
	fd, err := room.yaml.Decode(doc.Data, doc.Line-1, doc.MapLine, pos)
	if err != nil {
		return nil, nil, false
	}
	b := &body{nodes: fd.Nodes}
	if strings.HasSuffix(b.str("kind"), "List") {
		return nil, nil, false
	}
	var dups []duplicateKey
	for _, dk := range fd.Duplicates {
		if dk.Path == "kind" {
			return nil, nil, false // yaml.v3's path reads the first kind to spot Lists
		}
		dups = append(dups, duplicateKey{path: dk.Path, line: dk.Line, col: dk.Column})
	}
	loc := finding.Location{File: doc.File, Document: doc.Index, Line: fd.Line, Column: fd.Column, Template: doc.Template}
	o, errs := d.build(doc, loc, 0, b, pos.Borrow(), dups)
	if o == nil {
		return nil, errs, true
	}
	if use != nil {
		use(o)
	}
	// Whether use released the object or not, nothing may read the builder's room after this.
	o.Positions.Own()
	if m := o.AsMeant(); m != nil {
		m.Object.Positions.Own()
	}
	return []*inventory.Object{o}, errs, true
}

// fastRoom is what one goroutine's fast decoding reuses from document to document.
type fastRoom struct {
	yaml fastyaml.Decoder
	pos  inventory.PositionsBuilder
}
