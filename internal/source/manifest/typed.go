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
)

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

// decodeTyped fills dst (a pointer to a k8s.io/api struct) from content in one pass, with the
// semantics of the API server's JSON decoding: exact, case-sensitive field names; unknown
// fields recorded (with the field probably meant) and otherwise dropped; a value of the wrong
// JSON type is an error with its path. It replaces a strict walk followed by
// runtime.DefaultUnstructuredConverter.FromUnstructured, which would walk twice and round-trip
// every quantity through JSON.
func (c *strictChecker) decodeTyped(dst any, content map[string]any) (*strictWalk, error) {
	dv := reflect.ValueOf(dst)
	if dv.Kind() != reflect.Pointer || dv.IsNil() {
		return nil, fmt.Errorf("decode target must be a non-nil pointer, not %T", dst)
	}
	w := &strictWalk{c: c, root: dv.Type()}
	// The path grows and shrinks as the walk goes down and up; one buffer holds it, so that
	// stepping into a field does not allocate (a reported path is rendered into a new string).
	var segs [32]pathSeg
	w.set(dv.Elem(), content, segs[:0])
	return w, nil
}

func (w *strictWalk) set(dv reflect.Value, v any, segs []pathSeg) {
	if v == nil {
		dv.SetZero()
		return
	}
	t := dv.Type()
	if t.Kind() == reflect.Pointer {
		if dv.IsNil() {
			dv.Set(reflect.New(t.Elem()))
		}
		w.set(dv.Elem(), v, segs)
		return
	}
	switch t {
	case quantityType:
		w.setQuantity(dv, v, segs)
		return
	case intOrStringType:
		w.setIntOrString(dv, v, segs)
		return
	case timeType:
		w.setTime(dv, v, segs)
		return
	case durationType:
		s, ok := v.(string)
		if !ok {
			w.typeErr(segs, "a duration string", v)
			return
		}
		d, err := time.ParseDuration(s)
		if err != nil {
			w.errs = append(w.errs, typeError{path: renderPath(segs), msg: fmt.Sprintf("is not a duration: %v", err)})
			return
		}
		dv.Set(reflect.ValueOf(metav1.Duration{Duration: d}))
		return
	case rawExtType:
		raw, err := json.Marshal(v)
		if err != nil {
			w.errs = append(w.errs, typeError{path: renderPath(segs), msg: fmt.Sprintf("cannot be encoded: %v", err)})
			return
		}
		dv.Set(reflect.ValueOf(runtime.RawExtension{Raw: raw}))
		return
	}
	if w.c.decodesItself(t) {
		w.setViaJSON(dv, v, segs)
		return
	}
	switch t.Kind() {
	case reflect.Struct:
		m, ok := v.(map[string]any)
		if !ok {
			w.typeErr(segs, "an object", v)
			return
		}
		si := w.c.info(t)
		for k, child := range m {
			f, ok := si.byName[k]
			if !ok {
				w.unknown(t, si, k, segs)
				continue
			}
			w.set(fieldByIndex(dv, f.index), child, append(segs, pathSeg{key: k}))
		}
	case reflect.Map:
		m, ok := v.(map[string]any)
		if !ok {
			w.typeErr(segs, "an object", v)
			return
		}
		if t.Key().Kind() != reflect.String {
			w.typeErr(segs, "a map with string keys", v)
			return
		}
		if t == stringMapType {
			dv.Set(reflect.ValueOf(w.stringMap(m, segs)))
			return
		}
		out := reflect.MakeMapWithSize(t, len(m))
		for k, child := range m {
			ev := reflect.New(t.Elem()).Elem()
			w.set(ev, child, append(segs, pathSeg{key: k, bracket: true}))
			out.SetMapIndex(reflect.ValueOf(k).Convert(t.Key()), ev)
		}
		dv.Set(out)
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			s, ok := v.(string)
			if !ok {
				w.typeErr(segs, "a base64 string", v)
				return
			}
			b, err := base64.StdEncoding.DecodeString(s)
			if err != nil {
				w.errs = append(w.errs, typeError{path: renderPath(segs), msg: "is not valid base64"})
				return
			}
			dv.SetBytes(b)
			return
		}
		l, ok := v.([]any)
		if !ok {
			w.typeErr(segs, "a list", v)
			return
		}
		out := reflect.MakeSlice(t, len(l), len(l))
		for i, item := range l {
			w.set(out.Index(i), item, append(segs, pathSeg{index: i, isIndex: true}))
		}
		dv.Set(out)
	case reflect.Interface:
		dv.Set(reflect.ValueOf(v))
	case reflect.String:
		s, ok := v.(string)
		if !ok {
			w.typeErr(segs, "a string", v)
			return
		}
		dv.SetString(s)
	case reflect.Bool:
		b, ok := v.(bool)
		if !ok {
			w.typeErr(segs, "true or false", v)
			return
		}
		dv.SetBool(b)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n, ok := wholeNumber(v)
		if !ok {
			w.typeErr(segs, "a whole number", v)
			return
		}
		if dv.OverflowInt(n) {
			w.errs = append(w.errs, typeError{path: renderPath(segs), msg: fmt.Sprintf("value %d does not fit in %s", n, t.Kind())})
			return
		}
		dv.SetInt(n)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		n, ok := wholeNumber(v)
		if !ok || n < 0 || dv.OverflowUint(uint64(n)) {
			w.typeErr(segs, "a non-negative whole number in range", v)
			return
		}
		dv.SetUint(uint64(n))
	case reflect.Float32, reflect.Float64:
		switch n := v.(type) {
		case int64:
			dv.SetFloat(float64(n))
		case float64:
			dv.SetFloat(n)
		default:
			w.typeErr(segs, "a number", v)
		}
	default:
		w.typeErr(segs, "a value of type "+t.String(), v)
	}
}

