package manifest

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"time"

	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"

	"palisade.dev/palisade/internal/finding"
	"palisade.dev/palisade/internal/source/manifest/fastyaml"
)

// node is one value of a document as the typed decoder reads it: the fast path's nodes as
// they are, the yaml.v3 path's plain data laid out the same way (fastyaml.AppendValue).
type node = fastyaml.Node

// Types with their own JSON decoding that manifests use all the time; decoding them directly
// avoids the JSON round trip the generic path needs (and its allocations).
var (
	quantityType    = reflect.TypeFor[resource.Quantity]()
	intOrStringType = reflect.TypeFor[intstr.IntOrString]()
	timeType        = reflect.TypeFor[metav1.Time]()
	durationType    = reflect.TypeFor[metav1.Duration]()
	rawExtType      = reflect.TypeFor[runtime.RawExtension]()
	// Labels, annotations, selectors and ConfigMap data: decoded without reflection.
	stringMapType = reflect.TypeFor[map[string]string]()
)

// op is how a plan decodes a value.
type op uint8

const (
	opOther op = iota // a type no JSON value decodes into
	opPointer
	opQuantity
	opIntOrString
	opTime
	opDuration
	opRawExtension
	opSelfDecoding // through its UnmarshalJSON
	opStruct
	opStringMap
	opMap
	opMapBadKey
	opBytes
	opSlice
	opInterface
	opString
	opBool
	opInt
	opUint
	opFloat
)

// plan is how values of one Go type are decoded, worked out once per type and load so that
// decoding a value looks nothing up: the plans of a struct's fields, a pointer's, slice's or
// map's element are linked in.
type plan struct {
	t      reflect.Type
	op     op
	elem   *plan // of a pointer, slice or map
	si     *structInfo
	fields fieldTable // of a struct, by JSON name
}

type planField struct {
	name  string
	index []int // reflect field index, through inline (embedded) structs
	plan  *plan
}

// fieldTable finds a struct's fields by JSON name: an open-addressing table on a hash of the
// name's length and three of its bytes, which is cheaper than a Go map for the few dozen short
// names of a struct (and looked up for every key of every document). The names are the
// decoder's own copies of the words manifests use, so that a key read from a document is
// usually the very same string, equal without comparing its bytes.
type fieldTable struct {
	slots  []fieldSlot // a power of two, at least twice the fields
	fields []planField
}

type fieldSlot struct {
	name  string
	field int32 // index into fields plus one; 0 is an unused slot
}

func newFieldTable(fields []planField) fieldTable {
	n := 4
	for n < 2*len(fields) {
		n *= 2
	}
	t := fieldTable{slots: make([]fieldSlot, n), fields: fields}
	for i := range fields {
		f := &fields[i]
		f.name = fastyaml.Canonical(f.name)
		h := fieldHash(f.name) & uint32(n-1)
		for t.slots[h].field != 0 {
			h = (h + 1) & uint32(n-1)
		}
		t.slots[h] = fieldSlot{name: f.name, field: int32(i + 1)}
	}
	return t
}

func fieldHash(name string) uint32 {
	n := len(name)
	if n == 0 {
		return 0
	}
	x := uint32(n) | uint32(name[0])<<8 | uint32(name[n-1])<<16 | uint32(name[n/2])<<24
	return (x * 0x9E3779B1) >> 16
}

// find returns the field named name.
func (t *fieldTable) find(name string) (*planField, bool) {
	mask := uint32(len(t.slots) - 1)
	for h := fieldHash(name) & mask; ; h = (h + 1) & mask {
		s := &t.slots[h]
		if s.field == 0 {
			return nil, false
		}
		if s.name == name {
			return &t.fields[s.field-1], true
		}
	}
}

// decodeTyped fills dst (a pointer to a k8s.io/api struct) from the document's nodes (the map
// at nodes[0]) in one pass, with the semantics of the API server's JSON decoding: exact,
// case-sensitive field names; unknown fields recorded (with the field probably meant) and
// otherwise dropped; a value of the wrong JSON type is an error with its path. It replaces a
// strict walk followed by runtime.DefaultUnstructuredConverter.FromUnstructured, which would
// walk twice and round-trip every quantity through JSON.
func (c *strictChecker) decodeTyped(dst any, nodes []node) (*strictWalk, error) {
	dv := reflect.ValueOf(dst)
	if dv.Kind() != reflect.Pointer || dv.IsNil() {
		return nil, fmt.Errorf("decode target must be a non-nil pointer, not %T", dst)
	}
	w := &strictWalk{c: c, root: dv.Type(), nodes: nodes}
	// The path grows and shrinks as the walk goes down and up; one buffer holds it, so that
	// stepping into a field does not allocate (a reported path is rendered into a new string).
	var segs [32]pathSeg
	w.set(dv.Elem(), c.planFor(dv.Type().Elem()), 0, segs[:0])
	return w, nil
}

