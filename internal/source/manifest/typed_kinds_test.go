package manifest

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/kubernetes/scheme"

	"palisade.dev/palisade/internal/inventory"
	"palisade.dev/palisade/internal/source/manifest/fastyaml"
)

// everyKind has a field of every kind of Go value the typed decoder writes, and of the ways a
// struct reaches its fields (embedded, embedded through a pointer, inline, skipped, untagged).
// A struct embedded through a pointer is of an exported type, as encoding/json requires: the
// decoder cannot allocate one of an unexported type either.
type everyKind struct {
	Str   string          `json:"str"`
	Named corev1.Protocol `json:"named"`
	Bool  bool            `json:"bool"`
	Int   int             `json:"int"`
	I8    int8            `json:"i8"`
	I16   int16           `json:"i16"`
	I32   int32           `json:"i32"`
	I64   int64           `json:"i64"`
	Uint  uint            `json:"uint"`
	U8    uint8           `json:"u8"`
	U16   uint16          `json:"u16"`
	U32   uint32          `json:"u32"`
	U64   uint64          `json:"u64"`
	F32   float32         `json:"f32"`
	F64   float64         `json:"f64"`

	PStr  *string  `json:"pstr"`
	PBool *bool    `json:"pbool"`
	PI32  *int32   `json:"pi32"`
	PI64  *int64   `json:"pi64"`
	PF64  *float64 `json:"pf64"`
	PPI32 **int32  `json:"ppi32"`

	Strs     []string            `json:"strs"`
	I32s     []int32             `json:"i32s"`
	Items    []everyKindItem     `json:"items"`
	PItems   []*everyKindItem    `json:"pitems"`
	Nested   [][]string          `json:"nested"`
	Bytes    []byte              `json:"bytes"`
	Labels   map[string]string   `json:"labels"`
	Limits   corev1.ResourceList `json:"limits"`
	Counts   map[string]int64    `json:"counts"`
	ItemMap  map[string]everyKindItem
	BadKey   map[int]string             `json:"badKey"`
	Named2   map[corev1.Protocol]string `json:"named2"`
	Quantity resource.Quantity          `json:"quantity"`
	PQty     *resource.Quantity         `json:"pqty"`
	IOS      intstr.IntOrString         `json:"ios"`
	PIOS     *intstr.IntOrString        `json:"pios"`
	Time     metav1.Time                `json:"time"`
	PTime    *metav1.Time               `json:"ptime"`
	Duration metav1.Duration            `json:"duration"`
	Raw      runtime.RawExtension       `json:"raw"`
	Micro    metav1.MicroTime           `json:"micro"`
	Any      any                        `json:"any"`
	Func     func()                     `json:"func"`
	Skipped  string                     `json:"-"`
	Self     *everyKind                 `json:"self"`
	unexp    string

	everyKindEmbedded
	*EveryKindEmbeddedPtr
	Inline everyKindInline `json:",inline"`
}

type everyKindItem struct {
	Name  string `json:"name"`
	Value *int32 `json:"value,omitempty"`
}

type everyKindEmbedded struct {
	Embedded string `json:"embedded"`
}

type EveryKindEmbeddedPtr struct {
	ViaPointer string `json:"viaPointer"`
	ViaInt     int32  `json:"viaInt"`
}

type everyKindInline struct {
	Inlined bool `json:"inlined"`
}

func ptr[T any](v T) *T { return &v }

// decodeEveryKind decodes a YAML document into dst with the typed decoder and returns its
// errors and unknown fields, one line each.
func decodeEveryKind(t *testing.T, doc string, dst any) []string {
	t.Helper()
	var c strictChecker
	w, err := c.decodeTyped(dst, documentNodes(t, []byte(doc)))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range w.errs {
		got = append(got, e.path+": "+e.msg)
	}
	for _, is := range w.issues {
		got = append(got, fmt.Sprintf("unknown %s (%s)", is.Path, is.Suggestion))
	}
	return got
}

