package manifest

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"time"
	"unsafe"

	corev1 "k8s.io/api/core/v1"
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
	// Labels, annotations, selectors and ConfigMap data, and the resources of every
	// container: decoded without reflection.
	stringMapType    = reflect.TypeFor[map[string]string]()
	resourceListType = reflect.TypeFor[corev1.ResourceList]()
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
	opResourceList
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
// map's element are linked in, and each field's offset in its struct is known, so that a
// value is written where it goes without reflect.Value.
type plan struct {
	t    reflect.Type
	op   op
	size uintptr // of a value (a number), or of a slice's item
	elem *plan   // of a pointer, slice or map
	// scalar is set for a pointer to a boolean or a number, whose value the walk puts in its
	// scalar room (scalarRoom).
	scalar bool
	si     *structInfo
	fields fieldTable // of a struct, by JSON name
}

type planField struct {
	name  string
	index []int // reflect field index, through inline (embedded) structs
	// offset is where the field is in the struct when direct: reached through no pointer
	// (an embedded struct's fields are at its offset plus theirs).
	offset uintptr
	direct bool
	plan   *plan
}

// newPlanField locates the field at index in struct type t.
func newPlanField(t reflect.Type, name string, index []int, p *plan) planField {
	f := planField{name: name, index: index, plan: p, direct: true}
	for _, x := range index {
		if t.Kind() != reflect.Struct {
			f.direct, f.offset = false, 0 // through an embedded pointer
			break
		}
		sf := t.Field(x)
		f.offset += sf.Offset
		t = sf.Type
	}
	return f
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
//
// The walk is returned as a value: it is not allocated.
func (c *strictChecker) decodeTyped(dst any, nodes []node) (strictWalk, error) {
	dv := reflect.ValueOf(dst)
	if dv.Kind() != reflect.Pointer || dv.IsNil() {
		return strictWalk{}, fmt.Errorf("decode target must be a non-nil pointer, not %T", dst)
	}
	w := strictWalk{c: c, root: dv.Type(), nodes: nodes}
	// The path grows and shrinks as the walk goes down and up; one buffer holds it, so that
	// stepping into a field does not allocate (a reported path is rendered into a new string).
	var segs [32]pathSeg
	w.set(dv.UnsafePointer(), c.planFor(dv.Type().Elem()), 0, segs[:0])
	return w, nil
}

// decodeTypedAsMeant is decodeTyped reading the misspelt fields r names as the fields meant
// (asmeant.go).
func (c *strictChecker) decodeTypedAsMeant(dst any, nodes []node, r *renames) (strictWalk, error) {
	dv := reflect.ValueOf(dst)
	if dv.Kind() != reflect.Pointer || dv.IsNil() {
		return strictWalk{}, fmt.Errorf("decode target must be a non-nil pointer, not %T", dst)
	}
	w := strictWalk{c: c, root: dv.Type(), nodes: nodes, asMeant: r}
	w.set(dv.UnsafePointer(), c.planFor(dv.Type().Elem()), 0, nil)
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
		switch t.Elem().Kind() {
		case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
			reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Float32, reflect.Float64:
			p.scalar = t.Elem().Size() <= 8
		}
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
			fields = append(fields, newPlanField(t, name, f.index, c.buildPlan(f.typ)))
		}
		p.fields = newFieldTable(fields)
	case reflect.Map:
		switch {
		case t.Key().Kind() != reflect.String:
			p.op = opMapBadKey
		case t == stringMapType:
			p.op = opStringMap
		case t == resourceListType:
			p.op, p.elem = opResourceList, c.buildPlan(t.Elem())
		default:
			p.op, p.elem = opMap, c.buildPlan(t.Elem())
		}
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			p.op = opBytes
		} else {
			p.op, p.elem, p.size = opSlice, c.buildPlan(t.Elem()), t.Elem().Size()
		}
	case reflect.Interface:
		p.op = opInterface
	case reflect.String:
		p.op = opString
	case reflect.Bool:
		p.op = opBool
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		p.op, p.size = opInt, t.Size()
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		p.op, p.size = opUint, t.Size()
	case reflect.Float32, reflect.Float64:
		p.op, p.size = opFloat, t.Size()
	}
	return p
}