// decodeTypedAsMeant is decodeTyped reading the misspelt fields r names as the fields meant
// (asmeant.go).
func (c *strictChecker) decodeTypedAsMeant(dst any, nodes []node, r *renames) (*strictWalk, error) {
	dv := reflect.ValueOf(dst)
	if dv.Kind() != reflect.Pointer || dv.IsNil() {
		return nil, fmt.Errorf("decode target must be a non-nil pointer, not %T", dst)
	}
	w := &strictWalk{c: c, root: dv.Type(), nodes: nodes, asMeant: r}
	w.set(dv.Elem(), c.planFor(dv.Type().Elem()), 0, nil)
	return w, nil
}

// planFor returns the plan of t, working out those of every type it holds the first time.
// Plans are published only once complete, so a reader never sees one being worked out.
func (c *strictChecker) planFor(t reflect.Type) *plan {
	if v, ok := c.plans.Load(t); ok {
		return v.(*plan)
	}
	c.planMu.Lock()
	defer c.planMu.Unlock()
	if c.planning == nil {
		c.planning = map[reflect.Type]*plan{}
	}
	p := c.buildPlan(t)
	c.plans.Store(t, p)
	return p
}

// buildPlan works out the plan of t and, through it, of every type t holds; planning holds
// those already begun, so that a type that holds itself ends the recursion.
func (c *strictChecker) buildPlan(t reflect.Type) *plan {
	if p, ok := c.planning[t]; ok {
		return p
	}
	p := &plan{t: t}
	c.planning[t] = p
	switch {
	case t.Kind() == reflect.Pointer:
		p.op, p.elem = opPointer, c.buildPlan(t.Elem())
		return p
	case t == quantityType:
		p.op = opQuantity
		return p
	case t == intOrStringType:
		p.op = opIntOrString
		return p
	case t == timeType:
		p.op = opTime
		return p
	case t == durationType:
		p.op = opDuration
		return p
	case t == rawExtType:
		p.op = opRawExtension
		return p
	case c.decodesItself(t):
		p.op = opSelfDecoding
		return p
	}
	switch t.Kind() {
	case reflect.Struct:
		p.op, p.si = opStruct, c.info(t)
		fields := make([]planField, 0, len(p.si.names))
		for _, name := range p.si.names {
			f := p.si.byName[name]
			fields = append(fields, planField{name: name, index: f.index, plan: c.buildPlan(f.typ)})
		}
		p.fields = newFieldTable(fields)
	case reflect.Map:
		switch {
		case t.Key().Kind() != reflect.String:
			p.op = opMapBadKey
		case t == stringMapType:
			p.op = opStringMap
		default:
			p.op, p.elem = opMap, c.buildPlan(t.Elem())
		}
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			p.op = opBytes
		} else {
			p.op, p.elem = opSlice, c.buildPlan(t.Elem())
		}
	case reflect.Interface:
		p.op = opInterface
	case reflect.String:
		p.op = opString
	case reflect.Bool:
		p.op = opBool
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		p.op = opInt
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		p.op = opUint
	case reflect.Float32, reflect.Float64:
		p.op = opFloat
	}
	return p
}

// isNull reports whether n is a null.
func isNullNode(n *node) bool { return n.Kind == fastyaml.Scalar && n.Value == nil }

