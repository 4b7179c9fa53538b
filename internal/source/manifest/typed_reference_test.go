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

// This file is the reference the typed decoder is held to: the same walk over the same plans,
// written plainly with reflect.Value (Field, Set, MakeSlice, SetMapIndex) where the decoder
// writes through field offsets. Every value, error, unknown field and path the decoder gives
// must be the one the reference gives (TestTypedDecodingMatchesReference,
// FuzzTypedDecodingMatchesReference).

// refDecodeTyped is decodeTyped (and, with r, decodeTypedAsMeant) through the reference walk.
func (c *strictChecker) refDecodeTyped(dst any, nodes []node, r *renames) (*strictWalk, error) {
	dv := reflect.ValueOf(dst)
	if dv.Kind() != reflect.Pointer || dv.IsNil() {
		return nil, fmt.Errorf("decode target must be a non-nil pointer, not %T", dst)
	}
	w := &strictWalk{c: c, root: dv.Type(), nodes: nodes, asMeant: r}
	w.refSet(dv.Elem(), c.planFor(dv.Type().Elem()), 0, nil)
	return w, nil
}

// refSetAsMeant is setAsMeant through the reference walk.
func (w *strictWalk) refSetAsMeant(dv reflect.Value, p *plan, f *planField, known bool, j int, segs []pathSeg) {
	key := w.nodes[j].Key
	path := renderPath(append(segs, pathSeg{key: key}))
	switch {
	case known && w.asMeant.replace[path]:
	case known:
		w.refSet(refFieldByIndex(dv, f.index), f.plan, j, append(segs, pathSeg{key: key}))
	default:
		meant, renamed := w.asMeant.meant[path]
		if renamed {
			if mf, ok := p.fields.find(meant); ok {
				w.refSet(refFieldByIndex(dv, mf.index), mf.plan, j, append(segs, pathSeg{key: key}))
				return
			}
		}
		w.unknown(p.t, p.si, key, segs)
	}
}

// refSet decodes the value at w.nodes[i] into dv, whose plan is p.
func (w *strictWalk) refSet(dv reflect.Value, p *plan, i int, segs []pathSeg) {
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
		w.refSet(dv.Elem(), p.elem, i, segs)
	case opQuantity:
		w.refSetQuantity(dv, n, segs)
	case opIntOrString:
		w.refSetIntOrString(dv, n, segs)
	case opTime:
		w.refSetTime(dv, n, segs)
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
		w.refSetViaJSON(dv, i, segs)
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
					w.refSetAsMeant(dv, p, f, ok, j, segs)
				case ok:
					w.refSet(refFieldByIndex(dv, f.index), f.plan, j, append(segs, pathSeg{key: e.Key}))
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
			dv.Set(reflect.ValueOf(w.refStringMap(i, segs)))
		default:
			out := reflect.MakeMapWithSize(p.t, int(n.Len))
			// SetMapIndex copies the key and the value: one of each serves every entry.
			key := reflect.New(p.t.Key()).Elem()
			ev := reflect.New(p.t.Elem()).Elem()
			for j, c := i+1, 0; c < int(n.Len); c++ {
				e := &w.nodes[j]
				if !e.Superseded {
					ev.SetZero()
					w.refSet(ev, p.elem, j, append(segs, pathSeg{key: e.Key, bracket: true}))
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
			w.refSet(out.Index(c), p.elem, j, append(segs, pathSeg{index: c, isIndex: true}))
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

// refStringMap decodes the map at w.nodes[i] into a map of strings, as set would, value by
// value: null is the empty string and a value of another type is an error (its entry kept
// empty).
func (w *strictWalk) refStringMap(i int, segs []pathSeg) map[string]string {
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

// refFieldByIndex returns the field at index, allocating embedded pointer structs on the way.
func refFieldByIndex(v reflect.Value, index []int) reflect.Value {
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

func (w *strictWalk) refSetQuantity(dv reflect.Value, n *node, segs []pathSeg) {
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

func (w *strictWalk) refSetIntOrString(dv reflect.Value, n *node, segs []pathSeg) {
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

func (w *strictWalk) refSetTime(dv reflect.Value, n *node, segs []pathSeg) {
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

// refSetViaJSON decodes the remaining types with their own JSON decoding (rare in manifests) the
// way the API server would: through their UnmarshalJSON.
func (w *strictWalk) refSetViaJSON(dv reflect.Value, i int, segs []pathSeg) {
	raw, err := json.Marshal(fastyaml.Value(w.nodes, i))
	if err == nil {
		err = dv.Addr().Interface().(json.Unmarshaler).UnmarshalJSON(raw)
	}
	if err != nil {
		w.errs = append(w.errs, typeError{path: renderPath(segs), msg: fmt.Sprintf("cannot be decoded as %s: %s", dv.Type(), finding.StripQuoted(err.Error()))})
	}
}