// isNull reports whether n is a null.
func isNullNode(n *node) bool { return n.Kind == fastyaml.Scalar && n.Value == nil }

// set decodes the value at w.nodes[i] into the value of p's type at ptr. Scalars, pointers and
// the types decoded directly are written through ptr; new values are allocated as their type
// (reflect.New, growing a slice through reflect), so that the collector knows what they hold.
func (w *strictWalk) set(ptr unsafe.Pointer, p *plan, i int, segs []pathSeg) {
	n := &w.nodes[i]
	if isNullNode(n) {
		reflect.NewAt(p.t, ptr).Elem().SetZero()
		return
	}
	switch p.op {
	case opPointer:
		pp := (*unsafe.Pointer)(ptr)
		if *pp == nil {
			if p.scalar {
				*pp = w.scalarRoom()
			} else {
				*pp = reflect.New(p.elem.t).UnsafePointer()
			}
		}
		w.set(*pp, p.elem, i, segs)
	case opQuantity:
		if q, ok := w.quantity(n, segs); ok {
			*(*resource.Quantity)(ptr) = q
		}
	case opIntOrString:
		w.setIntOrString((*intstr.IntOrString)(ptr), n, segs)
	case opTime:
		w.setTime((*metav1.Time)(ptr), n, segs)
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
		*(*metav1.Duration)(ptr) = metav1.Duration{Duration: d}
	case opRawExtension:
		raw, err := json.Marshal(fastyaml.Value(w.nodes, i))
		if err != nil {
			w.errs = append(w.errs, typeError{path: renderPath(segs), msg: "cannot be encoded: " + finding.StripQuoted(err.Error())})
			return
		}
		*(*runtime.RawExtension)(ptr) = runtime.RawExtension{Raw: raw}
	case opSelfDecoding:
		w.setViaJSON(ptr, p, i, segs)
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
					w.setAsMeant(ptr, p, f, ok, j, segs)
				case ok:
					w.set(f.at(ptr, p), f.plan, j, append(segs, pathSeg{key: e.Key}))
				default:
					w.unknown(p.t, p.si, e.Key, segs)
				}
			}
			j = int(e.End)
		}
	case opStringMap, opResourceList, opMap, opMapBadKey:
		if n.Kind != fastyaml.Map {
			w.typeErr(segs, "an object", n)
			return
		}
		switch p.op {
		case opMapBadKey:
			w.typeErr(segs, "a map with string keys", n)
		case opStringMap:
			*(*map[string]string)(ptr) = w.stringMap(i, segs)
		case opResourceList:
			*(*corev1.ResourceList)(ptr) = w.resourceList(i, segs)
		default:
			w.setMap(ptr, p, i, segs)
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
		*(*[]byte)(ptr) = b
	case opSlice:
		if n.Kind != fastyaml.List {
			w.typeErr(segs, "a list", n)
			return
		}
		items := makeSlice(ptr, p, int(n.Len))
		for j, c := i+1, 0; c < int(n.Len); c++ {
			w.set(unsafe.Add(items, uintptr(c)*p.size), p.elem, j, append(segs, pathSeg{index: c, isIndex: true}))
			j = int(w.nodes[j].End)
		}
	case opInterface:
		reflect.NewAt(p.t, ptr).Elem().Set(reflect.ValueOf(fastyaml.Value(w.nodes, i)))
	case opString:
		if n.Kind != fastyaml.String {
			w.typeErr(segs, "a string", n)
			return
		}
		*(*string)(ptr) = n.Str
	case opBool:
		b, ok := n.Value.(bool)
		if !ok || n.Kind != fastyaml.Scalar {
			w.typeErr(segs, "true or false", n)
			return
		}
		*(*bool)(ptr) = b
	case opInt:
		v, ok := wholeNumber(n)
		if !ok {
			w.typeErr(segs, "a whole number", n)
			return
		}
		if bits := 64 - 8*p.size; v<<bits>>bits != v {
			w.errs = append(w.errs, typeError{path: renderPath(segs), msg: fmt.Sprintf("is a number too large for %s", p.t.Kind())})
			return
		}
		switch p.size {
		case 1:
			*(*int8)(ptr) = int8(v)
		case 2:
			*(*int16)(ptr) = int16(v)
		case 4:
			*(*int32)(ptr) = int32(v)
		default:
			*(*int64)(ptr) = v
		}
	case opUint:
		v, ok := wholeNumber(n)
		if bits := 64 - 8*p.size; !ok || v < 0 || uint64(v)<<bits>>bits != uint64(v) {
			w.typeErr(segs, "a non-negative whole number in range", n)
			return
		}
		switch p.size {
		case 1:
			*(*uint8)(ptr) = uint8(v)
		case 2:
			*(*uint16)(ptr) = uint16(v)
		case 4:
			*(*uint32)(ptr) = uint32(v)
		default:
			*(*uint64)(ptr) = uint64(v)
		}
	case opFloat:
		var f float64
		switch x := n.Value.(type) {
		case int64:
			f = float64(x)
		case float64:
			f = x
		default:
			w.typeErr(segs, "a number", n)
			return
		}
		if p.size == 4 {
			*(*float32)(ptr) = float32(f)
		} else {
			*(*float64)(ptr) = f
		}
	default:
		w.typeErr(segs, "a value of type "+p.t.String(), n)
	}
}