// TestTypedDecodingEveryFieldKind pins what the typed decoder writes, and the error it gives,
// for every kind of field: scalars of every size, pointers, slices, maps, the types that
// decode themselves, and fields reached through embedded and inline structs.
func TestTypedDecodingEveryFieldKind(t *testing.T) {
	rfc3339 := func(s string) metav1.Time {
		tm, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return metav1.NewTime(tm.Local())
	}
	for _, tc := range []struct {
		name string
		doc  string
		want everyKind
		errs []string
	}{
		{name: "empty document leaves every field zero", doc: "{}\n"},
		{
			name: "strings share the value written, named string types too",
			doc:  "str: hello\nnamed: TCP\n",
			want: everyKind{Str: "hello", Named: corev1.ProtocolTCP},
		},
		{
			name: "booleans, YAML 1.1 spellings included",
			doc:  "bool: yes\npbool: off\n",
			want: everyKind{Bool: true, PBool: ptr(false)},
		},
		{
			name: "integers of every size at their limits",
			doc:  "int: -9223372036854775808\ni8: -128\ni16: 32767\ni32: -2147483648\ni64: 9223372036854775807\n",
			want: everyKind{Int: -9223372036854775808, I8: -128, I16: 32767, I32: -2147483648, I64: 9223372036854775807},
		},
		{
			name: "unsigned integers of every size at their limits",
			doc:  "uint: 5\nu8: 255\nu16: 65535\nu32: 4294967295\nu64: 9223372036854775807\n",
			want: everyKind{Uint: 5, U8: 255, U16: 65535, U32: 4294967295, U64: 9223372036854775807},
		},
		{
			name: "a whole float is a whole number",
			doc:  "i32: 3.0\nu16: 1e3\n",
			want: everyKind{I32: 3, U16: 1000},
		},
		{
			name: "integers out of range are errors naming the kind",
			doc:  "i8: 128\ni16: -32769\ni32: 2147483648\nint: 1e300\n",
			errs: []string{
				"i8: is a number too large for int8",
				"i16: is a number too large for int16",
				"i32: is a number too large for int32",
				"int: must be a whole number, not a number",
			},
		},
		{
			name: "unsigned integers out of range or negative are errors",
			doc:  "u8: 256\nu16: -1\nu32: 4294967296\nuint: 1.5\n",
			errs: []string{
				"u8: must be a non-negative whole number in range, not a number",
				"u16: must be a non-negative whole number in range, not a number",
				"u32: must be a non-negative whole number in range, not a number",
				"uint: must be a non-negative whole number in range, not a number",
			},
		},
		{
			name: "floats take whole numbers and fractions, float32 rounded",
			doc:  "f32: 0.1\nf64: 7\npf64: 2.5\n",
			want: everyKind{F32: float32(0.1), F64: 7, PF64: ptr(2.5)},
		},
		{
			name: "pointers to scalars, and a pointer to a pointer",
			doc:  "pstr: x\npi32: 7\npi64: -1\nppi32: 9\n",
			want: everyKind{PStr: ptr("x"), PI32: ptr(int32(7)), PI64: ptr(int64(-1)), PPI32: ptr(ptr(int32(9)))},
		},
		{
			name: "null is the zero value of any field",
			doc:  "str: null\nbool: ~\ni32: null\npstr: null\nstrs: null\nlabels: null\nquantity: null\nself: null\nitems: null\n",
		},
		{
			name: "slices of scalars, structs, pointers to structs and slices",
			doc:  "strs: [a, b]\ni32s: [1, 2, 3]\nitems:\n- name: x\n  value: 1\n- name: w\npitems:\n- name: z\nnested: [[a], [], [b, c]]\n",
			want: everyKind{
				Strs: []string{"a", "b"}, I32s: []int32{1, 2, 3},
				Items:  []everyKindItem{{Name: "x", Value: ptr(int32(1))}, {Name: "w"}},
				PItems: []*everyKindItem{{Name: "z"}},
				Nested: [][]string{{"a"}, {}, {"b", "c"}},
			},
		},
		{
			name: "an empty list is an empty slice, not a nil one",
			doc:  "strs: []\nitems: []\n",
			want: everyKind{Strs: []string{}, Items: []everyKindItem{}},
		},
		{
			name: "a null item of a list is its zero value",
			doc:  "strs: [a, null]\npitems: [null, {name: b}]\n",
			want: everyKind{Strs: []string{"a", ""}, PItems: []*everyKindItem{nil, {Name: "b"}}},
		},
		{
			name: "bytes are base64",
			doc:  "bytes: aGVsbG8=\n",
			want: everyKind{Bytes: []byte("hello")},
		},
		{
			name: "maps of strings, quantities, numbers, structs and named keys",
			doc:  "labels: {a: x, b: null}\nlimits: {cpu: 500m, memory: 1Gi}\ncounts: {a: 1}\nItemMap: {k: {name: m}}\nnamed2: {UDP: u}\n",
			want: everyKind{
				Labels:  map[string]string{"a": "x", "b": ""},
				Limits:  corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("500m"), corev1.ResourceMemory: resource.MustParse("1Gi")},
				Counts:  map[string]int64{"a": 1},
				ItemMap: map[string]everyKindItem{"k": {Name: "m"}},
				Named2:  map[corev1.Protocol]string{corev1.ProtocolUDP: "u"},
			},
		},
		{
			name: "an empty map is an empty map, not a nil one",
			doc:  "labels: {}\nlimits: {}\ncounts: {}\n",
			want: everyKind{Labels: map[string]string{}, Limits: corev1.ResourceList{}, Counts: map[string]int64{}},
		},
		{
			name: "a map's value of the wrong type is an error at its key, the entry kept",
			doc:  "labels: {a: 1}\ncounts: {b: x}\nlimits: {cpu: lots}\n",
			want: everyKind{Labels: map[string]string{"a": ""}, Counts: map[string]int64{"b": 0}, Limits: corev1.ResourceList{corev1.ResourceCPU: {}}},
			errs: []string{
				"labels[a]: must be a string, not a number",
				"counts[b]: must be a whole number, not a string of 1 character",
				"limits[cpu]: is not a quantity (such as 500m or 1Gi): it is a string of 4 characters",
			},
		},
		{
			name: "a map whose keys are not strings cannot be written",
			doc:  "badKey: {a: b}\n",
			errs: []string{"badKey: must be a map with string keys, not an object"},
		},
		{
			name: "quantities from strings and numbers",
			doc:  "quantity: 2Gi\npqty: 0.5\n",
			want: everyKind{Quantity: resource.MustParse("2Gi"), PQty: ptr(resource.MustParse("0.5"))},
		},
		{
			name: "int-or-string from both",
			doc:  "ios: 8080\npios: http\n",
			want: everyKind{IOS: intstr.FromInt32(8080), PIOS: ptr(intstr.FromString("http"))},
		},
		{
			name: "int-or-string out of 32 bits is an error",
			doc:  "ios: 4294967296\npios: true\n",
			errs: []string{
				"ios: must be a 32-bit whole number or a string, not a number",
				"pios: must be a number or a string, not the boolean true",
			},
			want: everyKind{PIOS: &intstr.IntOrString{}},
		},
		{
			name: "times and durations",
			doc:  "time: 2024-01-02T03:04:05Z\nptime: 2024-06-01T00:00:00+02:00\nduration: 90s\n",
			want: everyKind{Time: rfc3339("2024-01-02T03:04:05Z"), PTime: ptr(rfc3339("2024-06-01T00:00:00+02:00")), Duration: metav1.Duration{Duration: 90 * time.Second}},
		},
		{
			name: "bad times and durations are errors that describe the value",
			doc:  "time: yesterday\nduration: 5\nptime: 1\n",
			want: everyKind{PTime: &metav1.Time{}},
			errs: []string{
				"time: is not an RFC 3339 time: it is a string of 9 characters",
				"duration: must be a duration string, not a number",
				"ptime: must be a time string (RFC 3339), not a number",
			},
		},
		{
			name: "a raw extension holds the value as JSON",
			doc:  "raw: {b: [1, x], a: true}\n",
			want: everyKind{Raw: runtime.RawExtension{Raw: []byte(`{"a":true,"b":[1,"x"]}`)}},
		},
		{
			name: "a type that decodes itself does, through JSON",
			doc:  "micro: 2024-01-02T03:04:05.123456Z\n",
			want: everyKind{Micro: func() metav1.MicroTime {
				var m metav1.MicroTime
				if err := m.UnmarshalJSON([]byte(`"2024-01-02T03:04:05.123456Z"`)); err != nil {
					t.Fatal(err)
				}
				return m
			}()},
		},
		{
			name: "an interface holds plain data",
			doc:  "any: {a: [1, 2.5, x, null, true]}\n",
			want: everyKind{Any: map[string]any{"a": []any{int64(1), 2.5, "x", nil, true}}},
		},
		{
			name: "a field no JSON value decodes into is an error",
			doc:  "func: x\n",
			errs: []string{"func: must be a value of type func(), not a string of 1 character"},
		},
		{
			name: "fields of embedded and inline structs, through a pointer allocated on the way",
			doc:  "embedded: e\nviaPointer: p\ninlined: true\n",
			want: everyKind{everyKindEmbedded: everyKindEmbedded{Embedded: "e"}, EveryKindEmbeddedPtr: &EveryKindEmbeddedPtr{ViaPointer: "p"}, Inline: everyKindInline{Inlined: true}},
		},
		{
			name: "a field behind an embedded pointer, written with a number",
			doc:  "viaInt: 3\n",
			want: everyKind{EveryKindEmbeddedPtr: &EveryKindEmbeddedPtr{ViaInt: 3}},
		},
		{
			name: "skipped, unexported and misspelt fields are unknown; untagged ones go by their Go name",
			doc:  "Skipped: x\nunexp: y\nstrr: z\nItemMap: {}\n",
			want: everyKind{ItemMap: map[string]everyKindItem{}},
			errs: []string{"unknown Skipped ()", "unknown unexp ()", "unknown strr (str)"},
		},
		{
			name: "a type that holds itself",
			doc:  "self: {self: {str: deep}, pi32: 1}\n",
			want: everyKind{Self: &everyKind{Self: &everyKind{Str: "deep"}, PI32: ptr(int32(1))}},
		},
		{
			name: "values of the wrong JSON type name their path, and the rest is still decoded",
			doc:  "str: 1\nbool: x\nstrs: a\nitems: [{name: [x]}, 3]\nlabels: [a]\nself: {strs: {a: b}}\ni32: true\nf64: x\nbytes: '%%'\nquantity: {a: b}\n",
			want: everyKind{Items: []everyKindItem{{}, {}}, Self: &everyKind{}},
			errs: []string{
				"str: must be a string, not a number",
				"bool: must be true or false, not a string of 1 character",
				"strs: must be a list, not a string of 1 character",
				"items[0].name: must be a string, not a list",
				"items[1]: must be an object, not a number",
				"labels: must be an object, not a list",
				"self.strs: must be a list, not an object",
				"i32: must be a whole number, not the boolean true",
				"f64: must be a number, not a string of 1 character",
				"bytes: is not valid base64",
				"quantity: must be a quantity (a number or a string such as 500m or 1Gi), not an object",
			},
		},
		{
			name: "a repeated key: the last one is read",
			doc:  "str: a\nstr: b\n",
			want: everyKind{Str: "b"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got everyKind
			errs := decodeEveryKind(t, tc.doc, &got)
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("decoded\n%#v\nwant\n%#v", got, tc.want)
			}
			if !slices.Equal(errs, tc.errs) {
				t.Errorf("errors\n%s\nwant\n%s", strings.Join(errs, "\n"), strings.Join(tc.errs, "\n"))
			}
		})
	}
}

