package manifest

import (
	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/inventory"
)

// Decoder decodes single documents exactly as Load decodes those of files, for a caller that
// holds an object's bytes rather than a path (an admission review). It keeps the caches of
// the typed decoding between documents and is safe for concurrent use.
type Decoder struct{ d *decoder }

// NewDecoder returns a decoder; namespace is given to namespaced objects that name none.
func NewDecoder(namespace string) *Decoder { return &Decoder{d: newDecoder(namespace)} }

// Decode decodes one YAML or JSON document (a List gives its items). file names the document
// in locations.
func (d *Decoder) Decode(file string, data []byte) ([]*inventory.Object, []finding.ScanError) {
	out := d.d.decode(Document{File: file, Index: 1, Line: 1, Data: data})
	return out.objects, out.errs
}