// scalarRoomWords is how many booleans or numbers one allocation of a walk's scalar room
// holds: a manifest has a few (replicas, runAsNonRoot, readOnlyRootFilesystem, runAsUser),
// each a pointer of its own in the Go types.
const scalarRoomWords = 8

// scalarRoom returns room for one boolean or number (8 bytes, aligned for any of them, zero)
// that a pointer field points at. The values of one document share allocations, which hold
// no pointers: the collector keeps one alive while any of its values is pointed at, and never
// scans it. A document's values live as long as its object, so none is kept alive by another
// document's.
func (w *strictWalk) scalarRoom() unsafe.Pointer {
	if len(w.scalars) == 0 {
		w.scalars = make([]uint64, scalarRoomWords)
	}
	p := unsafe.Pointer(&w.scalars[0])
	w.scalars = w.scalars[1:]
	return p
}

// makeSlice makes the slice at ptr (of p's type) n items long, its capacity n, and returns
// where its first item is. The items are allocated as their type, through reflect (Grow on
// the slice where it is, so no slice header is allocated beside them), and are zero. An empty
// list is an empty slice, not a nil one.
func makeSlice(ptr unsafe.Pointer, p *plan, n int) unsafe.Pointer {
	v := reflect.NewAt(p.t, ptr).Elem()
	if n == 0 {
		v.Set(reflect.MakeSlice(p.t, 0, 0))
		return nil
	}
	v.SetZero()
	v.Grow(n)
	v.SetLen(n)
	v.SetCap(n) // as made at its size: appending to it never writes into spare room
	return v.UnsafePointer()
}

// setMap decodes the map at w.nodes[i] into the map at ptr, of p's type (string keys), value
// by value; a value that cannot be decoded keeps its entry, zero.
func (w *strictWalk) setMap(ptr unsafe.Pointer, p *plan, i int, segs []pathSeg) {
	n := &w.nodes[i]
	out := reflect.MakeMapWithSize(p.t, int(n.Len))
	// SetMapIndex copies the key and the value: one value serves every entry, and the key is
	// read where the node holds it.
	keyType := p.t.Key()
	ev := reflect.New(p.elem.t).Elem()
	evp := ev.Addr().UnsafePointer()
	for j, c := i+1, 0; c < int(n.Len); c++ {
		e := &w.nodes[j]
		if !e.Superseded {
			ev.SetZero()
			w.set(evp, p.elem, j, append(segs, pathSeg{key: e.Key, bracket: true}))
			out.SetMapIndex(reflect.NewAt(keyType, unsafe.Pointer(&e.Key)).Elem(), ev)
		}
		j = int(e.End)
	}
	reflect.NewAt(p.t, ptr).Elem().Set(out)
}