// documentNodes reads a document as the loader does: through the fast path, or yaml.v3 for
// what the fast path leaves to it.
func documentNodes(t testing.TB, doc []byte) []node {
	t.Helper()
	var pos inventory.PositionsBuilder
	if d, err := fastyaml.Decode(doc, 0, nil, &pos); err == nil {
		return slices.Clone(d.Nodes)
	}
	ref := yamlReference(doc, 0, nil)
	if ref.content == nil {
		t.Fatalf("not a map: %v %v", ref.parseErr, ref.convErr)
	}
	return fastyaml.AppendValue(nil, "", ref.content)
}

// sameCapacities reports the first slice in got whose capacity is not that of the same slice
// in want: appending to a decoded slice must write where it did before.
func sameCapacities(got, want reflect.Value, path string) error {
	switch got.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !got.IsNil() && !want.IsNil() {
			return sameCapacities(got.Elem(), want.Elem(), path)
		}
	case reflect.Struct:
		for i := range got.NumField() {
			if err := sameCapacities(got.Field(i), want.Field(i), path+"."+got.Type().Field(i).Name); err != nil {
				return err
			}
		}
	case reflect.Slice:
		if got.Cap() != want.Cap() {
			return fmt.Errorf("%s: a slice of length %d has capacity %d, not %d", path, got.Len(), got.Cap(), want.Cap())
		}
		for i := range min(got.Len(), want.Len()) {
			if err := sameCapacities(got.Index(i), want.Index(i), fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
	case reflect.Map:
		for it := got.MapRange(); it.Next(); {
			if w := want.MapIndex(it.Key()); w.IsValid() {
				if err := sameCapacities(it.Value(), w, fmt.Sprintf("%s[%v]", path, it.Key())); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// referenceTypes are the Go types the differential tests decode documents into, whatever
// their kind: a document decoded into the wrong type reaches every kind of error.
var referenceTypes = []reflect.Type{
	reflect.TypeFor[everyKind](),
	reflect.TypeFor[corev1.Pod](),
	reflect.TypeFor[appsv1.Deployment](),
	reflect.TypeFor[batchv1.CronJob](),
	reflect.TypeFor[corev1.Service](),
	reflect.TypeFor[corev1.ConfigMap](),
	reflect.TypeFor[networkingv1.NetworkPolicy](),
	reflect.TypeFor[rbacv1.ClusterRole](),
}

// sameAsReference decodes the document's nodes into a new value of t with the typed decoder
// and with the reference walk (typed_reference_test.go), once as written and, when it has
// misspelt fields, once as meant, and reports any difference in the values, the errors or
// the unknown fields.
func sameAsReference(c *strictChecker, t reflect.Type, nodes []node) error {
	got, want := reflect.New(t).Interface(), reflect.New(t).Interface()
	gw, err := c.decodeTyped(got, nodes)
	if err != nil {
		return err
	}
	ww, err := c.refDecodeTyped(want, nodes, nil)
	if err != nil {
		return err
	}
	if err := sameWalk(t, got, want, &gw, ww); err != nil {
		return err
	}
	r := renamesOf(ww.issues)
	if r == nil {
		return nil
	}
	got, want = reflect.New(t).Interface(), reflect.New(t).Interface()
	if gw, err = c.decodeTypedAsMeant(got, nodes, r); err != nil {
		return err
	}
	if ww, err = c.refDecodeTyped(want, nodes, r); err != nil {
		return err
	}
	if err := sameWalk(t, got, want, &gw, ww); err != nil {
		return fmt.Errorf("as meant: %w", err)
	}
	return nil
}

func sameWalk(t reflect.Type, got, want any, gw, ww *strictWalk) error {
	switch {
	case !reflect.DeepEqual(got, want):
		return fmt.Errorf("%s: decoded\n%#v\nreference\n%#v", t, got, want)
	case !slices.Equal(gw.errs, ww.errs):
		return fmt.Errorf("%s: errors\n%v\nreference\n%v", t, gw.errs, ww.errs)
	case !reflect.DeepEqual(gw.issues, ww.issues):
		return fmt.Errorf("%s: unknown fields\n%+v\nreference\n%+v", t, gw.issues, ww.issues)
	}
	return sameCapacities(reflect.ValueOf(got), reflect.ValueOf(want), t.String())
}

// TestTypedDecodingMatchesReference holds the typed decoder to the reference walk on every
// document of the generated corpus and of the fixtures, each decoded into its own kind's
// type and into each of referenceTypes.
func TestTypedDecodingMatchesReference(t *testing.T) {
	var c strictChecker
	docs := typedCorpus(t, 1000)
	seeds, _ := seedDocuments(t, t.TempDir())
	for _, d := range seeds {
		var pos inventory.PositionsBuilder
		fd, err := fastyaml.Decode(d.Data, 0, nil, &pos)
		if err != nil || len(fd.Nodes) == 0 || fd.Nodes[0].Kind != fastyaml.Map {
			continue
		}
		docs = append(docs, typedDocument{nodes: slices.Clone(fd.Nodes)})
	}
	compared := 0
	for i, d := range docs {
		types := referenceTypes
		if obj, err := scheme.Scheme.New(d.gvk); err == nil && d.gvk.Kind != "" {
			types = append([]reflect.Type{reflect.TypeOf(obj).Elem()}, types...)
		}
		for _, typ := range types {
			if err := sameAsReference(&c, typ, d.nodes); err != nil {
				t.Fatalf("document %d: %v", i, err)
			}
			compared++
		}
	}
	t.Logf("%d documents, %d decodings compared", len(docs), compared)
}

// FuzzTypedDecodingMatchesReference holds the typed decoder to the reference walk on any
// document the fast path reads, decoded into one of referenceTypes.
func FuzzTypedDecodingMatchesReference(f *testing.F) {
	for i, doc := range []string{
		"str: a\ni32: 1\nstrs: [a, b]\nitems: [{name: x, value: 2}]\nlabels: {a: b}\nlimits: {cpu: 1}\n",
		"spec:\n  containers:\n  - name: a\n    image: b\n    resources: {limits: {cpu: 500m}}\n    securityContex: {privileged: true}\n",
		"metadata: {name: x, labels: {a: b}, annotation: {k: v}}\nspec: {replicas: 3, template: {spec: {containers: [{name: c, ports: [{containerPort: 80}]}]}}}\n",
		"spec: {schedule: '* * * * *', jobTemplate: {spec: {template: {spec: {restartPolicy: Never}}}}}\n",
		"rules: [{apiGroups: ['*'], resources: ['*'], verbs: ['*']}]\n",
		"spec: {podSelector: {}, ingress: [{from: [{ipBlock: {cidr: 10.0.0.0/8}}], ports: [{port: 80}]}]}\n",
		"self: {self: {i8: 300, u8: -1, f32: x, bytes: '!!', raw: {a: 1}, micro: x}}\nembedded: 1\nviaPointer: x\n",
	} {
		f.Add([]byte(doc), uint8(i))
	}
	var c strictChecker
	f.Fuzz(func(t *testing.T, data []byte, which uint8) {
		var pos inventory.PositionsBuilder
		fd, err := fastyaml.Decode(data, 0, nil, &pos)
		if err != nil || len(fd.Nodes) == 0 || fd.Nodes[0].Kind != fastyaml.Map {
			return
		}
		if err := sameAsReference(&c, referenceTypes[int(which)%len(referenceTypes)], fd.Nodes); err != nil {
			t.Fatal(err)
		}
	})
}