// stringMap decodes a map of strings, as set would, value by value: null is the empty string
// and a value of another type is an error (its entry kept empty).
func (w *strictWalk) stringMap(m map[string]any, segs []pathSeg) map[string]string {
	out := make(map[string]string, len(m))
	for k, child := range m {
		switch s := child.(type) {
		case string:
			out[k] = s
		case nil:
			out[k] = ""
		default:
			w.typeErr(append(segs, pathSeg{key: k, bracket: true}), "a string", child)
			out[k] = ""
		}
	}
	return out
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

func wholeNumber(v any) (int64, bool) {
	switch n := v.(type) {
	case int64:
		return n, true
	case float64:
		if n == math.Trunc(n) && n >= math.MinInt64 && n <= math.MaxInt64 {
			return int64(n), true
		}
	}
	return 0, false
}

func (w *strictWalk) setQuantity(dv reflect.Value, v any, segs []pathSeg) {
	var s string
	switch n := v.(type) {
	case string:
		s = n
	case int64:
		s = strconv.FormatInt(n, 10)
	case float64:
		s = strconv.FormatFloat(n, 'f', -1, 64)
	default:
		w.typeErr(segs, "a quantity (a number or a string such as 500m or 1Gi)", v)
		return
	}
	q, err := resource.ParseQuantity(s)
	if err != nil {
		w.errs = append(w.errs, typeError{path: renderPath(segs), msg: fmt.Sprintf("%q is not a quantity (such as 500m or 1Gi)", s)})
		return
	}
	*dv.Addr().Interface().(*resource.Quantity) = q
}

func (w *strictWalk) setIntOrString(dv reflect.Value, v any, segs []pathSeg) {
	switch n := v.(type) {
	case string:
		*dv.Addr().Interface().(*intstr.IntOrString) = intstr.FromString(n)
	case int64, float64:
		i, ok := wholeNumber(n)
		if !ok || i < math.MinInt32 || i > math.MaxInt32 {
			w.typeErr(segs, "a 32-bit whole number or a string", v)
			return
		}
		*dv.Addr().Interface().(*intstr.IntOrString) = intstr.FromInt32(int32(i))
	default:
		w.typeErr(segs, "a number or a string", v)
	}
}

func (w *strictWalk) setTime(dv reflect.Value, v any, segs []pathSeg) {
	s, ok := v.(string)
	if !ok {
		w.typeErr(segs, "a time string (RFC 3339)", v)
		return
	}
	var t metav1.Time
	if err := t.UnmarshalQueryParameter(s); err != nil {
		w.errs = append(w.errs, typeError{path: renderPath(segs), msg: fmt.Sprintf("%q is not an RFC 3339 time", s)})
		return
	}
	dv.Set(reflect.ValueOf(t))
}

// setViaJSON decodes the remaining types with their own JSON decoding (rare in manifests) the
// way the API server would: through their UnmarshalJSON.
func (w *strictWalk) setViaJSON(dv reflect.Value, v any, segs []pathSeg) {
	raw, err := json.Marshal(v)
	if err == nil {
		err = dv.Addr().Interface().(json.Unmarshaler).UnmarshalJSON(raw)
	}
	if err != nil {
		w.errs = append(w.errs, typeError{path: renderPath(segs), msg: fmt.Sprintf("cannot be decoded as %s: %v", dv.Type(), err)})
	}
}

// decodesItself reports whether values of t decode themselves from JSON (a method lookup that
// is too slow to repeat for every value, so it is cached per type).
func (c *strictChecker) decodesItself(t reflect.Type) bool {
	if t.PkgPath() == "" && t.Kind() != reflect.Struct {
		// A predeclared type (string, int64) or a type literal ([]T, map[K]V) has no methods;
		// an unnamed struct may promote some from its embedded fields.
		return false
	}
	if v, ok := c.selfDecoding.Load(t); ok {
		return v.(bool)
	}
	yes := reflect.PointerTo(t).Implements(jsonUnmarshaler)
	c.selfDecoding.Store(t, yes)
	return yes
}