// set decodes the value at w.nodes[i] into dv, whose plan is p.
func (w *strictWalk) set(dv reflect.Value, p *plan, i int, segs []pathSeg) {
	n := &w.nodes[i]
	if isNullNode(n) {
		dv.SetZero()
		return
	}
	switch p.op {
	case opPointer:
		if dv.IsNil() {
			dv.Set(reflect.New(p.t.Elem()))
		}
		w.set(dv.Elem(), p.elem, i, segs)
	case opQuantity:
		w.setQuantity(dv, n, segs)
	case opIntOrString:
		w.setIntOrString(dv, n, segs)
	case opTime:
		w.setTime(dv, n, segs)
	case opDuration:
		if n.Kind != fastyaml.String {
			w.typeErr(segs, "a duration string", n)
			return
		}
		d, err := time.ParseDuration(n.Str)
		if err != nil {
			w.errs = append(w.errs, typeError{path: renderPath(segs), msg: "is not a duration (such as 30s or 1h): it is " + finding.DescribeString(n.Str)})
			return
		}
		dv.Set(reflect.ValueOf(metav1.Duration{Duration: d}))
	case opRawExtension:
		raw, err := json.Marshal(fastyaml.Value(w.nodes, i))
		if err != nil {
			w.errs = append(w.errs, typeError{path: renderPath(segs), msg: "cannot be encoded: " + finding.StripQuoted(err.Error())})
			return
		}
		dv.Set(reflect.ValueOf(runtime.RawExtension{Raw: raw}))
	case opSelfDecoding:
		w.setViaJSON(dv, i, segs)
	case opStruct:
		if n.Kind != fastyaml.Map {
			w.typeErr(segs, "an object", n)
			return
		}
		for j, c := i+1, 0; c < int(n.Len); c++ {
			e := &w.nodes[j]
			if !e.Superseded {
				f, ok := p.fields.find(e.Key)
				switch {
				case w.asMeant != nil:
					w.setAsMeant(dv, p, f, ok, j, segs)
				case ok:
					w.set(fieldByIndex(dv, f.index), f.plan, j, append(segs, pathSeg{key: e.Key}))
				default:
					w.unknown(p.t, p.si, e.Key, segs)
				}
			}
			j = int(e.End)
		}
	case opStringMap, opMap, opMapBadKey:
		if n.Kind != fastyaml.Map {
			w.typeErr(segs, "an object", n)
			return
		}
		switch p.op {
		case opMapBadKey:
			w.typeErr(segs, "a map with string keys", n)
		case opStringMap:
			dv.Set(reflect.ValueOf(w.stringMap(i, segs)))
		default:
			out := reflect.MakeMapWithSize(p.t, int(n.Len))
			// SetMapIndex copies the key and the value: one of each serves every entry.
			key := reflect.New(p.t.Key()).Elem()
			ev := reflect.New(p.t.Elem()).Elem()
			for j, c := i+1, 0; c < int(n.Len); c++ {
				e := &w.nodes[j]
				if !e.Superseded {
					ev.SetZero()
					w.set(ev, p.elem, j, append(segs, pathSeg{key: e.Key, bracket: true}))
					key.SetString(e.Key)
					out.SetMapIndex(key, ev)
				}
				j = int(e.End)
			}
			dv.Set(out)
		}
	case opBytes:
		if n.Kind != fastyaml.String {
			w.typeErr(segs, "a base64 string", n)
			return
		}
		b, err := base64.StdEncoding.DecodeString(n.Str)
		if err != nil {
			w.errs = append(w.errs, typeError{path: renderPath(segs), msg: "is not valid base64"})
			return
		}
		dv.SetBytes(b)
	case opSlice:
		if n.Kind != fastyaml.List {
			w.typeErr(segs, "a list", n)
			return
		}
		out := reflect.MakeSlice(p.t, int(n.Len), int(n.Len))
		for j, c := i+1, 0; c < int(n.Len); c++ {
			w.set(out.Index(c), p.elem, j, append(segs, pathSeg{index: c, isIndex: true}))
			j = int(w.nodes[j].End)
		}
		dv.Set(out)
	case opInterface:
		dv.Set(reflect.ValueOf(fastyaml.Value(w.nodes, i)))
	case opString:
		if n.Kind != fastyaml.String {
			w.typeErr(segs, "a string", n)
			return
		}
		dv.SetString(n.Str)
	case opBool:
		b, ok := n.Value.(bool)
		if !ok || n.Kind != fastyaml.Scalar {
			w.typeErr(segs, "true or false", n)
			return
		}
		dv.SetBool(b)
	case opInt:
		v, ok := wholeNumber(n)
		if !ok {
			w.typeErr(segs, "a whole number", n)
			return
		}
		if dv.OverflowInt(v) {
			w.errs = append(w.errs, typeError{path: renderPath(segs), msg: fmt.Sprintf("is a number too large for %s", p.t.Kind())})
			return
		}
		dv.SetInt(v)
	case opUint:
		v, ok := wholeNumber(n)
		if !ok || v < 0 || dv.OverflowUint(uint64(v)) {
			w.typeErr(segs, "a non-negative whole number in range", n)
			return
		}
		dv.SetUint(uint64(v))
	case opFloat:
		switch x := n.Value.(type) {
		case int64:
			dv.SetFloat(float64(x))
		case float64:
			dv.SetFloat(x)
		default:
			w.typeErr(segs, "a number", n)
		}
	default:
		w.typeErr(segs, "a value of type "+p.t.String(), n)
	}
}

