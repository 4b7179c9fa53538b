package manifest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/inventory"
	"palisade.dev/palisade/internal/source/manifest/fastyaml"
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

// DecodeJSON decodes one JSON object as Decode would, without its field positions (it has
// none worth giving: an API server's JSON is one line) and several times faster: the JSON
// becomes the same plain data the YAML path makes (whole numbers int64, others float64), and
// from there the object is built by the same code. A List is not split: use Decode.
func (d *Decoder) DecodeJSON(file string, data []byte) (*inventory.Object, []finding.ScanError) {
	loc := finding.Location{File: file, Document: 1, Line: 1, Column: 1}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, errAt(loc, "malformed JSON (%d bytes): %s", len(data), jsonProblem(err))
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errAt(loc, "malformed JSON (%d bytes): more than one value", len(data))
	}
	content, ok := plainJSON(v, 0).(map[string]any)
	if !ok {
		return nil, errAt(loc, "the JSON document is not an object")
	}
	var pos inventory.PositionsBuilder
	pos.SetRoot(1, 1)
	b := &body{nodes: fastyaml.AppendValue(nil, "", content), content: content}
	return d.d.build(Document{File: file, Index: 1, Line: 1, Data: data}, loc, 0, b, &pos, nil)
}

// maxJSONDepth bounds the nesting plainJSON follows; encoding/json itself stops at 10,000.
const maxJSONDepth = 10000

// plainJSON turns json.Number into int64 or float64, as YAML resolves them.
func plainJSON(v any, depth int) any {
	switch x := v.(type) {
	case json.Number:
		if i, err := strconv.ParseInt(string(x), 10, 64); err == nil {
			return i
		}
		f, _ := strconv.ParseFloat(string(x), 64)
		return f
	case map[string]any:
		if depth < maxJSONDepth {
			for k, e := range x {
				x[k] = plainJSON(e, depth+1)
			}
		}
	case []any:
		if depth < maxJSONDepth {
			for i, e := range x {
				x[i] = plainJSON(e, depth+1)
			}
		}
	}
	return v
}

// jsonProblem describes a JSON error without quoting the document.
func jsonProblem(err error) string {
	var syn *json.SyntaxError
	if errors.As(err, &syn) {
		return fmt.Sprintf("syntax error at byte %d", syn.Offset)
	}
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return "it ends too early"
	}
	return "it cannot be read"
}