// resourceList decodes the map at w.nodes[i] into a ResourceList (the resources of every
// container), as setMap would, without reflection.
func (w *strictWalk) resourceList(i int, segs []pathSeg) corev1.ResourceList {
	n := &w.nodes[i]
	out := make(corev1.ResourceList, n.Len)
	for j, c := i+1, 0; c < int(n.Len); c++ {
		e := &w.nodes[j]
		if !e.Superseded {
			var q resource.Quantity
			if !isNullNode(e) {
				q, _ = w.quantity(e, append(segs, pathSeg{key: e.Key, bracket: true}))
			}
			out[corev1.ResourceName(e.Key)] = q
		}
		j = int(e.End)
	}
	return out
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

// at returns where the field is in the struct at ptr, of p's type. A field of a struct
// embedded through a pointer is reached through reflect, which allocates that struct (and
// refuses, as encoding/json does, one of an unexported type).
func (f *planField) at(ptr unsafe.Pointer, p *plan) unsafe.Pointer {
	if f.direct {
		return unsafe.Add(ptr, f.offset)
	}
	return fieldByIndex(reflect.NewAt(p.t, ptr).Elem(), f.index).Addr().UnsafePointer()
}

// fieldByIndex returns the field at index, allocating embedded pointer structs on the way.
func fieldByIndex(v reflect.Value, index []int) reflect.Value {
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

// quantity reads the quantity n holds: a number, or a string such as 500m or 1Gi.
func (w *strictWalk) quantity(n *node, segs []pathSeg) (resource.Quantity, bool) {
	var s string
	switch x := n.Value.(type) {
	case int64:
		s = strconv.FormatInt(x, 10)
	case float64:
		s = strconv.FormatFloat(x, 'f', -1, 64)
	default:
		if n.Kind != fastyaml.String {
			w.typeErr(segs, "a quantity (a number or a string such as 500m or 1Gi)", n)
			return resource.Quantity{}, false
		}
		s = n.Str
	}
	q, err := resource.ParseQuantity(s)
	if err != nil {
		w.errs = append(w.errs, typeError{path: renderPath(segs), msg: "is not a quantity (such as 500m or 1Gi): it is " + finding.DescribeString(s)})
		return resource.Quantity{}, false
	}
	return q, true
}

func (w *strictWalk) setIntOrString(dst *intstr.IntOrString, n *node, segs []pathSeg) {
	switch {
	case n.Kind == fastyaml.String:
		*dst = intstr.FromString(n.Str)
	case n.Kind == fastyaml.Scalar && isNumber(n.Value):
		i, ok := wholeNumber(n)
		if !ok || i < math.MinInt32 || i > math.MaxInt32 {
			w.typeErr(segs, "a 32-bit whole number or a string", n)
			return
		}
		*dst = intstr.FromInt32(int32(i))
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

func (w *strictWalk) setTime(dst *metav1.Time, n *node, segs []pathSeg) {
	if n.Kind != fastyaml.String {
		w.typeErr(segs, "a time string (RFC 3339)", n)
		return
	}
	var t metav1.Time
	if err := t.UnmarshalQueryParameter(n.Str); err != nil {
		w.errs = append(w.errs, typeError{path: renderPath(segs), msg: "is not an RFC 3339 time: it is " + finding.DescribeString(n.Str)})
		return
	}
	*dst = t
}

// setViaJSON decodes the remaining types with their own JSON decoding (rare in manifests) the
// way the API server would: through their UnmarshalJSON.
func (w *strictWalk) setViaJSON(ptr unsafe.Pointer, p *plan, i int, segs []pathSeg) {
	raw, err := json.Marshal(fastyaml.Value(w.nodes, i))
	if err == nil {
		err = reflect.NewAt(p.t, ptr).Interface().(json.Unmarshaler).UnmarshalJSON(raw)
	}
	if err != nil {
		w.errs = append(w.errs, typeError{path: renderPath(segs), msg: fmt.Sprintf("cannot be decoded as %s: %s", p.t, finding.StripQuoted(err.Error()))})
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