// stringMap decodes the map at w.nodes[i] into a map of strings, as set would, value by
// value: null is the empty string and a value of another type is an error (its entry kept
// empty).
func (w *strictWalk) stringMap(i int, segs []pathSeg) map[string]string {
	n := &w.nodes[i]
	out := make(map[string]string, n.Len)
	for j, c := i+1, 0; c < int(n.Len); c++ {
		e := &w.nodes[j]
		if !e.Superseded {
			switch {
			case e.Kind == fastyaml.String:
				out[e.Key] = e.Str
			case isNullNode(e):
				out[e.Key] = ""
			default:
				w.typeErr(append(segs, pathSeg{key: e.Key, bracket: true}), "a string", e)
				out[e.Key] = ""
			}
		}
		j = int(e.End)
	}
	return out
}

// fieldByIndex returns the field at index, allocating embedded pointer structs on the way.
func fieldByIndex(v reflect.Value, index []int) reflect.Value {
	if len(index) == 1 {
		return v.Field(index[0])
	}
	for i, x := range index {
		if i > 0 && v.Kind() == reflect.Pointer {
			if v.IsNil() {
				v.Set(reflect.New(v.Type().Elem()))
			}
			v = v.Elem()
		}
		v = v.Field(x)
	}
	return v
}

// wholeNumber returns the number n holds, if it is a whole one.
func wholeNumber(n *node) (int64, bool) {
	if n.Kind != fastyaml.Scalar {
		return 0, false
	}
	switch x := n.Value.(type) {
	case int64:
		return x, true
	case float64:
		if x == math.Trunc(x) && x >= math.MinInt64 && x <= math.MaxInt64 {
			return int64(x), true
		}
	}
	return 0, false
}

func (w *strictWalk) setQuantity(dv reflect.Value, n *node, segs []pathSeg) {
	var s string
	switch x := n.Value.(type) {
	case int64:
		s = strconv.FormatInt(x, 10)
	case float64:
		s = strconv.FormatFloat(x, 'f', -1, 64)
	default:
		if n.Kind != fastyaml.String {
			w.typeErr(segs, "a quantity (a number or a string such as 500m or 1Gi)", n)
			return
		}
		s = n.Str
	}
	q, err := resource.ParseQuantity(s)
	if err != nil {
		w.errs = append(w.errs, typeError{path: renderPath(segs), msg: "is not a quantity (such as 500m or 1Gi): it is " + finding.DescribeString(s)})
		return
	}
	*dv.Addr().Interface().(*resource.Quantity) = q
}

func (w *strictWalk) setIntOrString(dv reflect.Value, n *node, segs []pathSeg) {
	switch {
	case n.Kind == fastyaml.String:
		*dv.Addr().Interface().(*intstr.IntOrString) = intstr.FromString(n.Str)
	case n.Kind == fastyaml.Scalar && isNumber(n.Value):
		i, ok := wholeNumber(n)
		if !ok || i < math.MinInt32 || i > math.MaxInt32 {
			w.typeErr(segs, "a 32-bit whole number or a string", n)
			return
		}
		*dv.Addr().Interface().(*intstr.IntOrString) = intstr.FromInt32(int32(i))
	default:
		w.typeErr(segs, "a number or a string", n)
	}
}

func isNumber(v any) bool {
	switch v.(type) {
	case int64, float64:
		return true
	}
	return false
}

func (w *strictWalk) setTime(dv reflect.Value, n *node, segs []pathSeg) {
	if n.Kind != fastyaml.String {
		w.typeErr(segs, "a time string (RFC 3339)", n)
		return
	}
	var t metav1.Time
	if err := t.UnmarshalQueryParameter(n.Str); err != nil {
		w.errs = append(w.errs, typeError{path: renderPath(segs), msg: "is not an RFC 3339 time: it is " + finding.DescribeString(n.Str)})
		return
	}
	dv.Set(reflect.ValueOf(t))
}

// setViaJSON decodes the remaining types with their own JSON decoding (rare in manifests) the
// way the API server would: through their UnmarshalJSON.
func (w *strictWalk) setViaJSON(dv reflect.Value, i int, segs []pathSeg) {
	raw, err := json.Marshal(fastyaml.Value(w.nodes, i))
	if err == nil {
		err = dv.Addr().Interface().(json.Unmarshaler).UnmarshalJSON(raw)
	}
	if err != nil {
		w.errs = append(w.errs, typeError{path: renderPath(segs), msg: fmt.Sprintf("cannot be decoded as %s: %s", dv.Type(), finding.StripQuoted(err.Error()))})
	}
}

// decodesItself reports whether values of t decode themselves from JSON.
func (c *strictChecker) decodesItself(t reflect.Type) bool {
	if t.PkgPath() == "" && t.Kind() != reflect.Struct {
		// A predeclared type (string, int64) or a type literal ([]T, map[K]V) has no methods;
		// an unnamed struct may promote some from its embedded fields.
		return false
	}
	return reflect.PointerTo(t).Implements(jsonUnmarshaler)
}
